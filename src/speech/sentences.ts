/**
 * Sentence boundaries, as offsets into the text, so the transcript and the read-aloud
 * book can point at the exact words. Intl.Segmenter does the work; two newspaper habits
 * are fixed around it: abbreviations with a full stop ("Mr.", "No. 10") do not end a
 * sentence, and a spaced ellipsis (". . .") is a pause inside one.
 */
const ABBREVIATIONS = /\b(?:Mr|Mrs|Ms|Dr|Prof|St|No|Nos|vs|v|e\.g|i\.e|etc|approx|Gen|Col|Lt|Sgt|Capt|Rev|Sen|Rep|Gov|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|[A-Z])\.\s*$/;

export interface SentenceRange {
  start: number;
  end: number;
}

const segmenters = new Map<string, Intl.Segmenter>();

export function sentenceRanges(text: string, lang: string): SentenceRange[] {
  let seg = segmenters.get(lang);
  if (!seg) {
    try {
      seg = new Intl.Segmenter(lang, { granularity: 'sentence' });
    } catch {
      seg = new Intl.Segmenter('en', { granularity: 'sentence' });
    }
    segmenters.set(lang, seg);
  }
  // Same length as the original, so offsets map one to one.
  const masked = text.replace(/\.(?:\s\.){2}/g, (m) => '\u00a0'.repeat(m.length));
  const ranges: SentenceRange[] = [];
  let last = { start: 0, end: 0 };
  for (const [from, to] of chunks(masked)) for (const s of seg.segment(masked.slice(from, to))) {
    const start = from + s.index;
    const end = start + s.segment.length;
    const prev = ranges[ranges.length - 1];
    // After an abbreviation, or before a lower-case word ("“Is it over?” she asked"), the sentence goes on.
    // So does a time followed by its zone ("10:00 p.m. EST").
    if (prev && (endsWithAbbreviation(masked, last.start, last.end) || /^\s*\p{Ll}/u.test(s.segment) || timeBeforeZone(masked, last.end, s.segment))) prev.end = end;
    else ranges.push({ start, end });
    last = { start, end };
  }
  // Trim whitespace inside each range; drop empty ones; cut run-on sentences into parts.
  return ranges
    .map(({ start, end }) => trim(text, start, end))
    .filter((r) => r.end > r.start)
    .flatMap((r) => splitLong(text, r));
}

/** Whether the text before `end` is a clock time's "a.m."/"p.m." and `next` starts with a time zone. */
function timeBeforeZone(text: string, end: number, next: string): boolean {
  return /\d\s?[ap]\.m\.\s*$/i.test(text.slice(Math.max(0, end - 12), end)) && /^\s*(?:EST|EDT|CST|CDT|MST|MDT|PST|PDT|AKST|HST|GMT|UTC|BST|CET|CEST|EET|JST|AEST|AEDT|ET|PT)(?![\p{L}\d])/u.test(next);
}

/** Longest text given to Intl.Segmenter at once. */
const CHUNK_CHARS = 2000;

/**
 * The text in pieces of at most `CHUNK_CHARS`, cut after a sentence's end mark and its
 * spaces where there is one (else after a space, else anywhere outside a surrogate pair).
 * V8's sentence segmenter does work in proportion to the whole string for every sentence
 * it returns, so one 200 KB paragraph took minutes; in pieces it is linear. A cut where
 * ICU would not have broken ("Mr. Smith") is mended by the same rules as any other break.
 */
function* chunks(text: string): Generator<[number, number]> {
  let start = 0;
  while (text.length - start > CHUNK_CHARS) {
    const window = text.slice(start, start + CHUNK_CHARS);
    let sentence = 0;
    let space = 0;
    for (const m of window.matchAll(/[.!?\u2026]["'\u201d\u2019)\]]*\s+|\s+/g)) {
      const after = m.index + m[0].length;
      if (after >= window.length) break;
      if (/^[.!?\u2026]/.test(m[0])) sentence = after;
      space = after;
    }
    let cut = sentence > CHUNK_CHARS / 2 ? sentence : space > 0 ? space : CHUNK_CHARS;
    if (/[\uD800-\uDBFF]/.test(text[start + cut - 1] ?? '')) cut--;
    yield [start, start + cut];
    start += cut;
  }
  yield [start, text.length];
}

/**
 * Whether the segment `start..end` ends with an abbreviation. Only the segment's last
 * few characters are looked at (the longest abbreviation is 7), never the whole sentence
 * merged so far: testing that each time made 200 KB of "Mr. " take a minute.
 */
function endsWithAbbreviation(text: string, start: number, end: number): boolean {
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return ABBREVIATIONS.test(text.slice(Math.max(start, end - 16), end));
}

/** Longest utterance, in characters (about 30 seconds of speech). */
export const MAX_SENTENCE_CHARS = 500;

function trim(text: string, start: number, end: number): SentenceRange {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return { start, end };
}

/**
 * A sentence longer than `MAX_SENTENCE_CHARS` (a run-on scrape, a 10,000-word paragraph
 * without a full stop) would be one transcript cue and one highlighted span lasting many
 * minutes. It is cut at the last clause mark (, ; : dash) before the limit, else at the
 * last space, else (one enormous "word") at the limit, never inside a surrogate pair.
 */
function splitLong(text: string, range: SentenceRange): SentenceRange[] {
  const parts: SentenceRange[] = [];
  let { start } = range;
  while (range.end - start > MAX_SENTENCE_CHARS) {
    const window = text.slice(start, start + MAX_SENTENCE_CHARS);
    const clause = Math.max(...[...window.matchAll(/[,;:\u2013\u2014](?=\s)/g)].map((m) => m.index + 1), -1);
    const space = window.search(/\s\S*$/);
    let cut = clause > MAX_SENTENCE_CHARS / 3 ? clause : space > 0 ? space : MAX_SENTENCE_CHARS;
    if (/[\uD800-\uDBFF]/.test(text[start + cut - 1] ?? '')) cut--;
    const part = trim(text, start, start + cut);
    if (part.end > part.start) parts.push(part);
    start += cut;
  }
  const rest = trim(text, start, range.end);
  if (rest.end > rest.start) parts.push(rest);
  return parts;
}
