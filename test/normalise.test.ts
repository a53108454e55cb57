import { describe, expect, it } from 'vitest';
import { normaliserFor } from '../src/speech/normalise/index.js';
import { AMERICAN, cardinal, decade, ordinal, roman, year } from '../src/speech/normalise/numbers.js';
import { sentenceRanges } from '../src/speech/sentences.js';
import { applyLexicon, parseAliasMap, parsePls } from '../src/speech/lexicon.js';

const en = normaliserFor('en-GB');
const say = (s: string) => en.normalise(s);

// Exact strings for the newspaper style; test/normalise-phonemes.test.ts checks the case table by what eSpeak says.
describe('English normalisation', () => {
  it.each([
    ['scale suffixes', 'Gaza, home to 2.3mn people, has been enduring a crisis.', 'Gaza, home to two point three million people, has been enduring a crisis.'],
    ['money used as an adjective', 'The £12.5mn array was paid for by a share offer.', 'The twelve point five million pound array was paid for by a share offer.'],
    ['money in dollars with m and bn', 'The fund raised $40m in March and $1.2bn by June.', 'The fund raised forty million dollars in March and one point two billion dollars by June.'],
    ['pence and cents', 'A price of 9.8p per unit, or $1.50 a day.', 'A price of nine point eight pence per unit, or one dollar fifty cents a day.'],
    ['British "and" in numbers', 'The town of 4,800 people and 1,150 homes.', 'The town of four thousand eight hundred people and one thousand one hundred and fifty homes.'],
    ['ordinals without hyphens', 'It was the 21st time in the 3rd quarter.', 'It was the twenty first time in the third quarter.'],
    ['dates', 'Figures released on 24 Nov showed a rise; Hamas attacked on October 7.', 'Figures released on the twenty fourth of November showed a rise; Hamas attacked on October seventh.'],
    ['times', 'The tide turned at 6.42am and again at 7pm.', 'The tide turned at six forty two a.m. and again at seven p.m.'],
    ['initialisms in the form eSpeak spells', 'The US, UK, EU and UN met; NATO did not.', 'The U.S, U.K, E.U and U.N met; NATO did not.'],
    ['possessive and plural initialisms stay compact', "He said the US's MPs agreed.", "He said the US's MPs agreed."],
    ['titles', 'Dr Ana Pereira met Mr Lowe and Mrs Otieno.', 'Doctor Ana Pereira met Mister Lowe and Missus Otieno.'],
    ['No. and St', 'He arrived at No. 10 before visiting St Paul’s on Fleet St.', "He arrived at number ten before visiting Saint Paul's on Fleet Street."],
    ['a street ending a sentence keeps its full stop', 'Nancy lived on 1428 Elm St. It was a strange place.', 'Nancy lived on fourteen twenty eight Elm Street. It was a strange place.'],
    ['a spaced ellipsis is a pause', 'The Yemeni army . . . attacks the occupied lands.', 'The Yemeni army … attacks the occupied lands.'],
    ['brackets stay, for the engine to pause at', 'The Yemeni army [Iran-backed Houthi movement] attacks.', 'The Yemeni army [Iran-backed Houthi movement] attacks.'],
    ['brackets that are not asides', 'Call (123) 123-5678 about your 401(k).', 'Call one two three, one two three, five six seven eight about your four oh one k.'],
    ['straight and curly quotes', '“We were told,” he said, "and so far it is".', 'We were told, he said, and so far it is.'],
    ['dashes as pauses, ranges', 'Hizbollah — the most powerful group — grew in 2019–2020.', 'Hizbollah, the most powerful group, grew in twenty nineteen to twenty twenty.'],
    ['URLs read as their site', 'The report is at https://www.example.org/marine/report?id=3 today.', 'The report is at example dot org today.'],
    ['emails', 'Write to letters@example.co.uk with corrections.', 'Write to letters at example dot co dot uk with corrections.'],
    ['units', 'Gusts of 70mph and 4 km of cable weighing 20kg.', 'Gusts of seventy miles per hour and four kilometres of cable weighing twenty kilograms.'],
    ['symbols', 'AT&T and R&D spending rose.', 'A.T and T and R and D spending rose.'],
    ['emoji and dingbats are dropped', 'Crowds cheered 🎉 the result ✓.', 'Crowds cheered the result.'],
    ['regnal numbers and wars, not the pronoun', 'King Charles III met Louis XIV; after World War II I left.', 'King Charles the third met Louis the fourteenth; after World War two I left.'],
    ['an abbreviation ending the sentence keeps the full stop', 'The vote is on 24 Nov.', 'The vote is on the twenty fourth of November.'],
    ['all-caps headline words are words', 'PRICES RISE AGAIN AS BANK HOLDS RATES', 'prices rise again as bank holds rates'],
  ])('%s', (_rule, input, expected) => {
    expect(say(input)).toBe(expected);
  });

  it('never reads "US" as the word "us"', () => {
    expect(say('Iran told US it did not want war')).toBe('Iran told U.S it did not want war');
    expect(say('Tell us what the US wants')).toBe('Tell us what the U.S wants');
  });

  it('reads numeric dates by the locale: day first in en-GB, month first in en-US and en', () => {
    expect(normaliserFor('en-GB').normalise('on 03/07/2016')).toBe('on the third of July twenty sixteen');
    expect(normaliserFor('en-US').normalise('on 03/07/2016')).toBe('on March seventh twenty sixteen');
    expect(normaliserFor('en').normalise('on 03/07/2016')).toBe('on March seventh twenty sixteen');
    expect(normaliserFor('en-US').normalise('on 25/07/2016')).toBe('on the twenty fifth of July twenty sixteen');
  });

  it('explains each changed token with the rule that fired', () => {
    const { text, changes } = en.explain('Dr Lowe paid $20/mo on 25 july 2012.');
    expect(text).toBe('Doctor Lowe paid twenty dollars per month on the twenty fifth of July twenty twelve.');
    expect(changes.map((c) => [c.from, c.rule, c.to])).toEqual([
      ['Dr', 'abbreviation:title', 'Doctor'],
      ['$20/mo', 'money', 'twenty dollars per month'],
      ['25 july 2012', 'date:day-month', 'the twenty fifth of July twenty twelve'],
    ]);
  });

  it('takes time in proportion to the text (no backtracking blow-up)', () => {
    const unit = 'Mr. Lowe paid £1.5bn on 25 July 2012 at 6.42am; the US (and UK) said 1,000th — ';
    const time = (n: number) => {
      const text = unit.repeat(n);
      const t0 = performance.now();
      en.normalise(text);
      return performance.now() - t0;
    };
    // Warm up with the large size, so the compiler and the heap are ready for both.
    time(800);
    time(200);
    const small = Math.min(time(200), time(200), time(200));
    const large = Math.min(time(800), time(800), time(800));
    // Four times the text: about four times the time; quadratic would be sixteen (the margin is for a busy machine).
    expect(large / small).toBeLessThan(9);
    expect(en.normalise('Mr. '.repeat(50_000)).length).toBeGreaterThan(0);
  }, 60_000);
});

describe('languages without rules', () => {
  it('pass text to the engine unchanged rather than mangled', () => {
    const it_ = normaliserFor('it-IT');
    const text = 'Il 7 ottobre, 2,3 M€ sono stati versati (circa 15 %) all’ONU.';
    expect(it_.normalise(text)).toBe(text);
  });
});

describe('number words', () => {
  it('spells cardinals, ordinals, years and decades', () => {
    expect(cardinal(4800)).toBe('four thousand eight hundred');
    expect(cardinal(1150)).toBe('one thousand one hundred and fifty');
    expect(cardinal(1005)).toBe('one thousand and five');
    expect(cardinal(1150, AMERICAN)).toBe('one thousand one hundred fifty');
    expect(cardinal('18,925,000', AMERICAN)).toBe('eighteen million nine hundred twenty five thousand');
    expect(ordinal(22)).toBe('twenty second');
    expect(ordinal(12)).toBe('twelfth');
    expect(ordinal(1000)).toBe('one thousandth');
    expect(year(1905)).toBe('nineteen oh five');
    expect(year(2005)).toBe('two thousand and five');
    expect(year(2005, AMERICAN)).toBe('two thousand five');
    expect(year(2026)).toBe('twenty twenty six');
    expect(year(1700)).toBe('seventeen hundred');
    expect(decade(1980)).toBe('nineteen eighties');
    expect(roman('LVIII')).toBe(58);
    expect(roman('IIII')).toBeUndefined();
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

  it('keep a clock time with its time zone, and split after it', () => {
    const text = 'Call before 10:00 p.m. EST. The line closes at 9 a.m. Nobody answers.';
    expect(sentenceRanges(text, 'en').map((r) => text.slice(r.start, r.end))).toEqual(['Call before 10:00 p.m. EST.', 'The line closes at 9 a.m.', 'Nobody answers.']);
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
