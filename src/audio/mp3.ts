/**
 * MP3 encoding in-process with LAME compiled to WebAssembly (`wasm-media-encoders`),
 * chosen by measurement: about 3× faster than the pure-JavaScript lamejs and faster than
 * mediabunny's worker-based encoder on this project's mono speech. Long narrations are
 * encoded in parallel segments (see `planSegments`). Tags are ID3v2.3 via node-id3, with
 * CHAP/CTOC chapters and the cover as APIC.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import NodeID3 from 'node-id3';
import { createMp3Encoder } from 'wasm-media-encoders';
import type { ClipCache } from '../tts/cache.js';
import { projectFile } from '../util/paths.js';
import { timelineSamples } from './pcm.js';
import type { Chapter, Timeline } from './timeline.js';

/**
 * Samples of silence a decoder plays before the first encoded sample: LAME's encoder delay
 * (576) plus the MP3 decoder delay (529). Measured with ffmpeg; the encoder writes no
 * gapless header, so timings for the MP3 are shifted by this much.
 */
export const MP3_DELAY_SAMPLES = 1105;
/** Mono speech at 64 kb/s CBR: clear, and CBR keeps every player's duration exact. */
export const MP3_BITRATE = 64;
/** Samples per frame at the MPEG-2 rates speech engines use (16, 22.05, 24 kHz). */
const FRAME = 576;

/**
 * Frames LAME writes for `n` input samples at an MPEG-2 rate: its 576-sample delay, the
 * samples, and padding to the end of the next frame. Measured, and checked by the tests
 * (a segmented encoding decodes to exactly the timeline's length plus the delay).
 */
export function mp3Frames(n: number): number {
  return Math.ceil((n + 2 * FRAME) / FRAME);
}

export interface Segment {
  /** Timeline samples [from, to) fed to one encoder. */
  from: number;
  to: number;
}

/** Shortest pause a segment boundary may sit in: room for LAME's padding and a margin either side. */
const MIN_CUT_SILENCE = 3 * FRAME + 2000;
/** Below this length one encoder is faster than starting workers. */
const MIN_PARALLEL_SECONDS = 40;

/**
 * Splits the timeline into segments that separate encoders can make in parallel and that
 * concatenate into one stream with every sample exactly where the timeline puts it.
 *
 * Each cut sits in a pause. An encoder ends its segment with padding, so the next segment
 * starts that many samples later in the timeline: those samples are silence, and the
 * decoder hears the padding in their place. Sample i of the timeline therefore always
 * decodes at i + MP3_DELAY_SAMPLES, whatever the number of segments.
 */
export function planSegments(timeline: Timeline, count: number): Segment[] {
  const length = timeline.length;
  const mpeg2 = timeline.sampleRate <= 24000;
  if (count <= 1 || !mpeg2 || length < MIN_PARALLEL_SECONDS * timeline.sampleRate) return [{ from: 0, to: length }];
  const pauses: { start: number; end: number }[] = [];
  let pos = 0;
  for (const item of timeline.items) {
    if (item.kind === 'silence' && item.samples >= MIN_CUT_SILENCE) pauses.push({ start: pos, end: pos + item.samples });
    pos += item.samples;
  }
  const segments: Segment[] = [];
  let from = 0;
  for (let k = 1; k < count; k++) {
    const target = (length * k) / count;
    const pause = pauses.filter((p) => p.start > from + FRAME * 4).sort((a, b) => Math.abs(a.start - target) - Math.abs(b.start - target))[0];
    if (!pause) break;
    const cut = pause.start + 1000;
    const next = from + mp3Frames(cut - from) * FRAME;
    if (next > pause.end - 500) continue;
    segments.push({ from, to: cut });
    from = next;
  }
  segments.push({ from, to: length });
  return segments;
}

/** Encodes one segment of the timeline. */
export async function encodeSegment(timeline: Pick<Timeline, 'items' | 'sampleRate'>, cache: ClipCache, segment: Segment): Promise<Buffer> {
  const encoder = await createMp3Encoder();
  encoder.configure({ sampleRate: timeline.sampleRate as 22050, channels: 1, bitrate: MP3_BITRATE });
  const out: Uint8Array[] = [];
  for await (const pcm of timelineSamples(timeline, cache, segment.from, segment.to)) {
    const f32 = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) f32[i] = pcm[i]! / 32768;
    // The encoder reuses its output buffer: copy each chunk.
    out.push(encoder.encode([f32]).slice());
  }
  out.push(encoder.finalize().slice());
  return Buffer.concat(out);
}

function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? projectFile('dist', 'lib', 'audio', 'mp3-worker.js') : fileURLToPath(new URL('./mp3-worker.js', import.meta.url));
}

/** The whole narration as one MP3 stream (untagged), encoded on up to `workers` threads. */
export async function encodeMp3(timeline: Timeline, cache: ClipCache, workers = os.availableParallelism?.() ?? os.cpus().length): Promise<Buffer> {
  const segments = planSegments(timeline, workers);
  if (segments.length === 1) return encodeSegment(timeline, cache, segments[0]!);
  const parts = await Promise.all(
    segments.map(
      (segment) =>
        new Promise<Buffer>((resolve, reject) => {
          const worker = new Worker(workerFile(), { workerData: { items: timeline.items, sampleRate: timeline.sampleRate, cacheDir: cache.dir, segment } });
          worker.once('message', (msg: { data?: Uint8Array; error?: string }) => {
            void worker.terminate();
            if (msg.data) resolve(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
            else reject(new Error(msg.error ?? 'MP3 worker failed'));
          });
          worker.once('error', reject);
        }),
    ),
  );
  return Buffer.concat(parts);
}

export interface Mp3Tags {
  title: string;
  artist: string;
  album: string;
  year?: string;
  language?: string;
  cover?: { data: Buffer; mime: string; description: string };
  chapters: Chapter[];
}

export function tagMp3(mp3: Buffer, tags: Mp3Tags): Buffer {
  const ids = tags.chapters.map((_, i) => `chp${i}`);
  const result = NodeID3.write(
    {
      title: tags.title,
      artist: tags.artist,
      album: tags.album,
      ...(tags.year ? { year: tags.year } : {}),
      ...(tags.language ? { language: tags.language } : {}),
      ...(tags.cover ? { image: { mime: tags.cover.mime, type: { id: 3, name: 'front cover' }, description: tags.cover.description, imageBuffer: tags.cover.data } } : {}),
      chapter: tags.chapters.map((c, i) => ({
        elementID: ids[i]!,
        startTimeMs: Math.round(c.start * 1000),
        endTimeMs: Math.round(c.end * 1000),
        tags: { title: c.title },
      })),
      tableOfContents: tags.chapters.length ? [{ elementID: 'toc', isOrdered: true, elements: ids, tags: { title: tags.title } }] : [],
    },
    mp3,
  );
  if (!(result instanceof Buffer)) throw result;
  return result;
}
