import { LecternError } from '../article/diagnostics.js';
import type { Article, Inline } from '../article/model.js';
import { blockInlines, hasMath, plainText } from '../article/model.js';
import type { EpubOptions } from './options.js';
import type { Stage, StageContext } from '../pipeline/stage.js';
import { digest } from '../util/hash.js';
import { renderArticleBody, type RenderHooks } from '../epub/render.js';
import { accessibilityMeta, type BookFacts } from '../epub/accessibility.js';
import { packBook, type BookFile } from '../epub/book.js';
import { escapeXml } from '../util/xml.js';
import { documentName, editionAuthors, editionFront, isDigest } from './edition.js';

/** The EPUB stage's options (`conformsTo`, `certifiedBy`), declared in options.ts. */
export type EpubStageOptions = Partial<EpubOptions>;

/** The options that are set: a factory's options are not overwritten by absent ones. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Extra content a later stage (read-aloud overlays) hands the book. */
export interface BookExtras {
  files: BookFile[];
  manifest: ManifestItem[];
  meta: { property: string; value: string; refines?: string }[];
  /** Media overlay id per content document file name. */
  overlays: Record<string, string>;
  /** Rendering hooks for the content document of article `doc` (sentence spans). */
  hooksFor?: (doc: number) => Partial<RenderHooks>;
  narration?: BookFacts['narration'];
}

declare module '../pipeline/stage.js' {
  interface Artifacts {
    /** Set by the read-aloud stage before the epub stage runs. */
    bookExtras?: BookExtras;
  }
}

interface ManifestItem {
  id: string;
  href: string;
  mediaType: string;
  properties?: string;
  mediaOverlay?: string;
}

/** A urn:uuid derived from the article's content (RFC 4122 layout, version 5 nibble). */
export function contentIdentifier(article: Article): string {
  const h = digest(JSON.stringify(article), 32).split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const x = h.join('');
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function isoSeconds(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface TocEntry {
  label: string;
  href: string;
  children: TocEntry[];
}

function tableOfContents(article: Article, file: string): TocEntry[] {
  const root: TocEntry = { label: article.headline, href: `${file}#headline`, children: [] };
  const stack: { depth: number; entry: TocEntry }[] = [{ depth: 1, entry: root }];
  for (const b of article.blocks) {
    if (b.type !== 'heading') continue;
    while (stack.length > 1 && stack[stack.length - 1]!.depth >= b.depth) stack.pop();
    const entry: TocEntry = { label: plainText(b.children), href: `${file}#${b.id}`, children: [] };
    stack[stack.length - 1]!.entry.children.push(entry);
    stack.push({ depth: b.depth, entry });
  }
  return [root];
}

/**
 * The accessible EPUB 3: cover page, the article, nav with toc and landmarks, full
 * accessibility metadata. Reproducible: ids come from the content and every timestamp
 * from `SOURCE_DATE_EPOCH` (or the article's date).
 */
export function epubStage(options: EpubStageOptions = {}): Stage {
  return {
    name: 'epub',
    description: 'the accessible EPUB 3 book (read-aloud when the narration is built)',
    needs: ['cover', 'images'],
    after: ['read-aloud'],
    async run(ctx) {
      const epub = await buildEpub(ctx, { ...options, ...definedOnly(ctx.options.stageOptions.epub) });
      await ctx.output.writeChunks(`${ctx.options.baseName}.epub`, epub as AsyncIterable<Uint8Array>);
    },
  };
}

async function buildEpub(ctx: StageContext, options: EpubStageOptions): Promise<NodeJS.ReadableStream> {
  const { articles } = ctx;
  const digest = isDigest(ctx);
  const front = editionFront(ctx);
  const cover = ctx.artifacts.cover;
  if (!cover) throw new LecternError('the epub stage needs the cover stage', 'stage:order');
  const images = ctx.artifacts.images ?? new Map();
  // Figures with identical images share one file: each file once in the book.
  const imageFiles = [...new Map([...images.values()].map((img) => [img.href, img])).values()];
  const extras = ctx.artifacts.bookExtras;

  const figures = articles.flatMap((a, i) => a.blocks.filter((b) => b.type === 'figure').map((f) => ({ f, shown: images.has(`${i}:${f.id}`) })));
  const shown = figures.filter((x) => x.shown).map((x) => x.f);
  const facts: BookFacts = {
    imagesWithAlt: shown.filter((f) => f.alt !== '').length,
    derivedAlt: shown.filter((f) => f.alt !== '' && f.altSource === 'derived').length,
    decorativeImages: shown.filter((f) => f.alt === '').length,
    figuresWithoutImage: figures.length - shown.length,
    described: figures.filter((x) => !x.shown && x.f.alt && x.f.altSource !== 'derived').length,
    headings: articles.reduce((n, a) => n + a.blocks.filter((b) => b.type === 'heading').length, 0),
    equations: articles.reduce((n, a) => n + a.blocks.reduce((m, b) => m + blockInlines(b).reduce((k, run) => k + countMath(run), 0), 0), 0),
    tables: articles.reduce((n, a) => n + a.blocks.filter((b) => b.type === 'table').length, 0),
    coverGenerated: cover.generated,
    narration: extras?.narration,
    conformsTo: options.conformsTo,
    certifiedBy: options.certifiedBy,
    ...(digest ? { articles: articles.length } : {}),
  };

  const lang = front.lang;
  const dir = front.dir;
  // Content documents with MathML must say so in the manifest (EPUB 3 `mathml` property).
  const mathIn = (a: Article) => a.blocks.some((b) => blockInlines(b).some(hasMath));
  const coverBody = `<section class="cover" epub:type="cover"><img role="doc-cover" src="cover.jpg" alt="${escapeXml(cover.alt)}"/></section>`;
  const documents = articles.map((article, i) => {
    const hooks: RenderHooks = { image: (id) => images.get(`${i}:${id}`), ...extras?.hooksFor?.(i) };
    const filename = documentName(ctx, i);
    return {
      article,
      filename,
      id: digest ? `article-${i + 1}` : 'article',
      // Each article keeps its own language and direction.
      data: { lang: article.lang, dir: article.dir, title: article.headline, body: renderArticleBody(article, hooks), bodyType: '' },
    };
  });

  const manifest: ManifestItem[] = [
    { id: 'nav', href: 'toc.xhtml', mediaType: 'application/xhtml+xml', properties: 'nav' },
    { id: 'css', href: 'style.css', mediaType: 'text/css' },
    { id: 'cover-image', href: 'cover.jpg', mediaType: 'image/jpeg', properties: 'cover-image' },
    { id: 'cover', href: 'cover.xhtml', mediaType: 'application/xhtml+xml', mediaOverlay: extras?.overlays['cover.xhtml'] },
    ...documents.map((d) => ({ id: d.id, href: d.filename, mediaType: 'application/xhtml+xml', ...(mathIn(d.article) ? { properties: 'mathml' } : {}), mediaOverlay: extras?.overlays[d.filename] })),
    ...imageFiles.map((img) => ({ id: `img-${img.href.replace(/^images\/|\.\w+$/g, '')}`, href: img.href, mediaType: img.mediaType })),
    ...(extras?.manifest ?? []),
  ];
  const files: BookFile[] = [
    { path: 'cover.jpg', data: cover.data },
    ...imageFiles.map((img) => ({ path: img.href, data: img.data })),
    ...(extras?.files ?? []),
  ];
  const languages = [...new Set(articles.map((a) => a.lang))];
  const published = articles.map((a) => a.byline.published).filter((d): d is string => !!d).sort();
  const packageData = {
    lang,
    dir,
    languages,
    identifier: contentIdentifier(digest ? { ...front, blocks: articles.flatMap((a) => a.blocks) } : articles[0]!),
    title: front.headline,
    creators: digest ? editionAuthors(articles) : front.byline.authors,
    publisher: front.source.publisher,
    rights: digest ? undefined : front.source.rights,
    description: digest ? `A digest of ${articles.length} articles: ${articles.map((a) => a.headline).join('; ')}.` : front.standfirst,
    date: digest ? published.at(-1) : front.byline.published,
    source: digest ? undefined : front.source.url,
    subject: digest ? [...new Set(articles.map((a) => a.kicker).filter(Boolean))].join(', ') || undefined : front.kicker,
    modified: isoSeconds(ctx.options.sourceDateEpoch),
    meta: [...accessibilityMeta(front, facts), ...(extras?.meta ?? [])],
    links: [],
    manifest,
    spine: [{ idref: 'cover' }, ...documents.map((d) => ({ idref: d.id })), { idref: 'nav', linear: false }],
    toc: documents.flatMap((d) => tableOfContents(d.article, d.filename)),
    landmarks: [
      { type: 'cover', href: 'cover.xhtml', label: 'Cover' },
      { type: 'toc', href: 'toc.xhtml#toc', label: 'Contents' },
      { type: 'bodymatter', href: `${documents[0]!.filename}#start`, label: digest ? 'Start of the first article' : 'Start of the article' },
    ],
    labels: { contents: 'Contents', landmarks: 'Landmarks' },
  };
  return packBook({
    title: front.headline,
    lang,
    packageData,
    documents: [
      { filename: 'cover.xhtml', title: 'Cover', data: { lang, dir, title: `Cover: ${front.headline}`, body: coverBody, bodyType: '' } },
      ...documents.map((d) => ({ filename: d.filename, title: d.article.headline, data: d.data })),
    ],
    files,
    epoch: ctx.options.sourceDateEpoch,
    blockStyles: articles.some((a) => a.blocks.some((b) => b.type === 'code' || b.type === 'table') || mathIn(a)),
  });
}

function countMath(inlines: readonly Inline[]): number {
  return inlines.reduce((n, x) => n + (x.type === 'math' ? 1 : x.type === 'text' ? 0 : countMath(x.children)), 0);
}
