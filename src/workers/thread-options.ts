/**
 * How a worker thread of the pool starts: what it is told (`workerData`) and its heap's
 * limits. One place for the pool (`pool.ts`) and for the command's launcher, which starts
 * the first thread before the command's own code loads (scripts/lectern-bin.cjs).
 */
import type { WorkerOptions } from 'node:worker_threads';
import { poolThreadData } from './shared-wasm.js';

/**
 * The young generation of a pool thread's heap, in MB. Small: a thread's JavaScript makes
 * little garbage (its audio lives in typed arrays and WebAssembly memory), and V8's default
 * would let each thread's nursery grow to tens of MB before collecting it (about 25 MB of
 * peak memory per build).
 */
const THREAD_YOUNG_GENERATION_MB = 2;

/** The options of `new Worker` for a pool thread; `extra` adds to its `workerData`. */
export function poolThreadOptions(extra: Record<string, unknown> = {}): WorkerOptions {
  return { workerData: { ...poolThreadData(), ...extra }, resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB } };
}
