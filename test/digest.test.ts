import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { parseFile } from 'music-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { lectern, listFiles, ROOT, SAMPLE, tmpDir } from './helpers.js';
import { epubcheck, ace, hasAce, hasEpubcheck } from './validators.js';
import { ffprobeChapters, hasFfmpeg } from './audio-tools.js';

const SECOND = path.join(ROOT, 'test/fixtures/digest/second.md');
const THIRD = path.join(ROOT, 'test/fixtures/digest/third.md');
const out = tmpDir();
const cache = tmpDir('lectern-cache-');
const epub = path.join(out, 'morning-digest.epub');
let stderr = '';

beforeAll(() => {
  const r = lectern(['build', SAMPLE, SECOND, THIRD, '--bundle', 'Morning digest', '-o', out, '--cache-dir', cache]);
  stderr = r.stderr;
  expect(r.status, r.stderr).toBe(0);
}, 600_000);

describe('a digest of three articles (--bundle)', () => {
  it('writes one book, one narration, one transcript and one script, named after the title', () => {
    expect(listFiles(out).filter((f) => !f.startsWith('morning-digest.web/'))).toEqual(['morning-digest.epub', 'morning-digest.mp3', 'morning-digest.speech.txt', 'morning-digest.vtt']);
    expect(stderr).toMatch(/built digest "Morning digest" from 3 of 3 articles, failed 0/);
  });

  it.skipIf(!hasEpubcheck)('passes EPUBCheck', () => {
    expect(epubcheck(epub).messages).toEqual([]);
  }, 180_000);

  it.skipIf(!hasAce)('has 0 Ace violations', () => {
    expect(ace(epub).violations).toEqual([]);
  }, 300_000);

  it('has a section per article, each in its own language, with nav entries per article and per heading', async () => {
    const zip = await JSZip.loadAsync(readFileSync(epub));
    const docs = ['article-1.xhtml', 'article-2.xhtml', 'article-3.xhtml'];
    const langs = await Promise.all(docs.map(async (d) => /<html [^>]*xml:lang="([^"]+)"/.exec(await zip.file(`OEBPS/${d}`)!.async('string'))![1]));
    expect(langs).toEqual(['en-GB', 'en-GB', 'fr-FR']);
    const third = await zip.file('OEBPS/article-3.xhtml')!.async('string');
    expect(third).toContain('Par <span class="author">Anne Le Goff</span>, à <span class="location">Quimper</span>');
    const nav = await zip.file('OEBPS/toc.xhtml')!.async('string');
    expect(nav).toContain('<a href="article-1.xhtml#headline">Harbour town bets on the tide to keep its lights on through winter</a>');
    expect(nav).toContain('<a href="article-2.xhtml#headline">Night buses return to the coast road after a two-year gap</a>');
    expect(nav).toMatch(/<a href="article-2\.xhtml#h-[0-9a-f]{8}">What changes<\/a>/);
    expect(nav).toContain('<a href="article-3.xhtml#headline">La médiathèque de Quimper ouvre le dimanche</a>');
    const opf = await zip.file('OEBPS/content.opf')!.async('string');
    expect(opf).toContain('<dc:title id="title">Morning digest</dc:title>');
    expect(opf).toContain('<dc:language>en-GB</dc:language>');
    expect(opf).toContain('<dc:language>fr-FR</dc:language>');
    for (const name of ['Elinor Marsh', 'Priya Nair', 'Anne Le Goff']) expect(opf).toContain(`>${name}</dc:creator>`);
    expect(opf).toContain('A digest of 3 news articles');
    // Each article is read along in the book.
    expect(opf).toMatch(/media-overlay="overlay-3"/);
    const list = await zip.file('OEBPS/article-2.xhtml')!.async('string');
    expect(list).toMatch(/<ul id="list-[0-9a-f]{8}"><li><span id="a2-list-[0-9a-f]{8}-i0-s1">the coast road/);
  });

  it.skipIf(!hasFfmpeg)('has an MP3 with one chapter per article', async () => {
    const chapters = ffprobeChapters(path.join(out, 'morning-digest.mp3'));
    expect(chapters.map((c) => c.title)).toEqual([
      'Harbour town bets on the tide to keep its lights on through winter',
      'Night buses return to the coast road after a two-year gap',
      'La médiathèque de Quimper ouvre le dimanche',
    ]);
    const meta = await parseFile(path.join(out, 'morning-digest.mp3'));
    expect(meta.common.title).toBe('Morning digest');
  });

  it('reads each article in a voice for its language', () => {
    const r = lectern(['build', SAMPLE, SECOND, THIRD, '--bundle', 'Morning digest', '-o', tmpDir(), '--cache-dir', cache, '-s', 'narration', '--json']);
    const digest = JSON.parse(r.stdout).articles.at(-1);
    expect(digest.narration.voices).toEqual(['en-gb', 'fr-fr']);
    expect(digest.narration.synthesised).toBe(0);
  }, 120_000);

  it('leaves out an article that cannot be read, builds the rest, and exits 1 naming it', () => {
    const dir = tmpDir();
    const broken = path.join(dir, 'broken.md');
    writeFileSync(broken, '---\nheadline: [unclosed\n---\n\nText.\n');
    const r = lectern(['build', SECOND, broken, '--bundle', 'Two', '-o', path.join(dir, 'out'), '--cache-dir', cache, '-s', 'epub']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/broken\.md:\d+:1: error: malformed front matter/);
    expect(r.stderr).toMatch(new RegExp(`built digest "Two" from 1 of 2 articles, failed 1 \\(${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`));
    expect(listFiles(path.join(dir, 'out'))).toEqual(['two.epub']);
  }, 120_000);
});
