/**
 * Text normalisation for speech: per-language rule sets behind one registry. A language
 * without rules gets only the universal clean-up (spacing, symbols nobody can say), so its
 * text reaches the engine unchanged rather than mangled by another language's rules.
 */
import { english } from './en.js';
import { universalClean } from './clean.js';

export { universalClean };

export interface Normaliser {
  /** Turns one sentence of article text into what the engine should say. */
  normalise(text: string): string;
}

const registry: Record<string, Normaliser> = { en: english };

export function normaliserFor(lang: string): Normaliser {
  const primary = lang.toLowerCase().split('-')[0]!;
  return registry[primary] ?? universal;
}

/** Languages with rule sets. */
export function normalisedLanguages(): string[] {
  return Object.keys(registry);
}

export const universal: Normaliser = { normalise: universalClean };
