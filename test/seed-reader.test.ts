import { describe, expect, it } from 'vitest';
import { hasSeed, lectern, SEED } from './helpers.js';
import type { Article } from '../src/article/model.js';
import { plainText } from '../src/article/model.js';

// The seed article is copyrighted and lives in ../shared; it is read from there, never copied.
describe.skipIf(!hasSeed)('the seed export (lectern inspect --json)', () => {
  const r = lectern(['inspect', SEED, '--json']);
  const article = JSON.parse(r.stdout) as Article;
  const paragraphs = article.blocks.filter((b) => b.type === 'paragraph');
  const figures = article.blocks.filter((b) => b.type === 'figure');
  const quotes = article.blocks.filter((b) => b.type === 'pullquote');
  const bodyText = paragraphs.map((p) => plainText(p.children)).join('\n');

  it('exits 0', () => expect(r.status).toBe(0));
  it('reads kicker, headline and standfirst', () => {
    expect(article.kicker).toBe('Israel-Hamas war');
    expect(article.headline).toBe('Iran told US it did not want Israel-Hamas war to escalate');
    expect(article.standfirst).toMatch(/^Hossein Amirabdollahian says Tehran has used back channels .* spreading across region$/);
  });
  it('reads the byline', () => {
    expect(article.byline).toEqual({ authors: ['Najmeh Bozorgmehr'], location: 'Geneva', dateline: '9 HOURS AGO' });
  });
  it('has 28 body paragraphs after repair', () => expect(paragraphs).toHaveLength(28));
  it('has two figures with captions cut before the © and their credits, without images', () => {
    expect(figures.map((f) => f.type === 'figure' && f.credit)).toEqual(['Majid Asgaripour/WANA/Reuters', 'Wael Hamzeh/EPA-EFE/Shutterstock']);
    for (const f of figures) {
      if (f.type !== 'figure') continue;
      expect(plainText(f.caption)).not.toContain('©');
      expect(plainText(f.caption)).toMatch(/[a-z]$/);
      expect(f.image).toBeUndefined();
      expect(f.altSource).toBe('derived');
      expect(f.alt).toBe(plainText(f.caption));
    }
  });
  it('has one pull quote attributed to Hossein Amirabdollahian', () => {
    expect(quotes).toHaveLength(1);
    expect(quotes[0]!.type === 'pullquote' && quotes[0]!.attribution).toBe('Hossein Amirabdollahian');
  });
  it('keeps (#) links as plain text and editorial brackets as text', () => {
    expect(JSON.stringify(article)).not.toContain('"link"');
    expect(bodyText).toContain('the main supporter of anti-Israel Islamist militants in the region, has said');
    expect(bodyText).toContain('[Iran-backed Houthi movement]');
    expect(bodyText).toContain('[in Gaza]');
  });
  it('joins the split paragraph and merges the scrape duplicate', () => {
    expect(bodyText).toContain('The fact that Hizbollah is fighting with a third of the Israeli army shows the war has expanded.');
    const merged = paragraphs.map((p) => plainText(p.children)).find((t) => t.includes('white gloves'));
    expect(merged).toMatch(/any direct involvement in the war and improved its relations with Arab states\.”$/);
    expect(merged).not.toContain('Amirabdollahian said. Iran');
  });
  it('reads the rights line', () => {
    expect(article.source.rights).toBe('The Financial Times Limited 2023. All rights reserved.');
  });
  it('reports each repair as a warning with file:line', () => {
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain(`${SEED}:48:1: warning: joined a paragraph split mid-sentence (continued on line 50)`);
    expect(lines.some((l) => l.startsWith(`${SEED}:66:1: warning: merged a scrape duplicate: line 68 repeats`))).toBe(true);
  });
  it('gives every block a unique, content-derived id and a source line', () => {
    const ids = article.blocks.map((b) => b.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(article.blocks.every((b) => b.position && b.position.line > 0)).toBe(true);
    const again = JSON.parse(lectern(['inspect', SEED, '--json']).stdout) as Article;
    expect(again.blocks.map((b) => b.id)).toEqual(ids);
  });
});
