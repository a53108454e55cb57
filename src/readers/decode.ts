import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { errors, LecternError } from '../article/diagnostics.js';

// chardet and iconv-lite (0.7 MB of code) serve only web pages in a legacy encoding: they load
// on first use, so reading a UTF-8 article (every Markdown, JSON and seed file) never pays for them.
const load = createRequire(import.meta.url);
let iconvModule: typeof import('iconv-lite') | undefined;
const iconv = () => (iconvModule ??= load('iconv-lite') as typeof import('iconv-lite'));
const analyse = (bytes: Uint8Array) => (load('chardet') as typeof import('chardet')).analyse(bytes);

/** Default upper bound on an article file's size: 8 MiB is far above any real article. */
export const DEFAULT_MAX_INPUT_BYTES = 8 * 1024 * 1024;

/** Reads an article file as text, refusing what is not one. CRLF and CR become LF. */
export async function readText(file: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Promise<string> {
  return decodeText(file, await readBytes(file, maxBytes));
}

/** Reads an article file's bytes, refusing folders, missing files and files over `maxBytes`. */
export async function readBytes(file: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Promise<Buffer> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw errors.notFound(file);
  }
  if (info.isDirectory()) throw errors.isDirectory(file);
  if (info.size > maxBytes) throw errors.tooLarge(file, info.size, maxBytes);
  return readAtMost(file, maxBytes);
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

/** What decoding a page found out: the text, and a note for the diagnostics when it was not plain UTF-8. */
export interface DecodedPage {
  text: string;
  /** The WHATWG name of the encoding used, e.g. `"windows-1252"`. */
  encoding: string;
  note?: { severity: 'info' | 'warning'; message: string; rule: string };
}

/** Is `bytes` a web page rather than Markdown or JSON: by extension, else by its first bytes. */
export function isHtmlFile(file: string, bytes: Uint8Array): boolean {
  const ext = path.extname(file).toLowerCase();
  if (['.html', '.htm', '.xhtml'].includes(ext)) return true;
  if (['.md', '.markdown', '.json'].includes(ext)) return false;
  return /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html)\b/i.test(Buffer.from(bytes.subarray(0, 2048)).toString('latin1'));
}

/** The label as TextDecoder knows it (`"latin1"` -> `"windows-1252"`), or undefined when it knows none. */
function encodingOf(label: string): string | undefined {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return undefined;
  }
}

/**
 * The charset a page declares in its first 4 KiB: `<meta charset>`, `<meta http-equiv=
 * "Content-Type" content="...; charset=...">` or the XML declaration's `encoding`.
 */
export function declaredCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('latin1');
  const meta = /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  if (meta) return meta[1];
  const xml = /^\s*<\?xml\b[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head);
  return xml?.[1];
}

/**
 * Decodes a saved or fetched web page, whatever its character set: a byte-order mark
 * first, then valid UTF-8 (a page re-saved as UTF-8 often keeps its old declaration), then
 * the charset of the HTTP header (`httpCharset`) or the page's own declaration, then a
 * detector (chardet) for pages that declare none, and windows-1252 (the web's default) as
 * the last resort. Anything but UTF-8 comes with a note saying what was used and why.
 */
export function decodePage(file: string, bytes: Uint8Array, httpCharset?: string): DecodedPage {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16 || (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) return { text: decodeText(file, bytes), encoding: utf16 ? 'utf-16' : 'utf-8' };
  if (bytes.includes(0)) throw errors.binary(file);
  try {
    return { text: decodeText(file, bytes), encoding: 'utf-8' };
  } catch (e) {
    if (!(e instanceof LecternError) || e.code !== 'input:encoding') throw e;
  }
  const finish = (encoding: string, note: DecodedPage['note']): DecodedPage => {
    // Node's TextDecoder decodes windows-1252 as Latin-1 (0x93 becomes a control character,
    // not a curly quote), so iconv-lite decodes what it knows and TextDecoder the rest.
    const decoded = iconv().encodingExists(encoding) ? iconv().decode(Buffer.from(bytes), encoding) : new TextDecoder(encoding).decode(bytes);
    const text = decoded.replace(/\r\n?/g, '\n');
    if (text.trim() === '') throw errors.empty(file);
    return { text, encoding, note };
  };
  for (const [label, where] of [
    [httpCharset, 'the server'],
    [declaredCharset(bytes), 'the page'],
  ] as const) {
    if (!label) continue;
    const encoding = encodingOf(label);
    if (encoding && encoding !== 'utf-8' && encoding !== 'utf-16le' && encoding !== 'utf-16be' && encoding !== 'replacement')
      return finish(encoding, { severity: 'info', message: `decoded as ${encoding}, the character set ${where} declares`, rule: 'input:charset' });
  }
  const declared = httpCharset ?? declaredCharset(bytes);
  const why = declared ? `declares ${declared.replace(/[^\w.:-]/g, '')} but is not valid in it` : 'declares no character set and is not UTF-8';
  // chardet ranks the encodings the bytes could be in; take the best that TextDecoder has.
  const guess = analyse(bytes)
    .map((m) => ({ encoding: encodingOf(m.name), confidence: m.confidence }))
    .find((m): m is { encoding: string; confidence: number } => !!m.encoding && m.encoding !== 'utf-8' && !m.encoding.startsWith('utf-16'));
  if (guess) return finish(guess.encoding, { severity: 'warning', message: `the page ${why}; decoded it as ${guess.encoding}, detected from its bytes (confidence ${guess.confidence}%)`, rule: 'input:charset' });
  return finish('windows-1252', { severity: 'warning', message: `the page ${why}; decoded it as windows-1252, the web's default`, rule: 'input:charset' });
}
