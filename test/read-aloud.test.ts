import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildArticle, type ArticleBuildResult } from '../src/build.js';
import { MP3_DELAY_SAMPLES } from '../src/audio/mp3.js';
import { hasSeed, lectern, SAMPLE, SEED, tmpDir } from './helpers.js';
import { ace, epubcheck, hasAce, hasEpubcheck } from './validators.js';
import { decodeSamples, hasFfmpeg } from './audio-tools.js';

const cache = tmpDir('lectern-cache-');
const inputs = [SAMPLE, ...(hasSeed ? [SEED] : [])];
const results = new Map<string, ArticleBuildResult>();

beforeAll(async () => {
  for (const input of inputs) {
    const r = await buildArticle(input, { outDir: tmpDir(), cacheDir: cache });
    expect(r.error).toBeUndefined();
    results.set(input, r);
  }
}, 600_000);

const epubOf = (input: string) => results.get(input)!.files.find((f) => f.endsWith('.epub'))!;

function seconds(clock: string): number {
  const [h, m, s] = clock.split(':');
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

interface Par {
  fragment: string;
  begin: number;
  end: number;
}

async function openBook(file: string) {
  const zip = await JSZip.loadAsync(readFileSync(file));
  const opf = await zip.file('OEBPS/content.opf')!.async('string');
  const smil = await zip.file('OEBPS/article.smil')!.async('string');
  const xhtml = await zip.file('OEBPS/article.xhtml')!.async('string');
  const mp3 = await zip.file('OEBPS/audio/narration.mp3')!.async('nodebuffer');
  const pars: Par[] = [...smil.matchAll(/<text src="article\.xhtml#([^"]+)"\/>\s*<audio src="audio\/narration\.mp3" clipBegin="([^"]+)" clipEnd="([^"]+)"\/>/g)].map((m) => ({
    fragment: m[1]!,
    begin: seconds(m[2]!),
    end: seconds(m[3]!),
  }));
  return { zip, opf, smil, xhtml, mp3, pars };
}

describe.each(inputs.map((i) => [path.basename(i), i]))('the read-aloud EPUB of %s', (_name, input) => {
  it.skipIf(!hasEpubcheck)('passes EPUBCheck (media overlay checks included) with 0 errors and 0 warnings', () => {
    const r = epubcheck(epubOf(input));
    expect(r.messages).toEqual([]);
  }, 180_000);

  it.skipIf(!hasAce)('has 0 Ace violations', () => {
    expect(ace(epubOf(input)).violations).toEqual([]);
  }, 300_000);

  it.skipIf(!hasFfmpeg)('has clips inside the decoded audio, in reading order, back to back, each starting where the timeline says', async () => {
    const { mp3, pars, xhtml } = await openBook(epubOf(input));
    const dir = tmpDir();
    const file = path.join(dir, 'narration.mp3');
    writeFileSync(file, mp3);
    const { samples, sampleRate } = decodeSamples(file);
    const audioSeconds = samples.length / sampleRate;
    const frame = 1152 / sampleRate;
    const timeline = results.get(input)!.artifacts!.narration!.timeline;
    expect(pars).toHaveLength(timeline.utterances.length);

    // Document order of the referenced elements.
    const { document } = parseHTML(xhtml);
    const all = [...document.querySelectorAll('[id]')].map((e) => e.getAttribute('id'));
    let lastIndex = -1;
    pars.forEach((p, i) => {
      expect(p.begin).toBeGreaterThanOrEqual(0);
      expect(p.end).toBeLessThanOrEqual(audioSeconds + frame);
      expect(p.end).toBeGreaterThan(p.begin);
      if (i > 0) expect(p.begin).toBeCloseTo(pars[i - 1]!.end, 3);
      // Every referenced id exists, and the ids come in document order.
      const index = all.indexOf(p.fragment);
      expect(index, p.fragment).toBeGreaterThan(-1);
      expect(index).toBeGreaterThan(lastIndex);
      lastIndex = index;
      // The clip starts where the build's timeline puts the sentence, within one MP3 frame.
      if (i > 0) expect(Math.abs(p.begin - (timeline.utterances[i]!.start + MP3_DELAY_SAMPLES) / sampleRate)).toBeLessThanOrEqual(frame);
      // And the audio agrees: just before each sentence is the pause that ends the previous one.
      if (i > 0) {
        const from = Math.round((p.begin - 0.15) * sampleRate);
        const to = Math.round((p.begin - 0.03) * sampleRate);
        let sum = 0;
        for (let k = from; k < to; k++) sum += samples[k]! * samples[k]!;
        expect(Math.sqrt(sum / (to - from)), `silence before ${p.fragment}`).toBeLessThan(300);
      }
    });
    expect(pars.at(-1)!.end).toBeCloseTo(audioSeconds, 1);
  });

  it('declares durations that add up to the total, the active class and the overlay on the article', async () => {
    const { opf, pars } = await openBook(epubOf(input));
    const overlay = /<meta property="media:duration" refines="#article-overlay">([^<]+)<\/meta>/.exec(opf)![1]!;
    const total = /<meta property="media:duration">([^<]+)<\/meta>/.exec(opf)![1]!;
    expect(seconds(total)).toBeCloseTo(seconds(overlay), 3);
    expect(seconds(overlay)).toBeCloseTo(pars.reduce((s, p) => s + (p.end - p.begin), 0), 2);
    expect(opf).toContain('<meta property="media:active-class">-epub-media-overlay-active</meta>');
    expect(opf).toMatch(/<item id="article" href="article\.xhtml" media-type="application\/xhtml\+xml" media-overlay="article-overlay"\/>/);
    expect(opf).toContain('<meta property="schema:accessMode">auditory</meta>');
    expect(opf).toContain('<meta property="schema:accessModeSufficient">auditory,textual</meta>');
    expect(opf).toContain('<meta property="schema:accessibilityFeature">synchronizedAudioText</meta>');
    expect(opf).toMatch(/read by synthetic speech \(eSpeak NG 1\.\d+[^,]*, voice en-gb\)/);
  });

  it('reads headline, standfirst, byline and figures along, and not the pull quote', async () => {
    const { pars, xhtml } = await openBook(epubOf(input));
    const ids = pars.map((p) => p.fragment);
    expect(ids.slice(0, 2)).toEqual(['headline', 'standfirst-s1']);
    expect(ids).toContain('byline-names');
    expect(ids.filter((id) => id.endsWith('-credit'))).toHaveLength(2);
    const { document } = parseHTML(xhtml);
    const quote = document.querySelector('aside[role="doc-pullquote"]')!;
    expect(quote.querySelectorAll('[id]').length).toBe(0);
    expect(ids).not.toContain(quote.getAttribute('id'));
  });
});

describe('--no-overlays', () => {
  it('builds the plain book, byte for byte the EPUB-only build', () => {
    const a = tmpDir();
    const b = tmpDir();
    expect(lectern(['build', SAMPLE, '-o', a, '--no-overlays', '--cache-dir', cache]).status).toBe(0);
    expect(lectern(['build', SAMPLE, '-o', b, '-s', 'epub']).status).toBe(0);
    expect(readFileSync(path.join(a, 'article.epub')).equals(readFileSync(path.join(b, 'article.epub')))).toBe(true);
  }, 300_000);
});

void mkdirSync;
