/**
 * A zip writer that gives, byte for byte, what jszip 3.10 (`generateNodeStream` with
 * `streamFiles: false`, platform DOS, no comments) gives for the same entries, in a
 * fraction of its time: jszip moves every file through its own stream workers 16 KB per
 * event-loop turn and computes CRC-32 in JavaScript; here the stored files (the narration,
 * images) are checksummed by zlib's native CRC-32 and written as they are, and only the
 * small text files go through pako (the same pako, with the same calls, as jszip).
 */
import zlib from 'node:zlib';

/** One entry, in the order it is written. */
export interface ZipEntry {
  /** Path inside the zip; ASCII (see `zipSupports`); a folder's ends in `/`. */
  name: string;
  dir?: boolean;
  /** `store`: written as it is; `deflate`: pako at `level`. Empty files and folders are always stored. */
  method: 'store' | 'deflate';
  /**
   * The content: text is UTF-8 encoded as jszip does (16,384 UTF-16 units at a time);
   * chunks (a stream) are read whole first, since the local header carries the CRC.
   */
  data: string | Uint8Array | AsyncIterable<Uint8Array | string>;
}

/** jszip's block: it reads strings and buffers this many units at a time. */
const BLOCK = 16 * 1024;

type Deflater = { push(d: Uint8Array | never[], last: boolean): boolean; onData(c: Uint8Array): void; err: number; msg: string };
type Pako = { Deflate: new (o: { raw: boolean; level: number }) => Deflater };
let pakoModule: Pako | undefined;
/** pako 1.0, the version jszip deflates with (its dependency `~1.0.2`), loaded with the first zip. */
async function pako(): Promise<Pako> {
  if (!pakoModule) {
    // @ts-expect-error pako 1.0 ships no types; the part used is typed above.
    const mod = (await import('pako')) as Pako & { default?: Pako };
    pakoModule = mod.Deflate ? mod : mod.default!;
  }
  return pakoModule;
}

/** Whether this writer gives jszip's bytes for these names: ASCII only (jszip adds a Unicode path field otherwise). */
export function zipSupports(names: readonly string[]): boolean {
  return names.every((n) => /^[\x20-\x7e]*$/.test(n));
}

const table = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (zip's), continuing from `crc`: zlib's native one where Node has it (20.15+). */
export function crc32(data: Uint8Array, crc = 0): number {
  const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  if (native) return native(data, crc);
  let c = ~crc;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The entry's bytes as jszip reads them: text in 16,384-unit blocks, each UTF-8 encoded on its own. */
async function blocksOf(data: ZipEntry['data']): Promise<Uint8Array[]> {
  if (typeof data === 'string') {
    const out: Uint8Array[] = [];
    for (let i = 0; i < data.length; i += BLOCK) out.push(Buffer.from(data.substring(i, i + BLOCK), 'utf8'));
    return out;
  }
  if (data instanceof Uint8Array) {
    const out: Uint8Array[] = [];
    for (let i = 0; i < data.length; i += BLOCK) out.push(data.subarray(i, i + BLOCK));
    return out;
  }
  const out: Uint8Array[] = [];
  for await (const chunk of data) out.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  return out;
}

function deflate(Deflate: Pako['Deflate'], blocks: readonly Uint8Array[], level: number): Uint8Array[] {
  const d = new Deflate({ raw: true, level });
  const out: Uint8Array[] = [];
  d.onData = (c) => out.push(c);
  for (const b of blocks) d.push(b, false);
  d.push([], true);
  if (d.err) throw new Error(`deflate failed: ${d.msg}`);
  return out;
}

function dosDateTime(date: Date): { time: number; day: number } {
  const time = (((date.getUTCHours() << 6) | date.getUTCMinutes()) << 5) | (date.getUTCSeconds() / 2);
  const day = (((date.getUTCFullYear() - 1980) << 4) | (date.getUTCMonth() + 1)) << 5 | date.getUTCDate();
  return { time, day };
}

/**
 * The zip of `entries`, as chunks to write: each entry's local header and data, then the
 * central directory. Every entry has the date `date` (jszip writes it in UTC). `level`:
 * deflate's, 1 to 9 (jszip's `compressionOptions.level`).
 */
export async function* zipChunks(entries: readonly ZipEntry[], date: Date, level = 9): AsyncGenerator<Uint8Array> {
  if (!zipSupports(entries.map((e) => e.name))) throw new Error('zip entry names must be ASCII');
  const { time, day } = dosDateTime(date);
  const central: Buffer[] = [];
  let offset = 0;
  const prepare = async (entry: ZipEntry) => {
    const blocks = entry.dir ? [] : await blocksOf(entry.data);
    const size = blocks.reduce((n, b) => n + b.length, 0);
    const stored = entry.dir || size === 0 || entry.method === 'store';
    let crc = 0;
    for (const b of blocks) crc = crc32(b, crc);
    const body = stored ? blocks : deflate((await pako()).Deflate, blocks, level);
    return { size, stored, crc, body };
  };
  // The entries at hand (text, bytes) are checksummed and deflated before the first is
  // written: one given as a stream (a book's narration, its MP3 perhaps still being
  // encoded) is then all the zip waits for, whatever its place. Their compressed bodies
  // are small (the stored files are not copied).
  const ready = entries.map((entry) => (entry.dir || typeof entry.data === 'string' || entry.data instanceof Uint8Array ? prepare(entry) : undefined));
  // Reported in order, by the loop below.
  for (const r of ready) r?.catch(() => {});
  for (const [i, entry] of entries.entries()) {
    const { size, stored, crc, body } = await (ready[i] ?? prepare(entry));
    const compressed = body.reduce((n, b) => n + b.length, 0);
    const name = Buffer.from(entry.name, 'latin1');
    // The part of the header the local and central records share (jszip's `header`).
    const header = Buffer.alloc(26);
    header.writeUInt16LE(10, 0); // version needed: 1.0
    header.writeUInt16LE(0, 2); // flags: none (sizes known, ASCII names)
    header.writeUInt16LE(stored ? 0 : 8, 4);
    header.writeUInt16LE(time, 6);
    header.writeUInt16LE(day, 8);
    header.writeUInt32LE(crc >>> 0, 10);
    header.writeUInt32LE(compressed, 14);
    header.writeUInt32LE(size, 18);
    header.writeUInt16LE(name.length, 22);
    header.writeUInt16LE(0, 24); // extra fields: none
    const local = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), header, name]);
    const tail = Buffer.alloc(16);
    tail.writeUInt16LE(0, 0); // comment length
    tail.writeUInt16LE(0, 2); // disk
    tail.writeUInt16LE(0, 4); // internal attributes
    tail.writeUInt32LE(entry.dir ? 0x10 : 0, 6); // DOS attributes: a folder, or none
    tail.writeUInt32LE(offset, 10);
    central.push(Buffer.concat([Buffer.from([0x50, 0x4b, 0x01, 0x02, 0x14, 0x00]), header, tail.subarray(0, 14), name]));
    yield local;
    yield* body;
    offset += local.length + compressed;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  yield Buffer.concat([dir, end]);
}
