import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import JSZip from 'jszip';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasCommand, lectern, listFiles, ROOT, tmpDir } from './helpers.js';
import { ffmpegJpeg } from './image-samples.js';
import { fitAsIs } from '../dist/lib/images/fit.js';

/**
 * Images already fit for the book are kept byte for byte without loading sharp; anything
 * with metadata, orientation, CMYK, 16 bits, too many pixels or a damaged structure goes
 * through sharp as before. Each case runs `normaliseImage` in a fresh Node process, so
 * "sharp was not loaded" is about that process alone (this test file loads sharp itself
 * to make its images).
 */
const NORMALISE = path.join(ROOT, 'dist/lib/images/normalise.js');
const BOUNDS = { maxEdge: 1600, maxPixels: 50_000_000 };

interface Outcome {
  kept: boolean;
  sharpLoaded: boolean;
  /** libvips among the process's shared libraries: sharp's native part was loaded. */
  libvips: boolean;
  mediaType?: string;
  ext?: string;
  width?: number;
  height?: number;
  error?: string;
  out?: string;
}

/** Normalises `file` in a new process: was it kept as it is, did sharp load, what came out (written to `<file>.out`). */
function normaliseInFreshProcess(file: string): Outcome {
  const script = `
    import { readFileSync, writeFileSync } from 'node:fs';
    const m = await import(${JSON.stringify(NORMALISE)});
    const input = readFileSync(process.argv[1]);
    const libvips = () => process.report.getReport().sharedObjects.some((s) => /libvips/.test(s));
    try {
      const r = await m.normaliseImage(input, false);
      writeFileSync(process.argv[1] + '.out', r.data);
      console.log(JSON.stringify({ kept: r.data.equals(input), sharpLoaded: m.sharpLoaded(), libvips: libvips(), mediaType: r.mediaType, ext: r.ext, width: r.width, height: r.height, out: process.argv[1] + '.out' }));
    } catch (e) {
      console.log(JSON.stringify({ kept: false, sharpLoaded: m.sharpLoaded(), libvips: libvips(), error: String(e.message).split('\\n')[0] }));
    }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Outcome;
}

/** The JPEG's marker segments before the first scan, e.g. ['DB', 'C0', 'C4', 'DA']. */
function jpegMarkers(data: Buffer): string[] {
  const list: string[] = [];
  for (let at = 2; at + 4 <= data.length; ) {
    const marker = data[at + 1]!;
    list.push(marker.toString(16).toUpperCase());
    if (marker === 0xda) break;
    at += 2 + data.readUInt16BE(at + 2);
  }
  return list;
}

/** A PNG with a chunk added just before IEND (CRC computed), e.g. a tEXt comment. */
function withPngChunk(png: Buffer, type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  return Buffer.concat([png.subarray(0, png.length - 12), head, data, crc, png.subarray(png.length - 12)]);
}

/** A picture with some detail (gradient and shapes), so JPEG re-encoding visibly changes bytes. */
async function picture(width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g"><stop offset="0" stop-color="#1d4e89"/><stop offset="1" stop-color="#f2a541"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/><circle cx="${width / 3}" cy="${height / 2}" r="${Math.min(width, height) / 4}" fill="#e4572e"/></svg>`;
  return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer();
}

let dir: string;
const files: Record<string, string> = {};
const write = (name: string, data: Buffer) => {
  const file = path.join(dir, name);
  writeFileSync(file, data);
  files[name] = file;
  return data;
};

beforeAll(async () => {
  dir = tmpDir('lectern-keep-');
  const pic = await picture(800, 600);
  write('fit.jpg', await sharp(pic).jpeg({ quality: 80 }).toBuffer());
  write('fit-progressive.jpg', await sharp(pic).jpeg({ quality: 80, progressive: true, mozjpeg: true }).toBuffer());
  write('fit-grey.jpg', await sharp(pic).toColourspace('b-w').jpeg({ quality: 80 }).toBuffer());
  write('fit-rgba.png', await sharp(pic).ensureAlpha(0.5).png().toBuffer());
  write('fit-rgb.png', await sharp(pic).png().toBuffer());
  write('fit-palette.png', await sharp(pic).png({ palette: true, colours: 256, dither: 0 }).toBuffer());
  write('fit-palette-4bit.png', await sharp(pic).png({ palette: true, colours: 16 }).toBuffer());
  write('fit-interlaced.png', await sharp(pic).png({ progressive: true }).toBuffer());
  if (hasCommand('ffmpeg')) {
    write('fit-restarts.jpg', ffmpegJpeg(pic, 'yuvj420p'));
    write('fit-restarts-444.jpg', ffmpegJpeg(pic, 'yuvj444p'));
  }
  write('big.jpg', await sharp(await picture(2400, 1200)).jpeg({ quality: 80 }).toBuffer());
  write('gps.jpg', await sharp(pic).jpeg({ quality: 80 }).withExif({ IFD0: { Make: 'PhoneCo' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' } }).toBuffer());
  write('rotated.jpg', await sharp(pic).jpeg({ quality: 80 }).withMetadata({ orientation: 6 }).toBuffer());
  write('icc.jpg', await sharp(pic).jpeg({ quality: 80 }).withIccProfile('p3').toBuffer());
  write('cmyk.jpg', await sharp(pic).toColourspace('cmyk').jpeg({ quality: 80 }).toBuffer());
  write('deep.png', await sharp(pic).toColourspace('rgb16').png().toBuffer());
  write('text.png', withPngChunk(readFileSync(files['fit-rgb.png']!), 'tEXt', Buffer.from('Author\0Someone at 12 Home Street', 'latin1')));
  const jpg = readFileSync(files['fit.jpg']!);
  write('truncated.jpg', jpg.subarray(0, Math.floor(jpg.length * 0.6)));
  // One bit flipped inside the image data: the IDAT's CRC no longer matches.
  const png = Buffer.from(readFileSync(files['fit-rgb.png']!));
  png[8 + 25 + 8 + 40]! ^= 0x01;
  write('bad-crc.png', png);
});

describe('images already fit for the book', () => {
  it.each([
    ['fit.jpg', 'image/jpeg', 'jpg'],
    ['fit-progressive.jpg', 'image/jpeg', 'jpg'],
    ['fit-grey.jpg', 'image/jpeg', 'jpg'],
    ['fit-rgba.png', 'image/png', 'png'],
    ['fit-rgb.png', 'image/png', 'png'],
    ['fit-palette.png', 'image/png', 'png'],
    ['fit-palette-4bit.png', 'image/png', 'png'],
    ['fit-interlaced.png', 'image/png', 'png'],
    ...(hasCommand('ffmpeg') ? [['fit-restarts.jpg', 'image/jpeg', 'jpg'], ['fit-restarts-444.jpg', 'image/jpeg', 'jpg']] : []),
  ])('%s is kept byte for byte, and sharp is not loaded', async (name, mediaType, ext) => {
    const meta = await sharp(readFileSync(files[name]!)).metadata();
    // What each case stands for (sharp's own view of the file).
    expect(meta.depth).toBe('uchar');
    if (name.includes('restarts')) expect(readFileSync(files[name]!).includes(Buffer.from([0xff, 0xd1]))).toBe(true);
    expect(meta.isProgressive).toBe(name.includes('progressive') || name.includes('interlaced'));
    expect(meta.bitsPerSample ?? 8).toBe(name.endsWith('4bit.png') ? 4 : 8);
    expect(meta.hasAlpha).toBe(name === 'fit-rgba.png');
    expect(meta.channels).toBe(name === 'fit-grey.jpg' ? 1 : name === 'fit-rgba.png' ? 4 : 3);
    const r = normaliseInFreshProcess(files[name]!);
    expect(r).toMatchObject({ kept: true, sharpLoaded: false, libvips: false, mediaType, ext, width: 800, height: 600 });
  });

  it('the sample article’s two photographs go into the EPUB as they are', async () => {
    const out = tmpDir();
    const r = lectern(['build', path.join(ROOT, 'assets/sample/article.md'), '-o', out, '-s', 'epub', '--no-cache']);
    expect(r.status, r.stderr).toBe(0);
    const zip = await JSZip.loadAsync(readFileSync(path.join(out, 'article.epub')));
    const inBook = Object.keys(zip.files).filter((n) => /\/images\/.+\.jpg$/.test(n));
    const books = await Promise.all(inBook.map((n) => zip.file(n)!.async('nodebuffer')));
    const originals = ['tide-table.jpg', 'turbines.jpg'].map((f) => readFileSync(path.join(ROOT, 'assets/sample/images', f)));
    expect(books).toHaveLength(2);
    for (const original of originals) expect(books.some((b) => b.equals(original))).toBe(true);
  });
});

describe('images that still go through sharp', () => {
  it('an image over 1600 pixels on its long edge is resized', async () => {
    const r = normaliseInFreshProcess(files['big.jpg']!);
    // The check below is real: a process that did use sharp has libvips loaded.
    expect(r).toMatchObject({ kept: false, sharpLoaded: true, libvips: true, mediaType: 'image/jpeg', width: 1600, height: 800 });
    expect(await sharp(readFileSync(r.out!)).metadata()).toMatchObject({ width: 1600, height: 800 });
  });

  it('a JPEG with EXIF (camera, GPS position) comes out without it', async () => {
    expect((await sharp(readFileSync(files['gps.jpg']!)).metadata()).exif).toBeDefined();
    const r = normaliseInFreshProcess(files['gps.jpg']!);
    expect(r).toMatchObject({ kept: false, sharpLoaded: true, width: 800, height: 600 });
    const out = readFileSync(r.out!);
    expect((await sharp(out).metadata()).exif).toBeUndefined();
    expect(jpegMarkers(out)).not.toContain('E1');
    expect(out.includes(Buffer.from('PhoneCo'))).toBe(false);
  });

  it('a JPEG with an orientation tag is turned upright and loses the tag', async () => {
    const r = normaliseInFreshProcess(files['rotated.jpg']!);
    // Orientation 6: stored 800×600, shown rotated a quarter turn, 600×800.
    expect(r).toMatchObject({ kept: false, sharpLoaded: true, width: 600, height: 800 });
    const meta = await sharp(readFileSync(r.out!)).metadata();
    expect(meta).toMatchObject({ width: 600, height: 800 });
    expect(meta.orientation).toBeUndefined();
  });

  it('a JPEG with an ICC profile is converted and loses the profile', async () => {
    const r = normaliseInFreshProcess(files['icc.jpg']!);
    expect(r).toMatchObject({ kept: false, sharpLoaded: true });
    expect(jpegMarkers(readFileSync(r.out!))).not.toContain('E2');
  });

  it('a CMYK JPEG is re-encoded as three-component JPEG', async () => {
    expect((await sharp(readFileSync(files['cmyk.jpg']!)).metadata()).space).toBe('cmyk');
    const r = normaliseInFreshProcess(files['cmyk.jpg']!);
    expect(r).toMatchObject({ kept: false, sharpLoaded: true, mediaType: 'image/jpeg' });
    const meta = await sharp(readFileSync(r.out!)).metadata();
    expect(meta).toMatchObject({ space: 'srgb', channels: 3 });
  });

  it('a 16-bit PNG is re-encoded at 8 bits', async () => {
    expect((await sharp(readFileSync(files['deep.png']!)).metadata()).depth).toBe('ushort');
    const r = normaliseInFreshProcess(files['deep.png']!);
    expect(r).toMatchObject({ kept: false, sharpLoaded: true });
    expect((await sharp(readFileSync(r.out!)).metadata()).depth).toBe('uchar');
  });

  it('a PNG with a text chunk comes out without it', () => {
    const r = normaliseInFreshProcess(files['text.png']!);
    expect(r).toMatchObject({ kept: false, sharpLoaded: true });
    expect(readFileSync(r.out!).includes(Buffer.from('Home Street'))).toBe(false);
  });

  it('a PNG whose CRC does not check is not passed on as it is', () => {
    expect(fitAsIs(readFileSync(files['bad-crc.png']!), BOUNDS)).toBeUndefined();
    const r = normaliseInFreshProcess(files['bad-crc.png']!);
    expect(r.kept).toBe(false);
    expect(r.sharpLoaded).toBe(true);
  });

  it('a JPEG whose coded data is damaged (codes not in its Huffman tables) goes to sharp, as before', async () => {
    // 48 one-bits (0xFF data bytes, stuffed) in the middle of the coded data: no Huffman
    // code is all ones, so a decoder meets a code that is not in its table. libvips, as
    // lectern asks it, conceals this one (it refuses some such damage, not all): the image
    // is re-encoded as it was before images could be kept.
    const jpg = readFileSync(files['fit.jpg']!);
    const at = Math.floor(jpg.length / 2);
    const damaged = Buffer.concat([jpg.subarray(0, at), Buffer.from([0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0]), jpg.subarray(at + 12)]);
    expect(fitAsIs(damaged, BOUNDS)).toBeUndefined();
    const r = normaliseInFreshProcess(write('glitch.jpg', damaged) && files['glitch.jpg']!);
    expect(r).toMatchObject({ kept: false, sharpLoaded: true, mediaType: 'image/jpeg', width: 800, height: 600 });
  });

  it('a truncated JPEG fails the build with one line naming it, as before', () => {
    expect(fitAsIs(readFileSync(files['truncated.jpg']!), BOUNDS)).toBeUndefined();
    const story = path.join(dir, 'story.md');
    writeFileSync(story, '---\nheadline: A story\n---\n\nA paragraph.\n\n![A described picture](truncated.jpg)\nA caption. © Someone\n');
    const out = path.join(dir, 'out-truncated');
    const r = lectern(['build', story, '-o', out, '-s', 'epub', '--no-cache']);
    expect(r.status).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => /error:/.test(l));
    expect(errors).toEqual([`${story}:7:1: error: images: image truncated.jpg is not a readable image (VipsJpeg: premature end of JPEG image)`]);
    expect(listFiles(out)).toEqual([]);
  });
});

describe('the header reader', () => {
  it('refuses what a careless reader would pass: data after the end, a comment, a missing end, a stray marker', () => {
    const jpg = readFileSync(files['fit.jpg']!);
    expect(fitAsIs(jpg, BOUNDS)).toEqual({ mediaType: 'image/jpeg', ext: 'jpg', width: 800, height: 600 });
    expect(fitAsIs(Buffer.concat([jpg, Buffer.from('PK\x03\x04 trailing archive', 'latin1')]), BOUNDS)).toBeUndefined();
    const comment = Buffer.concat([jpg.subarray(0, 2), Buffer.from([0xff, 0xfe, 0x00, 0x07]), Buffer.from('hello'), jpg.subarray(2)]);
    expect(fitAsIs(comment, BOUNDS)).toBeUndefined();
    expect(fitAsIs(jpg.subarray(0, jpg.length - 2), BOUNDS)).toBeUndefined();
    expect(fitAsIs(Buffer.concat([jpg.subarray(0, 2), Buffer.from([0xff, 0xd8]), jpg.subarray(2)]), BOUNDS)).toBeUndefined();
    // Within bounds for the book, but not for a smaller bound.
    expect(fitAsIs(jpg, { maxEdge: 799, maxPixels: 50_000_000 })).toBeUndefined();
    expect(fitAsIs(jpg, { maxEdge: 1600, maxPixels: 800 * 600 - 1 })).toBeUndefined();
  });

  it('refuses a PNG with data after IEND, an unknown chunk or a damaged zlib stream', () => {
    const png = readFileSync(files['fit-rgb.png']!);
    expect(fitAsIs(png, BOUNDS)).toEqual({ mediaType: 'image/png', ext: 'png', width: 800, height: 600 });
    expect(fitAsIs(Buffer.concat([png, Buffer.from('junk')]), BOUNDS)).toBeUndefined();
    expect(fitAsIs(withPngChunk(png, 'prVt', Buffer.from('private')), BOUNDS)).toBeUndefined();
    expect(fitAsIs(withPngChunk(png, 'eXIf', Buffer.from('MM\0*')), BOUNDS)).toBeUndefined();
    // An extra IDAT after IEND's place, with a valid CRC but data the stream does not need.
    expect(fitAsIs(withPngChunk(png, 'IDAT', Buffer.from([1, 2, 3])), BOUNDS)).toBeUndefined();
  });
});
