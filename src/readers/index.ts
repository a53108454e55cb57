/**
 * `readArticle(file)`: picks a reader by `--from`, extension or content, runs the
 * transforms (repairs, alt text, ids) and returns an article validated against the model.
 */
import path from 'node:path';
import { Diagnostics, LecternError, errors } from '../article/diagnostics.js';
import { fetchPage, isUrl } from './fetch.js';
import type { DraftArticle } from './draft.js';
import type { Article } from '../article/model.js';
import type { Reader, ReaderInput } from '../plugin.js';
import type { Registry } from '../plugins/registry.js';
import { defaultRegistry } from '../plugins/builtin.js';

/** The built-in input formats (a plugin's readers add more: see `Registry.formats`). */
export const INPUT_FORMATS = ['seed', 'markdown', 'json', 'html'] as const;
/** A reader's name: a built-in format or a plugin's. */
export type InputFormat = (typeof INPUT_FORMATS)[number] | (string & {});

export interface ReadOptions {
  /** Force a reader (by name, as `--from`) instead of choosing by extension and content. Default: auto. */
  from?: InputFormat;
  /** Language for formats that do not declare one. Default: the reader's choice (`"en"` for the built-in ones, or what a page's text says). */
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
  /** Where readers come from. Default: the built-in readers only. */
  registry?: Registry;
}

export interface ReadResult {
  article: Article;
  format: InputFormat;
  file: string;
  diagnostics: Diagnostics;
}

/**
 * Kept for callers of earlier versions: readers now load on first use by themselves.
 * @deprecated Not needed any more; `parseArticle` is asynchronous and loads what it needs.
 */
export async function loadHtmlReader(): Promise<void> {}

export async function readArticle(file: string, options: ReadOptions = {}): Promise<ReadResult> {
  // Character-set detection (chardet, iconv-lite) loads with the first article, not with `import 'lectern'`.
  const { readBytes, decodeText, decodePage, isHtmlFile, DEFAULT_MAX_INPUT_BYTES } = await import('./decode.js');
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
  // A plugin's reader that claims the file's extension reads it as text instead.
  const claimed = (options.registry ?? defaultRegistry()).readers.some((r) => !INPUT_FORMATS.includes(r.name as never) && r.extensions?.includes(path.extname(file).toLowerCase()));
  if (options.from === 'html' || (!options.from && !claimed && isHtmlFile(file, bytes))) {
    const diagnostics = options.diagnostics ?? new Diagnostics(file);
    const page = decodePage(file, bytes);
    if (page.note) diagnostics[page.note.severity === 'info' ? 'info' : 'warn'](page.note.message, page.note.rule);
    return readPage(page.text, file, { ...options, diagnostics });
  }
  return parseArticle(decodeText(file, bytes), file, options);
}

/** Reads a web page already decoded to text (a saved file or a fetched URL). */
export async function readPage(text: string, file: string, options: ReadOptions = {}): Promise<ReadResult> {
  return parseArticle(text, file, { ...options, from: options.from ?? 'html' });
}

/** The reader for `input`: the one forced with `from`, else the first whose `detect` takes it. */
async function chooseReader(registry: Registry, input: ReaderInput, from: string | undefined): Promise<Reader> {
  if (from) {
    const forced = registry.reader(from);
    if (!forced) throw errors.unknownFormat(input.file, from, registry.formats);
    return forced;
  }
  for (const reader of registry.readers) {
    const extensions = reader.extensions ?? [];
    const takes = reader.detect ? await reader.detect(input) : extensions.includes(path.extname(input.file).toLowerCase());
    if (takes) return reader;
  }
  throw new LecternError(`no reader takes this file (formats: ${registry.formats.join(', ')})`, 'input:format', { file: input.file });
}

/** Like `readArticle`, for text already in memory; `file` names it in diagnostics. */
export async function parseArticle(text: string, file: string, options: ReadOptions = {}): Promise<ReadResult> {
  const diagnostics = options.diagnostics ?? new Diagnostics(file);
  const registry = options.registry ?? defaultRegistry();
  const input: ReaderInput = { text, file, diagnostics, ...(options.lang ? { lang: options.lang } : {}), ...(options.pageUrl ? { url: options.pageUrl } : {}) };
  let reader: Reader | undefined;
  try {
    reader = await chooseReader(registry, input, options.from);
    let draft: DraftArticle = await reader.read(input);
    // The shared transforms load with the first article, not with `import 'lectern'`.
    const [{ Article }, { assignIds }, { repairParagraphs }, { deriveAltText }, { flattenDeepInlines }, { sanitiseText }, { zodIssue }] = await Promise.all([
      import('../article/model.js'),
      import('../article/ids.js'),
      import('../transforms/repair.js'),
      import('../transforms/alt.js'),
      import('../transforms/nesting.js'),
      import('../transforms/text.js'),
      import('./zod-issue.js'),
    ]);
    // Bounded nesting and text every output can hold, before anything else looks at it.
    draft = sanitiseText({ ...draft, blocks: flattenDeepInlines(draft.blocks, diagnostics) }, diagnostics, text);
    let blocks = draft.blocks;
    if (options.repair ?? reader.name === 'seed') blocks = repairParagraphs(blocks, diagnostics);
    blocks = deriveAltText(blocks, diagnostics);
    const candidate = { ...draft, blocks: assignIds(blocks) };
    const checked = Article.safeParse(candidate);
    if (!checked.success) {
      const { path: p, message } = zodIssue(checked.error);
      throw errors.schema(file, p, message);
    }
    // Equations get their words (Speech Rule Engine loads only for an article with one without).
    const { describeMath } = await import('../speech/math.js');
    return { article: await describeMath(checked.data, diagnostics), format: reader.name, file, diagnostics };
  } catch (e) {
    if (e instanceof LecternError) throw e;
    // A reader bug must still surface as one line naming the file, with the cause kept,
    // and say that it is lectern's fault, not the page's.
    const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    if (reader && !registry.isBuiltinReader(reader.name))
      throw new LecternError(`the plugin reader "${reader.name}" failed: ${detail}`, 'input:plugin', { file }, { cause: e });
    throw new LecternError(`lectern could not read this article because of a bug in lectern, not in the file (please report it with the file): ${detail}`, 'input:internal', { file }, { cause: e });
  }
}
