/**
 * The web edition in a real browser: Debian's Chromium driven by playwright-core (no
 * browser download), the page loaded from file://. Every request is intercepted; only
 * files inside the edition's folder are allowed. Screenshots at a phone and a desktop
 * size go to test-output/web/.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CLI, hasSeed, lectern, listFiles, ROOT, SAMPLE, SEED, tmpDir } from './helpers.js';
import { serveFolder } from '../src/web/serve.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SHOTS = path.join(ROOT, 'test-output/web');
const SECOND = path.join(ROOT, 'test/fixtures/digest/second.md');
const THIRD = path.join(ROOT, 'test/fixtures/digest/third.md');

const cache = tmpDir('lectern-cache-');
const out = tmpDir();
const folder = path.join(out, 'article.web');
const digestOut = tmpDir();
const digestFolder = path.join(digestOut, 'morning-digest.web');

interface Cue {
  id: string;
  start: number;
  end: number;
}

/** The WebVTT transcript's cues, read independently of the page. */
function vttCues(file: string): Cue[] {
  const secs = (s: string) => {
    const [h, m, rest] = s.split(':');
    return Number(h) * 3600 + Number(m) * 60 + Number(rest);
  };
  return readFileSync(file, 'utf8')
    .split(/\n\n+/)
    .slice(1)
    .map((block) => block.split('\n'))
    .filter((lines) => lines[1]?.includes('-->'))
    .map((lines) => {
      const [a, b] = lines[1]!.split(' --> ');
      return { id: lines[0]!, start: secs(a!), end: secs(b!) };
    });
}

let browser: Browser;

beforeAll(async () => {
  const r = lectern(['build', SAMPLE, '-o', out, '--cache-dir', cache]);
  expect(r.status, r.stderr).toBe(0);
  const d = lectern(['build', SAMPLE, SECOND, THIRD, '--bundle', 'Morning digest', '-o', digestOut, '--cache-dir', cache]);
  expect(d.status, d.stderr).toBe(0);
  mkdirSync(SHOTS, { recursive: true });
  if (hasChromium) {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
  }
}, 900_000);

afterAll(async () => {
  await browser?.close();
});

describe('the web edition folder', () => {
  it('holds the page, the narration, its transcript, the cover and the images, and nothing else', () => {
    expect(listFiles(folder)).toEqual(['cover.jpg', 'images/fig-502fd049.jpg', 'images/fig-f7ac14cb.jpg', 'index.html', 'narration.mp3', 'transcript.vtt']);
  });

  it('refers to nothing outside the folder', () => {
    const html = readFileSync(path.join(folder, 'index.html'), 'utf8');
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    // Links the author wrote (the article's own) are the only absolute URLs; nothing is loaded from them.
    const loaded = [...html.matchAll(/<(?:img|audio|source|track|script|link)\b[^>]*\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    expect(loaded.length).toBeGreaterThan(3);
    for (const ref of loaded) expect(existsSync(path.join(folder, ref)), ref).toBe(true);
    expect(refs.filter((r) => /^https?:/.test(r))).toEqual(['https://example.org/marine-energy-report']);
    expect(html).not.toMatch(/@import|url\(|fetch\(|XMLHttpRequest/);
  });

  it('has the timeline of the read-aloud book: every cue of the page is a SMIL clip, element and times', async () => {
    const html = readFileSync(path.join(folder, 'index.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="rd-data">(.*?)<\/script>/s.exec(html)![1]!) as { cues: { id: string; el: string; b: number; e: number }[] };
    const zip = await JSZip.loadAsync(readFileSync(path.join(out, 'article.epub')));
    const smil = await zip.file('OEBPS/article.smil')!.async('string');
    const clock = (c: string) => {
      const [h, m, s] = c.split(':');
      return Number(h) * 3600 + Number(m) * 60 + Number(s);
    };
    const pars = [...smil.matchAll(/<text src="article\.xhtml#([^"]+)"\/>\s*<audio src="[^"]+" clipBegin="([^"]+)" clipEnd="([^"]+)"/g)].map((m) => ({ el: m[1], b: clock(m[2]!), e: clock(m[3]!) }));
    expect(pars.length).toBe(44);
    const ms = (x: number) => Math.round(x * 1000);
    expect(data.cues.map(({ el, b, e }) => ({ el, b: ms(b), e: ms(e) }))).toEqual(pars.map(({ el, b, e }) => ({ el, b: ms(b), e: ms(e) })));
    // And the WebVTT transcript beside the page has the same cues, in the same order.
    expect(vttCues(path.join(folder, 'transcript.vtt')).map((c) => [c.id, ms(c.start), ms(c.end)])).toEqual(data.cues.map((c) => [c.id, ms(c.b), ms(c.e)]));
    // The book's MP3 and the page's are the same bytes.
    expect(Buffer.compare(await zip.file('OEBPS/audio/narration.mp3')!.async('nodebuffer'), readFileSync(path.join(folder, 'narration.mp3')))).toBe(0);
  });

  it('leaves the EPUB as it was: the same bytes with and without the web stage', () => {
    const without = tmpDir();
    const r = lectern(['build', SAMPLE, '-o', without, '--cache-dir', cache, '--no-web']);
    expect(r.status, r.stderr).toBe(0);
    expect(listFiles(without).some((f) => f.includes('.web/'))).toBe(false);
    expect(Buffer.compare(readFileSync(path.join(without, 'article.epub')), readFileSync(path.join(out, 'article.epub')))).toBe(0);
  }, 300_000);

  it('is the same bytes when built again', () => {
    const again = tmpDir();
    const r = lectern(['build', SAMPLE, '-o', again, '--cache-dir', cache, '-s', 'web']);
    expect(r.status, r.stderr).toBe(0);
    for (const f of listFiles(folder)) expect(Buffer.compare(readFileSync(path.join(again, 'article.web', f)), readFileSync(path.join(folder, f))), f).toBe(0);
  }, 300_000);
});

interface Opened {
  context: BrowserContext;
  page: Page;
  errors: string[];
  outside: string[];
  requests: string[];
}

/** Opens the page from file://, with every request outside the folder blocked and recorded. */
async function open(dir: string, viewport = { width: 1280, height: 900 }, options: { colorScheme?: 'light' | 'dark'; reducedMotion?: 'reduce' | 'no-preference' } = {}): Promise<Opened> {
  const context = await browser.newContext({ viewport, ...options });
  const inside = pathToFileURL(dir).href + '/';
  const errors: string[] = [];
  const outside: string[] = [];
  const requests: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (url.startsWith(inside)) return route.continue();
    outside.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(inside + 'index.html');
  await page.waitForFunction(() => (document.getElementById('rd-audio') as HTMLAudioElement).readyState >= 1);
  return { context, page, errors, outside, requests };
}

/** The audio's time and the marked element, read in one go. */
async function state(page: Page): Promise<{ t: number; marked: string[]; paused: boolean }> {
  return page.evaluate(() => {
    const a = document.getElementById('rd-audio') as HTMLAudioElement;
    return { t: a.currentTime, paused: a.paused, marked: [...document.querySelectorAll('.rd-reading')].map((e) => e.id) };
  });
}

describe.skipIf(!hasChromium)('in Chromium, from file://', { timeout: 60_000 }, () => {
  let o: Opened;
  let cues: (Cue & { el: string })[];

  beforeAll(async () => {
    o = await open(folder);
    const data = await o.page.evaluate(() => JSON.parse(document.getElementById('rd-data')!.textContent!) as { cues: { id: string; el: string }[] });
    const byId = new Map(data.cues.map((c) => [c.id, c.el]));
    cues = vttCues(path.join(folder, 'transcript.vtt')).map((c) => ({ ...c, el: byId.get(c.id)! }));
  }, 60_000);
  afterAll(async () => {
    await o?.context.close();
  });

  /** Checks the marked element is the one of a cue containing a time within 100 ms of the audio's. */
  async function expectMarkedInTime(where: string) {
    const s = await state(o.page);
    const near = cues.filter((c) => c.start <= s.t + 0.1 && c.end >= s.t - 0.1).map((c) => c.el);
    expect(s.marked, `${where} at ${s.t.toFixed(3)} s`).toHaveLength(1);
    expect(near, `${where} at ${s.t.toFixed(3)} s: marked ${s.marked[0]}`).toContain(s.marked[0]);
    return s;
  }

  it('plays, and marks the sentence being spoken at several points, before and after a seek', async () => {
    const { page } = o;
    await page.evaluate(async () => {
      const a = document.getElementById('rd-audio') as HTMLAudioElement;
      a.muted = true;
      a.playbackRate = 2;
      await a.play();
    });
    let last = -1;
    for (let i = 0; i < 4; i++) {
      await page.waitForTimeout(700);
      const s = await expectMarkedInTime(`playing, sample ${i}`);
      expect(s.paused).toBe(false);
      expect(s.t).toBeGreaterThan(last);
      last = s.t;
    }
    // Seek into the middle of the narration, keep playing, check again.
    const target = cues[25]!;
    await page.evaluate((t) => {
      (document.getElementById('rd-audio') as HTMLAudioElement).currentTime = t;
    }, (target.start + target.end) / 2);
    await page.waitForFunction(() => !(document.getElementById('rd-audio') as HTMLAudioElement).seeking);
    const after = await expectMarkedInTime('just after a seek');
    expect(after.t).toBeGreaterThan(target.start - 0.1);
    for (let i = 0; i < 3; i++) {
      await page.waitForTimeout(600);
      await expectMarkedInTime(`playing after the seek, sample ${i}`);
    }
    // Paused at a cue boundary's far side: still the right one.
    await page.evaluate((t) => {
      const a = document.getElementById('rd-audio') as HTMLAudioElement;
      a.pause();
      a.currentTime = t;
    }, cues[40]!.start + 0.05);
    await page.waitForFunction(() => !(document.getElementById('rd-audio') as HTMLAudioElement).seeking);
    await page.waitForTimeout(100);
    expect((await state(page)).marked).toEqual([cues[40]!.el]);
  });

  it('plays from a sentence that is clicked', async () => {
    const { page } = o;
    // A sentence of the body (a span of its own), well down the page.
    const k = cues.findIndex((c, i) => i > 15 && c.el === c.id);
    await page.click(`[id="${cues[k]!.el}"]`);
    await page.waitForFunction(() => !(document.getElementById('rd-audio') as HTMLAudioElement).seeking);
    const s = await state(page);
    expect(s.t).toBeGreaterThanOrEqual(cues[k]!.start);
    expect(s.t).toBeLessThan(cues[k]!.start + 0.5);
    expect(s.marked).toEqual([cues[k]!.el]);
    expect(s.paused).toBe(false);
    await page.evaluate(() => (document.getElementById('rd-audio') as HTMLAudioElement).pause());
  });

  it('works from the keyboard: space, arrows, Enter on a sentence', async () => {
    const { page } = o;
    await page.evaluate((t) => {
      const a = document.getElementById('rd-audio') as HTMLAudioElement;
      a.pause();
      a.currentTime = t;
      (document.activeElement as HTMLElement | null)?.blur();
    }, cues[10]!.start + 0.01);
    await page.waitForFunction(() => !(document.getElementById('rd-audio') as HTMLAudioElement).seeking);
    await page.locator('main').click({ position: { x: 1, y: 1 }, force: true }).catch(() => {});
    await page.evaluate(() => (document.getElementById('rd-audio') as HTMLAudioElement).pause());
    const start = await state(page);
    const i0 = cues.findIndex((c) => c.el === start.marked[0]);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('ArrowRight');
    const next = await state(page);
    expect(next.marked).toEqual([cues.find((c, i) => i > i0 && c.el !== cues[i0]!.el)!.el]);
    await page.keyboard.press('ArrowLeft');
    expect((await state(page)).marked).toEqual([cues[i0]!.el]);
    // Space plays, space pauses.
    await page.keyboard.press('Space');
    await page.waitForFunction(() => !(document.getElementById('rd-audio') as HTMLAudioElement).paused);
    await page.keyboard.press('Space');
    await page.waitForFunction(() => (document.getElementById('rd-audio') as HTMLAudioElement).paused);
    // The marked sentence is the one sentence in the tab order; Enter on another plays it.
    const tabbable = await page.evaluate(() => [...document.querySelectorAll('[data-rd]')].filter((e) => (e as HTMLElement).tabIndex === 0).map((e) => e.id));
    expect(tabbable).toEqual((await state(page)).marked);
    const k = cues.findIndex((c, i) => i > 30 && c.el === c.id);
    await page.focus(`[id="${cues[k]!.el}"]`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !(document.getElementById('rd-audio') as HTMLAudioElement).paused);
    const s = await state(page);
    expect(s.marked).toEqual([cues[k]!.el]);
    expect(s.t).toBeGreaterThanOrEqual(cues[k]!.start);
    // Down arrow on a sentence moves the focus to the next one.
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(cues.find((c, i) => i > k && c.el !== cues[k]!.el)!.el);
    await page.evaluate(() => (document.getElementById('rd-audio') as HTMLAudioElement).pause());
  });

  it('has one tab stop in the text: the current sentence, after the skip link and the player', async () => {
    const fresh = await open(folder);
    try {
      const stops: string[] = [];
      for (let i = 0; i < 30; i++) {
        await fresh.page.keyboard.press('Tab');
        stops.push(await fresh.page.evaluate(() => {
          const e = document.activeElement!;
          return e.hasAttribute('data-rd') ? `sentence:${e.id}` : `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + e.className : ''}`;
        }));
      }
      // The audio element's own controls (play, time, mute, menu) are stops inside it: count it once.
      const distinct = stops.filter((s, i) => s !== stops[i - 1]);
      expect(distinct[0]).toBe('a.skip');
      expect(distinct.slice(1, 7)).toEqual(['audio#rd-audio', 'button#rd-prev', 'button#rd-play', 'button#rd-next', 'select#rd-speed', 'input#rd-follow']);
      expect(stops.filter((s) => s.startsWith('sentence:'))).toEqual([`sentence:${cues[0]!.el}`]);
    } finally {
      await fresh.context.close();
    }
  });

  it('changes speed, and remembers the position and speed across a reload', async () => {
    const { page } = o;
    await page.selectOption('#rd-speed', '1.5');
    expect(await page.evaluate(() => (document.getElementById('rd-audio') as HTMLAudioElement).playbackRate)).toBe(1.5);
    await page.evaluate(() => {
      const a = document.getElementById('rd-audio') as HTMLAudioElement;
      a.currentTime = 123.4;
      a.play();
    });
    await page.waitForTimeout(200);
    await page.evaluate(() => (document.getElementById('rd-audio') as HTMLAudioElement).pause());
    const was = (await state(page)).t;
    await page.reload();
    await page.waitForFunction(() => (document.getElementById('rd-audio') as HTMLAudioElement).currentTime > 1);
    const now = await page.evaluate(() => {
      const a = document.getElementById('rd-audio') as HTMLAudioElement;
      return { t: a.currentTime, rate: a.playbackRate, speed: (document.getElementById('rd-speed') as HTMLSelectElement).value };
    });
    expect(Math.abs(now.t - was)).toBeLessThan(0.1);
    expect(now.rate).toBe(1.5);
    expect(now.speed).toBe('1.5');
    await expectMarkedInTime('after a reload');
    await page.selectOption('#rd-speed', '1');
  });

  it('follows the sentence when it leaves the screen', async () => {
    const { page } = o;
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(300);
    const far = cues.length - 3;
    await page.evaluate(async (t) => {
      const a = document.getElementById('rd-audio') as HTMLAudioElement;
      a.currentTime = t;
      await a.play();
    }, cues[far]!.start + 0.01);
    await page.waitForTimeout(1500);
    const visible = await page.evaluate(() => {
      const el = document.querySelector('.rd-reading')!;
      const r = el.getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight;
    });
    await page.evaluate(() => (document.getElementById('rd-audio') as HTMLAudioElement).pause());
    expect(visible).toBe(true);
  });

  it('lists the chapters and the figures, and a chapter plays from its start', async () => {
    const { page } = o;
    const entries = await page.evaluate(() => [...document.querySelectorAll('#rd-chapters li')].map((li) => ({ figure: li.classList.contains('figure'), title: li.querySelector('.title')!.textContent!, start: Number(li.querySelector('button')!.dataset['start']) })));
    expect(entries.filter((e) => !e.figure).map((e) => e.title)).toEqual(['Harbour town bets on the tide to keep its lights on through winter', 'Article', 'A predictable sea', 'What residents get', 'Lessons for other towns', 'Copyright']);
    expect(entries.filter((e) => e.figure).map((e) => e.title)).toEqual(['Figure: Turbines are lowered into place beneath the breakwater in September.', 'Figure: Margaret Otieno checks the tide table outside the harbour office.']);
    // Each figure's mark is where its first cue begins.
    for (const f of entries.filter((e) => e.figure)) expect(cues.some((c) => Math.abs(c.start - f.start) < 0.001)).toBe(true);
    const section = entries.find((e) => e.title === 'A predictable sea')!;
    await page.evaluate(() => (document.querySelector('details.chapters') as HTMLDetailsElement).open = true);
    await page.click('#rd-chapters li:nth-child(4) button');
    await page.waitForFunction(() => !(document.getElementById('rd-audio') as HTMLAudioElement).seeking);
    const s = await state(page);
    await page.evaluate(() => (document.getElementById('rd-audio') as HTMLAudioElement).pause());
    expect(s.t).toBeGreaterThanOrEqual(section.start);
    expect(s.t).toBeLessThan(section.start + 0.5);
    expect(await page.evaluate(() => document.querySelector('#rd-chapters [aria-current="true"] .title')?.textContent)).toBe('A predictable sea');
  });

  it('labels the player, and does not announce the mark: no live region, the mark is a class', async () => {
    const { page } = o;
    const facts = await page.evaluate(() => ({
      region: document.getElementById('rd-player')?.getAttribute('aria-label'),
      audio: document.getElementById('rd-audio')?.getAttribute('aria-label'),
      live: document.querySelectorAll('[aria-live], [role="status"], [role="alert"], [role="log"]').length,
      markedAttrs: [...document.querySelector('.rd-reading')!.attributes].map((a) => a.name).sort(),
    }));
    expect(facts.region).toBe('Listen');
    expect(facts.audio).toMatch(/^Narration of /);
    expect(facts.live).toBe(0);
    expect(facts.markedAttrs).toEqual(['class', 'data-rd', 'id', 'tabindex']);
  });

  it('has a content security policy that stops the page loading anything from outside', async () => {
    const fresh = await open(folder);
    try {
      await fresh.page.evaluate(async () => {
        const img = document.createElement('img');
        img.src = 'https://example.org/pixel.png';
        img.alt = '';
        document.body.append(img);
        await fetch('https://example.org/').catch(() => undefined);
      });
      await fresh.page.waitForTimeout(300);
      // Refused by the page itself, before any request reached the network layer.
      expect(fresh.outside).toEqual([]);
      expect(fresh.errors.filter((e) => /Content Security Policy/.test(e)).length).toBeGreaterThanOrEqual(2);
    } finally {
      await fresh.context.close();
    }
  });

  it('made no request outside its folder and logged no error', () => {
    expect(o.outside).toEqual([]);
    expect(o.requests.length).toBeGreaterThan(3);
    expect(o.errors).toEqual([]);
  });
});

describe.skipIf(!hasChromium)('in Chromium: accessibility, schemes and screenshots', { timeout: 60_000 }, () => {
  const axeSource = () => readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  const cases = [
    { name: 'phone-light', dir: () => folder, viewport: { width: 390, height: 844 }, colorScheme: 'light' as const },
    { name: 'phone-dark', dir: () => folder, viewport: { width: 390, height: 844 }, colorScheme: 'dark' as const },
    { name: 'desktop-light', dir: () => folder, viewport: { width: 1280, height: 900 }, colorScheme: 'light' as const },
    { name: 'desktop-dark', dir: () => folder, viewport: { width: 1280, height: 900 }, colorScheme: 'dark' as const },
    { name: 'digest-phone', dir: () => digestFolder, viewport: { width: 390, height: 844 }, colorScheme: 'light' as const },
    { name: 'digest-desktop', dir: () => digestFolder, viewport: { width: 1280, height: 900 }, colorScheme: 'dark' as const },
  ];
  for (const c of cases) {
    it(`${c.name}: 0 axe-core violations, no error, no request outside, a screenshot`, async () => {
      const o = await open(c.dir(), c.viewport, { colorScheme: c.colorScheme });
      try {
        const { page } = o;
        // Mid-narration, with a sentence marked and the chapters open: the page as it is used.
        await page.evaluate(() => {
          (document.querySelector('details.chapters') as HTMLDetailsElement).open = true;
          (document.getElementById('rd-audio') as HTMLAudioElement).currentTime = 24;
        });
        await page.waitForFunction(() => !(document.getElementById('rd-audio') as HTMLAudioElement).seeking);
        // Injected through the debugging protocol: the page's own policy allows no other script.
        await page.evaluate(axeSource());
        const violations = await page.evaluate(async () => {
          const result = await (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document);
          return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        });
        expect(violations).toEqual([]);
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        expect(bg).toBe(c.colorScheme === 'dark' ? 'rgb(21, 23, 26)' : 'rgb(253, 252, 249)');
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: path.join(SHOTS, `${c.name}.png`) });
        await page.screenshot({ path: path.join(SHOTS, `${c.name}-full.png`), fullPage: true });
        expect(o.outside).toEqual([]);
        expect(o.errors).toEqual([]);
      } finally {
        await o.context.close();
      }
    }, 120_000);
  }

  it('honours prefers-reduced-motion: no smooth scrolling, no transitions', async () => {
    for (const reducedMotion of ['reduce', 'no-preference'] as const) {
      const o = await open(folder, { width: 1280, height: 900 }, { reducedMotion });
      const s = await o.page.evaluate(() => ({ scroll: getComputedStyle(document.documentElement).scrollBehavior, transition: getComputedStyle(document.querySelector('.rd-reading')!).transitionDuration }));
      await o.context.close();
      expect(s).toEqual(reducedMotion === 'reduce' ? { scroll: 'auto', transition: '0s' } : { scroll: 'smooth', transition: '0.15s' });
    }
  });

  it('the digest page has one main, a section per article and a chapter per article', async () => {
    const o = await open(digestFolder);
    const facts = await o.page.evaluate(() => ({
      mains: document.querySelectorAll('main').length,
      sections: [...document.querySelectorAll('main > section.digest-article')].map((s) => s.querySelector('h2')?.textContent),
      chapters: [...document.querySelectorAll('#rd-chapters li:not(.figure) .title')].map((e) => e.textContent),
      ids: (() => {
        const all = [...document.querySelectorAll('[id]')].map((e) => e.id);
        return all.length - new Set(all).size;
      })(),
    }));
    await o.context.close();
    expect(facts.mains).toBe(1);
    expect(facts.sections).toHaveLength(3);
    expect(facts.chapters).toEqual(facts.sections);
    expect(facts.ids).toBe(0);
    expect(o.errors).toEqual([]);
  });
});

describe.skipIf(!hasChromium || !hasSeed)('the seed article in Chromium', () => {
  it('has the overlays\' timeline, no axe-core violation, no error and no request outside its folder', async () => {
    const dir = tmpDir();
    const r = lectern(['build', SEED, '-o', dir, '--cache-dir', cache, '-s', 'web,epub,read-aloud']);
    expect(r.status, r.stderr).toBe(0);
    const web = path.join(dir, 'ft-iran-backchannels.web');
    // Its figures have no image files: the page keeps their captions and credits, like the book.
    expect(listFiles(web)).toEqual(['cover.jpg', 'index.html', 'narration.mp3', 'transcript.vtt']);
    const zip = await JSZip.loadAsync(readFileSync(path.join(dir, 'ft-iran-backchannels.epub')));
    const smil = await zip.file('OEBPS/article.smil')!.async('string');
    const fragments = [...smil.matchAll(/<text src="article\.xhtml#([^"]+)"\/>/g)].map((m) => m[1]);
    const o = await open(web, { width: 390, height: 844 });
    try {
      const { page } = o;
      expect(await page.evaluate(() => (JSON.parse(document.getElementById('rd-data')!.textContent!) as { cues: { el: string }[] }).cues.map((c) => c.el))).toEqual(fragments);
      expect(await page.evaluate((ids) => ids.filter((id) => !document.getElementById(id!)).length, fragments)).toBe(0);
      expect(await page.evaluate(() => document.querySelectorAll('figure figcaption .credit').length)).toBe(2);
      expect(await page.evaluate(() => document.querySelectorAll('aside[role="doc-pullquote"]').length)).toBe(1);
      await page.evaluate(readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8'));
      const violations = await page.evaluate(async () => {
        const result = await (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: { id: string }[] }> } }).axe.run(document);
        return result.violations.map((v) => v.id);
      });
      expect(violations).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, 'seed-phone.png') });
      expect(o.outside).toEqual([]);
      expect(o.errors).toEqual([]);
    } finally {
      await o.context.close();
    }
  }, 600_000);
});

describe('lectern preview', () => {
  it('serves the web edition on 127.0.0.1, only files inside its folder, and stops on Ctrl-C with exit 130', async () => {
    const child = spawn(process.execPath, [CLI, 'preview', SAMPLE, '-o', out, '--cache-dir', cache], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const deadline = Date.now() + 120_000;
      while (!/http:\/\/127\.0\.0\.1:\d+\//.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const url = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout)![0];
      // Already built: nothing is built again.
      expect(stderr).toMatch(/is up to date/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toBe(readFileSync(path.join(folder, 'index.html'), 'utf8'));
      const part = await fetch(url + 'narration.mp3', { headers: { Range: 'bytes=100-199' } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(readFileSync(path.join(folder, 'narration.mp3')).subarray(100, 200));
      // Outside the folder: the EPUB beside it, and the system's files.
      for (const p of ['..%2farticle.epub', '%2e%2e%2farticle.epub', 'images/..%2f..%2farticle.epub', '..%5carticle.epub']) {
        const r = await fetch(url + p);
        expect([403, 404], p).toContain(r.status);
        expect(r.status, p).not.toBe(200);
      }
      expect((await fetch(url + 'index.html', { method: 'POST' })).status).toBe(405);
      // Bound to the loopback address only.
      const port = Number(new URL(url).port);
      const other = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
      if (other) await expect(fetch(`http://${other.address}:${port}/`)).rejects.toThrow();
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/preview stopped \(SIGINT\)/);
  }, 180_000);

  it('builds the web edition when it is missing', async () => {
    const fresh = tmpDir();
    const child = spawn(process.execPath, [CLI, 'preview', SAMPLE, '-o', fresh, '--cache-dir', cache, '-q'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 180_000;
    while (!/http:\/\/127\.0\.0\.1:\d+\//.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout)?.[0];
    const status = url ? (await fetch(url + 'transcript.vtt')).status : 0;
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(status).toBe(200);
    expect(listFiles(path.join(fresh, 'article.web'))).toContain('index.html');
  }, 240_000);

  it('the server refuses a symbolic link that leads out of the folder', async () => {
    const dir = tmpDir();
    const root = path.join(dir, 'site');
    mkdirSync(root);
    writeFileSync(path.join(root, 'index.html'), '<!DOCTYPE html><title>x</title>');
    writeFileSync(path.join(dir, 'secret.txt'), 'not for the browser');
    symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'secret.txt'));
    const served = await serveFolder(root);
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect((await fetch(served.url)).status).toBe(200);
      expect((await fetch(served.url + 'secret.txt')).status).toBe(403);
      expect((await fetch(served.url + 'missing.txt')).status).toBe(404);
    } finally {
      await served.close();
    }
  });
});
