import * as zlib from 'node:zlib';
import { inflateSync } from 'node:zlib';
import { huffman, walkScan, type Huffman, type ScanComponent } from './jpeg-scan.js';

/** A frame component: id, sampling, quantisation table, the progression so far, and its size in blocks. */
interface FrameComponent extends ScanComponent {
  id: number;
  tq: number;
  bits: Int8Array;
}

/**
 * Is an image already fit for the book as it is? A reader of JPEG and PNG structure (no
 * pixels decoded, no sharp) that answers yes only when re-encoding could change nothing a
 * reader sees or should not see: the image is within the book's bounds, in a form every e-reader
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

/**
 * The version of `fitAsIs`'s verdicts, part of the key of a verdict kept in the cache
 * (src/images/normalise.ts): a new version never reuses an old verdict. Raise it whenever
 * this file or jpeg-scan.ts changes; test/images-fit-cache.test.ts holds a checksum of
 * both and fails until the version and the checksum are recorded together.
 */
export const FIT_CHECK_VERSION = 1;

/** The image's facts when its bytes can go into the book unchanged; undefined otherwise. */
export function fitAsIs(data: Buffer, bounds: FitBounds): FitImage | undefined {
  // The bounds are checked as soon as the frame or IHDR gives the size: a large image is
  // not walked or inflated only to be resized.
  const size = isJpeg(data) ? jpegFit(data, bounds) : isPng(data) ? pngFit(data, bounds) : undefined;
  if (!size) return undefined;
  const { width, height } = size;
  if (!within(width, height, bounds)) return undefined;
  return isJpeg(data) ? { mediaType: 'image/jpeg', ext: 'jpg', width, height } : { mediaType: 'image/png', ext: 'png', width, height };
}

const within = (width: number, height: number, b: FitBounds) => width >= 1 && height >= 1 && width <= b.maxEdge && height <= b.maxEdge && width * height <= b.maxPixels;
const isJpeg = (d: Buffer) => d.length > 4 && d[0] === 0xff && d[1] === 0xd8 && d[2] === 0xff;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const isPng = (d: Buffer) => d.length > 8 && d.subarray(0, 8).equals(PNG_SIGNATURE);

/**
 * JPEG: SOI, then only JFIF (without a thumbnail), quantisation and Huffman tables, restart
 * intervals, one baseline/extended/progressive Huffman frame of 8-bit greyscale or YCbCr,
 * and scans, each scan's entropy-coded data running to the next marker; EOI as the last two
 * bytes. Refused (left to sharp): APP1 (EXIF, XMP: orientation, GPS), APP2 (ICC), APP13
 * (IPTC), APP14 (Adobe: CMYK, YCCK, RGB), any other APPn, comments, arithmetic coding,
 * lossless or hierarchical frames, 12-bit samples, 4 components, data after EOI. The
 * headers are held to what libjpeg checks before it decodes (tables defined before they
 * are used and well-formed, scans naming the frame's components, valid progression
 * parameters), and each scan's coded data is walked code by code (`walkScan`): an image
 * kept here is one a decoder reads without an error or a warning.
 */
function jpegFit(d: Buffer, bounds: FitBounds): { width: number; height: number } | undefined {
  let at = 2;
  let frame: { width: number; height: number; maxH: number; maxV: number; progressive: boolean; components: FrameComponent[] } | undefined;
  let scans = 0;
  // Bit n set: quantisation table n (0-3) defined.
  let quant = 0;
  const dc: (Huffman | undefined)[] = [];
  const ac: (Huffman | undefined)[] = [];
  let restartInterval = 0;
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
        if (frame || scans || length !== 16 || d.toString('latin1', body, body + 5) !== 'JFIF\0') return undefined;
        if (d[body + 12] !== 0 || d[body + 13] !== 0) return undefined;
        break;
      }
      case 0xdb: {
        const ids = dqtFit(d, body, end);
        if (ids === undefined) return undefined;
        quant |= ids;
        break;
      }
      case 0xc4: {
        const defined = dhtFit(d, body, end);
        if (defined === undefined) return undefined;
        for (const t of defined) (t.cls === 0 ? dc : ac)[t.id] = t.table;
        break;
      }
      case 0xdd: // DRI
        if (length !== 4) return undefined;
        restartInterval = d.readUInt16BE(body);
        break;
      case 0xc0: // SOF0 baseline
      case 0xc1: // SOF1 extended sequential, Huffman
      case 0xc2: {
        // SOF2 progressive, Huffman
        if (frame || length < 8) return undefined;
        const precision = d[body]!;
        const height = d.readUInt16BE(body + 1);
        const width = d.readUInt16BE(body + 3);
        const count = d[body + 5]!;
        if (precision !== 8 || (count !== 1 && count !== 3) || length !== 8 + 3 * count) return undefined;
        // A height of 0 is given later by a DNL marker: not something to pass on.
        if (height === 0 || width === 0 || !within(width, height, bounds)) return undefined;
        const components = [];
        for (let i = 0; i < count; i++) {
          const c = body + 6 + 3 * i;
          // bits[k]: the point transform coefficient k was last coded to (-1: not yet).
          components.push({ id: d[c]!, h: d[c + 1]! >> 4, v: d[c + 1]! & 15, tq: d[c + 2]!, bits: new Int8Array(64).fill(-1), blocksWide: 0, blocksHigh: 0 });
        }
        if (new Set(components.map((c) => c.id)).size !== count || components.some((c) => c.tq > 3)) return undefined;
        // Component ids R, G, B mark an RGB (not YCbCr) JPEG, which some readers draw wrong.
        if (count === 3 && components.map((c) => String.fromCharCode(c.id)).join('') === 'RGB') return undefined;
        // Sampling factors of 1 or 2 (4:4:4, 4:2:2, 4:4:0, 4:2:0, as cameras and encoders
        // write them); 3 and 4, which some decoders do not handle, go to sharp.
        if (components.some((c) => c.h < 1 || c.h > 2 || c.v < 1 || c.v > 2)) return undefined;
        const maxH = Math.max(...components.map((c) => c.h));
        const maxV = Math.max(...components.map((c) => c.v));
        for (const c of components) {
          c.blocksWide = Math.ceil((width * c.h) / (8 * maxH));
          c.blocksHigh = Math.ceil((height * c.v) / (8 * maxV));
        }
        frame = { width, height, maxH, maxV, progressive: marker === 0xc2, components };
        break;
      }
      case 0xda: {
        // SOS: its header, then the entropy-coded data, walked block by block.
        if (!frame || length < 6) return undefined;
        const count = d[body]!;
        if (count < 1 || count > frame.components.length || length !== 6 + 2 * count) return undefined;
        const [ss, se, approx] = [d[body + 1 + 2 * count]!, d[body + 2 + 2 * count]!, d[body + 3 + 2 * count]!];
        const [ah, al] = [approx >> 4, approx & 15];
        const dcScan = ss === 0;
        const seen = new Set<number>();
        const inScan: ScanComponent[] = [];
        let blocks = 0;
        for (let i = 0; i < count; i++) {
          const id = d[body + 1 + 2 * i]!;
          const td = d[body + 2 + 2 * i]! >> 4;
          const ta = d[body + 2 + 2 * i]! & 15;
          const c = frame.components.find((x) => x.id === id);
          if (!c || seen.has(id) || td > 3 || ta > 3 || !(quant & (1 << c.tq))) return undefined;
          seen.add(id);
          blocks += count > 1 ? c.h * c.v : 1;
          // The Huffman tables this scan decodes with must be defined.
          const needsDc = frame.progressive ? dcScan && ah === 0 : true;
          const needsAc = frame.progressive ? !dcScan : true;
          if ((needsDc && !dc[td]) || (needsAc && !ac[ta])) return undefined;
          if (frame.progressive && !progressionFits(c.bits, ss, se, ah, al)) return undefined;
          if (frame.progressive && !dcScan) c.nonzero ??= new Uint32Array(c.blocksWide * c.blocksHigh * 2);
          inScan.push(Object.assign(c, { dc: needsDc ? dc[td] : undefined, ac: needsAc ? ac[ta] : undefined }));
        }
        if (blocks > 10) return undefined;
        if (frame.progressive) {
          // A DC scan (possibly of several components) or an AC band of one component;
          // a refinement scan lowers the point transform by one.
          if (dcScan ? se !== 0 : se < ss || se > 63 || count !== 1) return undefined;
          if ((ah !== 0 && al !== ah - 1) || al > 13) return undefined;
        } else if (ss !== 0 || se !== 63 || approx !== 0) return undefined;
        scans++;
        const next = walkScan(d, end, inScan, { width: frame.width, height: frame.height, maxH: frame.maxH, maxV: frame.maxV, progressive: frame.progressive, ss, se, ah, al, restartInterval });
        if (next === undefined) return undefined;
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

/**
 * A progressive scan continues what earlier scans coded, as libjpeg checks (it warns, and
 * libvips then refuses the image): AC bands only after the DC, and each refinement (Ah)
 * picks up where the last scan of those coefficients stopped (Al). Records the scan.
 */
function progressionFits(bits: Int8Array, ss: number, se: number, ah: number, al: number): boolean {
  if (ss > 0 && bits[0]! < 0) return false;
  for (let k = ss; k <= se; k++) {
    if (ah !== Math.max(bits[k]!, 0)) return false;
    bits[k] = al;
  }
  return true;
}

/**
 * DQT: tables back to back, each a precision/id byte (id 0-3) and 64 values of 8 or 16
 * bits, none zero, filling the segment. Returns the ids defined (bit n for table n).
 */
function dqtFit(d: Buffer, at: number, end: number): number | undefined {
  if (at >= end) return undefined;
  let ids = 0;
  while (at < end) {
    const precision = d[at]! >> 4;
    if (precision > 1 || (d[at]! & 15) > 3) return undefined;
    const size = precision ? 128 : 64;
    if (at + 1 + size > end) return undefined;
    for (let i = 0; i < 64; i++) if ((precision ? d.readUInt16BE(at + 1 + 2 * i) : d[at + 1 + i]!) === 0) return undefined;
    ids |= 1 << (d[at]! & 15);
    at += 1 + size;
  }
  return at === end ? ids : undefined;
}

/**
 * DHT: tables back to back, each a class/id byte (class 0-1, id 0-3), 16 code counts and
 * that many symbols, filling the segment; as libjpeg builds its decoding tables, the codes
 * must fit their lengths (no more codes of a length than the code space leaves) and a DC
 * table's symbols must be at most 15 (11 for 8-bit samples, but libjpeg allows up to 15).
 * Returns the tables defined, for decoding.
 */
function dhtFit(d: Buffer, at: number, end: number): { cls: number; id: number; table: Huffman }[] | undefined {
  if (at >= end) return undefined;
  const defined: { cls: number; id: number; table: Huffman }[] = [];
  while (at < end) {
    const cls = d[at]! >> 4;
    const id = d[at]! & 15;
    if (cls > 1 || id > 3 || at + 17 > end) return undefined;
    let symbols = 0;
    let code = 0;
    for (let length = 1; length <= 16; length++) {
      const n = d[at + length]!;
      symbols += n;
      code += n;
      // Codes of this length run up to `code`: they must fit in `length` bits, the all-ones
      // code left free (libjpeg's check, at every length).
      if (code >= 1 << length) return undefined;
      code <<= 1;
    }
    if (symbols === 0 || symbols > 256 || at + 17 + symbols > end) return undefined;
    if (cls === 0) for (let i = 0; i < symbols; i++) if (d[at + 17 + i]! > 15) return undefined;
    defined.push({ cls, id, table: huffman(d.subarray(at + 1, at + 17), d.subarray(at + 17, at + 17 + symbols)) });
    at += 17 + symbols;
  }
  return at === end ? defined : undefined;
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
function pngFit(d: Buffer, bounds: FitBounds): { width: number; height: number } | undefined {
  let at = 8;
  let header: { width: number; height: number; colour: number; depth: number; interlace: number } | undefined;
  /** Entries in the palette (0: none yet). */
  let palette = 0;
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
        if (!within(header.width, header.height, bounds)) return undefined;
        break;
      }
      case 'PLTE':
        // Only for a palette image (a suggested palette for RGB is something sharp drops).
        if (header!.colour !== 3 || palette || idat.length || length === 0 || length % 3 !== 0 || length / 3 > 1 << header!.depth) return undefined;
        palette = length / 3;
        break;
      case 'tRNS':
        // One alpha per palette entry at most; one grey or RGB value otherwise.
        if (idat.length || (header!.colour === 3 ? !palette || length > palette : length !== (header!.colour === 0 ? 2 : header!.colour === 2 ? 6 : -1))) return undefined;
        break;
      case 'pHYs':
        if (length !== 9 || data[8]! > 1 || idat.length) return undefined;
        break;
      case 'sRGB':
        if (length !== 1 || data[0]! > 3 || idat.length) return undefined;
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
