/**
 * Reading real web pages: remote images, repairs kept to the news export, internal errors,
 * headline and byline choice, language and charset detection, fetching a URL.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import JSZip from 'jszip';
import { Diagnostics } from '../src/article/diagnostics.js';
import { plainText } from '../src/article/model.js';
import type { DraftBlock } from '../src/readers/draft.js';
import { readArticle } from '../src/readers/index.js';
import { repairParagraphs } from '../src/transforms/repair.js';
import { bylineAuthors } from '../src/readers/html-meta.js';
import { safeLink } from '../src/readers/html.js';
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
    expect(opf).toContain('2 figures have no image in this edition; their caption and credit are kept as text.');
    expect(opf).toMatch(/The author(?:'|&#39;)s description of each picture is kept as text too\./);
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
  }, 120_000);
});

describe('character sets of saved pages', () => {
  it('decodes a page that declares windows-1252 (curly quotes, £, é), saying so', async () => {
    const { article, diagnostics } = await readArticle(fixture('windows-1252.html'));
    expect(article.headline).toBe('Café owners fear the “final” rent rise');
    expect(texts(article.blocks)[0]).toContain('council’s latest rent rise, which it calls “final”, would cost each of them about £4,000 a year.');
    expect(diagnostics.list.map(String)).toContain(`${fixture('windows-1252.html')}: info: decoded as windows-1252, the character set the page declares`);
    expect(diagnostics.warnings.filter((d) => /control/.test(d.message))).toEqual([]);
  });

  it('detects the character set of a page that declares none, with a warning', async () => {
    const { article, diagnostics } = await readArticle(fixture('undeclared-latin.html'));
    expect(texts(article.blocks)[1]).toContain('Renée Façade');
    expect(diagnostics.warnings.map(String).filter((d) => d.includes('character set'))).toEqual([
      expect.stringMatching(/undeclared-latin\.html: warning: the page declares no character set and is not UTF-8; decoded it as windows-1252, detected from its bytes \(confidence \d+%\)$/),
    ]);
  });

  it('decodes a Shift_JIS page and builds it', () => {
    const out = path.join(tmpDir(), 'out');
    const r = lectern(['build', fixture('shift-jis-undeclared-lang.html'), '-o', out, '-s', 'epub']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/UTF-8|error/);
  }, 120_000);

  it('still refuses Markdown that is not UTF-8', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'a.md');
    writeFileSync(file, Buffer.from('---\nheadline: Caf\xe9\n---\n\nText.\n', 'latin1'));
    const r = lectern(['build', file, '-o', path.join(dir, 'out'), '-s', 'epub']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/a\.md: error: is not valid UTF-8 \(first bad byte at offset 17\)/);
  }, 120_000);
});

describe('the language of a page that declares none', () => {
  const cases: [string, string, string, RegExp][] = [
    ['shift-jis-undeclared-lang.html', 'ja', 'ltr', /warning: the page declares no language; detected Japanese \(ja\) from its text$/],
    ['spanish-undeclared.html', 'es', 'ltr', /warning: the page declares no language; detected Spanish \(es\) from its text$/],
    ['arabic-undeclared.html', 'ar', 'rtl', /warning: the page declares no language; detected Arabic \(ar\) from its text$/],
    ['chinese-declared-en.html', 'zh', 'ltr', /warning: the page declares its language as en, but its text is in Chinese: using zh$/],
  ];
  for (const [page, lang, dir, message] of cases) {
    it(`${page}: ${lang}, with a warning`, async () => {
      const { article, diagnostics } = await readArticle(fixture(page));
      expect(article.lang).toBe(lang);
      expect(article.dir).toBe(dir);
      expect(diagnostics.warnings.map(String).filter((d) => message.test(d))).toHaveLength(1);
    });
  }

  it('a page that declares its language keeps it, without a warning', async () => {
    const { article, diagnostics } = await readArticle(fixture('publisher-template.html'));
    expect(article.lang).toBe('en-GB');
    expect(diagnostics.warnings.filter((d) => d.rule.startsWith('html:lang'))).toEqual([]);
  });

  it('a language the caller gives wins over detection', async () => {
    const { article } = await readArticle(fixture('spanish-undeclared.html'), { lang: 'ca' });
    expect(article.lang).toBe('ca');
  });
});

describe('headline by agreement', () => {
  it('skips the logo <h1>, a hidden <h1> and an <h1> in a photo caption for the one og:title, JSON-LD and <title> agree with', async () => {
    const { article } = await readArticle(fixture('headline-traps.html'));
    expect(article.headline).toBe('Night ferry timetable cut to three sailings a week');
    const figure = article.blocks.find((b) => b.type === 'figure');
    expect(figure && figure.type === 'figure' && plainText(figure.caption)).toBe('The night ferry leaves Kirkwall harbour');
    expect(JSON.stringify(article.blocks)).not.toMatch(/Northern Lantern|Transport news|Follow Author|6:01/);
  });

  it('takes <title> less the site name when the page has no <h1>', async () => {
    const { article } = await readArticle(fixture('undeclared-latin.html'));
    expect(article.headline).toBe('Café owners fear the “final” rent rise');
  });
});

describe('bylines', () => {
  it('takes JSON-LD authors first, putting "Surname, Given" back in order', async () => {
    const { article } = await readArticle(fixture('headline-traps.html'));
    expect(article.byline.authors).toEqual(['Michiel de Jong', 'Aoife Brennan']);
  });

  it('cleans a byline of its date, time and "Follow" link', async () => {
    const { article } = await readArticle(fixture('byline-only.html'));
    expect(article.byline.authors).toEqual(['Priya Raman', 'Tomasz Wójcik']);
    expect(article.standfirst).toBeUndefined();
  });

  it('never makes an author of a date, a time, "Follow Author" or "Updated ..."', () => {
    expect(bylineAuthors('April 28')).toEqual([]);
    expect(bylineAuthors('2019 at 6:01 am Updated April 29')).toEqual([]);
    expect(bylineAuthors('Follow Author')).toEqual([]);
    expect(bylineAuthors('9:39AM BST 05 Oct 2011')).toEqual([]);
    expect(bylineAuthors('Jong, Michiel de')).toEqual(['Michiel de Jong']);
    expect(bylineAuthors('By: Marguerite Reardon August 18, 2010 3:21 PM PDT Print E-mail')).toEqual(['Marguerite Reardon']);
    expect(bylineAuthors('Sam Byford on June 29, 2014 08:08 pm @345triangle 76Comments')).toEqual(['Sam Byford']);
    expect(bylineAuthors('Bryan Walsh Tuesday, Aug. 17, 2010')).toEqual(['Bryan Walsh']);
    expect(bylineAuthors('Maggie Haberman and Shira Toeplitz')).toEqual(['Maggie Haberman', 'Shira Toeplitz']);
    expect(bylineAuthors('DAVID LIEBERMAN, Executive Editor')).toEqual(['David Lieberman']);
  });
});

describe('links from real pages', () => {
  it('are written as URIs EPUBCheck accepts: [, |, { and a stray % escaped outside the host', () => {
    expect(safeLink('http://www.amazon.com/gp/feature.html?tag=x&ascsubtag=[type|link[postId|1141460933')).toBe('http://www.amazon.com/gp/feature.html?tag=x&ascsubtag=%5Btype%7Clink%5BpostId%7C1141460933');
    expect(safeLink('https://ex.org/a%zz/b c?q={1}')).toBe('https://ex.org/a%25zz/b%20c?q=%7B1%7D');
    expect(safeLink('http://[::1]:8080/x|y')).toBe('http://[::1]:8080/x%7Cy');
  });
});
