/**
 * The article as XHTML for the book: semantic markup with EPUB structural semantics and
 * DPUB-ARIA roles. Text is always escaped and made XML-safe here; templates only place it.
 */
import { plainText, type Article, type Block, type Inline, type SubList, type Table } from '../article/model.js';
import { renderMath } from '../article/mathml.js';
import { escapeText, escapeXml as esc } from '../util/xml.js';
import { labelsFor } from '../article/labels.js';

export interface FigureImage {
  href: string;
  width: number;
  height: number;
}

export interface RenderHooks {
  /** Image for a figure, by block id; absent when the figure has no image. */
  image(blockId: string): FigureImage | undefined;
  /**
   * Wraps a run of plain text belonging to `blockId` (read-aloud books wrap sentences in
   * spans). Default: escaped text.
   */
  text?(blockId: string, field: string, inlines: readonly Inline[]): string | undefined;
}

export function renderInlines(nodes: readonly Inline[]): string {
  return nodes
    .map((n) => {
      switch (n.type) {
        case 'text':
          return escapeText(n.value);
        case 'emphasis':
          return `<em>${renderInlines(n.children)}</em>`;
        case 'strong':
          return `<strong>${renderInlines(n.children)}</strong>`;
        case 'link':
          // A link needs words to be named by (a screen reader reads them; WCAG 2.4.4): one
          // with none (a saved page's "<a href=...> </a>") is only its content.
          return /^(https?:|mailto:)/i.test(n.url) && plainText(n.children).trim() ? `<a href="${esc(n.url)}">${renderInlines(n.children)}</a>` : renderInlines(n.children);
        case 'math':
          return renderMath(n.mathml, n.alt ?? n.tex, n.display);
      }
    })
    .join('');
}

const textOf = (value: string | undefined): Inline[] => (value ? [{ type: 'text', value }] : []);

export function renderArticleBody(article: Article, hooks: RenderHooks): string {
  const run = (id: string, field: string, inlines: readonly Inline[]) => hooks.text?.(id, field, inlines) ?? renderInlines(inlines);
  const out: string[] = [];
  out.push('<main id="start" epub:type="bodymatter">');
  out.push('<article>');
  out.push('<header>');
  if (article.kicker) out.push(`<p class="kicker" epub:type="label">${run('kicker', 'text', textOf(article.kicker))}</p>`);
  out.push(`<h1 id="headline" epub:type="title">${run('headline', 'text', textOf(article.headline))}</h1>`);
  if (article.standfirst) out.push(`<p class="standfirst" id="standfirst" role="doc-subtitle" epub:type="subtitle">${run('standfirst', 'text', textOf(article.standfirst))}</p>`);
  const byline = renderByline(article);
  if (byline) out.push(byline);
  out.push('</header>');
  for (const block of article.blocks) out.push(renderBlock(block, hooks, run, article.lang));
  out.push('</article>');
  out.push('</main>');
  if (article.source.rights) {
    out.push(`<footer class="rights" epub:type="copyright-page"><p id="rights"><small>© ${run('rights', 'text', textOf(article.source.rights))}</small></p></footer>`);
  }
  return out.join('\n');
}

function renderByline(article: Article): string {
  const { authors, location, dateline, published } = article.byline;
  const parts: string[] = [];
  if (authors.length || location) {
    // Same words as the narration says ("By A, in B"), in one element the read-aloud book can point at.
    const l = labelsFor(article.lang);
    const who = authors.length ? `${l.by} <span class="author">${esc(joinNames(authors, l.and))}</span>` : '';
    const where = location ? `${who ? `, ${l.in} ` : `${capitalise(l.in)} `}<span class="location">${esc(location)}</span>` : '';
    parts.push(`<span id="byline-names">${who}${where}</span>`);
  }
  // The dateline as printed; else the publication date, written out in the article's language.
  const when = dateline ?? (published ? displayDate(published, article.lang) : undefined);
  if (when) parts.push(`<time class="dateline"${published ? ` datetime="${esc(published)}"` : ''}>${esc(when)}</time>`);
  return parts.length ? `<p class="byline" id="byline">${parts.join(' <span aria-hidden="true">·</span> ')}</p>` : '';
}

/** The byline as a sentence: "By Najmeh Bozorgmehr, in Geneva". Shared with the narration. */
export function bylineText(article: Article): string {
  const { authors, location } = article.byline;
  const l = labelsFor(article.lang);
  const who = authors.length ? `${l.by} ${joinNames(authors, l.and)}` : '';
  return [who, location && (who ? `${l.in} ${location}` : `${capitalise(l.in)} ${location}`)].filter(Boolean).join(', ');
}

function joinNames(names: readonly string[], and: string): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} ${and} ${names[names.length - 1]}`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "2026-03-14T08:30:00+00:00" -> "14 March 2026" (in the article's language). */
export function displayDate(iso: string, lang: string): string {
  const date = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
  } catch {
    return iso.slice(0, 10);
  }
}

function renderBlock(block: Block, hooks: RenderHooks, run: (id: string, field: string, inlines: readonly Inline[]) => string, lang: string): string {
  const id = esc(block.id);
  switch (block.type) {
    case 'paragraph':
      return `<p id="${id}">${run(block.id, 'text', block.children)}</p>`;
    case 'heading':
      return `<h${block.depth} id="${id}">${run(block.id, 'text', block.children)}</h${block.depth}>`;
    case 'separator':
      return `<hr id="${id}"/>`;
    case 'list':
      return renderList(block, block.id, '', run, ` id="${id}"${block.ordered && block.start !== undefined && block.start !== 1 ? ` start="${block.start}"` : ''}`);
    case 'code':
      // Verbatim: the text keeps its line breaks and spaces; nothing in it is read as markup.
      return `<pre id="${id}"><code${block.language ? ` class="language-${esc(block.language)}"` : ''}>${escapeText(block.value)}</code></pre>`;
    case 'table':
      return renderTable(block, run);
    case 'blockquote': {
      // Lists inside the quotation sit after the paragraph they follow; their fields are `l2.item0`.
      const lists = (k: number) =>
        (block.lists ?? [])
          .map((l, j) => ({ l, j }))
          .filter(({ l }) => Math.min(l.after, block.paragraphs.length) === k)
          .map(({ l, j }) => renderList(l, block.id, '', run, '', `l${j}.`))
          .join('');
      return (
        `<blockquote id="${id}">${lists(0)}${block.paragraphs.map((p, i) => `<p>${run(block.id, `p${i}`, p)}</p>${lists(i + 1)}`).join('')}` +
        (block.attribution ? `<p class="attribution" id="${id}-by">— <cite>${esc(block.attribution)}</cite></p>` : '') +
        '</blockquote>'
      );
    }
    case 'pullquote':
      return (
        `<aside id="${id}" class="pullquote" role="doc-pullquote" epub:type="pullquote">` +
        `<p class="quote">${run(block.id, 'text', block.children)}</p>` +
        (block.attribution ? `<p class="attribution">— ${esc(block.attribution)}</p>` : '') +
        '</aside>'
      );
    case 'figure': {
      const img = hooks.image(block.id);
      const caption = plainText(block.caption) ? `<span class="caption">${run(block.id, 'caption', block.caption)}</span>` : '';
      const credit = block.credit ? `<span class="credit" id="${id}-credit" role="doc-credit">© ${esc(block.credit)}</span>` : '';
      const imgTag = img ? `<img src="${esc(img.href)}" alt="${esc(block.alt ?? '')}" width="${img.width}" height="${img.height}"/>` : '';
      // Without its image (missing, or remote and not fetched), the author's description
      // of the picture is the reader's only view of it: keep it as text.
      const described = !img && block.alt && block.altSource !== 'derived' ? `<span class="image-description">${esc(labelsFor(lang).image)}: ${esc(block.alt)}</span>` : '';
      const figcaption = described || caption || credit ? `<figcaption>${[described, caption, credit].filter(Boolean).join(' ')}</figcaption>` : '';
      return `<figure id="${id}"${img ? '' : ' class="no-image"'}>${imgTag}${figcaption}</figure>`;
    }
  }
}

type Run = (id: string, field: string, inlines: readonly Inline[]) => string;

/**
 * A list with its nested lists inside their items. Item fields are `item3` at the top and
 * `item3.1` for the second item of the list inside item 3 (the narration uses the same).
 */
function renderList(list: { ordered: boolean; items: Inline[][]; sublists?: SubList[] }, blockId: string, path: string, run: Run, attrs = '', prefix = ''): string {
  const tag = list.ordered ? 'ol' : 'ul';
  const items = list.items.map((item, i) => {
    const field = `${prefix}item${path}${path ? '.' : ''}${i}`;
    // A nested list whose item is out of range belongs to the last item.
    const nested = (list.sublists ?? []).filter((s) => Math.min(s.item, list.items.length - 1) === i);
    return `<li>${run(blockId, field, item)}${nested.map((s) => renderList(s, blockId, `${path}${path ? '.' : ''}${i}`, run, '', prefix)).join('')}</li>`;
  });
  return `<${tag}${attrs}>${items.join('')}</${tag}>`;
}

/**
 * A data table: header rows in `<thead>` with `scope="col"` cells, body rows with
 * `scope="row"` on their header cells. Each body row has an id (`<table id>-r1`), which
 * the read-aloud overlay points at as the narration reads the row.
 */
function renderTable(table: Table, run: Run): string {
  const id = esc(table.id);
  const cell = (c: Table['rows'][number][number], r: number, j: number, head: boolean) => {
    // An empty cell heads nothing (the corner of a table with row and column headers).
    const tag = (c.header || head) && plainText(c.children).trim() ? 'th' : 'td';
    const scope = tag === 'th' ? ` scope="${head ? 'col' : 'row'}"` : '';
    const span = `${c.colspan && c.colspan > 1 ? ` colspan="${c.colspan}"` : ''}${c.rowspan && c.rowspan > 1 ? ` rowspan="${c.rowspan}"` : ''}`;
    return `<${tag}${scope}${span}>${run(table.id, `cell${r}.${j}`, c.children)}</${tag}>`;
  };
  // A table of header rows only is shown (and read) as a table of rows.
  const headerRows = effectiveHeaderRows(table);
  const head = table.rows.slice(0, headerRows);
  const body = table.rows.slice(headerRows);
  const out: string[] = [`<table id="${id}">`];
  if (table.caption && plainText(table.caption)) out.push(`<caption id="${id}-caption">${run(table.id, 'caption', table.caption)}</caption>`);
  if (head.length) out.push(`<thead>${head.map((row, r) => `<tr>${row.map((c, j) => cell(c, r, j, true)).join('')}</tr>`).join('')}</thead>`);
  if (body.length)
    out.push(`<tbody>${body.map((row, k) => `<tr id="${id}-r${k + 1}">${row.map((c, j) => cell(c, headerRows + k, j, false)).join('')}</tr>`).join('')}</tbody>`);
  out.push('</table>');
  return out.join('');
}

/** Header rows as shown: none when every row would be one. */
export function effectiveHeaderRows(table: Table): number {
  return table.headerRows < table.rows.length ? table.headerRows : 0;
}
