/**
 * EPUB 3 Media Overlays: the narration synchronised with the text. Each spoken sentence
 * gets an element with a stable id in the content document (a `<span>` around its exact
 * words, or the element it belongs to: the headline, the byline, a figure's credit), and
 * the SMIL document lists them in reading order, each with its clip of the book's audio.
 */
import type { Inline } from '../article/model.js';
import { splitInlinesAt } from '../readers/mdast.js';
import type { TimedUtterance } from '../audio/timeline.js';
import type { Utterance } from '../speech/script.js';
import { escapeXml } from '../util/xml.js';
import { renderInlines } from './render.js';

/** The class reading systems put on the element being read (declared as media:active-class). */
export const ACTIVE_CLASS = '-epub-media-overlay-active';

/** The id of the element an utterance highlights. */
export function fragmentFor(u: Utterance): string {
  if (u.target.range) return u.id;
  // A table row: its <tr> has the utterance's id.
  if (/^row\d+$/.test(u.target.field)) return u.id;
  switch (u.target.field) {
    case 'credit':
      return `${u.target.blockId}-credit`;
    case 'attribution':
      return `${u.target.blockId}-by`;
    case 'table-caption':
      return `${u.target.blockId}-caption`;
    default:
      // headline, byline-names, a heading or a figure (its alt text).
      return u.target.blockId === 'byline' ? 'byline-names' : u.target.blockId;
  }
}

/**
 * Renders a field's inlines with each utterance's range wrapped in `<span id>`. Inline
 * markup crossing a sentence boundary is split into two elements, one on each side.
 */
export function wrapSentences(inlines: readonly Inline[], ranges: readonly { id: string; start: number; end: number }[]): string {
  let rest: Inline[] = [...inlines];
  let pos = 0;
  let out = '';
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    const [before, from] = splitInlinesAt(rest, r.start - pos);
    const [inside, after] = splitInlinesAt(from, r.end - r.start);
    out += renderInlines(before) + `<span id="${escapeXml(r.id)}">${renderInlines(inside)}</span>`;
    rest = after;
    pos = r.end;
  }
  return out + renderInlines(rest);
}

/** SMIL clock value, "0:01:23.456". */
export function clock(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h}:${String(m).padStart(2, '0')}:${s.toFixed(3).padStart(6, '0')}`;
}

export interface OverlayClip {
  fragment: string;
  begin: number;
  end: number;
}

/**
 * Clips for one content document, in reading order: each sentence from its start to the
 * next sentence's start (its pause included), shifted by `offset` seconds to where the
 * timeline begins inside the audio file, the last one running to the end of the audio.
 */
export function overlayClips(timed: readonly TimedUtterance[], sampleRate: number, offset: number, audioSeconds: number): OverlayClip[] {
  return timed.map((t, i) => ({
    fragment: fragmentFor(t.utterance),
    begin: i === 0 ? 0 : t.start / sampleRate + offset,
    end: i === timed.length - 1 ? audioSeconds : timed[i + 1]!.start / sampleRate + offset,
  }));
}

export function smilDocument(textHref: string, audioHref: string, clips: readonly OverlayClip[]): string {
  const pars = clips
    .map(
      (c, i) =>
        `      <par id="par${i + 1}">\n        <text src="${escapeXml(textHref)}#${escapeXml(c.fragment)}"/>\n        <audio src="${escapeXml(audioHref)}" clipBegin="${clock(c.begin)}" clipEnd="${clock(c.end)}"/>\n      </par>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0">
  <body>
    <seq id="seq1" epub:textref="${escapeXml(textHref)}#start" epub:type="bodymatter">
${pars}
    </seq>
  </body>
</smil>
`;
}
