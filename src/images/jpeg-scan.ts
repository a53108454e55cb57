/**
 * Walks a JPEG scan's entropy-coded data as a decoder would, without decoding pixels: every
 * Huffman code must be in its table, every block complete before the data ends, restart
 * markers where the restart interval puts them and nothing left over after the last block.
 * This is what libvips checks while it decodes (a bad code or data that ends early is an
 * error for it): an image kept as it is must pass the same test without libvips.
 */

/** A Huffman table in libjpeg's canonical form, plus a 9-bit lookahead for the short codes. */
export interface Huffman {
  maxcode: Int32Array;
  mincode: Int32Array;
  valptr: Int32Array;
  values: Uint8Array;
  /** By the next 9 bits: (code length << 8) | value, or 0 when the code is longer. */
  look: Uint16Array;
}

const LOOK = 9;

/** Builds the decoding table from DHT's 16 code counts and its values (already checked to fit). */
export function huffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxcode = new Int32Array(18).fill(-1);
  const mincode = new Int32Array(17);
  const valptr = new Int32Array(17);
  const look = new Uint16Array(1 << LOOK);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const n = counts[l - 1]!;
    if (n) {
      valptr[l] = k;
      mincode[l] = code;
      for (let i = 0; i < n && l <= LOOK; i++) {
        const first = (code + i) << (LOOK - l);
        look.fill((l << 8) | values[k + i]!, first, first + (1 << (LOOK - l)));
      }
      code += n;
      k += n;
      maxcode[l] = code - 1;
    }
    code <<= 1;
  }
  return { maxcode, mincode, valptr, values, look };
}

/** One component of a scan: its sampling, tables, and (progressive) which coefficients are non-zero so far. */
export interface ScanComponent {
  h: number;
  v: number;
  dc?: Huffman;
  ac?: Huffman;
  /** Blocks across and down the component (non-interleaved layout). */
  blocksWide: number;
  blocksHigh: number;
  /** Progressive only: per block, two words of flags (coefficients 0-31, 32-63 in zig-zag order), set once a coefficient is non-zero. */
  nonzero?: Uint32Array;
}

export interface ScanParams {
  width: number;
  height: number;
  maxH: number;
  maxV: number;
  progressive: boolean;
  ss: number;
  se: number;
  ah: number;
  al: number;
  restartInterval: number;
}

/*
 * The bit reader, as module state (one scan is walked at a time, synchronously): `acc` holds
 * up to 32 bits read ahead, the last `accBits` of them unconsumed; at a marker the reader
 * supplies zero bytes (as libjpeg does) and counts them in `pad`, and consuming any of
 * those means the data ended before the blocks did.
 */
let data: Buffer = Buffer.alloc(0);
let pos = 0;
let acc = 0;
let accBits = 0;
let pad = 0;
let failed = false;

function fill(): void {
  while (accBits <= 24) {
    let b = 0;
    const byte = data[pos];
    if (byte !== undefined && byte !== 0xff) {
      b = byte;
      pos++;
    } else if (byte === 0xff && data[pos + 1] === 0x00) {
      // A stuffed zero: the data byte 0xFF.
      b = 0xff;
      pos += 2;
    } else pad += 8;
    acc = (acc << 8) | b;
    accBits += 8;
  }
}

function consume(n: number): void {
  accBits -= n;
  if (accBits < pad) failed = true;
}

/** Consumes `n` bits, any number, whose values do not matter (refinement bits). */
function skip(n: number): void {
  while (n > 16) {
    bits(16);
    n -= 16;
  }
  bits(n);
}

/** Set bits of `word` from bit `from` to bit `to` (inclusive), 0-31. */
function countRange(word: number, from: number, to: number): number {
  if (from > to) return 0;
  let x = (word >>> from) & (to - from === 31 ? 0xffffffff : (1 << (to - from + 1)) - 1);
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Non-zero coefficients of a block from `from` to `to`. */
function nonzeroIn(nz: Uint32Array, at: number, from: number, to: number): number {
  return countRange(nz[at]!, from, Math.min(to, 31)) + countRange(nz[at + 1]!, Math.max(from, 32) - 32, to - 32);
}

const isSet = (nz: Uint32Array, at: number, k: number) => (k < 32 ? (nz[at]! >>> k) & 1 : (nz[at + 1]! >>> (k - 32)) & 1);
function set(nz: Uint32Array, at: number, k: number): void {
  if (k < 32) nz[at] = nz[at]! | (1 << k);
  else nz[at + 1] = nz[at + 1]! | (1 << (k - 32));
}

function bits(n: number): number {
  if (n === 0) return 0;
  if (accBits < n) fill();
  const v = (acc >>> (accBits - n)) & ((1 << n) - 1);
  consume(n);
  return v;
}

function decode(t: Huffman): number {
  if (accBits < 16) fill();
  const hit = t.look[(acc >>> (accBits - LOOK)) & ((1 << LOOK) - 1)]!;
  if (hit) {
    consume(hit >> 8);
    return hit & 0xff;
  }
  for (let l = LOOK + 1; l <= 16; l++) {
    const code = (acc >>> (accBits - l)) & ((1 << l) - 1);
    if (code <= t.maxcode[l]!) {
      consume(l);
      return t.values[t.valptr[l]! + code - t.mincode[l]!]!;
    }
  }
  // Not a code of this table: libjpeg's "bad Huffman code".
  failed = true;
  return 0;
}

/** Drops the partial byte; true when no real data is left before the marker at `pos`. */
function alignedAtMarker(): boolean {
  accBits -= accBits % 8;
  return accBits === pad && data[pos] === 0xff && data[pos + 1] !== 0x00;
}

let eobrun = 0;

function block(c: ScanComponent, index: number, p: ScanParams): void {
  const { ss, se, ah } = p;
  if (!p.progressive) {
    bits(decode(c.dc!));
    for (let k = 1; k < 64 && !failed; k++) {
      const rs = decode(c.ac!);
      const r = rs >> 4;
      const s = rs & 15;
      if (s) {
        k += r;
        bits(s);
      } else if (r === 15) k += 15;
      else break;
    }
    return;
  }
  if (ss === 0) {
    // DC: the first scan codes a difference, a refinement one bit.
    if (ah === 0) bits(decode(c.dc!));
    else bits(1);
    return;
  }
  const nz = c.nonzero!;
  const base = index * 2;
  if (ah === 0) {
    // First AC scan of a band: runs of zeros, values, and end-of-band runs across blocks.
    if (eobrun > 0) {
      eobrun--;
      return;
    }
    for (let k = ss; k <= se && !failed; k++) {
      const rs = decode(c.ac!);
      const r = rs >> 4;
      const s = rs & 15;
      if (s) {
        k += r;
        bits(s);
        if (k <= 63) set(nz, base, k);
      } else if (r === 15) k += 15;
      else {
        eobrun = (1 << r) - 1 + bits(r);
        break;
      }
    }
    return;
  }
  // AC refinement (libjpeg's decode_mcu_AC_refine): a correction bit for every coefficient
  // already non-zero, and new coefficients of magnitude one placed among the zeros.
  let k = ss;
  if (eobrun === 0) {
    for (; k <= se && !failed; k++) {
      const rs = decode(c.ac!);
      let r = rs >> 4;
      const s = rs & 15;
      if (s) {
        // libjpeg warns ("bad Huffman code") for a size other than one here.
        if (s !== 1) failed = true;
        bits(1);
      } else if (r !== 15) {
        eobrun = (1 << r) + bits(r);
        break;
      }
      do {
        if (isSet(nz, base, k)) bits(1);
        else if (--r < 0) break;
        k++;
      } while (k <= se);
      if (s && k <= 63) set(nz, base, k);
    }
  }
  if (eobrun > 0) {
    // One correction bit per coefficient already non-zero in the rest of the band.
    if (k <= se) skip(nonzeroIn(nz, base, k, se));
    eobrun--;
  }
}

/**
 * Walks the entropy-coded data of one scan from `start`; returns where the data ends (the
 * 0xFF of the next marker), or undefined when the data does not decode.
 */
export function walkScan(d: Buffer, start: number, comps: ScanComponent[], p: ScanParams): number | undefined {
  data = d;
  pos = start;
  acc = accBits = pad = eobrun = 0;
  failed = false;
  try {
    const interleaved = comps.length > 1;
    const mcusWide = interleaved ? Math.ceil(p.width / (8 * p.maxH)) : comps[0]!.blocksWide;
    const mcusHigh = interleaved ? Math.ceil(p.height / (8 * p.maxV)) : comps[0]!.blocksHigh;
    const total = mcusWide * mcusHigh;
    let restarts = 0;
    for (let m = 0; m < total && !failed; m++) {
      if (p.restartInterval && m > 0 && m % p.restartInterval === 0) {
        // Byte-aligned, then RSTn in sequence (fill bytes 0xFF allowed before it).
        if (!alignedAtMarker()) return undefined;
        while (d[pos + 1] === 0xff) pos++;
        if (d[pos + 1] !== 0xd0 + (restarts++ % 8)) return undefined;
        pos += 2;
        acc = accBits = pad = eobrun = 0;
      }
      if (interleaved) {
        for (let j = 0; j < comps.length; j++) {
          const c = comps[j]!;
          for (let i = c.h * c.v; i > 0; i--) block(c, 0, p);
        }
      } else block(comps[0]!, m, p);
    }
    // The padding bits of the last byte are the encoder's; after them comes the next marker.
    return !failed && alignedAtMarker() ? pos : undefined;
  } finally {
    data = Buffer.alloc(0);
  }
}
