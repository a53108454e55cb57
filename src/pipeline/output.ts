import { mkdir, open, rename, rm, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const TMP_MARK = '.lectern-tmp-';

/**
 * Writes a build's files atomically. Each `write` goes to a temporary file beside its
 * final name; `commit` renames them all into place once every stage has succeeded;
 * `discard` removes them. A failed or interrupted build therefore never leaves a half
 * file and never damages the previous build's outputs.
 */
export class OutputWriter {
  private readonly pending = new Map<string, string>();
  /** Set once the build has committed or discarded its outputs: later writes are refused. */
  private closed = false;
  constructor(readonly outDir: string) {}

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
  async writeChunks(name: string, chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): Promise<string> {
    const final = this.resolve(name);
    await mkdir(path.dirname(final), { recursive: true });
    const tmp = path.join(path.dirname(final), `${TMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}-${path.basename(final)}`);
    if (this.closed) throw new Error(`the build has ended; ${name} was not written`);
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
      for await (const chunk of chunks) await fh.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return final;
  }

  /** Final paths of everything written so far. */
  get files(): string[] {
    return [...this.pending.keys()];
  }

  async commit(): Promise<string[]> {
    this.closed = true;
    // Check every target first, so that a problem (say, a folder where a file should go)
    // fails the build before any output is replaced.
    for (const final of this.pending.keys()) {
      const info = await stat(final).catch(() => undefined);
      if (info?.isDirectory()) throw new Error(`cannot write ${final}: a folder of that name is in the way`);
    }
    const done: string[] = [];
    for (const [final, tmp] of this.pending) {
      await rename(tmp, final);
      done.push(final);
    }
    this.pending.clear();
    return done;
  }

  async discard(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pending.values()].map((tmp) => rm(tmp, { force: true })));
    this.pending.clear();
  }
}

/**
 * Removes temporary files that a build killed part-way (SIGKILL, a power cut) left in
 * `dir`. A temporary file carries the id of the process that wrote it; files of a process
 * that is still running (another build into the same folder, or this one) are left alone.
 */
export async function sweepTemporaries(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const stale = names.filter((n) => {
    if (!n.startsWith(TMP_MARK)) return false;
    const pid = /^(\d+)-/.exec(n.slice(TMP_MARK.length))?.[1];
    return pid === undefined || !isRunning(Number(pid));
  });
  await Promise.all(stale.map((n) => rm(path.join(dir, n), { force: true })));
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, as another user's process.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
