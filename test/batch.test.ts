import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandInputs } from '../src/inputs.js';
import { lectern, listFiles, tmpDir } from './helpers.js';

const article = (headline: string, body = 'Body text.') => `---\nheadline: ${headline}\n---\n\n${body}\n`;

/** A folder of articles: two good ones (one with a warning), a broken one, and things that are not articles. */
function batchFolder(): string {
  const dir = tmpDir();
  const files: Record<string, string> = {
    'batch/a-good.md': article('First', 'Text.\n\n![](missing.png)\nA harbour at dusk.'),
    'batch/b-broken.md': '---\nheadline: "unclosed\n---\n\nBody.\n',
    'batch/c-good.json': JSON.stringify({ headline: 'Second', blocks: [{ type: 'paragraph', children: 'Hello.' }] }),
    'batch/notes.txt': 'not an article',
    'batch/sub/deep.md': article('Deep'),
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('lectern build on many articles', () => {
  it('builds the good articles of a folder past a broken one, sums up and exits 1', () => {
    const dir = batchFolder();
    const r = lectern(['build', 'batch', '-o', 'out', '-s', 'json'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(listFiles(path.join(dir, 'out'))).toEqual(['a-good.json', 'c-good.json']);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain('batch/a-good.md:7:1: warning: figure has no alt text; derived it from the caption');
    expect(lines.some((l) => /^batch\/b-broken\.md:\d+:1: error: malformed front matter: /.test(l))).toBe(true);
    expect(lines.at(-1)).toBe('built 2, failed 1 (batch/b-broken.md), warnings 1');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 0 when every article builds', () => {
    const dir = batchFolder();
    const r = lectern(['build', 'batch/a-good.md', 'batch/c-good.json', '-o', 'out', '-s', 'json', '-q'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('follows a glob into subfolders when it says so', () => {
    const dir = batchFolder();
    const r = lectern(['build', 'batch/**/*.md', '-o', 'out', '-s', 'json', '--json'], { cwd: dir });
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { built: number; failed: number; articles: { file: string; ok: boolean }[] };
    expect(report.articles.map((a) => [a.file, a.ok])).toEqual([
      ['batch/a-good.md', true],
      ['batch/b-broken.md', false],
      ['batch/sub/deep.md', true],
    ]);
    expect(listFiles(path.join(dir, 'out'))).toEqual(['a-good.json', 'deep.json']);
  });

  it('reports a pattern that matches nothing and an empty folder, and builds the rest', () => {
    const dir = batchFolder();
    mkdirSync(path.join(dir, 'empty'));
    const r = lectern(['build', 'nothing/*.md', 'empty', 'batch/c-good.json', '-o', 'out', '-s', 'json'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('nothing/*.md: error: no files match this pattern\n');
    expect(r.stderr).toContain('empty: error: is a folder with no article files (.md, .markdown, .json, .html, .htm)\n');
    expect(r.stderr.trim().split('\n').at(-1)).toBe('built 1, failed 2 (nothing/*.md, empty), warnings 0');
    expect(listFiles(path.join(dir, 'out'))).toEqual(['c-good.json']);
  });

  it('refuses to let two articles with one name overwrite each other', () => {
    const dir = tmpDir();
    for (const sub of ['x', 'y']) {
      mkdirSync(path.join(dir, sub));
      writeFileSync(path.join(dir, sub, 'story.md'), article(`Story ${sub}`));
    }
    const r = lectern(['build', 'x/story.md', 'y/story.md', '-o', 'out', '-s', 'json'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('y/story.md: error: its outputs would overwrite those of x/story.md (both are named "story"); build it into another --out folder\n');
    expect(listFiles(path.join(dir, 'out'))).toEqual(['story.json']);
  });
});

describe('expandInputs', () => {
  it('keeps the order of the arguments, sorts within folders and globs, lists no file twice', async () => {
    const dir = batchFolder();
    const got = await expandInputs(['batch/c-good.json', 'batch', 'batch/*.json', 'missing.md', 'batch/[a]-good.md'], dir);
    expect(got.map((g) => [g.file, g.error?.code])).toEqual([
      ['batch/c-good.json', undefined],
      ['batch/a-good.md', undefined],
      ['batch/b-broken.md', undefined],
      // A name that is not a file, folder or pattern is kept: reading it reports it missing.
      ['missing.md', undefined],
    ]);
  });
});
