import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseFile } from 'music-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { plainText, type Article } from '../src/article/model.js';
import { hasSeed, lectern, listFiles, ROOT, SAMPLE, SEED, tmpDir } from './helpers.js';
import { decode, ffprobeChapters, hasFestival, hasFfmpeg, headerSeconds, parseVtt } from './audio-tools.js';

const out = tmpDir();
const cache = tmpDir('lectern-cache-');
const inputs = [SAMPLE, ...(hasSeed ? [SEED] : [])];
const base = (input: string) => path.join(out, path.basename(input).replace(/\.md$/, ''));

beforeAll(() => {
  const r = lectern(['build', ...inputs, '-o', out, '-s', 'speech,audio,transcript', '--cache-dir', cache]);
  expect(r.status, r.stderr).toBe(0);
}, 600_000);

describe.each(inputs.map((i) => [path.basename(i), i]))('the narration of %s', (_name, input) => {
  it.skipIf(!hasFfmpeg)('is an MP3 that decodes cleanly to the length its header says', () => {
    const mp3 = `${base(input)}.mp3`;
    const { seconds, errors } = decode(mp3);
    expect(errors).toBe('');
    expect(seconds).toBeGreaterThan(60);
    expect(Math.abs(headerSeconds(mp3) - seconds)).toBeLessThan(0.5);
  });

  it.skipIf(!hasFfmpeg)('has chapters that ffprobe lists, following the article', () => {
    const chapters = ffprobeChapters(`${base(input)}.mp3`);
    const article = JSON.parse(lectern(['inspect', input, '--json']).stdout) as Article;
    const headings = article.blocks.filter((b) => b.type === 'heading').map((h) => plainText(h.type === 'heading' ? h.children : []));
    expect(chapters.map((c) => c.title)).toEqual([article.headline, 'Article', ...headings, 'Copyright']);
    expect(chapters[0]!.start).toBe(0);
    for (let i = 1; i < chapters.length; i++) expect(chapters[i]!.start).toBeCloseTo(chapters[i - 1]!.end, 3);
  });

  it('carries title, artist, album, chapters and the cover, as music-metadata reads them', async () => {
    const meta = await parseFile(`${base(input)}.mp3`, { includeChapters: true });
    const article = JSON.parse(lectern(['inspect', input, '--json']).stdout) as Article;
    expect(meta.common.title).toBe(article.headline);
    expect(meta.common.artist).toBe(article.byline.authors.join(', '));
    expect(meta.common.album).toBe(article.source.publisher);
    expect(meta.common.picture?.[0]?.format).toBe('image/jpeg');
    expect(meta.common.picture![0]!.data.length).toBeGreaterThan(10_000);
    expect(meta.format.chapters?.length).toBeGreaterThanOrEqual(3);
  });

  it.skipIf(!hasFfmpeg)('has a WebVTT transcript whose cues are in order, back to back, cover the audio and show the article’s words', () => {
    const cues = parseVtt(readFileSync(`${base(input)}.vtt`, 'utf8'));
    const { seconds } = decode(`${base(input)}.mp3`);
    expect(cues[0]!.start).toBe(0);
    for (let i = 1; i < cues.length; i++) {
      expect(cues[i]!.start).toBeGreaterThan(cues[i - 1]!.start);
      expect(cues[i]!.start).toBeCloseTo(cues[i - 1]!.end, 3);
    }
    expect(Math.abs(cues.at(-1)!.end - seconds)).toBeLessThan(0.1);
    const article = JSON.parse(lectern(['inspect', input, '--json']).stdout) as Article;
    expect(cues[0]!.text).toBe(article.headline);
    // Every paragraph is the concatenation of its cues, word for word.
    for (const p of article.blocks.filter((b) => b.type === 'paragraph')) {
      const mine = cues.filter((c) => c.id.startsWith(`${p.id}-s`)).map((c) => c.text);
      expect(mine.join(' ').replace(/\s+/g, ' ')).toBe(plainText(p.type === 'paragraph' ? p.children : []).replace(/\s+/g, ' ').trim());
    }
  });
});

describe.skipIf(!hasSeed)('the seed’s narration script', () => {
  const script = () => readFileSync(`${base(SEED)}.speech.txt`, 'utf8');
  it('says "2.3mn" as "two point three million"', () => {
    expect(script()).toContain('home to two point three million people');
    expect(script()).not.toContain('2.3mn');
  });
  it('says "US" as an initialism, never as the word "us"', () => {
    // "U.S": the form eSpeak NG says as letter names; "US's" it spells itself.
    expect(script()).toMatch(/told U\.S it did not want/);
    expect(script()).not.toMatch(/\bUS\b(?!'s)/);
    expect(script()).not.toMatch(/\bus\b(?!'s)/i);
  });
  it('makes the ellipsis a pause and reads no link as symbols; brackets stay for the engine to pause at', () => {
    expect(script()).toContain('the Yemeni army [Iran-backed Houthi movement] … attacks the occupied lands');
    expect(script()).not.toMatch(/[()#]|\. \. \./);
  });
  it('reads the byline, announces each figure once, skips the pull quote and ends with the rights', () => {
    const lines = script().trim().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'Iran told U.S it did not want Israel-Hamas war to escalate',
      'Hossein Amirabdollahian says Tehran has used back channels to convey fears of conflict in Gaza spreading across region',
      'By Najmeh Bozorgmehr, in Geneva',
    ]);
    expect(lines.filter((l) => l.startsWith('Image: '))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('Photo: '))).toEqual(['Photo: Majid Asgaripour, WANA, Reuters.', 'Photo: Wael Hamzeh, E.P.A-E.F.E, Shutterstock.']);
    expect(lines.filter((l) => l.startsWith('It is now the time for a face-to-face'))).toHaveLength(1);
    expect(lines.at(-1)).toBe('All rights reserved.');
    expect(lines.at(-2)).toBe('Copyright The Financial Times Limited twenty twenty three.');
  });
});

describe('lectern inspect --speech', () => {
  it('prints the script exactly as the build writes it, and as JSON with ids, kinds and pauses', () => {
    const r = lectern(['inspect', '--speech', SAMPLE]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(`${base(SAMPLE)}.speech.txt`, 'utf8'));
    const json = JSON.parse(lectern(['inspect', '--speech', '--json', SAMPLE]).stdout) as { id: string; kind: string; pauseAfterMs: number; speech: string }[];
    expect(json[0]).toMatchObject({ id: 'headline', kind: 'headline', pauseAfterMs: 1200 });
    expect(json.map((u) => u.speech).join('\n') + '\n').toBe(r.stdout);
    expect(new Set(json.map((u) => u.kind))).toEqual(new Set(['headline', 'standfirst', 'byline', 'paragraph', 'figure', 'heading', 'rights']));
  });

  it('--explain lists each changed token, the rule that fired and what it produced', () => {
    const r = lectern(['inspect', '--speech', '--explain', SAMPLE]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('six forty two a.m.'));
    expect(lines[at]).toMatch(/^p-[0-9a-f]+-s1: When the tide turned/);
    expect(lines.slice(at + 1, at + 3)).toEqual(['  "6.42am" -> "six forty two a.m."  time:12h (TIME)', '  "4,800" -> "four thousand eight hundred"  cardinal (CARDINAL)']);
    expect(r.stdout).toContain('  "£12.5mn" -> "twelve point five million pound"  money (MONEY)');
    const json = JSON.parse(lectern(['inspect', '--speech', '--explain', '--json', SAMPLE]).stdout) as { id: string; speech: string; changes: { from: string; rule: string; class: string }[] }[];
    expect(json.find((u) => u.speech.includes('six forty two'))!.changes[0]).toEqual({ from: '6.42am', to: 'six forty two a.m.', rule: 'time:12h', class: 'TIME' });
  });

  it('reads pull quotes on request and applies a lexicon', () => {
    const dir = tmpDir();
    const lex = path.join(dir, 'names.json');
    writeFileSync(lex, JSON.stringify({ Porthmellin: 'Porth mellin', Otieno: 'Oh tee eh no' }));
    const r = lectern(['inspect', '--speech', '--read-pullquotes', '--lexicon', lex, SAMPLE]);
    expect(r.stdout).toContain('Pull quote: The tide is the one thing here that turns up on time.');
    expect(r.stdout).toContain('Porth mellin');
    expect(r.stdout).not.toContain('Porthmellin');
    expect(r.stdout).toContain('Margaret Oh tee eh no');
  });
});

describe('rebuilds', () => {
  it('synthesise only the sentences of the paragraph that changed', () => {
    const dir = tmpDir();
    cpSync(path.dirname(SAMPLE), dir, { recursive: true });
    const file = path.join(dir, 'article.md');
    const ownCache = tmpDir('lectern-cache-');
    const build = () => JSON.parse(lectern(['build', file, '-o', path.join(dir, 'out'), '-s', 'audio', '--cache-dir', ownCache, '--json']).stdout).articles[0].narration;
    const first = build();
    expect(first.synthesised).toBe(first.clips);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('Critics are less sure the sums add up.', 'Critics are far less sure that the sums add up. Some call it a folly.'));
    const second = build();
    // The edited paragraph had 2 sentences and now has 3: only the new first and second are made.
    expect(second.synthesised).toBe(2);
    expect(second.cached).toBe(second.clips - 2);
  }, 300_000);
});

describe('engines and voices', () => {
  it('lists voices', () => {
    const r = lectern(['voices', '--engine', 'espeak']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^espeak \(.*version 1\.\d+/);
    expect(r.stdout).toMatch(/\n {2}en-gb +English \(Great Britain\)/);
  });

  it('an unknown engine or voice is a clear usage error listing what there is', () => {
    const e = lectern(['build', SAMPLE, '-o', tmpDir(), '-s', 'audio', '--engine', 'nope']);
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/error: speech: unknown engine "nope" \(available: espeak, say, neural\)/);
    const v = lectern(['build', SAMPLE, '-o', tmpDir(), '-s', 'audio', '--voice', 'klingon', '--cache-dir', cache]);
    expect(v.stderr).toMatch(/error: narration: unknown voice "klingon" for engine espeak \(available: af, am, .*en-gb.*\)/);
    expect(v.stderr).not.toMatch(/\n\s+at /);
  });

  it('picks the voice from the article language', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'fr.md');
    writeFileSync(file, '---\nlang: fr-FR\nheadline: Bonjour\n---\n\nUne phrase.\n');
    const r = lectern(['build', file, '-o', dir, '-s', 'audio', '--cache-dir', cache, '--json']);
    expect(JSON.parse(r.stdout).articles[0].narration.voice).toBe('fr-fr');
  }, 120_000);

  it.skipIf(!hasFestival || !hasFfmpeg)('the say engine on Linux speaks quotes, parentheses and semicolons without interpreting them', () => {
    const dir = tmpDir();
    const canary = path.join(dir, 'CANARY');
    const file = path.join(dir, 'q.md');
    writeFileSync(file, `---\nheadline: He said "stop"; then (quit)\n---\n\nShe typed "); (system "touch ${canary}") (" and (voice.list); then left.\n\nA second paragraph; with (parentheses) and "quotes".\n`);
    const r = lectern(['build', file, '-o', dir, '-s', 'audio', '--engine', 'say', '--audio', 'wav', '--no-cache']);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(canary)).toBe(false);
    const { seconds, errors } = decode(path.join(dir, 'q.wav'));
    expect(errors).toBe('');
    // About 30 words: festival says every one of them.
    expect(seconds).toBeGreaterThan(8);
  }, 120_000);

  it.skipIf(!hasFestival)('an engine failing mid-run gives a clean error, no partial audio, and keeps the clips it made', () => {
    const dir = tmpDir();
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    const counter = path.join(dir, 'calls');
    // A text2wave that works twice, then fails: a real process failing mid-build.
    writeFileSync(path.join(bin, 'text2wave'), `#!/bin/sh\nn=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}\n[ $n -gt 2 ] && { echo "synthesis crashed" >&2; exit 3; }\nexec ${'/usr/bin/text2wave'} "$@"\n`);
    chmodSync(path.join(bin, 'text2wave'), 0o755);
    const ownCache = tmpDir('lectern-cache-');
    const outDir = path.join(dir, 'out');
    const env = { PATH: `${bin}:${process.env['PATH']}` };
    const r = lectern(['build', SAMPLE, '-o', outDir, '-s', 'audio,transcript', '--engine', 'say', '--workers', '1', '--cache-dir', ownCache], { env });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error: narration: festival text2wave failed: synthesis crashed/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(listFiles(outDir)).toEqual([]);
    const clips = readdirSync(ownCache, { recursive: true }).filter((f) => String(f).endsWith('.clip'));
    expect(clips).toHaveLength(2);
    // The clips are intact: a rebuild with a working engine reuses both.
    const again = JSON.parse(lectern(['build', SAMPLE, '-o', outDir, '-s', 'audio', '--engine', 'say', '--cache-dir', ownCache, '--json']).stdout).articles[0].narration;
    expect(again.cached).toBe(2);
    expect(again.synthesised).toBe(again.clips - 2);
  }, 300_000);
});

describe('other formats', () => {
  it.skipIf(!hasFfmpeg)('writes WAV and SRT on request', () => {
    const dir = tmpDir();
    const r = lectern(['build', SAMPLE, '-o', dir, '-s', 'audio,transcript', '--audio', 'wav', '--srt', '--cache-dir', cache]);
    expect(r.status, r.stderr).toBe(0);
    expect(listFiles(dir)).toEqual(['article.speech.txt', 'article.srt', 'article.vtt', 'article.wav']);
    expect(decode(path.join(dir, 'article.wav')).errors).toBe('');
    expect(readFileSync(path.join(dir, 'article.srt'), 'utf8')).toMatch(/^1\n00:00:00,000 --> 00:00:0\d,\d{3}\nHarbour town bets on the tide/);
  }, 120_000);

  it.skipIf(!hasFfmpeg)('writes M4B with chapters when ffmpeg is on PATH', () => {
    const dir = tmpDir();
    const r = lectern(['build', SAMPLE, '-o', dir, '-s', 'audio', '--audio', 'm4b', '--cache-dir', cache]);
    expect(r.status, r.stderr).toBe(0);
    expect(ffprobeChapters(path.join(dir, 'article.m4b')).map((c) => c.title)[0]).toBe('Harbour town bets on the tide to keep its lights on through winter');
  }, 120_000);
});

void copyFileSync;
void ROOT;
