import JSZip from 'jszip';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { crc32, zipChunks, zipSupports, type ZipEntry } from '../src/util/zip.js';

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return Buffer.concat(out);
}

/** What jszip writes for the same entries, packed as lectern's books were packed by it. */
async function jszipBytes(entries: { name: string; data: string | Buffer | (() => Readable); store?: boolean }[], date: Date): Promise<Buffer> {
  const zip = new JSZip();
  for (const e of entries) zip.file(e.name, typeof e.data === 'function' ? e.data() : e.data, e.store ? { compression: 'STORE' } : {});
  for (const entry of Object.values(zip.files)) entry.date = date;
  return collect(zip.generateNodeStream({ type: 'nodebuffer', streamFiles: false, compression: 'DEFLATE', compressionOptions: { level: 9 } }).pipe(new PassThrough()));
}

describe('zip writer', () => {
  it("gives jszip's bytes: stored and deflated files, folders, empty files, streams, long text with a character split across jszip's blocks", async () => {
    // Pseudo-random bytes, the same every run.
    let x = 12345;
    const noise = Buffer.alloc(300_000, 0).map(() => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24));
    // A 16,384-unit block ends between the two halves of an emoji: jszip encodes each half on its own.
    const long = `${'a'.repeat(16_383)}😀${'ü ß 中文 '.repeat(3000)}`;
    const date = new Date(Date.UTC(2026, 10, 27, 13, 45, 31));
    const spec = [
      { name: 'mimetype', data: 'application/epub+zip', store: true },
      { name: 'OEBPS/style.css', data: 'body { margin: 0 }\n'.repeat(50) },
      { name: 'OEBPS/long.xhtml', data: long },
      { name: 'OEBPS/empty.txt', data: '' },
      { name: 'OEBPS/images/noise.bin', data: noise },
      { name: 'OEBPS/images/photo.jpg', data: noise.subarray(0, 40_000), store: true },
      { name: 'OEBPS/audio/narration.mp3', data: () => Readable.from([noise.subarray(0, 100_000), noise.subarray(100_000)]), store: true },
      { name: 'META-INF/container.xml', data: '<container/>' },
    ];
    const expected = await jszipBytes(spec, date);
    // The same order and folders as jszip: a folder before the first file in it.
    const entries: ZipEntry[] = [];
    const seen = new Set<string>();
    for (const e of spec) {
      const parts = e.name.split('/').slice(0, -1);
      for (let i = 1; i <= parts.length; i++) {
        const folder = `${parts.slice(0, i).join('/')}/`;
        if (!seen.has(folder)) entries.push({ name: folder, dir: true, method: 'store', data: '' });
        seen.add(folder);
      }
      entries.push({ name: e.name, method: e.store ? 'store' : 'deflate', data: typeof e.data === 'function' ? e.data() : e.data });
    }
    const ours = await collect(zipChunks(entries, date));
    expect(ours.length).toBe(expected.length);
    expect(ours.equals(expected)).toBe(true);
    // And a zip reader reads it back.
    const back = await JSZip.loadAsync(ours);
    expect(await back.file('OEBPS/long.xhtml')!.async('nodebuffer')).toEqual(await (await JSZip.loadAsync(expected)).file('OEBPS/long.xhtml')!.async('nodebuffer'));
    expect((await back.file('OEBPS/audio/narration.mp3')!.async('nodebuffer')).equals(noise)).toBe(true);
  });

  it('CRC-32 as zip has it, in one go or continued', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog');
    expect(crc32(data)).toBe(0x414fa339);
    expect(crc32(data.subarray(10), crc32(data.subarray(0, 10)))).toBe(0x414fa339);
  });

  it('takes only ASCII names (jszip adds a Unicode path field for others)', () => {
    expect(zipSupports(['OEBPS/article.xhtml', 'OEBPS/images/fig-1.jpg'])).toBe(true);
    expect(zipSupports(['OEBPS/café.jpg'])).toBe(false);
  });
});
