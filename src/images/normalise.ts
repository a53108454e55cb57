import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Sharp, SharpOptions } from 'sharp';

/**
 * sharp (libvips, about 0.13 s of CPU to load), loaded on first use: a rebuild whose cover
 * comes from the cache and whose article has no image never loads it.
 */
let loaded: Promise<(input?: Buffer, options?: SharpOptions) => Sharp> | undefined;
export function loadSharp(): Promise<(input?: Buffer, options?: SharpOptions) => Sharp> {
  loaded ??= import('sharp').then((m) => {
    // One cover per build: libvips' operation cache would only hold memory.
    m.default.cache(false);
    return m.default;
  });
  return loaded;
}

/** The installed sharp's version, which pins its libvips, read without loading it (for cache keys). */
export function sharpVersion(): string {
  // Its package.json is not exported: found from the entry point, up.
  let dir = path.dirname(createRequire(import.meta.url).resolve('sharp'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sharp' && pkg.version) return pkg.version;
    } catch {
      /* not here */
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
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
 * Auto-orients, bounds the long edge, strips metadata (sharp drops EXIF/XMP/ICC unless
 * asked to keep them) and re-encodes: PNG when the image has transparency, JPEG otherwise.
 * Throws sharp's error for corrupt data or a pixel count over the limit.
 */
export async function normaliseImage(input: Buffer): Promise<NormalisedImage> {
  const sharp = await loadSharp();
  const img = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', sequentialRead: true }).rotate();
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
