/**
 * The plugin contract: everything lectern can be extended with, in one place.
 *
 * A plugin is a plain object, `{ name, readers?, engines?, normalisers?, stages? }`. The
 * built-in readers, engines, normalisers and stages are themselves a plugin (`builtin`,
 * in `plugins/builtin.ts`) registered through the same `Registry` a third party's goes
 * through, and the CLI (`--plugin`), the config file (`plugins`) and `build({ plugins })`
 * all feed that one registry.
 *
 * Everything here is loaded lazily: a reader's parser, an engine's runtime and a stage's
 * dependencies are imported on first use, so `import 'lectern'` and `lectern --help`
 * stay fast however many plugins are registered.
 */
import type { Diagnostics } from './article/diagnostics.js';
import type { DraftArticle } from './readers/draft.js';
import type { TtsEngine } from './tts/engine.js';
import type { Stage } from './pipeline/stage.js';
import type { ZodType } from 'zod';

export type { DraftArticle, DraftBlock } from './readers/draft.js';
export type { TtsEngine, Voice, EngineCapabilities, Synthesis, SynthesisRequest } from './tts/engine.js';

/** What a reader gets: one input, already decoded and size-checked. */
export interface ReaderInput {
  /** The article's text: decoded to a string (UTF-8, byte-order mark removed), within `--max-input-bytes`. */
  readonly text: string;
  /** The file as the user named it: use it in diagnostics and errors. */
  readonly file: string;
  /** The language the user gave for formats that do not declare one; absent: the reader decides (the built-in ones take `"en"`, or, for a page, what its text says). */
  readonly lang?: string;
  /** The address a page was fetched from, when the input is a URL. */
  readonly url?: string;
  /** Report warnings here (`diagnostics.warn(message, 'reader:rule', { line })`); throw `LecternError` for unreadable input. */
  readonly diagnostics: Diagnostics;
}

/**
 * A reader turns one input format into a `DraftArticle` (an article whose blocks have no
 * ids yet). lectern then runs the transforms every format shares (bounded nesting, text
 * sanitising, scrape repairs, alt text from captions, ids) and validates the result
 * against the article model, so a reader only extracts what is there.
 *
 * When the user does not force a format (`--from`), readers are asked in order, third-party
 * readers first, then `json`, `html`, `seed`, `markdown`; the first whose `detect` says
 * yes reads the input.
 */
export interface Reader {
  /** The format's name: what `--from` takes, and `ReadResult.format`. Letters, digits, `-`. */
  readonly name: string;
  /** One line for `lectern --help` and error messages. */
  readonly description: string;
  /**
   * File extensions, lower case with the dot (`['.txt']`): a folder given as input
   * contributes its files with these extensions. Default: none.
   */
  readonly extensions?: readonly string[];
  /**
   * Whether this reader takes `input` when no format is forced. Called before `read`;
   * keep it cheap (look at the extension or the first bytes). Default: the file's
   * extension is one of `extensions`.
   */
  detect?(input: ReaderInput): boolean | Promise<boolean>;
  /** Reads the input. Throw `LecternError` (one line, naming `input.file`) for input it cannot read. */
  read(input: ReaderInput): Promise<DraftArticle>;
}

/**
 * A text-to-speech engine, named by module so it can be loaded in lectern's synthesis
 * threads as well as on the main thread: a worker thread cannot receive a function, only
 * a module URL to import. The module's export (`export`, default `"default"`) is a
 * factory, `(options) => TtsEngine | Promise<TtsEngine>`; it is called once per thread.
 *
 * An engine whose `capabilities.workerSafe` is true runs on the synthesis threads (one
 * per core); otherwise its `synthesize` is called on the main thread, several at a time
 * (right for engines that start their own processes).
 */
export interface EngineEntry {
  /** What `--engine` takes. Letters, digits, `-`. */
  readonly id: string;
  /** One line for `lectern voices`. Default: the engine's own `description`. */
  readonly description?: string;
  /**
   * The module that exports the engine's factory: a `file:` URL (`new URL('./engine.mjs',
   * import.meta.url)`), an absolute path, or a package name a worker thread can import.
   */
  readonly module: string | URL;
  /** Name of the factory export. Default: `"default"`. */
  readonly export?: string;
}

/** How to load an engine, in a form that can be sent to a worker thread (strings only). */
export interface EngineRef {
  readonly id: string;
  /** An importable specifier: `file:` URL or package name. */
  readonly module: string;
  readonly export: string;
}

/** The factory an engine module exports. */
export type EngineFactory = (options?: Record<string, unknown>) => TtsEngine | Promise<TtsEngine>;

/**
 * Text normalisation for speech in one language: turns a sentence of article text into
 * what a speaker would say (`2.3mn` -> "2.3 million"). Runs on the main thread while the
 * speech script is made, after the text is split into sentences and before the lexicon.
 * A normaliser from a plugin replaces the built-in one for its language.
 */
export interface NormaliserEntry {
  /** Primary language subtag it handles, lower case: `"en"`, `"fr"`. */
  readonly lang: string;
  /** Loads what `normalise` needs (rules, word lists), once, before its first call. Default: nothing to load. */
  load?(): Promise<void>;
  /**
   * One sentence in, the words to say out. `lang` is the article's full BCP 47 tag, for
   * rules that differ by region ("en-GB" reads dates day first, "en-US" month first).
   * Must be pure: the same text and tag give the same result.
   */
  normalise(text: string, lang: string): string;
  /**
   * Optional: the same result with the reason for each change, shown by
   * `lectern inspect --speech --explain`: every token a rule changed (`from`), what it
   * became (`to`), the rule's name and the token's class (`DATE`, `MONEY`...).
   */
  explain?(text: string, lang: string): { text: string; changes: readonly { from: string; to: string; rule: string; class: string }[] };
}

/**
 * A stage by name, created only when a build runs it, so its dependencies load only then.
 * A plugin may give a `Stage` object instead; it is wrapped in an entry.
 */
export interface StageEntry {
  /** The stage's name, as in `--stages` and `needs`. */
  readonly name: string;
  /** One line for `lectern stages`. */
  readonly description: string;
  /**
   * Part of a build when no `--stages` is given. Default: `false` for built-in stages
   * marked so; `true` for a plugin's stages (naming a plugin means running its stages).
   */
  readonly default?: boolean;
  /**
   * The stage's options, as a zod schema: parsed once at the boundary (CLI, config file,
   * `build()`), defaults filled in, a wrong value refused in one line naming it. The stage
   * finds the result as `ctx.options.stageOptions[name]`. Default: none (taken as given).
   */
  readonly options?: ZodType<Record<string, unknown>>;
  /** `article` or `book` (see `Stage.scope`); the stage's own `scope` wins. Default: `article`. */
  readonly scope?: 'article' | 'book';
  /** Makes the stage. Called at most once per build. */
  create(): Stage | Promise<Stage>;
}

/** A plugin: a name and what it contributes. Every list is optional. */
export interface LecternPlugin {
  /** Names the plugin in error messages and in `lectern plugins`-style listings. */
  readonly name: string;
  /** Input formats. */
  readonly readers?: readonly Reader[];
  /** Text-to-speech engines, named by module. */
  readonly engines?: readonly EngineEntry[];
  /** Per-language speech normalisers. */
  readonly normalisers?: readonly NormaliserEntry[];
  /** Output stages, as stage objects or lazy entries. */
  readonly stages?: readonly (Stage | StageEntry)[];
}

/** Identity helper that gives a plugin module its types: `export default definePlugin({ ... })`. */
export function definePlugin<T extends LecternPlugin>(plugin: T): T {
  return plugin;
}

/** Identity helper for a reader. */
export function defineReader<T extends Reader>(reader: T): T {
  return reader;
}

/** Identity helper for an engine factory, the export an engine module gives. */
export function defineEngine<T extends EngineFactory>(factory: T): T {
  return factory;
}
