/**
 * Characters no output can hold. XML 1.0 (the EPUB's documents and package) forbids C0
 * control characters other than tab and line feed, U+FFFE and U+FFFF, and unpaired
 * surrogates; the transcript, the ID3 tags and the engines are no better off with them.
 * They reach an article through bytes in a Markdown or HTML file, `\u0001` or `\ud800`
 * escapes in JSON, or character references in a page. Every text of the article is
 * cleaned once, here, so each later step can trust it: control characters (C0, DEL and
 * C1) are removed, unpaired surrogates become U+FFFD, and each kind is reported once.
 */
import type { Diagnostics, Place } from '../article/diagnostics.js';
import type { Position } from '../article/model.js';
import type { DraftArticle } from '../readers/draft.js';

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` cleaned, with how many control characters and unpaired surrogates it held. */
export function cleanText(text: string): { text: string; controls: number; surrogates: number } {
  let controls = 0;
  let surrogates = 0;
  const out = text
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL, () => (controls++, ''))
    .replace(LONE_SURROGATE, () => (surrogates++, '\uFFFD'));
  return { text: out, controls, surrogates };
}

/** Where a character first occurs in the source, as line and column (1-based). */
function placeIn(source: string, re: RegExp): Omit<Place, 'file'> | undefined {
  re.lastIndex = 0;
  const m = re.exec(source);
  re.lastIndex = 0;
  if (!m) return undefined;
  const before = source.slice(0, m.index);
  const line = before.split('\n').length;
  return { line, column: m.index - before.lastIndexOf('\n') };
}

/**
 * Cleans every string of the article. `source` is the file's text, used to point the
 * warnings at the first offending character when it is there literally.
 */
export function sanitiseText(draft: DraftArticle, diagnostics: Diagnostics, source: string): DraftArticle {
  let controls = 0;
  let surrogates = 0;
  let firstBlock: Position | undefined;
  let firstSurrogateBlock: Position | undefined;
  let block: Position | undefined;
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const r = cleanText(value);
      if (r.controls && !controls) firstBlock = block;
      if (r.surrogates && !surrogates) firstSurrogateBlock = block;
      controls += r.controls;
      surrogates += r.surrogates;
      return r.text;
    }
    if (Array.isArray(value)) return value.map(visit);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v)]));
    return value;
  };
  const { blocks, ...meta } = draft;
  block = undefined;
  const cleanMeta = visit(meta) as Omit<DraftArticle, 'blocks'>;
  const cleanBlocks = blocks.map((b) => {
    block = b.position;
    const { position, ...rest } = b;
    return { ...(visit(rest) as typeof b), ...(position ? { position } : {}) };
  });
  if (controls) {
    const where = placeIn(source, CONTROL) ?? firstBlock ?? {};
    diagnostics.warn(`removed ${controls} control character${controls > 1 ? 's' : ''} that no output can hold`, 'text:control', where);
  }
  if (surrogates) {
    const where = placeIn(source, LONE_SURROGATE) ?? firstSurrogateBlock ?? {};
    diagnostics.warn(`replaced ${surrogates} unpaired surrogate${surrogates > 1 ? 's' : ''} (broken UTF-16) with U+FFFD`, 'text:surrogate', where);
  }
  return { ...cleanMeta, blocks: cleanBlocks } as DraftArticle;
}
