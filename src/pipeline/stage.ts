/**
 * The stage contract. Every output lectern makes (EPUB, cover, audio, transcript, ...)
 * comes from a stage: a plain object made by a factory, e.g. `epubStage(options)`.
 *
 * The runner (`runStages`) orders stages by `needs` and `after`, runs stages that do not
 * depend on each other side by side, and gives each one a `StageContext`. A stage:
 * - reads `ctx.article` and `ctx.options`, never mutates them;
 * - reports problems with `ctx.diagnostics.warn(...)`; throws `LecternError` for a
 *   problem with the user's input (the runner adds the stage's name);
 * - writes files only through `ctx.output`, which commits them atomically when the whole
 *   build succeeds and discards them when any stage fails;
 * - hands results to later stages through `ctx.artifacts` (e.g. the cover, the timeline);
 * - never prints and never exits: `ctx.log` reaches the CLI's progress output.
 */
import type { Article } from '../article/model.js';
import type { Diagnostics } from '../article/diagnostics.js';
import type { OutputWriter } from './output.js';
import type { Registry } from '../plugins/registry.js';
import type { StageOptions } from './options.js';
import type { ZodType } from 'zod';

/** Options every stage can see, resolved once at the boundary (no `undefined` defaults). */
export interface BuildOptions {
  /** Folder the outputs go to. Default: `dist`. */
  outDir: string;
  /** Base name of the outputs, e.g. `article` for `article.epub`. Default: the input's file name. */
  baseName: string;
  /** Folder of the article file; relative image paths resolve against it and may not leave it. */
  articleDir: string;
  /** The article file, for diagnostics. */
  articleFile: string;
  /** File and folder of each article in `StageContext.articles` (one, unless this is a digest). */
  sources: { file: string; dir: string }[];
  /** Set when several articles are built into one digest book and narration. */
  bundle?: { title: string };
  /** Allow fetching http(s) images. Default: `false`. */
  allowRemote: boolean;
  /** Seconds since the epoch used for timestamps in outputs (`SOURCE_DATE_EPOCH`). Default: derived from the article. */
  sourceDateEpoch: number;
  /** Folder for caches that make rebuilds fast (clips, MP3 segments, covers); `false`: none. Default: `$XDG_CACHE_HOME/lectern`. */
  cacheDir: string | false;
  /** Options for individual stages, by stage name, parsed by each stage's `options` schema (defaults filled in). */
  stageOptions: StageOptions;
}

/** Values stages hand to later stages. Stages declare their own keys by interface merging. */
export interface Artifacts {
  [key: string]: unknown;
}

export interface Logger {
  /** A line of progress for the user (shown on a terminal, hidden in quiet mode). */
  info(message: string): void;
  /** Progress of a long step, `done` out of `total`. */
  progress(label: string, done: number, total: number): void;
}

export interface StageContext {
  /**
   * The article. For an article-scoped stage, the one it is run for (in a digest, each in
   * turn); for a book-scoped stage in a digest, the first: use `articles`.
   */
  readonly article: Article;
  /** Every article of the build: one, or the articles of a digest in order. */
  readonly articles: readonly Article[];
  /** Names of the stages in this build, so a stage can prepare for those that follow. */
  readonly stages: readonly string[];
  readonly options: BuildOptions;
  readonly diagnostics: Diagnostics;
  readonly log: Logger;
  readonly output: OutputWriter;
  readonly artifacts: Artifacts;
  /** The build's readers, engines, normalisers and stages (lectern's own and the plugins'). */
  readonly registry: Registry;
  /** Aborted when another stage failed or the user interrupted the build. */
  readonly signal: AbortSignal;
  /** Registers clean-up (e.g. removing temporary files) to run when the build ends, however it ends. */
  defer(cleanup: () => Promise<void> | void): void;
}

export interface Stage {
  /** Unique name, used in `--stages`, in `needs` and in error messages. */
  readonly name: string;
  /** One line for `lectern stages`. */
  readonly description: string;
  /** Stages that must run first; they are added to the build when missing. */
  readonly needs?: readonly string[];
  /** Stages that, when they are part of the build, run first (soft ordering). */
  readonly after?: readonly string[];
  /**
   * `article`: the stage works on one article (`ctx.article`); in a digest the runner runs
   * it once per article. `book`: it runs once and handles `ctx.articles` itself (a digest's
   * book, narration, web page). Default: `article`.
   */
  readonly scope?: 'article' | 'book';
  /** Its options as a zod schema (see `StageEntry.options` in src/plugin.ts). Default: none. */
  readonly options?: ZodType<Record<string, unknown>>;
  run(ctx: StageContext): Promise<void>;
}

/** Identity helper that gives a third-party stage its types. */
export function defineStage<T extends Stage>(stage: T): T {
  return stage;
}
