/**
 * English number words. Written here rather than taken from a package: the two things the
 * narration needs are ones the number-to-words packages do not offer together, namely the
 * British "and" ("one hundred and fifty") made optional per locale, and words without
 * hyphens ("twenty one"), which eSpeak NG says with the stress of two words (it runs
 * "twenty-one" together as one). Years, decades, digit strings and decimals follow the
 * same style. Digit strings of any length are accepted; past the trillions, or with a
 * leading zero, numbers are read digit by digit.
 */

export interface NumberStyle {
  /** "one hundred and fifty" (British) rather than "one hundred fifty". */
  and: boolean;
}

export const BRITISH: NumberStyle = { and: true };
export const AMERICAN: NumberStyle = { and: false };

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES = ['', 'thousand', 'million', 'billion', 'trillion'];

function under1000(n: number, style: NumberStyle, andBefore: boolean): string {
  const parts: string[] = [];
  const h = Math.floor(n / 100);
  const rest = n % 100;
  if (h) parts.push(ONES[h]!, 'hundred');
  if (rest) {
    if ((h || andBefore) && style.and) parts.push('and');
    parts.push(rest < 20 ? ONES[rest]! : TENS[Math.floor(rest / 10)]! + (rest % 10 ? ` ${ONES[rest % 10]}` : ''));
  }
  return parts.join(' ');
}

/** "4800" -> "four thousand eight hundred"; accepts a number or a string of digits. */
export function cardinal(value: number | string, style: NumberStyle = BRITISH): string {
  const digits = typeof value === 'number' ? (Number.isSafeInteger(value) && value >= 0 ? String(value) : '') : value.replace(/,/g, '');
  if (!/^\d+$/.test(digits)) return String(value);
  const trimmed = digits.replace(/^0+(?=\d)/, '');
  if (trimmed.length > 15) return digitWords(digits);
  const n = Number(trimmed);
  if (n === 0) return 'zero';
  const groups: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 1000)) groups.push(rest % 1000);
  const words: string[] = [];
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i]!;
    if (!g) continue;
    // "one thousand and five": the British "and" before a last group under a hundred.
    words.push(under1000(g, style, i === 0 && groups.length > 1 && g < 100));
    if (SCALES[i]) words.push(SCALES[i]!);
  }
  return words.join(' ');
}

const IRREGULAR: Record<string, string> = { one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth' };

/** Makes the last word of a cardinal ordinal: "twenty one" -> "twenty first". */
export function ordinalOf(words: string): string {
  return words.replace(/([a-z]+)$/, (w) => IRREGULAR[w] ?? (w.endsWith('y') ? `${w.slice(0, -1)}ieth` : `${w}th`));
}

export function ordinal(value: number | string, style: NumberStyle = BRITISH): string {
  return ordinalOf(cardinal(value, style));
}

/** 1950 -> "nineteen fifty", 1905 -> "nineteen oh five", 2005 -> "two thousand (and) five", 2026 -> "twenty twenty six". */
export function year(n: number, style: NumberStyle = BRITISH): string {
  if (n < 1000 && n >= 100 && n % 100 >= 10) return `${ONES[Math.floor(n / 100)]} ${cardinal(n % 100)}`;
  if (n < 1100 || n >= 10000 || (n >= 2000 && n < 2010)) return cardinal(n, style);
  const hi = Math.floor(n / 100);
  const lo = n % 100;
  return `${cardinal(hi)} ${lo === 0 ? 'hundred' : lo < 10 ? `oh ${ONES[lo]}` : cardinal(lo)}`;
}

/** 1950 -> "nineteen fifties", 2000 -> "two thousands". */
export function decade(n: number, style: NumberStyle = BRITISH): string {
  const words = year(n, style);
  return words.endsWith('y') ? `${words.slice(0, -1)}ies` : `${words}s`;
}

/** "0742" -> "oh seven four two": one word per digit. */
export function digitWords(digits: string, zero = 'oh'): string {
  return [...digits].filter((d) => /\d/.test(d)).map((d) => (d === '0' ? zero : ONES[Number(d)]!)).join(' ');
}

/** "2.30" -> "two point three zero", ".5" -> "point five", "1,234.5" -> "one thousand two hundred (and) thirty four point five". */
export function decimal(text: string, style: NumberStyle = BRITISH): string {
  const [int, frac] = text.replace(/,/g, '').split('.');
  const head = int ? cardinal(int, style) : '';
  if (frac === undefined || frac === '') return head;
  return `${head ? `${head} ` : ''}point ${digitWords(frac, 'zero')}`;
}

/** Words for a plain number as written: integers, thousands separators, decimals. */
export function numberWords(text: string, style: NumberStyle = BRITISH): string {
  return text.includes('.') ? decimal(text, style) : cardinal(text, style);
}

/** A street number, read in pairs: "1428" -> "fourteen twenty eight", "221" -> "two twenty one", "1600" -> "sixteen hundred". */
export function pairs(digits: string, style: NumberStyle = BRITISH): string {
  if (digits.length === 4 && digits[0] !== '0' && digits[1] !== '0') return year(Number(digits), style);
  if (digits.length === 3 && digits[1] !== '0') return `${ONES[Number(digits[0])]} ${cardinal(digits.slice(1))}`;
  return cardinal(digits, style);
}

const ROMAN: Record<string, number> = { I: 1, V: 5, X: 10, L: 50, C: 100, D: 500, M: 1000 };

/** "XL" -> 40, "LVIII" -> 58; undefined for anything that is not a well-formed numeral. */
export function roman(text: string): number | undefined {
  if (!text || !/^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$/.test(text)) return undefined;
  let total = 0;
  for (let i = 0; i < text.length; i++) {
    const v = ROMAN[text[i]!]!;
    const next = ROMAN[text[i + 1] ?? ''] ?? 0;
    total += v < next ? -v : v;
  }
  return total || undefined;
}
