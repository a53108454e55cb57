import sharp from 'sharp';

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
