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
import { plainText, type Article, type Inline } from '../article/model.js';
import { bylineText } from '../epub/render.js';
import { labelsFor } from '../article/labels.js';
import { normaliserFor, type Normaliser } from './normalise/index.js';
import { sentenceRanges } from './sentences.js';
import { applyLexicon, EMPTY_LEXICON, type Lexicon } from './lexicon.js';

export type UtteranceKind = 'headline' | 'standfirst' | 'byline' | 'heading' | 'paragraph' | 'figure' | 'pullquote' | 'blockquote' | 'list' | 'rights';

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
      case 'blockquote':
        block.paragraphs.forEach((p, i) => sentences('blockquote', block.id, `p${i}`, plainText(p), i === block.paragraphs.length - 1 && !block.attribution ? PAUSE.paragraph : PAUSE.sentence, `${block.id}-p${i}`));
        if (block.attribution) push({ id: `${block.id}-by`, kind: 'blockquote', text: `— ${block.attribution}`, speech: say(block.attribution), pauseAfterMs: PAUSE.paragraph, target: { blockId: block.id, field: 'attribution' } });
        break;
      case 'list':
        block.items.forEach((item, i) => sentences('list', block.id, `item${i}`, plainText(item), i === block.items.length - 1 ? PAUSE.paragraph : PAUSE.sentence, `${block.id}-i${i}`));
        break;
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
