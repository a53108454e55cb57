/**
 * Packs an EPUB with lectern's own templates (templates/*.ejs, rendered with ejs) into a
 * zip (jszip), in the layout epub-gen-memory gave it before, byte for byte: `mimetype`
 * first and stored, then `OEBPS/` (style sheet, the content documents, package document,
 * nav), `META-INF/container.xml` and the files lectern adds from data it already holds.
 * Nothing is fetched; every zip entry gets the same fixed date, so the same input gives
 * the same bytes. (epub-gen-memory itself loaded about 0.12 s of modules, for option
 * checks and an HTML normaliser and downloader lectern never used.)
 */
import { readFileSync } from 'node:fs';
import { projectFile } from '../util/paths.js';
import { PassThrough } from 'node:stream';
import ejs from 'ejs';
import JSZip from 'jszip';

const here = (p: string) => projectFile(p);
const TEMPLATES = {
  opf: here('templates/package.opf.ejs'),
  nav: here('templates/nav.xhtml.ejs'),
  content: here('templates/content.xhtml.ejs'),
  css: here('assets/epub.css'),
  blocksCss: here('assets/epub-blocks.css'),
};

export interface BookFile {
  /** Path inside OEBPS/, e.g. `images/fig-1.jpg`. */
  path: string;
  /** The content; a stream for large files (the narration), read while the book is written. */
  data: Buffer | string | NodeJS.ReadableStream;
}

export interface BookDocument {
  /** File name inside OEBPS/, e.g. `article.xhtml`. */
  filename: string;
  title: string;
  /** Data for templates/content.xhtml.ejs (`lectern.*`). */
  data: Record<string, unknown>;
}

export interface BookSpec {
  title: string;
  lang: string;
  /** Data for templates/package.opf.ejs and templates/nav.xhtml.ejs (`lectern.*`). */
  packageData: Record<string, unknown>;
  documents: BookDocument[];
  files: BookFile[];
  /** Zip entry date, seconds since the epoch. */
  epoch: number;
  /** The book holds code, tables or equations: their styles join the stylesheet. Default: false. */
  blockStyles?: boolean;
}

const CONTAINER =
  '<?xml version="1.0" encoding="UTF-8" ?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>';

let cache: { opf: string; nav: string; content: string; css: string; blocksCss: string } | undefined;
function templates() {
  cache ??= {
    opf: readFileSync(TEMPLATES.opf, 'utf8'),
    nav: readFileSync(TEMPLATES.nav, 'utf8'),
    content: readFileSync(TEMPLATES.content, 'utf8'),
    css: readFileSync(TEMPLATES.css, 'utf8'),
    blocksCss: readFileSync(TEMPLATES.blocksCss, 'utf8'),
  };
  return cache;
}

export async function packBook(spec: BookSpec): Promise<NodeJS.ReadableStream> {
  const t = templates();
  const zip = new JSZip();
  zip.file('mimetype', 'application/epub+zip', { compression: 'STORE' });
  const oebps = zip.folder('OEBPS')!;
  oebps.file('style.css', spec.blockStyles ? t.css + t.blocksCss : t.css);
  // The templates read `lectern.*` only; the other names are those the documents always had.
  for (const d of spec.documents) oebps.file(d.filename, ejs.render(t.content, { lang: spec.lang, prependChapterTitles: true, title: d.title, filename: d.filename, content: '', lectern: d.data }));
  zip.folder('META-INF')!.file('container.xml', CONTAINER);
  const pkg = { title: spec.title, lang: spec.lang, version: 3, lectern: spec.packageData };
  oebps.file('content.opf', ejs.render(t.opf, pkg));
  oebps.file('toc.xhtml', ejs.render(t.nav, pkg));
  // Audio and images are compressed already: storing them saves time and loses nothing.
  for (const f of spec.files) zip.file(`OEBPS/${f.path}`, f.data, /\.(mp3|m4a|jpe?g|png)$/i.test(f.path) ? { compression: 'STORE' } : {});
  // jszip writes DOS dates in UTC; all entries share one date (SOURCE_DATE_EPOCH).
  const date = new Date(Math.max(spec.epoch, 315532800) * 1000);
  for (const entry of Object.values(zip.files)) entry.date = date;
  // A stream out: with the narration inside, a book can be hundreds of MB.
  const zipped = zip.generateNodeStream({ type: 'nodebuffer', streamFiles: false, compression: 'DEFLATE', compressionOptions: { level: 9 } });
  // jszip's stream is an old-style one: pipe it into a core stream, which is async iterable.
  const out = new PassThrough();
  zipped.on('error', (e: Error) => out.destroy(e));
  return zipped.pipe(out);
}
