/**
 * Writing a file so that no reader ever sees half of it: the data goes to a temporary
 * file beside the target (same folder, so the rename stays on one file system), then is
 * renamed over it. A crash leaves the old file or the new one, and at worst a `.tmp`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** A temporary name beside `file`, unique to this process and call: `<file>.<pid>-<random>.tmp`. */
export function temporaryName(file: string): string {
  return `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Writes `data` (one buffer or string, or several buffers written in order) to `file`
 * atomically, creating its folder when missing. On failure the temporary file is removed
 * and the target is left as it was.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = temporaryName(file);
  try {
    const fh = await open(tmp, 'w');
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data);
      else await fh.writev([...data]);
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
