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
interface Slot {
  worker: Worker;
  /** Settles when the thread has loaded its engine; rejects if it fails or exits first. */
  ready: Promise<void>;
  /** Gets the thread's messages after `ready`. */
  listener?: (m: WorkerMessage) => void;
  /** Called once if the thread fails or exits. */
  gone?: (error: Error) => void;
  dead?: Error;
}

export class SynthesisPool {
  private readonly slots: Slot[];
  constructor(readonly engineId: string, count: number) {
    this.slots = Array.from({ length: Math.max(1, count) }, () => {
      const worker = new Worker(workerFile(), { workerData: { engine: engineId } });
      const slot = { worker } as Slot;
      slot.ready = new Promise<void>((resolve, reject) => {
        worker.on('message', (m: WorkerMessage) => (m.ready ? resolve() : slot.listener?.(m)));
        const die = (error: Error) => {
          if (slot.dead) return;
          slot.dead = error;
          reject(error);
          slot.gone?.(error);
        };
        worker.on('error', (e) => die(e instanceof Error ? e : new Error(String(e))));
        worker.on('exit', (code) => die(new LecternError(`a synthesis thread stopped (exit ${code})`, 'tts:thread')));
      });
      // A thread that is never used must not report its failure as unhandled.
      slot.ready.catch(() => {});
      return slot;
    });
  }

  get size(): number {
    return this.slots.length;
  }

  async info(): Promise<{ version: string; voices: Voice[] }> {
    const slot = this.slots[0]!;
    await slot.ready;
    return new Promise((resolve, reject) => {
      slot.gone = reject;
      slot.listener = (m) => {
        slot.listener = undefined;
        slot.gone = undefined;
        if (m.info) resolve(m.info);
        else reject(new LecternError(m.error ?? 'engine info failed', m.code ?? 'tts:failed'));
      };
      slot.worker.postMessage({ kind: 'info' });
    });
  }

  /**
   * Runs requests on every thread; results arrive in completion order. `encodes`, when
   * given, offers MP3 segments that became ready meanwhile: a thread takes one before its
   * next clip, so encoding overlaps synthesis instead of waiting for it. A thread that
   * fails or stops with work in hand fails the run; an abort ends it at once.
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
    const aborted = new Promise<void>((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve(), { once: true })));
    const abort = () => void this.close();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await Promise.all(
        this.slots.slice(0, Math.min(this.slots.length, requests.length)).map(async (slot) => {
          try {
            await Promise.race([slot.ready, aborted]);
          } catch (e) {
            failure ??= e;
            return;
          }
          if (signal?.aborted) return;
          await new Promise<void>((resolve) => {
            let pending = Promise.resolve();
            let busy = false;
            const finish = () => {
              slot.listener = undefined;
              slot.gone = undefined;
              resolve();
            };
            slot.gone = (error) => {
              // Work in hand would be lost without a word: the run fails instead.
              if (busy && !signal?.aborted) failure ??= error;
              finish();
            };
            const send = () => {
              busy = false;
              const job = failure || signal?.aborted ? undefined : encodes?.take();
              if (job) {
                busy = true;
                return slot.worker.postMessage({ kind: 'encode', job, cacheDir: encodes!.cacheDir });
              }
              const current = take();
              if (current < 0) return finish();
              busy = true;
              slot.worker.postMessage({ kind: 'synth', id: current, ...requests[current] });
            };
            slot.listener = (msg) => {
              if (msg.encoded !== undefined) {
                if (!msg.data) failure ??= new LecternError(`MP3 encoding failed: ${msg.error ?? 'unknown'}`, 'audio:encode');
                else
                  pending = pending.then(() => encodes!.done(msg.encoded!, msg.data!)).catch((e: unknown) => {
                    failure ??= e;
                  });
                void pending.then(send);
                return;
              }
              if (msg.error !== undefined) {
                failure ??= new LecternError(msg.error, msg.code ?? 'tts:failed');
                return finish();
              }
              const index = msg.id!;
              pending = pending.then(() => onResult(index, { samples: msg.samples!, sampleRate: msg.sampleRate! })).catch((e: unknown) => {
                failure ??= e;
              });
              void pending.then(send);
            };
            if (slot.dead) return slot.gone(slot.dead);
            send();
          });
        }),
      );
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    if (failure) throw failure;
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    if (next < requests.length) throw new LecternError('synthesis stopped before every clip was made', 'tts:thread');
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
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
