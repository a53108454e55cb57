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

/** The compiled worker; tests run from src/ but workers need JavaScript. */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? projectFile('dist', 'lib', 'tts', 'worker.js') : fileURLToPath(new URL('./worker.js', import.meta.url));
}

/**
 * Asks an in-process engine for its version and voices on a thread of its own, so the main
 * thread never holds an engine instance (tens of MB for eSpeak NG) while the synthesis
 * threads hold theirs.
 */
export function engineInfoInWorker(engineId: string): Promise<{ version: string; voices: Voice[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile(), { workerData: { engine: engineId, info: true } });
    worker.once('message', (msg: { info: { version: string; voices: Voice[] } }) => resolve(msg.info));
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`engine ${engineId} info thread exited with ${code}`)));
  });
}

export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

export async function synthesizeAll(
  engine: TtsEngine,
  requests: readonly SynthesisRequest[],
  options: { workers: number; signal?: AbortSignal; onResult: (index: number, result: Synthesis) => Promise<void> | void },
): Promise<void> {
  if (!requests.length) return;
  const count = Math.max(1, Math.min(options.workers, requests.length));
  let next = 0;
  let failure: unknown;
  const take = () => (failure || options.signal?.aborted ? -1 : next < requests.length ? next++ : -1);

  if (!engine.capabilities.workerSafe) {
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
  } else {
    const workers = Array.from({ length: count }, () => new Worker(workerFile(), { workerData: { engine: engine.id } }));
    const abort = () => workers.forEach((w) => void w.terminate());
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              let current = -1;
              let pending = Promise.resolve();
              const send = () => {
                current = take();
                if (current < 0) return resolve();
                worker.postMessage({ id: current, ...requests[current] });
              };
              worker.on('message', (msg: { ready?: boolean; id: number; samples?: Int16Array; sampleRate?: number; error?: string; code?: string }) => {
                if (msg.ready) return send();
                if (msg.error !== undefined) {
                  failure ??= new LecternError(msg.error, msg.code ?? 'tts:failed');
                  return resolve();
                }
                const index = msg.id;
                pending = pending.then(() => options.onResult(index, { samples: msg.samples!, sampleRate: msg.sampleRate! })).catch((e: unknown) => {
                  failure ??= e;
                });
                void pending.then(send);
              });
              worker.on('error', (e) => {
                failure ??= e;
                resolve();
              });
              worker.on('exit', () => resolve());
            }),
        ),
      );
    } finally {
      options.signal?.removeEventListener('abort', abort);
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }
  if (failure) throw failure;
  if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
}
