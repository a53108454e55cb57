/**
 * Reader for articles written as JSON. The input schema is the article model with the
 * conveniences a person writing JSON wants: ids and positions optional, rich text as a
 * plain string, `dir`, `byline` and `source` optional. `assets/article.schema.json` is
 * generated from `ArticleInput`.
 */
import { z } from 'zod';
import { errors } from '../article/diagnostics.js';
import { Article, Block, Code, Inline, Position, type SubList } from '../article/model.js';
import type { DraftArticle, DraftBlock } from './draft.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../transforms/nesting.js';

const RichInput = z.union([z.string(), z.array(Inline)]);
const opt = { id: Block.options[0].shape.id.optional(), position: Position.optional() };

interface SubListInput {
  item: number;
  ordered?: boolean;
  items: (string | z.infer<typeof Inline>[])[];
  sublists?: SubListInput[];
}
const SubListInput: z.ZodType<SubListInput> = z.lazy(() =>
  z.strictObject({ item: z.number().int().min(0), ordered: z.boolean().optional(), items: z.array(RichInput).min(1), sublists: z.array(SubListInput).optional() }),
);
const QuoteListInput = z.strictObject({ after: z.number().int().min(0), ordered: z.boolean().default(false), items: z.array(RichInput).min(1), sublists: z.array(SubListInput).optional() });
const CellInput = z.union([
  z.string(),
  z.strictObject({ header: z.boolean().optional(), children: RichInput, colspan: z.number().int().min(1).max(1000).optional(), rowspan: z.number().int().min(1).max(65534).optional() }),
]);

const BlockInput = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('paragraph'), ...opt, children: RichInput }),
  z.strictObject({ type: z.literal('heading'), ...opt, depth: z.number().int().min(2).max(6), children: RichInput }),
  z.strictObject({
    type: z.literal('figure'),
    ...opt,
    image: z.string().min(1).optional(),
    alt: z.string().optional(),
    altSource: z.enum(['author', 'derived']).optional(),
    caption: RichInput,
    credit: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('pullquote'), ...opt, children: RichInput, attribution: z.string().optional() }),
  z.strictObject({ type: z.literal('blockquote'), ...opt, paragraphs: z.array(RichInput).min(1), lists: z.array(QuoteListInput).optional(), attribution: z.string().optional() }),
  z.strictObject({
    type: z.literal('list'),
    ...opt,
    ordered: z.boolean().default(false),
    start: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    items: z.array(RichInput).min(1),
    sublists: z.array(SubListInput).optional(),
  }),
  z.strictObject({ type: z.literal('code'), ...opt, language: Code.shape.language, value: z.string().min(1) }),
  z.strictObject({
    type: z.literal('table'),
    ...opt,
    caption: RichInput.optional(),
    headerRows: z.number().int().min(0).default(0),
    rows: z.array(z.array(CellInput).min(1)).min(1),
  }),
  z.strictObject({ type: z.literal('separator'), ...opt }),
]);

export const ArticleInput = z.strictObject({
  $schema: z.string().optional(),
  lang: Article.shape.lang.default('en'),
  dir: Article.shape.dir.optional(),
  kicker: z.string().optional(),
  headline: z.string().min(1),
  standfirst: z.string().optional(),
  byline: Article.shape.byline.strict().default({ authors: [] }),
  source: Article.shape.source.strict().default({}),
  cover: Article.shape.cover.unwrap().strict().optional(),
  blocks: z.array(BlockInput),
});

/** Ids lectern gives elements of its own in the book. */
const RESERVED_IDS = new Set(['headline', 'standfirst', 'byline', 'byline-names', 'rights', 'start', 'toc', 'toc-title', 'landmarks', 'landmarks-title', 'kicker']);
/** Suffixes lectern adds to block ids for sentences, credits and attributions. */
const RESERVED_SUFFIX = /-(?:s\d+|credit|by|alt|p\d+|i\d+|r\d+|caption)$/;

/**
 * Ids written by the author become XHTML ids: each must be unique, and none may be one
 * lectern uses itself (or could derive from another block's id).
 */
function checkAuthorIds(ids: readonly (string | undefined)[], file: string): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (id === undefined) return;
    if (seen.has(id)) throw errors.schema(file, `blocks.${i}.id`, `"${id}" is used by an earlier block; ids must be unique`);
    if (RESERVED_IDS.has(id) || RESERVED_SUFFIX.test(id)) throw errors.schema(file, `blocks.${i}.id`, `"${id}" is reserved for lectern's own elements; choose another id`);
    seen.add(id);
  });
}

import { zodIssue } from './zod-issue.js';
export { zodIssue };

const rich = (r: string | z.infer<typeof Inline>[]) => (typeof r === 'string' ? (r ? [{ type: 'text' as const, value: r }] : []) : r);

/** A nested list as written (ordered like its parent unless it says) to the model's. */
const subList =
  (parentOrdered: boolean) =>
  (s: SubListInput): SubList => {
    const ordered = s.ordered ?? parentOrdered;
    return { item: s.item, ordered, items: s.items.map(rich), ...(s.sublists ? { sublists: s.sublists.map(subList(ordered)) } : {}) };
  };

/**
 * Where each element of the top-level `blocks` array starts in the JSON text, as line and
 * column, found in one pass (the text is known to be valid JSON). A block's diagnostics
 * point there: a `position` written in the file (say, by `-s json` from a Markdown article)
 * names a place in another file, so it is not used for messages about this one.
 */
export function blockPlaces(text: string): Position[] {
  const places: Position[] = [];
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  let inBlocks = false;
  let lastKey = '';
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) continue;
    if (inBlocks && depth === 2 && expectElement && c !== 93 /* ] */) {
      places.push({ line, column: i - lineStart + 1 });
      expectElement = false;
    }
    if (c === 34 /* " */) {
      const start = i + 1;
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
      if (depth === 1) lastKey = text.slice(start, i);
      continue;
    }
    if (c === 123 || c === 91) {
      depth++;
      if (depth === 2 && c === 91 && lastKey === 'blocks') {
        inBlocks = true;
        expectElement = true;
      }
    } else if (c === 125 || c === 93) {
      if (depth === 2) inBlocks = false;
      depth--;
    } else if (c === 44 /* , */ && inBlocks && depth === 2) expectElement = true;
  }
  return places;
}

export function readJson(text: string, file: string): DraftArticle {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const at = /position (\d+)/.exec(msg);
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : undefined;
    throw errors.badJson(file, msg.replace(/^JSON\.parse: /, '').replace(/ in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, ''), line);
  }
  const deep = jsonDepth(data);
  if (deep.depth > MAX_JSON_DEPTH) throw errors.schema(file, deep.path.slice(0, 3).join('.'), `nested more than ${MAX_JSON_DEPTH} levels deep`);
  const parsed = ArticleInput.safeParse(data);
  if (!parsed.success) {
    const { path, message } = zodIssue(parsed.error);
    throw errors.schema(file, path, message);
  }
  const a = parsed.data;
  checkAuthorIds(a.blocks.map((b) => b.id), file);
  const places = blockPlaces(text);
  const blocks = a.blocks.map((input, i): DraftBlock => {
    const b = { ...input, position: places[i] };
    switch (b.type) {
      case 'paragraph':
      case 'heading':
      case 'pullquote':
        return { ...b, children: rich(b.children) } as DraftBlock;
      case 'figure':
        return { ...b, caption: rich(b.caption), ...(b.alt !== undefined && !b.altSource ? { altSource: 'author' as const } : {}) };
      case 'blockquote': {
        const { lists, ...rest } = b;
        return { ...rest, paragraphs: b.paragraphs.map(rich), ...(lists ? { lists: lists.map(({ sublists, ...l }) => ({ ...l, items: l.items.map(rich), ...(sublists ? { sublists: sublists.map(subList(l.ordered)) } : {}) })) } : {}) };
      }
      case 'list': {
        const { sublists, ...rest } = b;
        return { ...rest, items: b.items.map(rich), ...(sublists ? { sublists: sublists.map(subList(b.ordered)) } : {}) };
      }
      case 'code':
        return b;
      case 'table': {
        const { caption, ...rest } = b;
        return {
          ...rest,
          ...(caption !== undefined ? { caption: rich(caption) } : {}),
          rows: b.rows.map((r) => r.map((c) => (typeof c === 'string' ? { children: rich(c) } : { ...c, children: rich(c.children) }))),
        };
      }
      case 'separator':
        return b;
    }
  });
  const { $schema: _schema, ...rest } = a;
  return { ...rest, dir: a.dir ?? 'ltr', blocks };
}
