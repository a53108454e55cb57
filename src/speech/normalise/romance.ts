/**
 * French, German and Spanish. eSpeak NG reads plain numbers in these languages well
 * (cardinals, decimals with a comma, percentages), so they stay as digits; the rules
 * here cover what it gets wrong, found by comparing its phonemes with what a reader says:
 * ordinals ("2e", "3. Oktober", "2.º"), Roman numerals after names and in centuries,
 * numeric dates, clock times ("14h30", "14:30 Uhr"), money (symbols, "M€", "Mio.",
 * "15,50 €"), a few units, and German years ("1990" is "neunzehnhundertneunzig").
 *
 * Number and ordinal words come from `n2words` (MIT, no dependencies, ordinals with
 * gender), which covers all three languages with the agreement rules they need.
 */
import * as frWords from 'n2words/fr-FR';
import * as deWords from 'n2words/de-DE';
import * as esWords from 'n2words/es-ES';
import type { ExplainedNormaliser } from './index.js';
import { universalClean } from './clean.js';
import { rule, scan, type ScanRule } from './scan.js';
import { roman } from './numbers.js';

type Words = (n: number, options?: { gender?: 'masculine' | 'feminine' }) => string;
/** n2words throws on what it cannot say (an ordinal 0); the rule then leaves the token to the next one. */
class Unsayable extends Error {}
const safe = (f: Words): Words => (n, options) => {
  if (!Number.isSafeInteger(n) || n < 0) throw new Unsayable();
  try {
    return f(n, options);
  } catch {
    throw new Unsayable();
  }
};
const frCardinal = safe(frWords.toCardinal as Words);
const frOrdinal = safe(frWords.toOrdinal as Words);
const deCardinal = safe(deWords.toCardinal as Words);
const deOrdinal = safe(deWords.toOrdinal as Words);
const esCardinal = safe(esWords.toCardinal as Words);
const esOrdinal = safe(esWords.toOrdinal as Words);

/** Each rule's verbaliser, with n2words' refusals turned into "not this rule". */
function guarded(rules: ScanRule[]): ScanRule[] {
  return rules.map((r) => ({
    ...r,
    say: (m, ctx) => {
      try {
        return r.say(m, ctx);
      } catch (e) {
        if (e instanceof Unsayable) return undefined;
        throw e;
      }
    },
  }));
}

/** A number as written in these languages: 1 500 / 1.500 / 2,3 */
const NUM = '\\d{1,3}(?:[ \\u00a0\\u202f.]\\d{3})+(?:,\\d+)?|\\d+(?:,\\d+)?';
/** Thousands separators out, so eSpeak reads one number: "1 500" -> "1500". */
const plain = (n: string) => n.replace(/[ \u00a0\u202f.](?=\d{3}(?:\D|$))/g, '');


interface Language {
  rules: ScanRule[];
  /** Integer words. */
  cardinal: (n: number) => string;
  /** The word between the parts of a decimal: "virgule", "Komma", "coma". */
  comma: string;
  /** Digits eSpeak should read as it does (a German "3." before a word it reads as an ordinal itself). */
  keep?: RegExp;
}

/**
 * Numbers left as digits become words at the end, so what the rules produced ("14 heures
 * 30") and the plain numbers of the sentence are said alike: eSpeak NG inserts pauses and
 * stresses into long digit strings that it does not put into the same number in words.
 */
function spellNumbers(text: string, lang: Language): string {
  return text.replace(/(?<![\p{L}\d])(\d{1,3}(?:[ \u00a0\u202f.]\d{3})+|\d+)(?:,(\d+))?(?![\d\p{L}])/gu, (m, whole: string, frac: string | undefined, offset: number) => {
    if (lang.keep?.test(text.slice(offset + m.length, offset + m.length + 3))) return m;
    const digits = plain(whole);
    if (digits.length > 15) return m;
    try {
      const head = lang.cardinal(Number(digits));
      if (frac === undefined) return head;
      const tail = frac.startsWith('0') || frac.length > 15 ? [...frac].map((d) => lang.cardinal(Number(d))).join(' ') : lang.cardinal(Number(frac));
      return `${head} ${lang.comma} ${tail}`;
    } catch {
      return m;
    }
  });
}

function normaliserOf(lang: Language): ExplainedNormaliser {
  return {
    explain(text: string) {
      const { text: said, changes } = scan(universalClean(text), lang.rules);
      return { text: universalClean(spellNumbers(said, lang)).replace(/\s+([,.;:!?])/g, '$1'), changes };
    },
    normalise(text: string) {
      return this.explain(text).text;
    },
  };
}

/** n2words leaves a few Spanish accents out; eSpeak stresses those words wrongly without them. */
const esAccents = (w: string) => w.replace(/dieciseis/g, 'dieciséis');

const FR_MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
const DE_MONTHS = ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'];
const ES_MONTHS = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'];
const validDate = (d: number, m: number) => d >= 1 && d <= 31 && m >= 1 && m <= 12;
/** A capitalised name before a Roman numeral: "Louis XIV", "Wilhelm II.", "Felipe VI". */
const NAME_BEFORE = /(\p{Lu}\p{Ll}+)\s+$/u;
const NOT_NAMES = new Set(['Le', 'La', 'Les', 'De', 'Du', 'Des', 'Et', 'En', 'Der', 'Die', 'Das', 'Und', 'Im', 'Am', 'El', 'Los', 'Las', 'Y', 'Del']);

// French -------------------------------------------------------------------------------

function frenchRules(): ScanRule[] {
  const hours = (h: string) => (Number(h) % 10 === 1 && Number(h) !== 11 ? `${frCardinal(Number(h)).replace(/un$/, 'une')} heure${Number(h) === 1 ? '' : 's'}` : `${h} heures`);
  const CURRENCY: Record<string, [string, string]> = { '€': ['euro', 'euros'], $: ['dollar', 'dollars'], '£': ['livre', 'livres'], CHF: ['franc suisse', 'francs suisses'], '¥': ['yen', 'yens'] };
  const SCALE: Record<string, string> = { k: 'mille', M: 'millions', Md: 'milliards', Mds: 'milliards', Mrd: 'milliards' };
  return [
    rule('date:numeric', 'DATE', /(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?!\d)/, (m) => (validDate(Number(m[1]), Number(m[2])) ? `${Number(m[1]) === 1 ? '1er' : Number(m[1])} ${FR_MONTHS[Number(m[2]) - 1]} ${m[3]}` : undefined), { first: /\d/ }),
    rule('time', 'TIME', /(\d{1,2})\s?(?:h|:)\s?(\d{2})?(?![\p{L}\d])/u, (m) => (Number(m[1]) <= 24 ? `${hours(m[1]!)}${m[2] && m[2] !== '00' ? ` ${Number(m[2])}` : ''}` : undefined), { first: /\d/ }),
    rule('money', 'MONEY', new RegExp(`(${NUM})\\s?(k|M|Mds?|Mrd)?\\s?(€|\\$|£|CHF|¥)`, 'u'), (m) => {
      const [, n, scale, cur] = m;
      const [one, many] = CURRENCY[cur!]!;
      if (scale) return `${plain(n!)} ${SCALE[scale]} ${scale === 'k' ? many : `d'${many}`}`.replace("d'dollars", 'de dollars').replace("d'livres", 'de livres').replace("d'francs", 'de francs').replace("d'yens", 'de yens');
      const [whole, cents] = plain(n!).split(',');
      const unit = whole === '1' ? one : many;
      return cents && cents !== '00' ? `${whole === '1' ? 'un' : whole} ${unit} ${cents.padEnd(2, '0').replace(/^0/, '')}` : `${whole === '1' ? 'un' : whole} ${unit}`;
    }, { first: /\d/ }),
    rule('ordinal', 'ORDINAL', /(\d+)(er|re|ère|e|ème|è)(?![\p{L}\d])/u, (m) => {
      const n = Number(m[1]);
      if (n === 1) return m[2] === 'er' ? 'premier' : 'première';
      return frOrdinal(n);
    }, { first: /\d/ }),
    rule('ordinal:roman', 'ORDINAL', /([IVXLCDM]+)(er|re|e|ème)(?![\p{L}\d])/u, (m) => {
      const n = roman(m[1]!);
      // "Le", "Ce", "De", "Me" are words; "Ve République", "XXIe siècle", "François Ier" are not.
      if (!n || /^[LCDM]$/.test(m[1]!)) return undefined;
      return n === 1 ? (m[2] === 'er' ? 'premier' : 'première') : frOrdinal(n);
    }, { first: /[IVXLCDM]/ }),
    rule('cardinal:regnal', 'CARDINAL', /([IVXLCDM]+)(?![\p{L}\d])/u, (m, ctx) => {
      const n = roman(m[1]!);
      const name = NAME_BEFORE.exec(ctx.said)?.[1];
      if (!n || !name || NOT_NAMES.has(name) || (m[1]!.length < 2 && m[1] !== 'I' && m[1] !== 'V' && m[1] !== 'X')) return undefined;
      if (m[1] === 'I' && !/^(?:François|Napoléon|Louis|Henri|Charles|Philippe|Jean|Pierre|Élisabeth|Albert|Léopold|Nicolas|Alexandre|Pie|Paul)$/.test(name)) return undefined;
      // French regnal numbers are cardinals, but "premier".
      return n === 1 ? 'premier' : frCardinal(n);
    }, { first: /[IVXLCDM]/ }),
    rule('measure', 'MEASURE', /(\d+(?:,\d+)?)\s?(km\/h|°C)(?![\p{L}])/u, (m) => `${m[1]} ${m[2] === '°C' ? 'degrés Celsius' : 'kilomètres heure'}`, { first: /\d/ }),
  ];
}

// German -------------------------------------------------------------------------------

function germanRules(): ScanRule[] {
  /** "dritte" after der/die/das, "dritten" after am/im/vom/zum/dem/den/des. */
  const ordinal = (n: number, said: string) => {
    const base = deOrdinal(n);
    return /\b(?:am|im|vom|zum|beim|dem|den|des|einem|einen|seit|bis|ab)\s+$/i.test(said) ? `${base}n` : /\b(?:ein)\s+$/i.test(said) ? `${base}r` : base;
  };
  /** Years before 2000 in hundreds: "neunzehnhundertneunzig". */
  const year = (y: number) => (y >= 1100 && y < 2000 ? `${deCardinal(Math.floor(y / 100))}hundert${y % 100 ? deCardinal(y % 100) : ''}` : String(y));
  const MONTHS = DE_MONTHS.join('|');
  const yearContext = new RegExp(`\\b(?:${MONTHS}|Jahr|Jahre|Jahres|im|seit|bis|von|ab|um|Anfang|Ende|Mitte|Sommer|Winter|Frühjahr|Herbst)\\s+$`, 'i');
  const CURRENCY: Record<string, string> = { '€': 'Euro', Euro: 'Euro', $: 'Dollar', Dollar: 'Dollar', '£': 'Pfund', Pfund: 'Pfund', CHF: 'Franken', Franken: 'Franken' };
  const SCALE: Record<string, string> = { 'Mio.': 'Millionen', Mio: 'Millionen', 'Mrd.': 'Milliarden', Mrd: 'Milliarden', 'Tsd.': 'Tausend' };
  return [
    rule('date:numeric', 'DATE', /(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)/, (m, ctx) => (validDate(Number(m[1]), Number(m[2])) ? `${ordinal(Number(m[1]), ctx.said)} ${DE_MONTHS[Number(m[2]) - 1]} ${year(Number(m[3]))}` : undefined), { first: /\d/ }),
    rule('date:day-month', 'DATE', new RegExp(`(\\d{1,2})\\.\\s+(${MONTHS})(?:\\s+(\\d{4})(?!\\d))?`, 'u'), (m, ctx) => `${ordinal(Number(m[1]), ctx.said)} ${m[2]}${m[3] ? ` ${year(Number(m[3]))}` : ''}`, { first: /\d/ }),
    // A four-digit number is a year after a month or a word like "Jahr" or "seit", or when no noun follows ("endete 1945."); "1500 Einwohner" is a number.
    rule('date:year', 'DATE', /(1[1-9]\d\d)(?![\d,]|\.\d)/, (m, ctx) => {
      const after = ctx.text.slice(m.index + m[0].length, m.index + m[0].length + 3);
      const context = yearContext.test(ctx.said);
      return context || !/^\s+\p{Lu}/u.test(after) ? year(Number(m[1])) : undefined;
    }, { first: /1/ }),
    rule('time', 'TIME', /(\d{1,2})[:.](\d{2})\s?Uhr/, (m) => (Number(m[1]) <= 24 ? `${Number(m[1]) === 1 ? 'ein' : Number(m[1])} Uhr${m[2] === '00' ? '' : ` ${Number(m[2])}`}` : undefined), { first: /\d/ }),
    rule('money', 'MONEY', new RegExp(`(${NUM})\\s?(Mio\\.?|Mrd\\.?|Tsd\\.)?\\s?(€|\\$|£|CHF|Euro|Dollar|Pfund|Franken)(?![\\p{L}])`, 'u'), (m) => {
      const [, n, scale, cur] = m;
      const unit = CURRENCY[cur!]!;
      if (scale) return `${plain(n!)} ${SCALE[scale]} ${unit}`;
      const [whole, cents] = plain(n!).split(',');
      return `${whole === '1' ? 'ein' : whole} ${unit}${cents && cents !== '00' && cents !== '-' ? ` ${Number(cents.padEnd(2, '0'))}` : ''}`;
    }, { first: /\d/ }),
    rule('cardinal:scale', 'CARDINAL', new RegExp(`(${NUM})\\s?(Mio\\.|Mrd\\.|Tsd\\.)`, 'u'), (m) => `${plain(m[1]!)} ${SCALE[m[2]!]}`, { first: /\d/ }),
    // "der 2. Weltkrieg", "im 21. Jahrhundert": a number with a full stop before a word.
    rule('ordinal', 'ORDINAL', /(\d{1,3})\.(?=\s+\p{L})/u, (m, ctx) => (/\b(?:der|die|das|dem|den|des|am|im|vom|zum|beim|seit|ab|bis|ein|eine|einem|einen|zur)\s+$/i.test(ctx.said) ? ordinal(Number(m[1]), ctx.said) : undefined), { first: /\d/ }),
    rule('ordinal:regnal', 'ORDINAL', /([IVXLCDM]+)\.?(?![\p{L}\d])/u, (m, ctx) => {
      const n = roman(m[1]!);
      const name = NAME_BEFORE.exec(ctx.said)?.[1];
      if (!n || !name || NOT_NAMES.has(name) || (m[1] === 'I' && !/\.$/.test(m[0]))) return undefined;
      const word = deOrdinal(n);
      return `der ${word[0]!.toUpperCase()}${word.slice(1)}`;
    }, { first: /[IVXLCDM]/ }),
    rule('measure', 'MEASURE', /(\d+(?:,\d+)?)\s?(km\/h|°C|km²|m²|km|kg)(?![\p{L}])/u, (m) => `${m[1]} ${{ 'km/h': 'Kilometer pro Stunde', '°C': 'Grad Celsius', 'km²': 'Quadratkilometer', 'm²': 'Quadratmeter', km: 'Kilometer', kg: 'Kilogramm' }[m[2]!]}`, { first: /\d/ }),
  ];
}

// Spanish ------------------------------------------------------------------------------

function spanishRules(): ScanRule[] {
  const CURRENCY: Record<string, [string, string]> = { '€': ['euro', 'euros'], $: ['dólar', 'dólares'], US$: ['dólar', 'dólares'], '£': ['libra', 'libras'] };
  return [
    rule('date:numeric', 'DATE', /(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)/, (m) => (validDate(Number(m[1]), Number(m[2])) ? `${Number(m[1])} de ${ES_MONTHS[Number(m[2]) - 1]} de ${m[3]}` : undefined), { first: /\d/ }),
    rule('money:before', 'MONEY', new RegExp(`(US\\$|\\$|€|£)\\s?(${NUM})(?:\\s(millones|mil millones))?`, 'u'), (m) => {
      const [one, many] = CURRENCY[m[1]!]!;
      const [whole, cents] = plain(m[2]!).split(',');
      if (m[3]) return `${plain(m[2]!)} ${m[3]} de ${many}`;
      return `${whole === '1' ? 'un' : whole} ${whole === '1' ? one : many}${cents && cents !== '00' ? ` con ${Number(cents.padEnd(2, '0'))}` : ''}`;
    }, { first: /[U$€£]/ }),
    rule('money', 'MONEY', new RegExp(`(${NUM})\\s?(?:(millones|mil millones)\\s(?:de\\s)?)?(€|\\$|£)`, 'u'), (m) => {
      const [one, many] = CURRENCY[m[3]!]!;
      if (m[2]) return `${plain(m[1]!)} ${m[2]} de ${many}`;
      const [whole, cents] = plain(m[1]!).split(',');
      return `${whole === '1' ? 'un' : whole} ${whole === '1' ? one : many}${cents && cents !== '00' ? ` con ${Number(cents.padEnd(2, '0'))}` : ''}`;
    }, { first: /\d/ }),
    // "2.º", "2º" and "3.ª" (the clean-up has already made º and ª plain o and a).
    rule('ordinal', 'ORDINAL', /(\d{1,3})\.?([oa]|er)(?![\p{L}\d])/u, (m) => (m[2] === 'er' ? (m[1] === '1' ? 'primer' : m[1] === '3' ? 'tercer' : undefined) : esOrdinal(Number(m[1]), m[2] === 'a' ? { gender: 'feminine' } : {})), { first: /\d/ }),
    rule('cardinal:thousands', 'CARDINAL', /\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d])/, (m) => plain(m[0]), { first: /\d/ }),
    rule('ordinal:regnal', 'ORDINAL', /([IVXLCDM]+)(?![\p{L}\d])/u, (m, ctx) => {
      const n = roman(m[1]!);
      const name = NAME_BEFORE.exec(ctx.said)?.[1];
      if (!n || !name || NOT_NAMES.has(name) || /^(?:siglo|Siglo)$/.test(name)) return undefined;
      if (m[1]!.length === 1 && !/^(?:Felipe|Carlos|Juan|Alfonso|Fernando|Isabel|Pedro|Pablo|Pío|Juana|Enrique)$/.test(name)) return undefined;
      // Spanish regnal numbers are ordinals up to ten, then cardinals: "Felipe sexto", "Alfonso trece".
      return n <= 10 ? esOrdinal(n) : esCardinal(n);
    }, { first: /[IVXLCDM]/ }),
    rule('measure', 'MEASURE', /(\d+(?:,\d+)?)\s?(km\/h|°C)(?![\p{L}])/u, (m) => `${m[1]} ${m[2] === '°C' ? 'grados centígrados' : 'kilómetros por hora'}`, { first: /\d/ }),
  ];
}

let fr: ExplainedNormaliser | undefined;
let de: ExplainedNormaliser | undefined;
let es: ExplainedNormaliser | undefined;
export const frenchFor = (_lang: string): ExplainedNormaliser => (fr ??= normaliserOf({ rules: guarded(frenchRules()), cardinal: (n) => frCardinal(n), comma: 'virgule' }));
export const germanFor = (_lang: string): ExplainedNormaliser => (de ??= normaliserOf({ rules: guarded(germanRules()), cardinal: (n) => deCardinal(n), comma: 'Komma', keep: /^\.\s\p{L}/u }));
export const spanishFor = (_lang: string): ExplainedNormaliser => (es ??= normaliserOf({ rules: guarded(spanishRules()), cardinal: (n) => esAccents(esCardinal(n)), comma: 'coma' }));

