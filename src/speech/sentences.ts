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
  for (const s of seg.segment(masked)) {
    const start = s.index;
    const end = s.index + s.segment.length;
    const prev = ranges[ranges.length - 1];
    // After an abbreviation, or before a lower-case word ("“Is it over?” she asked"), the sentence goes on.
    if (prev && (ABBREVIATIONS.test(masked.slice(prev.start, prev.end)) || /^\s*\p{Ll}/u.test(s.segment))) prev.end = end;
    else ranges.push({ start, end });
  }
  // Trim whitespace inside each range; drop empty ones.
  return ranges
    .map(({ start, end }) => {
      while (start < end && /\s/.test(text[start]!)) start++;
      while (end > start && /\s/.test(text[end - 1]!)) end--;
      return { start, end };
    })
    .filter((r) => r.end > r.start);
}
