/** English number words, for the cases engines get wrong: ordinals, years, decades. */

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES: [number, string][] = [
  [1e12, 'trillion'],
  [1e9, 'billion'],
  [1e6, 'million'],
  [1e3, 'thousand'],
];

export function cardinal(n: number): string {
  if (!Number.isInteger(n) || n < 0) return String(n);
  if (n < 20) return ONES[n]!;
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 ? `-${ONES[n % 10]}` : '');
  if (n < 1000) return `${ONES[Math.floor(n / 100)]} hundred${n % 100 ? ` and ${cardinal(n % 100)}` : ''}`;
  for (const [value, name] of SCALES) {
    if (n >= value) {
      const rest = n % value;
      return `${cardinal(Math.floor(n / value))} ${name}${rest ? (rest < 100 ? ' and ' : ' ') + cardinal(rest) : ''}`;
    }
  }
  return String(n);
}

const IRREGULAR: Record<string, string> = { one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth' };

export function ordinal(n: number): string {
  const words = cardinal(n);
  return words.replace(/([a-z]+)$/, (w) => IRREGULAR[w] ?? (w.endsWith('y') ? `${w.slice(0, -1)}ieth` : `${w}th`));
}

/** 1950 -> "nineteen fifty", 1905 -> "nineteen oh five", 2005 -> "two thousand and five", 2026 -> "twenty twenty-six". */
export function year(n: number): string {
  if (n < 1100 || n >= 2100 || (n >= 2000 && n < 2010)) return cardinal(n);
  const hi = Math.floor(n / 100);
  const lo = n % 100;
  return `${cardinal(hi)} ${lo === 0 ? 'hundred' : lo < 10 ? `oh ${cardinal(lo)}` : cardinal(lo)}`;
}

/** 1950 -> "nineteen fifties", 2000 -> "two thousands". */
export function decade(n: number): string {
  const words = year(n);
  return words.endsWith('y') ? `${words.slice(0, -1)}ies` : `${words}s`;
}
