/**
 * An example third-party stage: a plain-text edition of the article, `<name>.txt`,
 * wrapped at 72 columns (set `stageOptions: { 'plain-text': { width: 60 } }` in a config
 * file for another width).
 *
 *   lectern build article.md --stage examples/plain-text-stage.mjs
 *
 * It is plain JavaScript with its types in JSDoc, so it runs as it is, with no build step.
 */

/** @typedef {import('lectern').Stage} Stage */
/** @typedef {import('lectern').Article} Article */
/** @typedef {import('lectern').Block} Block */
/** @typedef {import('lectern').Inline} Inline */

/** @param {Inline[]} inlines */
const text = (inlines) => inlines.map((n) => (n.type === 'text' ? n.value : text(n.children))).join('');

/** Number of characters as a reader counts them (code points, not UTF-16 units). */
const columns = (s) => [...s].length;

/**
 * Wraps `paragraph` at `width` columns. `first` starts the first line and `rest` every
 * following one (for list bullets and quotation marks). A word longer than a line keeps
 * a line of its own.
 * @param {string} paragraph @param {number} width @param {string} [first] @param {string} [rest]
 */
export function wrap(paragraph, width, first = '', rest = first) {
  const lines = [];
  let line = first;
  let empty = true;
  for (const word of paragraph.split(/\s+/).filter(Boolean)) {
    if (!empty && columns(line) + 1 + columns(word) > width) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines.join('\n');
}

/** @param {string} title @param {number} width @param {string} mark */
function underlined(title, width, mark) {
  const wrapped = wrap(title, width);
  const longest = Math.max(...wrapped.split('\n').map(columns));
  return `${wrapped}\n${mark.repeat(longest)}`;
}

/** @param {Block} block @param {number} width @returns {string} */
function renderBlock(block, width) {
  switch (block.type) {
    case 'paragraph':
      return wrap(text(block.children), width);
    case 'heading':
      return underlined(text(block.children), width, '-');
    case 'figure': {
      const parts = [block.alt ? `[Image: ${block.alt}]` : '', text(block.caption), block.credit ? `(Credit: ${block.credit})` : ''];
      return wrap(parts.filter(Boolean).join(' '), width);
    }
    case 'pullquote':
      return wrap(`“${text(block.children)}”${block.attribution ? ` — ${block.attribution}` : ''}`, width, '    ');
    case 'blockquote':
      return [...block.paragraphs.map((p) => wrap(text(p), width, '> ')), ...(block.attribution ? [wrap(`— ${block.attribution}`, width, '> ')] : [])].join('\n>\n');
    case 'list':
      return block.items
        .map((item, i) => {
          const bullet = block.ordered ? `${i + 1}. ` : '- ';
          return wrap(text(item), width, bullet, ' '.repeat(bullet.length));
        })
        .join('\n');
    case 'separator':
      return ' '.repeat(Math.max(0, Math.floor((width - 5) / 2))) + '* * *';
  }
}

/** The whole plain-text edition. @param {Article} article @param {number} width */
export function renderPlainText(article, width = 72) {
  const { byline } = article;
  const by = [byline.authors.length ? `By ${byline.authors.join(' and ')}` : '', byline.location ? `in ${byline.location}` : ''].filter(Boolean).join(', ');
  const sections = [
    article.kicker ? article.kicker.toUpperCase() : '',
    underlined(article.headline, width, '='),
    article.standfirst ? wrap(article.standfirst, width) : '',
    wrap([by, byline.dateline ?? byline.published ?? ''].filter(Boolean).join(' · '), width),
    ...article.blocks.map((b) => renderBlock(b, width)),
    article.source.rights ? wrap(article.source.rights, width) : '',
  ];
  return sections.filter(Boolean).join('\n\n') + '\n';
}

/** The stage factory: lectern calls it once and runs the stage it returns. @returns {Stage} */
export default function plainTextStage() {
  return {
    name: 'plain-text',
    description: 'a plain-text edition of the article (<name>.txt), wrapped at 72 columns',
    async run(ctx) {
      const width = ctx.options.stageOptions['plain-text']?.['width'] ?? 72;
      if (!Number.isInteger(width) || width < 20) throw new Error(`width must be a whole number of columns, at least 20 (got ${JSON.stringify(width)})`);
      await ctx.output.write(`${ctx.options.baseName}.txt`, renderPlainText(ctx.article, width));
    },
  };
}
