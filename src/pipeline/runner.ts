import { Diagnostics, LecternError, StageError } from '../article/diagnostics.js';
import type { Article } from '../article/model.js';
import { OutputWriter, sweepTemporaries } from './output.js';
import type { Artifacts, BuildOptions, Logger, Stage, StageContext } from './stage.js';
import type { Registry } from '../plugins/registry.js';
import { defaultRegistry } from '../plugins/builtin.js';
import { resolveStageOptions } from './options.js';

export { StageError };

/**
 * Runs a stage for its scope: a book-scoped stage once, with every article; an
 * article-scoped stage (the default) once per article in a digest, each time with that
 * article alone and outputs named `<digest>-<n>` (`morning-digest-2.json`), so no article
 * of a digest is silently left out.
 */
async function runScoped(stage: Stage, ctx: StageContext): Promise<void> {
  if ((stage.scope ?? 'article') === 'book' || !ctx.options.bundle) return stage.run(ctx);
  const { bundle: _digest, ...options } = ctx.options;
  for (const [i, article] of ctx.articles.entries()) {
    const source = ctx.options.sources[i] ?? ctx.options.sources[0]!;
    await stage.run({
      ...ctx,
      article,
      articles: [article],
      options: { ...options, baseName: `${ctx.options.baseName}-${i + 1}`, articleFile: source.file, articleDir: source.dir, sources: [source] },
    });
  }
}

/**
 * Orders stages so each runs after its `needs` and `after`, grouped into waves whose
 * members are independent. Stages named in `needs` but not selected are pulled in from
 * `available`. Throws a LecternError for an unknown stage or a cycle.
 */
export function planStages(selected: readonly Stage[], available: readonly Stage[]): Stage[][] {
  const byName = new Map(available.map((s) => [s.name, s]));
  for (const s of selected) byName.set(s.name, s);
  const chosen = new Map<string, Stage>();
  const add = (stage: Stage, from?: string) => {
    if (chosen.has(stage.name)) return;
    chosen.set(stage.name, stage);
    for (const need of stage.needs ?? []) {
      const dep = byName.get(need);
      if (!dep) throw new LecternError(`stage "${stage.name}" needs "${need}", which is not available`, 'stage:missing', {});
      add(dep, stage.name);
    }
    void from;
  };
  selected.forEach((s) => add(s));

  const waves: Stage[][] = [];
  const done = new Set<string>();
  let left = [...chosen.values()];
  while (left.length) {
    const ready = left.filter((s) => [...(s.needs ?? []), ...(s.after ?? [])].every((d) => done.has(d) || !chosen.has(d)));
    if (!ready.length) throw new LecternError(`stages depend on each other in a cycle: ${left.map((s) => s.name).join(', ')}`, 'stage:cycle');
    waves.push(ready);
    ready.forEach((s) => done.add(s.name));
    left = left.filter((s) => !ready.includes(s));
  }
  return waves;
}

export interface RunResult {
  files: string[];
  artifacts: Artifacts;
  timings: Record<string, number>;
}

const quietLogger: Logger = { info() {}, progress() {} };

/** The error for a stopped build: the caller's own reason when it is a LecternError ("interrupted by SIGINT"). */
function interrupted(reason: unknown, file: string): LecternError | StageError {
  return reason instanceof LecternError ? new LecternError(reason.message, reason.code, { file, ...reason.place }, { cause: reason }) : new StageError('build', reason ?? new Error('interrupted'), file);
}

/**
 * Runs the planned stages over one article. Outputs are committed only if every stage
 * succeeds; on failure (or abort) everything this build wrote is discarded and the
 * first failure is thrown as a `StageError`.
 */
export async function runStages(
  waves: Stage[][],
  article: Article,
  options: BuildOptions,
  diagnostics: Diagnostics,
  extra: { log?: Logger; signal?: AbortSignal; articles?: readonly Article[]; registry?: Registry } = {},
): Promise<RunResult> {
  const registry = extra.registry ?? defaultRegistry();
  // Parsed already when the options come from build(); a direct caller's are parsed here.
  options = { ...options, stageOptions: resolveStageOptions(registry, options.stageOptions) };
  // What killed builds left (folders untouched for 10 minutes: never this build's own,
  // made fresh), swept while the build runs; the build waits for it before it ends.
  const swept = sweepTemporaries(options.outDir);
  // Every file the build reads by name: no output may replace one (`-o .` beside story.json).
  const inputs = [
    ...options.sources.map((s) => s.file),
    ...[options.stageOptions['cover']?.['image'], ...((options.stageOptions['speech']?.['lexicons'] as unknown[] | undefined) ?? [])].filter((f): f is string => typeof f === 'string'),
  ];
  const output = new OutputWriter(options.outDir, inputs);
  const controller = new AbortController();
  const onAbort = () => controller.abort(extra.signal?.reason);
  extra.signal?.addEventListener('abort', onAbort, { once: true });
  if (extra.signal?.aborted) onAbort();
  const cleanups: (() => Promise<void> | void)[] = [];
  const ctx: StageContext = {
    article,
    articles: extra.articles ?? [article],
    stages: waves.flat().map((s) => s.name),
    options,
    diagnostics,
    log: extra.log ?? quietLogger,
    output,
    artifacts: {},
    registry,
    signal: controller.signal,
    defer: (fn) => void cleanups.push(fn),
  };
  // Failures are reported at the build's input, or at the digest's name.
  const file = options.bundle ? options.baseName : options.articleFile;
  const timings: Record<string, number> = {};
  let onStop: (() => void) | undefined;
  try {
    // Each stage starts as soon as the stages it follows have finished (the waves give an
    // order in which those are always already started), so a slow stage holds up only
    // the stages that wait for it.
    const planned = new Set(waves.flat().map((s) => s.name));
    const finished = new Map<string, Promise<void>>();
    let firstFailure: StageError | undefined;
    for (const stage of waves.flat()) {
      const before = [...(stage.needs ?? []), ...(stage.after ?? [])].filter((n) => planned.has(n)).map((n) => finished.get(n)!);
      finished.set(
        stage.name,
        Promise.all(before).then(async () => {
          if (controller.signal.aborted) throw controller.signal.reason ?? new Error('aborted');
          const t0 = process.hrtime.bigint();
          try {
            await runScoped(stage, ctx);
          } catch (e) {
            // A stage's failure met by a later stage (the MP3 the audio stage was still
            // encoding, see its `mp3Ready`) stays that stage's.
            firstFailure ??= e instanceof StageError ? e : new StageError(stage.name, e, file);
            controller.abort(e);
            throw firstFailure;
          } finally {
            // In ms, as performance.now() gives them; hrtime needs no perf_hooks loaded (about 1 ms).
            timings[stage.name] = Number(process.hrtime.bigint() - t0) / 1e6;
          }
        }),
      );
    }
    // When the caller stops the build (Ctrl-C), do not wait for stages that do not look at
    // their signal (a long MP3 encode): discard the outputs now. The writer refuses their
    // later writes, so nothing they do afterwards reaches the output folder.
    const stopped = new Promise<'stopped'>((resolve) => {
      onStop = () => resolve('stopped');
      if (extra.signal?.aborted) onStop();
      extra.signal?.addEventListener('abort', onStop, { once: true });
    });
    const settled = await Promise.race([Promise.allSettled(finished.values()), stopped]);
    if (settled === 'stopped') throw interrupted(extra.signal?.reason, options.articleFile);
    if (firstFailure) throw firstFailure;
    if (controller.signal.aborted) throw interrupted(controller.signal.reason, options.articleFile);
    let files: string[];
    try {
      await swept;
      files = await output.commit();
    } catch (e) {
      throw e instanceof StageError ? e : new StageError('output', e, file);
    }
    return { files, artifacts: ctx.artifacts, timings };
  } catch (e) {
    await Promise.all([output.discard(), swept]);
    throw e;
  } finally {
    extra.signal?.removeEventListener('abort', onAbort);
    if (onStop) extra.signal?.removeEventListener('abort', onStop);
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => {});
  }
}
