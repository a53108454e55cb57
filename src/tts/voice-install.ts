/**
 * `lectern voices add <url-or-archive-or-folder>`: fetches a voice archive (http(s), with a
 * size limit and, when given, a SHA-256 to match), unpacks it (.tar.bz2, .tar.gz or .zip,
 * recognised by their first bytes) into a temporary folder beside the voices, checks the
 * model as sherpa-onnx will load it, writes the manifest, and only then renames the folder
 * into place. A failure at any step leaves nothing behind: no half-installed voice.
 *
 * Archives are read by JavaScript (tar-stream, unbzip2-stream, yauzl), never by a shell:
 * only plain files and folders are taken, every path must stay inside the voice folder,
 * and the unpacked size and the number of entries are limited too (an archive bomb stops early).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { cp, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createRequire } from 'node:module';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { inspectVoiceFolder, MANIFEST, VoiceError, voicesRoot, type VoiceManifest } from './voice-store.js';

const require = createRequire(import.meta.url);

/** 512 MiB: larger than any Piper voice (20 to 120 MB) or Kokoro archive (about 90 to 350 MB). */
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
/** Unpacked, a voice may be this many times its archive (espeak-ng-data compresses well). */
const UNPACK_FACTOR = 4;
const MAX_ENTRIES = 20_000;
/** A download that sends nothing for this long is given up. */
const IDLE_MS = 60_000;

export interface AddVoiceOptions {
  /** Default: `voicesRoot()`. */
  root?: string;
  /** Largest archive accepted, in bytes. Default: 512 MiB. */
  maxBytes?: number;
  /** Expected SHA-256 of the archive (hex); a mismatch installs nothing. Default: none. */
  sha256?: string;
  /** The voice's licence, recorded in its manifest. Default: what the archive's model card says, else "unknown". */
  licence?: string;
  /** BCP 47 tag of the voice's language. Default: from the model and its name. */
  language?: string;
  /** The voice's id. Default: the archive's top folder (or the file name without its extensions). */
  id?: string;
  /** Replace an installed voice of the same id. Default: false. */
  force?: boolean;
  /** Download progress: bytes so far and the total when the server says it. */
  onProgress?: (received: number, total: number | undefined) => void;
  signal?: AbortSignal;
}

const fail = (message: string): never => {
  throw new VoiceError(message);
};

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** What the source is called in messages: a URL without its query, or the file name. */
function label(source: string): string {
  return isUrl(source) ? source.replace(/[?#].*$/, '') : path.basename(source);
}

async function download(url: string, file: string, opts: AddVoiceOptions, maxBytes: number): Promise<void> {
  const idle = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, idle.signal]) : idle.signal;
  let timer = setTimeout(() => idle.abort(new VoiceError(`no data for ${IDLE_MS / 1000} s`)), IDLE_MS);
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal, redirect: 'follow' });
    } catch (e) {
      throw new VoiceError(`cannot download it: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
    }
    if (!res.ok || !res.body) fail(`the server answered ${res.status} ${res.statusText}`.trim());
    const total = Number(res.headers.get('content-length')) || undefined;
    // Limits before the work: a declared size over the limit is refused before any byte is read.
    if (total !== undefined && total > maxBytes) fail(`it is ${mb(total)}, over the ${mb(maxBytes)} limit (--max-size)`);
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        clearTimeout(timer);
        timer = setTimeout(() => idle.abort(new VoiceError(`no data for ${IDLE_MS / 1000} s`)), IDLE_MS);
        if (received > maxBytes) return done(new VoiceError(`it is over the ${mb(maxBytes)} limit (--max-size)`));
        opts.onProgress?.(received, total);
        done(null, chunk);
      },
    });
    const { Readable } = await import('node:stream');
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), counter, createWriteStream(file), { signal });
    if (total !== undefined && received !== total) fail(`the download stopped at ${received} of ${total} bytes`);
  } catch (e) {
    if (signal.aborted && signal.reason instanceof VoiceError) throw signal.reason;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

type Format = 'tar.gz' | 'tar.bz2' | 'zip' | 'tar';
async function formatOf(file: string): Promise<Format> {
  const fh = await open(file, 'r');
  const head = Buffer.alloc(262);
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'tar.bz2';
  if (head.readUInt32BE(0) === 0x504b0304) return 'zip';
  if (head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return fail('it is not a .tar.bz2, .tar.gz or .zip archive');
}

/** A path inside the archive, made safe: relative, no "..", no drive letters; or an error. */
function safePath(name: string): string | undefined {
  const clean = name.replace(/\\/g, '/').replace(/^\.\/+/, '');
  if (!clean || clean === '.' || clean === './') return undefined;
  if (clean.startsWith('/') || /^[a-z]:/i.test(clean) || clean.split('/').some((p) => p === '..')) fail(`it holds an unsafe path ${JSON.stringify(name.slice(0, 80))}`);
  return clean.replace(/\/+$/, '');
}

class Budget {
  bytes = 0;
  entries = 0;
  constructor(readonly maxBytes: number) {}
  entry(): void {
    if (++this.entries > MAX_ENTRIES) fail(`it holds more than ${MAX_ENTRIES} entries`);
  }
  add(n: number): void {
    this.bytes += n;
    if (this.bytes > this.maxBytes) fail(`it unpacks to more than ${mb(this.maxBytes)}`);
  }
}

/** Writes a stream to a file, counting its bytes against the budget. */
async function writeEntry(stream: Readable, target: string, budget: Budget, signal?: AbortSignal): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const count = new Transform({
    transform(chunk: Buffer, _e, done) {
      try {
        budget.add(chunk.length);
      } catch (e) {
        return done(e as Error);
      }
      done(null, chunk);
    },
  });
  await pipeline(stream, count, createWriteStream(target, { flags: 'wx' }), signal ? { signal } : {});
}

async function untar(file: string, gz: 'gz' | 'bz2' | 'none', into: string, budget: Budget, signal?: AbortSignal): Promise<void> {
  const extract = tar.extract();
  const decompress: Transform = gz === 'gz' ? createGunzip() : gz === 'bz2' ? (require('unbzip2-stream') as () => Transform)() : new Transform({ transform: (c, _e, done) => done(null, c) });
  const work = (async () => {
    for await (const entry of extract) {
      const h = entry.header;
      budget.entry();
      const rel = safePath(h.name);
      if (h.type === 'directory') {
        if (rel) await mkdir(path.join(into, rel), { recursive: true });
        entry.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        if (!rel) fail('it holds a file without a name');
        await writeEntry(entry as unknown as Readable, path.join(into, rel!), budget, signal);
      } else {
        // Links, devices, FIFOs: a voice needs none, and a link could point out of its folder.
        fail(`it holds a ${h.type} (${JSON.stringify(h.name.slice(0, 80))}); only files and folders are accepted`);
      }
    }
  })();
  try {
    await Promise.all([pipeline(createReadStream(file), decompress, extract as unknown as Writable, signal ? { signal } : {}), work]);
  } catch (e) {
    extract.destroy();
    throw e;
  }
}

function unzip(file: string, into: string, budget: Budget, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(new VoiceError(`it is not a readable zip archive (${err?.message ?? 'unknown'})`));
      const stop = (e: unknown) => {
        zip.close();
        reject(e);
      };
      zip.on('error', stop);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          signal?.throwIfAborted();
          budget.entry();
          const rel = safePath(entry.fileName);
          // Symbolic links in a zip are files with a Unix mode of S_IFLNK: refused like tar's.
          if (((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000) fail(`it holds a symbolic link (${JSON.stringify(entry.fileName.slice(0, 80))}); only files and folders are accepted`);
          if (entry.fileName.endsWith('/')) {
            if (rel) await mkdir(path.join(into, rel), { recursive: true });
            return zip.readEntry();
          }
          if (!rel) fail('it holds a file without a name');
          if (budget.bytes + entry.uncompressedSize > budget.maxBytes) fail(`it unpacks to more than ${mb(budget.maxBytes)}`);
          const stream = await new Promise<Readable>((ok, ko) => zip.openReadStream(entry, (e, s) => (e || !s ? ko(e ?? new Error('no data')) : ok(s))));
          await writeEntry(stream, path.join(into, rel!), budget, signal);
          zip.readEntry();
        })().catch(stop);
      });
      zip.readEntry();
    });
  });
}

/** The voice folder inside what was unpacked: the single top folder, or the top itself. */
async function voiceFolderIn(dir: string): Promise<{ dir: string; name?: string }> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.') && e.name !== '__MACOSX');
  if (entries.length === 1 && entries[0]!.isDirectory()) return { dir: path.join(dir, entries[0]!.name), name: entries[0]!.name };
  return { dir };
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Installs a voice; returns its manifest. Throws a `VoiceError` with a one-line reason. */
export async function addVoice(source: string, opts: AddVoiceOptions = {}): Promise<VoiceManifest> {
  const root = opts.root ?? voicesRoot();
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (opts.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(opts.sha256)) fail('--sha256 takes 64 hexadecimal digits');
  if (opts.id !== undefined && !ID.test(opts.id)) fail(`"${opts.id}" is not a voice id (letters, digits, ".", "_", "-")`);
  await mkdir(root, { recursive: true });
  // Everything happens in a temporary folder beside the voices (same file system, so the
  // final rename is atomic), removed whatever happens.
  const work = path.join(root, `.add-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(work);
  try {
    let folder: string;
    let name: string | undefined;
    let sha256: string | undefined;
    const local = !isUrl(source);
    const info = local ? await stat(source).catch(() => fail('no such file or folder')) : undefined;
    if (info?.isDirectory()) {
      // A folder already unpacked: copied, so the voices folder owns its files.
      if (opts.sha256) fail('--sha256 applies to an archive, not a folder');
      folder = path.join(work, 'voice');
      await cp(source, folder, { recursive: true, verbatimSymlinks: true });
      name = path.basename(path.resolve(source));
    } else {
      let archive = source;
      if (!local) {
        archive = path.join(work, 'download');
        await download(source, archive, opts, maxBytes);
      } else if (info!.size > maxBytes) {
        fail(`it is ${mb(info!.size)}, over the ${mb(maxBytes)} limit (--max-size)`);
      }
      sha256 = await sha256Of(archive);
      if (opts.sha256 && sha256 !== opts.sha256.toLowerCase()) fail(`its SHA-256 is ${sha256}, not the ${opts.sha256.toLowerCase()} expected`);
      const format = await formatOf(archive);
      const unpacked = path.join(work, 'unpacked');
      await mkdir(unpacked);
      const budget = new Budget(Math.max(maxBytes, 1) * UNPACK_FACTOR);
      try {
        if (format === 'zip') await unzip(archive, unpacked, budget, opts.signal);
        else await untar(archive, format === 'tar.gz' ? 'gz' : format === 'tar.bz2' ? 'bz2' : 'none', unpacked, budget, opts.signal);
      } catch (e) {
        if (e instanceof VoiceError || opts.signal?.aborted) throw e;
        throw new VoiceError(`it is a damaged ${format} archive (${oneLine(e)})`);
      }
      const found = await voiceFolderIn(unpacked);
      folder = found.dir;
      name = found.name ?? path.basename(label(source)).replace(/\.(tar\.bz2|tar\.gz|tgz|tbz2?|zip|tar)$/i, '');
    }
    const id = opts.id ?? name!;
    if (!ID.test(id)) fail(`"${id}" is not a usable voice id: give one with --id`);
    const manifest = await inspectVoiceFolder(folder, {
      id,
      source: local ? path.basename(source) : label(source),
      ...(sha256 ? { sha256 } : {}),
      ...(opts.licence ? { licence: opts.licence } : {}),
      ...(opts.language ? { language: opts.language } : {}),
    });
    await writeFile(path.join(folder, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    const target = path.join(root, id);
    const existing = await stat(target).catch(() => undefined);
    if (existing && !opts.force) fail(`a voice "${id}" is already installed (--force replaces it)`);
    if (existing) await rename(target, path.join(work, 'old'));
    await rename(folder, target);
    return manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Removes an installed voice. */
export async function removeVoice(id: string, root = voicesRoot()): Promise<void> {
  if (!ID.test(id)) fail(`"${id}" is not a voice id`);
  const dir = path.join(root, id);
  if (!(await stat(path.join(dir, MANIFEST)).catch(() => undefined))) fail(`no voice "${id}" is installed in ${root}`);
  // Renamed out of sight first, so a voice is never half removed.
  const gone = path.join(root, `.remove-${process.pid}-${randomBytes(4).toString('hex')}`);
  await rename(dir, gone);
  await rm(gone, { recursive: true, force: true });
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
}
