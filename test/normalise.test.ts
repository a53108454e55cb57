import { describe, expect, it } from 'vitest';
import { normaliserFor } from '../src/speech/normalise/index.js';
import { cardinal, decade, ordinal, year } from '../src/speech/normalise/numbers.js';
import { sentenceRanges } from '../src/speech/sentences.js';
import { applyLexicon, parseAliasMap, parsePls } from '../src/speech/lexicon.js';

const en = normaliserFor('en-GB');
const say = (s: string) => en.normalise(s);

// Each rule, with sentences of the kind newspapers print.
describe('English normalisation', () => {
  it.each([
    ['scale suffixes', 'Gaza, home to 2.3mn people, has been enduring a crisis.', 'Gaza, home to 2.3 million people, has been enduring a crisis.'],
    ['money in pounds with mn', 'The £12.5mn array was paid for by a share offer.', 'The 12.5 million pounds array was paid for by a share offer.'],
    ['money in dollars with m and bn', 'The fund raised $40m in March and $1.2bn by June.', 'The fund raised 40 million dollars in March and 1.2 billion dollars by June.'],
    ['euros, thousands and trillions', 'Fines of €500k rose to €3tn overall.', 'Fines of 500 thousand euros rose to 3 trillion euros overall.'],
    ['pence and cents-style amounts', 'A price of 9.8p per unit, or $1.50 a day.', 'A price of 9.8 pence per unit, or 1 dollar 50 a day.'],
    ['US dollars', 'Exports were worth US$5bn.', 'Exports were worth 5 billion dollars.'],
    ['percentages', 'Inflation fell to 4.5% from 15 %.', 'Inflation fell to 4.5 percent from 15 percent.'],
    ['cardinals with separators', 'The town of 4,800 people and 1,150 homes.', 'The town of 4800 people and 1150 homes.'],
    ['ordinals', 'It was the 21st time in the 3rd quarter.', 'It was the twenty-first time in the third quarter.'],
    ['dates with abbreviated months', 'Figures released on 24 Nov showed a rise.', 'Figures released on the twenty-fourth of November showed a rise.'],
    ['month then day', 'Hamas attacked Israel on October 7 and on Oct 8.', 'Hamas attacked Israel on October seventh and on October eighth.'],
    ['weekday with date', 'A storm is due on Sat 6 Dec.', 'A storm is due on Saturday the sixth of December.'],
    ['years after a preposition or month', 'Prices are fixed until 2030, as agreed in March 2024.', 'Prices are fixed until twenty thirty, as agreed in March twenty twenty-four.'],
    ['decades', 'Waves unseen since the 1950s or the ’90s.', 'Waves unseen since the nineteen fifties or the nineties.'],
    ['times', 'The tide turned at 6.42am and again at 7pm.', 'The tide turned at 6 42 a m and again at 7 p m.'],
    ['initialisms', 'The US, UK, EU and UN met; NATO did not.', 'The U S, U K, E U and U N met; NATO did not.'],
    ['possessive initialism', "He said the US's messages urged restraint.", "He said the U S's messages urged restraint."],
    ['titles', 'Dr Ana Pereira met Mr Lowe and Mrs Otieno.', 'Doctor Ana Pereira met Mister Lowe and Missus Otieno.'],
    ['No. and St', 'He arrived at No. 10 before visiting St Paul’s on Fleet St.', "He arrived at number 10 before visiting Saint Paul's on Fleet Street."],
    ['a spaced ellipsis is a pause', 'The Yemeni army . . . attacks the occupied lands.', 'The Yemeni army … attacks the occupied lands.'],
    ['editorial brackets', 'The Yemeni army [Iran-backed Houthi movement] attacks.', 'The Yemeni army, Iran-backed Houthi movement, attacks.'],
    ['parentheses', 'The grid operator (National Grid) agreed.', 'The grid operator, National Grid, agreed.'],
    ['straight and curly quotes', '“We were told,” he said, "and so far it is".', 'We were told, he said, and so far it is.'],
    ['dashes as pauses, ranges', 'Hizbollah — the most powerful group — grew in 2019–2020.', 'Hizbollah, the most powerful group, grew in twenty nineteen to twenty twenty.'],
    ['URLs read as their site', 'The report is at https://www.example.org/marine/report?id=3 today.', 'The report is at example dot org today.'],
    ['emails', 'Write to letters@example.co.uk with corrections.', 'Write to letters at example dot co dot uk with corrections.'],
    ['units', 'Gusts of 70mph and 4 km of cable weighing 20kg.', 'Gusts of 70 miles per hour and 4 kilometres of cable weighing 20 kilograms.'],
    ['symbols', 'AT&T and R&D spending rose.', 'A T and T and R and D spending rose.'],
    ['emoji and dingbats are dropped', 'Crowds cheered 🎉 the result ✓.', 'Crowds cheered the result.'],
    ['regnal numbers and wars', 'King Charles III met Louis XIV; after World War II.', 'King Charles the third met Louis the fourteenth; after World War two.'],
    ['an abbreviation ending the sentence keeps the full stop', 'The vote is on 24 Nov.', 'The vote is on the twenty-fourth of November.'],
  ])('%s', (_rule, input, expected) => {
    expect(say(input)).toBe(expected);
  });

  it('never reads "US" as the word "us"', () => {
    expect(say('Iran told US it did not want war')).toBe('Iran told U S it did not want war');
    expect(say('Tell us what the US wants')).toBe('Tell us what the U S wants');
  });
});

describe('languages without rules', () => {
  it('pass text to the engine unchanged rather than mangled', () => {
    const fr = normaliserFor('fr-FR');
    const text = 'Le 7 octobre, 2,3 M€ ont été versés (environ 15 %) à l’ONU.';
    expect(fr.normalise(text)).toBe(text);
  });
});

describe('number words', () => {
  it('spells cardinals, ordinals, years and decades', () => {
    expect(cardinal(4800)).toBe('four thousand eight hundred');
    expect(ordinal(22)).toBe('twenty-second');
    expect(ordinal(12)).toBe('twelfth');
    expect(year(1905)).toBe('nineteen oh five');
    expect(year(2005)).toBe('two thousand and five');
    expect(year(2026)).toBe('twenty twenty-six');
    expect(decade(1980)).toBe('nineteen eighties');
  });
});

describe('sentences', () => {
  it('split at sentence ends but not after abbreviations or inside a spaced ellipsis', () => {
    const text = 'Mr. Lowe met Dr. Pereira at No. 10. The army . . . attacks. “Is it over?” she asked. Yes.';
    expect(sentenceRanges(text, 'en').map((r) => text.slice(r.start, r.end))).toEqual([
      'Mr. Lowe met Dr. Pereira at No. 10.',
      'The army . . . attacks.',
      '“Is it over?” she asked.',
      'Yes.',
    ]);
  });
});

describe('lexicons', () => {
  it('applies PLS aliases and JSON aliases as whole words', () => {
    const pls = parsePls(
      `<?xml version="1.0"?><lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="en">
        <lexeme><grapheme>Amirabdollahian</grapheme><alias>Ameer abdollahee-aan</alias></lexeme>
        <lexeme><grapheme>Hizbollah</grapheme><grapheme>Hezbollah</grapheme><alias>Hiz bollah</alias></lexeme>
        <lexeme><grapheme>Porthmellin</grapheme><phoneme alphabet="x-espeak">p'O:Tm@lIn</phoneme></lexeme>
      </lexicon>`,
      'test.pls',
    );
    const lex = { entries: [...pls, ...parseAliasMap('{"Raisi": "Rye-see"}', 'a.json')], hash: 'x' };
    expect(applyLexicon('Amirabdollahian met Hezbollah and Raisi; Raisian stays.', lex)).toBe('Ameer abdollahee-aan met Hiz bollah and Rye-see; Raisian stays.');
    expect(applyLexicon('In Porthmellin.', lex, { alphabet: 'x-espeak', wrap: (p) => `[[${p}]]` })).toBe("In [[p'O:Tm@lIn]].");
  });

  it('rejects a file that is not a lexicon with one clear message', () => {
    expect(() => parsePls('<html/>', 'x.pls')).toThrow('not a PLS lexicon (expected a <lexicon> root element)');
    expect(() => parseAliasMap('[1]', 'x.json')).toThrow('expected an object');
  });
});
