import * as zlib from 'node:zlib';
import { inflateSync } from 'node:zlib';

/**
 * Is an image already fit for the book as it is? A reader of JPEG and PNG headers (no
 * decoding, no sharp) that answers yes only when re-encoding could change nothing a reader
 * sees or should not see: the image is within the book's bounds, in a form every e-reader
 * draws, and carries nothing `normalise` would strip (EXIF/XMP with their GPS and
 * orientation, ICC profiles, IPTC, comments, text chunks, trailing data). Anything it does
 * not recognise, or that does not walk cleanly from start to end, is "no": sharp decides.
 */
export interface FitImage {
  mediaType: 'image/jpeg' | 'image/png';
  ext: 'jpg' | 'png';
  width: number;
  height: number;
}

export interface FitBounds {
  /** Longest edge allowed, in pixels. */
  maxEdge: number;
  /** Most pixels allowed. */
  maxPixels: number;
}

/** The image's facts when its bytes can go into the book unchanged; undefined otherwise. */
export function fitAsIs(data: Buffer, bounds: FitBounds): FitImage | undefined {
  const size = isJpeg(data) ? jpegFit(data) : isPng(data) ? pngFit(data) : undefined;
  if (!size) return undefined;
  const { width, height } = size;
  if (width < 1 || height < 1 || width > bounds.maxEdge || height > bounds.maxEdge || width * height > bounds.maxPixels) return undefined;
  return isJpeg(data) ? { mediaType: 'image/jpeg', ext: 'jpg', width, height } : { mediaType: 'image/png', ext: 'png', width, height };
}

const isJpeg = (d: Buffer) => d.length > 4 && d[0] === 0xff && d[1] === 0xd8 && d[2] === 0xff;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const isPng = (d: Buffer) => d.length > 8 && d.subarray(0, 8).equals(PNG_SIGNATURE);

/**
 * JPEG: SOI, then only JFIF (without a thumbnail), quantisation and Huffman tables, restart
 * intervals, one baseline/extended/progressive Huffman frame of 8-bit greyscale or YCbCr,
 * and scans, each scan's entropy-coded data running to the next marker; EOI as the last two
 * bytes. Refused (left to sharp): APP1 (EXIF, XMP: orientation, GPS), APP2 (ICC), APP13
 * (IPTC), APP14 (Adobe: CMYK, YCCK, RGB), any other APPn, comments, arithmetic coding,
 * lossless or hierarchical frames, 12-bit samples, 4 components, data after EOI.
 */
function jpegFit(d: Buffer): { width: number; height: number } | undefined {
  let at = 2;
  let frame: { width: number; height: number; components: number } | undefined;
  let scans = 0;
  for (;;) {
    if (at + 2 > d.length || d[at] !== 0xff) return undefined;
    // Fill bytes (0xFF) may precede a marker.
    while (d[at + 1] === 0xff) if (++at + 2 > d.length) return undefined;
    const marker = d[at + 1]!;
    if (marker === 0xd9) {
      // EOI: the end of the file, after a frame and at least one scan.
      return frame && scans > 0 && at + 2 === d.length ? { width: frame.width, height: frame.height } : undefined;
    }
    if (at + 4 > d.length) return undefined;
    const length = d.readUInt16BE(at + 2);
    const body = at + 4;
    const end = at + 2 + length;
    if (length < 2 || end > d.length) return undefined;
    switch (marker) {
      case 0xe0: {
        // APP0: JFIF only (JFXX carries a thumbnail), before the frame, with no thumbnail.
        if (frame || length < 16 || d.toString('latin1', body, body + 5) !== 'JFIF\0') return undefined;
        const thumbW = d[body + 12]!;
        const thumbH = d[body + 13]!;
        if (thumbW !== 0 || thumbH !== 0 || length !== 16) return undefined;
        break;
      }
      case 0xdb:
        if (!dqtFit(d, body, end)) return undefined;
        break;
      case 0xc4:
        if (!dhtFit(d, body, end)) return undefined;
        break;
      case 0xdd: // DRI
        if (length !== 4) return undefined;
        break;
      case 0xc0: // SOF0 baseline
      case 0xc1: // SOF1 extended sequential, Huffman
      case 0xc2: {
        // SOF2 progressive, Huffman
        if (frame || length < 8) return undefined;
        const precision = d[body]!;
        const height = d.readUInt16BE(body + 1);
        const width = d.readUInt16BE(body + 3);
        const components = d[body + 5]!;
        if (precision !== 8 || (components !== 1 && components !== 3) || length !== 8 + 3 * components) return undefined;
        // Component ids R, G, B mark an RGB (not YCbCr) JPEG, which some readers draw wrong.
        if (components === 3 && d[body + 6] === 0x52 && d[body + 9] === 0x47 && d[body + 12] === 0x42) return undefined;
        // A height of 0 is given later by a DNL marker: not something to pass on.
        if (height === 0 || width === 0) return undefined;
        frame = { width, height, components };
        break;
      }
      case 0xda: {
        // SOS: its header, then entropy-coded data up to the next marker that is not a
        // stuffed byte (FF00) or a restart marker (FFD0-FFD7).
        if (!frame || length < 6) return undefined;
        const count = d[body]!;
        if (count < 1 || count > frame.components || length !== 6 + 2 * count) return undefined;
        scans++;
        let next = end;
        for (;;) {
          next = d.indexOf(0xff, next);
          if (next < 0 || next + 1 >= d.length) return undefined;
          const after = d[next + 1]!;
          if (after === 0x00 || (after >= 0xd0 && after <= 0xd7)) next += 2;
          else if (after === 0xff) next += 1;
          else break;
        }
        at = next;
        continue;
      }
      default:
        // Everything else: metadata (APPn, COM), other frame types, DAC, DNL, DHP, EXP, JPG,
        // reserved, or a stray SOI/RST/TEM where a segment should be.
        return undefined;
    }
    at = end;
  }
}

/** DQT: tables back to back, each a precision/id byte (id 0-3) and 64 values of 8 or 16 bits, filling the segment. */
function dqtFit(d: Buffer, at: number, end: number): boolean {
  if (at >= end) return false;
  while (at < end) {
    const precision = d[at]! >> 4;
    if (precision > 1 || (d[at]! & 15) > 3) return false;
    at += 1 + (precision ? 128 : 64);
  }
  return at === end;
}

/** DHT: tables back to back, each a class/id byte (class 0-1, id 0-3), 16 code counts and that many symbols (at most 256), filling the segment. */
function dhtFit(d: Buffer, at: number, end: number): boolean {
  if (at >= end) return false;
  while (at < end) {
    if (d[at]! >> 4 > 1 || (d[at]! & 15) > 3 || at + 17 > end) return false;
    let symbols = 0;
    for (let i = 1; i <= 16; i++) symbols += d[at + i]!;
    if (symbols === 0 || symbols > 256) return false;
    at += 17 + symbols;
  }
  return at === end;
}

/** PNG chunks a kept image may have: the image itself, its palette and transparency, and two that change nothing drawn. */
const PNG_KEPT = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND', 'pHYs', 'sRGB']);
/** Samples per pixel by colour type: grey, RGB, palette, grey+alpha, RGBA. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * PNG: the signature, IHDR first (8 bits per sample, or 1-4 for palette and grey; any colour type; standard compression
 * and filtering, interlaced or not), every chunk's CRC correct, only the chunks in
 * `PNG_KEPT` (no eXIf, iCCP, gAMA/cHRM, text, tIME, animation, private chunks), a palette
 * where one is needed, IDAT chunks in one run that inflate to exactly the bytes the image
 * needs, IEND as the last 12 bytes.
 */
function pngFit(d: Buffer): { width: number; height: number } | undefined {
  let at = 8;
  let header: { width: number; height: number; colour: number; depth: number; interlace: number } | undefined;
  let palette = false;
  const idat: Buffer[] = [];
  let idatDone = false;
  for (;;) {
    if (at + 12 > d.length) return undefined;
    const length = d.readUInt32BE(at);
    if (length > 0x7fffffff || at + 12 + length > d.length) return undefined;
    const type = d.toString('latin1', at + 4, at + 8);
    const data = d.subarray(at + 8, at + 8 + length);
    if (crc32(d.subarray(at + 4, at + 8 + length)) !== d.readUInt32BE(at + 8 + length)) return undefined;
    if (!PNG_KEPT.has(type)) return undefined;
    if ((type === 'IHDR') !== (at === 8)) return undefined;
    if (type !== 'IDAT' && idat.length > 0) idatDone = true;
    switch (type) {
      case 'IHDR': {
        if (length !== 13) return undefined;
        const [depth, colour, compression, filter, interlace] = [data[8]!, data[9]!, data[10]!, data[11]!, data[12]!];
        // 8 bits per sample; a palette or grey image may pack 1, 2 or 4 (every PNG decoder
        // must read them, and a diagram saved that way is best left a PNG). 16 bits is not kept.
        const packed = (colour === 0 || colour === 3) && (depth === 1 || depth === 2 || depth === 4);
        if ((depth !== 8 && !packed) || PNG_CHANNELS[colour] === undefined || compression !== 0 || filter !== 0 || interlace > 1) return undefined;
        header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), colour, depth, interlace };
        break;
      }
      case 'PLTE':
        // Only for a palette image (a suggested palette for RGB is something sharp drops).
        if (header!.colour !== 3 || palette || idat.length || length === 0 || length % 3 !== 0 || length > 768) return undefined;
        palette = true;
        break;
      case 'tRNS':
        if (idat.length || header!.colour === 4 || header!.colour === 6 || (header!.colour === 3 && !palette)) return undefined;
        break;
      case 'IDAT':
        if (idatDone) return undefined;
        idat.push(data);
        break;
      case 'IEND': {
        if (length !== 0 || at + 12 !== d.length || idat.length === 0) return undefined;
        const h = header!;
        if (h.colour === 3 && !palette) return undefined;
        // Bounds first (the caller checks them too): nothing is inflated for a huge image.
        if (h.width < 1 || h.height < 1 || h.width > 0xffff || h.height > 0xffff) return undefined;
        const bits = PNG_CHANNELS[h.colour]! * h.depth;
        const expected = inflatedSize(h.width, h.height, bits, h.interlace === 1);
        if (expected > 64 * 1024 * 1024) return undefined;
        // The zlib stream must inflate to exactly the image's rows and end where the data ends.
        const stream = Buffer.concat(idat);
        let raw: Buffer;
        try {
          const { buffer, engine } = inflateSync(stream, { maxOutputLength: expected + 1, info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
          if (engine.bytesWritten !== stream.length) return undefined;
          raw = buffer;
        } catch {
          return undefined;
        }
        return raw.length === expected && rowsFit(raw, h.width, h.height, bits, h.interlace === 1) ? { width: h.width, height: h.height } : undefined;
      }
      default:
        break;
    }
    at += 12 + length;
  }
}

/** Adam7's seven passes: [x start, y start, x step, y step]; a plain image is one pass. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Width and height of each pass that has pixels. */
function passes(width: number, height: number, interlaced: boolean): [number, number][] {
  if (!interlaced) return [[width, height]];
  return ADAM7.map(([x0, y0, dx, dy]): [number, number] => [Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)]).filter(([w, h]) => w > 0 && h > 0);
}

/** Bytes of filtered image data: each row of each pass is a filter byte and its pixels, packed to whole bytes. */
function inflatedSize(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  return passes(width, height, interlaced).reduce((sum, [w, h]) => sum + h * (1 + Math.ceil((w * bitsPerPixel) / 8)), 0);
}

/** Every row starts with one of PNG's five filter types (a decoder refuses any other). */
function rowsFit(raw: Buffer, width: number, height: number, bitsPerPixel: number, interlaced: boolean): boolean {
  let at = 0;
  for (const [w, h] of passes(width, height, interlaced)) {
    const row = 1 + Math.ceil((w * bitsPerPixel) / 8);
    for (let y = 0; y < h; y++, at += row) if (raw[at]! > 4) return false;
  }
  return at === raw.length;
}

let table: Uint32Array | undefined;
/** node:zlib's CRC-32 (native) where this Node has it (20.15 and later). */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
/** CRC-32 as PNG computes it (ISO 3309). */
function crc32(bytes: Buffer): number {
  if (nativeCrc32) return nativeCrc32(bytes) >>> 0;
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
