/**
 * Reader for the authoring format: Markdown with YAML front matter.
 *
 * Front matter holds the metadata (lang, dir, kicker, headline, standfirst, byline,
 * source, cover). In the body:
 * - a figure is a paragraph that starts with an image: `![alt](images/x.jpg)`, followed
 *   on the next lines by its caption, ending in `© Credit` (or `Photo: Credit`);
 *   an image titled "decorative" (`![](x.jpg "decorative")`) gets `alt=""`;
 * - a pull quote is a block quote whose first line is `[!pullquote]`; a last paragraph
 *   starting with an em dash is the attribution (this works for any block quote);
 * - everything else is ordinary Markdown (headings, lists, links, emphasis, `---`).
 */
import type { Root, Paragraph as MdParagraph, Image } from 'mdast';
import { parseDocument, YAMLParseError } from 'yaml';
import { z } from 'zod';
import type { Diagnostics } from '../article/diagnostics.js';
import { errors } from '../article/diagnostics.js';
import { Byline, Cover, Source, plainText } from '../article/model.js';
import type { DraftArticle, DraftBlock } from './draft.js';
import { InlineConverter, convertBody, positionOf, splitCredit } from './mdast.js';
import { zodIssue } from './zod-issue.js';

export const FrontMatter = z.strictObject({
  lang: z.string().optional(),
  dir: z.enum(['ltr', 'rtl']).optional(),
  kicker: z.string().optional(),
  headline: z.string().min(1),
  standfirst: z.string().optional(),
  byline: Byline.partial().strict().optional(),
  source: Source.strict().optional(),
  cover: Cover.strict().optional(),
});

export function readMarkdown(root: Root, file: string, diagnostics: Diagnostics, defaultLang: string): DraftArticle {
  const yamlNode = root.children[0]?.type === 'yaml' ? root.children[0] : undefined;
  if (!yamlNode) throw errors.structure(file, 'no front matter (expected a --- block with at least "headline:")', 1);
  let data: unknown;
  try {
    // logLevel 'silent': the yaml package would otherwise print its warnings (an unknown
    // `!tag`) through Node's process warnings; they are the article's diagnostics instead.
    const doc = parseDocument(yamlNode.value, { prettyErrors: false, uniqueKeys: true, logLevel: 'silent' });
    if (doc.errors[0]) throw doc.errors[0];
    for (const w of doc.warnings) {
      const reason = w.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      const before = yamlNode.value.slice(0, w.pos[0]).split('\n');
      diagnostics.warn(`front matter: ${reason}`, 'markdown:yaml', { line: before.length + 1, column: before[before.length - 1]!.length + 1 });
    }
    data = doc.toJS();
  } catch (e) {
    const line = e instanceof YAMLParseError && e.linePos ? e.linePos[0].line + 1 : 1;
    const reason = e instanceof Error ? e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') : String(e);
    throw errors.badFrontMatter(file, line, reason);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw errors.badFrontMatter(file, 1, 'expected key: value pairs');
  // YAML turns an unquoted date into a Date; the model wants the ISO text.
  const meta = (data as Record<string, unknown>)['byline'];
  if (meta && typeof meta === 'object' && (meta as Record<string, unknown>)['published'] instanceof Date) {
    (meta as Record<string, unknown>)['published'] = ((meta as Record<string, unknown>)['published'] as Date).toISOString().slice(0, 10);
  }
  const parsed = FrontMatter.safeParse(data);
  if (!parsed.success) {
    const { path, message } = zodIssue(parsed.error);
    throw errors.schema(file, `front matter: ${path}`.replace(/: $/, ''), message, 1);
  }
  const fm = parsed.data;

  const inline = new InlineConverter(root, diagnostics);
  const blocks = convertBody(root.children.slice(1), inline, diagnostics, (node) => {
    if (node.type === 'paragraph' && node.children[0]?.type === 'image') return { blocks: [figureFrom(node, inline)], consumed: 1 };
    if (node.type === 'blockquote') {
      const first = node.children[0];
      if (first?.type === 'paragraph' && /^\s*\[!pullquote\]/i.test(plainText(inline.convert(first.children)))) {
        const [quote] = convertBody([{ ...node, children: node.children }], inline, diagnostics);
        if (quote?.type === 'blockquote') {
          const paragraphs = quote.paragraphs.map((p) => p);
          const head = paragraphs[0]!;
          if (head[0]?.type === 'text') head[0] = { type: 'text', value: head[0].value.replace(/^\s*\[!pullquote\]\s*/i, '') };
          const children = paragraphs.flatMap((p, i) => (i ? [{ type: 'text' as const, value: ' ' }, ...p] : p)).filter((n) => n.type !== 'text' || n.value);
          return { blocks: [{ type: 'pullquote', position: positionOf(node), children, ...(quote.attribution ? { attribution: quote.attribution } : {}) }], consumed: 1 };
        }
      }
    }
    return undefined;
  });

  return {
    lang: fm.lang ?? defaultLang,
    dir: fm.dir ?? 'ltr',
    ...(fm.kicker ? { kicker: fm.kicker } : {}),
    headline: fm.headline,
    ...(fm.standfirst ? { standfirst: fm.standfirst } : {}),
    byline: { authors: [], ...fm.byline },
    source: fm.source ?? {},
    ...(fm.cover ? { cover: fm.cover } : {}),
    blocks,
  };
}

function figureFrom(node: MdParagraph, inline: InlineConverter): DraftBlock {
  const image = node.children[0] as Image;
  const rest = inline.convert(node.children.slice(1));
  const { caption, credit } = splitCredit(rest);
  const decorative = image.title?.trim().toLowerCase() === 'decorative';
  const alt = decorative ? '' : image.alt?.trim() || undefined;
  return {
    type: 'figure',
    position: positionOf(node),
    image: image.url,
    ...(alt !== undefined ? { alt, altSource: 'author' as const } : {}),
    caption,
    ...(credit ? { credit } : {}),
  };
}
