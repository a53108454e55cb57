/**
 * Packs an EPUB from lectern's own templates (templates/*.ejs) and files.
 *
 * The book's zip is what epub-gen-memory 1.1 with jszip 3.10 wrote for lectern's books,
 * byte for byte (same entries, order, folders, dates and compression): lectern used only
 * its container, its template rendering and its zip, and replaced the rest (it would fetch
 * fonts, images and the cover, normalise chapter HTML, write a random uuid and the current
 * time, and an EPUB 2 `toc.ncx`). Loading it, jszip, mime and the packages behind them
 * cost an EPUB-only build about 5 ms for nothing; it is no longer used. Every entry has the
 * same date, so the same input gives the same bytes.
 */
import { readFileSync } from 'node:fs';
import { projectFile } from '../util/paths.js';
import { PassThrough, Readable } from 'node:stream';
import { zipChunks, zipSupports, type ZipEntry } from '../util/zip.js';

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

/** The container document, as epub-gen-memory wrote it. */
const CONTAINER =
  '<?xml version="1.0" encoding="UTF-8" ?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>';

/** Audio and images are compressed already: storing them saves time and loses nothing. */
function stored(file: string): boolean {
  return /\.(mp3|m4a|jpe?g|png)$/i.test(file);
}

/** A document's file name, made safe as epub-gen-memory made it (lectern's names already are). */
function documentFile(name: string): string {
  return (name.endsWith('.xhtml') ? name : `${name}.xhtml`).replace(/\s/g, '_').replace(/[^-._A-Za-z0-9]/g, '');
}

type Render = (data: { lectern: unknown }) => string;
type Ejs = { compile(template: string): Render };
let ejsModule: Ejs | undefined;
const compiled = new Map<string, Render>();
/** ejs (loaded with the first book), each template compiled once per process. */
async function renderer(template: string): Promise<Render> {
  if (!ejsModule) {
    // A CommonJS package: Node finds its named exports, a bundler may offer only `default`.
    // @ts-expect-error ejs ships no types; the part used is typed above.
    const mod = (await import('ejs')) as Ejs & { default?: Ejs };
    ejsModule = typeof mod.compile === 'function' ? mod : mod.default!;
  }
  let fn = compiled.get(template);
  if (!fn) compiled.set(template, (fn = ejsModule.compile(template)));
  return fn;
}

/**
 * The book's entries in jszip's order: a name added again keeps its first place (its data
 * replaced), and a folder is added, outermost first, before the first entry inside it.
 */
class Entries {
  readonly list = new Map<string, ZipEntry>();
  add(name: string, data: ZipEntry['data'], method: ZipEntry['method'] = 'deflate'): void {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const folder = `${parts.slice(0, i).join('/')}/`;
      if (!this.list.has(folder)) this.list.set(folder, { name: folder, dir: true, method: 'store', data: '' });
    }
    this.list.set(name, { name, method, data });
  }
}

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

/** The book as a stream of zip bytes (a stream: with the narration inside, a book can be hundreds of MB). */
export async function packBook(spec: BookSpec): Promise<NodeJS.ReadableStream> {
  const t = templates();
  const entries = new Entries();
  entries.add('mimetype', 'application/epub+zip', 'store');
  entries.add('OEBPS/style.css', spec.blockStyles ? t.css + t.blocksCss : t.css);
  const content = await renderer(t.content);
  for (const d of spec.documents) entries.add(`OEBPS/${documentFile(d.filename)}`, content({ lectern: d.data }));
  entries.add('META-INF/container.xml', CONTAINER);
  entries.add('OEBPS/content.opf', (await renderer(t.opf))({ lectern: spec.packageData }));
  entries.add('OEBPS/toc.xhtml', (await renderer(t.nav))({ lectern: spec.packageData }));
  for (const f of spec.files) entries.add(`OEBPS/${f.path}`, f.data, stored(f.path) ? 'store' : 'deflate');
  // jszip writes DOS dates in UTC; all entries share one date (SOURCE_DATE_EPOCH).
  const date = new Date(Math.max(spec.epoch, 315532800) * 1000);
  const list = [...entries.list.values()];
  if (zipSupports(list.map((e) => e.name))) return Readable.from(zipChunks(list, date));
  return jszipStream(list, date);
}

/**
 * A name beyond ASCII: jszip writes it (with its Unicode path field), from the same entries
 * in the same order. jszip loads only then.
 */
async function jszipStream(list: readonly ZipEntry[], date: Date): Promise<NodeJS.ReadableStream> {
  const mod = (await import('jszip')) as unknown as { default?: JSZipClass } & JSZipClass;
  const JSZip = (mod.default ?? mod) as JSZipClass;
  const zip = new JSZip();
  for (const e of list) {
    if (e.dir) zip.folder(e.name);
    else zip.file(e.name, e.data instanceof Uint8Array || typeof e.data === 'string' ? e.data : Readable.from(e.data), e.method === 'store' ? { compression: 'STORE' } : {});
  }
  for (const entry of Object.values(zip.files)) entry.date = date;
  const zipped = zip.generateNodeStream({ type: 'nodebuffer', streamFiles: false, compression: 'DEFLATE', compressionOptions: { level: 9 } });
  // jszip's stream is an old-style one: pipe it into a core stream, which is async iterable.
  const out = new PassThrough();
  zipped.on('error', (e: Error) => out.destroy(e));
  return zipped.pipe(out);
}

interface JSZipClass {
  new (): {
    files: Record<string, { date: Date }>;
    folder(name: string): unknown;
    file(name: string, data: unknown, options: object): unknown;
    generateNodeStream(options: object): NodeJS.ReadableStream;
  };
}
