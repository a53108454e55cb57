/**
 * Pronunciation fixes chosen by the user: a W3C Pronunciation Lexicon (PLS 1.0) file and/or
 * a JSON alias map (`{"Amirabdollahian": "Ameer abdollahian"}`). Both become a list of
 * whole-word replacements applied to the spoken text before synthesis.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { DOMParser as DOMParserClass } from 'linkedom';

/** linkedom (a DOM, about 0.18 s of CPU to load), loaded only when a PLS lexicon is parsed. */
let domParser: typeof DOMParserClass | undefined;
const loadDomParser = () => (domParser ??= (createRequire(import.meta.url)('linkedom') as { DOMParser: typeof DOMParserClass }).DOMParser);
import { LecternError } from '../article/diagnostics.js';
import { digest } from '../util/hash.js';

export interface LexiconEntry {
  grapheme: string;
  /** What to say instead. */
  alias?: string;
  /** Phonemes, for engines that accept them in this alphabet. */
  phoneme?: { alphabet: string; value: string };
}

export interface Lexicon {
  entries: LexiconEntry[];
  /** Part of every cache key: a change in the lexicon re-synthesises what it touches. */
  hash: string;
}

export const EMPTY_LEXICON: Lexicon = { entries: [], hash: 'none' };

export async function loadLexicons(files: readonly string[]): Promise<Lexicon> {
  const entries: LexiconEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new LecternError('lexicon file not found', 'lexicon:missing', { file });
    }
    entries.push(...(file.toLowerCase().endsWith('.json') ? parseAliasMap(text, file) : parsePls(text, file)));
  }
  return entries.length ? { entries, hash: digest(JSON.stringify(entries), 16) } : EMPTY_LEXICON;
}

export function parseAliasMap(text: string, file: string): LexiconEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new LecternError(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`, 'lexicon:json', { file });
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new LecternError('expected an object of "word": "say this instead"', 'lexicon:json', { file });
  return Object.entries(data).map(([grapheme, alias]) => {
    if (typeof alias !== 'string') throw new LecternError(`"${grapheme}": expected a string`, 'lexicon:json', { file });
    return { grapheme, alias };
  });
}

export function parsePls(text: string, file: string): LexiconEntry[] {
  const DOMParser = loadDomParser();
  const doc = new DOMParser().parseFromString(text, 'text/xml');
  const root = doc.documentElement;
  if (!root || root.localName !== 'lexicon') throw new LecternError('not a PLS lexicon (expected a <lexicon> root element)', 'lexicon:pls', { file });
  const defaultAlphabet = root.getAttribute('alphabet') ?? 'ipa';
  const out: LexiconEntry[] = [];
  for (const lexeme of [...root.getElementsByTagName('lexeme')]) {
    const graphemes = [...lexeme.getElementsByTagName('grapheme')].map((g) => g.textContent?.trim() ?? '').filter(Boolean);
    const alias = lexeme.getElementsByTagName('alias')[0]?.textContent?.trim();
    const ph = lexeme.getElementsByTagName('phoneme')[0];
    const phoneme = ph?.textContent?.trim() ? { alphabet: ph.getAttribute('alphabet') ?? defaultAlphabet, value: ph.textContent.trim() } : undefined;
    if (!graphemes.length || (!alias && !phoneme)) continue;
    for (const grapheme of graphemes) out.push({ grapheme, ...(alias ? { alias } : {}), ...(phoneme ? { phoneme } : {}) });
  }
  return out;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Applies aliases (and phonemes in `phonemeAlphabet`, wrapped by `wrapPhoneme`) as
 * whole-word replacements, longest grapheme first.
 */
export function applyLexicon(text: string, lexicon: Lexicon, phonemes?: { alphabet: string; wrap: (p: string) => string }): string {
  if (!lexicon.entries.length) return text;
  let out = text;
  const sorted = [...lexicon.entries].sort((a, b) => b.grapheme.length - a.grapheme.length);
  for (const e of sorted) {
    const say = e.alias ?? (e.phoneme && phonemes && e.phoneme.alphabet === phonemes.alphabet ? phonemes.wrap(e.phoneme.value) : undefined);
    if (!say) continue;
    out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(e.grapheme)}(?![\\p{L}\\p{N}])`, 'gu'), say);
  }
  return out;
}
