import fc from 'fast-check';
import sharp from 'sharp';
import zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitAsIs } from '../../src/images/fit.js';
import { runs, TIMEOUT } from './runs.js';
import { ffmpegJpeg } from '../image-samples.js';
import { hasCommand } from '../helpers.js';

/**
 * The header reader that lets an image into the book unchanged, on damaged images: it never
 * throws, and whatever it accepts, libvips decodes whole (with the strictness lectern asks
 * of it, `failOn: 'error'`) at the size the reader reported. A damaged image it accepted
 * but libvips refuses would reach readers broken where lectern used to stop with an error.
 */
const BOUNDS = { maxEdge: 1600, maxPixels: 50_000_000 };
let accepted = 0;
const samples: { name: string; data: Buffer; head: number }[] = [];

/** Where the first scan's data starts (JPEG) or the first IDAT (PNG): mutations aimed before it hit the structure. */
function headerEnd(d: Buffer): number {
  if (d[0] === 0xff) {
    let at = 2;
    while (at + 4 <= d.length && d[at + 1] !== 0xda) at += 2 + d.readUInt16BE(at + 2);
    return Math.min(d.length, at + 2 + d.readUInt16BE(at + 2) + 16);
  }
  return Math.min(d.length, d.indexOf('IDAT') + 40);
}

beforeAll(async () => {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64"><rect width="100%" height="100%" fill="#1d4e89"/><circle cx="30" cy="32" r="20" fill="#e4572e"/><text x="50" y="40" font-size="20">ab</text></svg>`;
  const pic = await sharp(Buffer.from(svg)).flatten({ background: '#fff' }).png().toBuffer();
  const make = async (name: string, p: Promise<Buffer>) => {
    const data = await p;
    expect(fitAsIs(data, BOUNDS), name).toBeDefined();
    samples.push({ name, data, head: headerEnd(data) });
  };
  await make('baseline.jpg', sharp(pic).jpeg({ quality: 70 }).toBuffer());
  await make('progressive.jpg', sharp(pic).jpeg({ quality: 70, progressive: true }).toBuffer());
  await make('grey.jpg', sharp(pic).toColourspace('b-w').jpeg({ quality: 70, mozjpeg: true }).toBuffer());
  // Restart markers (DRI, RST0-7): ffmpeg's MJPEG encoder writes them between slices.
  if (hasCommand('ffmpeg')) await make('restarts.jpg', Promise.resolve(ffmpegJpeg(pic, 'yuvj422p')));
  await make('rgb.png', sharp(pic).png().toBuffer());
  await make('palette.png', sharp(pic).png({ palette: true, colours: 8 }).toBuffer());
  await make('interlaced.png', sharp(pic).ensureAlpha(0.6).png({ progressive: true }).toBuffer());
});

/** Rewrites each chunk's CRC to match its (edited) type and data, as far as the lengths walk. */
function fixPngCrcs(d: Buffer): void {
  for (let at = 8; at + 12 <= d.length; ) {
    const length = d.readUInt32BE(at);
    if (at + 12 + length > d.length) return;
    d.writeUInt32BE(zlib.crc32(d.subarray(at + 4, at + 8 + length)) >>> 0, at + 8 + length);
    at += 12 + length;
  }
}

/** Up to 4 byte edits (mostly in the headers), or a cut. */
const damage = fc.record({
  sample: fc.nat(),
  edits: fc.array(fc.record({ where: fc.nat({ max: 1_000_000 }), inHeader: fc.boolean(), value: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 4 }),
  // For a PNG: recompute the CRCs after editing, so the edit reaches the chunk checks.
  fixCrc: fc.boolean(),
  // Mostly no cut (a cut image never walks to its end marker).
  cut: fc.oneof({ arbitrary: fc.constant(null), weight: 5 }, { arbitrary: fc.nat({ max: 1_000_000 }), weight: 1 }),
});

describe('the header reader on damaged images', () => {
  it(
    'never throws, and what it keeps libvips decodes at the size it said',
    async () => {
      await fc.assert(
        fc.asyncProperty(damage, async ({ sample, edits, cut, fixCrc }) => {
          const s = samples[sample % samples.length]!;
          const d = Buffer.from(s.data);
          for (const e of edits) d[e.where % (e.inHeader ? s.head : d.length)] = e.value;
          if (fixCrc && s.name.endsWith('.png')) fixPngCrcs(d);
          const input = cut === null ? d : d.subarray(0, cut % d.length);
          const fit = fitAsIs(input, BOUNDS);
          if (!fit) return;
          accepted++;
          const { info } = await sharp(input, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
          expect({ width: info.width, height: info.height }).toEqual({ width: fit.width, height: fit.height });
        }),
        runs(300),
      );
      // The property means something only if damaged images do get through the reader.
      expect(accepted).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});
