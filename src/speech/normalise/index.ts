/**
 * Text normalisation for speech: per-language rule sets behind one registry. A language
 * without rules gets only the universal clean-up (spacing, symbols nobody can say), so its
 * text reaches the engine unchanged rather than mangled by another language's rules.
 *
 * Each language is a list of token rules run by one scanner (scan.ts): classify each
 * non-standard token, then verbalise it. `explain` says which rule changed which token.
 */
import { englishFor } from './en.js';
import { frenchFor, germanFor, spanishFor } from './romance.js';
import { universalClean } from './clean.js';
import type { Change } from './scan.js';

export { universalClean };
export type { Change, TokenClass } from './scan.js';

export interface Normaliser {
  /** Turns one sentence of article text into what the engine should say. */
  normalise(text: string): string;
}

export interface Explained {
  /** What the engine should say. */
  text: string;
  /** Each token a rule changed, in order. */
  changes: Change[];
}

export interface ExplainedNormaliser extends Normaliser {
  /** The same text as `normalise`, with the rule behind each change. */
  explain(text: string): Explained;
}

const factories: Record<string, (lang: string) => ExplainedNormaliser> = { en: englishFor, fr: frenchFor, de: germanFor, es: spanishFor };
const made = new Map<string, ExplainedNormaliser>();

/** The normaliser for a BCP 47 tag; the region matters ("en-GB" dates read day first, "en-US" month first). */
export function normaliserFor(lang: string): ExplainedNormaliser {
  const key = lang.toLowerCase();
  let n = made.get(key);
  if (!n) {
    const primary = key.split('-')[0]!;
    n = factories[primary]?.(lang) ?? universal;
    made.set(key, n);
  }
  return n;
}

/** Languages with rule sets. */
export function normalisedLanguages(): string[] {
  return Object.keys(factories);
}

export const universal: ExplainedNormaliser = {
  normalise: universalClean,
  explain: (text) => ({ text: universalClean(text), changes: [] }),
};
