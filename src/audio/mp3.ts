/**
 * MP3 encoding in-process with LAME compiled to WebAssembly (`wasm-media-encoders`),
 * chosen by measurement: about 3× faster than the pure-JavaScript lamejs and faster than
 * mediabunny's worker-based encoder on this project's mono speech. The narration is
 * encoded in segments, in parallel and cached (see `planSegments`). Tags are ID3v2.3 via node-id3, with
 * CHAP/CTOC chapters and the cover as APIC.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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
  /** Content key: the same key always encodes to the same bytes. */
  key: string;
}

/** Segments hold at least this much audio, so the start-up of an encoder stays small beside its work. */
const MIN_SEGMENT_SECONDS = 12;
/** Past this length, any paragraph end is a cut, so one edit never re-encodes much. */
const MAX_SEGMENT_SECONDS = 30;
/** A cut needs a pause that holds the encoder's padding (1152 samples) with room to spare. */
const MIN_CUT_PAUSE = 2 * FRAME + 1500;

/**
 * Splits the narration into segments that are encoded separately (in parallel, and cached)
 * and concatenated into one MP3 with every sample exactly where the timeline puts it.
 *
 * Utterances start on a 576-sample grid (timeline.ts), so a segment that starts at an
 * utterance and stops 1152 samples before the next segment's first utterance has a length
 * LAME encodes into exactly the frames that fill the gap: its 576-sample delay and its
 * padding take the place of the last 1152 samples of the pause, which are silence. Sample
 * i of the timeline therefore decodes at i + MP3_DELAY_SAMPLES, whatever the segments.
 *
 * Cuts are chosen mostly from the content, not from positions: after a paragraph whose id
 * hashes to an even number (or any paragraph once a segment is 30 s long), and before a
 * chapter. An edit then changes the segment it falls in, and at most the next one, and a
 * rebuild re-encodes only those.
 */
export function planSegments(timeline: Timeline): Segment[] {
  const { utterances, items, sampleRate } = timeline;
  const mpeg2 = sampleRate <= 24000;
  const starts: number[] = [0];
  if (mpeg2) {
    let since = 0;
    for (let i = 0; i < utterances.length - 1; i++) {
      const u = utterances[i]!;
      since += u.end - u.start;
      const pause = u.items[1] > u.items[0] && items[u.items[1] - 1]!.kind === 'silence' ? items[u.items[1] - 1]!.samples : 0;
      const next = utterances[i + 1]!.utterance;
      const paragraphEnd = u.utterance.pauseAfterMs >= 700;
      const chosen = createHash('sha256').update(u.utterance.id).digest()[0]! % 2 === 0 || since >= MAX_SEGMENT_SECONDS * sampleRate;
      const boundary = next.chapter !== undefined || (paragraphEnd && chosen);
      if (boundary && pause >= MIN_CUT_PAUSE && since >= MIN_SEGMENT_SECONDS * sampleRate && u.end % FRAME === 0) {
        starts.push(i + 1);
        since = 0;
      }
    }
  }
  return starts.map((first, k) => {
    const last = k + 1 < starts.length ? starts[k + 1]! : utterances.length;
    const from = utterances[first]?.start ?? 0;
    const to = k + 1 < starts.length ? utterances[last]!.start - 2 * FRAME : timeline.length;
    const firstItem = utterances[first]?.items[0] ?? 0;
    const endItem = utterances[last - 1]?.items[1] ?? items.length;
    const content = items.slice(firstItem, endItem).map((it) => (it.kind === 'clip' ? it.key : `-${it.samples}`));
    const key = createHash('sha256').update(JSON.stringify([ENCODER_ID, sampleRate, to - from, content])).digest('hex');
    return { from, to, key };
  });
}

/** What shapes the bytes of an encoded segment, besides its samples. */
const ENCODER_ID = `wasm-media-encoders-lame:${MP3_BITRATE}k-cbr-mono`;

/** Encodes one segment of the timeline. */
export async function encodeSegment(timeline: Pick<Timeline, 'items' | 'sampleRate'>, cache: ClipCache, segment: Pick<Segment, 'from' | 'to'>): Promise<Buffer> {
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

/** Encoded segments, kept beside the clips: `<cache>/mp3/<key>.seg` = SHA-256 of the MP3 | MP3. */
class SegmentCache {
  constructor(private readonly dir: string) {}
  private file(key: string): string {
    return path.join(this.dir, `${key}.seg`);
  }
  async read(key: string): Promise<Buffer | undefined> {
    const buf = await readFile(this.file(key)).catch(() => undefined);
    if (!buf || buf.length < 32) return undefined;
    const data = buf.subarray(32);
    return createHash('sha256').update(data).digest().equals(buf.subarray(0, 32)) ? data : undefined;
  }
  async write(key: string, data: Buffer): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.file(key)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, Buffer.concat([createHash('sha256').update(data).digest(), data]));
    await rename(tmp, this.file(key));
  }
}

export interface EncodeStats {
  segments: number;
  encoded: number;
}

/**
 * The whole narration as one MP3 stream (untagged): segments from the cache where they
 * are, the others encoded on up to `workers` threads.
 */
export async function encodeMp3(timeline: Timeline, cache: ClipCache, workers = os.availableParallelism?.() ?? os.cpus().length, stats?: EncodeStats): Promise<Buffer> {
  const segments = planSegments(timeline);
  const store = new SegmentCache(path.join(path.dirname(cache.dir), 'mp3'));
  const parts: (Buffer | undefined)[] = await Promise.all(segments.map((s) => store.read(s.key)));
  const todo = segments.map((s, i) => ({ s, i })).filter(({ i }) => !parts[i]);
  if (stats) Object.assign(stats, { segments: segments.length, encoded: todo.length });
  if (todo.length === 1 || workers <= 1) {
    for (const { s, i } of todo) parts[i] = await encodeSegment(timeline, cache, s);
  } else if (todo.length > 1) {
    let next = 0;
    const lane = () =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(workerFile(), { workerData: { items: timeline.items, sampleRate: timeline.sampleRate, cacheDir: cache.dir } });
        const send = () => {
          const job = todo[next++];
          if (!job) {
            void worker.terminate();
            return resolve();
          }
          worker.postMessage({ index: job.i, segment: { from: job.s.from, to: job.s.to } });
        };
        worker.on('message', (msg: { index: number; data?: Uint8Array; error?: string }) => {
          if (!msg.data) {
            void worker.terminate();
            return reject(new Error(msg.error ?? 'MP3 worker failed'));
          }
          parts[msg.index] = Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
          send();
        });
        worker.once('error', reject);
        send();
      });
    await Promise.all(Array.from({ length: Math.min(workers, todo.length) }, lane));
  }
  await Promise.all(todo.map(({ s, i }) => store.write(s.key, parts[i]!)));
  return Buffer.concat(parts as Buffer[]);
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
