import { spawn } from 'node:child_process';
import http from 'node:http';
import { cpSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, lectern, listFiles, ROOT, SAMPLE, tmpDir } from './helpers.js';

const ARTICLE = (para: string) => `---
lang: en-GB
headline: The harbour keeps its lights on
byline:
  authors: [A Reporter]
  published: 2025-11-01
---

The council switched on the tidal turbines on Tuesday morning.

${para}

## What comes next

The next test is the winter storms, which arrive in December.
`;

describe('lectern watch', () => {
  it('builds, rebuilds on save (reusing what did not change), reports a bad edit and keeps watching, and stops on Ctrl-C with 130', async () => {
    const dir = tmpDir('lectern-watch-');
    const file = path.join(dir, 'story.md');
    const out = path.join(dir, 'out');
    writeFileSync(file, ARTICLE('Engineers said the first week went to plan.'));
    const { child, until, exited, output } = startWatch([file, '-o', out, '--cache-dir', path.join(dir, 'cache'), '-s', 'speech,narration,audio,transcript']);
    try {
      await until(/^built in [\d.]+ s \(CPU [\d.]+ s\); watching 1 file/m);
      const mp3 = path.join(out, 'story.mp3');
      expect(existsSync(mp3)).toBe(true);
      expect(readFileSync(path.join(out, 'story.speech.txt'), 'utf8')).toContain('first week went to plan');

      // A one-paragraph edit: the new words are in the outputs.
      const rebuilt = until(/^rebuilt in [\d.]+ s/m);
      writeFileSync(file, ARTICLE('Engineers said the second week went even better than planned.'));
      await rebuilt;
      expect(readFileSync(path.join(out, 'story.speech.txt'), 'utf8')).toContain('second week went even better');
      expect(readFileSync(path.join(out, 'story.vtt'), 'utf8')).toContain('second week went even better');
      const good = readFileSync(mp3);

      // A bad edit: its error, no outputs touched, and the watch goes on.
      const failed = until(/build failed \(1 of 1\).*watching/);
      writeFileSync(file, '---\ntitle: [unclosed\n---\n\nHello.\n');
      await failed;
      expect(output().stderr).toMatch(/story\.md:1:1: error: malformed front matter/);
      expect(readFileSync(mp3).equals(good)).toBe(true);

      // Fixed again: rebuilt, and the same bytes as before the bad edit.
      const fixed = until(/^rebuilt in/m);
      writeFileSync(file, ARTICLE('Engineers said the second week went even better than planned.'));
      await fixed;
      expect(readFileSync(mp3).equals(good)).toBe(true);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(130);
    expect(output().stderr).toMatch(/lectern: stopped watching \(SIGINT\)\n$/);
  }, 300_000);

  it('with --preview serves the web edition, and open pages reload after a rebuild', async () => {
    const dir = tmpDir('lectern-watch-');
    const file = path.join(dir, 'story.md');
    writeFileSync(file, ARTICLE('Engineers said the first week went to plan.'));
    const { child, until, exited, output } = startWatch([file, '-o', path.join(dir, 'out'), '--cache-dir', path.join(dir, 'cache'), '-s', 'web', '--preview']);
    try {
      await until(/^built in/m);
      const url = await new Promise<string>((resolve) => {
        const look = () => {
          const m = /serving \S+ at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output().stdout);
          if (m) resolve(m[1]!);
          else setTimeout(look, 100);
        };
        look();
      });
      const page = await (await fetch(url)).text();
      expect(page).toContain('EventSource("/__lectern/reload")');
      expect(page).toContain('first week went to plan');
      // An open page listens for the reload event.
      const events: string[] = [];
      const listening = new Promise<http.IncomingMessage>((resolve) => http.get(`${url}__lectern/reload`, resolve));
      const res = await listening;
      expect(res.headers['content-type']).toBe('text/event-stream');
      res.on('data', (d: Buffer) => events.push(d.toString()));
      const rebuilt = until(/^rebuilt in/m);
      writeFileSync(file, ARTICLE('Engineers said the second week went even better than planned.'));
      await rebuilt;
      for (let i = 0; i < 50 && !events.join('').includes('event: reload'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(events.join('')).toContain('event: reload');
      expect(await (await fetch(url)).text()).toContain('second week went even better');
      res.destroy();
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(130);
  }, 300_000);
});

describe('lectern watch, every output', () => {
  it('rebuilds after one-paragraph edits to the same bytes as a cold build of the edited article, whatever happens to the cache files meanwhile', async () => {
    const { dir, file, original, paragraph, out, cache } = sampleToEdit('lectern-watch-bytes-');
    const { child, until, exited } = startWatch([file, '-o', out, '--cache-dir', cache, '-q']);
    const sameAsCold = (label: string) => {
      const cold = path.join(dir, `cold-${label}`);
      const r = lectern(['build', file, '-o', cold, '--cache-dir', path.join(dir, `cache-${label}`), '-q', '--no-config'], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
      expect(r.status, r.stderr).toBe(0);
      const files = listFiles(cold);
      // The book, the MP3 (tagged), the transcript and the web edition with its own MP3.
      expect(files).toEqual(expect.arrayContaining(['article.epub', 'article.mp3', 'article.vtt', 'article.web/index.html', 'article.web/narration.mp3']));
      expect(listFiles(out)).toEqual(files);
      for (const f of files) expect(readFileSync(path.join(out, f)).equals(readFileSync(path.join(cold, f))), `${label}: ${f}`).toBe(true);
    };
    try {
      await until(/^built in/m);
      for (const [i, sentence] of ['A first sentence was added.', 'A second, longer sentence took its place, and then some more words.'].entries()) {
        const rebuilt = until(/^rebuilt in/m);
        writeFileSync(file, original.replace(paragraph, `${paragraph} ${sentence}`));
        await rebuilt;
        sameAsCold(`edit-${i + 1}`);
        // The segment files damaged behind the watch's back: what it holds was checked when
        // read or made, so the next rebuild is still right (and a new process repairs them).
        if (i === 0) for (const seg of readdirSync(path.join(cache, 'mp3'))) writeFileSync(path.join(cache, 'mp3', seg), 'damaged');
      }
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(130);
    const again = lectern(['build', file, '-o', out, '--cache-dir', cache, '--no-config'], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/cached MP3 segment\(s\) were damaged; encoded them again/);
    sameAsCold('edit-2');
  }, 300_000);
});

describe('lectern watch, started on an article already built', () => {
  it('rebuilds to a cold build\'s bytes after its first build found every clip cached (and readied the threads\' engine and encoder)', async () => {
    const { dir, file, original, paragraph, out, cache } = sampleToEdit('lectern-watch-warm-');
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    expect(lectern(['build', file, '-o', out, '--cache-dir', cache, '-q', '--no-config'], { env }).status).toBe(0);
    const { child, until, exited } = startWatch([file, '-o', out, '--cache-dir', cache, '-q']);
    try {
      await until(/^built in/m);
      const rebuilt = until(/^rebuilt in/m);
      writeFileSync(file, original.replace(paragraph, `${paragraph} A sentence was added after the warm-up.`));
      await rebuilt;
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(130);
    const cold = path.join(dir, 'cold');
    expect(lectern(['build', file, '-o', cold, '--cache-dir', path.join(dir, 'cache-cold'), '-q', '--no-config'], { env }).status).toBe(0);
    const files = listFiles(cold);
    expect(listFiles(out)).toEqual(files);
    for (const f of files) expect(readFileSync(path.join(out, f)).equals(readFileSync(path.join(cold, f))), f).toBe(true);
  }, 300_000);
});

/** A copy of the bundled sample to edit, its first long paragraph, and an output and a cache folder beside it. */
function sampleToEdit(prefix: string) {
  const dir = tmpDir(prefix);
  cpSync(path.dirname(SAMPLE), path.join(dir, 'src'), { recursive: true });
  const file = path.join(dir, 'src', 'article.md');
  const original = readFileSync(file, 'utf8');
  const paragraph = original.split(/\n\n+/).find((p) => p.length > 200 && !/^[#>!*-]/.test(p))!;
  return { dir, file, original, paragraph, out: path.join(dir, 'out'), cache: path.join(dir, 'cache') };
}

function startWatch(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'watch', ...args, '--no-config'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
  });
  let stderr = '';
  let stdout = '';
  const waiters: { re: RegExp; from: number; resolve: () => void }[] = [];
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of waiters.splice(0)) (w.re.test(stderr.slice(w.from)) ? w.resolve : () => waiters.push(w))();
  });
  const until = (re: RegExp) => {
    const from = stderr.length;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${re} in:\n${stderr}`)), 120_000);
      waiters.push({ re, from, resolve: () => (clearTimeout(timer), resolve()) });
    });
  };
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, until, exited, output: () => ({ stdout, stderr }) };
}
