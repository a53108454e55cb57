/**
 * Shared Markdown plumbing: parse with remark, turn mdast phrasing content into the
 * article's inlines, and turn ordinary body nodes into blocks. The seed and front-matter
 * readers both build on this; each adds the conventions of its own format.
 */
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkFrontmatter from 'remark-frontmatter';
import type { Root, RootContent, PhrasingContent, Definition, List, Blockquote, Table as MdTable } from 'mdast';
import type { Inline, Position, QuoteList, SubList } from '../article/model.js';
import { plainText } from '../article/model.js';
import { errors, type Diagnostics } from '../article/diagnostics.js';
import type { DraftBlock } from './draft.js';
import { MAX_INLINE_DEPTH } from '../transforms/nesting.js';

const parser = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']);

/**
 * GitHub tables only, not the rest of GFM: autolinked bare URLs and `~` strikethrough
 * would change how existing articles read. The extension loads only for a text with a
 * table's delimiter row (`| --- | --- |`), which `readArticle` looks for first.
 */
let tableParser: typeof parser | undefined;
const DELIMITER_ROW = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$|^ {0,3}\|[ \t]*:?-+:?[ \t]*\|[ \t]*$/m;

/** Whether the text may hold a GitHub table. */
export function mayHaveTable(text: string): boolean {
  return DELIMITER_ROW.test(text);
}

export async function loadMarkdownTables(): Promise<void> {
  if (tableParser) return;
  const [{ gfmTable }, { gfmTableFromMarkdown }] = await Promise.all([import('micromark-extension-gfm-table'), import('mdast-util-gfm-table')]);
  function gfmTables(this: { data(key: string): unknown[] | undefined; data(key: string, value: unknown[]): void }) {
    const add = (key: string, value: unknown) => this.data(key, [...(this.data(key) ?? []), value]);
    add('micromarkExtensions', gfmTable());
    add('fromMarkdownExtensions', gfmTableFromMarkdown());
  }
  tableParser = unified()
    .use(remarkParse)
    .use(remarkFrontmatter, ['yaml'])
    .use(gfmTables as never) as unknown as typeof parser;
}

export function parseMarkdown(text: string): Root {
  return (tableParser && mayHaveTable(text) ? tableParser : parser).parse(text);
}

export function positionOf(node: { position?: { start: { line: number; column: number } } }): Position | undefined {
  const p = node.position?.start;
  return p ? { line: p.line, column: p.column } : undefined;
}

/** A link that goes nowhere (`#`, empty, or `javascript:`) keeps its text and loses the link. */
export function isDeadLink(url: string): boolean {
  const u = url.trim();
  return u === '' || u.startsWith('#') || /^javascript:/i.test(u);
}

export class InlineConverter {
  private readonly definitions = new Map<string, string>();
  constructor(root: Root, private readonly diagnostics: Diagnostics) {
    for (const node of root.children) {
      if (node.type === 'definition') this.definitions.set((node as Definition).identifier, (node as Definition).url);
    }
  }

  /** Formatting nested deeper than this is kept as plain text (see `MAX_INLINE_DEPTH`). */
  private flattened = false;

  convert(nodes: readonly PhrasingContent[], depth = 0): Inline[] {
    const out: Inline[] = [];
    const pushText = (value: string) => {
      const last = out[out.length - 1];
      if (last?.type === 'text') last.value += value;
      else if (value) out.push({ type: 'text', value });
    };
    for (const node of nodes) {
      switch (node.type) {
        case 'text':
          pushText(joinLines(node.value));
          break;
        case 'inlineCode':
          pushText(node.value);
          break;
        case 'break':
          pushText(' ');
          break;
        case 'emphasis':
        case 'strong':
        case 'delete':
        case 'link':
        case 'linkReference':
          if (depth >= MAX_INLINE_DEPTH) {
            // Formatting nested this deep is no formatting a reader could see; keep the words.
            if (!this.flattened) this.diagnostics.warn(`kept formatting nested more than ${MAX_INLINE_DEPTH} levels deep as plain text`, 'reader:nesting', positionOf(node));
            this.flattened = true;
            pushText(joinLines(flatText(node)));
            break;
          }
          this.nested(node, depth + 1, out, pushText);
          break;
        case 'html':
          // Raw HTML never reaches the book or the narration.
          this.diagnostics.warn('dropped inline HTML', 'reader:html', positionOf(node));
          break;
        case 'image':
        case 'imageReference':
          // Images inside running text have no place in a reflowable article; keep the alt.
          if (node.alt) pushText(node.alt);
          break;
        default:
          break;
      }
    }
    return trimInlines(out);
  }

  private nested(node: PhrasingContent, depth: number, out: Inline[], pushText: (value: string) => void): void {
    switch (node.type) {
      case 'emphasis':
      case 'strong':
      case 'delete': {
        const children = this.convert(node.children, depth);
        if (node.type === 'delete') children.forEach((c) => (c.type === 'text' ? pushText(c.value) : out.push(c)));
        else out.push({ type: node.type, children });
        break;
      }
      case 'link': {
        const children = this.convert(node.children, depth);
        if (isDeadLink(node.url)) for (const c of children) c.type === 'text' ? pushText(c.value) : out.push(c);
        else out.push({ type: 'link', url: node.url, children });
        break;
      }
      case 'linkReference': {
        const url = this.definitions.get(node.identifier);
        const children = this.convert(node.children, depth);
        if (url && !isDeadLink(url)) out.push({ type: 'link', url, children });
        else for (const c of children) c.type === 'text' ? pushText(c.value) : out.push(c);
        break;
      }
      default:
        break;
    }
  }
}

/**
 * The text of a node and everything inside it, without recursion (a hostile file can nest
 * thousands of levels deep). Images count by their alt text, as in running text.
 */
export function flatText(node: RootContent | PhrasingContent): string {
  let out = '';
  const stack: (RootContent | PhrasingContent)[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'image' || n.type === 'imageReference') out += n.alt ?? '';
    else if (n.type === 'html') continue;
    else if ('value' in n && typeof n.value === 'string') out += n.value;
    else if ('children' in n) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as RootContent | PhrasingContent);
  }
  return out;
}

/** Trims whitespace at both ends of a run of inlines. */
export function trimInlines(inlines: Inline[]): Inline[] {
  const first = inlines[0];
  if (first?.type === 'text') first.value = first.value.replace(/^\s+/, '');
  const last = inlines[inlines.length - 1];
  if (last?.type === 'text') last.value = last.value.trimEnd();
  return inlines.filter((n) => n.type !== 'text' || n.value !== '');
}

/** Splits inlines at the first occurrence of `marker` in their plain text. */
export function splitInlinesAt(inlines: readonly Inline[], offset: number): [Inline[], Inline[]] {
  const before: Inline[] = [];
  const after: Inline[] = [];
  let pos = 0;
  for (const node of inlines) {
    const len = plainText([node]).length;
    if (pos + len <= offset) before.push(node);
    else if (pos >= offset) after.push(node);
    else if (node.type === 'text') {
      before.push({ type: 'text', value: node.value.slice(0, offset - pos) });
      after.push({ type: 'text', value: node.value.slice(offset - pos) });
    } else if (node.type === 'math') {
      // An equation is never cut: it stays whole on the side where it starts.
      before.push(node);
    } else {
      const [b, a] = splitInlinesAt(node.children, offset - pos);
      before.push({ ...node, children: b });
      after.push({ ...node, children: a });
    }
    pos += len;
  }
  return [before, after];
}

export function mdText(node: RootContent | PhrasingContent): string {
  if ('value' in node && typeof node.value === 'string') return node.value;
  if ('children' in node) return (node.children as (RootContent | PhrasingContent)[]).map(mdText).join('');
  return '';
}

/** How far from the end of a caption a "Photo: ..." credit may start. */
const CREDIT_TAIL = 300;

/**
 * `text.replace(/\s*\n\s*\/g, ' ')`: each run of white space holding a line break becomes one
 * space. Written with `\s+` because V8 backtracks the former over every position of a long
 * run of spaces ('a' + 80,000 spaces + 'b' took 16 s); this is linear.
 */
export function joinLines(text: string): string {
  return text.includes('\n') ? text.replace(/\s+/g, (run) => (run.includes('\n') ? ' ' : run)) : text;
}

/** Splits "caption text © Credit" into caption inlines and the credit. */
export function splitCredit(inlines: Inline[]): { caption: Inline[]; credit?: string } {
  const text = plainText(inlines);
  const at = text.lastIndexOf('©');
  if (at < 0) {
    // Only the end of the text can hold the credit; looking at no more keeps the regular
    // expression's backtracking bounded on a long caption.
    const from = Math.max(0, text.length - CREDIT_TAIL);
    const m = /\b(?:Photo|Photograph|Picture|Image|Credit)s?:\s*([^.]+)\.?\s*$/i.exec(text.slice(from));
    if (!m) return { caption: inlines };
    const [caption] = splitInlinesAt(inlines, from + m.index);
    return { caption: trimInlines(caption), credit: m[1]!.trim() };
  }
  const [caption] = splitInlinesAt(inlines, at);
  const credit = text.slice(at + 1).trim();
  return credit ? { caption: trimInlines(caption), credit } : { caption: trimInlines(caption) };
}

/**
 * Converts the body nodes every Markdown flavour shares into blocks. `hooks` lets a
 * reader claim a node first (the seed's figures and pull quotes).
 */
export function convertBody(
  nodes: readonly RootContent[],
  inline: InlineConverter,
  diagnostics: Diagnostics,
  claim?: (node: RootContent, index: number) => { blocks: DraftBlock[]; consumed: number } | undefined,
): DraftBlock[] {
  const blocks: DraftBlock[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const claimed = claim?.(node, i);
    if (claimed) {
      blocks.push(...claimed.blocks);
      i += claimed.consumed - 1;
      continue;
    }
    const position = positionOf(node);
    switch (node.type) {
      case 'paragraph': {
        const children = inline.convert(node.children);
        if (children.length) blocks.push({ type: 'paragraph', position, children });
        break;
      }
      case 'heading': {
        const children = inline.convert(node.children);
        // Depth is normalised below: the shallowest body heading becomes h2 (h1 is the headline).
        if (children.length) blocks.push({ type: 'heading', position, depth: node.depth, children });
        break;
      }
      case 'thematicBreak':
        blocks.push({ type: 'separator', position });
        break;
      case 'list': {
        const { items, sublists } = listShape(node, inline, diagnostics);
        const start = node.ordered && typeof node.start === 'number' && node.start !== 1 && Math.abs(node.start) <= 1_000_000 ? node.start : undefined;
        if (items.length) blocks.push({ type: 'list', position, ordered: node.ordered === true, ...(start !== undefined ? { start } : {}), items, ...(sublists.length ? { sublists } : {}) });
        break;
      }
      case 'table': {
        const table = tableBlock(node, inline);
        if (table) blocks.push({ ...table, position });
        break;
      }
      case 'blockquote': {
        // Lists in a quotation stay lists; a quotation inside a quotation gives its paragraphs to the outer one.
        const lists: QuoteList[] = [];
        const paragraphs: Inline[][] = [];
        const rest: RootContent[] = [];
        const flushRest = () => {
          if (!rest.length) return;
          paragraphs.push(...textRuns({ ...node, children: rest.splice(0) } as Blockquote, diagnostics).map((run) => inline.convert(run)).filter((p) => p.length > 0));
        };
        for (const child of node.children) {
          if (child.type !== 'list') {
            rest.push(child);
            continue;
          }
          flushRest();
          const shape = listShape(child, inline, diagnostics);
          if (shape.items.length) lists.push({ after: paragraphs.length, ordered: child.ordered === true, items: shape.items, ...(shape.sublists.length ? { sublists: shape.sublists } : {}) });
        }
        flushRest();
        let attribution: string | undefined;
        const last = paragraphs[paragraphs.length - 1];
        const lastText = last ? plainText(last) : '';
        if (paragraphs.length > 1 && /^(?:—|―|--)\s*/.test(lastText) && !lists.some((l) => l.after >= paragraphs.length)) {
          attribution = lastText.replace(/^(?:—|―|--)\s*/, '').trim();
          paragraphs.pop();
        }
        if (paragraphs.length || lists.length) blocks.push({ type: 'blockquote', position, paragraphs, ...(lists.length ? { lists } : {}), ...(attribution ? { attribution } : {}) });
        break;
      }
      case 'code': {
        // Verbatim, with the fence's language when it names one.
        const language = node.lang && /^[\w.+#-]{1,40}$/.test(node.lang) ? node.lang.toLowerCase() : undefined;
        if (node.value.trim()) blocks.push({ type: 'code', position, ...(language ? { language } : {}), value: node.value.replace(/\s+$/, '') });
        break;
      }
      case 'html':
        diagnostics.warn('dropped raw HTML block', 'reader:html', position);
        break;
      case 'definition':
      case 'yaml':
        break;
      default:
        diagnostics.warn(`ignored unsupported Markdown (${node.type})`, 'reader:unsupported', position);
    }
  }
  return normaliseHeadingDepths(blocks);
}

/**
 * The runs of text inside a list or a block quote, in reading order: one per list item
 * (its paragraphs joined) or per paragraph of a quotation. Containers inside are
 * flattened, each with one warning, so no words are lost, and without recursion, so no
 * depth of nesting can exhaust the stack.
 */
export function textRuns(container: List | Blockquote, diagnostics: Diagnostics): PhrasingContent[][] {
  const runs: PhrasingContent[][] = [];
  const space = { type: 'text', value: ' ' } as PhrasingContent;
  const warned = new Set<string>();
  const flattened = (node: RootContent) => {
    const kind = node.type === 'list' ? 'list' : 'block quote';
    if (warned.has(kind)) return;
    warned.add(kind);
    diagnostics.warn(`flattened a ${kind} nested inside a ${container.type === 'list' ? 'list' : 'block quote'}: lectern's lists and quotations do not nest`, 'reader:nesting', positionOf(node));
  };
  // Work items: a node to read, or the end of a list item (which closes its run).
  type Work = { node: RootContent; item?: PhrasingContent[] } | { end: PhrasingContent[] };
  const stack: Work[] = [];
  const pushChildren = (nodes: readonly RootContent[], item?: PhrasingContent[]) => {
    for (let i = nodes.length - 1; i >= 0; i--) stack.push({ node: nodes[i]!, ...(item ? { item } : {}) });
  };
  const pushItems = (list: List) => {
    for (let i = list.children.length - 1; i >= 0; i--) {
      const item: PhrasingContent[] = [];
      stack.push({ end: item });
      pushChildren(list.children[i]!.children, item);
    }
  };
  if (container.type === 'list') pushItems(container);
  else pushChildren(container.children);
  while (stack.length) {
    const work = stack.pop()!;
    if ('end' in work) {
      if (work.end.length) runs.push(work.end);
      continue;
    }
    const { node, item } = work;
    const phrasing: PhrasingContent[] | undefined =
      node.type === 'paragraph' || node.type === 'heading' ? node.children : node.type === 'code' ? [{ type: 'text', value: node.value }] : undefined;
    if (phrasing) {
      if (item) item.push(...phrasing, space);
      else runs.push(phrasing);
    } else if (node.type === 'list') {
      flattened(node);
      // A nested list's items come after the text of the item they are in.
      if (item?.length) {
        runs.push([...item]);
        item.length = 0;
      }
      pushItems(node);
    } else if (node.type === 'blockquote') {
      if (node !== container) flattened(node);
      pushChildren(node.children, item);
    } else if (node.type === 'html') diagnostics.warn('dropped raw HTML block', 'reader:html', positionOf(node));
  }
  return runs;
}

/** Shifts heading depths so the shallowest is 2 and no level is skipped going down. */
export function normaliseHeadingDepths(blocks: DraftBlock[]): DraftBlock[] {
  const depths = blocks.flatMap((b) => (b.type === 'heading' ? [b.depth] : []));
  if (!depths.length) return blocks;
  const min = Math.min(...depths);
  let previous = 1;
  return blocks.map((b) => {
    if (b.type !== 'heading') return b;
    const depth = Math.min(6, Math.max(2, Math.min(b.depth - min + 2, previous + 1)));
    previous = depth;
    return { ...b, depth };
  });
}

/** Deepest Markdown list nesting kept as nested lists; deeper lists join their item's text. */
export const MAX_MD_LIST_DEPTH = 16;

/**
 * A Markdown list's items and nested lists, without recursion on the document (a hostile
 * file can nest lists thousands deep): each item's paragraphs are its text, a list in it
 * is a nested list, other content (code, a quotation) joins the item's text as
 * `textRuns` does, with its warning. Lists deeper than `MAX_MD_LIST_DEPTH` join their
 * item's text, with one warning.
 */
export function listShape(list: List, inline: InlineConverter, diagnostics: Diagnostics): { items: Inline[][]; sublists: SubList[] } {
  const root: { items: Inline[][]; sublists: SubList[] } = { items: [], sublists: [] };
  const work: { list: List; into: { items: Inline[][]; sublists: SubList[] }; depth: number }[] = [{ list, into: root, depth: 0 }];
  let warned = false;
  while (work.length) {
    const { list: l, into, depth } = work.shift()!;
    for (const item of l.children) {
      const text: RootContent[] = [];
      const nested: List[] = [];
      for (const child of item.children) (child.type === 'list' && depth + 1 < MAX_MD_LIST_DEPTH ? nested : text).push(child as never);
      if (!warned && text.some((c) => c.type === 'list')) {
        diagnostics.warn(`kept lists nested more than ${MAX_MD_LIST_DEPTH} levels deep as text of their item`, 'reader:nesting', positionOf(item));
        warned = true;
      }
      // Lists too deep to nest were reported once above: their flattening is not reported again.
      const quiet = { warn: (m: string, rule: string, place?: Position) => (rule === 'reader:nesting' && warned ? undefined : diagnostics.warn(m, rule, place)) } as unknown as Diagnostics;
      const runs = text.length ? textRuns({ type: 'list', ordered: false, spread: false, children: [{ type: 'listItem', spread: false, children: text as never }] } as List, quiet) : [];
      const inlines = runs.flatMap((run, i) => (i ? [{ type: 'text', value: ' ' } as Inline, ...inline.convert(run)] : inline.convert(run)));
      into.items.push(inlines);
      const index = into.items.length - 1;
      for (const n of nested) {
        const sub: SubList = { item: index, ordered: n.ordered === true, items: [], sublists: [] };
        into.sublists.push(sub);
        work.push({ list: n, into: sub as { items: Inline[][]; sublists: SubList[] }, depth: depth + 1 });
      }
    }
  }
  // Empty items and empty nested lists go; indexes follow.
  const prune = (x: { items: Inline[][]; sublists?: SubList[] }): void => {
    const subs = (x.sublists ?? []).filter((s) => (prune(s), s.items.length > 0));
    const keep = x.items.map((it, i) => it.length > 0 || subs.some((s) => s.item === i));
    const index = keep.map((_k, i) => keep.slice(0, i).filter(Boolean).length);
    x.items = x.items.filter((_it, i) => keep[i]);
    x.sublists = subs.filter((s) => keep[s.item]).map((s) => ({ ...s, item: index[s.item]!, ...(s.sublists?.length ? {} : { sublists: undefined }) }));
    for (const s of x.sublists) if (!s.sublists) delete s.sublists;
  };
  prune(root);
  return { items: root.items, sublists: root.sublists ?? [] };
}

/** A GitHub table: its first row heads the columns. */
function tableBlock(node: MdTable, inline: InlineConverter): Omit<Extract<DraftBlock, { type: 'table' }>, 'position'> | undefined {
  const rows = node.children.map((row, r) => row.children.map((cell) => ({ ...(r === 0 ? { header: true } : {}), children: inline.convert(cell.children) })));
  if (!rows.some((r) => r.some((c) => c.children.length))) return undefined;
  return { type: 'table', headerRows: rows.length > 1 ? 1 : 0, rows };
}

/**
 * Refuses Markdown indented deeper than `MAX_MARKDOWN_INDENT` columns before it is parsed.
 * Lists nest by indentation, and the parser's work on a list grows with the depth of every
 * line (a list 1,000 deep, 1 MB, took minutes); real articles indent a few levels.
 */
export function checkIndentation(text: string, file: string): void {
  const re = /^[ \t]{257,}(?=\S)/gm;
  const m = re.exec(text);
  if (!m) return;
  const columns = m[0].replace(/\t/g, '    ').length;
  const line = text.slice(0, m.index).split('\n').length;
  throw errors.structure(file, `a line is indented ${columns} columns (lists nested about ${Math.floor(columns / 2)} deep); lectern reads Markdown indented at most ${MAX_MARKDOWN_INDENT} columns`, line);
}

/** Deepest indentation, in columns, of a Markdown line: lists about 128 levels deep. */
export const MAX_MARKDOWN_INDENT = 256;
