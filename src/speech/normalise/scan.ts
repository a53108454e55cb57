/**
 * The shape text normalisers in the field share: find each non-standard token, classify
 * it (a date, a sum of money, letters...), then verbalise it by the rules of its class.
 *
 * The scanner walks the sentence once, left to right. At each token start it tries the
 * language's rules in order, each a sticky regular expression anchored at that position
 * (so a rule never scans ahead and cannot match inside a word); the first rule that
 * matches and accepts says the token, and the scan goes on after it. Where no rule
 * matches, a run of letters or digits is copied as it is. Rules therefore never see each
 * other's output, and the first to claim a span owns it: "6.42am" is a time before it can
 * be a decimal, "(123) 123-5678" a telephone number before its brackets are an aside.
 *
 * Cost: every rule is a sticky match of bounded reach (no nested quantifiers), tried only
 * at token starts, so the work is linear in the length of the text.
 */

/** Token classes, after the Sproat and Jaitly text normalisation data, plus our own. */
export type TokenClass =
  | 'PUNCT'
  | 'DATE'
  | 'LETTERS'
  | 'CARDINAL'
  | 'VERBATIM'
  | 'MEASURE'
  | 'ORDINAL'
  | 'DECIMAL'
  | 'MONEY'
  | 'DIGIT'
  | 'ELECTRONIC'
  | 'TELEPHONE'
  | 'FRACTION'
  | 'TIME'
  | 'ADDRESS'
  | 'ABBREVIATION'
  | 'PLAIN';

/** One token the normaliser changed, for `lectern inspect --speech --explain`. */
export interface Change {
  /** The article's text of the token. */
  from: string;
  /** What the engine is given instead. */
  to: string;
  /** The rule that fired, e.g. `money:scaled`. */
  rule: string;
  class: TokenClass;
  /** Offset of the token in the text the normaliser was given. */
  index: number;
}

export interface ScanContext {
  /** The whole text being scanned. */
  readonly text: string;
  /** The end of what has been said so far (the last 80 characters of the output before this token). */
  readonly said: string;
}

export interface ScanRule {
  /** `class:variant`, shown by --explain. */
  name: string;
  class: TokenClass;
  /** Compiled sticky; must not have nested quantifiers. */
  re: RegExp;
  /** Characters a match can start with, to skip the rule cheaply elsewhere. */
  first?: RegExp;
  /** Try inside a word too (default: only where a word or number starts). */
  anywhere?: boolean;
  /** Not listed by --explain (quotation marks, apostrophes: nothing a listener hears). */
  quiet?: boolean;
  /** The spoken form, or undefined to let the next rule try. */
  say(m: RegExpExecArray, ctx: ScanContext): string | undefined;
}

export interface Scanned {
  text: string;
  changes: Change[];
}

export function rule(name: string, cls: TokenClass, re: RegExp, say: ScanRule['say'], opts: { first?: RegExp; anywhere?: boolean; quiet?: boolean } = {}): ScanRule {
  const flags = re.flags.replace(/[gy]/g, '') + 'y';
  return { name, class: cls, re: new RegExp(re.source, flags), say, ...opts };
}

const WORD = /[\p{L}\p{N}]/u;
const LETTER = /[\p{L}\p{M}]/u;
const DIGIT = /\d/;

/** The rules that can start at a character, worked out once per character and rule set. */
class Candidates {
  private readonly atStart = new Map<string, ScanRule[]>();
  private readonly inside = new Map<string, ScanRule[]>();
  constructor(private readonly rules: readonly ScanRule[]) {}
  get(ch: string, start: boolean): ScanRule[] {
    const cache = start ? this.atStart : this.inside;
    let list = cache.get(ch);
    if (!list) {
      list = this.rules.filter((r) => (start || r.anywhere) && (!r.first || r.first.test(ch)));
      cache.set(ch, list);
    }
    return list;
  }
}
const candidates = new WeakMap<readonly ScanRule[], Candidates>();

export function scan(text: string, rules: readonly ScanRule[]): Scanned {
  let pick = candidates.get(rules);
  if (!pick) candidates.set(rules, (pick = new Candidates(rules)));
  // The output is kept as pieces plus a short tail for the rules to look back at: slicing a
  // long concatenated string would flatten it every time and make the scan quadratic.
  const parts: string[] = [];
  let tail = '';
  const emit = (piece: string) => {
    parts.push(piece);
    tail = tail.length > 160 ? (tail.slice(-80) + piece).slice(-160) : tail + piece;
  };
  const changes: Change[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text[i]!;
    const prev = i > 0 ? text[i - 1]! : ' ';
    // A word starts after a non-word character; a number also starts right after letters ("G7").
    const start = !WORD.test(prev) || (DIGIT.test(ch) && !DIGIT.test(prev));
    let done = false;
    for (const r of pick.get(ch, start)) {
      r.re.lastIndex = i;
      const m = r.re.exec(text);
      if (!m || !m[0]) continue;
      const said = tail.length > 80 ? tail.slice(-80) : tail;
      const out = r.say(m, { text, said });
      if (out === undefined) continue;
      const from = m[0];
      let piece = out;
      // Keep words apart where the replacement meets a word: "G7" -> "G seven".
      if (WORD.test(tail[tail.length - 1] ?? ' ') && WORD.test(piece[0] ?? ' ')) piece = ` ${piece}`;
      if (WORD.test(piece[piece.length - 1] ?? ' ') && WORD.test(text[i + from.length] ?? ' ')) piece = `${piece} `;
      emit(piece);
      if (out !== from && !r.quiet) changes.push({ from, to: out, rule: r.name, class: r.class, index: i });
      i += from.length;
      done = true;
      break;
    }
    if (done) continue;
    let j = i + 1;
    if (LETTER.test(ch)) while (j < n && LETTER.test(text[j]!)) j++;
    else if (DIGIT.test(ch)) while (j < n && DIGIT.test(text[j]!)) j++;
    emit(text.slice(i, j));
    i = j;
  }
  return { text: parts.join(''), changes };
}
