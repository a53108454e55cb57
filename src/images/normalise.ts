import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { digest } from '../util/hash.js';
import { FIT_CHECK_VERSION, fitAsIs, type FitImage } from './fit.js';
import { readCacheFile, sweepCacheTemporaries, writeCacheFile } from '../util/cache-file.js';
import type { Sharp, SharpOptions } from 'sharp';

type SharpFn = ((input?: Buffer, options?: SharpOptions) => Sharp) & typeof import('sharp');

/**
 * sharp (libvips), loaded on first use: a build whose cover comes from the cache and whose
 * images are kept as they are never loads it. Loaded with `require`, i.e. sharp's CommonJS
 * build: the same package, binary and libvips as its ES module build, but about 40 ms of
 * CPU to load instead of about 100 (the ES module graph, with its JSON import, costs the
 * difference).
 */
let loaded: Promise<SharpFn> | undefined;
export function loadSharp(): Promise<SharpFn> {
  loaded ??= Promise.resolve().then(() => {
    const sharp = createRequire(import.meta.url)('sharp') as SharpFn;
    // One cover per build: libvips' operation cache would only hold memory.
    sharp.cache(false);
    return sharp;
  });
  return loaded;
}

/** Whether this process has asked for sharp yet (a build that needs no image work never does). */
export function sharpLoaded(): boolean {
  return loaded !== undefined;
}

/** The installed sharp's version, which pins its libvips, read without loading it (for cache keys). */
export function sharpVersion(): string {
  version ??= findSharpVersion();
  return version;
}
let version: string | undefined;

function findSharpVersion(): string {
  // As Node finds the package: the nearest node_modules/sharp up from here. Read directly,
  // this costs a few file reads; \`require.resolve\` also loads Node's ES module resolver
  // (about 3 ms) to read sharp's "exports".
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; ) {
    const found = sharpPackage(path.join(dir, 'node_modules', 'sharp'));
    if (found) return found;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  // Elsewhere (NODE_PATH, a global folder): where Node resolves it, then up to its package.json.
  let dir = path.dirname(createRequire(import.meta.url).resolve('sharp'));
  for (;;) {
    const found = sharpPackage(dir);
    if (found) return found;
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

/** The version in \`dir\`/package.json when that is sharp's. */
function sharpPackage(dir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'sharp' && pkg.version) return pkg.version;
  } catch {
    /* not here */
  }
  return undefined;
}

/** Longest edge of an image in the book, in pixels: sharp on any e-reader, small on disk. */
export const MAX_EDGE = 1600;
/** Images declaring more pixels than this are refused before decoding (a decompression bomb guard). */
export const MAX_INPUT_PIXELS = 50_000_000;

export interface NormalisedImage {
  data: Buffer;
  mediaType: 'image/jpeg' | 'image/png';
  ext: 'jpg' | 'png';
  width: number;
  height: number;
}

/**
 * An image already fit for the book (a JPEG or PNG within the bounds, with no metadata to
 * strip, no orientation to apply, in a form every e-reader draws: see `fitAsIs`) is kept
 * byte for byte, without loading sharp: no time spent, and no second generation of JPEG
 * loss. Any other image is auto-oriented, bounded on its long edge, stripped of metadata
 * (sharp drops EXIF/XMP/ICC unless asked to keep them) and re-encoded: PNG when it has
 * transparency, JPEG otherwise. Throws sharp's error for corrupt data or a pixel count
 * over the limit. A damaged cache entry is reported to `onDamaged` and made again.
 */
export async function normaliseImage(input: Buffer, cacheRoot?: string | false, onDamaged?: (reason: string) => void): Promise<NormalisedImage> {
  // What interrupted writes (a full disk) left here, once stale: once per process and folder.
  if (cacheRoot) await sweepCacheTemporaries(path.join(cacheRoot, 'images'), 0);
  const sum = digest(input);
  const fit = await fitVerdict(input, sum, cacheRoot, onDamaged);
  if (fit) return { data: input, ...fit };
  // The same image normalises to the same bytes: kept in memory for a long-running build,
  // and in the cache folder (with a checksum) for the next build.
  const key = digest(JSON.stringify([sum, `sharp@${sharpVersion()}`, NORMALISE_SETTINGS]), 32);
  const known = remembered.get(key);
  if (known) return known;
  const file = cacheRoot ? path.join(cacheRoot, 'images', key) : undefined;
  const cached = file ? await readCached(file) : undefined;
  const result = cached ?? (await normalise(input));
  if (file && !cached) await writeCached(file, result);
  remembered.set(key, result);
  if (remembered.size > 64) remembered.delete(remembered.keys().next().value!);
  return result;
}

const FIT_BOUNDS = { maxEdge: MAX_EDGE, maxPixels: MAX_INPUT_PIXELS } as const;
/** Verdicts this process has reached or read, by key (`undefined`: not fit). */
const verdicts = new Map<string, FitImage | undefined>();

/**
 * `fitAsIs`'s verdict on the image, remembered in the cache folder: walking a JPEG's coded
 * data costs about 15 ms per 100 KB, reading a verdict well under one. The entry,
 * `images/<key>.fit`, is keyed by the image's SHA-256, the checker's version and the
 * bounds, so a changed image (or checker) is checked afresh; it is checked whole
 * (src/util/cache-file.ts) and must name the same image and version, else it is not
 * trusted: the image is checked again and the entry written anew.
 */
async function fitVerdict(input: Buffer, sum: string, cacheRoot: string | false | undefined, onDamaged?: (reason: string) => void): Promise<FitImage | undefined> {
  const key = digest(JSON.stringify([sum, FIT_CHECK_VERSION, FIT_BOUNDS]), 32);
  if (verdicts.has(key)) return verdicts.get(key);
  const file = cacheRoot ? path.join(cacheRoot, 'images', `${key}.fit`) : undefined;
  if (file) {
    const read = await readCacheFile(file);
    const verdict = read.kind === 'hit' ? verdictOf(read.data, input, sum) : undefined;
    if (verdict && typeof verdict !== 'string') return remember(key, verdict.fit);
    const damage = read.kind === 'corrupt' ? read.reason : verdict;
    if (damage) onDamaged?.(`cached image check ${key.slice(0, 12)} was damaged (${damage}); checking the image again`);
  }
  const fit = fitAsIs(input, FIT_BOUNDS);
  // A cache that cannot be written (a full disk) costs only the next build's time.
  if (file) await writeCacheFile(file, Buffer.from(JSON.stringify({ image: sum, check: FIT_CHECK_VERSION, fit: fit ?? null }))).catch(() => {});
  return remember(key, fit);
}

function remember(key: string, fit: FitImage | undefined): FitImage | undefined {
  verdicts.set(key, fit);
  if (verdicts.size > 256) verdicts.delete(verdicts.keys().next().value!);
  return fit;
}

/**
 * A cached verdict, read back: `{ fit }` when it is whole and about this image, else what
 * is wrong with it. A "fit" verdict must also agree with the image's signature and the bounds.
 */
function verdictOf(payload: Buffer, input: Buffer, sum: string): { fit: FitImage | undefined } | string {
  let entry: { image?: unknown; check?: unknown; fit?: unknown };
  try {
    entry = JSON.parse(payload.toString('utf8')) as typeof entry;
  } catch {
    return 'not JSON';
  }
  if (typeof entry !== 'object' || entry === null || entry.image !== sum || entry.check !== FIT_CHECK_VERSION) return 'another image or check';
  if (entry.fit === null) return { fit: undefined };
  const f = entry.fit as Partial<FitImage> | undefined;
  const jpeg = input.length > 3 && input[0] === 0xff && input[1] === 0xd8 && input[2] === 0xff;
  const png = input.length > 8 && input.readUInt32BE(0) === 0x89504e47 && input.readUInt32BE(4) === 0x0d0a1a0a;
  const kind = f && f.mediaType === 'image/jpeg' && f.ext === 'jpg' && jpeg ? 'jpeg' : f && f.mediaType === 'image/png' && f.ext === 'png' && png ? 'png' : undefined;
  const size = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= FIT_BOUNDS.maxEdge;
  if (!f || !kind || !size(f.width) || !size(f.height) || f.width * f.height > FIT_BOUNDS.maxPixels) return 'a verdict that does not fit the image';
  return { fit: { mediaType: f.mediaType!, ext: f.ext!, width: f.width, height: f.height } };
}

/** What shapes a normalised image besides its source and sharp: change it when `normalise` changes. */
// "fit kept": images fit as they are no longer go through sharp, so an entry made before
// for one is never wanted again; a new key leaves the old entries to the cache's pruning.
const NORMALISE_SETTINGS = `edge ${MAX_EDGE} jpeg q82 mozjpeg, png c9, fit kept`;
const remembered = new Map<string, NormalisedImage>();

/** `<file>.json`: the image's facts and the SHA-256 of `<file>.bin`; anything amiss is a miss. */
async function readCached(file: string): Promise<NormalisedImage | undefined> {
  try {
    const meta = JSON.parse(await readFile(`${file}.json`, 'utf8')) as Omit<NormalisedImage, 'data'> & { sha256: string };
    const data = await readFile(`${file}.bin`);
    if (digest(data) !== meta.sha256) return undefined;
    return { data, mediaType: meta.mediaType, ext: meta.ext, width: meta.width, height: meta.height };
  } catch {
    return undefined;
  }
}

async function writeCached(file: string, img: NormalisedImage): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, img.data);
    await rename(tmp, `${file}.bin`);
    await writeFile(tmp, JSON.stringify({ mediaType: img.mediaType, ext: img.ext, width: img.width, height: img.height, sha256: digest(img.data) }));
    await rename(tmp, `${file}.json`);
  } catch {
    /* a cache that cannot be written only costs time */
  }
}

async function normalise(input: Buffer): Promise<NormalisedImage> {
  const sharp = await loadSharp();
  const img = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', sequentialRead: true, ...(await svgOptions(input)) }).rotate();
  const meta = await img.metadata();
  const resized = img.resize({ width: MAX_EDGE, height: MAX_EDGE, fit: 'inside', withoutEnlargement: true });
  const alpha = meta.hasAlpha === true;
  const { data, info } = alpha
    ? await resized.png({ compressionLevel: 9, palette: false }).toBuffer({ resolveWithObject: true })
    : await resized.flatten({ background: '#ffffff' }).jpeg({ quality: 82, mozjpeg: true }).toBuffer({ resolveWithObject: true });
  return alpha
    ? { data, mediaType: 'image/png', ext: 'png', width: info.width, height: info.height }
    : { data, mediaType: 'image/jpeg', ext: 'jpg', width: info.width, height: info.height };
}

/** An image lectern will not draw, with the reason (completes "image x.svg ..."). */
export class ImageRefused extends Error {}

/** SVG filter primitives: `<filter>`, `<feGaussianBlur>`, `<feMorphology>`, ... */
const SVG_FILTER = /<\s*(?:[\w.-]+:)?(?:filter|fe[A-Z][A-Za-z]*)\b/;

/**
 * What lectern accepts of SVG, and the bound on drawing it. An SVG is drawn (by librsvg)
 * straight at the size the book needs, at most `MAX_EDGE` on its long edge, never at its
 * declared size (7000×7000 is under the pixel limit but costs 19 times the work). Filters
 * are refused: the time a blur or morphology filter takes grows with its radius as well as
 * the picture, a 1.5 KB file can keep libvips busy for minutes, and that work cannot be
 * stopped once started. A chart or a diagram needs none; a picture that does can be given
 * as PNG or JPEG. Returns sharp's options for the input, nothing for other formats.
 */
export async function svgOptions(input: Buffer): Promise<SharpOptions> {
  const head = input.subarray(0, 4096).toString('latin1');
  if (!/<svg[\s>]/i.test(head) && !/^\s*(?:\uFEFF)?<\?xml/.test(head)) return {};
  const sharp = await loadSharp();
  const meta = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  if (meta.format !== 'svg') return {};
  const text = input.toString('utf8');
  const filter = SVG_FILTER.exec(text);
  if (filter) throw new ImageRefused(`is an SVG with filters (${filter[0].replace(/^<\s*/, '<')}>), which lectern does not draw: their drawing time has no bound; give the figure as PNG or JPEG`);
  const edge = Math.max(meta.width ?? 0, meta.height ?? 0);
  // librsvg draws at 72 dpi by default: scale the density so the long edge is at most MAX_EDGE.
  return edge > MAX_EDGE ? { density: Math.max(1, (72 * MAX_EDGE) / edge) } : {};
}
