import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliserFor, universal } from '../../src/speech/normalise/index.js';
import { SPEAKABLE } from '../../src/speech/normalise/clean.js';
import { runs, TIMEOUT } from './runs.js';

const english = normaliserFor('en-GB');

/** Newspaper text: the tokens the English rules look for, in any order and spacing. */
const token = fc.oneof(
  fc.constantFrom('£', '$', '€', 'US$', '¥', '%', 'p', 'm', 'mn', 'bn', 'tn', 'k', 'st', 'nd', 'th', 'mph', 'km', 'kg', '°C', 'am', 'pm', 's', "'s"),
  fc.constantFrom('Jan', 'Nov', 'October', 'Sat', 'Mr', 'Dr', 'St', 'No.', 'e.g.', 'US', 'UK', 'NATO', 'the', 'in', 'until', 'of'),
  fc.constantFrom('.', ',', ':', '-', '–', '—', '…', '. . .', '(', ')', '[', ']', '[[', ']]', '“', '”', "'", '’', '&', '+', '#', '/', '@'),
  fc.constantFrom('https://www.example.org/a?b', 'desk@example.org', '😀', '👍🏽', '🇬🇧', '1️⃣', '𝐇𝐞𝐥𝐥𝐨', 'ｆｕｌｌ', '①', '²', '½', 'ℌ', '∑', '⊕', '★', '→', '♥', '™', '©', '\u200d', '\u00ad', '\u202e', '\ufe0f', '\ue000', '\ufffd', '\u0301', 'e\u0301', '\ud800', '\u0007', 'Ⅻ', '\u2180', '〇'),
  fc.nat({ max: 3000 }).map(String),
  fc.tuple(fc.nat({ max: 999 }), fc.nat({ max: 99 })).map(([a, b]) => `${a}.${b}`),
  fc.tuple(fc.nat({ max: 999 }), fc.nat({ max: 999 })).map(([a, b]) => `${a},${String(b).padStart(3, '0')}`),
  fc.string({ maxLength: 4 }),
);
const newsy = fc.array(fc.tuple(token, fc.constantFrom('', ' ', ' ', '\n', '\t')), { maxLength: 30 }).map((parts) => parts.map(([t, sep]) => t + sep).join(''));
const anything = fc.oneof(newsy, fc.string({ unit: 'binary', maxLength: 120 }));

describe('text normalisation on arbitrary text', () => {
  it('never throws and gives the engine only characters it can say', () => {
    fc.assert(
      fc.property(anything, (text) => {
        for (const n of [english, universal, ...['en-US', 'fr-FR', 'de-DE', 'es-ES'].map(normaliserFor)]) {
          const out = n.normalise(text);
          expect(out).toMatch(SPEAKABLE);
          expect(out).not.toMatch(/\s\s|^\s|\s$/);
        }
      }),
      runs(1000),
    );
  }, TIMEOUT);

  it('leaves no number with a scale suffix ("2.3mn") for the engine to spell', () => {
    fc.assert(fc.property(anything, (text) => void expect(english.normalise(text)).not.toMatch(/\d\s?(?:mn|bn|tn)\b/)), runs(1000));
  }, TIMEOUT);

  it('says a text in at most a few times as many characters', () => {
    fc.assert(
      fc.property(anything, (text) => {
        expect(english.normalise(text).length).toBeLessThanOrEqual(8 * text.length + 16);
        expect(universal.normalise(text).length).toBeLessThanOrEqual(text.length * 3);
      }),
      runs(1000),
    );
  }, TIMEOUT);
});
