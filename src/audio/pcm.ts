import type { ClipCache } from '../tts/cache.js';
import type { Timeline } from './timeline.js';
import { LecternError } from '../article/diagnostics.js';

/** Largest block of silence handed out at once (one second at 48 kHz). */
const SILENCE_CHUNK = 48_000;

/**
 * The narration's samples in order, read clip by clip from the cache, so the whole book's
 * audio is never held in memory at once. `from` and `to` (in samples) select a part.
 */
export async function* timelineSamples(timeline: Pick<Timeline, 'items'>, cache: ClipCache, from = 0, to = Infinity): AsyncGenerator<Int16Array> {
  let pos = 0;
  for (const item of timeline.items) {
    const start = pos;
    const end = pos + item.samples;
    pos = end;
    if (end <= from) continue;
    if (start >= to) break;
    const a = Math.max(0, from - start);
    const b = Math.min(item.samples, to - start);
    if (item.kind === 'silence') {
      for (let left = b - a; left > 0; left -= SILENCE_CHUNK) yield new Int16Array(Math.min(left, SILENCE_CHUNK));
      continue;
    }
    const read = await cache.read(item.key);
    if (read.kind === 'corrupt') throw new LecternError(`narration clip ${item.key.slice(0, 12)} was damaged in the cache during the build (${read.reason})`, 'cache:lost');
    if (read.kind !== 'hit') throw new LecternError(`narration clip ${item.key.slice(0, 12)} vanished from the cache during the build`, 'cache:lost');
    yield a === 0 && b === item.samples ? read.clip.samples : read.clip.samples.subarray(a, b);
  }
}

/** A 44-byte RIFF/WAVE header for mono 16-bit PCM. */
export function wavHeader(samples: number, sampleRate: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + samples * 2, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(samples * 2, 40);
  return h;
}

/** The narration as a WAV file, chunk by chunk. */
export async function* wavChunks(timeline: Timeline, cache: ClipCache): AsyncGenerator<Uint8Array> {
  yield wavHeader(timeline.length, timeline.sampleRate);
  for await (const s of timelineSamples(timeline, cache)) yield new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
}
