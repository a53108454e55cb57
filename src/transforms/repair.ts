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

export function repairParagraphs(blocks: DraftBlock[], diagnostics: Diagnostics): DraftBlock[] {
  const out: DraftBlock[] = [];
  for (const block of blocks) {
    const prev = out[out.length - 1];
    if (block.type === 'paragraph' && prev?.type === 'paragraph') {
      const merged = tryMerge(prev, block, diagnostics);
      if (merged) {
        out[out.length - 1] = merged;
        continue;
      }
    }
    out.push(block);
  }
  return out;
}

function tryMerge(a: DraftParagraph, b: DraftParagraph, diagnostics: Diagnostics): DraftParagraph | undefined {
  const aText = plainText(a.children).trimEnd();
  const bText = plainText(b.children);
  if (aText === '' || FINISHED.test(aText)) return undefined;
  const where = { line: a.position?.line, column: a.position?.column };
  const bLine = b.position?.line;

  // Scrape duplicate: the tail of `a` is repeated inside `b`; keep `a`, then `b` after the repeat.
  const overlap = longestRepeatedTail(aText, bText);
  if (overlap) {
    const [, after] = splitInlinesAt(b.children, overlap.end);
    diagnostics.warn(
      `merged a scrape duplicate: line ${bLine ?? '?'} repeats "${overlap.phrase}"`,
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

function longestRepeatedTail(a: string, b: string): { phrase: string; end: number } | undefined {
  const words = a.split(/\s+/);
  let best: { phrase: string; end: number } | undefined;
  for (let n = MIN_OVERLAP_WORDS; n <= words.length; n++) {
    const phrase = words.slice(-n).join(' ');
    const at = b.indexOf(phrase);
    if (at < 0) break;
    best = { phrase, end: at + phrase.length };
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
