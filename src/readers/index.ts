/**
 * `readArticle(file)`: picks a reader by `--from`, extension or content, runs the
 * transforms (repairs, alt text, ids) and returns an article validated against the model.
 */
import path from 'node:path';
import { Diagnostics, LecternError, errors } from '../article/diagnostics.js';
import { readText, DEFAULT_MAX_INPUT_BYTES } from './decode.js';
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
  const text = await readText(file, options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES);
  return parseArticle(text, file, options);
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
  const input: ReaderInput = { text, file, lang: options.lang ?? 'en', diagnostics };
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
      import('./json.js'),
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
    return { article: checked.data, format: reader.name, file, diagnostics };
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
