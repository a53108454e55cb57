/**
 * MP3 encoding in-process with LAME compiled to WebAssembly (`wasm-media-encoders`),
 * chosen by measurement: about 3× faster than the pure-JavaScript lamejs and faster than
 * mediabunny's worker-based encoder on this project's mono speech. The narration is
 * encoded in segments, in parallel and cached (see `planSegments`). Tags are ID3v2.3 via node-id3, with
 * CHAP/CTOC chapters and the cover as APIC.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WasmMediaEncoder } from 'wasm-media-encoders';
import type { ClipCache } from '../tts/cache.js';
import { claimPrestarted, poolsKeptWarm, WorkerPool, type TaskKind } from '../workers/pool.js';
import { DEFAULT_MP3_QUALITY } from './quality.js';
import { timelineSamples } from './pcm.js';
import type { Chapter, Timeline, TimelineItem } from './timeline.js';

/**
 * Samples of silence a decoder plays before the first encoded sample: LAME's encoder delay
 * (576) plus the MP3 decoder delay (529). Measured with ffmpeg; the encoder writes no
 * gapless header, so timings for the MP3 are shifted by this much.
 */
export const MP3_DELAY_SAMPLES = 1105;
/** Mono speech at 64 kb/s CBR: clear, and CBR keeps every player's duration exact. */
export const MP3_BITRATE = 64;
export { DEFAULT_MP3_QUALITY };
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
  /** The items it overlaps in `Timeline.items`: [first, end). */
  items: [number, number];
  /** Samples of the first item before `from` (a cut falls in a pause: the first item is then a silence). */
  skip: number;
}

/**
 * Segments hold at least this much audio. Reusing one LAME per thread made a segment's
 * start-up small (a `configure`), so segments can be short: a rebuild after an edit
 * re-encodes a few seconds, not half a minute.
 */
const MIN_SEGMENT_SECONDS = 2;
/** Past this length, any sentence end with a pause long enough is a cut, so one edit never re-encodes much. */
const MAX_SEGMENT_SECONDS = 6;
/**
 * A cut needs a pause that holds the sentence's segment's padding (1152 samples, after up
 * to 575 to reach the grid), a segment of silence of at least one frame and its own
 * padding, with room to spare.
 */
const MIN_CUT_PAUSE = 4 * FRAME + 1500;

/**
 * Splits the narration into segments that are encoded separately (in parallel, and cached)
 * and concatenated into one MP3 with every sample exactly where the timeline puts it.
 *
 * A segment's bounds lie on the 576-sample grid, and it stops 1152 samples before the next
 * one starts: LAME encodes it into exactly the frames that fill that gap (its 576-sample
 * delay and its padding take the place of those samples, which are silence). Sample i of
 * the timeline therefore decodes at i + MP3_DELAY_SAMPLES, whatever the segments.
 *
 * A cut in the pause after a sentence makes three segments of it: the sentence's ends on
 * the first grid point 1152 samples past its last sound (its own length decides where), a
 * segment of silence fills the pause up to the next sentence, and the next sentence's
 * segment starts where that sentence does. So neither sentence's segment holds the pause
 * between them: a sentence whose pause changes (the last of a paragraph, when one is
 * added after it) keeps its segment, and so does the sentence after a changed one. Silent
 * segments of the same length are the same segment, encoded once.
 *
 * Cuts are chosen mostly from the content, not from positions: after a sentence whose
 * words hash to an even number (or any sentence once a segment is 6 s long), and before a
 * chapter or a sentence 6 s long or more. An edit then changes the segment it falls in,
 * and at most the next one, and a rebuild re-encodes only those: a few seconds of audio.
 */
export function planSegments(timeline: Timeline, quality: number = DEFAULT_MP3_QUALITY): Segment[] {
  const encoder = encoderId(quality);
  const { utterances, items, sampleRate } = timeline;
  const mpeg2 = sampleRate <= 24000;
  // Where each segment starts, in samples (on the grid).
  const cuts: number[] = [0];
  if (mpeg2) {
    let since = 0;
    for (let i = 0; i < utterances.length - 1; i++) {
      const u = utterances[i]!;
      since += u.end - u.start;
      const pause = u.items[1] > u.items[0] && items[u.items[1] - 1]!.kind === 'silence' ? items[u.items[1] - 1]!.samples : 0;
      const next = utterances[i + 1]!;
      // Chosen by what the sentence says, not by its id: an id changes with every edit to
      // its paragraph, which would move every cut in the paragraph (and re-encode it all).
      const chosen = cutAfterWords(u.utterance.speech) || since >= MAX_SEGMENT_SECONDS * sampleRate;
      // A long sentence starts a segment of its own (and ends it, being past 6 s): an edit
      // next to it never re-encodes it.
      const long = next.end - next.start >= MAX_SEGMENT_SECONDS * sampleRate;
      const boundary = next.utterance.chapter !== undefined || chosen || long;
      if (boundary && pause >= MIN_CUT_PAUSE && since >= MIN_SEGMENT_SECONDS * sampleRate && u.end % FRAME === 0) {
        // The sentence's segment, then the pause's (at least a frame of silence: see MIN_CUT_PAUSE).
        cuts.push(Math.ceil((u.end - pause + 2 * FRAME) / FRAME) * FRAME, u.end);
        since = 0;
      }
    }
  }
  // Each item's first sample.
  const at: number[] = [];
  let t = 0;
  for (const it of items) {
    at.push(t);
    t += it.samples;
  }
  let first = 0;
  return cuts.map((from, k) => {
    const to = k + 1 < cuts.length ? cuts[k + 1]! - 2 * FRAME : timeline.length;
    // The items the segment overlaps: cuts fall in silences, so only silences are cut short.
    while (first < items.length - 1 && at[first]! + items[first]!.samples <= from) first++;
    let end = first;
    while (end < items.length && at[end]! < to) end++;
    const content: string[] = [];
    for (let j = first; j < end; j++) {
      const it = items[j]!;
      content.push(it.kind === 'clip' ? it.key : `-${Math.min(at[j]! + it.samples, to) - Math.max(at[j]!, from)}`);
    }
    const key = createHash('sha256').update(JSON.stringify([encoder, sampleRate, to - from, content])).digest('hex');
    return { from, to, key, items: [first, end], skip: items.length ? from - at[first]! : 0 };
  });
}

/**
 * Whether a sentence's words choose a cut after it (an even first byte of their SHA-256).
 * Remembered: the narration plans its segments again as each clip arrives, so a long
 * article's sentences would otherwise be hashed again and again (a 20,000-word article:
 * about 0.7 s of the main thread's CPU).
 */
function cutAfterWords(speech: string): boolean {
  let cut = cutAfter.get(speech);
  if (cut === undefined) {
    cut = createHash('sha256').update(speech).digest()[0]! % 2 === 0;
    if (cutAfter.size >= 50_000) cutAfter.clear();
    cutAfter.set(speech, cut);
  }
  return cut;
}
const cutAfter = new Map<string, boolean>();

/**
 * What shapes the bytes of an encoded segment, besides its samples: a changed library,
 * bitrate or quality never reuses old segments. The quality named is the one LAME runs at
 * (3 when the module could not be patched, see `lameWasm`).
 */
export function encoderId(quality: number = DEFAULT_MP3_QUALITY): string {
  const wasm = lameWasm(quality);
  return `wasm-media-encoders@${encoderLibraryVersion()}-lame:${MP3_BITRATE}k-cbr-mono-q${wasm.quality}${wasm.patched ? '' : '-unpatched'}`;
}

/**
 * The bytes of `lame_init_params`'s "if (gfp->quality < 0) gfp->quality = 3;" on the CBR
 * path, as wasm: `local.get 0; i32.load offset=44 (quality); i32.const -1; i32.le_s; if;
 * local.get 0; i32.const 3; i32.store offset=44; end`. wasm-media-encoders sets bitrate and
 * rate but never the quality, so LAME runs at this default; the byte after `0x41` at
 * `QUALITY_AT` is the 3.
 */
const QUALITY_SITE = Uint8Array.from([0x20, 0x00, 0x28, 0x02, 0x2c, 0x41, 0x7f, 0x4c, 0x04, 0x40, 0x20, 0x00, 0x41, 0x03, 0x36, 0x02, 0x2c, 0x0b]);
const QUALITY_AT = 13;
/** LAME's own default quality, what the unpatched module runs at. */
export const LAME_DEFAULT_QUALITY = 3;

export interface LameWasm {
  /** The module's bytes, patched for `quality`; undefined when the package's file could not be read. */
  bytes?: Uint8Array;
  /** The quality LAME runs at with these bytes. */
  quality: number;
  patched: boolean;
  /** Why the module is not patched, when it is not. */
  problem?: string;
}

/** Every place `pattern` occurs in `bytes`. */
function occurrences(bytes: Uint8Array, pattern: Uint8Array): number[] {
  const found: number[] = [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = buf.indexOf(pattern); i >= 0; i = buf.indexOf(pattern, i + 1)) found.push(i);
  return found;
}

/**
 * LAME's module with its default quality set to `quality`: one byte changed, the size the
 * same. A package whose module does not hold the site exactly once (another version) is
 * used unpatched, at quality 3, and says so (`problem`, and the segments' key).
 */
export function patchLameQuality(original: Uint8Array, quality: number): LameWasm {
  if (!Number.isInteger(quality) || quality < 0 || quality > 9) throw new RangeError(`LAME quality must be a whole number 0 to 9 (got ${quality})`);
  const sites = occurrences(original, QUALITY_SITE);
  if (sites.length !== 1)
    return { bytes: original, quality: LAME_DEFAULT_QUALITY, patched: false, problem: `LAME's quality default was found ${sites.length} times in its module, not once` };
  const bytes = original.slice();
  bytes[sites[0]! + QUALITY_AT] = quality;
  return { bytes, quality, patched: true };
}

let lameOriginal: Uint8Array | string | undefined;
const lameByQuality = new Map<number, LameWasm>();

/** The package's MP3 module (a file beside its JavaScript), read once per thread. */
function lameOriginalBytes(): Uint8Array | string {
  if (lameOriginal === undefined) {
    try {
      lameOriginal = new Uint8Array(readFileSync(createRequire(import.meta.url).resolve('wasm-media-encoders/wasm/mp3')));
    } catch (e) {
      lameOriginal = `could not read LAME's module (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
    }
  }
  return lameOriginal;
}

/** LAME's module for `quality` (see `patchLameQuality`), made once per thread and quality. */
export function lameWasm(quality: number): LameWasm {
  let wasm = lameByQuality.get(quality);
  if (!wasm) {
    const original = lameOriginalBytes();
    wasm = typeof original === 'string' ? { quality: LAME_DEFAULT_QUALITY, patched: false, problem: original } : patchLameQuality(original, quality);
    lameByQuality.set(quality, wasm);
  }
  return wasm;
}

/** An MP3 encoder running LAME at `quality` (the package's own, unpatched, if it cannot be). */
export function createLame(quality: number): Promise<WasmMediaEncoder<'audio/mpeg'>> {
  const { bytes } = lameWasm(quality);
  const { createEncoder, createMp3Encoder } = encoderLibrary();
  return bytes ? createEncoder('audio/mpeg', bytes) : createMp3Encoder();
}

let library: typeof import('wasm-media-encoders') | undefined;
/**
 * wasm-media-encoders, loaded when something is encoded (on the threads, as a rule): its
 * script carries its modules inline (783 KB, about 12 ms to load), and the main thread
 * plans segments, whose keys need only the library's version (`encoderLibraryVersion`).
 */
export function encoderLibrary(): typeof import('wasm-media-encoders') {
  return (library ??= createRequire(import.meta.url)('wasm-media-encoders') as typeof import('wasm-media-encoders'));
}

let libraryVersion: string | undefined;
/**
 * What the library's `jsLibraryVersion()` says (`wasm-media-encoders-0.7.0`), from its
 * package.json, without loading it; the library itself when that cannot be read.
 * test/mp3-segments.test.ts checks that both agree.
 */
export function encoderLibraryVersion(): string {
  if (libraryVersion === undefined) {
    // Its main file is in dist/: its package.json is a folder or two above.
    let dir = path.dirname(createRequire(import.meta.url).resolve('wasm-media-encoders'));
    for (let up = 0; up < 3 && libraryVersion === undefined; up++, dir = path.dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'wasm-media-encoders' && typeof pkg.version === 'string') libraryVersion = `${pkg.name}-${pkg.version}`;
      } catch {
        // None here: one folder up.
      }
    }
    libraryVersion ??= encoderLibrary().jsLibraryVersion();
  }
  return libraryVersion;
}

/** Encodes one segment of the timeline. */
export async function encodeSegment(
  timeline: Pick<Timeline, 'items' | 'sampleRate'>,
  cache: ClipCache,
  segment: Pick<Segment, 'from' | 'to'>,
  quality: number = DEFAULT_MP3_QUALITY,
): Promise<Buffer> {
  // One LAME module per thread, reused: creating one costs 16 MB and 80 ms. `configure`
  // starts a fresh encoder inside it, so every segment encodes exactly as with a new one.
  // One segment at a time per thread: they share the encoder. Another quality (rare: one
  // per build) replaces it.
  const previous = encoding;
  let release!: () => void;
  encoding = new Promise<void>((r) => (release = r));
  await previous;
  if (lame?.quality !== quality) lame = { quality, encoder: createLame(quality) };
  const ready = lame.encoder;
  try {
    const encoder = await ready;
    encoder.configure({ sampleRate: timeline.sampleRate as 22050, channels: 1, bitrate: MP3_BITRATE });
    const out: Uint8Array[] = [];
    for await (const pcm of timelineSamples(timeline, cache, segment.from, segment.to)) {
      // The encoder reuses its output buffer: copy each chunk.
      out.push(encoder.encode([toFloat(pcm)]).slice());
    }
    out.push(encoder.finalize().slice());
    return Buffer.concat(out);
  } catch (e) {
    // A failure may leave the encoder mid-segment: the next segment gets a new one.
    if (lame?.encoder === ready) lame = undefined;
    throw e;
  } finally {
    release();
  }
}

/**
 * 16-bit samples as LAME's floats. A function of its own, not a loop inside `encodeSegment`:
 * V8 then optimises this small loop once, instead of compiling the whole async function
 * again and again around it (measured: 12 compilations, about 100 ms of compiler time per
 * cold build, for the same code).
 */
function toFloat(pcm: Int16Array): Float32Array {
  const f32 = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) f32[i] = pcm[i]! / 32768;
  return f32;
}

let lame: { quality: number; encoder: Promise<WasmMediaEncoder<'audio/mpeg'>> } | undefined;
let encoding = Promise.resolve();

/**
 * Readies this thread's LAME at `quality` and runs it once over a second of quiet noise,
 * thrown away, so that the next real segment runs code V8 has already compiled (see
 * `NarrationResult.warmUp`). The encoder starts each segment afresh (`configure`), so what
 * it encoded before changes nothing in the bytes of the next.
 */
export async function warmEncoder(quality: number = DEFAULT_MP3_QUALITY, sampleRate = 22050): Promise<void> {
  const previous = encoding;
  let release!: () => void;
  encoding = new Promise<void>((r) => (release = r));
  await previous;
  try {
    if (lame?.quality !== quality) lame = { quality, encoder: createLame(quality) };
    const encoder = await lame.encoder;
    encoder.configure({ sampleRate: sampleRate as 22050, channels: 1, bitrate: MP3_BITRATE });
    const quiet = new Float32Array(sampleRate);
    // A fixed pseudo-random hiss (no Math.random: the same work every time).
    for (let i = 0, x = 1; i < quiet.length; i++) quiet[i] = ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 0.01;
    encoder.encode([quiet]);
    encoder.finalize();
  } catch {
    // A real segment meets the same problem and reports it.
    lame = undefined;
  } finally {
    release();
  }
}

/** The MP3 task kind of the worker pool: encodes one segment (`mp3-task.ts`; from the parent folder, so the URL holds in the bundle too). */
export const mp3Task: TaskKind = { name: 'mp3', url: new URL('../audio/mp3-task.js', import.meta.url).href };

/** Encoded segments, kept beside the clips: `<cache>/mp3/<key>.seg` = SHA-256 of the MP3 | MP3. */
export class SegmentCache {
  constructor(
    readonly dir: string,
    /** This build's segments in memory (see `buildSegments`); none when not given. */
    private readonly build?: HeldSegments,
  ) {}
  file(key: string): string {
    return path.join(this.dir, `${key}.seg`);
  }
  async has(key: string): Promise<boolean> {
    return (await this.check(key)) === 'hit';
  }
  /** `corrupt`: the file is there but its checksum does not match (a damaged cache). */
  async check(key: string): Promise<'hit' | 'miss' | 'corrupt'> {
    const file = this.file(key);
    // Held in memory: these bytes were checked or encoded here, and they, not the file,
    // make the output.
    if (this.held(key)) return 'hit';
    // Checked by this process and unchanged since (same size and time): a long-running build need not read it again.
    const known = checkedSegments.get(file);
    if (known) {
      const now = await stat(file).catch(() => undefined);
      if (now && now.size === known.size && now.mtimeMs === known.mtimeMs) return 'hit';
      checkedSegments.delete(file);
    }
    const buf = await readFile(file).catch(() => undefined);
    if (!buf) return 'miss';
    const ok = buf.length >= 32 && createHash('sha256').update(buf.subarray(32)).digest().equals(buf.subarray(0, 32));
    if (ok) {
      this.hold(key, buf.subarray(SEGMENT_HEADER));
      await this.remember(file);
    }
    return ok ? 'hit' : 'corrupt';
  }
  /** Keeps a segment's checked bytes for this build, and for the next ones in a long-running build. */
  hold(key: string, data: Uint8Array): void {
    if (this.build && !this.build.map.has(key) && this.build.bytes + data.length <= BUILD_HELD_MAX_BYTES) {
      this.build.map.set(key, data);
      this.build.bytes += data.length;
    }
    holdWarm(key, data);
  }
  /** A segment's bytes, when this build or (in a long-running build) an earlier one holds them. */
  held(key: string): Uint8Array | undefined {
    return this.build?.map.get(key) ?? heldWarm(key);
  }
  private async remember(file: string): Promise<void> {
    const now = await stat(file).catch(() => undefined);
    if (now) checkedSegments.set(file, { size: now.size, mtimeMs: now.mtimeMs });
  }
  async write(key: string, data: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.file(key)}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, Buffer.concat([createHash('sha256').update(data).digest(), data]));
      await rename(tmp, this.file(key));
    } catch (e) {
      // A full disk: leave no half entry behind (a stale one is swept by a later build).
      await rm(tmp, { force: true });
      throw e;
    }
    this.hold(key, data);
    await this.remember(this.file(key));
  }
}

/** Segment files this process checked or wrote, with their size and time then (see `SegmentCache.check`). */
const checkedSegments = new Map<string, { size: number; mtimeMs: number }>();

/** Offset of the MP3 data inside a segment file (after its checksum). */
const SEGMENT_HEADER = 32;

/**
 * A build keeps the segments it checked (reading them whole for their checksum) or encoded
 * in memory, by key (a key names the segment's exact content), so the MP3, the book and
 * the web edition are written without reading the segment files again: the whole MP3,
 * which the book's zip held in memory anyway. They go with the build (`buildSegments`).
 * A long-running build (`lectern watch`) also keeps them from one build to the next, so a
 * rebuild does not even look at the files: most recently used last, at most this many
 * bytes (about three hours of audio).
 */
const HELD_MAX_BYTES = 96 * 1024 * 1024;
const held = new Map<string, Uint8Array>();
let heldBytes = 0;
/** A build holds up to this many bytes (about an hour and a half of audio); past that, segments are read from their files. */
const BUILD_HELD_MAX_BYTES = 48 * 1024 * 1024;
interface HeldSegments {
  map: Map<string, Uint8Array>;
  bytes: number;
}
const perBuild = new WeakMap<ClipCache, HeldSegments>();

/** The segments a build holds: one set per build's clip cache, let go with it. */
function buildSegments(cache: ClipCache): HeldSegments {
  let held = perBuild.get(cache);
  if (!held) perBuild.set(cache, (held = { map: new Map(), bytes: 0 }));
  return held;
}

function holdWarm(key: string, data: Uint8Array): void {
  if (!poolsKeptWarm()) return;
  const before = held.get(key);
  if (before) heldBytes -= before.length;
  held.delete(key);
  held.set(key, data);
  heldBytes += data.length;
  for (const [k, v] of held) {
    if (heldBytes <= HELD_MAX_BYTES) break;
    held.delete(k);
    heldBytes -= v.length;
  }
}

/** The segment's MP3 bytes when held from an earlier build (`lectern watch`), marked as just used. */
function heldWarm(key: string): Uint8Array | undefined {
  if (!poolsKeptWarm()) {
    // No longer a long-running build: let the memory go.
    if (held.size) {
      held.clear();
      heldBytes = 0;
    }
    return undefined;
  }
  const data = held.get(key);
  if (data) {
    held.delete(key);
    held.set(key, data);
  }
  return data;
}

/** Where the encoded segments of a narration whose clips are in `cache` are kept. */
export function segmentCache(cache: ClipCache): SegmentCache {
  return new SegmentCache(path.join(path.dirname(cache.dir), 'mp3'), buildSegments(cache));
}

/** What a thread needs to encode one segment: its own items only, and its length. */
export interface EncodeJob {
  key: string;
  items: TimelineItem[];
  sampleRate: number;
  length: number;
  /** LAME's quality, as in the segment's key. */
  quality: number;
}

export function encodeJob(timeline: Pick<Timeline, 'items' | 'sampleRate'>, segment: Segment, quality: number = DEFAULT_MP3_QUALITY): EncodeJob {
  const items = timeline.items.slice(segment.items[0], segment.items[1]);
  // A segment that starts inside a pause: the part of it before the cut is the previous segment's.
  if (segment.skip && items[0]) items[0] = { kind: 'silence', samples: items[0].samples - segment.skip };
  return { key: segment.key, items, sampleRate: timeline.sampleRate, length: segment.to - segment.from, quality };
}

export interface EncodeStats {
  segments: number;
  encoded: number;
  /** Cached segments found damaged and encoded again. */
  repaired?: number;
}

/** An encoded narration: segment files that, read in order past their headers, make the MP3. */
export interface Mp3Segments {
  files: string[];
  bytes: number;
  /** The segments' bytes where held in memory (`lectern watch`), by the index of their file. */
  held?: (Uint8Array | undefined)[];
}

/**
 * Encodes the narration (untagged): segments already in the cache are kept, the others are
 * encoded on up to `workers` threads and written to the cache as each is done. Nothing
 * holds the whole MP3 in memory; `mp3Chunks` reads it back in order.
 */
export async function encodeMp3Segments(
  timeline: Timeline,
  cache: ClipCache,
  workers = os.availableParallelism?.() ?? os.cpus().length,
  stats?: EncodeStats,
  signal?: AbortSignal,
  /** The build's worker threads, when it has them. */
  pool?: WorkerPool,
  /** LAME's quality, 0 (best) to 9 (fastest). */
  quality: number = DEFAULT_MP3_QUALITY,
): Promise<Mp3Segments> {
  // A pool already stopped (its build released it) cannot run anything: threads of our own then.
  if (pool?.closed) pool = undefined;
  const segments = planSegments(timeline, quality);
  const store = segmentCache(cache);
  const state = await Promise.all(segments.map((s) => store.check(s.key)));
  const todo = segments.map((s, i) => ({ s, i })).filter(({ i }) => state[i] !== 'hit');
  if (stats) Object.assign(stats, { segments: segments.length, encoded: todo.length, repaired: state.filter((c) => c === 'corrupt').length });
  const write = (key: string) => (data: unknown) => store.write(key, data as Uint8Array);
  // Threads the build started early and the narration did not need (its clips were all cached).
  const early = !pool && todo.length ? claimPrestarted(Math.min(workers, todo.length)) : undefined;
  if (todo.length && (pool || early || (todo.length > 1 && workers > 1))) {
    // On the build's threads when it has them (warm: LAME already loaded), else on threads of our own.
    const own = pool || early ? undefined : new WorkerPool(Math.min(workers, todo.length));
    const threads = pool ?? early?.pool ?? own!;
    const stop = () => void own?.close(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', stop, { once: true });
    const aborted = new Promise<void>((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve(), { once: true })));
    try {
      const jobs = Promise.all(todo.map(({ s }) => threads.run(mp3Task, { job: encodeJob(timeline, s, quality), cacheDir: cache.dir }).then(write(s.key))));
      jobs.catch(() => {});
      await Promise.race([jobs, aborted]);
    } finally {
      signal?.removeEventListener('abort', stop);
      await own?.close();
      await early?.release();
    }
  } else {
    for (const { s } of todo) {
      if (signal?.aborted) break;
      await write(s.key)(await encodeSegment(timeline, cache, s, quality));
    }
  }
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  const files = segments.map((s) => store.file(s.key));
  const inMemory = segments.map((s) => store.held(s.key));
  const sizes = await Promise.all(files.map(async (f, i) => inMemory[i]?.length ?? (await stat(f)).size - SEGMENT_HEADER));
  return { files, bytes: sizes.reduce((a, b) => a + b, 0), ...(inMemory.some(Boolean) ? { held: inMemory } : {}) };
}

/** The MP3's bytes in order, one segment at a time (those held in memory as they are); `segments` may still be encoding. */
export async function* mp3Chunks(encoded: Mp3Segments | Promise<Mp3Segments>): AsyncGenerator<Uint8Array> {
  const segments = await encoded;
  for (const [i, file] of segments.files.entries()) {
    const data = segments.held?.[i];
    if (data) yield data;
    else yield* createReadStream(file, { start: SEGMENT_HEADER }) as AsyncIterable<Buffer>;
  }
}

/** The whole narration as one MP3 in memory (for short narrations and tests). */
export async function encodeMp3(timeline: Timeline, cache: ClipCache, workers?: number, stats?: EncodeStats, quality: number = DEFAULT_MP3_QUALITY): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of mp3Chunks(await encodeMp3Segments(timeline, cache, workers, stats, undefined, undefined, quality))) parts.push(chunk);
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

/** The ID3v2 tag alone, to put in front of the MP3 frames. */
export function id3Tag(tags: Mp3Tags): Buffer {
  return tagMp3(Buffer.alloc(0), tags);
}

/**
 * Loads node-id3 (and iconv-lite) and makes one small tag, thrown away: about 10 ms of a new
 * process's main thread, which a rebuild spends here while its thread synthesises and
 * encodes (the main thread has nothing else to do then) rather than when the MP3 is written.
 */
export function warmTagger(): void {
  try {
    id3Tag({ title: 'lectern', artist: '', album: '', chapters: [{ title: 'lectern', start: 0, end: 1 }] });
  } catch {
    // The real tag meets the same problem and reports it.
  }
}

export function tagMp3(mp3: Buffer, tags: Mp3Tags): Buffer {
  // node-id3 (and the iconv-lite it brings, 0.6 MB) loads here, on the main thread only: the
  // worker threads that import this module to encode segments never tag.
  const NodeID3 = createRequire(import.meta.url)('node-id3') as typeof import('node-id3');
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
