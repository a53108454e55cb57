/**
 * The universal clean-up every language gets, last: what reaches an engine is letters,
 * marks, digits, punctuation, single spaces and a few symbols every engine can name.
 *
 * Engines read what they do not know as noise or, worse, as code points: eSpeak NG says
 * "letter 1D407" for a mathematical bold H and spells out private-use characters. So:
 * - compatibility forms of letters and digits become the plain ones (𝐇𝐞𝐥𝐥𝐨, ｆｕｌｌ,
 *   ①, ², ℌ, ﬁ: the NFKC form, when that is letters and digits);
 * - emoji, pictographs, dingbats, arrows, box drawing and other symbols are dropped,
 *   except currency signs and the handful below;
 * - invisible format characters (zero-width joiners, soft hyphens, bidi controls, tags,
 *   variation selectors) go without a trace, so the word they sit in stays whole;
 * - control characters, private-use, unassigned code points, unpaired surrogates and
 *   U+FFFD become spaces; so do letter numbers without a plain form (eSpeak reads
 *   U+2180 as its code point), and marks left without a letter.
 *
 * Letters of a script the voice does not know (Runic, Cherokee in an English article) are
 * left to the engine: eSpeak NG may spell them as code points. The article's language
 * picks the voice, so this only touches stray words in another script.
 */

/** Symbols kept: arithmetic and comparison signs and marks engines name well. (©, ® and ™ are pictographs: dropped.) */
const KEPT_SYMBOLS = '+<=>|~^`¬±×÷−≠≤≥√∞°№';
/** Fractions engines read as words ("one half"). */
const KEPT_NUMBERS = '¼½¾⅐⅑⅒⅓⅔⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞';

/** Characters that may reach an engine (besides the space). */
export const SPEAKABLE = new RegExp(`^[\\p{L}\\p{M}\\p{Nd}\\p{P}\\p{Sc}${escapeClass(KEPT_SYMBOLS + KEPT_NUMBERS)} ]*$`, 'u');

const INVISIBLE = /[\p{Cf}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}\u{1F3FB}-\u{1F3FF}\u{20E3}]/gu;
const COMPATIBLE = /[^\p{ASCII}]/gu;
const DROPPED = new RegExp(`[^\\p{L}\\p{M}\\p{Nd}\\p{P}\\p{Sc}\\s${escapeClass(KEPT_SYMBOLS + KEPT_NUMBERS)}]|[\\p{Extended_Pictographic}\\uFFFD]`, 'gu');

function escapeClass(chars: string): string {
  return chars.replace(/[\\\]^\-[]/g, (c) => `\\${c}`);
}

/** The plain form of a compatibility letter or digit (𝐇 -> H, ① -> 1), else the character itself. */
function fold(ch: string): string {
  if (!/[\p{L}\p{N}]/u.test(ch) || KEPT_NUMBERS.includes(ch)) return ch;
  const plain = ch.normalize('NFKC');
  return plain !== ch && /^[\p{L}\p{M}\p{Nd}]+$/u.test(plain) ? plain : ch;
}

export function universalClean(text: string): string {
  return (
    text
      // Composed letters: an engine may read "e" + U+0301 as "e, acute".
      .normalize('NFC')
      .replace(INVISIBLE, '')
      .replace(COMPATIBLE, fold)
      .replace(DROPPED, ' ')
      // A combining mark left without its letter would be named on its own.
      .replace(/(?<![\p{L}\p{M}\p{N}])\p{M}+/gu, '')
      // "[[" opens phoneme input in eSpeak; only the lexicon may produce it.
      .replace(/\[(?=\[)/g, '[ ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}
