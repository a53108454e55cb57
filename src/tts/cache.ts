/**
 * The clip cache: one file per synthesised clip, keyed by a hash of everything that shapes
 * the sound: engine, engine version, voice, rate and the text as the engine gets it (after
 * normalisation and the lexicon, so a lexicon change re-makes only the clips whose text it
 * changes). Entries are written
 * atomically as each clip is made, so a build that is stopped keeps what it finished, and
 * each entry carries a checksum of everything after it (sample rate, sample count and
 * samples), so a damaged entry, whichever byte is hit, is found and made again.
 *
 * Layout: `<dir>/<key[0..2]>/<key>.clip` =
 *   "LCLP" | u32 version | u32 sampleRate | u32 sampleCount | 32-byte SHA-256 of (sampleRate | sampleCount | PCM) | PCM (s16le)
 * Format 1 checked the samples only: one changed byte in the sample rate failed every
 * later build, so format 1 entries are made again.
 *
 * `<dir>/lengths.idx` (a checked cache file, see util/cache-file.ts) is an index of the
 * clips' lengths: key, sample rate, sample count, and the file's size and modification time
 * when it was last read whole and checked (or written). A new process learns a clip's length
 * from it and a `stat` of the clip, instead of reading and checksumming every clip of the
 * article (the seed's 80 clips: about 40 ms of a rebuild). A clip known only from the index
 * is read and checked before anything uses its samples (`verify`), so a clip damaged in
 * place (same size and time) is still found, and made again, before it can reach an output.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic.js';
import { readCacheFile, writeCacheFile } from '../util/cache-file.js';
import os from 'node:os';
import path from 'node:path';
import type { Synthesis } from './engine.js';

const MAGIC = 0x4c434c50; // "LCLP"
const FORMAT = 2;
const HEADER = 4 + 4 + 4 + 4 + 32;

/** `$XDG_CACHE_HOME/lectern`, else `~/.cache/lectern`. */
export function defaultCacheRoot(): string {
  const base = process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
  return path.join(base, 'lectern');
}

export function clipKey(parts: { engine: string; version: string; voice: string; rate: number; text: string }): string {
  return createHash('sha256').update(JSON.stringify([parts.engine, parts.version, parts.voice, parts.rate, parts.text])).digest('hex');
}

/** SHA-256 of the header fields after the version (sample rate, count) and the samples. */
function checksum(fields: Uint8Array, pcm: Uint8Array): Buffer {
  return createHash('sha256').update(fields).update(pcm).digest();
}

export type CacheRead = { kind: 'hit'; clip: Synthesis } | { kind: 'miss' } | { kind: 'corrupt'; reason: string };
export type CacheProbe = { kind: 'hit'; sampleRate: number; samples: number } | { kind: 'miss' } | { kind: 'corrupt'; reason: string };

/**
 * Entries this process has read whole and checked (or written), by file: their size and
 * modification time when checked, and what they hold. A long-running build (`lectern
 * watch`) learns a clip's length again from a `stat` instead of reading and checksumming
 * the clip; an entry changed since (another size or time) is read and checked afresh.
 * Entries from the index (`verified: false`) give a clip's length the same way, but are
 * read and checked before their samples are used (`verify`).
 */
const checked = new Map<string, Known>();
interface Known {
  size: number;
  mtimeMs: number;
  sampleRate: number;
  samples: number;
  /** Read whole and checked (or written) by this process, not only listed in the index. */
  verified: boolean;
}

/** The index file of a clip folder. */
export const INDEX_FILE = 'lengths.idx';
/** Index format: u32 count, then per entry 32 bytes of key, u32 sample rate, u32 samples, f64 size, f64 modification time (ms). */
const INDEX_FORMAT = 1;
const INDEX_ENTRY = 32 + 4 + 4 + 8 + 8;
/** Entries kept in an index (about 5 MB; some 150 hours of narration): past that, the oldest go. */
const INDEX_MAX_ENTRIES = 100_000;
/** Per clip folder: the index as read (loaded once per process), and whether this process learned anything it lacks. */
const indexes = new Map<string, { loading: Promise<void>; dirty: boolean }>();

export class ClipCache {
  constructor(readonly dir: string) {}

  file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.clip`);
  }

  async read(key: string): Promise<CacheRead> {
    let buf: Buffer;
    try {
      buf = await readFile(this.file(key));
    } catch {
      return { kind: 'miss' };
    }
    if (buf.length < HEADER || buf.readUInt32BE(0) !== MAGIC) return { kind: 'corrupt', reason: 'bad header' };
    if (buf.readUInt32LE(4) !== FORMAT) return { kind: 'miss' };
    const sampleRate = buf.readUInt32LE(8);
    const count = buf.readUInt32LE(12);
    const pcm = buf.subarray(HEADER);
    if (pcm.length !== count * 2) return { kind: 'corrupt', reason: 'truncated' };
    if (!checksum(buf.subarray(8, 16), pcm).equals(buf.subarray(16, HEADER))) return { kind: 'corrupt', reason: 'checksum mismatch' };
    const samples = new Int16Array(count);
    Buffer.from(samples.buffer).set(pcm);
    await this.remember(this.file(key), sampleRate, count);
    return { kind: 'hit', clip: { samples, sampleRate } };
  }

  /**
   * What an entry holds (its sample rate and length), without its samples: from what this
   * process already checked when the file is unchanged since, else by reading it whole.
   */
  async probe(key: string): Promise<CacheProbe> {
    await this.index().loading;
    const file = this.file(key);
    const known = checked.get(file);
    if (known) {
      const now = await stat(file).catch(() => undefined);
      if (now && now.size === known.size && now.mtimeMs === known.mtimeMs) return { kind: 'hit', sampleRate: known.sampleRate, samples: known.samples };
      checked.delete(file);
    }
    const read = await this.read(key);
    return read.kind === 'hit' ? { kind: 'hit', sampleRate: read.clip.sampleRate, samples: read.clip.samples.length } : read;
  }

  /** Whether this process has read and checked the entry (or written it), so its samples may be used. */
  verified(key: string): boolean {
    return checked.get(this.file(key))?.verified === true;
  }

  /**
   * What the entry holds, read whole and checked, unless this process already did so (or
   * wrote it) and the file is unchanged since: the check before a clip known only from the
   * index is used. A damaged entry is `corrupt`, as with `read`.
   */
  async verify(key: string): Promise<CacheProbe> {
    const known = checked.get(this.file(key));
    if (known?.verified) {
      const now = await stat(this.file(key)).catch(() => undefined);
      if (now && now.size === known.size && now.mtimeMs === known.mtimeMs) return { kind: 'hit', sampleRate: known.sampleRate, samples: known.samples };
    }
    checked.delete(this.file(key));
    const read = await this.read(key);
    return read.kind === 'hit' ? { kind: 'hit', sampleRate: read.clip.sampleRate, samples: read.clip.samples.length } : read;
  }

  private async remember(file: string, sampleRate: number, samples: number): Promise<void> {
    const now = await stat(file).catch(() => undefined);
    if (!now) return;
    const before = checked.get(file);
    checked.set(file, { size: now.size, mtimeMs: now.mtimeMs, sampleRate, samples, verified: true });
    const index = indexes.get(this.dir);
    if (index && (!before || before.size !== now.size || before.mtimeMs !== now.mtimeMs || before.samples !== samples || before.sampleRate !== sampleRate)) index.dirty = true;
  }

  /** The folder's index, read once per process into what this process knows (`checked`). */
  private index(): { loading: Promise<void>; dirty: boolean } {
    let index = indexes.get(this.dir);
    if (!index) {
      const mine = { loading: Promise.resolve(), dirty: false };
      indexes.set(this.dir, mine);
      mine.loading = readCacheFile(path.join(this.dir, INDEX_FILE)).then((read) => {
        // Missing, damaged or of another format: every clip is read and checked, as without one,
        // and the index is written again.
        const data = read.kind === 'hit' ? read.data : undefined;
        const count = data && data.length >= 8 && data.readUInt32LE(0) === INDEX_FORMAT ? data.readUInt32LE(4) : -1;
        if (!data || count < 0 || data.length !== 8 + count * INDEX_ENTRY) {
          mine.dirty = true;
          return;
        }
        for (let at = 8; at < data.length; at += INDEX_ENTRY) {
          const key = data.toString('hex', at, at + 32);
          const file = this.file(key);
          if (!checked.has(file)) checked.set(file, { sampleRate: data.readUInt32LE(at + 32), samples: data.readUInt32LE(at + 36), size: data.readDoubleLE(at + 40), mtimeMs: data.readDoubleLE(at + 48), verified: false });
        }
      });
      index = mine;
    }
    return index;
  }

  /**
   * Writes the folder's index again when this process learned a clip's length it lacked (or
   * found one changed): every entry known here, the index's own first. A failure (a full
   * disk) costs the next build only the reading it saves.
   */
  async saveIndex(): Promise<void> {
    const index = indexes.get(this.dir);
    if (!index) return;
    await index.loading;
    if (!index.dirty) return;
    index.dirty = false;
    const prefix = this.dir + path.sep;
    const entries: [string, Known][] = [];
    for (const [file, known] of checked) {
      if (!file.startsWith(prefix) || !file.endsWith('.clip')) continue;
      const key = path.basename(file, '.clip');
      if (/^[0-9a-f]{64}$/.test(key) && file === this.file(key)) entries.push([key, known]);
    }
    const kept = entries.slice(Math.max(0, entries.length - INDEX_MAX_ENTRIES));
    const data = Buffer.alloc(8 + kept.length * INDEX_ENTRY);
    data.writeUInt32LE(INDEX_FORMAT, 0);
    data.writeUInt32LE(kept.length, 4);
    let at = 8;
    for (const [key, known] of kept) {
      data.write(key, at, 'hex');
      data.writeUInt32LE(known.sampleRate, at + 32);
      data.writeUInt32LE(known.samples, at + 36);
      data.writeDoubleLE(known.size, at + 40);
      data.writeDoubleLE(known.mtimeMs, at + 48);
      at += INDEX_ENTRY;
    }
    await writeCacheFile(path.join(this.dir, INDEX_FILE), data).catch(() => {
      index.dirty = true;
    });
  }

  async write(key: string, clip: Synthesis): Promise<void> {
    const file = this.file(key);
    const pcm = Buffer.from(clip.samples.buffer, clip.samples.byteOffset, clip.samples.byteLength);
    const header = Buffer.alloc(HEADER);
    header.writeUInt32BE(MAGIC, 0);
    header.writeUInt32LE(FORMAT, 4);
    header.writeUInt32LE(clip.sampleRate, 8);
    header.writeUInt32LE(clip.samples.length, 12);
    checksum(header.subarray(8, 16), pcm).copy(header, 16);
    await writeFileAtomic(file, [header, pcm]);
    await this.remember(file, clip.sampleRate, clip.samples.length);
  }

  async remove(key: string): Promise<void> {
    checked.delete(this.file(key));
    await rm(this.file(key), { force: true });
  }
}
