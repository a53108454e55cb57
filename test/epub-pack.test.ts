import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
// @ts-expect-error ejs ships no types
import ejs from 'ejs';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { packBook, type BookSpec } from '../dist/lib/epub/book.js';
import { ROOT } from './helpers.js';

/**
 * lectern packs its books itself (src/epub/book.ts): the bytes must be what
 * epub-gen-memory 1.1 and jszip 3.10 wrote for the same book, which is rebuilt here with
 * jszip, call for call as epub-gen-memory made them (its `generateTemplateFiles`, with
 * lectern's `pack`): the same entries, order, folders, compression and dates.
 */
const template = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(out);
}

/** The book as epub-gen-memory + jszip packed it. */
async function asBefore(spec: BookSpec, files: { path: string; data: () => Buffer | string | Readable }[]): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('mimetype', 'application/epub+zip', { compression: 'STORE' });
  const oebps = zip.folder('OEBPS')!;
  oebps.file('style.css', spec.blockStyles ? template('assets/epub.css') + template('assets/epub-blocks.css') : template('assets/epub.css'));
  for (const d of spec.documents) oebps.file(d.filename, ejs.render(template('templates/content.xhtml.ejs'), { lang: spec.lang, prependChapterTitles: true, title: d.title, filename: d.filename, content: '', lectern: d.data }));
  zip.folder('META-INF')!.file('container.xml', '<?xml version="1.0" encoding="UTF-8" ?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>');
  oebps.file('content.opf', ejs.render(template('templates/package.opf.ejs'), { title: spec.title, lang: spec.lang, lectern: spec.packageData }));
  oebps.file('toc.ncx', '<ncx/>');
  oebps.file('toc.xhtml', ejs.render(template('templates/nav.xhtml.ejs'), { title: spec.title, lang: spec.lang, lectern: spec.packageData }));
  zip.remove('OEBPS/toc.ncx');
  for (const f of files) zip.file(`OEBPS/${f.path}`, f.data(), /\.(mp3|m4a|jpe?g|png)$/i.test(f.path) ? { compression: 'STORE' } : {});
  const date = new Date(spec.epoch * 1000);
  for (const entry of Object.values(zip.files)) entry.date = date;
  return collect(zip.generateNodeStream({ type: 'nodebuffer', streamFiles: false, compression: 'DEFLATE', compressionOptions: { level: 9 } }).pipe(new PassThrough()));
}

/** Pseudo-random bytes, the same every run. */
function noise(n: number, seed: number): Buffer {
  let x = seed;
  return Buffer.alloc(n).map(() => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24));
}

function specWith(files: { path: string; data: () => Buffer | string | Readable }[]): BookSpec {
  const data = { lang: 'en', dir: 'ltr', title: 'A story', body: `<p>${'Some words, ünïcödé and 中文. '.repeat(900)}</p>`, bodyType: 'bodymatter' };
  return {
    title: 'A story',
    lang: 'en',
    epoch: 1_700_000_000,
    blockStyles: true,
    documents: [
      { filename: 'cover.xhtml', title: 'Cover', data: { ...data, title: 'Cover: A story', body: '<img src="cover.jpg" alt="Cover"/>', bodyType: '' } },
      { filename: 'article.xhtml', title: 'A story', data },
    ],
    packageData: {
      lang: 'en',
      dir: 'ltr',
      identifier: 'urn:uuid:00000000-0000-5000-8000-000000000000',
      title: 'A story',
      creators: ['Someone'],
      date: '2026-11-30',
      modified: '2023-11-14T22:13:20Z',
      labels: { contents: 'Contents', landmarks: 'Landmarks' },
      landmarks: [{ type: 'bodymatter', href: 'article.xhtml#start', label: 'Start of the article' }],
      links: [],
      meta: [{ property: 'schema:accessMode', value: 'textual' }],
      manifest: files.map((f, i) => ({ id: `f${i}`, href: f.path, mediaType: 'application/octet-stream' })),
      spine: [{ idref: 'cover' }, { idref: 'article' }],
      toc: [{ href: 'article.xhtml#start', label: 'A story', children: [] }],
    },
    files: files.map((f) => ({ path: f.path, data: f.data() })),
  };
}

describe('the packed book', () => {
  it('is what epub-gen-memory and jszip wrote: stored media, deflated text, streams, folders, a file added twice', async () => {
    const photo = noise(70_000, 1);
    const audio = noise(250_000, 2);
    const files = [
      { path: 'cover.jpg', data: () => noise(30_000, 3) },
      { path: 'images/fig-1.jpg', data: () => photo },
      { path: 'audio/article.mp3', data: () => Readable.from([audio.subarray(0, 100_000), audio.subarray(100_000)]) },
      { path: 'overlays/article.smil', data: () => '<smil xmlns="http://www.w3.org/ns/SMIL" version="3.0"/>'.repeat(400) },
      { path: 'images/fig-2.png', data: () => noise(5_000, 4) },
      // The same path again: jszip kept the first place and the last data.
      { path: 'images/fig-1.jpg', data: () => noise(9_000, 5) },
    ];
    const ours = await collect(await packBook(specWith(files)));
    const before = await asBefore(specWith(files), files);
    expect(ours.length).toBe(before.length);
    expect(ours.equals(before)).toBe(true);
    const names = Object.keys((await JSZip.loadAsync(ours, { checkCRC32: true })).files);
    expect(names).toEqual(['mimetype', 'OEBPS/', 'OEBPS/style.css', 'OEBPS/cover.xhtml', 'OEBPS/article.xhtml', 'META-INF/', 'META-INF/container.xml', 'OEBPS/content.opf', 'OEBPS/toc.xhtml', 'OEBPS/cover.jpg', 'OEBPS/images/', 'OEBPS/images/fig-1.jpg', 'OEBPS/audio/', 'OEBPS/audio/article.mp3', 'OEBPS/overlays/', 'OEBPS/overlays/article.smil', 'OEBPS/images/fig-2.png']);
  });

  it('with a file name beyond ASCII, is still what jszip writes (jszip writes it)', async () => {
    const files = [
      { path: 'cover.jpg', data: () => noise(20_000, 6) },
      { path: 'images/café.jpg', data: () => noise(20_000, 7) },
    ];
    const ours = await collect(await packBook(specWith(files)));
    expect(ours.equals(await asBefore(specWith(files), files))).toBe(true);
    expect(Object.keys((await JSZip.loadAsync(ours, { checkCRC32: true })).files)).toContain('OEBPS/images/café.jpg');
  });
});
