/**
 * Repairs for damage that web scrapes do to articles. Each reports what it did as a
 * warning at the source line. They only fire on a paragraph that stops mid-sentence
 * (no closing punctuation), which well-formed articles never have.
 *
 * They run on the news-export (seed) reader's output only, or when the caller asks for
 * them (`repair: true`): on other formats a short line without a full stop (a numbered
 * tip, a date) is the author's text, not damage. A paragraph that carries an id of the
 * author's own is never merged, so no id is lost.
 */
import type { Diagnostics } from '../article/diagnostics.js';
import { plainText, type Inline } from '../article/model.js';
import type { DraftBlock } from '../readers/draft.js';
import { splitInlinesAt, trimInlines } from '../readers/mdast.js';

type DraftParagraph = Extract<DraftBlock, { type: 'paragraph' }>;

/** Ends like a finished sentence: terminal punctuation, optionally inside closing quotes/brackets. */
const FINISHED = /[.!?…:;—–-]["'”’)\]]*$/;
/** Ends a sentence: what may come before a repeat in a scrape duplicate. */
const SENTENCE_END = /[.!?…]["'”’)\]]*$/;
/** The shortest run of words that counts as a scrape duplicate. */
const MIN_OVERLAP_WORDS = 4;

/** The most words a scrape duplicate may drop before the repeated phrase ("Amirabdollahian said."). */
const MAX_LEAD_IN_WORDS = 8;

export function repairParagraphs(blocks: DraftBlock[], diagnostics: Diagnostics): DraftBlock[] {
  const out: DraftBlock[] = [];
  for (const block of blocks) {
    out.push(block);
    // A merge changes the paragraph before it could be compared with its predecessor, so
    // look back until nothing more merges: every neighbouring pair is then checked in its
    // final form, and repairing the result again changes nothing.
    for (;;) {
      const b = out[out.length - 1];
      const a = out[out.length - 2];
      if (a?.type !== 'paragraph' || b?.type !== 'paragraph') break;
      const merged = tryMerge(a, b, diagnostics);
      if (!merged) break;
      out.splice(-2, 2, merged);
    }
  }
  return out;
}

function tryMerge(a: DraftParagraph, b: DraftParagraph, diagnostics: Diagnostics): DraftParagraph | undefined {
  const aText = plainText(a.children).trimEnd();
  const bText = plainText(b.children);
  if (aText === '' || FINISHED.test(aText)) return undefined;
  // An id the author gave names that paragraph: merging would lose one of the two.
  if (a.id !== undefined || b.id !== undefined) return undefined;
  const where = { line: a.position?.line, column: a.position?.column };
  const next = b.position?.line !== undefined ? `line ${b.position.line}` : 'the next paragraph';

  // Scrape duplicate: the tail of `a` is repeated near the start of `b`; keep `a`, then `b`
  // after the repeat. The few words before the repeat go too, and the warning says which.
  const overlap = longestRepeatedTail(aText, bText);
  if (overlap) {
    const [, after] = splitInlinesAt(b.children, overlap.end);
    const leadIn = bText.slice(0, overlap.start).trim();
    diagnostics.warn(
      `merged a scrape duplicate: ${next} repeats "${overlap.phrase}"${leadIn ? `; also dropped "${leadIn}" before it` : ''}`,
      'repair:scrape-duplicate',
      where,
    );
    return { ...a, children: joinInlines(a.children, after, '') };
  }
  // Split paragraph: `b` carries on the sentence in lower case.
  if (/^[a-z]/.test(bText.trimStart())) {
    diagnostics.warn(`joined a paragraph split mid-sentence (continued on ${next})`, 'repair:split-paragraph', where);
    return { ...a, children: joinInlines(a.children, b.children, ' ') };
  }
  return undefined;
}

/**
 * The longest run of at least `MIN_OVERLAP_WORDS` words that ends `a` and occurs in `b` as
 * whole words, no more than `MAX_LEAD_IN_WORDS` words into it and at the start of one of
 * its sentences: what a scrape repeated. A repeat in the middle of a sentence of `b`
 * ("Even though a wooden luggage rack ...") is the author writing, not a scrape.
 */
function longestRepeatedTail(a: string, b: string): { phrase: string; start: number; end: number } | undefined {
  const words = a.split(/\s+/);
  const wordChar = /[\p{L}\p{N}]/u;
  let best: { phrase: string; start: number; end: number } | undefined;
  for (let n = MIN_OVERLAP_WORDS; n <= words.length; n++) {
    // An opening quote or bracket on the phrase's first word need not be repeated.
    const phrase = words.slice(-n).join(' ').replace(/^["'“‘(\[]+/, '');
    if (!phrase) continue;
    let at = b.indexOf(phrase);
    while (at >= 0 && (wordChar.test(b[at - 1] ?? '') || wordChar.test(b[at + phrase.length] ?? ''))) at = b.indexOf(phrase, at + 1);
    if (at < 0) break;
    // Longer phrases start earlier in `b`: keep looking when this one starts too far in.
    const leadIn = b.slice(0, at).trim();
    if (leadIn.split(/\s+/).filter(Boolean).length <= MAX_LEAD_IN_WORDS && (leadIn === '' || SENTENCE_END.test(leadIn))) best = { phrase, start: at, end: at + phrase.length };
  }
  return best;
}

function joinInlines(a: Inline[], b: Inline[], sep: string): Inline[] {
  const out = [...a];
  const tail = trimInlines([...b.map((n) => (n.type === 'text' ? { ...n } : n))]);
  if (sep || (tail[0]?.type === 'text' && !/^\s/.test(tail[0].value) && !/^[,.;:!?”’]/.test(tail[0].value))) {
    out.push({ type: 'text', value: sep || ' ' });
  }
  for (const n of tail) {
    const last = out[out.length - 1];
    if (n.type === 'text' && last?.type === 'text') out[out.length - 1] = { type: 'text', value: last.value + n.value };
    else out.push(n);
  }
  return out;
}
