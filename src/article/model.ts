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

export type Inline =
  | { type: 'text'; value: string }
  | { type: 'emphasis'; children: Inline[] }
  | { type: 'strong'; children: Inline[] }
  | { type: 'link'; url: string; children: Inline[] };

export const Inline: z.ZodType<Inline> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('text'), value: z.string() }),
    z.object({ type: z.literal('emphasis'), children: z.array(Inline) }),
    z.object({ type: z.literal('strong'), children: z.array(Inline) }),
    z.object({ type: z.literal('link'), url: z.string().min(1), children: z.array(Inline) }),
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
export const PullQuote = z.object({
  type: z.literal('pullquote'),
  ...blockBase,
  children: Rich,
  attribution: z.string().optional(),
});
export const BlockQuote = z.object({
  type: z.literal('blockquote'),
  ...blockBase,
  /** One entry per paragraph of the quotation. */
  paragraphs: z.array(Rich).min(1),
  attribution: z.string().optional(),
});
export const List = z.object({
  type: z.literal('list'),
  ...blockBase,
  ordered: z.boolean(),
  items: z.array(Rich).min(1),
});
export const Separator = z.object({ type: z.literal('separator'), ...blockBase });

export const Block = z.discriminatedUnion('type', [
  Paragraph,
  Heading,
  Figure,
  PullQuote,
  BlockQuote,
  List,
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
export type Separator = z.infer<typeof Separator>;
export type Block = z.infer<typeof Block>;
export type Byline = z.infer<typeof Byline>;
export type Source = z.infer<typeof Source>;
export type Article = z.infer<typeof Article>;

/** Plain text of a run of inlines. */
export function plainText(inlines: readonly Inline[]): string {
  let out = '';
  for (const node of inlines) out += node.type === 'text' ? node.value : plainText(node.children);
  return out;
}
