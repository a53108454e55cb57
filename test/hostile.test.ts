/**
 * The second round of hostile inputs and faults (docs/reliability.md, "Second round"):
 * forged diagnostics, outputs that would replace inputs, temporary names, usage mistakes,
 * ids that collide, hidden page text; each test failed before the fix it covers.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { lectern, listFiles, SAMPLE, tmpDir } from './helpers.js';
import { epubcheck, hasEpubcheck } from './validators.js';

function write(dir: string, name: string, data: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return file;
}

/** stderr lines, without the "wrote" lines. */
const messages = (stderr: string) => stderr.split('\n').filter((l) => l && !l.startsWith('wrote '));
/** Nothing that a terminal would act on: no ESC, BEL or other control character but the newline ending a line. */
const TERMINAL_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

const PARAGRAPHS = 'Some paragraph text that is long enough to be the body of an article, for the reader to keep it.';

describe('diagnostics cannot be forged', () => {
  it('a front matter key with a newline and an escape sequence is quoted on one line, escaped', () => {
    const dir = tmpDir();
    const file = write(dir, 'fm.md', '---\nheadline: Hi\n"evil\\nfake.md:1:1: error: \\e[31mINJECTED\\e[0m": 1\n---\n\nBody text.\n');
    const r = lectern(['inspect', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(TERMINAL_CONTROL);
    expect(messages(r.stderr)).toEqual([`${file}:1:1: error: front matter: unknown field "evil\\nfake.md:1:1: error: \\x1b[31mINJECTED\\x1b[0m"`]);
  });

  it('a JSON key that would set the terminal title is escaped', () => {
    const dir = tmpDir();
    const file = write(dir, 'j.json', '{"headline":"Hi","blocks":[],"\\u001b]0;PWNED\\u0007":1}');
    const r = lectern(['build', file, '-o', path.join(dir, 'out'), '-s', 'json']);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(TERMINAL_CONTROL);
    expect(messages(r.stderr)).toEqual([`${file}: error: unknown field "\\x1b]0;PWNED\\x07"`]);
  });

  it('an image path with a character reference for a newline stays on its line', () => {
    const dir = tmpDir();
    const file = write(
      dir,
      'p.html',
      `<html><head><title>T</title></head><body><article><h1>Headline here</h1><p>${PARAGRAPHS}</p><figure><img src="nothere&#10;fake.html:9:9: error: forged.jpg" alt="a"><figcaption>cap</figcaption></figure><p>${PARAGRAPHS}</p></article></body></html>`,
    );
    const r = lectern(['build', file, '-o', path.join(dir, 'out'), '-s', 'epub']);
    expect(r.status, r.stderr).toBe(0);
    const lines = messages(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${file.replace(/[.\\/]/g, '\\$&')}:\\d+:\\d+: warning: image nothere\\\\nfake\\.html:9:9: error: forged\\.jpg not found`));
  });

  it('a YAML tag the parser does not know is a warning of the article, not a Node process warning', () => {
    const dir = tmpDir();
    const file = write(dir, 'y.md', '---\nheadline: !custom x\n---\n\nBody text.\n');
    const r = lectern(['inspect', file]);
    expect(r.status).toBe(0);
    expect(messages(r.stderr)).toEqual([`${file}:2:11: warning: front matter: Unresolved tag: !custom`]);
    expect(r.stderr).not.toMatch(/YAMLWarning|trace-warnings/);
  });

  it('a published date that has the shape of a date but is none (2024-02-30) is a warning, like any other', () => {
    const dir = tmpDir();
    for (const date of ['2024-02-30', 'not a date', '2023-13-01T10:00:00Z']) {
      const file = write(dir, 'd.html', `<html><head><title>T</title><meta property="article:published_time" content="${date}"></head><body><article><h1>Headline here</h1><p>${PARAGRAPHS}</p><p>${PARAGRAPHS}</p></article></body></html>`);
      const r = lectern(['inspect', file, '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect(messages(r.stderr)).toEqual([`${file}: warning: ignored the published date "${date}", which is not a date`]);
      expect(JSON.parse(r.stdout).byline.published).toBeUndefined();
    }
  });

  it("a JSON article's diagnostics point at the JSON file's own lines, not at positions written in it", () => {
    const dir = tmpDir();
    const file = write(
      dir,
      'j.json',
      '{"headline": "Hi", "blocks": [\n  {"type": "paragraph", "children": "x", "position": {"line": 90, "column": 1}},\n\n  {"type": "figure", "image": "gone.jpg", "caption": "c", "alt": "a", "position": {"line": 48, "column": 1}}\n]}\n',
    );
    const r = lectern(['build', file, '-o', path.join(dir, 'out'), '-s', 'epub']);
    expect(r.status, r.stderr).toBe(0);
    expect(messages(r.stderr)).toEqual([`${file}:4:3: warning: image gone.jpg not found; the figure keeps its caption and credit without the image`]);
  });
});

describe('outputs and names', () => {
  it('never replaces an input: -o . -s json,epub beside story.json fails and leaves it as it was', () => {
    const dir = tmpDir();
    const text = '{"headline": "Hi", "blocks": [{"type": "paragraph", "children": "Words."}]}';
    write(dir, 'story.json', text);
    const r = lectern(['build', 'story.json', '-o', '.', '-s', 'json,epub'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(messages(r.stderr)).toEqual(['story.json: error: json: story.json would replace the input file story.json; build into another --out folder']);
    expect(readFileSync(path.join(dir, 'story.json'), 'utf8')).toBe(text);
    expect(readdirSync(dir)).toEqual(['story.json']);
  });

  it('a stale folder named like a temporary file does not fail the build; an old one is swept', () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const fresh = path.join(out, '.lectern-tmp-999999-deadbeef-x');
    mkdirSync(path.join(fresh, 'inner'), { recursive: true });
    const r = lectern(['build', SAMPLE, '-o', out, '-s', 'json']);
    expect(r.status, r.stderr).toBe(0);
    // Fresh: it may belong to a build in another container sharing the folder; left alone.
    expect(readdirSync(out).sort()).toEqual(['.lectern-tmp-999999-deadbeef-x', 'article.json']);
    const old = new Date(Date.now() - 3600_000);
    utimesSync(fresh, old, old);
    expect(lectern(['build', SAMPLE, '-o', out, '-s', 'json']).status).toBe(0);
    expect(readdirSync(out)).toEqual(['article.json']);
  });

  it('a 245-character file name (legal) builds: temporary names never grow with the output name', () => {
    const dir = tmpDir();
    const name = `${'n'.repeat(242)}.md`;
    expect(name).toHaveLength(245);
    cpSync(SAMPLE, path.join(dir, name));
    cpSync(path.join(path.dirname(SAMPLE), 'images'), path.join(dir, 'images'), { recursive: true });
    const r = lectern(['build', name, '-o', 'out', '-s', 'json,epub'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(listFiles(path.join(dir, 'out'))).toEqual([`${'n'.repeat(242)}.epub`, `${'n'.repeat(242)}.json`]);
  });

  it("-o '', --bundle '' and a config's mistyped out are usage errors, even when -o is given", () => {
    const dir = tmpDir();
    const empty = lectern(['build', SAMPLE, '-o', '', '-s', 'json'], { cwd: dir });
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/^error: option '-o, --out <dir>' argument '' is invalid\. expected a folder, got an empty value/);
    const bundle = lectern(['build', SAMPLE, '--bundle', '', '-s', 'json', '-o', 'out'], { cwd: dir });
    expect(bundle.status).toBe(2);
    expect(bundle.stderr).toMatch(/argument '' is invalid\. expected a title/);
    for (const [config, error] of [
      ['{"out": 42}', 'out: expected a string'],
      ['{"out": ""}', 'out: expected a non-empty path'],
      ['{"bundle": ""}', 'bundle: expected a non-empty string'],
    ]) {
      write(dir, 'lectern.config.json', config!);
      const r = lectern(['build', SAMPLE, '-o', 'out', '-s', 'json'], { cwd: dir });
      expect(r.status, r.stderr).toBe(2);
      expect(messages(r.stderr)).toEqual([`lectern: lectern.config.json: error: ${error}`]);
    }
    expect(readdirSync(dir)).toEqual(['lectern.config.json']);
  });

  it("an id lectern gives a repeated paragraph is never one the author gave another block (no duplicate ids)", async () => {
    const dir = tmpDir();
    const probe = write(dir, 'probe.json', JSON.stringify({ headline: 'Hi', blocks: [{ type: 'paragraph', children: 'Same words.' }, { type: 'paragraph', children: 'Same words.' }] }));
    const ids = JSON.parse(lectern(['inspect', probe, '--json']).stdout).blocks.map((b: { id: string }) => b.id);
    expect(ids[1]).toBe(`${ids[0]}-2`);
    const file = write(
      dir,
      'dup.json',
      JSON.stringify({ headline: 'Hi', blocks: [{ type: 'paragraph', children: 'Same words.' }, { type: 'paragraph', children: 'Same words.' }, { type: 'paragraph', id: ids[1], children: 'Other words.' }] }),
    );
    const r = lectern(['build', file, '-o', path.join(dir, 'out'), '-s', 'epub,json']);
    expect(r.status, r.stderr).toBe(0);
    const model = JSON.parse(readFileSync(path.join(dir, 'out/dup.json'), 'utf8'));
    const got = model.blocks.map((b: { id: string }) => b.id);
    expect(new Set(got).size).toBe(3);
    expect(got[2]).toBe(ids[1]);
    const zip = await JSZip.loadAsync(readFileSync(path.join(dir, 'out/dup.epub')));
    const xhtml = await Promise.all(Object.keys(zip.files).filter((n) => n.endsWith('.xhtml')).map((n) => zip.file(n)!.async('string')));
    const all = xhtml.flatMap((x) => [...x.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]));
    expect(all.length).toBe(new Set(all).size);
    if (hasEpubcheck) expect(epubcheck(path.join(dir, 'out/dup.epub')).messages).toEqual([]);
  }, 120_000);

  it('text of <script> and <style> inside a kicker, <h1> or quotation footer of a saved page is neither shown nor spoken', () => {
    const dir = tmpDir();
    const file = write(
      dir,
      'sc.html',
      `<html><head><title>T</title></head><body><article><header><div class="kicker">World<style>.k{color:red}</style></div><h1>Headline.<style>h1{color:red}</style> here<script>track('h1')</script></h1></header><p>${PARAGRAPHS}</p><blockquote><p>A quote that someone said.</p><footer>Someone<script>x()</script></footer></blockquote><p>${PARAGRAPHS}</p></article></body></html>`,
    );
    const model = lectern(['inspect', file, '--json']);
    expect(model.status, model.stderr).toBe(0);
    const article = JSON.parse(model.stdout);
    expect(article.headline).toBe('Headline. here');
    expect(article.kicker).toBe('World');
    const speech = lectern(['inspect', file, '--speech']).stdout;
    expect(speech).not.toMatch(/color|track|x\(\)/);
    expect(JSON.stringify(article)).not.toMatch(/color|track|x\(\)/);
  });
});
