/**
 * One pool of worker threads for every kind of CPU-heavy task (speech synthesis, MP3
 * encoding, ...). The pool knows no task kind itself: each layer registers its own as a
 * module URL (`TaskKind`), so the text-to-speech code and the audio code never import each
 * other, and a thread that synthesises clips can encode MP3 segments between them.
 *
 * Tasks wait in one queue, higher `priority` first, and go to the first idle thread (or, all
 * busy, to a thread as its next task). A
 * thread that fails or stops rejects the task it holds (no result is ever lost in
 * silence); the others carry on with the queue.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type Transferable } from 'node:worker_threads';
import { LecternError } from '../article/diagnostics.js';
import { projectFile } from '../util/paths.js';
import { listenForModules, releaseStaleClaims } from './shared-wasm.js';
import { poolThreadOptions } from './thread-options.js';
import { adoptEarlyThread } from './early.js';

/** A kind of task: the module that handles it (`export function start(data): TaskHandler`), and its start-up data. */
export interface TaskKind {
  /** Unique name of the kind, e.g. `tts:espeak` or `mp3`. */
  name: string;
  /** URL of the compiled module (a `file:` URL; `.ts` is mapped to `dist/lib/*.js`). */
  url: string;
  /** Given to `start` once per thread. Must be cloneable. */
  data?: unknown;
}

export type TaskHandler = (payload: unknown) => Promise<{ result: unknown; transfer?: Transferable[] }>;
export interface TaskModule {
  start(data: unknown): Promise<TaskHandler> | TaskHandler;
}

/** Tests run from src/, but threads need JavaScript: a module of src/ maps to its compiled twin in dist/lib/. */
export function compiledUrl(url: string | URL): string {
  const href = new URL(url).href;
  if (!href.startsWith('file:')) return href;
  const rel = path.relative(projectFile('src'), fileURLToPath(href));
  if (rel.startsWith('..') || path.isAbsolute(rel)) return href;
  return pathToFileURL(projectFile('dist', 'lib', rel.replace(/\.ts$/, '.js'))).href;
}

/** From the parent folder: right in dist/lib/ and in the bundle (dist/bin/), where this code may sit in a shared chunk. */
function threadFile(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? projectFile('dist', 'lib', 'workers', 'thread.js') : fileURLToPath(new URL('../workers/thread.js', import.meta.url));
}

interface Task {
  kind: TaskKind;
  payload: unknown;
  priority: number;
  transfer?: Transferable[];
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

interface Thread {
  worker: Worker;
  /** Tasks sent to the thread and not yet answered (task id -> task), at most `TASKS_PER_THREAD`. */
  tasks: Map<number, Task>;
}

/**
 * Tasks a thread holds at once: the one it runs and the next. A thread answering a task
 * starts its next one at once, instead of idling until the main thread (often busy with
 * the results) has read the answer and sent it more work: on two cores, two synthesis
 * threads idled about a fifth of the time with one task each.
 */
const TASKS_PER_THREAD = 2;

let nextTaskId = 1;

export class WorkerPool {
  private readonly threads: Thread[] = [];
  private readonly queue: Task[] = [];
  private stopped?: Error;

  /** `eager` kinds start on every thread as it starts (e.g. the speech engine), side by side. */
  constructor(
    size: number,
    private readonly eager: readonly TaskKind[] = [],
  ) {
    // Modules the threads compile reach threads started later through the main thread.
    listenForModules();
    this.grow(size);
  }

  /** Starts threads until there are `size` (a pool started early with one thread grows when the work is known). */
  grow(size: number): void {
    while (this.threads.length < Math.max(1, size) && !this.stopped) this.addThread();
  }

  private addThread(): void {
    const worker = adoptEarlyThread(this.eager.map((k) => k.name)) ?? new Worker(threadFile(), poolThreadOptions());
    const thread: Thread = { worker, tasks: new Map() };
    for (const k of this.eager) worker.postMessage({ load: { name: k.name, url: compiledUrl(k.url), data: k.data } });
    worker.on('message', (m: { id?: number; result?: unknown; error?: string; code?: string }) => {
      const task = m.id === undefined ? undefined : thread.tasks.get(m.id);
      if (!task) return;
      thread.tasks.delete(m.id!);
      if (m.error !== undefined) task.reject(new LecternError(m.error, m.code ?? 'worker:failed'));
      else task.resolve(m.result);
      this.dispatch();
    });
    const die = (error: Error) => {
      const at = this.threads.indexOf(thread);
      if (at < 0) return;
      this.threads.splice(at, 1);
      releaseStaleClaims();
      // The task it ran fails; the next one it held had not started: back to the queue's front.
      const [running, ...waiting] = thread.tasks.values();
      thread.tasks.clear();
      running?.reject(this.stopped ?? error);
      if (this.stopped) for (const t of waiting) t.reject(this.stopped);
      else this.queue.unshift(...waiting);
      // No thread left: nothing queued can ever run.
      if (!this.threads.length) for (const t of this.queue.splice(0)) t.reject(this.stopped ?? error);
      else this.dispatch();
    };
    worker.on('error', (e) => die(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => die(new LecternError(`a worker thread stopped (exit ${code})`, 'worker:thread')));
    this.threads.push(thread);
    // A thread added to a busy pool takes queued work at once.
    this.dispatch();
  }

  /** Threads still running. */
  get size(): number {
    return this.threads.length;
  }

  /** Tasks the threads hold at once (each thread: the one it runs and its next): how many to keep asked for. */
  get capacity(): number {
    return this.threads.length * TASKS_PER_THREAD;
  }

  get closed(): boolean {
    return this.stopped !== undefined || this.threads.length === 0;
  }

  /** Runs one task on the first idle thread; rejects if the task fails or its thread stops. */
  run<R>(kind: TaskKind, payload: unknown, options: { priority?: number; transfer?: Transferable[] } = {}): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.stopped || !this.threads.length) return reject(this.stopped ?? new LecternError('the worker threads have stopped', 'worker:thread'));
      const task: Task = { kind, payload, priority: options.priority ?? 0, transfer: options.transfer, resolve: resolve as (r: unknown) => void, reject };
      // Stable: after the last task of the same or higher priority.
      let at = this.queue.length;
      while (at > 0 && this.queue[at - 1]!.priority < task.priority) at--;
      this.queue.splice(at, 0, task);
      this.dispatch();
    });
  }

  private dispatch(): void {
    // Idle threads first, then a second task for threads at work.
    for (let held = 0; held < TASKS_PER_THREAD; held++) {
      for (const thread of this.threads) {
        if (thread.tasks.size > held) continue;
        const task = this.queue.shift();
        if (!task) return;
        const id = nextTaskId++;
        thread.tasks.set(id, task);
        thread.worker.postMessage({ id, name: task.kind.name, url: compiledUrl(task.kind.url), data: task.kind.data, payload: task.payload }, task.transfer ?? []);
      }
    }
  }

  /** Stops every thread; tasks queued or running reject with `reason`. */
  async close(reason: Error = new LecternError('the worker threads were stopped', 'worker:closed')): Promise<void> {
    this.stopped ??= reason;
    for (const t of this.queue.splice(0)) t.reject(this.stopped);
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
    releaseStaleClaims();
  }
}

/**
 * Pools kept between builds, for a long-running process (`lectern watch`): threads, their
 * engines and encoders stay warm. Off by default: a one-off build stops its threads when
 * it ends.
 */
const warm = new Map<string, WorkerPool>();
let keepWarm = false;

export function poolsKeptWarm(): boolean {
  return keepWarm;
}

export function keepPoolsWarm(on: boolean): void {
  keepWarm = on;
  if (!on) for (const [key, pool] of warm) {
    warm.delete(key);
    void pool.close();
  }
}

/**
 * A pool started before its build knew what it would need (see `prestartPool`): threads
 * and their engine start while the article is read and its speech script made, instead of
 * after. Claimed by the first `acquirePool` of the same key, or by `claimPrestarted`.
 */
let prestarted: { key: string; pool: WorkerPool } | undefined;

/**
 * Starts a pool for `key` now, for a build about to need it. Does nothing when a warm pool
 * or a pool started early already serves the key. Returns a function that stops the pool
 * if nothing claimed it (call it when the build ends, whatever happened).
 */
export function prestartPool(key: string, size: number, eager: readonly TaskKind[]): () => Promise<void> {
  const warmPool = keepWarm ? warm.get(key) : undefined;
  if ((warmPool && !warmPool.closed) || (prestarted && !prestarted.pool.closed)) return async () => {};
  const mine = { key, pool: new WorkerPool(size, eager) };
  prestarted = mine;
  return async () => {
    if (prestarted !== mine) return;
    prestarted = undefined;
    await mine.pool.close();
  };
}

/** The pool started early, whatever its key, grown to `size` (for work any thread can do, such as MP3 segments). */
export function claimPrestarted(size: number): { pool: WorkerPool; release(): Promise<void> } | undefined {
  const p = prestarted;
  if (!p || p.pool.closed) return undefined;
  prestarted = undefined;
  p.pool.grow(size);
  if (keepWarm) warm.set(p.key, p.pool);
  return { pool: p.pool, release: async () => (keepWarm && warm.get(p.key) === p.pool ? undefined : p.pool.close()) };
}

/**
 * A pool for `key` (its eager kinds and size): the one started early for this key, or a
 * warm one when pools are kept and it still runs, else a new one. `release` closes it
 * unless pools are kept warm.
 */
export function acquirePool(key: string, size: number, eager: readonly TaskKind[]): { pool: WorkerPool; release(): Promise<void> } {
  if (prestarted?.key === key) {
    const early = claimPrestarted(size);
    if (early) return early;
  }
  const id = key;
  let pool = keepWarm ? warm.get(id) : undefined;
  // A warm pool serves any build that wants no more threads than it has.
  if (!pool || pool.closed || pool.size < size) {
    // A warm pool that lost a thread is replaced whole.
    if (pool) void pool.close();
    pool = new WorkerPool(size, eager);
    if (keepWarm) warm.set(id, pool);
  }
  const p = pool;
  return { pool: p, release: async () => (keepWarm && warm.get(id) === p ? undefined : p.close()) };
}
