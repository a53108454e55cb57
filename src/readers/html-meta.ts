/**
 * A saved page's headline and authors, chosen from what the page says about itself in
 * several places that each go wrong on some sites:
 *
 * - Headline: the visible `<h1>` that agrees with at least one of `og:title`, the JSON-LD
 *   `headline` or the `<title>` (less the site's name); else what those agree on. A site's
 *   logo or blog name in an `<h1>`, a hidden `<h1>` and an `<h1>` in a photo caption are
 *   never the headline.
 * - Authors: JSON-LD `author`, `<meta name="author">`, `rel="author"` links, then the
 *   byline text; each cleaned of dates, times, "Updated ...", "Follow ...", and "Surname,
 *   Given" put back in order. Nothing with a digit in it is an author.
 */
import { shownText } from './shown-text.js';

/** What the page's JSON-LD says about the article. */
export interface JsonLdFacts {
  headline?: string;
  authors: string[];
  publisher?: string;
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Reads every `application/ld+json` block of the page (call it before Readability, which removes scripts). */
export function readJsonLd(document: Document): JsonLdFacts {
  const facts: JsonLdFacts = { authors: [] };
  const names = (v: unknown): string[] => {
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) return v.flatMap(names);
    if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') return [(v as { name: string }).name];
    return [];
  };
  const visit = (node: unknown, depth: number): void => {
    if (depth > 8 || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((n) => visit(n, depth + 1));
    const o = node as Record<string, unknown>;
    const type = ([] as unknown[]).concat(o['@type'] ?? []).map(String).join(' ');
    if (/Article|Posting|Report/i.test(type)) {
      if (!facts.headline && typeof o['headline'] === 'string' && collapse(o['headline'])) facts.headline = collapse(o['headline']);
      if (!facts.authors.length) facts.authors = names(o['author']).map(collapse).filter(Boolean);
      if (!facts.publisher) facts.publisher = names(o['publisher'])[0];
    }
    for (const key of ['@graph', 'mainEntity', 'mainEntityOfPage', 'itemListElement']) if (o[key]) visit(o[key], depth + 1);
  };
  for (const script of document.querySelectorAll('script[type="application/ld+json" i]')) {
    try {
      visit(JSON.parse(script.textContent ?? ''), 0);
    } catch {
      // A broken JSON-LD block is common and says nothing: the other sources remain.
    }
  }
  return facts;
}

/** Words to compare, lower case; Chinese, Japanese and Korean by character. */
function tokens(s: string): string[] {
  return (s.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).flatMap((w) =>
    /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(w) ? [...w] : [w],
  );
}
const key = (s: string) => tokens(s).join(' ');

/** Two titles agree when most of the shorter one's words are in the longer one. */
function agree(a: string, b: string): boolean {
  const ta = new Set(tokens(a));
  const tb = new Set(tokens(b));
  if (!ta.size || !tb.size) return false;
  if (key(a) === key(b)) return true;
  const [small, large] = ta.size <= tb.size ? [ta, tb] : [tb, ta];
  if (small.size < 2) return false;
  let shared = 0;
  for (const t of small) if (large.has(t)) shared++;
  return shared / small.size >= 0.6;
}

/** Separators between a title and the site's name: "Headline | Site", "Site - Headline". */
const SEPARATOR = /\s+(?:\||-|–|—|--|::|«|»|·|•|\/|:)\s+/;
/** Segments of a `<title>` that name no article. */
const JUNK_SEGMENT = /^(?:blog archive|home|news|noticias|nachrichten|actualités|articles?|blog)$/i;

export interface HeadlineSources {
  ogTitle?: string;
  ldHeadline?: string;
  title?: string;
  /** og:site_name, application-name, JSON-LD publisher, twitter:site. */
  siteNames: string[];
  pageUrl?: string;
}

const HIDDEN_CLASS = /^(?:hidden|hide|oculto|invisible|sr-only|visually-?hidden|screen-?reader-?text|offscreen|a11y-hidden|element-invisible)$/i;
const LOGO = /logo|brand|site-?(?:name|title)|masthead|blog-?(?:name|title)|^title-?area$/i;

function hidden(el: Element): boolean {
  for (let e: Element | null = el; e; e = e.parentElement) {
    if (e.hasAttribute('hidden') || e.getAttribute('aria-hidden') === 'true') return true;
    if (/(?:display\s*:\s*none|visibility\s*:\s*hidden)/i.test(e.getAttribute('style') ?? '')) return true;
    if ((e.getAttribute('class') ?? '').split(/\s+/).some((c) => HIDDEN_CLASS.test(c))) return true;
  }
  return false;
}

/** An `<h1>` that holds the site's logo or name: marked so, or a link to the site's front page. */
function isLogo(h1: Element, isSite: (s: string) => boolean, titleEnds: (s: string) => boolean): boolean {
  const text = collapse(h1.textContent ?? '');
  if (!text || isSite(text)) return true;
  for (let e: Element | null = h1; e && e.tagName !== 'BODY'; e = e.parentElement) {
    if (e !== h1 && /^(?:ARTICLE|MAIN)$/.test(e.tagName)) break;
    if (LOGO.test(`${e.getAttribute('class') ?? ''} ${e.getAttribute('id') ?? ''}`)) return true;
  }
  const link = h1.closest('a') ?? (h1.querySelectorAll('a').length === 1 ? h1.querySelector('a') : null);
  if (link && collapse(link.textContent ?? '') === text) {
    const href = (link.getAttribute('href') ?? '').trim();
    try {
      const url = new URL(href, 'https://site.invalid/');
      const depth = url.pathname.split('/').filter(Boolean).length;
      // The front page, or a blog's front page ("/filmgang/") that the <title> names too.
      if (!url.search && (depth === 0 || (depth === 1 && titleEnds(text)))) return true;
    } catch {
      // Not a URL: not a link to the front page either.
    }
  }
  // An <h1> made of an image only (a logo) has its alt text as its only words.
  return !!h1.querySelector('img') && !collapse([...h1.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join(''));
}

/**
 * The headline by agreement (see the file's comment), or undefined when the page has none. */
export function chooseHeadline(document: Document, src: HeadlineSources): string | undefined {
  const host = (() => {
    try {
      return src.pageUrl ? new URL(src.pageUrl).hostname.replace(/^www\d*\./, '') : undefined;
    } catch {
      return undefined;
    }
  })();
  const sites = new Set(src.siteNames.map(key).filter(Boolean));
  const isSite = (s: string): boolean => {
    const k = key(s);
    if (!k) return true;
    if (sites.has(k) || JUNK_SEGMENT.test(collapse(s))) return true;
    const squashed = k.replace(/ /g, '');
    if (/^[\w.-]+\.(?:com|org|net|co|uk|es|fr|de|it|info|io|news)$/i.test(collapse(s))) return true;
    return !!host && squashed.length >= 3 && host.split('.').some((label) => label.length >= 3 && (label === squashed || `${label}com` === squashed));
  };
  const h1s = [...document.querySelectorAll('h1')].filter((h) => !h.closest('figure, figcaption') && !hidden(h));
  // An <h1> that is a link to the front page names the site: so does its text anywhere else.
  const titleParts = (src.title ?? '').split(SEPARATOR);
  const titleEnds = (s: string) => titleParts.length > 1 && [titleParts[0]!, titleParts[titleParts.length - 1]!].some((p) => key(p) === key(s));
  for (const h of h1s) if (isLogo(h, isSite, titleEnds)) sites.add(key(h.textContent ?? ''));
  const headings = h1s.filter((h) => !isLogo(h, isSite, titleEnds)).map((h) => ({ el: h, text: collapse(h.textContent ?? ''), inArticle: !!h.closest('article, main, [itemprop="headline"], [role="main"]') || h.getAttribute('itemprop') === 'headline' }));

  /** A title less the site's name and other segments that name no article, at either end. */
  const clean = (t: string | undefined): string | undefined => {
    if (!t) return undefined;
    const parts = t.split(SEPARATOR);
    const seps = t.match(new RegExp(SEPARATOR.source, 'g')) ?? [];
    let from = 0;
    let to = parts.length;
    while (to - from > 1 && isSite(parts[from]!)) from++;
    while (to - from > 1 && isSite(parts[to - 1]!)) to--;
    let out = parts[from]!;
    for (let i = from + 1; i < to; i++) out += seps[i - 1]! + parts[i]!;
    return collapse(out) || undefined;
  };
  const og = clean(src.ogTitle);
  const ld = src.ldHeadline ? collapse(src.ldHeadline) : undefined;
  const title = clean(src.title);
  const others = [og, ld, title].filter((s): s is string => !!s);

  // 1. A visible <h1> that another source agrees with: the page's own wording.
  const agreed = headings
    .map((h, i) => ({ ...h, votes: others.filter((o) => agree(h.text, o)).length, i }))
    .filter((h) => h.votes > 0)
    .sort((a, b) => b.votes - a.votes || Number(b.inArticle) - Number(a.inArticle) || a.i - b.i);
  if (agreed[0]) return agreed[0].text;
  // 2. The metadata agreeing among itself.
  if (og && ((ld && agree(og, ld)) || (title && agree(og, title)))) return og;
  if (ld && title && agree(ld, title)) return ld;
  // 3. The best single source.
  return ld ?? headings.find((h) => h.inArticle)?.text ?? og ?? title ?? headings[0]?.text;
}

/** Dates, times and furniture that bylines carry after the name. */
const BYLINE_TAIL = new RegExp(
  [
    String.raw`\s*(?:\||•|·|—|–)|\s+-\s+`,
    // Job titles after the name: "Andrea Stone Senior Washington Correspondent".
    String.raw`\s*\b(?:senior|chief|executive|staff|special|deputy|associate|contributing|editor|correspondent|writers?|reporter|columnist|contributor|envoyée?s?|spéciaux|redactor|redacción)\b`,
    String.raw`\s+on\s+(?=(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d))`,
    String.raw`\s*\b(?:updated|published|posted|authored|follow|last\s+updated|print|e-?mail|share|comments?|twitter|facebook)\b`,
    String.raw`\s*\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\b\.?,?`,
    String.raw`\s*\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+\d`,
    String.raw`\s*\d`,
    String.raw`\s*@`,
  ].join('|'),
  'i',
);

/** Cleans one byline into author names: "By A, B and C", "Jong, Michiel de", "A | Apr 19, 2013". */
export function bylineAuthors(value: string, siteNames: readonly string[] = []): string[] {
  let text = collapse(value).replace(/^(?:by|von|par|por|door)\s*:?\s+/i, '');
  const tail = BYLINE_TAIL.exec(text);
  if (tail) text = text.slice(0, tail.index);
  text = text.replace(/[,;:\s]+$/, '').replace(/^by\s*:?\s+/i, '');
  if (!text) return [];
  let parts = text.split(/\s*(?:;|\band\b|&|\bund\b|\bet\b|\by\b)\s*/i).flatMap((p) => {
    const commas = p.split(/\s*,\s*/).filter(Boolean);
    // "Jong, Michiel de": a lone surname before the comma, the given names after it.
    if (commas.length === 2 && !/\s/.test(commas[0]!)) return [`${commas[1]} ${commas[0]}`];
    return commas;
  });
  const sites = new Set(siteNames.map((s) => key(s)));
  parts = parts
    .map(collapse)
    .filter((a) => a && isName(a) && !sites.has(key(a)))
    // "DAVID LIEBERMAN" as a person would write it.
    .map((a) => (a === a.toUpperCase() && a !== a.toLowerCase() && a.replace(/\P{L}/gu, '').length > 4 ? a.toLowerCase().replace(/(^|[\s'-])(\p{L})/gu, (_, b: string, c: string) => b + c.toUpperCase()) : a));
  return [...new Set(parts)];
}

/** A plausible person's (or desk's) name: letters, no digits, at most six words, not furniture. */
function isName(a: string): boolean {
  if (/\d|https?:|www\.|@|\.[a-z]{2,4}$/i.test(a)) return false;
  if (a.length > 60 || a.split(/\s+/).length > 6) return false;
  if (/^(?:follow|updated|published|posted|share|print|e-?mail|comments?|author|staff writer|contributor|more|view|read)\b/i.test(a)) return false;
  return /\p{L}/u.test(a);
}

/** The article's authors from the first source that yields any (see the file's comment). */
export function chooseAuthors(sources: readonly (string | readonly string[] | undefined)[], siteNames: readonly string[]): string[] {
  for (const source of sources) {
    if (!source) continue;
    const values = typeof source === 'string' ? [source] : source;
    const authors = [...new Set(values.flatMap((v) => bylineAuthors(v, siteNames)))];
    if (authors.length) return authors;
  }
  return [];
}
