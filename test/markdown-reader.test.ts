import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArticle, readArticle } from '../src/readers/index.js';
import { plainText } from '../src/article/model.js';
import { ROOT, SAMPLE } from './helpers.js';

describe('Markdown with front matter', () => {
  it('reads the bundled sample: metadata, figures with author alt text, pull quote, headings, links', async () => {
    const { article, format, diagnostics } = await readArticle(SAMPLE);
    expect(format).toBe('markdown');
    expect(article.lang).toBe('en-GB');
    expect(article.kicker).toBe('Energy');
    expect(article.byline).toMatchObject({ authors: ['Elinor Marsh'], location: 'Porthmellin', published: '2026-11-27' });
    const figures = article.blocks.filter((b) => b.type === 'figure');
    expect(figures).toHaveLength(2);
    for (const f of figures) {
      expect(f.altSource).toBe('author');
      expect(f.image).toMatch(/^images\/.*\.jpg$/);
      expect(f.credit).toBe('Tomas Reyes/Lectern Sample Press');
      expect(plainText(f.caption)).not.toContain('©');
    }
    const quote = article.blocks.find((b) => b.type === 'pullquote');
    expect(quote && plainText(quote.children)).toBe('The tide is the one thing here that turns up on time.');
    expect(quote?.attribution).toBe('Dr Ana Pereira, project engineer');
    expect(article.blocks.filter((b) => b.type === 'heading').map((h) => h.type === 'heading' && h.depth)).toEqual([2, 2, 2]);
    expect(JSON.stringify(article)).toContain('"url":"https://example.org/marine-energy-report"');
    const words = article.blocks.map((b) => (b.type === 'paragraph' ? plainText(b.children) : '')).join(' ').split(/\s+/).length;
    expect(words).toBeGreaterThanOrEqual(600);
    // The sample is well formed: no repair fires on it.
    expect(diagnostics.list.filter((d) => d.rule.startsWith('repair:'))).toEqual([]);
  });

  it('treats an image titled "decorative" as decorative (alt="") and keeps block quotes with attribution', async () => {
    const text = `---\nheadline: H\n---\n\n![](a.png "decorative")\n\n> Quoted words.\n>\n> — Someone\n`;
    const { article } = await parseArticle(text, 'x.md');
    expect(article.blocks[0]).toMatchObject({ type: 'figure', alt: '', altSource: 'author', image: 'a.png' });
    expect(article.blocks[1]).toMatchObject({ type: 'blockquote', attribution: 'Someone' });
  });

  it('derives missing alt text from the caption and says so', async () => {
    const { article, diagnostics } = await parseArticle(`---\nheadline: H\n---\n\n![](a.png)\nA harbour at dawn. © Jo Bloggs\n`, 'x.md');
    expect(article.blocks[0]).toMatchObject({ alt: 'A harbour at dawn.', altSource: 'derived', credit: 'Jo Bloggs' });
    expect(diagnostics.list.map(String)).toEqual(['x.md:5:1: warning: figure has no alt text; derived it from the caption']);
  });

  it('drops raw HTML with a warning', async () => {
    const { article, diagnostics } = await parseArticle(`---\nheadline: H\n---\n\n<script>alert(1)</script>\n\nText <b onclick="x()">bold</b>.\n`, 'x.md');
    expect(JSON.stringify(article)).not.toMatch(/script|onclick/);
    expect(diagnostics.list.map((d) => d.rule)).toEqual(['reader:html', 'reader:html', 'reader:html']);
  });
});

describe('repairs', () => {
  it('do not run on Markdown unless asked: a short line without a full stop is the author\'s', async () => {
    const { article, diagnostics } = await readArticle(path.join(ROOT, 'test/fixtures/well-formed.md'));
    expect(diagnostics.list.filter((d) => d.rule.startsWith('repair:'))).toEqual([]);
    expect(plainText((article.blocks[0] as { children: [] }).children)).toBe('The city council voted 7-2 on Monday to add protected bike lanes to Main Street');
  });

  it('when asked, only join a paragraph that stops mid-sentence and continues in lower case', async () => {
    const { article, diagnostics } = await readArticle(path.join(ROOT, 'test/fixtures/well-formed.md'), { repair: true });
    expect(diagnostics.list.filter((d) => d.rule.startsWith('repair:')).map(String)).toEqual([
      `${path.join(ROOT, 'test/fixtures/well-formed.md')}:8:1: warning: joined a paragraph split mid-sentence (continued on line 10)`,
    ]);
    expect(plainText((article.blocks[0] as { children: [] }).children)).toMatch(/Main Street and three other roads\./);
  });

  it('never fire on ordinary well-formed text', async () => {
    const text = `---\nheadline: H\n---\n\nOne sentence ends here.\n\nanother starts in lower case, which is fine.\n\n“A quote ends with a quote mark.”\n\nNext paragraph.\n\n## A heading without a full stop\n\nthen a lower-case paragraph.\n`;
    const { diagnostics, article } = await parseArticle(text, 'x.md', { repair: true });
    expect(diagnostics.list).toEqual([]);
    expect(article.blocks).toHaveLength(6);
  });
});
