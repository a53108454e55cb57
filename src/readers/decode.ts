import { open, stat } from 'node:fs/promises';
import { errors } from '../article/diagnostics.js';

/** Default upper bound on an article file's size: 8 MiB is far above any real article. */
export const DEFAULT_MAX_INPUT_BYTES = 8 * 1024 * 1024;

/** Reads an article file as text, refusing what is not one. CRLF and CR become LF. */
export async function readText(file: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Promise<string> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw errors.notFound(file);
  }
  if (info.isDirectory()) throw errors.isDirectory(file);
  if (info.size > maxBytes) throw errors.tooLarge(file, info.size, maxBytes);
  return decodeText(file, await readAtMost(file, maxBytes));
}

/**
 * Reads a file, stopping one byte past `maxBytes`: a pipe (`<(...)`), a device such as
 * /dev/zero, or a file that grows while it is read cannot make lectern read without end.
 */
async function readAtMost(file: string, maxBytes: number): Promise<Buffer> {
  const fh = await open(file, 'r').catch(() => {
    throw errors.notFound(file);
  });
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1 << 20, maxBytes + 1 - size));
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      size += bytesRead;
      if (size > maxBytes) throw errors.tooLarge(file, size, maxBytes, true);
    }
    return Buffer.concat(chunks);
  } finally {
    await fh.close();
  }
}

export function decodeText(file: string, bytes: Uint8Array): string {
  let text: string;
  // UTF-16 code unit by code unit: an unpaired surrogate stays one, for the text clean-up
  // to replace and report with its line (TextDecoder would replace it without a word).
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = Buffer.from(bytes.subarray(2, bytes.length - (bytes.length % 2))).toString('utf16le');
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = Buffer.from(bytes.subarray(2, bytes.length - (bytes.length % 2))).swap16().toString('utf16le');
  else {
    if (bytes.includes(0)) throw errors.binary(file);
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      throw errors.badEncoding(file, firstInvalidUtf8(bytes));
    }
  }
  if (text.includes('\u0000')) throw errors.binary(file);
  text = text.replace(/\r\n?/g, '\n');
  if (text.trim() === '') throw errors.empty(file);
  return text;
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return i;
}
