import { mkdir, open, rename, rm, readdir, stat, lstat, realpath, utimes } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { LecternError } from '../article/diagnostics.js';

const TMP_MARK = '.lectern-tmp-';
/** Bytes gathered before one write. */
const WRITE_BATCH = 1 << 20;
/**
 * A build's temporary folder has its time stamp renewed this often while the build runs...
 */
const HEARTBEAT_MS = 60_000;
/** ...so one not renewed for this long belongs to a build that was killed (SIGKILL, a power cut). */
export const STALE_TEMP_MS = 10 * 60_000;

/**
 * Writes a build's files atomically. Each `write` goes to a temporary folder of this build
 * in the output folder (`.lectern-tmp-<random>/`, files named by number, so a long output
 * name never makes a longer temporary one); `commit` renames them all into place once every
 * stage has succeeded; `discard` removes them. A failed or interrupted build therefore
 * never leaves a half file and never damages the previous build's outputs. No output may
 * replace one of the build's input files.
 */
export class OutputWriter {
  private readonly pending = new Map<string, string>();
  /** The order in which outputs were first asked for: writes may finish in any order. */
  private readonly sequence = new Map<string, number>();
  /** Writes not finished yet. */
  private readonly inflight = new Set<Promise<string>>();
  /** Set once the build has committed or discarded its outputs: later writes are refused. */
  private closed = false;
  private tmp?: Promise<string>;
  private heartbeat?: NodeJS.Timeout;
  private count = 0;
  constructor(
    readonly outDir: string,
    /** The build's input files: refused as output paths. */
    readonly inputs: readonly string[] = [],
  ) {}

  /** Path an output will have once committed. */
  resolve(name: string): string {
    const full = path.resolve(this.outDir, name);
    if (!full.startsWith(path.resolve(this.outDir) + path.sep)) throw new Error(`output name escapes the output folder: ${name}`);
    return full;
  }

  async write(name: string, data: string | Uint8Array): Promise<string> {
    return this.writeChunks(name, [data]);
  }

  /**
   * Writes an output from chunks as they come (an async iterable or a stream), so a large
   * file (a long narration, a book with its audio) is never held in memory whole.
   */
  writeChunks(name: string, chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): Promise<string> {
    let final: string;
    try {
      final = this.resolve(name);
    } catch (e) {
      return Promise.reject(e);
    }
    if (!this.sequence.has(final)) this.sequence.set(final, this.sequence.size);
    // Tracked until it ends, so that `commit` and `discard` wait for it: a stage may go on
    // (and the stages after it start) while its write still waits for the disk.
    const writing = this.writeFile(final, name, chunks);
    this.inflight.add(writing);
    const done = () => void this.inflight.delete(writing);
    writing.then(done, done);
    return writing;
  }

  private async writeFile(final: string, name: string, chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): Promise<string> {
    await this.refuseInput(final);
    // Its folder is made when the build commits (a failed build leaves no empty folders).
    if (this.closed) throw new Error(`the build has ended; ${name} was not written`);
    const tmp = path.join(await this.tempFolder(), String(++this.count));
    const fh = await open(tmp, 'wx');
    if (this.closed) {
      // A stage still running after the build was stopped: leave nothing behind.
      await fh.close();
      await rm(tmp, { force: true });
      throw new Error(`the build has ended; ${name} was not written`);
    }
    // Registered before writing, so a failure part-way still discards the temporary file.
    const previous = this.pending.get(final);
    this.pending.set(final, tmp);
    if (previous) await rm(previous, { force: true });
    try {
      // Small chunks (a zip's headers, MP3 segments) go out together: one system call, one
      // trip through libuv's threads, for up to WRITE_BATCH bytes.
      let batch: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of chunks) {
        if (this.closed) throw new Error(`the build has ended; ${name} was not written`);
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        batch.push(bytes);
        size += bytes.length;
        if (size >= WRITE_BATCH || batch.length >= 512) {
          await fh.writev(batch);
          batch = [];
          size = 0;
        }
      }
      if (batch.length) await fh.writev(batch);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return final;
  }

  /** This build's own temporary folder, made on the first write; its time stamp is renewed while the build runs. */
  private tempFolder(): Promise<string> {
    this.tmp ??= (async () => {
      await mkdir(this.outDir, { recursive: true });
      const dir = path.join(this.outDir, `${TMP_MARK}${randomBytes(8).toString('hex')}`);
      await mkdir(dir);
      this.heartbeat = setInterval(() => {
        const now = new Date();
        utimes(dir, now, now).catch(() => {});
      }, HEARTBEAT_MS).unref();
      return dir;
    })();
    return this.tmp;
  }

  private async refuseInput(final: string): Promise<void> {
    const target = await stat(final).catch(() => undefined);
    for (const input of this.inputs) {
      const same =
        path.resolve(input) === final ||
        (target && (await stat(input).then((s) => s.ino === target.ino && s.dev === target.dev, () => false))) ||
        (await realpath(input).then((r) => r === final, () => false));
      if (same) throw new LecternError(`${path.basename(final)} would replace the input file ${input}; build into another --out folder`, 'output:input', { file: input });
    }
  }

  private async removeTemp(): Promise<void> {
    clearInterval(this.heartbeat);
    const dir = await this.tmp?.catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }

  /** Final paths of everything written so far. */
  get files(): string[] {
    return [...this.pending.keys()].sort((a, b) => this.sequence.get(a)! - this.sequence.get(b)!);
  }

  async commit(): Promise<string[]> {
    // Every write a stage started and did not wait for: a failed one fails the build.
    while (this.inflight.size) {
      const failed = (await Promise.allSettled([...this.inflight])).find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
    this.closed = true;
    // Check every target first, so that a problem (say, a folder where a file should go)
    // fails the build before any output is replaced.
    for (const final of this.pending.keys()) {
      const info = await stat(final).catch(() => undefined);
      if (info?.isDirectory()) throw new Error(`cannot write ${final}: a folder of that name is in the way`);
    }
    const done = this.files;
    await Promise.all([...new Set(done.map((f) => path.dirname(f)))].map((dir) => mkdir(dir, { recursive: true })));
    // Side by side: each rename waits for the file system's journal, not for the others.
    await Promise.all(done.map((final) => rename(this.pending.get(final)!, final)));
    this.pending.clear();
    await this.removeTemp();
    return done;
  }

  async discard(): Promise<void> {
    this.closed = true;
    // Writes still running stop at their next chunk (their files go with the folder).
    this.pending.clear();
    await this.removeTemp();
  }
}

/**
 * Removes what a build killed part-way (SIGKILL, a power cut) left in `dir`: temporary
 * folders (and files, from earlier versions) whose time stamp has not been renewed for
 * `STALE_TEMP_MS`. A running build renews its folder's stamp, so it is left alone whatever
 * process namespace it runs in: nothing here depends on process ids.
 */
export async function sweepTemporaries(dir: string, now = Date.now()): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((n) => n.startsWith(TMP_MARK))
      .map(async (n) => {
        const full = path.join(dir, n);
        const info = await lstat(full).catch(() => undefined);
        if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(full, { recursive: true, force: true }).catch(() => {});
      }),
  );
}
