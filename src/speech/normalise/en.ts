/**
 * English newspaper text as a person would read it aloud. Each rule is one replace over
 * the sentence, in an order that matters (URLs before abbreviations, money before bare
 * numbers, dates before ordinals). Numbers stay as digits where every engine reads them
 * well (cardinals, decimals); ordinals, years and decades become words.
 */
import type { Normaliser } from './index.js';
import { universalClean } from './clean.js';
import { cardinal, decade, ordinal, year } from './numbers.js';

const MONTHS: Record<string, string> = {
  jan: 'January', feb: 'February', mar: 'March', apr: 'April', may: 'May', jun: 'June', jul: 'July', aug: 'August',
  sep: 'September', sept: 'September', oct: 'October', nov: 'November', dec: 'December',
};
const DAYS: Record<string, string> = {
  mon: 'Monday', tue: 'Tuesday', tues: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', thur: 'Thursday', thurs: 'Thursday',
  fri: 'Friday', sat: 'Saturday', sun: 'Sunday',
};
const MONTH = '(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?';
const DAY = '(Mon(?:day)?|Tue(?:s(?:day)?)?|Wed(?:nesday)?|Thu(?:r(?:s(?:day)?)?)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)\\.?';
const month = (m: string) => MONTHS[m.toLowerCase().replace(/\.$/, '').slice(0, m.toLowerCase().startsWith('sept') ? 4 : 3)] ?? m;
const day = (d: string) => DAYS[d.toLowerCase().replace(/\.$/, '').slice(0, 3)] ?? d;

/** All-caps words said as words, not letters. */
const ACRONYM_WORDS = new Set(['NATO', 'NASA', 'OPEC', 'UNESCO', 'UNICEF', 'AIDS', 'COVID', 'OK', 'FIFA', 'UEFA', 'ASEAN', 'NAFTA', 'OFCOM', 'OFGEM', 'OFSTED', 'SARS', 'LASER', 'RADAR', 'SCUBA', 'NIMBY', 'TEDX', 'ISIS', 'BRICS', 'WANA', 'IPO']);

const CURRENCY: Record<string, [string, string]> = { '£': ['pound', 'pounds'], $: ['dollar', 'dollars'], '€': ['euro', 'euros'] };
const SCALE: Record<string, string> = { k: 'thousand', thousand: 'thousand', m: 'million', mn: 'million', million: 'million', bn: 'billion', billion: 'billion', tn: 'trillion', trillion: 'trillion' };

function host(url: string): string {
  const h = url.replace(/^[a-z]+:\/\//i, '').replace(/^www\./i, '').split(/[/?#:]/)[0]!;
  return h.split('.').join(' dot ');
}

function money(sym: string, amount: string, scale: string | undefined): string {
  const [one, many] = CURRENCY[sym]!;
  const clean = amount.replace(/,/g, '');
  if (scale) return `${clean} ${SCALE[scale.toLowerCase()]} ${many}`;
  const [int, dec] = clean.split('.');
  if (dec && dec.length === 2 && dec !== '00') return `${int} ${int === '1' ? one : many} ${dec.replace(/^0/, '')}`;
  return `${clean} ${clean === '1' ? one : many}`;
}

type Rule = [RegExp, string | ((...m: string[]) => string)];

const RULES: Rule[] = [
  // Links and addresses: say where they go, not every character.
  [/\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g, (m) => { const [user, domain] = m.split('@'); return `${user!.split('.').join(' dot ')} at ${domain!.split('.').join(' dot ')}`; }],
  [/\bhttps?:\/\/[^\s)\]]+[^\s)\].,;:!?]|\bwww\.[^\s)\]]+[^\s)\].,;:!?]/gi, (m) => host(m)],
  // An ellipsis is a pause (the narration turns "…" into silence).
  [/\s*(?:\.\s*){3}|\s*…\s*/g, ' … '],
  // Editorial brackets and parentheses: read as an aside.
  [/\s*[[(]\s*([^\])]*?)\s*[\])]\s*/g, (_m, inner) => (inner ? `, ${inner}, ` : ' ')],
  // Decades, before quotation marks take the apostrophe of '90s.
  [/(?:\b|')(1[1-9]|20)(\d)0s\b/g, (_m, c, d) => decade(Number(`${c}${d}0`))],
  [/(?<![\w,.])['’](\d)0s\b/g, (_m, d) => decade(1900 + Number(d) * 10).replace(/^nineteen /, '')],
  // Quotation marks are not said; apostrophes inside or after words stay.
  [/(?<=\p{L})[’'](?=\p{L}|\s|$|[.,;:!?])/gu, "'"],
  [/[“”„"«»‘’‹›]|(?<!\p{L})'|'(?!\p{L})/gu, ' '],
  // Dashes: a range between numbers, otherwise a pause.
  [/\b(1[1-9]\d\d|20\d\d)\s?[–—]\s?(1[1-9]\d\d|20\d\d)\b/g, (_m, a, b) => `${year(Number(a))} to ${year(Number(b))}`],
  [/(\d)\s?[–—]\s?(\d)/g, '$1 to $2'],
  [/\s*[—–―]\s*|\s+-\s+/g, ', '],
  // Money, with currency symbols before and scale suffixes after.
  [/\bUS(?=\$)/g, ''],
  [/([£$€])\s?(\d(?:[\d,]*\d)?(?:\.\d+)?)(?:\s?(k|mn|bn|tn|m|thousand|million|billion|trillion)\b)?/gi, (_m, sym, amount, scale) => money(sym, amount, scale)],
  [/\b(\d+(?:\.\d+)?)p\b/g, (_m, n) => `${n} ${n === '1' ? 'penny' : 'pence'}`],
  [/(\d(?:[\d,]*\d)?(?:\.\d+)?|\.\d+)\s*(mn|bn|tn)\b/g, (_m, n, s) => `${n} ${SCALE[s]}`],
  // Percentages and units.
  [/(\d)\s?%/g, '$1 percent'],
  [/(\d)\s?mph\b/g, '$1 miles per hour'],
  [/(\d)\s?km\/h\b|(\d)\s?kph\b/g, (_m, a, b) => `${a ?? b} kilometres per hour`],
  [/(\d)\s?km\b/g, '$1 kilometres'],
  [/(\d)\s?kg\b/g, '$1 kilograms'],
  [/(\d)\s?°C\b/g, '$1 degrees Celsius'],
  [/(\d)\s?°F\b/g, '$1 degrees Fahrenheit'],
  // Times: 6.42am, 10pm, 14:30.
  [/\b(\d{1,2})[.:](\d{2})\s?([ap])\.?m\.?(?!\w)/gi, (_m, h, mi, ap) => `${h} ${mi === '00' ? '' : mi.startsWith('0') ? `oh ${mi[1]}` : mi} ${ap.toLowerCase()} m`],
  [/\b(\d{1,2})\s?([ap])\.?m\.?(?!\w)/gi, (_m, h, ap) => `${h} ${ap.toLowerCase()} m`],
  [/\b([01]?\d|2[0-3]):([0-5]\d)\b/g, (_m, h, mi) => `${h} ${mi === '00' ? 'hundred' : mi}`],
  // Dates: "Sat 6 Dec", "24 Nov", "Oct 7", "October 7th, 2023".
  [new RegExp(`\\b${DAY},?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH}(?![a-z])`, 'g'), (_m, d, n, mo) => `${day(d)} the ${ordinal(Number(n))} of ${month(mo)}`],
  [new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH}(?![a-z])`, 'g'), (_m, n, mo) => `the ${ordinal(Number(n))} of ${month(mo)}`],
  [new RegExp(`\\b${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?!\\.\\d|,\\d|\\d)`, 'g'), (_m, mo, n) => `${month(mo)} ${ordinal(Number(n))}`],
  [new RegExp(`\\b${DAY}(?=\\s+the\\s)`, 'g'), (_m, d) => day(d)],
  // Years.
  [new RegExp(`(\\b(?:January|February|March|April|May|June|July|August|September|October|November|December|of|in|since|by|until|from|before|after|during|early|late|mid|year|summer|winter|spring|autumn),?\\s+)(1[1-9]\\d\\d|20\\d\\d)\\b(?![,.]?\\d)`, 'g'), (_m, pre, y) => `${pre}${year(Number(y))}`],
  // Ordinals.
  [/\b(\d+)(?:st|nd|rd|th)\b/g, (_m, n) => ordinal(Number(n))],
  // Titles and abbreviations.
  [/\bMrs\.?(?=\s+\p{Lu})/gu, 'Missus'],
  [/\bMr\.?(?=\s+\p{Lu})/gu, 'Mister'],
  [/\bMs\.?(?=\s+\p{Lu})/gu, 'Miz'],
  [/\bDr\.?(?=\s+\p{Lu})/gu, 'Doctor'],
  [/\bProf\.?(?=\s+\p{Lu})/gu, 'Professor'],
  [/\bSt\.?(?=\s+\p{Lu})/gu, 'Saint'],
  [/(?<=\p{Lu}\p{Ll}+\s)St\b\.?/gu, 'Street'],
  [/\bNo\.?\s?(?=\d)/g, 'number '],
  [/\bnos?\.\s?(?=\d)/g, 'number '],
  [/\be\.g\.,?/gi, 'for example,'],
  [/\bi\.e\.,?/gi, 'that is,'],
  [/\betc\./gi, 'et cetera.'],
  [/\bvs?\.?(?=\s)/g, 'versus'],
  [/\bapprox\./gi, 'approximately'],
  [/&/g, ' and '],
  [/(\d)\s?\+\s?(\d)/g, '$1 plus $2'],
  [/#(?=\d)/g, 'number '],
  [/(?<=\p{L})\/(?=\p{L})/gu, ', '],
  // Roman numerals after a name or a war: "Charles III" -> "Charles the third", "World War II" -> "World War two".
  [/\b(War|Act|Phase|Part|Chapter|Volume)\s+((?:X{0,3})(?:IX|IV|V?I{0,3}))\b(?<=\s[IVX]{2,5})/g, (m, w: string, r: string) => (roman(r) ? `${w} ${cardinal(roman(r)!)}` : m)],
  [/\b(\p{Lu}\p{Ll}+)\s+((?:X{0,3})(?:IX|IV|V?I{0,3}))\b(?<=\s[IVX]{2,5})/gu, (m: string, name: string, r: string) => (roman(r) && !NOT_NAMES.has(name) ? `${name} the ${ordinal(roman(r)!)}` : m)],
  // Initialisms, said letter by letter: US, UK, EU, UN, MPs, the US's.
  [/\b(\p{Lu}{2,5})(s|'s)?\b/gu, (m, caps: string, suffix: string | undefined) => (ACRONYM_WORDS.has(caps) ? m : `${caps.split('').join(' ')}${suffix ?? ''}`)],
  // Numbers with thousands separators read the same without them.
  [/\b(\d{1,3})(?:,(\d{3}))+\b/g, (m) => m.replace(/,/g, '')],
];

/** Capitalised words that are not names, so a numeral after them is not a regnal number. */
const NOT_NAMES = new Set(['The', 'A', 'An', 'In', 'On', 'At', 'Of', 'And', 'But', 'Or', 'For', 'With', 'From', 'To', 'By', 'His', 'Her', 'Their', 'Its', 'This', 'That']);

/** "XII" -> 12, for numerals of two or more letters; undefined for anything else. */
function roman(text: string): number | undefined {
  if (!/^(?=[IVX]{2,})X{0,3}(IX|IV|V?I{0,3})$/.test(text)) return undefined;
  const value: Record<string, number> = { I: 1, V: 5, X: 10 };
  let total = 0;
  for (let i = 0; i < text.length; i++) {
    const v = value[text[i]!]!;
    const next = value[text[i + 1] ?? ''] ?? 0;
    total += v < next ? -v : v;
  }
  return total;
}

/** Commas left over from removed symbols. */
function tidy(text: string): string {
  return text
    .replace(/\s+([,.;:!?])/g, '$1')
    .replace(/,(\s*,)+/g, ',')
    .replace(/^[\s,]+/, '')
    .replace(/,\s*([.;:!?])/g, '$1')
    .replace(/([.;:!?])\s*,/g, '$1')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/,$/, '');
}

export const english: Normaliser = {
  normalise(text: string): string {
    // Clean first too: an emoji or a soft hyphen inside "2.3👍bn" must not hide it from the rules.
    let out = universalClean(text);
    for (const [re, to] of RULES) out = out.replace(re, to as (substring: string, ...args: string[]) => string);
    out = tidy(universalClean(out));
    // An abbreviation at the end ("24 Nov.") may have taken the sentence's full stop with it.
    if (/[.!?]["'”’)\]]*$/.test(text.trim()) && out && !/[.!?…]$/.test(out)) out += '.';
    return out;
  },
};

export { cardinal };
