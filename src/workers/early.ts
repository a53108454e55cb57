/**
 * A pool thread the command starts before its own code loads (scripts/lectern-bin.cjs, for
 * a build that will narrate), so that the thread boots, and loads its task modules, while
 * the command loads: the first thread a pool adds is that one instead of a new one. Until
 * then it is unreferenced, so a command that fails first exits as if it were not there; a
 * build that finds it will not narrate after all stops it (`dropEarlyThread`). No imports:
 * the build reaches this without loading the pool.
 */
import type { Worker } from 'node:worker_threads';

/** Where the command's launcher leaves the thread (a global: the launcher is not part of the bundle). */
const EARLY_THREAD = Symbol.for('lectern.early-thread');
interface EarlyThread {
  worker: Worker;
  /** False once it failed or stopped. */
  alive: boolean;
  /** Task kinds the launcher had it start (their `name`s), as the build's pool would. */
  loads?: string[];
  /** What became of it (test/early-thread.test.ts reads it through the launcher); `mismatched`: taken by a pool that wanted other kinds. */
  fate?: 'taken' | 'mismatched' | 'dropped';
}

function take(): EarlyThread | undefined {
  const g = globalThis as Record<symbol, EarlyThread | undefined>;
  const early = g[EARLY_THREAD];
  g[EARLY_THREAD] = undefined;
  return early;
}

/**
 * The thread started early, now referenced, for a pool to use as its own; undefined when
 * there is none (or it stopped). `kinds`: the names of the kinds the pool starts on each
 * thread; the kinds the launcher started should be among them (else the thread runs an
 * engine the pool never uses: reported to the tests as `mismatched`).
 */
export function adoptEarlyThread(kinds: readonly string[] = []): Worker | undefined {
  const early = take();
  if (!early?.alive) return undefined;
  early.fate = (early.loads ?? []).every((name) => kinds.includes(name)) ? 'taken' : 'mismatched';
  early.worker.ref();
  return early.worker;
}

/** Stops the thread started early, when nothing has taken it (a build that does not narrate after all). */
export function dropEarlyThread(): void {
  const early = take();
  if (!early) return;
  early.fate = 'dropped';
  if (early.alive) void early.worker.terminate();
}
