/**
 * Runs many synthesis requests at once: in worker threads (one per core by default) for
 * engines that run in-process, or as parallel calls on the main thread for engines that
 * spawn their own processes. Results come back in completion order through `onResult`.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { projectFile } from '../util/paths.js';
import { LecternError } from '../article/diagnostics.js';
import type { Synthesis, SynthesisRequest, TtsEngine, Voice } from './engine.js';
import type { EncodeJob } from '../audio/mp3.js';

/** The compiled worker; tests run from src/ but workers need JavaScript. */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? projectFile('dist', 'lib', 'tts', 'worker.js') : fileURLToPath(new URL('./worker.js', import.meta.url));
}

interface WorkerMessage {
  ready?: boolean;
  encoded?: string;
  data?: Uint8Array;
  info?: { version: string; voices: Voice[] };
  id?: number;
  samples?: Int16Array;
  sampleRate?: number;
  error?: string;
  code?: string;
}

/**
 * Synthesis threads for an in-process engine, started once per build. The first thread
 * also answers the engine's version and voices when they are not cached, so the engine
 * starts no more often than there are threads, and never on the main thread.
 */
export class SynthesisPool {
  private readonly workers: { worker: Worker; ready: Promise<void>; listener?: (m: WorkerMessage) => void }[];
  constructor(readonly engineId: string, count: number) {
    this.workers = Array.from({ length: Math.max(1, count) }, () => {
      const worker = new Worker(workerFile(), { workerData: { engine: engineId } });
      const slot: { worker: Worker; ready: Promise<void>; listener?: (m: WorkerMessage) => void } = {
        worker,
        ready: new Promise<void>((resolve, reject) => {
          worker.once('error', reject);
          worker.on('message', (m: WorkerMessage) => (m.ready ? resolve() : slot.listener?.(m)));
        }),
      };
      return slot;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  async info(): Promise<{ version: string; voices: Voice[] }> {
    const slot = this.workers[0]!;
    await slot.ready;
    return new Promise((resolve, reject) => {
      slot.listener = (m) => {
        slot.listener = undefined;
        if (m.info) resolve(m.info);
        else reject(new LecternError(m.error ?? 'engine info failed', 'tts:failed'));
      };
      slot.worker.postMessage({ kind: 'info' });
    });
  }

  /**
   * Runs requests on every thread; results arrive in completion order. `encodes`, when
   * given, offers MP3 segments that became ready meanwhile: a thread takes one before its
   * next clip, so encoding overlaps synthesis instead of waiting for it.
   */
  async run(
    requests: readonly SynthesisRequest[],
    onResult: (index: number, result: Synthesis) => Promise<void> | void,
    signal?: AbortSignal,
    encodes?: { take(): EncodeJob | undefined; cacheDir: string; done(key: string, data: Uint8Array): Promise<void> },
  ): Promise<void> {
    let next = 0;
    let failure: unknown;
    const take = () => (failure || signal?.aborted ? -1 : next < requests.length ? next++ : -1);
    const abort = () => void this.close();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await Promise.all(
        this.workers.slice(0, Math.min(this.workers.length, requests.length)).map(async (slot) => {
          try {
            await slot.ready;
          } catch (e) {
            failure ??= e;
            return;
          }
          await new Promise<void>((resolve) => {
            let pending = Promise.resolve();
            const send = () => {
              const job = failure || signal?.aborted ? undefined : encodes?.take();
              if (job) return slot.worker.postMessage({ kind: 'encode', job, cacheDir: encodes!.cacheDir });
              const current = take();
              if (current < 0) {
                slot.listener = undefined;
                return resolve();
              }
              slot.worker.postMessage({ kind: 'synth', id: current, ...requests[current] });
            };
            slot.listener = (msg) => {
              if (msg.encoded !== undefined) {
                if (!msg.data) failure ??= new LecternError(`MP3 encoding failed: ${msg.error ?? 'unknown'}`, 'audio:encode');
                else pending = pending.then(() => encodes!.done(msg.encoded!, msg.data!)).catch((e: unknown) => {
                  failure ??= e;
                });
                void pending.then(send);
                return;
              }
              if (msg.error !== undefined) {
                failure ??= new LecternError(msg.error, msg.code ?? 'tts:failed');
                return resolve();
              }
              const index = msg.id!;
              pending = pending.then(() => onResult(index, { samples: msg.samples!, sampleRate: msg.sampleRate! })).catch((e: unknown) => {
                failure ??= e;
              });
              void pending.then(send);
            };
            slot.worker.once('exit', () => resolve());
            send();
          });
        }),
      );
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    if (failure) throw failure;
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((s) => s.worker.terminate()));
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
    encodes?: Parameters<SynthesisPool['run']>[3];
  },
): Promise<void> {
  if (!requests.length) return;
  if (engine.capabilities.workerSafe) {
    const pool = options.pool ?? new SynthesisPool(engine.id, Math.min(options.workers, requests.length));
    try {
      return await pool.run(requests, options.onResult, options.signal, options.encodes);
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
