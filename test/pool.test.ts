import { describe, expect, it } from 'vitest';
import { SynthesisPool, speechTask } from '../src/tts/pool.js';
import { acquirePool, claimPrestarted, prestartPool, WorkerPool } from '../src/workers/pool.js';
import { claimWords, fileHash, modulesCompiledHere, sharedWasmModule } from '../src/workers/shared-wasm.js';
import { createRequire } from 'node:module';
import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectFile } from '../src/util/paths.js';
import { mp3Task } from '../src/audio/mp3.js';

/** eSpeak NG's WebAssembly file, and a task kind that asks the pool's shared modules for a file (test/fixtures/workers). */
const wasm = createRequire(import.meta.url).resolve('espeak-ng').replace(/espeak-ng\.js$/, 'espeak-ng.wasm');
const kind = { name: 'test:shared-wasm', url: pathToFileURL(projectFile('test/fixtures/workers/shared-wasm-task.mjs')).href, data: { sharedWasm: projectFile('dist/lib/workers/shared-wasm.js') } };
/** The same file under another name: a module no thread of this process has compiled yet. */
function wasmCopy(name: string): string {
  const copy = path.join(mkdtempSync(path.join(os.tmpdir(), 'lectern-wasm-')), `${name}.wasm`);
  copyFileSync(wasm, copy);
  return copy;
}

const requests = Array.from({ length: 20 }, (_, i) => ({ text: `Sentence number ${i} is here.`, voice: 'en-gb', rate: 175 }));
type Threads = { threads: { worker: { terminate(): Promise<number> } }[] };

describe('the synthesis pool', () => {
  it('settles at once when the build is aborted while its threads are still starting', async () => {
    const pool = new SynthesisPool('espeak', 2);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('another stage failed')), 20);
    const t0 = Date.now();
    await expect(pool.run(requests, () => {}, controller.signal)).rejects.toThrow('another stage failed');
    expect(Date.now() - t0).toBeLessThan(3000);
    await pool.close();
  }, 20_000);

  it('fails the run when a thread stops with work in hand, instead of losing a clip', async () => {
    const pool = new SynthesisPool('espeak', 2);
    let results = 0;
    const run = pool.run(requests, async () => {
      // Both threads die after the first clips arrive.
      if (++results === 2) for (const t of [...(pool.workers as unknown as Threads).threads]) await t.worker.terminate();
    });
    await expect(run).rejects.toThrow(/a worker thread stopped|synthesis stopped before every clip/);
    await pool.close();
  }, 20_000);
});

describe('the worker pool', () => {
  it('runs speech and MP3 tasks, registered by their own layers, on the same threads', async () => {
    const pool = new WorkerPool(2, [speechTask('espeak')]);
    try {
      const clip = await pool.run<{ samples: Int16Array; sampleRate: number }>(speechTask('espeak'), { op: 'synth', text: 'Hello.', voice: 'en-gb', rate: 175 });
      expect(clip.sampleRate).toBe(22050);
      expect(clip.samples.length).toBeGreaterThan(5000);
      // An MP3 task with no clips: silence only, encoded by LAME on a pool thread.
      const mp3 = await pool.run<Uint8Array>(mp3Task, { job: { key: 'k', items: [{ kind: 'silence', samples: 22050 }], sampleRate: 22050, length: 22050 }, cacheDir: '/nonexistent' });
      expect(mp3.length).toBeGreaterThan(1000);
      expect(mp3[0]).toBe(0xff);
      // A failing task rejects with the thread's message and leaves the pool working.
      await expect(pool.run(mp3Task, { job: { key: 'k', items: [{ kind: 'clip', key: 'ab'.repeat(32), samples: 100 }], sampleRate: 22050, length: 100 }, cacheDir: '/nonexistent' })).rejects.toThrow(/vanished from the cache/);
      expect((await pool.run<{ version: string }>(speechTask('espeak'), { op: 'info' })).version).toMatch(/^1\./);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('gives a thread its next task before it finishes the current one, so it never waits for a busy main thread', async () => {
    const clock = { name: 'test:clock', url: pathToFileURL(projectFile('test/fixtures/workers/clock-task.mjs')).href };
    const pool = new WorkerPool(1);
    try {
      await pool.run(clock, 0);
      const tasks = [pool.run<number>(clock, 50), pool.run<number>(clock, 50), pool.run<number>(clock, 50)];
      // The main thread is busy (reading the results of other tasks, say) for 600 ms.
      const busyUntil = Date.now() + 600;
      while (Date.now() < busyUntil);
      const finished = await Promise.all(tasks);
      // The second task ran while the main thread was busy; the third waited to be sent.
      expect(finished[1]).toBeLessThan(busyUntil);
      expect(finished[2]).toBeGreaterThanOrEqual(busyUntil);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('rejects the task of a thread that stops, and the others carry on with the queue', async () => {
    const pool = new WorkerPool(2, [speechTask('espeak')]);
    try {
      const tasks = requests.slice(0, 6).map((r) => pool.run(speechTask('espeak'), { op: 'synth', ...r }));
      await (pool as unknown as Threads).threads[0]!.worker.terminate();
      const settled = await Promise.allSettled(tasks);
      expect(settled.filter((s) => s.status === 'rejected').length).toBe(1);
      expect(String((settled.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/a worker thread stopped/);
      expect(pool.size).toBe(1);
    } finally {
      await pool.close();
    }
    await expect(pool.run(speechTask('espeak'), { op: 'info' })).rejects.toThrow(/stopped/);
  }, 30_000);
});

describe('threads started early and shared modules', () => {
  it('hands the pool started early to the first build step that asks for its key, grown to the size it needs', async () => {
    const task = speechTask('espeak');
    const stop = prestartPool(task.name, 1, [task]);
    // A second early start while one waits is a no-op.
    const again = prestartPool(task.name, 2, [task]);
    const { pool, release } = acquirePool(task.name, 2, [task]);
    expect(pool.size).toBe(2);
    const clip = await pool.run<{ samples: Int16Array }>(task, { op: 'synth', text: 'Early.', voice: 'en-gb', rate: 175 });
    expect(clip.samples.length).toBeGreaterThan(1000);
    // Claimed: stopping the early start leaves it alone; the claimant closes it.
    await stop();
    await again();
    expect(pool.closed).toBe(false);
    await release();
    expect(pool.closed).toBe(true);
  }, 30_000);

  it('stops threads started early that nothing claimed', async () => {
    const task = speechTask('espeak');
    const stop = prestartPool(task.name, 1, [task]);
    await stop();
    expect(claimPrestarted(1)).toBeUndefined();
  }, 30_000);

  it('compiles a WebAssembly file once for every thread of the pool, in one of the threads, while the main thread is busy', async () => {
    // A module compiled here earlier would be handed to the threads as they start: another file name.
    const copy = wasmCopy('copy');
    const pool = new WorkerPool(2);
    const before = modulesCompiledHere();
    try {
      const asked = [pool.run<{ exports: number; compiledHere: number }>(kind, copy), pool.run<{ exports: number; compiledHere: number }>(kind, copy)];
      // The main thread is busy for a while (as while it reads an article): the threads need not wait for it.
      const until = Date.now() + 1500;
      while (Date.now() < until);
      const answers = await Promise.all(asked);
      for (const a of answers) expect(a.exports).toBeGreaterThan(5);
      // Compiled once, by a thread; the main thread compiled nothing.
      expect(answers.reduce((n, a) => n + a.compiledHere, 0)).toBe(1);
      expect(modulesCompiledHere()).toBe(before);
      // ... and the main thread has it too (for threads started later), without compiling it.
      await new Promise((r) => setTimeout(r, 50));
      await sharedWasmModule(copy);
      expect(modulesCompiledHere()).toBe(before);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('lets a thread that finds the module claimed by another wait for it, not compile it again', async () => {
    const copy = wasmCopy('claimed');
    // The thread starts before the module exists, so it is not handed the module; the main
    // thread then claims and compiles it (sent before or after the thread listens).
    const pool = new WorkerPool(1);
    const before = modulesCompiledHere();
    try {
      await sharedWasmModule(copy);
      expect(modulesCompiledHere()).toBe(before + 1);
      const a = await pool.run<{ exports: number; compiledHere: number; claimed: boolean }>(kind, copy);
      expect(a.exports).toBeGreaterThan(5);
      expect(a.compiledHere).toBe(0);
      expect(a.claimed).toBe(true);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('frees the claim of a thread that stopped before it sent its module, so the next thread need not wait for it', async () => {
    const copy = wasmCopy('orphan');
    // A thread claimed the file and was stopped before it sent the module (a build interrupted as it began).
    const words = new Int32Array(claimWords());
    const hash = fileHash(copy);
    Atomics.store(words, (hash >>> 0) % words.length, hash);
    await new WorkerPool(1).close();
    const pool = new WorkerPool(1);
    try {
      const started = Date.now();
      const a = await pool.run<{ exports: number; compiledHere: number }>(kind, copy);
      expect(a.exports).toBeGreaterThan(5);
      expect(a.compiledHere).toBe(1);
      // Not the 5 s a thread waits for a claimed module before compiling it itself.
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('gives a thread started after the module was compiled the module at once, without compiling it or claiming it', async () => {
    await sharedWasmModule(wasm);
    const compiled = modulesCompiledHere();
    const pool = new WorkerPool(1);
    try {
      const a = await pool.run<{ exports: number; compiledHere: number }>(kind, wasm);
      expect(a.exports).toBeGreaterThan(5);
      expect(a.compiledHere).toBe(0);
      // Compiled already: not again.
      await sharedWasmModule(wasm);
      expect(modulesCompiledHere()).toBe(compiled);
    } finally {
      await pool.close();
    }
  }, 30_000);
});
