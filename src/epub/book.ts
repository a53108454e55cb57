/**
 * Packs an EPUB with epub-gen-memory and lectern's own templates.
 *
 * epub-gen-memory's defaults must not leak into a lectern book, so `LecternEPub` uses only
 * the part of it that is sound: it renders our package document, nav and content
 * templates (templates/*.ejs) and writes the container. Specifically:
 * - `render()` is replaced: epub-gen-memory would fetch fonts, images and the cover over
 *   the network; lectern adds every file itself from data it already holds;
 * - chapter content is passed to our template as data, not through epub-gen-memory's HTML
 *   normaliser, which would turn an empty alt into "image-placeholder" and rename images
 *   with random ids;
 * - the package template takes its id, language, dates and description from the article
 *   (epub-gen-memory's default hard-codes xml:lang="en", an empty dc:description, a random
 *   uuid and the current time);
 * - its EPUB 2 `toc.ncx` is dropped, and every zip entry gets the same fixed date, so the
 *   same input gives the same bytes.
 */
import { readFileSync } from 'node:fs';
import { projectFile } from '../util/paths.js';
import { PassThrough, Readable } from 'node:stream';
import { zipChunks, zipSupports, type ZipEntry } from '../util/zip.js';
import type { EPub as EPubBase } from 'epub-gen-memory';

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

// epub-gen-memory (and jszip, ejs and the modules behind them) loads with the first book, not
// with `import 'lectern'`: a build without an EPUB never pays for it.
type LecternEPubClass = new (...args: ConstructorParameters<typeof EPubBase>) => EPubBase & {
  pack(files: BookFile[], epoch: number): Promise<NodeJS.ReadableStream>;
};
let LecternEPub: LecternEPubClass | undefined;
async function lecternEPub(): Promise<LecternEPubClass> {
  if (LecternEPub) return LecternEPub;
  // A CommonJS package: Node finds its named exports, a bundler may offer only `default`.
  const mod = (await import('epub-gen-memory')) as typeof import('epub-gen-memory') & { default?: typeof import('epub-gen-memory') };
  const EPub = mod.EPub ?? mod.default!.EPub;
  LecternEPub = class extends EPub {
    // Never fetch anything: every file is added by `pack` from memory.
    override async render(): Promise<this> {
      await this.generateTemplateFiles();
      return this;
    }

    async pack(files: BookFile[], epoch: number): Promise<NodeJS.ReadableStream> {
      await this.render();
      this.zip.remove('OEBPS/toc.ncx');
      // jszip writes DOS dates in UTC; all entries share one date (SOURCE_DATE_EPOCH).
      const date = new Date(Math.max(epoch, 315532800) * 1000);
      // lectern's own writer, when it gives jszip's bytes (ASCII names, text the templates
      // made): jszip's order of entries and folders, lectern's files' data as given.
      const fast = await fastEntries(this.zip, files);
      if (fast) return Readable.from(zipChunks(fast, date));
      // Audio and images are compressed already: storing them saves time and loses nothing.
      for (const f of files) this.zip.file(`OEBPS/${f.path}`, f.data, stored(f.path) ? { compression: 'STORE' } : {});
      for (const entry of Object.values(this.zip.files)) entry.date = date;
      // A stream out: with the narration inside, a book can be hundreds of MB.
      const zipped = this.zip.generateNodeStream({ type: 'nodebuffer', streamFiles: false, compression: 'DEFLATE', compressionOptions: { level: 9 } });
      // jszip's stream is an old-style one: pipe it into a core stream, which is async iterable.
      const out = new PassThrough();
      zipped.on('error', (e: Error) => out.destroy(e));
      return zipped.pipe(out);
    }
  };

  return LecternEPub;
}

/** Audio and images are compressed already: storing them saves time and loses nothing. */
function stored(file: string): boolean {
  return /\.(mp3|m4a|jpe?g|png)$/i.test(file);
}

/** What jszip holds for an entry (its own fields, read as its generator reads them). */
interface JsZipEntry {
  dir: boolean;
  comment?: string | null;
  unixPermissions?: number | null;
  dosPermissions?: number | null;
  _data: unknown;
  _dataBinary: boolean;
  options: { compression?: string | null };
}

/**
 * The book's entries for \`zipChunks\`, in the order jszip would write them (the templates'
 * files, then lectern's with the folders jszip makes for them); undefined when anything is
 * not as this writer expects (a name not ASCII, content not text), so jszip writes it.
 */
async function fastEntries(zip: { files: Record<string, unknown>; file(name: string, data: string, o?: object): unknown }, files: readonly BookFile[]): Promise<ZipEntry[] | undefined> {
  const names = files.map((f) => `OEBPS/${f.path}`);
  if (!zipSupports([...Object.keys(zip.files), ...names]) || new Set(names).size !== names.length) return undefined;
  const ours = new Map(files.map((f, i) => [names[i]!, f]));
  // Placeholders, so that jszip itself places each file and makes its folders.
  for (const name of names) if (!(name in zip.files)) zip.file(name, '');
  const entries: ZipEntry[] = [];
  for (const [name, raw] of Object.entries(zip.files)) {
    const e = raw as JsZipEntry;
    if (e.comment || e.unixPermissions || e.dosPermissions) return undefined;
    const mine = ours.get(name);
    if (mine) {
      const data = mine.data;
      entries.push({ name, method: stored(mine.path) ? 'store' : 'deflate', data: typeof data === 'string' || data instanceof Uint8Array ? data : (data as AsyncIterable<Uint8Array>) });
      continue;
    }
    if (e.dir) {
      entries.push({ name, dir: true, method: 'store', data: '' });
      continue;
    }
    const content = await e._data;
    if (typeof content !== 'string' || e._dataBinary) return undefined;
    entries.push({ name, method: e.options.compression === 'STORE' ? 'store' : 'deflate', data: content });
  }
  return entries;
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

export async function packBook(spec: BookSpec): Promise<NodeJS.ReadableStream> {
  const t = templates();
  const Book = await lecternEPub();
  const book = new Book(
    {
      title: spec.title,
      lang: spec.lang,
      version: 3,
      css: spec.blockStyles ? t.css + t.blocksCss : t.css,
      contentOPF: t.opf,
      tocXHTML: t.nav,
      chapterXHTML: t.content,
      verbose: false,
      // Read by our templates only; epub-gen-memory passes unknown options through.
      ...({ lectern: spec.packageData } as object),
    },
    spec.documents.map((d) => ({
      title: d.title,
      filename: d.filename,
      // Empty: the body reaches our template as data, bypassing the HTML normaliser.
      content: '',
      ...({ lectern: d.data } as object),
    })),
  );
  return book.pack(spec.files, spec.epoch);
}
