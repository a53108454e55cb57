/**
 * Repairs for damage that web scrapes do to articles. Each reports what it did as a
 * warning at the source line. They only fire on a paragraph that stops mid-sentence
 * (no closing punctuation), which well-formed articles never have.
 */
import type { Diagnostics } from '../article/diagnostics.js';
import { plainText, type Inline } from '../article/model.js';
import type { DraftBlock } from '../readers/draft.js';
import { splitInlinesAt, trimInlines } from '../readers/mdast.js';

type DraftParagraph = Extract<DraftBlock, { type: 'paragraph' }>;

/** Ends like a finished sentence: terminal punctuation, optionally inside closing quotes/brackets. */
const FINISHED = /[.!?…:;—–-]["'”’)\]]*$/;
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
  const where = { line: a.position?.line, column: a.position?.column };
  const bLine = b.position?.line;

  // Scrape duplicate: the tail of `a` is repeated near the start of `b`; keep `a`, then `b`
  // after the repeat. The few words before the repeat go too, and the warning says which.
  const overlap = longestRepeatedTail(aText, bText);
  if (overlap) {
    const [, after] = splitInlinesAt(b.children, overlap.end);
    const leadIn = bText.slice(0, overlap.start).trim();
    diagnostics.warn(
      `merged a scrape duplicate: line ${bLine ?? '?'} repeats "${overlap.phrase}"${leadIn ? `; also dropped "${leadIn}" before it` : ''}`,
      'repair:scrape-duplicate',
      where,
    );
    return { ...a, children: joinInlines(a.children, after, '') };
  }
  // Split paragraph: `b` carries on the sentence in lower case.
  if (/^[a-z]/.test(bText.trimStart())) {
    diagnostics.warn(`joined a paragraph split mid-sentence (continued on line ${bLine ?? '?'})`, 'repair:split-paragraph', where);
    return { ...a, children: joinInlines(a.children, b.children, ' ') };
  }
  return undefined;
}

/**
 * The longest run of at least `MIN_OVERLAP_WORDS` words that ends `a` and occurs in `b` as
 * whole words, no more than `MAX_LEAD_IN_WORDS` words into it: what a scrape repeated.
 */
function longestRepeatedTail(a: string, b: string): { phrase: string; start: number; end: number } | undefined {
  const words = a.split(/\s+/);
  const wordChar = /[\p{L}\p{N}]/u;
  let best: { phrase: string; start: number; end: number } | undefined;
  for (let n = MIN_OVERLAP_WORDS; n <= words.length; n++) {
    const phrase = words.slice(-n).join(' ');
    let at = b.indexOf(phrase);
    while (at >= 0 && (wordChar.test(b[at - 1] ?? '') || wordChar.test(b[at + phrase.length] ?? ''))) at = b.indexOf(phrase, at + 1);
    if (at < 0) break;
    // Longer phrases start earlier in `b`: keep looking when this one starts too far in.
    if (b.slice(0, at).split(/\s+/).filter(Boolean).length <= MAX_LEAD_IN_WORDS) best = { phrase, start: at, end: at + phrase.length };
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
