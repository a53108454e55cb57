/**
 * `readArticle(file)`: picks a reader by `--from`, extension or content, runs the
 * transforms (repairs, alt text, ids) and returns an article validated against the model.
 */
import path from 'node:path';
import { Diagnostics, LecternError, errors } from '../article/diagnostics.js';
import { Article } from '../article/model.js';
import { assignIds } from '../article/ids.js';
import { repairParagraphs } from '../transforms/repair.js';
import { deriveAltText } from '../transforms/alt.js';
import { flattenDeepInlines } from '../transforms/nesting.js';
import { sanitiseText } from '../transforms/text.js';
import { readBytes, decodeText, decodePage, isHtmlFile, DEFAULT_MAX_INPUT_BYTES } from './decode.js';
import { fetchPage, isUrl } from './fetch.js';
import { describeMath } from '../speech/math.js';
import { loadMarkdownTables, mayHaveTable, parseMarkdown } from './mdast.js';
import { looksLikeSeed, readSeed } from './seed.js';
import { readMarkdown } from './markdown.js';
import { readJson, zodIssue } from './json.js';
import type { DraftArticle } from './draft.js';

export const INPUT_FORMATS = ['seed', 'markdown', 'json', 'html'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface ReadOptions {
  /** Force a reader instead of choosing by extension and content. Default: auto. */
  from?: InputFormat;
  /** Language for formats that do not declare one. Default: `"en"`. */
  lang?: string;
  /** Largest input file accepted, in bytes. Default: 8 MiB. */
  maxInputBytes?: number;
  /**
   * Apply the scrape repairs (split paragraphs, scrape duplicates). Default: only for the
   * news-export (seed) format, whose scrapes have that damage; elsewhere a short line
   * without a full stop is the author's text.
   */
  repair?: boolean;
  /** Stops fetching a URL. Default: none. */
  signal?: AbortSignal;
  /** The URL a page was fetched from (set by `readArticle` for a URL). Default: none. */
  pageUrl?: string;
  /** Diagnostics list to report into. Default: a new one. */
  diagnostics?: Diagnostics;
}

export interface ReadResult {
  article: Article;
  format: InputFormat;
  file: string;
  diagnostics: Diagnostics;
}

/**
 * The HTML reader and what it brings (Readability, a DOM) take longer to load than a whole
 * Markdown build's other modules together, so it loads on the first HTML input only.
 * `parseArticle`, which is synchronous, needs it loaded first: `readArticle` does that, and
 * so does importing the `lectern` package.
 */
let html: typeof import('./html.js') | undefined;
export async function loadHtmlReader(): Promise<void> {
  html ??= await import('./html.js');
}

/** Markdown tables need an extension loaded first, as the HTML reader does. */
export { loadMarkdownTables };

/** Same test as the HTML reader's own, without loading it. */
function looksLikeHtml(text: string): boolean {
  return /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html)\b/i.test(text);
}

function isHtml(text: string, file: string, from: InputFormat | undefined): boolean {
  if (from) return from === 'html';
  const ext = path.extname(file).toLowerCase();
  return ext !== '.json' && !/^\s*\{/.test(text) && (['.html', '.htm', '.xhtml'].includes(ext) || looksLikeHtml(text));
}

export async function readArticle(file: string, options: ReadOptions = {}): Promise<ReadResult> {
  if (isUrl(file)) {
    // A web address: fetched (the user naming it is the permission), then read like a saved page.
    const diagnostics = options.diagnostics ?? new Diagnostics(file);
    const fetched = await fetchPage(file, { maxBytes: options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES, signal: options.signal });
    if (fetched.url !== file) diagnostics.info(`redirected to ${fetched.url}`, 'input:redirect');
    const page = decodePage(file, fetched.bytes, fetched.charset);
    if (page.note) diagnostics[page.note.severity === 'info' ? 'info' : 'warn'](page.note.message, page.note.rule);
    return readPage(page.text, file, { ...options, diagnostics, pageUrl: fetched.url });
  }
  const bytes = await readBytes(file, options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES);
  // A web page may come in any character set; the other formats are UTF-8 (or UTF-16 with a BOM).
  if (options.from === 'html' || (!options.from && isHtmlFile(file, bytes))) {
    const diagnostics = options.diagnostics ?? new Diagnostics(file);
    const page = decodePage(file, bytes);
    if (page.note) diagnostics[page.note.severity === 'info' ? 'info' : 'warn'](page.note.message, page.note.rule);
    return readPage(page.text, file, { ...options, diagnostics });
  }
  const text = decodeText(file, bytes);
  if (isHtml(text, file, options.from)) await loadHtmlReader();
  else if (mayHaveTable(text)) await loadMarkdownTables();
  return withMathWords(parseArticle(text, file, options));
}

/** Reads a web page already decoded to text (a saved file or a fetched URL). */
export async function readPage(text: string, file: string, options: ReadOptions = {}): Promise<ReadResult> {
  await loadHtmlReader();
  return withMathWords(parseArticle(text, file, { ...options, from: options.from ?? 'html' }));
}

/** Equations get their words (Speech Rule Engine loads only for an article with math). */
async function withMathWords(read: ReadResult): Promise<ReadResult> {
  return { ...read, article: await describeMath(read.article, read.diagnostics) };
}

/**
 * Like `readArticle`, for text already in memory; `file` names it in diagnostics. Equations
 * keep the words their source gave (or none): `describeMath` derives the rest.
 */
export function parseArticle(text: string, file: string, options: ReadOptions = {}): ReadResult {
  const diagnostics = options.diagnostics ?? new Diagnostics(file);
  const lang = options.lang ?? 'en';
  if (options.from && !INPUT_FORMATS.includes(options.from)) throw errors.unknownFormat(file, options.from);
  try {
    let format: InputFormat;
    let draft: DraftArticle;
    const ext = path.extname(file).toLowerCase();
    if (options.from === 'json' || (!options.from && (ext === '.json' || /^\s*\{/.test(text)))) {
      format = 'json';
      draft = readJson(text, file);
    } else if (isHtml(text, file, options.from)) {
      format = 'html';
      if (!html) throw new LecternError('the HTML reader is not loaded: call loadHtmlReader() (or readArticle) first', 'internal:html-reader', { file });
      draft = html.readHtml(text, file, diagnostics, options.lang, options.pageUrl);
    } else {
      const root = parseMarkdown(text);
      const isFrontMatter = root.children[0]?.type === 'yaml';
      format = options.from === 'seed' || options.from === 'markdown' ? options.from : isFrontMatter ? 'markdown' : looksLikeSeed(root) ? 'seed' : 'markdown';
      draft = format === 'seed' ? readSeed(root, file, diagnostics, lang) : readMarkdown(root, file, diagnostics, lang);
    }
    // Bounded nesting and text every output can hold, before anything else looks at it.
    draft = sanitiseText({ ...draft, blocks: flattenDeepInlines(draft.blocks, diagnostics) }, diagnostics, text);
    let blocks = draft.blocks;
    if (options.repair ?? format === 'seed') blocks = repairParagraphs(blocks, diagnostics);
    blocks = deriveAltText(blocks, diagnostics);
    const candidate = { ...draft, blocks: assignIds(blocks) };
    const checked = Article.safeParse(candidate);
    if (!checked.success) {
      const { path: p, message } = zodIssue(checked.error);
      throw errors.schema(file, p, message);
    }
    return { article: checked.data, format, file, diagnostics };
  } catch (e) {
    if (e instanceof LecternError) throw e;
    // A reader bug must still surface as one line naming the file, with the cause kept,
    // and say that it is lectern's fault, not the page's.
    const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new LecternError(`lectern could not read this article because of a bug in lectern, not in the file (please report it with the file): ${detail}`, 'input:internal', { file }, { cause: e });
  }
}
