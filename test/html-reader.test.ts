import { readFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { beforeAll, describe, expect, it } from 'vitest';
import { plainText, type Block, type Inline } from '../src/article/model.js';
import { parseArticle } from '../src/readers/index.js';

import { markPositions } from '../src/readers/html.js';
import { lectern, listFiles, ROOT, tmpDir } from './helpers.js';
import { epubcheck, hasEpubcheck } from './validators.js';

const PAGE = path.join(ROOT, 'test/fixtures/saved-page/index.html');
const source = readFileSync(PAGE, 'utf8');
/** Line of the first occurrence of `needle` in the fixture. */
const lineOf = (needle: string) => source.slice(0, source.indexOf(needle)).split('\n').length;

const links = (inlines: readonly Inline[]): string[] => inlines.flatMap((n) => (n.type === 'link' ? [n.url, ...links(n.children)] : n.type === 'text' ? [] : links(n.children)));
const blockLinks = (b: Block): string[] =>
  b.type === 'paragraph' || b.type === 'heading' || b.type === 'pullquote' ? links(b.children) : b.type === 'list' ? b.items.flatMap(links) : b.type === 'blockquote' ? b.paragraphs.flatMap(links) : b.type === 'figure' ? links(b.caption) : [];

const page = (body: string, head = '<title>A headline</title>', htmlAttrs = 'lang="en"') =>
  `<!doctype html>\n<html ${htmlAttrs}><head>${head}</head>\n<body>\n${body}\n</body></html>\n`;

const { article, format, diagnostics } = await parseArticle(source, PAGE);

describe('the HTML reader on a saved page', () => {
  it('is chosen by extension', () => expect(format).toBe('html'));

  it('maps the metadata of the page', () => {
    expect({ ...article, blocks: undefined }).toEqual({
      lang: 'en-GB',
      dir: 'ltr',
      kicker: 'Transport',
      headline: 'Island ferry returns after two winters ashore',
      standfirst: 'The Skerryvale crossing reopens on Monday with a rebuilt boat, a new timetable and fares frozen until spring.',
      byline: { authors: ['Morwenna Hale'], published: '2026-03-14T08:30:00+00:00' },
      source: { url: 'https://news.example.org/transport/island-ferry-returns', publisher: 'The Harbour Gazette' },
      blocks: undefined,
    });
  });

  it('keeps the body in order, with source lines, and nothing from the page around it', () => {
    expect(article.blocks.map((b) => `${b.position?.line} ${b.type}`)).toEqual([
      `${lineOf('<p>The ferry to Skerryvale')} paragraph`,
      `${lineOf('<p>The rebuilt <em>')} paragraph`,
      `${lineOf('<figure class="media">')} figure`,
      `${lineOf('<p>“We counted')} paragraph`,
      `${lineOf("<p>The trust's chair")} paragraph`,
      `${lineOf('<h2>')} heading`,
      `${lineOf('<p>The new timetable')} paragraph`,
      `${lineOf('<figure>\n')} figure`,
      `${lineOf('<p>Under the new')} paragraph`,
      `${lineOf('<ul>\n')} list`,
      `${lineOf('<blockquote>')} blockquote`,
      `${lineOf('<p>Not everyone')} paragraph`,
      `${lineOf('<p>The trust says')} paragraph`,
    ]);
    const text = JSON.stringify(article);
    for (const banned of ['Related stories', 'Home', 'By Morwenna', 'tracker', 'dataLayer', 'steal', 'javascript', 'onerror', 'onclick', 'startTracking'])
      expect(text).not.toContain(banned);
  });

  it('reads figures: image path relative to the page, alt text, caption and credit apart', () => {
    const figures = article.blocks.filter((b) => b.type === 'figure');
    expect(figures.map((f) => [f.image, f.alt, f.altSource, plainText(f.caption), f.credit])).toEqual([
      ['index_files/ferry-at-dusk.jpg', 'A small blue ferry with a yellow wheelhouse moored at a stone slipway at dusk', 'author', 'The rebuilt Marram at the mainland slip on Thursday evening.', 'Idris Penhale'],
      ['index_files/timetable.png', 'A grid of sailing times, four crossings a day, with the early school run marked in grey', 'author', 'The winter timetable, with four crossings on weekdays.', 'Skerryvale Island Trust'],
    ]);
  });

  it('keeps emphasis, strong, safe links, lists and the quotation with its attribution', () => {
    const [, second, , , fourth] = article.blocks;
    expect(second).toMatchObject({
      children: [
        { type: 'text', value: 'The rebuilt ' },
        { type: 'emphasis', children: [{ type: 'text', value: 'Marram' }] },
        { type: 'text', value: expect.stringMatching(/ passed .* Fares are $/) },
        { type: 'strong', children: [{ type: 'text', value: 'frozen until the spring' }] },
        { type: 'text', value: ', and the trust has published the ' },
        { type: 'link', url: 'https://news.example.org/docs/skerryvale-timetable.pdf', children: [{ type: 'text', value: 'full winter timetable' }] },
        { type: 'text', value: ' online.' },
      ],
    });
    // The javascript: link keeps its text and loses the link.
    expect(fourth?.type === 'paragraph' && plainText(fourth.children)).toContain("Read the trust's statement for the full figures.");
    expect(article.blocks.flatMap(blockLinks)).toEqual(['https://news.example.org/docs/skerryvale-timetable.pdf']);
    const list = article.blocks.find((b) => b.type === 'list');
    expect(list?.type === 'list' && list.items.map(plainText)).toEqual([
      'four return crossings on weekdays, the first at 7.15am;',
      'two on Saturdays, weather permitting;',
      'one on Sundays, booked in advance by telephone.',
    ]);
    expect(article.blocks.find((b) => b.type === 'blockquote')).toMatchObject({ attribution: 'Piran Roskilly, chair of the Skerryvale Island Trust' });
  });

  it('reports no warnings for a well-made page', () => {
    expect(diagnostics.warnings.map(String)).toEqual([]);
  });
});

describe('the HTML reader on harder pages', () => {
  const read = (html: string, file = 'page.html', from?: 'html') => parseArticle(html, file, from ? { from } : {});

  it('is chosen by content, or by --from html', async () => {
    expect((await read(page('<h1>Hi</h1><p>Text.</p>'), 'saved-page')).format).toBe('html');
    expect((await read(`<!-- saved from url=(0019)https://example.org/ -->\n<HTML><body><h1>Hi</h1><p>Text.</p></body></HTML>`, 'x.txt')).format).toBe('html');
    expect((await read('<h1>Hi</h1><p>Text.</p>', 'fragment.txt', 'html')).format).toBe('html');
  });

  it('keeps text that stands beside the paragraphs of a quotation, and a footer naming the speaker as its attribution', async () => {
    const { article } = await read(
      page('<article><h1>H</h1><p>Before.</p><blockquote>Loose opening words. <p>First quoted paragraph.</p> <em>Loose</em> closing words.<p>Second quoted paragraph.</p><footer>— A. Speaker</footer></blockquote><p>After.</p></article>'),
    );
    const quote = article.blocks.find((b) => b.type === 'blockquote') as Extract<Block, { type: 'blockquote' }>;
    expect(quote.paragraphs.map(plainText)).toEqual(['Loose opening words.', 'First quoted paragraph.', 'Loose closing words.', 'Second quoted paragraph.']);
    expect(quote.attribution).toBe('A. Speaker');
    expect(article.blocks.map((b) => b.type)).toEqual(['paragraph', 'blockquote', 'paragraph']);
  });

  it('never lets scripts, handlers or unsafe URLs through', async () => {
    const hostile = page(`<article><h1>Hostile</h1>
<p onclick="x()" onmouseover="y()">One <a href="JaVaScRiPt:alert(1)">two</a> <a href=" javascript:alert(2)">three</a> <a href="data:text/html,<script>alert(3)</script>">four</a> <a href="vbscript:msgbox">five</a> <a href="#top">six</a>.<script>alert(4)</script></p>
<p>Relative <a href="/about">link</a> and <a href="mailto:desk@example.org">mail</a>.</p>
<figure><img src="x.jpg" alt="An image" onerror="alert(5)"><figcaption>Caption<script>alert(6)</script> <img src=y onerror=alert(7)></figcaption></figure>
<svg><script>alert(8)</script><text>svg text</text></svg><iframe src="https://evil.example/"></iframe><object data="x.swf"></object>
<style>p { color: red }</style><noscript><p>Enable JavaScript</p></noscript><template><p>template</p></template></article>`);
    const { article } = await read(hostile);
    const json = JSON.stringify(article);
    for (const banned of ['alert', 'script', 'onclick', 'onerror', 'svg text', 'evil', 'swf', 'color', 'Enable JavaScript', 'template', 'vbscript', 'data:']) expect(json).not.toContain(banned);
    expect(plainText((article.blocks[0] as Extract<Block, { type: 'paragraph' }>).children)).toBe('One two three four five six.');
    // No page URL is known, so a site-relative link cannot be resolved and loses its link.
    expect(article.blocks.flatMap(blockLinks)).toEqual(['mailto:desk@example.org']);
  });

  it('resolves relative links against the canonical URL, images stay relative to the page', async () => {
    const { article } = await read(
      page('<article><h1>H</h1><p>See <a href="../other">the other story</a>.</p><figure><img src="pics/a%20b.jpg?w=300#x" alt="A"><figcaption>Cap. Photo: Jo Bloggs</figcaption></figure></article>', '<link rel="canonical" href="https://example.org/news/story">'),
    );
    expect(article.blocks.flatMap(blockLinks)).toEqual(['https://example.org/other']);
    expect(article.blocks[1]).toMatchObject({ type: 'figure', image: 'pics/a%20b.jpg', alt: 'A', credit: 'Jo Bloggs', caption: [{ type: 'text', value: 'Cap.' }] });
    expect(article.source.url).toBe('https://example.org/news/story');
  });

  it('takes direction and language from the page, derives missing alt text with a warning', async () => {
    const { article, diagnostics } = await read(
      page('<article><h1>عنوان</h1><figure><img src="a.jpg"><figcaption>صورة الميناء</figcaption></figure><p>نص المقال.</p></article>', '<title>x</title>', 'lang="ar" dir="rtl"'),
    );
    expect([article.lang, article.dir, article.headline]).toEqual(['ar', 'rtl', 'عنوان']);
    expect(article.blocks[0]).toMatchObject({ type: 'figure', alt: 'صورة الميناء', altSource: 'derived' });
    expect(diagnostics.warnings.map(String)).toEqual(['page.html:4:24: warning: figure has no alt text; derived it from the caption']);
  });

  it('omits a description that only repeats the first paragraph, and drops data: images with a warning', async () => {
    const { article, diagnostics } = await read(
      page('<article><h1>H</h1><p>The first paragraph says it all, and then some more.</p><p><img src="data:image/png;base64,iVBORw0KGgo=" alt="Chart"></p></article>', '<meta name="description" content="The first paragraph says it all…">'),
    );
    expect(article.standfirst).toBeUndefined();
    expect(article.blocks[1]).toMatchObject({ type: 'figure', alt: 'Chart' });
    expect(article.blocks[1]).not.toHaveProperty('image');
    expect(diagnostics.warnings.map((d) => d.rule)).toContain('html:data-image');
  });

  it('fails in one line naming the file when the page has no headline', async () => {
    await expect(read('<!doctype html><html><body><p>Just text.</p></body></html>', 'untitled.html')).rejects.toThrow('the page has no headline');
  });

  it('marks block start tags with their line and column, and nothing else', async () => {
    const marked = markPositions('<div>\n  <P class="a">x</P><span>y</span>\n<script>"<p>"</script></div>');
    expect(marked).toBe('<div data-lectern-pos="1:1">\n  <P data-lectern-pos="2:3" class="a">x</P><span>y</span>\n<script>"<p>"</script></div>');
  });
});

describe('lectern build on a saved page', () => {
  const out = tmpDir();
  let xhtml = '';
  let opf = '';
  beforeAll(async () => {
    const r = lectern(['build', PAGE, '-o', out, '-s', 'epub']);
    expect(r.status, r.stderr).toBe(0);
    const zip = await JSZip.loadAsync(readFileSync(path.join(out, 'index.epub')));
    opf = await zip.file('OEBPS/content.opf')!.async('string');
    const docs = Object.keys(zip.files).filter((n) => n.endsWith('.xhtml'));
    xhtml = (await Promise.all(docs.map((n) => zip.file(n)!.async('string')))).join('\n');
  }, 120_000);

  it('writes the EPUB only', () => expect(listFiles(out)).toEqual(['index.epub']));

  it('carries both figures with their alt text and images', async () => {
    expect(xhtml).toMatch(/<img src="images\/fig-[0-9a-f]+\.jpg" alt="A small blue ferry with a yellow wheelhouse moored at a stone slipway at dusk"/);
    expect(xhtml).toMatch(/<img src="images\/fig-[0-9a-f]+\.png" alt="A grid of sailing times, four crossings a day, with the early school run marked in grey"/);
  });

  it('has no script, frame, event handler or javascript: URL', async () => {
    expect(xhtml).not.toMatch(/<script|<iframe|<object|<embed/i);
    expect(xhtml).not.toMatch(/\son[a-z]+\s*=/i);
    expect(xhtml).not.toMatch(/javascript:/i);
    expect(opf).not.toContain('scripted');
  });

  it.skipIf(!hasEpubcheck)('passes EPUBCheck with 0 errors and 0 warnings', () => {
    const r = epubcheck(path.join(out, 'index.epub'));
    expect(r.messages).toEqual([]);
    expect([r.errors, r.warnings]).toEqual([0, 0]);
  }, 180_000);
});
