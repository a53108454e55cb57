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
 */
import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic.js';
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
 */
const checked = new Map<string, { size: number; mtimeMs: number; sampleRate: number; samples: number }>();

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

  private async remember(file: string, sampleRate: number, samples: number): Promise<void> {
    const now = await stat(file).catch(() => undefined);
    if (now) checked.set(file, { size: now.size, mtimeMs: now.mtimeMs, sampleRate, samples });
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
