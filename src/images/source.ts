/**
 * Where an image may come from: a file inside the article's folder (after resolving
 * symlinks), or an http(s) URL when the user allowed remote fetching. Nothing else.
 */
import { constants, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { LecternError } from '../article/diagnostics.js';
import type { Position } from '../article/model.js';

/** Largest image lectern reads, local or remote: 32 MiB. */
export const MAX_IMAGE_BYTES = 32 * 1024 * 1024;
/** How long a remote image may take to arrive. */
export const REMOTE_TIMEOUT_MS = 15_000;

export type ImageSource = { kind: 'missing'; reason: string } | { kind: 'data'; data: Buffer };

export interface SourceContext {
  articleDir: string;
  articleFile: string;
  allowRemote: boolean;
  signal?: AbortSignal;
}

function fail(ctx: SourceContext, message: string, code: string, position?: Position): LecternError {
  return new LecternError(message, code, { file: ctx.articleFile, line: position?.line, column: position?.column });
}

export async function loadImage(ref: string, ctx: SourceContext, position?: Position): Promise<ImageSource> {
  if (/^https?:\/\//i.test(ref)) {
    if (!ctx.allowRemote) throw fail(ctx, `image ${ref} is remote; lectern does not fetch it unless you pass --allow-remote`, 'image:remote', position);
    // An image the server does not give (gone, refused, too slow) is missing, like a
    // missing file: the figure keeps its words. Only an image over the size limit fails.
    try {
      return { kind: 'data', data: await fetchLimited(ref, ctx, position) };
    } catch (e) {
      if (ctx.signal?.aborted) throw e;
      if (e instanceof LecternError && e.code === 'image:fetch' && !/larger than/.test(e.message)) return { kind: 'missing', reason: e.message };
      throw e;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref) && !/^[a-z]:[\\/]/i.test(ref)) throw fail(ctx, `image ${ref}: unsupported URL scheme`, 'image:scheme', position);
  const root = await realpath(ctx.articleDir);
  const wanted = path.resolve(root, decodePath(ref));
  if (!isInside(root, wanted)) throw fail(ctx, `image ${ref} is outside the article's folder`, 'image:outside', position);
  let real: string;
  try {
    real = await realpath(wanted);
  } catch {
    return { kind: 'missing', reason: `image ${ref} not found` };
  }
  // A symlink inside the folder may still point outside it.
  if (!isInside(root, real)) throw fail(ctx, `image ${ref} is a link to a file outside the article's folder`, 'image:outside', position);
  const read = await readImageFile(real);
  if (read.kind === 'unreadable') return { kind: 'missing', reason: `image ${ref} could not be read` };
  if (read.kind === 'not-file') throw fail(ctx, `image ${ref} is ${read.what}, not an image file`, 'image:not-file', position);
  if (read.kind === 'too-large') throw fail(ctx, `image ${ref} is ${read.atLeast ? 'more than ' + MAX_IMAGE_BYTES : read.size} bytes, over the ${MAX_IMAGE_BYTES}-byte limit`, 'image:too-large', position);
  return { kind: 'data', data: read.data };
}

export type FileRead =
  | { kind: 'data'; data: Buffer }
  | { kind: 'unreadable' }
  | { kind: 'not-file'; what: string }
  | { kind: 'too-large'; size: number; atLeast: boolean };

/**
 * Reads an image file with its limits checked first: opened without blocking (a FIFO with
 * no writer would hang a plain open), refused by type when it is not a regular file (a
 * FIFO, a device, a socket) and by size from `fstat` (a 1 GB sparse file is refused
 * before a byte is read), then read with a bound in case it grows while being read.
 */
export async function readImageFile(file: string, limit = MAX_IMAGE_BYTES): Promise<FileRead> {
  let fh;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return { kind: 'unreadable' };
  }
  try {
    const info = await fh.stat();
    if (!info.isFile()) {
      const what = info.isFIFO() ? 'a named pipe (FIFO)' : info.isCharacterDevice() ? 'a character device' : info.isBlockDevice() ? 'a block device' : info.isSocket() ? 'a socket' : info.isDirectory() ? 'a folder' : 'not a regular file';
      return { kind: 'not-file', what };
    }
    if (info.size > limit) return { kind: 'too-large', size: info.size, atLeast: false };
    const buf = Buffer.alloc(Math.min(info.size, limit) + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > limit) return { kind: 'too-large', size: got, atLeast: true };
      if (got === buf.length) break;
    }
    return { kind: 'data', data: buf.subarray(0, got) };
  } catch {
    return { kind: 'unreadable' };
  } finally {
    await fh.close();
  }
}

/** `a%20b.jpg` names `a b.jpg`; a `%` that is no escape (`100%.jpg`) is taken as it is. */
function decodePath(ref: string): string {
  try {
    return decodeURI(ref);
  } catch {
    return ref;
  }
}

function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

async function fetchLimited(url: string, ctx: SourceContext, position?: Position): Promise<Buffer> {
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, AbortSignal.timeout(REMOTE_TIMEOUT_MS)]) : AbortSignal.timeout(REMOTE_TIMEOUT_MS);
  try {
    const res = await fetch(url, { signal, redirect: 'follow' });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > MAX_IMAGE_BYTES) throw new Error(`larger than ${MAX_IMAGE_BYTES} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  } catch (e) {
    throw fail(ctx, `image ${url} could not be fetched: ${e instanceof Error ? e.message : String(e)}`, 'image:fetch', position);
  }
}
