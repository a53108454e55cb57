import { createHash } from 'node:crypto';

/** Short, stable hex digest of some text, for content-derived ids and cache keys. */
export function digest(text: string | Uint8Array, length = 64): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
