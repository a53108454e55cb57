/**
 * Is this an English word? Used to tell an all-caps headline ("PRICES RISE AGAIN") from
 * letters to spell ("UFFA"). The list is the `word-list` package (about 274,000 lower-case
 * words, no abbreviations), read on first use only: most sentences never ask.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let words: Set<string> | undefined;

/** The word list's file and its package's version: what the normaliser's results also depend on (see stages/speech.ts). */
export function wordListVersion(): string {
  const require = createRequire(import.meta.url);
  try {
    const dir = dirname(require.resolve('word-list'));
    return `${(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? '?'}`;
  } catch {
    return 'missing';
  }
}

export function isEnglishWord(word: string): boolean {
  if (!words) {
    const require = createRequire(import.meta.url);
    words = new Set(readFileSync(join(dirname(require.resolve('word-list')), 'words.txt'), 'utf8').split('\n'));
  }
  const w = word.toLowerCase();
  if (words.has(w)) return true;
  // Plurals and possessives of listed words: "RATES", "BANK'S".
  const base = w.replace(/'s$|s$/, '');
  return base !== w && base.length > 1 && words.has(base);
}
