/**
 * Cache entries that are checked whole. An entry is `"LCHK" | u32 format | SHA-256 of the
 * payload | payload`, written to a temporary file and renamed into place. Reading one gives
 * its payload only when the magic, the format and the checksum all match: a flipped bit or
 * a truncated file anywhere is `corrupt`, and the caller makes the entry again (with a
 * warning) instead of using it or failing. `sweepCacheTemporaries` removes what an
 * interrupted write (a full disk, SIGKILL) left behind.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';

const MAGIC = 0x4c43484b; // "LCHK"
const FORMAT = 1;
const HEADER = 4 + 4 + 32;

export type CacheFileRead = { kind: 'hit'; data: Buffer } | { kind: 'miss' } | { kind: 'corrupt'; reason: string };

export async function readCacheFile(file: string): Promise<CacheFileRead> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch {
    return { kind: 'miss' };
  }
  if (buf.length < HEADER || buf.readUInt32BE(0) !== MAGIC) return { kind: 'corrupt', reason: 'bad header' };
  // An entry of another format version (an older lectern) is simply made again.
  if (buf.readUInt32LE(4) !== FORMAT) return { kind: 'miss' };
  const data = buf.subarray(HEADER);
  if (!createHash('sha256').update(data).digest().equals(buf.subarray(8, HEADER))) return { kind: 'corrupt', reason: 'checksum mismatch' };
  return { kind: 'hit', data };
}

/** Writes an entry atomically: a temporary file beside it, then a rename. */
export async function writeCacheFile(file: string, data: Uint8Array): Promise<void> {
  const header = Buffer.alloc(HEADER);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt32LE(FORMAT, 4);
  createHash('sha256').update(data).digest().copy(header, 8);
  await writeFileAtomic(file, [header, data]);
}

/** A temporary cache file older than this was left by a write that never finished. */
export const STALE_CACHE_TEMP_MS = 10 * 60_000;

/**
 * Removes `*.tmp` files older than `STALE_CACHE_TEMP_MS` in `dir` and its subfolders, down
 * to `depth` levels (the clip cache has one level of folders). A write in progress takes
 * milliseconds, so a build running beside this one never loses a temporary file it needs.
 */
export async function sweepCacheTemporaries(dir: string, depth = 1, now = Date.now()): Promise<number> {
  // A long-running process (`lectern watch`) sweeps a folder once per staleness period,
  // not at every rebuild: the clip cache's 257 folders cost a rebuild about 25 ms.
  const last = sweptAt.get(dir);
  if (last !== undefined && now - last < STALE_CACHE_TEMP_MS && now >= last) return 0;
  sweptAt.set(dir, now);
  return sweep(dir, depth, now);
}
const sweptAt = new Map<string, number>();

async function sweep(dir: string, depth: number, now: number): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  // Side by side: the clip cache's 257 folders one after another took about 25 ms.
  const counts = await Promise.all(
    entries.map(async (e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && depth > 0) return sweep(full, depth - 1, now);
      if (!e.isFile() || !e.name.endsWith('.tmp')) return 0;
      const info = await lstat(full).catch(() => undefined);
      return info && now - info.mtimeMs > STALE_CACHE_TEMP_MS && (await rm(full, { force: true }).then(() => true, () => false)) ? 1 : 0;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}
