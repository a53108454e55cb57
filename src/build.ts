/**
 * `build()`: the library's front door. Reads each article, resolves options once, plans
 * the stages and runs them. Never prints, never exits: everything comes back in the result.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Diagnostics, LecternError } from './article/diagnostics.js';
import type { Article } from './article/model.js';
import { readArticle, type InputFormat } from './readers/index.js';
import { expandInputs } from './inputs.js';
import { isUrl } from './readers/fetch.js';
import { planStages, runStages, StageError } from './pipeline/runner.js';
import { defaultCacheRoot } from './tts/cache.js';
import type { Artifacts, BuildOptions, Logger, Stage } from './pipeline/stage.js';
import type { LecternPlugin } from './plugin.js';
import { createRegistry, defaultRegistry } from './plugins/builtin.js';
import { pluginError, type Registry } from './plugins/registry.js';
import { resolveStageOptions, type StageOptions, type StageOptionsInput } from './pipeline/options.js';
import { builtinStages } from './stages/index.js';
import { dropEarlyThread } from './workers/early.js';

export interface BuildInput {
  /** Output folder. Default: `"dist"`. */
  outDir?: string;
  /** Built-in stage names to run. Default: every default stage. */
  stages?: string[];
  /** Plugins: readers, engines, normalisers and stages beyond lectern's own. Their stages run as well. Default: none. */
  plugins?: LecternPlugin[];
  /** Extra stage objects (third-party stages) to run as well; the same as a plugin with these stages. Default: none. */
  extraStages?: Stage[];
  /** Force an input format. Default: chosen by extension and content. */
  from?: InputFormat;
  /** Allow http(s) images. Default: `false`. */
  allowRemote?: boolean;
  /** Apply the scrape repairs to every format. Default: only to the news-export (seed) format. */
  repair?: boolean;
  /** Per-stage options, by stage name. Default: `{}`. */
  stageOptions?: StageOptionsInput | StageOptions;
  /** Overrides `SOURCE_DATE_EPOCH` (seconds). Default: the environment's, else the article's date. */
  sourceDateEpoch?: number;
  /** Largest input file accepted, in bytes. Default: 8 MiB. */
  maxInputBytes?: number;
  /** Cache folder (clips, MP3 segments, covers), or `false` for none. Default: `$XDG_CACHE_HOME/lectern`. */
  cacheDir?: string | false;
  log?: Logger;
  signal?: AbortSignal;
  /** A registry made beforehand (`createRegistry(plugins)`), used instead of `plugins` and `extraStages`. */
  registry?: Registry;
}

export interface ArticleBuildResult {
  file: string;
  ok: boolean;
  format?: InputFormat;
  article?: Article;
  files: string[];
  diagnostics: Diagnostics;
  timings: Record<string, number>;
  /** What the stages handed each other (cover, images, narration timeline, ...), for callers that want more than files. */
  artifacts?: Artifacts;
  error?: LecternError | StageError;
}

/** Fixed fallback timestamp (2000-01-01) so that undated articles still build reproducibly. */
const FALLBACK_EPOCH = 946684800;

export function resolveSourceDateEpoch(article: Article, override?: number): number {
  if (override !== undefined) return override;
  const env = process.env['SOURCE_DATE_EPOCH'];
  if (env && /^\d+$/.test(env)) return Number(env);
  const published = article.byline.published ? Date.parse(article.byline.published) : NaN;
  return Number.isFinite(published) ? Math.floor(published / 1000) : FALLBACK_EPOCH;
}

/** Throws a usage error naming every stage `registry` (default: the built-in one) does not have. */
export function validateStageNames(names: readonly string[], registry: Registry = defaultRegistry()): void {
  registry.checkStageNames(names);
}

/** Third-party stages need names of their own: unique, and not those of built-in stages. */
export function validateExtraStages(stages: readonly Stage[]): void {
  const seen = new Set<string>();
  for (const s of stages) {
    if (defaultRegistry().isBuiltinStage(s.name)) throw new LecternError(`third-party stage "${s.name}" has the name of a built-in stage`, 'usage:stage');
    if (seen.has(s.name)) throw new LecternError(`two third-party stages are named "${s.name}"`, 'usage:stage');
    seen.add(s.name);
  }
}

/**
 * The build's registry: lectern's own plugin, then `input.plugins`, then `input.extraStages`
 * as one more plugin. A mistake in a plugin is a usage error naming it.
 */
export function buildRegistry(input: BuildInput): Registry {
  validateExtraStages(input.extraStages ?? []);
  const extra: LecternPlugin[] = input.extraStages?.length ? [{ name: 'extraStages', stages: input.extraStages }] : [];
  try {
    return createRegistry([...(input.plugins ?? []), ...extra]);
  } catch (e) {
    if (e instanceof LecternError) throw new LecternError(e.message, 'usage:plugin', e.place, { cause: e });
    throw pluginError('plugins', String(e), e);
  }
}

/** The stages a build runs: those named (default: the default ones) and every plugin stage. */
function stageSelection(registry: Registry, names: readonly string[] | undefined): string[] {
  const chosen = names ?? registry.defaultStageNames;
  registry.checkStageNames(chosen);
  return [...new Set([...chosen, ...registry.pluginStageNames])];
}

export async function buildArticle(file: string, input: BuildInput = {}): Promise<ArticleBuildResult> {
  const diagnostics = new Diagnostics(file);
  const result: ArticleBuildResult = { file, ok: false, files: [], diagnostics, timings: {} };
  try {
    const registry = input.registry ?? buildRegistry(input);
    const names = stageSelection(registry, input.stages);
    const stageOptions = resolveStageOptions(registry, input.stageOptions);
    // The threads start first, then run while the article is read and its speech script
    // made: starting them costs the main thread about 10 ms (loading the engine's module),
    // and each thread about 0.1 s of its own, which is what the narration would otherwise
    // wait for. (Compiling eSpeak NG's module here too, before the threads ask for it,
    // measured no faster and 20-60 MB larger at peak: it is compiled when first asked.)
    const early = await prestartNarration(registry, names, stageOptions, input);
    try {
      const read = await readArticle(file, { from: input.from, diagnostics, maxInputBytes: input.maxInputBytes, repair: input.repair, signal: input.signal, registry });
      result.article = read.article;
      result.format = read.format;
      const options = bookOptions(input, stageOptions, outputBaseName(file), [file], resolveSourceDateEpoch(read.article, input.sourceDateEpoch));
      await runBook(result, names, [read.article], options, input, registry);
    } finally {
      await early();
    }
  } catch (e) {
    if (e instanceof LecternError || e instanceof StageError) result.error = e;
    else throw e;
  }
  return result;
}

/**
 * Starts the narration's worker threads as the build starts, so that each thread's start
 * and its engine's (eSpeak NG: about 0.2 s) overlap reading the article and making its
 * speech script instead of following them. With a clip cache already made, one thread
 * (a rebuild mostly finds its clips there; the narration adds threads if it needs them),
 * else one per worker. Nothing starts for a build without narration, or for an engine
 * that runs outside lectern's threads. Returns what stops the threads if the build never
 * used them.
 */
async function prestartNarration(registry: Registry, names: readonly string[], stageOptions: StageOptions, input: BuildInput): Promise<() => Promise<void>> {
  // A thread the command started early (scripts/lectern-bin.cjs) is stopped unless a pool takes it.
  const none = async () => dropEarlyThread();
  try {
    if (!needsNarration(names)) return dropEarlyThread(), none;
    // The pools (and node:worker_threads) load only for a build with narration.
    const [{ prestartPool }, { defaultWorkers, speechTask }] = await Promise.all([import('./workers/pool.js'), import('./tts/pool.js')]);
    const opts = stageOptions['narration'] as { engine: string; workers?: number };
    const ref = registry.engineRef(opts.engine);
    // Loaded here first, though the threads load it again: starting them earlier than this
    // measured slower and larger (their start competes with lectern's own on two cores).
    const engine = await registry.loadEngine(ref.id);
    // An engine that may hand over to another (neural -> eSpeak NG) starts its threads when it knows which.
    // (Its pool may take the thread started early.)
    if (engine.fallback) return async () => {};
    if (!engine.capabilities.workerSafe) return dropEarlyThread(), none;
    const workers = opts.workers ?? defaultWorkers();
    const clips = input.cacheDir === false ? undefined : path.join(path.resolve(input.cacheDir ?? defaultCacheRoot()), 'clips');
    const task = speechTask(ref);
    return prestartPool(task.name, clips && existsSync(clips) ? 1 : workers, [task]);
  } catch {
    // Whatever is wrong (an unknown engine, ...) is reported by the stage that meets it.
    dropEarlyThread();
    return none;
  }
}

/** Whether the stages need the narration, by the built-in stages' declared needs (nothing is loaded to know). */
function needsNarration(names: readonly string[]): boolean {
  const needs = builtinStages as Record<string, { needs?: readonly string[] }>;
  const seen = new Set<string>();
  const todo = [...names];
  while (todo.length) {
    const n = todo.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    todo.push(...(needs[n]?.needs ?? []));
  }
  return seen.has('narration');
}

/** The options every stage sees, resolved once: for one article, or for the articles of a digest. */
function bookOptions(input: BuildInput, stageOptions: StageOptions, baseName: string, files: readonly string[], sourceDateEpoch: number): BuildOptions {
  // A fetched page's images are all URLs: it has no folder of its own.
  const sources = files.map((file) => ({ file, dir: isUrl(file) ? process.cwd() : path.dirname(path.resolve(file)) }));
  return {
    outDir: path.resolve(input.outDir ?? 'dist'),
    baseName,
    articleDir: sources[0]!.dir,
    articleFile: sources[0]!.file,
    sources,
    allowRemote: input.allowRemote ?? false,
    sourceDateEpoch,
    stageOptions,
    cacheDir: input.cacheDir === false ? false : path.resolve(input.cacheDir ?? defaultCacheRoot()),
  };
}

/** Plans and runs the stages for one book, recording files, timings and artifacts in `result`. */
async function runBook(result: ArticleBuildResult, names: readonly string[], articles: readonly Article[], options: BuildOptions, input: BuildInput, registry: Registry): Promise<void> {
  const selected = await registry.createStages(names);
  const waves = planStages(selected, await neededStages(selected, registry));
  const run = await runStages(waves, articles[0]!, options, result.diagnostics, { log: input.log, signal: input.signal, articles, registry });
  result.files = run.files;
  result.timings = run.timings;
  result.artifacts = run.artifacts;
  result.ok = true;
}

/** Creates the stages that `selected` needs, transitively, and are not selected. */
async function neededStages(selected: readonly Stage[], registry: Registry): Promise<Stage[]> {
  const have = new Map(selected.map((s) => [s.name, s]));
  let frontier = [...selected];
  while (frontier.length) {
    const missing = [...new Set(frontier.flatMap((s) => s.needs ?? []))].filter((n) => !have.has(n) && registry.stage(n));
    frontier = await registry.createStages(missing);
    frontier.forEach((s) => have.set(s.name, s));
  }
  return [...have.values()];
}

/** The name outputs of `file` get: `article` for `article.md`, `story` for `https://site/news/story.html`. */
export function outputBaseName(file: string): string {
  if (isUrl(file)) {
    try {
      const url = new URL(file);
      const last = decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '').replace(/\.[^.]+$/, '');
      return slug(last || url.hostname).replace(/-+/g, '-') || 'article';
    } catch {
      return 'article';
    }
  }
  return path.basename(file).replace(/\.[^.]+$/, '') || 'article';
}

/** "Morning digest: 27 Nov" -> "morning-digest-27-nov". */
export function slug(title: string): string {
  return (
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'digest'
  );
}

/** The registry and every stage's options, resolved once at the boundary; throws `LecternError` for a bad option. */
function resolveBoundary(input: BuildInput): { registry: Registry; stageOptions: StageOptions } {
  const registry = input.registry ?? buildRegistry(input);
  return { registry, stageOptions: resolveStageOptions(registry, input.stageOptions) };
}

/** `resolveBoundary`, or the failed result (at `file`) of a build whose options are wrong. */
function boundaryOrFailure(input: BuildInput, file: string): { registry: Registry; stageOptions: StageOptions } | ArticleBuildResult {
  try {
    return resolveBoundary(input);
  } catch (e) {
    if (!(e instanceof LecternError)) throw e;
    return { file, ok: false, files: [], diagnostics: new Diagnostics(file), timings: {}, error: e };
  }
}

/**
 * Builds several articles into one digest: one EPUB with a section per article (each
 * keeping its language and metadata) and one narration with a chapter per article. An
 * article that cannot be read is reported and left out; the others still make the digest.
 * The last result is the digest itself, named after its title.
 */
export async function buildBundle(inputs: readonly string[], title: string, input: BuildInput = {}): Promise<ArticleBuildResult[]> {
  const results: ArticleBuildResult[] = [];
  const articles: { file: string; article: Article }[] = [];
  const boundary = boundaryOrFailure(input, slug(title));
  if ('ok' in boundary) return [boundary];
  const { registry, stageOptions } = boundary;
  for (const { file, error } of await expandInputs(inputs, process.cwd(), registry.extensions)) {
    const diagnostics = new Diagnostics(file);
    if (error) {
      results.push({ file, ok: false, files: [], diagnostics, timings: {}, error });
      continue;
    }
    try {
      const read = await readArticle(file, { from: input.from, diagnostics, maxInputBytes: input.maxInputBytes, repair: input.repair, signal: input.signal, registry });
      articles.push({ file, article: read.article });
      // Each article's reading diagnostics are reported under its own name; its outputs are the digest's.
      results.push({ file, ok: true, format: read.format, article: read.article, files: [], diagnostics, timings: {} });
    } catch (e) {
      if (!(e instanceof LecternError)) throw e;
      results.push({ file, ok: false, files: [], diagnostics, timings: {}, error: e });
    }
  }
  const name = slug(title);
  const diagnostics = new Diagnostics(name);
  const digest: ArticleBuildResult = { file: name, ok: false, files: [], diagnostics, timings: {} };
  results.push(digest);
  try {
    if (!articles.length) throw new LecternError('no article could be read, so there is no digest to build', 'input:empty-bundle', { file: name });
    const names = stageSelection(registry, input.stages);
    const epoch = Math.max(...articles.map((a) => resolveSourceDateEpoch(a.article, input.sourceDateEpoch)));
    const options = { ...bookOptions(input, stageOptions, name, articles.map((a) => a.file), epoch), bundle: { title } };
    const stopEarlyThreads = await prestartNarration(registry, names, stageOptions, input);
    try {
      await runBook(digest, names, articles.map((a) => a.article), options, input, registry);
    } finally {
      await stopEarlyThreads();
    }
  } catch (e) {
    if (e instanceof LecternError || e instanceof StageError) digest.error = e;
    else throw e;
  }
  return results;
}

/**
 * Builds several articles; one failing does not stop the others. `inputs` may name
 * files, folders (their article files) and glob patterns (see `expandInputs`). Two
 * inputs whose outputs would have the same name: the second fails instead of
 * overwriting the first.
 */
export async function build(inputs: readonly string[], input: BuildInput = {}): Promise<ArticleBuildResult[]> {
  const results: ArticleBuildResult[] = [];
  const outputsOf = new Map<string, string>();
  const failed = (file: string, error: LecternError): ArticleBuildResult => ({ file, ok: false, files: [], diagnostics: new Diagnostics(file), timings: {}, error });
  const boundary = boundaryOrFailure(input, inputs[0] ?? 'options');
  if ('ok' in boundary) return [boundary];
  const { registry, stageOptions } = boundary;
  for (const { file, error } of await expandInputs(inputs, process.cwd(), registry.extensions)) {
    if (input.signal?.aborted) break;
    if (error) {
      results.push(failed(file, error));
      continue;
    }
    const name = outputBaseName(file);
    const earlier = outputsOf.get(name);
    if (earlier) {
      results.push(failed(file, new LecternError(`its outputs would overwrite those of ${earlier} (both are named "${name}"); build it into another --out folder`, 'input:name-clash', { file })));
      continue;
    }
    outputsOf.set(name, file);
    results.push(await buildArticle(file, { ...input, registry, stageOptions }));
  }
  return results;
}
