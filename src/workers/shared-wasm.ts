/**
 * One compiled WebAssembly module per process, shared by every thread of the worker pool.
 * For eSpeak NG (18 MB of bytes, most of them voice data) sharing measured 13 MB less peak
 * memory for a two-thread build than each thread compiling its own, for the same CPU; and
 * once V8 has optimised a hot function of a shared module, every thread runs the result.
 *
 * Who compiles: the first thread to need a file, whichever it is. Threads start while the
 * main thread is busy (reading and normalising the article, about 0.1-0.2 s of synchronous
 * work), so a thread that asked the main thread for the module waited for all of it; now
 * the threads agree among themselves. Each file has a claim word in memory shared by the
 * process's threads: the thread that sets it compiles the file and sends the module on a
 * broadcast channel; the others (and the main thread, for threads started later) take it
 * from there, and one that starts listening late asks for it on the same channel. A thread
 * stopped before sending leaves its claim to the main thread to free (`releaseStaleClaims`),
 * and a time limit covers the rest: whoever waits that long compiles the file itself.
 */
import { open } from 'node:fs/promises';
import { BroadcastChannel, isMainThread, workerData } from 'node:worker_threads';

/** `workerData` key marking a thread started by the pool. */
export const POOL_THREAD = 'lectern-pool-thread';
/** `workerData` key of the modules compiled before the thread started (file -> module), given to it at once. */
export const SHARED_MODULES = 'lectern-shared-modules';
/** `workerData` key of the process's claim words (a SharedArrayBuffer: `claimWords`). */
export const WASM_CLAIMS = 'lectern-wasm-claims';

/** Claim words: a file's word is found by its hash; the word holds the hash of the file that claimed it. */
const SLOTS = 256;
/** How long a thread waits for a module another thread claimed before compiling it itself. */
const CLAIM_PATIENCE_MS = 5_000;
const CHANNEL = 'lectern-shared-wasm';

const modules = new Map<string, Promise<WebAssembly.Module>>();
/** The modules known so far, to hand to threads as they start (`modulesForThreads`). */
const ready = new Map<string, WebAssembly.Module>();
/** Files this thread waits for from another thread, with what to call when the module comes. */
const awaited = new Map<string, (m: WebAssembly.Module) => void>();
let compiled = 0;
let channel: BroadcastChannel | undefined;

/** How many modules this thread compiled itself (on the main thread or in a pool thread). */
export function modulesCompiledHere(): number {
  return compiled;
}

/**
 * The process's claim words: made by the main thread (or by whoever starts the first pool
 * thread, e.g. the command's launcher, under the same global key) and given to each pool
 * thread in its `workerData`.
 */
export function claimWords(): SharedArrayBuffer {
  const key = Symbol.for('lectern.wasm-claims');
  const g = globalThis as Record<symbol, SharedArrayBuffer | undefined>;
  if (!isMainThread) {
    const given = (workerData as Record<string, unknown> | null)?.[WASM_CLAIMS];
    if (given instanceof SharedArrayBuffer) return given;
  }
  return (g[key] ??= new SharedArrayBuffer(SLOTS * 4));
}

/** The `workerData` a pool thread starts with: the claim words and the modules already compiled. */
export function poolThreadData(): Record<string, unknown> {
  return { [POOL_THREAD]: true, [WASM_CLAIMS]: claimWords(), [SHARED_MODULES]: Object.fromEntries(ready) };
}

/** The compiled module of a `.wasm` file, compiled once per process. */
export function sharedWasmModule(file: string): Promise<WebAssembly.Module> {
  let module = modules.get(file);
  if (!module) {
    const data = workerData as Record<string, unknown> | null;
    const given = isMainThread ? undefined : (data?.[SHARED_MODULES] as Record<string, WebAssembly.Module> | undefined)?.[file];
    module = given ? Promise.resolve(given) : obtain(file);
    // A failure is not kept: the next caller tries again.
    module.catch(() => modules.delete(file));
    modules.set(file, module);
  }
  return module;
}

function obtain(file: string): Promise<WebAssembly.Module> {
  listen();
  const words = new Int32Array(claimWords());
  const hash = fileHash(file);
  const slot = (hash >>> 0) % SLOTS;
  const holder = Atomics.compareExchange(words, slot, 0, hash);
  // Free, or claimed for another file whose hash shares the word: compile it here.
  if (holder !== hash) return compile(file);
  // Claimed for this file (by another thread, or by this one earlier and failed): wait for it.
  return new Promise<WebAssembly.Module>((resolve) => {
    const timer = setTimeout(() => {
      awaited.delete(file);
      resolve(compile(file));
    }, CLAIM_PATIENCE_MS);
    awaited.set(file, (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    // The module may have been sent before this thread listened: whoever has it sends it again.
    listen().postMessage({ want: file });
  });
}

async function compile(file: string): Promise<WebAssembly.Module> {
  const module = await WebAssembly.compile(await readOutsideMalloc(file));
  compiled++;
  keep(file, module);
  listen().postMessage({ file, module });
  return module;
}

/**
 * A file's bytes in memory that does not come from the C library's allocator: a
 * WebAssembly.Memory, which V8 maps for itself. glibc raises its threshold for serving big
 * blocks by mmap to the size of the largest such block freed (up to 32 MB): once the 18 MB
 * of eSpeak NG's bytes were freed early in a build, every later block up to that size (clips'
 * samples, MP3 segments) came from its heaps instead, and stayed there (seed: about 30 MB
 * more peak memory).
 */
async function readOutsideMalloc(file: string): Promise<Uint8Array<ArrayBuffer>> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const bytes = new Uint8Array(new WebAssembly.Memory({ initial: Math.ceil(size / 65536) }).buffer as ArrayBuffer, 0, size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(bytes, at, size - at, at);
      if (!bytesRead) break;
      at += bytesRead;
    }
    return bytes.subarray(0, at);
  } finally {
    await fh.close();
  }
}

function keep(file: string, module: WebAssembly.Module): void {
  ready.set(file, module);
  if (!modules.has(file)) modules.set(file, Promise.resolve(module));
}

/** The broadcast channel, listening for modules other threads compiled; it never keeps the process alive. */
function listen(): BroadcastChannel {
  if (!channel) {
    channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (event: unknown) => {
      const { file, module, want } = (event as { data: { file?: string; module?: WebAssembly.Module; want?: string } }).data ?? {};
      if (typeof want === 'string') {
        const have = ready.get(want);
        if (have) channel!.postMessage({ file: want, module: have });
        return;
      }
      if (typeof file !== 'string' || !(module instanceof WebAssembly.Module)) return;
      if (!ready.has(file)) keep(file, module);
      const waiter = awaited.get(file);
      awaited.delete(file);
      waiter?.(module);
    };
    channel.unref();
  }
  return channel;
}

/** FNV-1a of the file name, never 0 (0 marks a free claim word); exported for the tests. */
export function fileHash(file: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < file.length; i++) h = Math.imul(h ^ file.charCodeAt(i), 0x01000193);
  return h | 0 || 1;
}

/**
 * Frees the claim words of files no module has reached this thread for: called when pool
 * threads stop, since a thread stopped while compiling (a build interrupted as it started)
 * leaves a claim nobody will honour, and the next thread to need the file would wait for
 * it until `CLAIM_PATIENCE_MS`. A word freed while a live thread compiles costs at most a
 * second compile.
 */
export function releaseStaleClaims(): void {
  const words = new Int32Array(claimWords());
  const kept = new Set([...ready.keys()].map(fileHash));
  for (let i = 0; i < words.length; i++) {
    const w = Atomics.load(words, i);
    if (w !== 0 && !kept.has(w)) Atomics.compareExchange(words, i, w, 0);
  }
}

/** The main thread listens from the start, so that a module compiled by a thread reaches threads started later. */
export function listenForModules(): void {
  listen();
}
