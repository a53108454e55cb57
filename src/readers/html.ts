/**
 * Reader for saved web pages (`.html`, `.htm`): what a browser writes with "Save page as".
 *
 * - Metadata comes from the page's head: `<html lang dir>`, Open Graph and article meta
 *   (`og:title`, `og:site_name`, `article:section`, `article:published_time`, `author`,
 *   `description`), the canonical URL, and JSON-LD through Readability.
 * - The article body is found by @mozilla/readability (the engine of Firefox's reader
 *   view) on a linkedom DOM, then converted element by element into the article model.
 *   Only text, emphasis, links (http, https, mailto) and image paths survive: scripts,
 *   styles, frames, SVG, forms, event handlers and `javascript:` URLs never reach it.
 * - Block positions are exact: before parsing, each block element's start tag is marked
 *   with its line and column in the file.
 */
import { Readability } from '@mozilla/readability';
import { Parser } from 'htmlparser2';
import { parseHTML } from 'linkedom';
import type { Diagnostics } from '../article/diagnostics.js';
import { errors } from '../article/diagnostics.js';
import { plainText, type Inline, type MathInline, type Position, type SubList, type TableCell } from '../article/model.js';
import { cleanMathml } from '../article/mathml.js';
import type { DraftArticle, DraftBlock } from './draft.js';
import { normaliseHeadingDepths, splitCredit, trimInlines } from './mdast.js';
import { MAX_HTML_DEPTH, MAX_HTML_ELEMENTS, MAX_HTML_NESTING_WORK } from '../transforms/nesting.js';
import { shownText } from './shown-text.js';
import { TEX, codeLanguage, largestCandidate, prepareMath, preformattedText } from './html-content.js';

/** Deepest list nesting kept as nested lists; deeper lists join their parent item's text. */
export const MAX_LIST_DEPTH = 16;
/** Code and tables inside list items are taken out of the item, after it (the model's items are text). */
const HOISTED = 'data-lectern-hoisted';
type ListShape = { ordered: boolean; items: Inline[][]; sublists: SubList[] };
import { contradictsScript, detectLanguage, languageName } from './language.js';
import { chooseAuthors, chooseHeadline, readJsonLd } from './html-meta.js';

/** `<!doctype html`, `<html` or an XML prolog first (comments allowed before). */
export function looksLikeHtml(text: string): boolean {
  return /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html)\b/i.test(text);
}

const POS = 'data-lectern-pos';
const SKIP_MARK = 'data-lectern-skip';
const ATTRIBUTION = 'data-lectern-attribution';

/** Elements whose source position is recorded. */
const POSITIONED = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'figure', 'img', 'picture', 'ul', 'ol', 'blockquote', 'hr', 'pre', 'table', 'div', 'section', 'aside', 'math', 'mjx-container']);

/** Never converted, content included. */
const DROPPED = new Set([
  'script', 'style', 'noscript', 'template', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'svg',
  'canvas', 'video', 'audio', 'form', 'button', 'input', 'select', 'textarea', 'nav', 'link', 'meta', 'base', 'head',
  'title', 'dialog', 'map', 'area', 'source', 'track', 'portal',
]);
const EMBEDS = new Set(['iframe', 'frame', 'object', 'embed', 'applet', 'video', 'audio', 'canvas', 'portal']);

/** Phrasing elements: their content joins the surrounding text. */
const INLINE = new Set([
  'a', 'abbr', 'b', 'bdi', 'bdo', 'br', 'cite', 'code', 'data', 'del', 'dfn', 'em', 'font', 'i', 'ins', 'kbd', 'label',
  'mark', 'q', 's', 'samp', 'small', 'span', 'strong', 'sub', 'sup', 'time', 'tt', 'u', 'var', 'wbr',
]);

const CLASS = {
  kicker: /^(?:kicker|eyebrow|overline|rubric|section-?label|article-?section)$/i,
  standfirst: /^(?:standfirst|dek|strapline|sub-?headline|subtitle|article-?summary)$/i,
  byline: /^(?:byline|bylines|author|authors|article-?author|author-?name)$/i,
  credit: /^(?:credit|credits|image-?credit|photo-?credit|copyright|photographer|media-?credit)$/i,
  pullquote: /^(?:pull-?quote|pullout)$/i,
};

const hasClass = (el: Element, re: RegExp) => (el.getAttribute('class') ?? '').split(/\s+/).some((c) => re.test(c));
const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();
const tagOf = (el: Element) => el.tagName.toLowerCase();

/** Inserts `data-lectern-pos="line:column"` into the start tag of every block element. */
export function markPositions(html: string): string {
  const lineStarts = [0];
  for (let i = html.indexOf('\n'); i >= 0; i = html.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const positionAt = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return `${lo + 1}:${offset - lineStarts[lo]! + 1}`;
  };
  const inserts: { at: number; text: string }[] = [];
  const parser = new Parser(
    {
      onopentag(name) {
        if (!POSITIONED.has(name)) return;
        const start = parser.startIndex;
        const at = start + 1 + name.length;
        // Implied tags (a stray `</p>`) have no start tag of their own to mark.
        if (html[start] !== '<' || html.slice(start + 1, at).toLowerCase() !== name) return;
        inserts.push({ at, text: ` ${POS}="${positionAt(start)}"` });
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  let out = '';
  let from = 0;
  for (const { at, text } of inserts) {
    out += html.slice(from, at) + text;
    from = at;
  }
  return out + html.slice(from);
}

function positionOf(el: Element): Position | undefined {
  const m = /^(\d+):(\d+)$/.exec(el.getAttribute(POS) ?? '');
  return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
}

/** Resolves a link to an absolute http(s) or mailto URL; anything else loses its link. */
export function safeLink(href: string, base?: string): string | undefined {
  const h = href.trim();
  if (!h || h.startsWith('#')) return undefined;
  let url: URL;
  try {
    url = base ? new URL(h, base) : new URL(h);
  } catch {
    return undefined;
  }
  return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? strictUri(url) : undefined;
}

/**
 * The URL as RFC 3986 (what EPUBCheck checks) allows it: browsers leave `[`, `|`, `{`, `^`
 * and a `%` that starts no escape as they are in a path or query; those are escaped here.
 */
function strictUri(url: URL): string {
  const href = url.href;
  const hostEnd = url.host ? href.indexOf(url.host) + url.host.length : url.protocol.length;
  return (
    href.slice(0, hostEnd) +
    href
      .slice(hostEnd)
      .replace(/%(?![0-9A-Fa-f]{2})/g, '%25')
      .replace(/[^A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]/g, (c) => encodeURIComponent(c))
  );
}

function isoDate(value: string): string | undefined {
  const v = value.trim();
  const t = Date.parse(v);
  // Well formed is not enough: 2024-02-30 has the shape of a date but is none.
  if (/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))?$/.test(v))
    return Number.isFinite(t) && new Date(Date.parse(v.slice(0, 10))).toISOString().slice(0, 10) === v.slice(0, 10) ? v : undefined;
  return Number.isFinite(t) ? new Date(t).toISOString().replace(/\.000Z$/, 'Z') : undefined;
}

/** Languages written right to left. */
const RTL_LANGS = new Set(['ar', 'fa', 'ur', 'he', 'yi', 'ps', 'ckb', 'dv', 'ug', 'sd']);

const LANG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

/** Header parts found in the page itself, used when the head's meta tags lack them. */
interface Found {
  kicker?: string;
  standfirst?: string;
  byline?: string;
  dateline?: string;
  headline?: string;
}

/**
 * Takes kicker, standfirst and byline out of the page (by their usual class names), and
 * marks those elements so they do not reappear as body paragraphs.
 */
function mineHeader(document: Document): Found {
  const found: Found = {};
  const h1 = document.querySelector('article h1') ?? document.querySelector('h1');
  if (h1) found.headline = collapse(shownText(h1)) || undefined;
  for (const el of document.querySelectorAll('[class]')) {
    const take = (key: 'kicker' | 'standfirst' | 'byline', max: number) => {
      const text = collapse(shownText(el));
      if (found[key] || !text || text.length > max) return;
      found[key] = text;
      // Removed, not only marked: Readability rebuilds a <div> as a <p> without its
      // attributes, and the byline's dates would come back as a body paragraph.
      if (el.querySelector('h1, img, figure, article')) el.setAttribute(SKIP_MARK, '');
      else el.remove();
    };
    if (hasClass(el, CLASS.kicker)) take('kicker', 80);
    else if (hasClass(el, CLASS.standfirst)) take('standfirst', 600);
    else if (hasClass(el, CLASS.byline)) take('byline', 200);
  }
  const time = h1?.closest('header')?.querySelector('time');
  if (time) {
    found.dateline = collapse(shownText(time)) || undefined;
    time.setAttribute(SKIP_MARK, '');
  }
  // Readability drops <footer>; keep a quotation's attribution on the quotation itself.
  for (const quote of document.querySelectorAll('blockquote')) {
    const by = [...quote.children].reverse().find((c) => ['footer', 'cite'].includes(tagOf(c)));
    if (!by) continue;
    const text = collapse(shownText(by)).replace(/^(?:—|―|–|--)\s*/, '');
    if (text) quote.setAttribute(ATTRIBUTION, text);
    by.remove();
  }
  return found;
}

class HtmlConverter {
  readonly blocks: DraftBlock[] = [];
  private pending: { inlines: Inline[]; position?: Position } | undefined;

  constructor(
    private readonly diagnostics: Diagnostics,
    private readonly headline: string,
    private readonly linkBase: string | undefined,
    /** The page was fetched from the web: its relative image paths are URLs on its server. */
    private readonly fetched = false,
  ) {}

  /** Converts an element's children as blocks, gathering loose text into paragraphs. */
  container(el: Element): void {
    for (const node of el.childNodes) {
      if (node.nodeType === 3) this.loose([node], positionOf(el));
      else if (node.nodeType === 1) {
        const child = node as Element;
        const tag = tagOf(child);
        if ((INLINE.has(tag) || tag === 'math' || child.hasAttribute(TEX)) && !child.querySelector('img, figure, p, div, ul, ol, blockquote, table, pre, h1, h2, h3, h4, h5, h6'))
          this.loose([child], (tag === 'math' ? positionOf(child) : undefined) ?? positionOf(el));
        else {
          this.flush();
          this.block(child);
        }
      }
    }
    this.flush();
  }

  private loose(nodes: Node[], position: Position | undefined): void {
    this.pending ??= { inlines: [], position };
    this.pending.inlines.push(...this.inline(nodes));
  }

  private flush(): void {
    if (!this.pending) return;
    const children = tidy(this.pending.inlines);
    if (children.length) this.blocks.push({ type: 'paragraph', position: this.pending.position, children });
    this.pending = undefined;
  }

  private block(el: Element): void {
    const tag = tagOf(el);
    const position = positionOf(el);
    if (el.hasAttribute(SKIP_MARK)) return;
    if (DROPPED.has(tag)) {
      if (EMBEDS.has(tag)) this.diagnostics.info(`dropped embedded content (<${tag}>)`, 'html:embed', position);
      if (tag === 'svg') this.droppedSvg(el, position);
      return;
    }
    switch (tag) {
      case 'p': {
        // A paragraph of images alone is a run of figures; an image inside text stays
        // in the text as its alt text.
        const images = [...el.querySelectorAll('img')];
        if (images.length && !collapse(el.textContent ?? '')) return images.forEach((img) => this.figure(img, img, [], undefined));
        const children = tidy(this.inline([...el.childNodes]));
        if (children.length) this.blocks.push({ type: 'paragraph', position, children });
        return;
      }
      case 'h1':
      case 'h2':
      case 'h3':
      case 'h4':
      case 'h5':
      case 'h6': {
        const children = tidy(this.inline([...el.childNodes]));
        if (!children.length || same(plainText(children), this.headline)) return;
        this.blocks.push({ type: 'heading', position, depth: Number(tag[1]), children });
        return;
      }
      case 'figure':
        return this.figureElement(el);
      case 'img':
      case 'picture': {
        const img = tag === 'img' ? el : el.querySelector('img');
        if (img) this.figure(img, el, [], undefined);
        return;
      }
      case 'ul':
      case 'ol':
        return this.list(el);
      case 'blockquote':
        return this.quote(el, el.getAttribute(ATTRIBUTION) ?? undefined);
      case 'aside':
        if (hasClass(el, CLASS.pullquote)) return this.quote(el, el.getAttribute(ATTRIBUTION) ?? undefined, true);
        return this.container(el);
      case 'hr':
        this.blocks.push({ type: 'separator', position });
        return;
      case 'pre':
        return this.code(el);
      case 'table':
        return this.table(el);
      default:
        return this.container(el);
    }
  }

  private quote(el: Element, attribution: string | undefined, pull = hasClass(el, CLASS.pullquote)): void {
    const position = positionOf(el);
    // A quotation holding more than paragraphs (a list, code, a table, a heading): its
    // paragraphs stay a quotation and the rest keeps its own shape, in reading order.
    if (!pull && [...el.children].some((c) => !['p', 'footer', 'cite', 'br'].includes(tagOf(c)) && !INLINE.has(tagOf(c)) && tagOf(c) !== 'math'))
      return this.mixedQuote(el, attribution);
    const ps = [...el.children].filter((c) => tagOf(c) === 'p');
    // Paragraphs beside text of their own (a line of text, an inline element, a footer or
    // cite naming the speaker): everything is kept, in order, as the mixed reading does.
    if (!pull && ps.length && [...el.childNodes].some((n) => (n.nodeType === 3 || (n.nodeType === 1 && tagOf(n as Element) !== 'p' && !(n as Element).hasAttribute(SKIP_MARK))) && (n.textContent ?? '').trim()))
      return this.mixedQuote(el, attribution);
    let paragraphs = (ps.length ? ps.map((p) => tidy(this.inline([...p.childNodes]))) : [tidy(this.inline([...el.childNodes]))]).filter((p) => p.length);
    const last = paragraphs[paragraphs.length - 1];
    if (!attribution && paragraphs.length > 1 && last && /^(?:—|―|--)\s*/.test(plainText(last))) {
      attribution = plainText(last).replace(/^(?:—|―|--)\s*/, '').trim();
      paragraphs = paragraphs.slice(0, -1);
    }
    if (!paragraphs.length) return;
    const by = attribution ? { attribution } : {};
    if (pull) {
      const children = paragraphs.flatMap((p, i) => (i ? [{ type: 'text' as const, value: ' ' }, ...p] : p));
      this.blocks.push({ type: 'pullquote', position, children, ...by });
    } else this.blocks.push({ type: 'blockquote', position, paragraphs, ...by });
  }

  private figureElement(el: Element): void {
    const images = [...el.querySelectorAll('img')].filter((img) => !img.closest(`[${SKIP_MARK}]`));
    const figcaption = el.querySelector('figcaption');
    if (!images.length) {
      const quote = el.querySelector('blockquote');
      if (quote) return this.quote(quote, quote.getAttribute(ATTRIBUTION) ?? (figcaption ? collapse(shownText(figcaption)).replace(/^(?:—|―|–|--)\s*/, '') || undefined : undefined));
      return this.container(el);
    }
    // A credit in its own element (class "credit" and the like) is taken out of the caption.
    const creditEl = [...(figcaption ?? el).querySelectorAll('[class]')].find((c) => hasClass(c, CLASS.credit));
    let credit: string | undefined;
    if (creditEl) {
      credit = collapse(shownText(creditEl)).replace(/^(?:©|\(c\)|(?:photo(?:graph)?|picture|image|credit)s?:)\s*/i, '') || undefined;
      creditEl.setAttribute(SKIP_MARK, '');
    }
    let caption = figcaption ? tidy(this.inline([...figcaption.childNodes])) : [];
    if (!credit) ({ caption, credit } = splitCredit(caption));
    // Several images share one caption: it goes with the last of them.
    images.forEach((img, i) => this.figure(img, i ? img : el, i === images.length - 1 ? caption : [], i === images.length - 1 ? credit : undefined));
  }

  private figure(img: Element, at: Element, caption: Inline[], credit: string | undefined): void {
    const position = positionOf(at) ?? positionOf(img);
    const image = this.imageRef(img, position);
    const altAttr = img.getAttribute('alt');
    // alt="" marks a decorative image, except in a captioned figure where CMSs leave it
    // empty by default; there it is derived from the caption like a missing one.
    const alt = altAttr === null ? undefined : collapse(altAttr) || (caption.length ? undefined : '');
    this.blocks.push({
      type: 'figure',
      position,
      ...(image ? { image } : {}),
      ...(alt !== undefined ? { alt, altSource: 'author' as const } : {}),
      caption,
      ...(credit ? { credit } : {}),
    });
  }

  /** The image's path relative to the page's folder, or its http(s) URL. */
  private imageRef(img: Element, position: Position | undefined): string | undefined {
    // A saved page's own copy (a relative src) first; else the largest srcset candidate,
    // parsed as the HTML standard says (URLs may hold commas), before a remote src.
    const src0 = img.getAttribute('src')?.trim();
    const srcset = img.getAttribute('srcset') ?? img.getAttribute('data-srcset');
    const largest = srcset ? largestCandidate(srcset) : undefined;
    const localSrc = src0 && !/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(src0) ? src0 : undefined;
    const candidates = localSrc ? [localSrc] : [largest, src0, img.getAttribute('data-src')];
    const src = candidates.map((c) => c?.trim()).find((c) => c && !/^data:/i.test(c));
    if (!src) {
      if (candidates.some((c) => c && /^data:/i.test(c.trim())))
        this.diagnostics.warn('dropped an image embedded in the page as a data: URL', 'html:data-image', position);
      return undefined;
    }
    if (src.startsWith('//')) return `https:${src}`;
    if (/^https?:/i.test(src)) return src;
    if (/^[a-z][a-z0-9+.-]*:/i.test(src)) {
      this.diagnostics.warn(`dropped image ${src.slice(0, 60)}: unsupported URL scheme`, 'html:image-scheme', position);
      return undefined;
    }
    if (this.fetched && this.linkBase) return new URL(src, this.linkBase).href;
    if (src.startsWith('/')) {
      if (this.linkBase) return new URL(src, this.linkBase).href;
      this.diagnostics.warn(`dropped image ${src}: the path is relative to the web site, which the page does not name`, 'html:image-root', position);
      return undefined;
    }
    return src.replace(/[?#].*$/, '');
  }

  /** Counts for the warnings written once per page, by `finish`. */
  private readonly dropped = { svg: [] as string[], tex: 0, deepLists: false };

  /** Writes the warnings gathered while converting. */
  finish(): void {
    const { svg, tex } = this.dropped;
    if (svg.length)
      this.diagnostics.warn(`dropped ${svg.length} SVG drawing${svg.length > 1 ? 's' : ''} with words in ${svg.length > 1 ? 'them' : 'it'} (${svg.slice(0, 3).map((t) => `"${t.slice(0, 60)}"`).join(', ')}${svg.length > 3 ? ', …' : ''}): lectern keeps no drawings`, 'html:svg');
    if (tex) this.diagnostics.warn(`kept ${tex} equation${tex > 1 ? 's' : ''} as TeX source: the page has no MathML for ${tex > 1 ? 'them' : 'it'}`, 'html:tex');
  }

  /** An SVG with words (a title, a label, text) is reported; an icon without words is not. */
  private droppedSvg(el: Element, _position: Position | undefined): void {
    const words = collapse(el.getAttribute('aria-label') ?? '') || collapse(el.querySelector('title')?.textContent ?? '') || collapse([...el.querySelectorAll('text')].map((t) => t.textContent ?? '').join(' '));
    if (words) this.dropped.svg.push(words);
  }

  /** An equation: its MathML cleaned, its TeX and any words the page gave kept. */
  private math(el: Element): Inline | undefined {
    const clean = cleanMathml(el.outerHTML);
    if (!clean) {
      // Content MathML only, or nested past reason: its words stay, as text.
      const leaves: string[] = [];
      const walk = (n: Node) => (n.nodeType === 3 ? leaves.push(n.textContent ?? '') : n.childNodes.forEach(walk));
      walk(el);
      const text = collapse(leaves.join(' '));
      if (text) this.diagnostics.warn(`kept an equation as plain text ("${text.slice(0, 40)}"): it has no presentation MathML`, 'html:math', positionOf(el.closest(`[${POS}]`) ?? el) ?? {});
      return text ? { type: 'text', value: text } : undefined;
    }
    // MediaWiki puts TeX in alttext ("{\displaystyle x^{2}}"): that is source, not words.
    const looksTex = (s: string) => /[\\{}^_]/.test(s);
    const alttext = clean.alttext;
    const tex = clean.tex ?? (alttext && looksTex(alttext) ? alttext.replace(/^\{\\displaystyle\s*([\s\S]*)\}$/, '$1').trim() : undefined);
    const alt = alttext && !looksTex(alttext) ? alttext : undefined;
    return {
      type: 'math',
      mathml: clean.mathml,
      ...(alt ? { alt, altSource: 'author' as const } : {}),
      ...(tex ? { tex } : {}),
      ...(clean.display ? { display: true } : {}),
    };
  }

  /** An equation the page has only as TeX: its source, as text. */
  private texOnly(el: Element): Inline[] {
    const tex = collapse(el.textContent ?? '');
    if (!tex) return [];
    this.dropped.tex++;
    return [{ type: 'text', value: tex }];
  }

  /** `<pre>`: a code block, verbatim. */
  private code(el: Element): void {
    const value = preformattedText(el);
    if (!value.trim()) return;
    const language = codeLanguage(el);
    this.blocks.push({ type: 'code', position: positionOf(el), ...(language ? { language } : {}), value });
  }

  /**
   * A data table, with its caption, header rows and spans. A table used for layout (role
   * presentation, or no header cells and cells that hold headings, figures or tables)
   * gives its cells' content as ordinary blocks instead.
   */
  private table(el: Element): void {
    const position = positionOf(el);
    const trs: { tr: Element; head: boolean }[] = [];
    for (const c of el.children) {
      const t = tagOf(c);
      if (t === 'tr') trs.push({ tr: c, head: false });
      else if (t === 'thead' || t === 'tbody' || t === 'tfoot') for (const tr of c.children) if (tagOf(tr) === 'tr') trs.push({ tr, head: t === 'thead' });
    }
    const cellsOf = (tr: Element) => [...tr.children].filter((c) => ['td', 'th'].includes(tagOf(c)));
    const captionEl = [...el.children].find((c) => tagOf(c) === 'caption');
    const allCells = trs.flatMap((r) => cellsOf(r.tr));
    const role = (el.getAttribute('role') ?? '').toLowerCase();
    const layout =
      role === 'presentation' ||
      role === 'none' ||
      (!captionEl && !allCells.some((c) => tagOf(c) === 'th') && (allCells.length <= 1 || allCells.some((c) => c.querySelector('table, figure, h1, h2, h3, h4, h5, h6, blockquote, pre'))));
    if (layout) {
      if (captionEl) this.container(captionEl);
      for (const cell of allCells) this.container(cell);
      return;
    }
    if (allCells.some((c) => c.querySelector('table'))) this.diagnostics.warn('a table inside a table cell became text in that cell', 'html:table-nested', position);
    const span = (c: Element, name: string, max: number) => {
      const v = Number.parseInt(c.getAttribute(name) ?? '', 10);
      return Number.isFinite(v) && v > 1 ? Math.min(v, max) : undefined;
    };
    const rows = trs
      .map(({ tr, head }) => ({
        head,
        cells: cellsOf(tr).map((c): TableCell => {
          const colspan = span(c, 'colspan', 1000);
          const rowspan = span(c, 'rowspan', 65534);
          return { ...(tagOf(c) === 'th' ? { header: true } : {}), children: tidy(this.inline([...c.childNodes])), ...(colspan ? { colspan } : {}), ...(rowspan ? { rowspan } : {}) };
        }),
      }))
      .filter((r) => r.cells.length);
    if (!rows.some((r) => r.cells.some((c) => c.children.length))) return;
    // Header rows: those in <thead>; without one, leading rows of header cells only.
    let headerRows = 0;
    while (headerRows < rows.length && rows[headerRows]!.head) headerRows++;
    if (!headerRows) while (headerRows < rows.length - 1 && rows[headerRows]!.cells.every((c) => c.header)) headerRows++;
    const caption = captionEl ? tidy(this.inline([...captionEl.childNodes])) : [];
    this.blocks.push({ type: 'table', position, ...(caption.length ? { caption } : {}), headerRows, rows: rows.map((r) => r.cells) });
  }

  /**
   * A list, its nested lists kept nested: lists in items, a list directly inside a list
   * (it belongs to the item before it), text directly inside the list (an item of its
   * own). Code and tables in an item follow the item, the list going on after them.
   */
  private list(el: Element): void {
    const position = positionOf(el);
    const ordered = tagOf(el) === 'ol';
    const startAttr = Number.parseInt(el.getAttribute('start') ?? '', 10);
    let start = Number.isFinite(startAttr) && Math.abs(startAttr) <= 1_000_000 ? startAttr : 1;
    let group: Node[] = [];
    const emit = () => {
      const shape = this.listShape(group, ordered, 0);
      group = [];
      if (!shape.items.length) return;
      this.blocks.push({
        type: 'list',
        position,
        ordered,
        ...(ordered && start !== 1 ? { start } : {}),
        items: shape.items,
        ...(shape.sublists.length ? { sublists: shape.sublists } : {}),
      });
      start += shape.items.length;
    };
    for (const node of el.childNodes) {
      group.push(node);
      if (node.nodeType !== 1) continue;
      const child = node as Element;
      const found = ['pre', 'table'].includes(tagOf(child)) ? [child] : [...child.querySelectorAll('pre, table')];
      const outer = found.filter((h) => !found.some((o) => o !== h && o.contains(h)));
      if (!outer.length) continue;
      outer.forEach((h) => h.setAttribute(HOISTED, ''));
      emit();
      for (const h of outer) {
        h.removeAttribute(HOISTED);
        this.block(h);
      }
    }
    emit();
  }

  /** Items and nested lists of the list whose children are `nodes`. */
  private listShape(nodes: readonly Node[], ordered: boolean, depth: number): ListShape {
    const items: Inline[][] = [];
    const sublists: SubList[] = [];
    const nested = (list: Element) => {
      if (depth + 1 >= MAX_LIST_DEPTH) {
        // Too deep to nest further: the list's words join the item they are in.
        if (!this.dropped.deepLists) this.diagnostics.warn(`kept lists nested more than ${MAX_LIST_DEPTH} levels deep as text of their item`, 'html:list-depth', positionOf(list));
        this.dropped.deepLists = true;
        const text = tidy(this.inline([list]));
        if (!items.length) items.push([]);
        items[items.length - 1] = tidy([...items[items.length - 1]!, { type: 'text', value: ' ' }, ...text]);
        return;
      }
      const shape = this.listShape([...list.childNodes], tagOf(list) === 'ol', depth + 1);
      if (!shape.items.length) return;
      if (!items.length) items.push([]);
      sublists.push({ item: items.length - 1, ordered: shape.ordered, items: shape.items, ...(shape.sublists.length ? { sublists: shape.sublists } : {}) });
    };
    let loose: Node[] = [];
    const flush = () => {
      const text = tidy(this.inline(loose));
      loose = [];
      if (text.length) items.push(text);
    };
    for (const node of nodes) {
      if (node.nodeType === 3) {
        loose.push(node);
        continue;
      }
      if (node.nodeType !== 1) continue;
      const c = node as Element;
      const t = tagOf(c);
      if (c.hasAttribute(SKIP_MARK) || c.hasAttribute(HOISTED) || (DROPPED.has(t) && !c.hasAttribute(TEX))) continue;
      if (t === 'li') {
        flush();
        const text: Node[] = [];
        const lists: Element[] = [];
        for (const k of c.childNodes) (k.nodeType === 1 && ['ul', 'ol'].includes(tagOf(k as Element)) ? lists : text).push(k as Element);
        items.push(tidy(this.inline(text)));
        lists.forEach(nested);
      } else if (t === 'ul' || t === 'ol') {
        flush();
        nested(c);
      } else if (INLINE.has(t) || t === 'math') loose.push(c);
      else {
        // A block directly inside the list (a <p>, a <div>): an item of its own.
        flush();
        loose.push(c);
        flush();
      }
    }
    flush();
    // An item left empty holds only a nested list; one with neither is no item.
    const keep = items.map((item, i) => item.length > 0 || sublists.some((s) => s.item === i));
    const index = keep.map((_k, i) => keep.slice(0, i).filter(Boolean).length);
    return { ordered, items: items.filter((_x, i) => keep[i]), sublists: sublists.filter((s) => keep[s.item]).map((s) => ({ ...s, item: index[s.item]! })) };
  }

  /**
   * A quotation that holds more than paragraphs: its paragraphs and lists stay one
   * quotation; code, tables, headings and figures inside it come out of it, in order.
   */
  private mixedQuote(el: Element, attribution: string | undefined): void {
    const position = positionOf(el);
    let paragraphs: Inline[][] = [];
    let lists: { after: number; ordered: boolean; items: Inline[][]; sublists?: SubList[] }[] = [];
    let loose: Node[] = [];
    const flushLoose = () => {
      const p = tidy(this.inline(loose));
      loose = [];
      if (p.length) paragraphs.push(p);
    };
    const flushQuote = (last: boolean) => {
      flushLoose();
      // "— Name" closing the quotation is its attribution, as in the plain reading.
      const tail = paragraphs[paragraphs.length - 1];
      if (last && !attribution && !lists.some((l) => l.after >= paragraphs.length) && paragraphs.length > 1 && tail && /^(?:—|―|--)\s*\S/.test(plainText(tail))) {
        attribution = plainText(tail).replace(/^(?:—|―|--)\s*/, '').trim();
        paragraphs = paragraphs.slice(0, -1);
      }
      if (paragraphs.length || lists.length)
        this.blocks.push({ type: 'blockquote', position, paragraphs, ...(lists.length ? { lists } : {}), ...(last && attribution ? { attribution } : {}) });
      paragraphs = [];
      lists = [];
    };
    for (const node of el.childNodes) {
      if (node.nodeType === 3) {
        loose.push(node);
        continue;
      }
      if (node.nodeType !== 1) continue;
      const c = node as Element;
      const t = tagOf(c);
      if (c.hasAttribute(SKIP_MARK)) continue;
      if (INLINE.has(t) || t === 'math' || t === 'br') loose.push(c);
      else if (t === 'p' || t === 'div' || t === 'blockquote' || t === 'footer' || t === 'cite') {
        flushLoose();
        loose = [c];
        flushLoose();
      } else if (t === 'ul' || t === 'ol') {
        flushLoose();
        const shape = this.listShape([...c.childNodes], t === 'ol', 1);
        if (shape.items.length) lists.push({ after: paragraphs.length, ordered: shape.ordered, items: shape.items, ...(shape.sublists.length ? { sublists: shape.sublists } : {}) });
      } else {
        flushQuote(false);
        this.block(c);
      }
    }
    flushQuote(true);
  }

  inline(nodes: readonly Node[]): Inline[] {
    const out: Inline[] = [];
    for (const node of nodes) {
      if (node.nodeType === 3) {
        out.push({ type: 'text', value: (node.textContent ?? '').replace(/\s+/g, ' ') });
        continue;
      }
      if (node.nodeType !== 1) continue;
      const el = node as Element;
      const tag = tagOf(el);
      if (el.hasAttribute(TEX)) {
        out.push(...this.texOnly(el));
        continue;
      }
      if (DROPPED.has(tag) || el.hasAttribute(SKIP_MARK) || el.hasAttribute(HOISTED)) {
        if (tag === 'svg') this.droppedSvg(el, undefined);
        continue;
      }
      const children = () => this.inline([...el.childNodes]);
      switch (tag) {
        case 'br':
          out.push({ type: 'text', value: ' ' });
          break;
        case 'img': {
          // Kept as words of their own: "Photo Xi Jinping", never "PhotoXi Jinping".
          const alt = collapse(el.getAttribute('alt') ?? '');
          if (alt) out.push({ type: 'text', value: ` ${alt} ` });
          break;
        }
        case 'math': {
          const m = this.math(el);
          if (m) out.push(m);
          break;
        }
        case 'em':
        case 'i':
        case 'cite':
        case 'dfn': {
          const c = children();
          if (c.length) out.push({ type: 'emphasis', children: c });
          break;
        }
        case 'strong':
        case 'b': {
          const c = children();
          if (c.length) out.push({ type: 'strong', children: c });
          break;
        }
        case 'a': {
          const c = children();
          const url = safeLink(el.getAttribute('href') ?? '', this.linkBase);
          if (url && c.length) out.push({ type: 'link', url, children: c });
          else out.push(...c);
          break;
        }
        default:
          if (INLINE.has(tag)) out.push(...children());
          else out.push({ type: 'text', value: ' ' }, ...children(), { type: 'text', value: ' ' });
      }
    }
    return out;
  }
}

/** Merges neighbouring text, collapses spaces and trims the ends. */
function tidy(inlines: Inline[]): Inline[] {
  return trimInlines(merge(inlines));
}

/** Merges neighbouring text and collapses spaces; spaces at the edges of emphasis or a link move outside it. */
function merge(inlines: readonly Inline[]): Inline[] {
  const out: Inline[] = [];
  const text = (value: string) => {
    const last = out[out.length - 1];
    if (last?.type === 'text') last.value = (last.value + value).replace(/ {2,}/g, ' ');
    else if (value) out.push({ type: 'text', value: value.replace(/ {2,}/g, ' ') });
  };
  for (const node of inlines) {
    if (node.type === 'text') {
      text(node.value);
      continue;
    }
    if (node.type === 'math') {
      out.push(node);
      continue;
    }
    const children = merge(node.children);
    const first = children[0];
    const end = children[children.length - 1];
    const spaceBefore = first?.type === 'text' && first.value.startsWith(' ');
    const spaceAfter = end?.type === 'text' && end.value.endsWith(' ');
    const inner = trimInlines(children);
    if (spaceBefore) text(' ');
    if (inner.length) out.push({ ...node, children: inner });
    if (spaceAfter) text(' ');
  }
  return out;
}

/** How deeply elements nest under `root`, how many there are and the sum of their depths squared, without recursion. */
function elementDepth(root: Element | null): { depth: number; elements: number; work: number } {
  let max = 0;
  let elements = 0;
  let work = 0;
  const stack: [Element, number][] = root ? [[root, 1]] : [];
  while (stack.length) {
    const [el, depth] = stack.pop()!;
    if (depth > max) max = depth;
    elements++;
    work += depth * depth;
    for (const child of el.children) stack.push([child, depth + 1]);
  }
  return { depth: max, elements, work };
}

const same = (a: string, b: string) => collapse(a).toLowerCase() === collapse(b).toLowerCase();

/**
 * Parses a page into a document that has a root element: a file saved as `.html` that
 * holds only text (or only comments) gives linkedom a document without one, which the
 * DOM getters (`document.body`) and Readability cannot take.
 */
function parsePage(text: string): Document {
  const { document } = parseHTML(markPositions(text));
  if (document.documentElement) return document;
  return parseHTML(`<html><body>${markPositions(text)}</body></html>`).document;
}

/**
 * Readability walks the page from the root element and removes any element whose class or
 * id looks like page furniture (`sidebar`, `comment`, `footer`, ...) or which looks hidden,
 * sparing only `<body>` from the first test: a template with `<html class="hidden-sidebar">`
 * lost its whole document to it. The root and the body are the page itself, never
 * furniture, so those attributes go before Readability sees them (their language and
 * direction have been read by then).
 */
function spareRootFromReadability(document: Document): void {
  for (const el of [document.documentElement, document.querySelector('body')]) {
    for (const name of ['class', 'id', 'role', 'style', 'hidden', 'aria-hidden', 'aria-modal']) el?.removeAttribute(name);
  }
}

/** The plain text of a block, for language detection. */
function blockText(block: DraftBlock): string {
  switch (block.type) {
    case 'paragraph':
    case 'heading':
    case 'pullquote':
      return plainText(block.children);
    case 'blockquote':
      return block.paragraphs.map(plainText).join(' ');
    case 'list':
      return block.items.map(plainText).join(' ');
    case 'figure':
      return plainText(block.caption);
    default:
      return '';
  }
}

/**
 * The article's language: what the page declares, unless its text is plainly in another
 * script; else the language detected from the text (with a warning, as it is a guess);
 * else English. A language the caller gives (`fallback`) wins over detection when the
 * page declares none.
 */
function pageLanguage(raw: string | undefined, text: string, fallback: string | undefined, diagnostics: Diagnostics): string {
  const declared = raw?.trim();
  const valid = declared && LANG.test(declared) ? declared : undefined;
  if (declared && !valid) diagnostics.warn(`ignored the page's language "${declared.slice(0, 40)}" (not a BCP 47 tag)`, 'html:lang');
  if (valid && !contradictsScript(valid, text)) return valid;
  if (!valid && fallback) return fallback;
  const detected = detectLanguage(text);
  if (detected && valid) {
    diagnostics.warn(`the page declares its language as ${valid}, but its text is in ${languageName(detected)}: using ${detected}`, 'html:lang-detected');
    return detected;
  }
  if (valid) return valid;
  if (detected) {
    diagnostics.warn(`the page declares no language; detected ${languageName(detected)} (${detected}) from its text`, 'html:lang-detected');
    return detected;
  }
  diagnostics.warn('the page declares no language and has too little text to tell; using en', 'html:lang');
  return 'en';
}

/**
 * Reads a page. `fetchedFrom` is the URL a fetched page came from (after redirects): its
 * relative links and images resolve against it, as in a browser.
 */
export function readHtml(text: string, file: string, diagnostics: Diagnostics, defaultLang?: string, fetchedFrom?: string): DraftArticle {
  const document = parsePage(text);
  prepareMath(document);
  const root = document.documentElement;
  const bodyDir = document.querySelector('body')?.getAttribute('dir');
  // Readability's work is checked before it starts (see the limits in transforms/nesting.ts).
  const { depth, elements, work } = elementDepth(root);
  if (depth > MAX_HTML_DEPTH) throw errors.structure(file, `the page nests elements ${depth} levels deep; lectern reads pages nested at most ${MAX_HTML_DEPTH} deep`);
  if (elements > MAX_HTML_ELEMENTS) throw errors.structure(file, `the page has ${elements} elements; lectern reads pages of at most ${MAX_HTML_ELEMENTS}`);
  if (work > MAX_HTML_NESTING_WORK)
    throw errors.structure(file, `the page nests its ${elements} elements ${Math.round(Math.sqrt(work / elements))} levels deep on average (root mean square); lectern reads pages with at most ${MAX_HTML_NESTING_WORK} for the sum of squared depths, this one has ${work}`);
  // Text a page never shows (scripts, styles) must never become a headline, a kicker or a
  // credit, whichever part of the reader or Readability picks it; JSON-LD stays for metadata.
  for (const el of [...document.querySelectorAll('script, style, template')])
    if (!(tagOf(el) === 'script' && (el.getAttribute('type') ?? '').trim().toLowerCase() === 'application/ld+json')) el.remove();
  const meta = (...keys: string[]): string | undefined => {
    for (const key of keys) {
      for (const el of document.querySelectorAll('meta')) {
        const name = (el.getAttribute('property') ?? el.getAttribute('name') ?? el.getAttribute('http-equiv') ?? '').toLowerCase();
        const content = collapse(el.getAttribute('content') ?? '');
        if (name === key && content) return content;
      }
    }
    return undefined;
  };
  const savedFrom = /<!--\s*saved from url=\(\d+\)(https?:\/\/\S+?)\s*-->/i.exec(text.slice(0, 2000))?.[1];
  const absolute = (u: string | null | undefined) => (u ? safeLink(u) : undefined);
  const pageUrl = absolute(document.querySelector('link[rel="canonical"]')?.getAttribute('href')) ?? absolute(meta('og:url')) ?? absolute(savedFrom) ?? fetchedFrom;
  const baseHref = document.querySelector('base[href]')?.getAttribute('href');
  const linkBase = (baseHref && fetchedFrom ? safeLink(baseHref, fetchedFrom) : absolute(baseHref)) ?? fetchedFrom ?? pageUrl;

  const metaAuthor = meta('author', 'article:author', 'byl', 'sailthru.author');
  // Read before Readability, which removes scripts (JSON-LD) and rewrites the page.
  const ld = readJsonLd(document);
  const siteNames = [meta('og:site_name'), meta('application-name'), ld.publisher, meta('twitter:site')?.replace(/^@/, '')].filter((s): s is string => !!s);
  const chosenHeadline = chooseHeadline(document, { ogTitle: meta('og:title', 'twitter:title'), ldHeadline: ld.headline, title: collapse(document.querySelector('title')?.textContent ?? ''), siteNames, pageUrl });
  const relAuthors = [...document.querySelectorAll('a[rel~="author"], [itemprop="author"] [itemprop="name"], [itemprop="author"][content]')].map((a) => collapse(a.getAttribute('content') ?? a.textContent ?? '')).filter(Boolean);
  const found = mineHeader(document);
  spareRootFromReadability(document);
  let parsed: ReturnType<Readability<Node>['parse']> = null;
  try {
    parsed = new Readability(document, { keepClasses: true, serializer: (n: Node) => n }).parse();
  } catch (e) {
    // Readability failing on an odd page is no reason to give up the page: the page's own
    // landmarks (below) still hold the article.
    diagnostics.info(`the reader-view extraction failed (${e instanceof Error ? e.message : String(e)}); read the page's <article> or <main> instead`, 'html:readability');
  }

  const headline = chosenHeadline ?? (parsed?.title ? collapse(parsed.title) : undefined) ?? found.headline ?? '';
  if (!headline) throw errors.structure(file, 'the page has no headline (no <h1>, og:title or <title>)');

  let body = parsed?.content as Element | null | undefined;
  if (!body || !collapse(body.textContent ?? '')) {
    // Readability found nothing it trusts: fall back to the page's own landmarks.
    const again = parsePage(text);
    prepareMath(again);
    mineHeader(again);
    body = again.querySelector('article') ?? again.querySelector('main') ?? again.body;
  }
  const converter = new HtmlConverter(diagnostics, headline, linkBase, fetchedFrom !== undefined);
  if (body) converter.container(body);
  converter.finish();
  const blocks = normaliseHeadingDepths(converter.blocks);
  if (!blocks.length) diagnostics.warn('found no article text in the page', 'html:empty');

  const lang = pageLanguage(
    root?.getAttribute('lang') ?? root?.getAttribute('xml:lang') ?? meta('content-language', 'og:locale')?.replace(/_/g, '-') ?? parsed?.lang ?? undefined,
    [headline, ...blocks.map(blockText)].join('\n'),
    defaultLang,
    diagnostics,
  );
  const rawDir = (root?.getAttribute('dir') ?? bodyDir ?? parsed?.dir ?? '').toLowerCase();

  const authors = chooseAuthors([ld.authors, metaAuthor && !/^https?:/i.test(metaAuthor) ? metaAuthor : undefined, relAuthors, found.byline, parsed?.byline ?? undefined], siteNames);
  const rawDate = meta('article:published_time', 'datepublished', 'date', 'dc.date') ?? parsed?.publishedTime ?? document.querySelector('article time[datetime]')?.getAttribute('datetime') ?? undefined;
  const published = rawDate ? isoDate(rawDate) : undefined;
  if (rawDate && !published) diagnostics.warn(`ignored the published date "${rawDate}", which is not a date`, 'html:date');

  const firstParagraph = blocks.find((b) => b.type === 'paragraph');
  const lead = firstParagraph?.type === 'paragraph' ? collapse(plainText(firstParagraph.children)) : '';
  const description = found.standfirst ?? meta('og:description', 'description', 'twitter:description') ?? (parsed?.excerpt ? collapse(parsed.excerpt) : undefined);
  const stem = description?.replace(/(?:…|\.\.\.)$/, '').trim();
  const standfirst = stem && !lead.startsWith(stem) && !same(stem, headline) && !same(stem, found.byline ?? '') ? description : undefined;

  const publisher = meta('og:site_name', 'application-name') ?? (parsed?.siteName ? collapse(parsed.siteName) : undefined);
  const rights = meta('copyright', 'dcterms.rights', 'dc.rights', 'rights');
  const kicker = meta('article:section') ?? found.kicker;

  return {
    lang,
    // A page that does not say its direction follows its language's script.
    dir: rawDir === 'rtl' || (!rawDir && RTL_LANGS.has(lang.toLowerCase().split('-')[0]!)) ? 'rtl' : 'ltr',
    ...(kicker ? { kicker } : {}),
    headline,
    ...(standfirst ? { standfirst } : {}),
    byline: {
      authors,
      ...(found.dateline ? { dateline: found.dateline } : {}),
      ...(published ? { published } : {}),
    },
    source: {
      ...(pageUrl ? { url: pageUrl } : {}),
      ...(publisher ? { publisher } : {}),
      ...(rights ? { rights } : {}),
    },
    blocks,
  };
}
