/**
 * Runs many synthesis requests at once: as tasks on the worker pool (`workers/pool.ts`, one
 * thread per core by default) for engines that run in-process, or as parallel calls on the
 * main thread for engines that spawn their own processes. Results come back in completion
 * order through `onResult`.
 */
import os from 'node:os';
import { LecternError } from '../article/diagnostics.js';
import { acquirePool, type TaskKind, type WorkerPool } from '../workers/pool.js';
import type { Synthesis, SynthesisRequest, TtsEngine, Voice } from './engine.js';
import type { EngineRef } from '../plugin.js';
import { defaultRegistry } from '../plugins/builtin.js';

/**
 * The speech task kind for an engine: every thread of a synthesis pool loads the engine as
 * it starts, by module URL, so a plugin's engine runs there like a built-in one. A built-in
 * engine may be given by id.
 */
export function speechTask(engine: string | EngineRef): TaskKind {
  const ref = typeof engine === 'string' ? defaultRegistry().engineRef(engine) : engine;
  // From the parent folder: right in dist/lib/ and in the bundle (dist/bin/), where this code may sit in a shared chunk.
  return { name: `tts:${ref.id}:${ref.module}#${ref.export}`, url: new URL('../tts/task.js', import.meta.url).href, data: { engine: ref } };
}

/**
 * Another kind of work offered to the synthesis threads between clips (MP3 segments whose
 * clips are all made): a thread takes one, when there is one, before its next clip.
 */
export interface SideTasks {
  take(): { kind: TaskKind; payload: unknown; done(result: unknown): Promise<void> } | undefined;
}

/**
 * Synthesis threads for an in-process engine, started once per build (or kept warm between
 * builds, see `keepPoolsWarm`). The first request also answers the engine's version and
 * voices when they are not cached, so the engine starts no more often than there are
 * threads, and never on the main thread.
 */
export class SynthesisPool {
  readonly workers: WorkerPool;
  readonly task: TaskKind;
  private readonly release: () => Promise<void>;
  readonly engineId: string;
  constructor(engine: string | EngineRef, count: number) {
    this.engineId = typeof engine === 'string' ? engine : engine.id;
    this.task = speechTask(engine);
    const { pool, release } = acquirePool(this.task.name, Math.max(1, count), [this.task]);
    this.workers = pool;
    this.release = release;
  }

  get size(): number {
    return this.workers.size;
  }

  async info(): Promise<{ version: string; voices: Voice[] }> {
    try {
      return await this.workers.run(this.task, { op: 'info' });
    } catch (e) {
      // The engine's own code when it gave one (a missing model, ...), else a synthesis failure.
      throw e instanceof LecternError && e.code !== 'worker:failed' ? e : new LecternError(e instanceof Error ? e.message : String(e), 'tts:failed');
    }
  }

  /**
   * Runs requests on every thread; results arrive in completion order. `side` offers other
   * work that became ready meanwhile (MP3 segments), taken before the next clip, so it
   * overlaps synthesis instead of waiting for it. A failed task or a thread that stops
   * with work in hand fails the run; an abort ends it at once.
   */
  async run(requests: readonly SynthesisRequest[], onResult: (index: number, result: Synthesis) => Promise<void> | void, signal?: AbortSignal, side?: SideTasks): Promise<void> {
    let next = 0;
    let failure: unknown;
    const stopped = () => failure !== undefined || signal?.aborted;
    const aborted = new Promise<void>((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve(), { once: true })));
    // An abort stops the threads at once (a clip can take seconds): they are started afresh next time.
    const abort = () => void this.workers.close(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', abort, { once: true });
    const lane = async () => {
      while (!stopped()) {
        const extra = side?.take();
        try {
          if (extra) {
            await extra.done(await this.workers.run(extra.kind, extra.payload, { priority: 1 }));
            continue;
          }
          if (next >= requests.length) return;
          const index = next++;
          const r = await this.workers.run<Synthesis>(this.task, { op: 'synth', ...requests[index] });
          // Taken in (written to the cache, ...) while this lane asks for its next clip: a
          // thread whose next clip waited for the cache write idled for its file system calls.
          if (!stopped()) handling.push(Promise.resolve(onResult(index, r)).catch((e: unknown) => void (failure ??= e)));
        } catch (e) {
          failure ??= e;
        }
      }
    };
    const handling: Promise<void>[] = [];
    try {
      // A lane per task the threads hold at once: a thread has its next clip while the
      // main thread takes in the last one.
      await Promise.race([Promise.all(Array.from({ length: Math.max(1, Math.min(this.workers.capacity, requests.length)) }, lane)), aborted]);
      await Promise.race([Promise.all(handling), aborted]);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    if (failure) throw failure instanceof LecternError ? failure : new LecternError(failure instanceof Error ? failure.message : String(failure), 'tts:failed');
    if (next < requests.length) throw new LecternError('synthesis stopped before every clip was made', 'tts:thread');
  }

  /** Stops the threads, unless pools are kept warm between builds. */
  async close(): Promise<void> {
    await this.release();
  }
}

export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/**
 * Synthesises every request: on the pool's threads for in-process engines, or as parallel
 * calls on the main thread for engines that run their own processes.
 */
export async function synthesizeAll(
  engine: TtsEngine,
  requests: readonly SynthesisRequest[],
  options: {
    workers: number;
    pool?: SynthesisPool;
    signal?: AbortSignal;
    onResult: (index: number, result: Synthesis) => Promise<void> | void;
    side?: SideTasks;
  },
): Promise<void> {
  if (!requests.length) return;
  if (engine.capabilities.workerSafe) {
    const pool = options.pool ?? new SynthesisPool(engine.id, Math.min(options.workers, requests.length));
    try {
      return await pool.run(requests, options.onResult, options.signal, options.side);
    } finally {
      if (!options.pool) await pool.close();
    }
  }
  const count = Math.max(1, Math.min(options.workers, requests.length));
  let next = 0;
  let failure: unknown;
  const take = () => (failure || options.signal?.aborted ? -1 : next < requests.length ? next++ : -1);
  const lane = async () => {
    for (let i = take(); i >= 0; i = take()) {
      try {
        await options.onResult(i, await engine.synthesize(requests[i]!));
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: count }, lane));
  if (failure) throw failure;
  if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
}
