/**
 * The narration script: the article as an ordered list of utterances, one per sentence,
 * following DESIGN's order: headline, standfirst, byline ("By A, in B"), the body in
 * reading order with each figure announced once, pull quotes skipped (they repeat body
 * text) unless asked for, and the rights line last. Pauses make the structure audible.
 *
 * Each utterance keeps the article's own words (`text`, for the transcript), what the
 * engine will say (`speech`, normalised and with the lexicon applied), and where the
 * words are in the article (`target`), which the read-aloud book uses to highlight them.
 */
import { plainText, type Article, type Inline, type SubList, type Table } from '../article/model.js';
import { bylineText, effectiveHeaderRows } from '../epub/render.js';
import { labelsFor } from '../article/labels.js';
import { normaliserFor, type Normaliser } from './normalise/index.js';
import { sentenceRanges } from './sentences.js';
import { applyLexicon, EMPTY_LEXICON, type Lexicon } from './lexicon.js';

export type UtteranceKind = 'headline' | 'standfirst' | 'byline' | 'heading' | 'paragraph' | 'figure' | 'pullquote' | 'blockquote' | 'list' | 'code' | 'table' | 'rights';

/** Where an utterance's words are in the book. */
export interface Target {
  /** Block id, or `headline`, `standfirst`, `byline`, `rights`. */
  blockId: string;
  /** Which text of the block: `text`, `caption`, `credit`, `alt`, `item3`, `p0`. */
  field: string;
  /** Character range in the field's plain text, when the utterance is part of it. */
  range?: [number, number];
  /** Which article of a digest (its content document); absent for a single article. */
  doc?: number;
}

export interface Utterance {
  /** Stable id, used as the sentence's XHTML id: `p-1a2b3c4d-s2`. */
  id: string;
  kind: UtteranceKind;
  /** The article's words, for the transcript. */
  text: string;
  /** Exactly what the engine gets; "…" marks a pause inside the sentence. */
  speech: string;
  /** Silence after the utterance, in milliseconds. */
  pauseAfterMs: number;
  target: Target;
  /** Set on the first utterance of a chapter: the chapter's title. */
  chapter?: string;
}

export interface ScriptOptions {
  /** Read pull quotes too. Default: `false` (they repeat body text). */
  readPullquotes?: boolean;
  /** Pronunciation fixes. Default: none. */
  lexicon?: Lexicon;
  /** How the engine takes phonemes, when it does. */
  phonemes?: { alphabet: string; wrap: (p: string) => string };
  /** The normaliser for a language (a plugin's, from the registry). Default: the built-in rules. */
  normaliserFor?: (lang: string) => Normaliser;
}

/** Pauses, in milliseconds. */
export const PAUSE = { sentence: 250, paragraph: 700, heading: 900, headline: 1200, figure: 900, end: 600 } as const;

export function speechScript(article: Article, options: ScriptOptions = {}): Utterance[] {
  const lang = article.lang;
  const normaliser = (options.normaliserFor ?? normaliserFor)(lang);
  const lexicon = options.lexicon ?? EMPTY_LEXICON;
  const say = (text: string) => applyLexicon(normaliser.normalise(text), lexicon, options.phonemes);
  const l = labelsFor(lang);
  const out: Utterance[] = [];
  let chapter: string | undefined = article.headline;
  const push = (u: Omit<Utterance, 'speech' | 'chapter'> & { speech?: string }) => {
    const speech = u.speech ?? say(u.text);
    if (!speech.replace(/…/g, '').trim()) return;
    out.push({ ...u, speech, ...(chapter ? { chapter } : {}) });
    chapter = undefined;
  };
  /** One utterance per sentence of a field; the last gets `lastPause`. */
  const sentences = (kind: UtteranceKind, blockId: string, field: string, text: string, lastPause: number, idBase = blockId) => {
    const ranges = sentenceRanges(text, lang);
    ranges.forEach((r, i) =>
      push({
        id: ranges.length === 1 && field === 'text' && idBase !== blockId ? idBase : `${idBase}-s${i + 1}`,
        kind,
        text: text.slice(r.start, r.end),
        pauseAfterMs: i === ranges.length - 1 ? lastPause : PAUSE.sentence,
        target: { blockId, field, range: [r.start, r.end] },
      }),
    );
  };

  push({ id: 'headline', kind: 'headline', text: article.headline, pauseAfterMs: PAUSE.headline, target: { blockId: 'headline', field: 'text' } });
  if (article.standfirst) sentences('standfirst', 'standfirst', 'text', article.standfirst, PAUSE.paragraph);
  const byline = bylineText(article);
  if (byline) push({ id: 'byline', kind: 'byline', text: byline, pauseAfterMs: PAUSE.headline, target: { blockId: 'byline', field: 'text' } });

  // Chapters: the title block, then the body ("Article", or each heading's section), then the rights.
  chapter = 'Article';
  for (const block of article.blocks) {
    switch (block.type) {
      case 'paragraph':
        sentences('paragraph', block.id, 'text', plainText(block.children), PAUSE.paragraph);
        break;
      case 'heading': {
        const text = plainText(block.children);
        chapter = text;
        push({ id: block.id, kind: 'heading', text, pauseAfterMs: PAUSE.heading, target: { blockId: block.id, field: 'heading' } });
        break;
      }
      case 'figure': {
        const caption = plainText(block.caption);
        // "Image: <alt>. <caption>. Photo: <credit>." The alt is skipped when it only repeats the caption.
        const altRepeatsCaption = block.altSource === 'derived' || (block.alt ?? '') === caption;
        const bare = `${l.image}:`;
        const intro = block.alt && !altRepeatsCaption ? `${bare} ${block.alt}` : caption ? bare : '';
        if (intro && !(intro === bare && caption)) push({ id: `${block.id}-alt`, kind: 'figure', text: intro, pauseAfterMs: PAUSE.sentence, target: { blockId: block.id, field: 'alt' } });
        if (caption) {
          const ranges = sentenceRanges(caption, lang);
          ranges.forEach((r, i) => {
            const text = caption.slice(r.start, r.end);
            push({
              id: `${block.id}-s${i + 1}`,
              kind: 'figure',
              text,
              speech: i === 0 && intro === bare ? `${bare} ${say(text)}` : undefined,
              pauseAfterMs: i === ranges.length - 1 && !block.credit ? PAUSE.figure : PAUSE.sentence,
              target: { blockId: block.id, field: 'caption', range: [r.start, r.end] },
            });
          });
        }
        if (block.credit) {
          push({ id: `${block.id}-credit`, kind: 'figure', text: `© ${block.credit}`, speech: `${l.photo}: ${say(block.credit)}.`, pauseAfterMs: PAUSE.figure, target: { blockId: block.id, field: 'credit' } });
        }
        break;
      }
      case 'pullquote':
        if (options.readPullquotes) {
          const text = plainText(block.children);
          push({ id: `${block.id}-s1`, kind: 'pullquote', text, speech: `${l.pullQuote}: ${say(text)}${block.attribution ? ` ${say(block.attribution)}.` : ''}`, pauseAfterMs: PAUSE.figure, target: { blockId: block.id, field: 'text', range: [0, text.length] } });
        }
        break;
      case 'blockquote': {
        // Paragraphs, with any list read after the paragraph it follows.
        const parts: { field: string; text: string; idBase: string }[] = [];
        const lists = (k: number) =>
          (block.lists ?? []).forEach((l, j) => {
            if (Math.min(l.after, block.paragraphs.length) !== k) return;
            for (const item of listItems(l)) parts.push({ field: `l${j}.item${item.path}`, text: plainText(item.inlines), idBase: `${block.id}-l${j}-i${item.path.replace(/\./g, '-')}` });
          });
        lists(0);
        block.paragraphs.forEach((p, i) => {
          parts.push({ field: `p${i}`, text: plainText(p), idBase: `${block.id}-p${i}` });
          lists(i + 1);
        });
        parts.forEach((p, k) => sentences('blockquote', block.id, p.field, p.text, k === parts.length - 1 && !block.attribution ? PAUSE.paragraph : PAUSE.sentence, p.idBase));
        if (block.attribution) push({ id: `${block.id}-by`, kind: 'blockquote', text: `— ${block.attribution}`, speech: say(block.attribution), pauseAfterMs: PAUSE.paragraph, target: { blockId: block.id, field: 'attribution' } });
        break;
      }
      case 'list': {
        // Items in reading order, a nested list's items right after the item that holds them.
        const items = listItems(block);
        items.forEach((item, k) => sentences('list', block.id, `item${item.path}`, plainText(item.inlines), k === items.length - 1 ? PAUSE.paragraph : PAUSE.sentence, `${block.id}-i${item.path.replace(/\./g, '-')}`));
        break;
      }
      case 'code': {
        // Announced, never spelled out: the listener can read it in the book.
        const lines = block.value.replace(/\n+$/, '').split('\n').length;
        const text = l.code(lines);
        push({ id: block.id, kind: 'code', text, speech: text, pauseAfterMs: PAUSE.figure, target: { blockId: block.id, field: 'code' } });
        break;
      }
      case 'table': {
        // Announced with its caption, then read row by row, each cell with its column's header.
        const caption = block.caption ? plainText(block.caption).trim() : '';
        const rows = tableRows(block);
        const intro = l.table(rows.length, caption || undefined);
        push({ id: caption ? `${block.id}-caption` : block.id, kind: 'table', text: intro, speech: say(intro), pauseAfterMs: PAUSE.sentence, target: { blockId: block.id, field: caption ? 'table-caption' : 'table' } });
        rows.forEach((row, k) => {
          const text = `${l.row} ${k + 1}: ${row.cells}${/[.!?]$/.test(row.cells) ? '' : '.'}`;
          push({ id: `${block.id}-r${row.index}`, kind: 'table', text, pauseAfterMs: k === rows.length - 1 ? PAUSE.figure : PAUSE.sentence, target: { blockId: block.id, field: `row${row.index}` } });
        });
        break;
      }
      case 'separator': {
        const last = out[out.length - 1];
        if (last) last.pauseAfterMs = Math.max(last.pauseAfterMs, PAUSE.heading);
        break;
      }
    }
  }
  if (article.source.rights) {
    chapter = 'Copyright';
    const rights = article.source.rights;
    const ranges = sentenceRanges(rights, lang);
    ranges.forEach((r, i) => {
      const text = rights.slice(r.start, r.end);
      push({ id: `rights-s${i + 1}`, kind: 'rights', text, speech: i === 0 ? `${l.copyright} ${say(text)}` : undefined, pauseAfterMs: i === ranges.length - 1 ? PAUSE.end : PAUSE.sentence, target: { blockId: 'rights', field: 'text', range: [r.start, r.end] } });
    });
  }
  const last = out[out.length - 1];
  if (last) last.pauseAfterMs = PAUSE.end;
  return out;
}

/** Plain text of inlines, re-exported for the book's sentence wrapping. */
export function fieldText(inlines: readonly Inline[]): string {
  return plainText(inlines);
}

/** A list's items in reading order with their paths (`3`, `3.1` for the list inside item 3). */
export function listItems(list: { items: Inline[][]; sublists?: SubList[] }): { path: string; inlines: Inline[] }[] {
  const out: { path: string; inlines: Inline[] }[] = [];
  const walk = (l: { items: Inline[][]; sublists?: SubList[] }, prefix: string) =>
    l.items.forEach((inlines, i) => {
      const path = `${prefix}${i}`;
      out.push({ path, inlines });
      for (const s of l.sublists ?? []) if (Math.min(s.item, l.items.length - 1) === i) walk(s, `${path}.`);
    });
  walk(list, '');
  return out;
}

/**
 * The rows a listener hears: body rows (or every row of a table with no header row), each
 * cell said after its column's header, "Country, France; Population, 68 million". Spans
 * are laid out on a grid first, so a cell after a wide or tall one finds its own header.
 * `index` is the row's number among the body rows (its `<tr>` id is `<table>-r<index>`).
 */
export function tableRows(table: Table): { index: number; cells: string }[] {
  const headerRows = effectiveHeaderRows(table);
  const grid: (string | undefined)[][] = [];
  const place = (row: Table['rows'][number], r: number): (string | undefined)[] => {
    grid[r] ??= [];
    const line = grid[r]!;
    let col = 0;
    for (const cell of row) {
      while (line[col] !== undefined) col++;
      const text = plainText(cell.children).replace(/\s+/g, ' ').trim();
      for (let dr = 0; dr < Math.min(cell.rowspan ?? 1, table.rows.length - r); dr++)
        for (let dc = 0; dc < Math.min(cell.colspan ?? 1, 1000); dc++) {
          grid[r + dr] ??= [];
          // A spanned cell speaks once: the other grid places it covers hold an empty mark.
          grid[r + dr]![col + dc] = dr === 0 && dc === 0 ? text : '';
        }
      col += cell.colspan ?? 1;
    }
    return line;
  };
  table.rows.forEach((row, r) => place(row, r));
  // A column's header: the texts of the header rows above it, spans included.
  const headerOf = (col: number) => {
    const words: string[] = [];
    for (let r = 0; r < headerRows; r++) {
      let c = col;
      while (c > 0 && grid[r]?.[c] === '') c--;
      const t = grid[r]?.[c];
      if (t && !words.includes(t)) words.push(t);
    }
    return words.join(' ');
  };
    const out: { index: number; cells: string }[] = [];
  for (let r = headerRows; r < table.rows.length; r++) {
    const parts: string[] = [];
    (grid[r] ?? []).forEach((text, col) => {
      if (!text) return;
      const head = r >= headerRows ? headerOf(col) : '';
      parts.push(head && head !== text ? `${head}, ${text}` : text);
    });
    if (parts.length) out.push({ index: r - headerRows + 1, cells: parts.join('; ') });
  }
  return out;
}
