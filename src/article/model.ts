/**
 * The article model: one typed structure that every reader produces and every stage reads.
 *
 * The zod schemas are the single source of truth: the TypeScript types are inferred from
 * them, the JSON reader validates against them, and `assets/article.schema.json` is
 * generated from them (`npm run schema`).
 */
import { z } from 'zod';

/** Where a block starts in its source file (1-based). */
export const Position = z.object({
  line: z.number().int().min(1),
  column: z.number().int().min(1),
});
export type Position = z.infer<typeof Position>;

/**
 * An equation: presentation MathML (kept in the book, where reading systems render it)
 * with the words that say it. `alt` is what the narration says and the book's `alttext`;
 * when the source gives none, lectern derives it from the MathML (Speech Rule Engine).
 */
export interface MathInline {
  type: 'math';
  /** One `<math>` element, MathML namespace implied; lectern keeps only presentation MathML. */
  mathml: string;
  /** The equation in words. */
  alt?: string;
  /** Who wrote `alt`: the author, or lectern (derived from the MathML). */
  altSource?: 'author' | 'derived';
  /** The TeX source, when the page carried it. */
  tex?: string;
  /** A display equation (its own line) rather than one inside a sentence. */
  display?: boolean;
}

export type Inline =
  | { type: 'text'; value: string }
  | { type: 'emphasis'; children: Inline[] }
  | { type: 'strong'; children: Inline[] }
  | { type: 'link'; url: string; children: Inline[] }
  | MathInline;

export const MathInline = z.object({
  type: z.literal('math'),
  mathml: z.string().regex(/^\s*<math[\s>]/, 'expected one <math> element').max(200_000),
  alt: z.string().optional(),
  altSource: z.enum(['author', 'derived']).optional(),
  tex: z.string().optional(),
  display: z.boolean().optional(),
});

export const Inline: z.ZodType<Inline> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('text'), value: z.string() }),
    z.object({ type: z.literal('emphasis'), children: z.array(Inline) }),
    z.object({ type: z.literal('strong'), children: z.array(Inline) }),
    z.object({ type: z.literal('link'), url: z.string().min(1), children: z.array(Inline) }),
    MathInline,
  ]),
);

/** Rich text: a run of inline nodes. A plain string is accepted in JSON input. */
const Rich = z.array(Inline);

const blockBase = {
  /** Stable id derived from the block's content (used for XHTML ids, SMIL and cache keys). */
  id: z.string().regex(/^[A-Za-z][\w.-]*$/),
  /** Source position, when the reader knows it. */
  position: Position.optional(),
};

export const Paragraph = z.object({ type: z.literal('paragraph'), ...blockBase, children: Rich });
export const Heading = z.object({
  type: z.literal('heading'),
  ...blockBase,
  depth: z.number().int().min(2).max(6),
  children: Rich,
});
export const Figure = z.object({
  type: z.literal('figure'),
  ...blockBase,
  /** Image path relative to the article file, or an http(s) URL. Absent when the source had none. */
  image: z.string().min(1).optional(),
  /** Alternative text. `""` marks a decorative image. Absent until derived. */
  alt: z.string().optional(),
  /** Who wrote the alt text: the author, or lectern (derived from the caption). */
  altSource: z.enum(['author', 'derived']).optional(),
  caption: Rich,
  credit: z.string().optional(),
});
/** A list inside item `item` of its parent list (rendered inside that item, read after it). */
export interface SubList {
  item: number;
  ordered: boolean;
  items: Inline[][];
  sublists?: SubList[];
}
export const SubList: z.ZodType<SubList> = z.lazy(() =>
  z.object({
    item: z.number().int().min(0),
    ordered: z.boolean(),
    items: z.array(Rich).min(1),
    sublists: z.array(SubList).optional(),
  }),
);
export const PullQuote = z.object({
  type: z.literal('pullquote'),
  ...blockBase,
  children: Rich,
  attribution: z.string().optional(),
});
/** A list inside a quotation, after its first `after` paragraphs. */
export const QuoteList = z.object({
  after: z.number().int().min(0),
  ordered: z.boolean(),
  items: z.array(Rich).min(1),
  sublists: z.array(SubList).optional(),
});
export const BlockQuote = z.object({
  type: z.literal('blockquote'),
  ...blockBase,
  /** One entry per paragraph of the quotation (none when it holds only a list). */
  paragraphs: z.array(Rich),
  /** Lists inside the quotation. */
  lists: z.array(QuoteList).optional(),
  attribution: z.string().optional(),
});
export const List = z.object({
  type: z.literal('list'),
  ...blockBase,
  ordered: z.boolean(),
  /** The number of the first item of an ordered list, when it is not 1. */
  start: z.number().int().min(-1_000_000).max(1_000_000).optional(),
  /** An item may be empty when it holds only a nested list. */
  items: z.array(Rich).min(1),
  /** Nested lists, each in one item. */
  sublists: z.array(SubList).optional(),
});
/** Source code or preformatted text, kept verbatim (line breaks and spaces included). */
export const Code = z.object({
  type: z.literal('code'),
  ...blockBase,
  /** The language named by the source (`language-python`, a Markdown fence's info), when given. */
  language: z.string().regex(/^[\w.+#-]{1,40}$/).optional(),
  value: z.string().min(1),
});
export const TableCell = z.object({
  /** A header cell (`<th>`): in a header row it heads its column, in a body row its row. */
  header: z.boolean().optional(),
  children: Rich,
  colspan: z.number().int().min(1).max(1000).optional(),
  rowspan: z.number().int().min(1).max(65534).optional(),
});
export const Table = z.object({
  type: z.literal('table'),
  ...blockBase,
  caption: Rich.optional(),
  /** How many of the first rows are header rows (`<thead>`). */
  headerRows: z.number().int().min(0),
  rows: z.array(z.array(TableCell).min(1)).min(1),
});
export const Separator = z.object({ type: z.literal('separator'), ...blockBase });

export const Block = z.discriminatedUnion('type', [
  Paragraph,
  Heading,
  Figure,
  PullQuote,
  BlockQuote,
  List,
  Code,
  Table,
  Separator,
]);

export const Byline = z.object({
  authors: z.array(z.string().min(1)).default([]),
  location: z.string().optional(),
  /** The dateline exactly as printed, e.g. "9 HOURS AGO". */
  dateline: z.string().optional(),
  /** Publication date (ISO 8601) when known. */
  published: z.iso.date().or(z.iso.datetime({ offset: true })).optional(),
});

export const Source = z.object({
  url: z.url().optional(),
  publisher: z.string().optional(),
  rights: z.string().optional(),
});

export const Cover = z.object({
  /** A user-supplied cover image, relative to the article file. Overrides the generated cover. */
  image: z.string().min(1),
  alt: z.string().min(1),
});

export const Article = z.object({
  /** BCP 47 language tag, e.g. "en-GB". */
  lang: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'expected a BCP 47 language tag such as "en-GB"'),
  dir: z.enum(['ltr', 'rtl']),
  kicker: z.string().optional(),
  headline: z.string().min(1),
  standfirst: z.string().optional(),
  byline: Byline,
  source: Source,
  cover: Cover.optional(),
  blocks: z.array(Block),
});

export type Paragraph = z.infer<typeof Paragraph>;
export type Heading = z.infer<typeof Heading>;
export type Figure = z.infer<typeof Figure>;
export type PullQuote = z.infer<typeof PullQuote>;
export type BlockQuote = z.infer<typeof BlockQuote>;
export type List = z.infer<typeof List>;
export type QuoteList = z.infer<typeof QuoteList>;
export type Code = z.infer<typeof Code>;
export type Table = z.infer<typeof Table>;
export type TableCell = z.infer<typeof TableCell>;
export type Separator = z.infer<typeof Separator>;
export type Block = z.infer<typeof Block>;
export type Byline = z.infer<typeof Byline>;
export type Source = z.infer<typeof Source>;
export type Article = z.infer<typeof Article>;

/** The words of an equation: its alt text, else its TeX, else nothing. */
export function mathText(node: MathInline): string {
  return node.alt ?? node.tex ?? '';
}

/** Plain text of a run of inlines (an equation counts as its words). */
export function plainText(inlines: readonly Inline[]): string {
  let out = '';
  for (const node of inlines) out += node.type === 'text' ? node.value : node.type === 'math' ? mathText(node) : plainText(node.children);
  return out;
}

/** Whether any inline of the article is an equation. */
export function hasMath(inlines: readonly Inline[]): boolean {
  return inlines.some((n) => n.type === 'math' || (n.type !== 'text' && hasMath(n.children)));
}

/** Every run of inlines of a block, in reading order. */
export function blockInlines(block: Block | Omit<Block, 'id'>): Inline[][] {
  const b = block as Block;
  switch (b.type) {
    case 'paragraph':
    case 'heading':
    case 'pullquote':
      return [b.children];
    case 'figure':
      return [b.caption];
    case 'blockquote':
    case 'list': {
      const out: Inline[][] = b.type === 'list' ? [...b.items] : [...b.paragraphs];
      const stack: SubList[] = b.type === 'list' ? [...(b.sublists ?? [])] : (b.lists ?? []).map((l) => ({ ...l, item: 0 }));
      while (stack.length) {
        const s = stack.pop()!;
        out.push(...s.items);
        stack.push(...(s.sublists ?? []));
      }
      return out;
    }
    case 'table':
      return [...(b.caption ? [b.caption] : []), ...b.rows.flatMap((r) => r.map((c) => c.children))];
    case 'code':
    case 'separator':
      return [];
  }
}
