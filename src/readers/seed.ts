/**
 * Reader for the news-site export format the project started from: bold kicker and
 * headline, a rule of dashes before the standfirst, a bold author with location and
 * dateline, the body between `---` rules, figures as caption paragraphs set off by blank
 * lines and ending in "© credit", pull quotes as bold `##` headings followed by the
 * speaker's name, and a rights line after the last rule.
 */
import type { Root, RootContent, Paragraph as MdParagraph, Heading as MdHeading } from 'mdast';
import type { Diagnostics } from '../article/diagnostics.js';
import { errors } from '../article/diagnostics.js';
import { plainText } from '../article/model.js';
import type { DraftArticle, DraftBlock } from './draft.js';
import { InlineConverter, convertBody, mdText, positionOf, splitCredit } from './mdast.js';

const RULE = /^\s*[—–-]{3,}\s*/;

/** True when a paragraph is nothing but one bold run: the kicker and headline lines. */
function isBoldLine(node: RootContent): boolean {
  if (node.type !== 'paragraph') return false;
  const kids = (node as MdParagraph).children.filter((c) => !(c.type === 'text' && c.value.trim() === ''));
  return kids.length === 1 && kids[0]!.type === 'strong';
}

/** Does this file look like the seed's export format? Used when no `--from` is given. */
export function looksLikeSeed(root: Root): boolean {
  const first = root.children.slice(0, 6);
  return first.filter(isBoldLine).length >= 1 && first.some((n) => n.type === 'paragraph' && RULE.test(mdText(n)));
}

export function readSeed(root: Root, file: string, diagnostics: Diagnostics, defaultLang: string): DraftArticle {
  const inline = new InlineConverter(root, diagnostics);
  const nodes = root.children;
  // A rule with nothing after it closes the file; it does not open a footer.
  let last = nodes.length;
  while (last > 0 && nodes[last - 1]!.type === 'thematicBreak') last--;
  const breaks = nodes.slice(0, last).map((n, i) => (n.type === 'thematicBreak' ? i : -1)).filter((i) => i >= 0);
  const bodyStart = breaks.length ? breaks[0]! : nodes.length;
  const bodyEnd = breaks.length >= 2 ? breaks[breaks.length - 1]! : last;

  // --- header: kicker, headline, standfirst, byline ---
  const bold: string[] = [];
  let standfirst: string | undefined;
  let expectStandfirst = false;
  const byline: DraftArticle['byline'] = { authors: [] };
  for (const node of nodes.slice(0, bodyStart)) {
    if (node.type !== 'paragraph') continue;
    const text = mdText(node).replace(/\s+/g, ' ').trim();
    if (expectStandfirst) {
      standfirst = text;
      expectStandfirst = false;
    } else if (isBoldLine(node)) {
      bold.push(text);
    } else if (RULE.test(text)) {
      const rest = text.replace(RULE, '').trim();
      if (rest) standfirst = rest;
      else expectStandfirst = true;
    } else if (node.children[0]?.type === 'strong') {
      Object.assign(byline, parseByline(node));
    } else if (!standfirst && bold.length) {
      standfirst = text;
    }
  }
  const headline = bold.length >= 2 ? bold[1] : bold[0];
  const kicker = bold.length >= 2 ? bold[0] : undefined;
  if (!headline) throw errors.structure(file, 'no headline found (expected a bold line before the first ---)', 1);

  // --- body ---
  const body = nodes.slice(bodyStart + 1, bodyEnd);
  const blocks = convertBody(body, inline, diagnostics, (node, i) => {
    const prev = i > 0 ? body[i - 1] : nodes[bodyStart];
    // A caption paragraph: set off by a run of blank lines and ending in "© credit".
    if (node.type === 'paragraph' && prev?.position && node.position) {
      const gap = node.position.start.line - prev.position.end.line - 1;
      const children = inline.convert(node.children);
      if (gap >= 2 && plainText(children).includes('©')) {
        const { caption, credit } = splitCredit(children);
        const fig: DraftBlock = { type: 'figure', position: positionOf(node), caption, ...(credit ? { credit } : {}) };
        return { blocks: [fig], consumed: 1 };
      }
    }
    // A pull quote: a heading that is all bold, then a short line naming the speaker.
    if (node.type === 'heading' && isAllStrong(node)) {
      const next = body[i + 1];
      const nextText = next?.type === 'paragraph' ? mdText(next).trim() : '';
      const isAttribution = nextText !== '' && nextText.split(/\s+/).length <= 8 && !/[.!?”"]$/.test(nextText);
      const quote: DraftBlock = {
        type: 'pullquote',
        position: positionOf(node),
        children: inline.convert(node.children.flatMap((c) => (c.type === 'strong' ? c.children : [c]))),
        ...(isAttribution ? { attribution: nextText } : {}),
      };
      return { blocks: [quote], consumed: isAttribution ? 2 : 1 };
    }
    return undefined;
  });

  // --- footer: the rights line ---
  let rights: string | undefined;
  for (const node of nodes.slice(bodyEnd + 1, last)) {
    if (node.type !== 'paragraph') continue;
    const text = plainText(inline.convert(node.children)).replace(/^\s*(?:Copyright|©)\s*/i, '').replace(/^©\s*/, '').trim();
    if (text) rights = rights ? `${rights} ${text}` : text;
  }
  const publisher = rights ? /^(.*?)\s*(?:©\s*)?\b(?:19|20)\d\d\b/.exec(rights)?.[1]?.trim() || undefined : undefined;

  return {
    lang: defaultLang,
    dir: 'ltr',
    ...(kicker ? { kicker } : {}),
    headline,
    ...(standfirst ? { standfirst } : {}),
    byline,
    source: { ...(publisher ? { publisher } : {}), ...(rights ? { rights } : {}) },
    blocks,
  };
}

function isAllStrong(node: MdHeading): boolean {
  const kids = node.children.filter((c) => !(c.type === 'text' && c.value.trim() === ''));
  return kids.length > 0 && kids.every((c) => c.type === 'strong');
}

/** `**Author** in Geneva 9 HOURS AGO` -> authors, location, dateline. */
function parseByline(node: MdParagraph): Partial<DraftArticle['byline']> {
  const authors = node.children.filter((c) => c.type === 'strong').map((c) => mdText(c).trim()).filter(Boolean);
  const rest = node.children
    .filter((c) => c.type !== 'strong')
    .map(mdText)
    .join(' ')
    .replace(/\s+/g, ' ')
    .replace(/^\s*(?:and|,)\s*/i, '')
    .trim();
  const words = rest.replace(/^in\s+/i, '').split(' ').filter(Boolean);
  // The dateline is the trailing run printed in capitals or digits ("9 HOURS AGO").
  let cut = words.length;
  while (cut > 0 && /^[A-Z0-9][A-Z0-9:,.]*$/.test(words[cut - 1]!)) cut--;
  const location = /^in\s/i.test(rest) ? words.slice(0, cut).join(' ') : '';
  const dateline = words.slice(cut).join(' ');
  return { authors, ...(location ? { location } : {}), ...(dateline ? { dateline } : {}) };
}
