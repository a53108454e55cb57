/**
 * Reading real web pages: remote images, repairs kept to the news export, internal errors,
 * headline and byline choice, language and charset detection, fetching a URL.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import JSZip from 'jszip';
import { Diagnostics } from '../src/article/diagnostics.js';
import { plainText } from '../src/article/model.js';
import type { DraftBlock } from '../src/readers/draft.js';
import { readArticle } from '../src/readers/index.js';
import { repairParagraphs } from '../src/transforms/repair.js';
import { lectern, listFiles, ROOT, tmpDir } from './helpers.js';
import { ace, epubcheck, hasAce, hasEpubcheck } from './validators.js';

const WEB = path.join(ROOT, 'test/fixtures/web');
const fixture = (name: string) => path.join(WEB, name);
const texts = (blocks: readonly { type: string; children?: unknown }[]) =>
  blocks.filter((b) => b.type === 'paragraph').map((b) => plainText((b as { children: [] }).children));

async function xhtmlOf(epub: string): Promise<string> {
  const zip = await JSZip.loadAsync(readFileSync(epub));
  return zip.file('OEBPS/article.xhtml')!.async('string');
}

describe('remote images without --allow-remote', () => {
  const out = path.join(tmpDir(), 'out');
  const r = lectern(['build', fixture('bedbugs.html'), '-o', out, '-s', 'epub']);

  it('build, with one warning per article giving the count', () => {
    expect(r.status, r.stderr).toBe(0);
    const remote = r.stderr.split('\n').filter((l) => l.includes('remote'));
    expect(remote).toEqual([
      `${fixture('bedbugs.html')}:16:5: warning: 2 images are remote (the first: https://cdn.wayfarer.example/img/hotel-bed.jpg); left out, the figures keep their alt text, caption and credit (pass --allow-remote to fetch them)`,
    ]);
    expect(listFiles(out)).toEqual(['bedbugs.epub']);
  });

  it('keep each figure with its alt text, caption and credit, without an <img>', async () => {
    const xhtml = await xhtmlOf(path.join(out, 'bedbugs.epub'));
    expect(xhtml).not.toContain('<img');
    expect(xhtml).toContain('<span class="image-description">Image: A made hotel bed with white sheets, its mattress corner lifted</span>');
    expect(xhtml).toContain('Lift the corner of the mattress before you unpack.');
    expect(xhtml).toContain('role="doc-credit">© Rui Salgado</span>');
    expect(xhtml).toContain('Image: A folding metal luggage rack holding a grey suitcase');
  });

  it('say so in the accessibility summary', async () => {
    const zip = await JSZip.loadAsync(readFileSync(path.join(out, 'bedbugs.epub')));
    const opf = await zip.file('OEBPS/content.opf')!.async('string');
    expect(opf).toContain('2 figures have no image in this edition');
    expect(opf).not.toMatch(/schema:accessMode">visual/);
  });

  it.runIf(hasEpubcheck)('make a book EPUBCheck passes', () => {
    expect(epubcheck(path.join(out, 'bedbugs.epub'))).toMatchObject({ errors: 0, warnings: 0 });
  }, 180_000);

  it.runIf(hasAce)('make a book Ace passes', () => {
    expect(ace(path.join(out, 'bedbugs.epub')).violations).toEqual([]);
  }, 300_000);
});

describe('scrape repairs', () => {
  it('do not run on a saved page: the numbered tip and the paragraph after it stay as written', async () => {
    const { article, diagnostics } = await readArticle(fixture('bedbugs.html'));
    const ps = texts(article.blocks);
    expect(ps).toContain("3. Don't use a wooden luggage rack");
    expect(ps).toContain('Bedbugs love wood. Even though a wooden luggage rack looks sturdier, a metal one gives them nowhere to hide.');
    expect(diagnostics.list.filter((d) => d.rule.startsWith('repair:'))).toEqual([]);
  });

  it('even when asked for, never take a repeat in the middle of a sentence for a scrape duplicate', async () => {
    const { article, diagnostics } = await readArticle(fixture('bedbugs.html'), { repair: true });
    expect(texts(article.blocks)).toContain('Bedbugs love wood. Even though a wooden luggage rack looks sturdier, a metal one gives them nowhere to hide.');
    expect(diagnostics.list.filter((d) => d.rule === 'repair:scrape-duplicate')).toEqual([]);
  });

  it('do not run on JSON: both dates and both author ids stay', async () => {
    const { article, diagnostics } = await readArticle(fixture('ids.json'));
    expect(article.blocks.map((b) => b.id).slice(0, 2)).toEqual(['a1', 'a2']);
    expect(texts(article.blocks).slice(0, 2)).toEqual(['july 25 2012', 'jul 25 2012']);
    expect(diagnostics.list).toEqual([]);
  });

  it('never merge a paragraph that carries an author id, even when asked for', async () => {
    const { article } = await readArticle(fixture('ids.json'), { repair: true });
    expect(article.blocks.map((b) => b.id).slice(0, 2)).toEqual(['a1', 'a2']);
  });

  it('name the next paragraph, never "line ?", when it has no position', () => {
    const diagnostics = new Diagnostics('x.json');
    const blocks: DraftBlock[] = [
      { type: 'paragraph', children: [{ type: 'text', value: 'The road was closed' }] },
      { type: 'paragraph', children: [{ type: 'text', value: 'for the whole weekend.' }] },
    ];
    expect(repairParagraphs(blocks, diagnostics)).toHaveLength(1);
    expect(diagnostics.list.map(String)).toEqual(['x.json: warning: joined a paragraph split mid-sentence (continued on the next paragraph)']);
  });
});

describe('pages that once made an internal error', () => {
  it('a template whose <html class> looks like page furniture to Readability ("sidebar") still reads', async () => {
    // Readability removed <html class="... sidebar-collapsed"> as an unlikely candidate,
    // leaving a document with no root element.
    const { article } = await readArticle(fixture('publisher-template.html'));
    expect(article.headline).toBe('Tidal lagoon plan clears its last hurdle');
    expect(article.lang).toBe('en-GB');
    expect(texts(article.blocks)).toHaveLength(4);
    expect(JSON.stringify(article)).not.toMatch(/Choose plan|Unlimited access/);
  });

  it('a .html file holding only text fails with a one-line reason, not an internal error', () => {
    const r = lectern(['build', fixture('plain-text.html'), '-o', path.join(tmpDir(), 'out'), '-s', 'epub']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`${fixture('plain-text.html')}: error: the page has no headline (no <h1>, og:title or <title>)`);
  });
});
