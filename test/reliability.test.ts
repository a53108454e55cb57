/**
 * The rows of docs/reliability.md that no other test covers: each hostile input gives one
 * clear line (`file:line:col: error|warning: message`), the documented exit code, no stack
 * trace and nothing partial written; a build stopped by SIGTERM or SIGINT leaves earlier
 * outputs as they were and resumes its narration from the clips it finished; a damaged
 * cache entry is found and made again; and no child process ever goes through a shell.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { CLI, lectern, listFiles, ROOT, SAMPLE, tmpDir } from './helpers.js';
import { epubcheck, hasEpubcheck } from './validators.js';
import { Diagnostics, LecternError } from '../src/article/diagnostics.js';
import { planStages, runStages } from '../src/pipeline/runner.js';
import { defineStage, type BuildOptions } from '../src/pipeline/stage.js';
import { parseArticle } from '../src/readers/index.js';

function write(dir: string, name: string, data: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return file;
}

/** stderr lines, without the progress and "wrote" lines. */
const messages = (stderr: string) => stderr.split('\n').filter((l) => l && !/^(wrote |read-aloud: )/.test(l));
const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |internal error/);

/** The text of every XHTML document and the package document of an EPUB. */
async function epubTexts(file: string): Promise<Record<string, string>> {
  const zip = await JSZip.loadAsync(readFileSync(file));
  const names = Object.keys(zip.files).filter((n) => /\.(xhtml|opf|smil|ncx)$/.test(n));
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await zip.file(n)!.async('string')] as const)));
}

const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function expectValidEpub(file: string): void {
  if (!hasEpubcheck) return;
  const r = epubcheck(file);
  expect(r.messages).toEqual([]);
}

describe('encodings and line endings', () => {
  const text = '---\nheadline: Café society\n---\n\nThe first line\nof a paragraph.\n\nNaïve ¿ 日本 😀.\n';

  it('UTF-16 with a byte-order mark, either byte order, and UTF-8 with one, read as the same article', () => {
    const dir = tmpDir();
    const le = write(dir, 'le.md', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const be = write(dir, 'be.md', Buffer.from(readFileSync(le)).swap16());
    const utf8 = write(dir, 'utf8.md', text);
    const bom = write(dir, 'bom.md', `\uFEFF${text}`);
    const model = (f: string) => {
      const r = lectern(['inspect', f, '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout);
    };
    expect(model(le)).toEqual(model(utf8));
    expect(model(be)).toEqual(model(utf8));
    expect(model(bom)).toEqual(model(utf8));
    expect(model(le).headline).toBe('Café society');
  });

  it('CRLF (and old Mac CR) line endings read as LF, with the same lines', () => {
    const dir = tmpDir();
    const lf = JSON.parse(lectern(['inspect', write(dir, 'lf.md', text), '--json']).stdout);
    for (const eol of ['\r\n', '\r']) {
      const r = lectern(['inspect', write(dir, `eol${eol.length}.md`, text.replace(/\n/g, eol)), '--json']);
      expect(r.status, r.stderr).toBe(0);
      const model = JSON.parse(r.stdout);
      expect(model).toEqual(lf);
      expect(JSON.stringify(model)).not.toMatch(/\\r/);
    }
    expect(lf.blocks[0].position).toEqual({ line: 5, column: 1 });
    expect(lf.blocks[0].children[0].value).toBe('The first line of a paragraph.');
  });

  it('an unpaired surrogate in UTF-16 becomes U+FFFD, with a warning at its line', () => {
    const dir = tmpDir();
    const units = Buffer.from('---\nheadline: H\n---\n\nBroken X here.\n', 'utf16le');
    const at = units.indexOf(Buffer.from('X', 'utf16le'));
    units.writeUInt16LE(0xd800, at);
    const out = path.join(dir, 'out');
    const r = lectern(['build', write(dir, 'lone.md', Buffer.concat([Buffer.from([0xff, 0xfe]), units])), '-o', out, '-s', 'json']);
    expect(r.status, r.stderr).toBe(0);
    expect(messages(r.stderr)).toEqual([`${dir}/lone.md:5:8: warning: replaced 1 unpaired surrogate (broken UTF-16) with U+FFFD`]);
    expect(JSON.parse(readFileSync(path.join(out, 'lone.json'), 'utf8')).blocks[0].children[0].value).toBe('Broken \uFFFD here.');
  });
});

describe('size limits', () => {
  it('a file over --max-input-bytes fails in one line before it is read; a larger limit lets it through', () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const file = write(dir, 'big.md', `---\nheadline: H\n---\n\n${'word '.repeat(100)}\n`);
    const size = statSync(file).size;
    for (const args of [['build', file, '-o', out, '-s', 'json'], ['inspect', file]]) {
      const r = lectern([...args, '--max-input-bytes', '100']);
      expect(r.status).toBe(1);
      expect(messages(r.stderr)).toEqual([`${file}: error: file is ${size} bytes, over the 100-byte limit (raise it with --max-input-bytes)`]);
      noStackTrace(r.stderr);
    }
    expect(listFiles(out)).toEqual([]);
    expect(lectern(['build', file, '-o', out, '-s', 'json', '--max-input-bytes', String(size)]).status).toBe(0);
    expect(listFiles(out)).toEqual(['big.json']);
  });

  it('--max-input-bytes must be a whole number of bytes (usage error, exit 2)', () => {
    const r = lectern(['build', SAMPLE, '--max-input-bytes', '1.5k']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--max-input-bytes <n>' argument '1\.5k' is invalid\. expected a whole number of bytes/);
  });

  it('a device or pipe that never ends is cut off at the limit, not read forever', () => {
    const r = lectern(['inspect', '/dev/zero', '--max-input-bytes', '4096']);
    expect(r.status).toBe(1);
    expect(messages(r.stderr)).toEqual(['/dev/zero: error: file is more than 4096 bytes, over the 4096-byte limit (raise it with --max-input-bytes)']);
  });
});

describe('big and deeply nested articles', () => {
  it('one 10,000-word paragraph without a full stop builds a valid book, narrated in parts of at most 500 characters', () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const words = ['harbour', 'tide', 'turbine', 'winter', 'lights', 'council', 'a', 'the', 'of', 'and'];
    const body = Array.from({ length: 10_000 }, (_, i) => words[(i * 7 + (i >> 3)) % words.length]).join(' ');
    const file = write(dir, 'long.md', `---\nheadline: One long paragraph\n---\n\n${body}\n`);
    const r = lectern(['build', file, '-o', out, '-s', 'epub,speech']);
    expect(r.status, r.stderr).toBe(0);
    expect(messages(r.stderr)).toEqual([]);
    const script = readFileSync(path.join(out, 'long.speech.txt'), 'utf8').trim().split('\n');
    expect(Math.max(...script.map((l) => l.length))).toBeLessThanOrEqual(500);
    expect(script.slice(1).join(' ').split(/\s+/)).toHaveLength(10_000);
    expectValidEpub(path.join(out, 'long.epub'));
  }, 60_000);

  it('deeply nested Markdown keeps every word, flattens what the model cannot nest, and says so', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const quotes = `${'> '.repeat(2000)}A quotation two thousand deep.`;
    const lists = Array.from({ length: 60 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n');
    const emphasis = `${'*'.repeat(3000)}stressed${'*'.repeat(3000)}`;
    const source = `---\nheadline: Deep\n---\n\n> Outer.\n>\n> > Inner.\n\n${quotes}\n\n${lists}\n\n${emphasis}\n`;
    const file = write(dir, 'deep.md', source);
    const emphasisLine = source.slice(0, source.indexOf('***')).split('\n').length;
    const r = lectern(['build', file, '-o', out, '-s', 'epub,json']);
    expect(r.status, r.stderr).toBe(0);
    noStackTrace(r.stderr);
    expect(messages(r.stderr)).toEqual([
      `${file}:7:3: warning: flattened a block quote nested inside a block quote: lectern's lists and quotations do not nest`,
      `${file}:9:3: warning: flattened a block quote nested inside a block quote: lectern's lists and quotations do not nest`,
      // Lists nest (up to 16 levels); deeper ones join their item's text.
      `${file}:26:31: warning: kept lists nested more than 16 levels deep as text of their item`,
      `${file}:${emphasisLine}:65: warning: kept formatting nested more than 32 levels deep as plain text`,
    ]);
    const model = JSON.parse(readFileSync(path.join(out, 'deep.json'), 'utf8'));
    const text = JSON.stringify(model);
    for (const words of ['Outer.', 'Inner.', 'A quotation two thousand deep.', 'item 0', 'item 59', 'stressed']) expect(text).toContain(words);
    // The list nests as deep as lectern keeps lists (16 levels); deeper items join the text of the 16th.
    let level = model.blocks[2];
    let depth = 1;
    while (level.sublists?.length) [level, depth] = [level.sublists[0], depth + 1];
    expect(model.blocks[2]).toMatchObject({ type: 'list', items: [[{ type: 'text', value: 'item 0' }]] });
    expect(depth).toBe(16);
    expect(JSON.stringify(level.items)).toContain('item 59');
    expectValidEpub(path.join(out, 'deep.epub'));
  }, 60_000);

  it('an HTML page nested thousands of elements deep fails at once, in one line', () => {
    const dir = tmpDir();
    const file = write(dir, 'deep.html', `<!doctype html><html><body><article><h1>T</h1>${'<div>'.repeat(5000)}<p>Text.</p>${'</div>'.repeat(5000)}</article></body></html>`);
    const t0 = performance.now();
    const r = lectern(['build', file, '-o', path.join(dir, 'out'), '-s', 'json']);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(r.status).toBe(1);
    expect(messages(r.stderr)).toEqual([`${file}: error: the page nests elements 5004 levels deep; lectern reads pages nested at most 200 deep`]);
    expect(listFiles(path.join(dir, 'out'))).toEqual([]);
  });

  it('JSON nested thousands of levels deep fails in one line naming the field', () => {
    const dir = tmpDir();
    let inline = '{"type":"text","value":"x"}';
    for (let i = 0; i < 3000; i++) inline = `{"type":"emphasis","children":[${inline}]}`;
    const file = write(dir, 'deep.json', `{"headline":"H","blocks":[{"type":"paragraph","children":[${inline}]}]}`);
    const r = lectern(['inspect', file]);
    expect(r.status).toBe(1);
    expect(messages(r.stderr)).toEqual([`${file}: error: blocks.0.children: nested more than 100 levels deep`]);
  });
});

describe('front matter and image paths', () => {
  it('an unknown front matter field is named in one line (exit 1)', () => {
    const dir = tmpDir();
    const file = write(dir, 'typo.md', '---\nheadline: H\nauthor: Jo Bloggs\n---\n\nBody.\n');
    const r = lectern(['build', file, '-o', path.join(dir, 'out'), '-s', 'json']);
    expect(r.status).toBe(1);
    expect(messages(r.stderr)).toEqual([`${file}:1:1: error: front matter: unknown field "author"`]);
    expect(listFiles(path.join(dir, 'out'))).toEqual([]);
  });

  it('a cover image outside the article folder, directly or through a symlink, fails', () => {
    const dir = tmpDir();
    cpSync(path.join(ROOT, 'assets/sample/images/turbines.jpg'), path.join(dir, '..', `${path.basename(dir)}-cover.jpg`));
    symlinkSync(path.join(dir, '..', `${path.basename(dir)}-cover.jpg`), path.join(dir, 'link.jpg'));
    for (const [name, image, reason] of [
      ['up.md', `../${path.basename(dir)}-cover.jpg`, "is outside the article's folder"],
      ['link.md', 'link.jpg', "is a link to a file outside the article's folder"],
    ]) {
      const file = write(dir, name!, `---\nheadline: H\ncover:\n  image: ${image}\n  alt: A cover\n---\n\nBody.\n`);
      const r = lectern(['build', file, '-o', path.join(dir, 'out'), '-s', 'epub']);
      expect(r.status).toBe(1);
      expect(messages(r.stderr)).toEqual([`${file}: error: cover: image ${image} ${reason}`]);
    }
    expect(listFiles(path.join(dir, 'out'))).toEqual([]);
  });

  it('an image path with a % that is no escape is looked up as written', () => {
    const dir = tmpDir();
    cpSync(path.join(ROOT, 'assets/sample/images/turbines.jpg'), path.join(dir, '100%.jpg'));
    const file = write(dir, 'pct.md', '---\nheadline: H\n---\n\n![Turbines](100%.jpg)\nCaption.\n\n![Gone](gone%zz.jpg)\nCaption.\n');
    const r = lectern(['build', file, '-o', path.join(dir, 'out'), '-s', 'epub']);
    expect(r.status, r.stderr).toBe(0);
    expect(messages(r.stderr)).toEqual([`${file}:8:1: warning: image gone%zz.jpg not found; the figure keeps its caption and credit without the image`]);
  });
});

describe('characters no output can hold', () => {
  it('control characters in Markdown are removed with one warning at the first; the EPUB is valid XML', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const file = write(dir, 'ctl.md', '---\nheadline: "Bell\\a and escape\\e"\nkicker: Tab\tand\u0001\n---\n\nText\u0002 with \u001b[31mANSI\u001b[0m and DEL\u007f and C1\u0085 and \uFFFE.\n');
    const r = lectern(['build', file, '-o', out, '-s', 'epub,speech,json']);
    expect(r.status, r.stderr).toBe(0);
    expect(messages(r.stderr)).toEqual([`${file}:3:16: warning: removed 9 control characters that no output can hold`]);
    const model = JSON.parse(readFileSync(path.join(out, 'ctl.json'), 'utf8'));
    expect([model.headline, model.kicker]).toEqual(['Bell and escape', 'Tab\tand']);
    expect(model.blocks[0].children[0].value).toBe('Text with [31mANSI[0m and DEL and C1 and .');
    for (const [name, xml] of Object.entries(await epubTexts(path.join(out, 'ctl.epub')))) expect(XML_INVALID.test(xml), name).toBe(false);
    expectValidEpub(path.join(out, 'ctl.epub'));
  }, 60_000);

  it('control characters and unpaired surrogates in JSON escapes and HTML character references are cleaned too', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const json = write(dir, 'esc.json', JSON.stringify({ headline: 'Lone \ud800 high', byline: { authors: ['A\u0007 \udc00'] }, blocks: [{ type: 'paragraph', children: 'Pair \ud83d\ude00 kept, lone \ud83d and \u0001 gone.' }] }));
    const html = write(dir, 'page.html', '<!doctype html><html lang="en"><body><article><h1>Page&#1;</h1><p>Text &#xD800; and &#x1F600; and &#xFFFF;.</p></article></body></html>');
    const r = lectern(['build', json, html, '-o', out, '-s', 'epub,json']);
    expect(r.status, r.stderr).toBe(0);
    expect(messages(r.stderr)).toEqual([
      `${json}: warning: removed 2 control characters that no output can hold`,
      `${json}: warning: replaced 3 unpaired surrogates (broken UTF-16) with U+FFFD`,
      expect.stringMatching(new RegExp(`^${html}(:\\d+:\\d+)?: warning: removed 2 control characters that no output can hold$`)),
      'built 2, failed 0, warnings 3',
    ]);
    const model = JSON.parse(readFileSync(path.join(out, 'esc.json'), 'utf8'));
    expect(model.headline).toBe('Lone \uFFFD high');
    expect(model.blocks[0].children[0].value).toBe('Pair 😀 kept, lone \uFFFD and  gone.');
    for (const book of ['esc.epub', 'page.epub']) {
      for (const [name, xml] of Object.entries(await epubTexts(path.join(out, book)))) expect(XML_INVALID.test(xml), name).toBe(false);
    }
    expectValidEpub(path.join(out, 'esc.epub'));
  }, 60_000);
});

describe('right-to-left articles', () => {
  it('an Arabic article with dir: rtl builds a read-aloud book marked rtl throughout, valid under EPUBCheck, narrated in Arabic', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const file = write(
      dir,
      'rtl.md',
      '---\nlang: ar\ndir: rtl\nkicker: طاقة\nheadline: بلدة الميناء تراهن على المد والجزر\nstandfirst: مجلس البلدة يوافق على توربينات تحت الماء.\nbyline:\n  authors: [ليلى حداد]\n  location: صور\n---\n\nوافق مجلس البلدة مساء الثلاثاء على خطة لتركيب ثلاثة توربينات. قال رئيس المجلس إن المشروع (Tidal One) سيكتمل في 2027.\n\n## المرحلة الأولى\n\nتبدأ الأعمال في الربيع.\n',
    );
    const r = lectern(['build', file, '-o', out, '--cache-dir', tmpDir('lectern-cache-'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout).articles[0];
    expect(report.narration.voice).toBe('ar');
    expect(report.diagnostics).toEqual([]);
    const docs = await epubTexts(path.join(out, 'rtl.epub'));
    const opf = Object.entries(docs).find(([n]) => n.endsWith('.opf'))![1];
    expect(opf).toMatch(/<package [^>]*xml:lang="ar" dir="rtl"/);
    expect(opf).toMatch(/<spine page-progression-direction="rtl">/);
    for (const [name, xhtml] of Object.entries(docs).filter(([n]) => n.endsWith('.xhtml'))) expect(xhtml, name).toMatch(/<html [^>]*dir="rtl"/);
    expectValidEpub(path.join(out, 'rtl.epub'));
  }, 120_000);
});

/** eSpeak NG's phonemes for `text` (`-x`): how it would say it. */
async function espeakPhonemes(text: string, voice: string): Promise<string> {
  const require = createRequire(import.meta.url);
  const factory = ((await import(require.resolve('espeak-ng'))) as { default: (o: Record<string, unknown>) => Promise<unknown> }).default;
  const out: string[] = [];
  await factory({ arguments: ['-q', '-x', '-v', voice, text], print: (s: string) => out.push(s), printErr: () => {} });
  return out.join('\n');
}

describe('emoji and symbols', () => {
  it('are neither spoken as code points nor crash the build; the book keeps them', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const symbols = '😀 👍🏽 👨‍👩‍👧 🇬🇧 1️⃣ ★ ✓ → ♥ ⊕ ∑ 𝄞 🅰 ㊗ \ue000 ⌘ ™ ©';
    const letters = '𝐇𝐞𝐥𝐥𝐨 ｆｕｌｌ ① ℌ ﬁne Ⅻ \u2180';
    const file = write(dir, 'emoji.md', `---\nheadline: Party 🎉 time\n---\n\nThe crowd cheered ${symbols} and waved.\n\nThey wrote ${letters} on the wall.\n`);
    const r = lectern(['build', file, '-o', out, '-s', 'epub,transcript', '--cache-dir', tmpDir('lectern-cache-')]);
    expect(r.status, r.stderr).toBe(0);
    noStackTrace(r.stderr);
    const script = readFileSync(path.join(out, 'emoji.speech.txt'), 'utf8');
    expect(script).toBe('Party time\nThe crowd cheered one and waved.\nThey wrote Hello full one H fine X.I.I on the wall.\n');
    const phonemes = await espeakPhonemes(script, 'en-gb');
    // eSpeak NG spells what it cannot say as "letter" and the hexadecimal code point ("l,Et3_|w'0n_|...").
    expect(phonemes).not.toMatch(/l,Et3_\|/);
    expect(await espeakPhonemes('⊕ 𝄞 \u2180', 'en-gb')).toMatch(/l,Et3_\|/);
    // The book and the transcript keep the author's characters.
    const xhtml = Object.entries(await epubTexts(path.join(out, 'emoji.epub'))).find(([n]) => n.endsWith('article.xhtml'))![1];
    expect(xhtml).toContain('😀 👍🏽');
    expect(readFileSync(path.join(out, 'emoji.vtt'), 'utf8')).toContain('𝐇𝐞𝐥𝐥𝐨');
  }, 120_000);
});

/** The sample article in a folder of its own, with its images, and a paragraph more when `extra` is set. */
function sampleCopy(dir: string, extra = ''): string {
  cpSync(path.dirname(SAMPLE), dir, { recursive: true });
  const file = path.join(dir, 'article.md');
  if (extra) writeFileSync(file, `${readFileSync(file, 'utf8')}\n${extra}\n`);
  return file;
}

const clipsIn = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.clip')) : []);
const snapshot = (dir: string) => Object.fromEntries(listFiles(dir).map((f) => [f, readFileSync(path.join(dir, f)).toString('base64')]));

/** Starts a build, waits until narration is under way (`minClips` clips in the cache), then sends `signal`. */
async function interruptedBuild(args: string[], cacheDir: string, signal: NodeJS.Signals, minClips = 3): Promise<{ code: number | null; stderr: string; clipsAtSignal: number; stopMs: number }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let clipsAtSignal = 0;
  let running = true;
  void exited.then(() => (running = false));
  while (running && (clipsAtSignal = clipsIn(cacheDir).length) < minClips) await new Promise((r) => setTimeout(r, 10));
  expect(running, `the build ended before narration was under way: ${stderr}`).toBe(true);
  const t0 = performance.now();
  child.kill(signal);
  const code = await exited;
  return { code, stderr, clipsAtSignal, stopMs: performance.now() - t0 };
}

describe('a build stopped part-way', () => {
  const more = Array.from({ length: 12 }, (_, i) => `Paragraph ${i + 1} was added after the first build. It says nothing the interrupted build may publish.`).join('\n\n');

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`by ${signal} exits 130 promptly, leaves the earlier outputs byte for byte, and the next build resumes from the clips it made`, async () => {
      const dir = tmpDir();
      const out = path.join(dir, 'out');
      const file = sampleCopy(path.join(dir, 'article'));
      const first = lectern(['build', file, '-o', out, '--cache-dir', tmpDir('lectern-cache-')]);
      expect(first.status, first.stderr).toBe(0);
      const before = snapshot(out);
      expect(Object.keys(before).filter((f) => !f.startsWith('article.web/'))).toEqual(['article.epub', 'article.mp3', 'article.speech.txt', 'article.vtt']);

      // The article changes, so a build that wrote anything would change the outputs.
      writeFileSync(file, `${readFileSync(file, 'utf8')}\n${more}\n`);
      const cache = tmpDir('lectern-cache-');
      const stopped = await interruptedBuild(['build', file, '-o', out, '--cache-dir', cache, '--workers', '1'], cache, signal);
      expect(stopped.code).toBe(130);
      expect(stopped.stopMs).toBeLessThan(3000);
      expect(messages(stopped.stderr)).toEqual([`${file}: error: interrupted by ${signal}`]);
      expect(snapshot(out)).toEqual(before);
      const made = clipsIn(cache).length;
      expect(made).toBeGreaterThanOrEqual(stopped.clipsAtSignal);

      const resumed = lectern(['build', file, '-o', out, '--cache-dir', cache, '--json']);
      expect(resumed.status, resumed.stderr).toBe(0);
      const narration = JSON.parse(resumed.stdout).articles[0].narration;
      expect(narration.cached).toBe(made);
      expect(narration.synthesised).toBe(narration.clips - made);
      expect(narration.synthesised).toBeGreaterThan(0);
      expect(readdirSync(out).filter((f) => f.includes('.lectern-tmp-'))).toEqual([]);
      expect(snapshot(out)).not.toEqual(before);
    }, 180_000);
  }

  it('a failed build leaves earlier outputs as they were; temporary files of a killed build are swept by the next one, those of a running one are not', () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const file = sampleCopy(path.join(dir, 'article'));
    expect(lectern(['build', file, '-o', out, '-s', 'epub,json']).status).toBe(0);
    const before = snapshot(out);
    // A build that fails (a corrupt image) writes nothing.
    writeFileSync(path.join(dir, 'article/images/turbines.jpg'), 'not a jpeg');
    const failed = lectern(['build', file, '-o', out, '-s', 'epub,json']);
    expect(failed.status).toBe(1);
    expect(snapshot(out)).toEqual(before);
    // Left by a build killed long ago (SIGKILL, power cut): its stamp is old. One still
    // running renews its stamp, whatever its process id (here one that does not exist).
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const old = write(out, `.lectern-tmp-${dead}-0123abcd-article.epub`, 'half a book');
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(old, hourAgo, hourAgo);
    write(out, `.lectern-tmp-${dead}-4567cdef-article.json`, 'another build, still writing');
    cpSync(SAMPLE.replace('article.md', 'images/turbines.jpg'), path.join(dir, 'article/images/turbines.jpg'));
    expect(lectern(['build', file, '-o', out, '-s', 'json']).status).toBe(0);
    expect(readdirSync(out).sort()).toEqual([`.lectern-tmp-${dead}-4567cdef-article.json`, 'article.epub', 'article.json']);
  });
});

const { article: stoppedArticle } = await parseArticle('---\nheadline: H\n---\n\nBody.\n', 'a.md');

describe('the runner, stopped by its caller', () => {
  const article = stoppedArticle;
  const options = (outDir: string): BuildOptions => ({ outDir, baseName: 'a', articleDir: outDir, articleFile: 'a.md', sources: [{ file: 'a.md', dir: outDir }], allowRemote: false, sourceDateEpoch: 0, stageOptions: {}, cacheDir: false });

  it('does not wait for a stage that ignores its signal, and refuses what it writes afterwards', async () => {
    const out = tmpDir();
    writeFileSync(path.join(out, 'a.txt'), 'previous build');
    let wrote: unknown;
    const stubborn = defineStage({
      name: 'stubborn',
      description: 'a long encode that never looks at ctx.signal',
      async run(ctx) {
        await ctx.output.write('a.txt', 'first half');
        await new Promise((r) => setTimeout(r, 800));
        wrote = await ctx.output.write('a.mp3', 'second half').catch((e: unknown) => e);
      },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new LecternError('interrupted by SIGINT', 'build:interrupted')), 50);
    const t0 = performance.now();
    const err = await runStages(planStages([stubborn], []), article, options(out), new Diagnostics(), { signal: controller.signal }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(String(err)).toBe('a.md: error: interrupted by SIGINT');
    await new Promise((r) => setTimeout(r, 1000));
    expect(String(wrote)).toMatch(/the build has ended; a\.mp3 was not written/);
    expect(readdirSync(out)).toEqual(['a.txt']);
    expect(readFileSync(path.join(out, 'a.txt'), 'utf8')).toBe('previous build');
  });

  it('runs nothing when the signal was aborted before it started', async () => {
    const out = tmpDir();
    let ran = false;
    const controller = new AbortController();
    controller.abort(new LecternError('interrupted by SIGTERM', 'build:interrupted'));
    const err = await runStages(planStages([defineStage({ name: 'x', description: 'x', run: async () => void (ran = true) })], []), article, options(out), new Diagnostics(), { signal: controller.signal }).catch((e: unknown) => e);
    expect(String(err)).toBe('a.md: error: interrupted by SIGTERM');
    expect(ran).toBe(false);
  });
});

describe('the clip cache', () => {
  it('finds an entry with flipped bytes, says so, and makes it again', () => {
    const dir = tmpDir();
    const cache = tmpDir('lectern-cache-');
    const file = write(dir, 'short.md', '---\nheadline: A short story\n---\n\nThe first sentence. The second sentence.\n\nA last paragraph.\n');
    const build = () => lectern(['build', file, '-o', path.join(dir, 'out'), '-s', 'audio', '--cache-dir', cache, '--json']);
    const first = build();
    expect(first.status, first.stderr).toBe(0);
    const clips = clipsIn(cache).map((f) => path.join(cache, f));
    expect(clips.length).toBe(JSON.parse(first.stdout).articles[0].narration.clips);

    // Flip bytes in the samples of one entry, truncate another.
    const damaged = readFileSync(clips[0]!);
    for (let i = 60; i < 70; i++) damaged[i]! ^= 0xff;
    writeFileSync(clips[0]!, damaged);
    writeFileSync(clips[1]!, readFileSync(clips[1]!).subarray(0, 100));
    const second = build();
    expect(second.status, second.stderr).toBe(0);
    const report = JSON.parse(second.stdout).articles[0];
    expect(report.narration).toMatchObject({ repaired: 2, synthesised: 2, cached: clips.length - 2 });
    const warnings = report.diagnostics.filter((d: { rule: string }) => d.rule === 'cache:corrupt').map((d: { message: string }) => d.message);
    expect(warnings.sort()).toEqual([
      expect.stringMatching(/^cache entry [0-9a-f]{12} was damaged \(checksum mismatch\); synthesising it again$/),
      expect.stringMatching(/^cache entry [0-9a-f]{12} was damaged \(truncated\); synthesising it again$/),
    ].sort());
    expect(readFileSync(clips[0]!).equals(damaged)).toBe(false);

    const third = JSON.parse(build().stdout).articles[0];
    expect(third.narration).toMatchObject({ repaired: 0, synthesised: 0, cached: clips.length });
  }, 120_000);
});

describe('no shell anywhere', () => {
  const sources = readdirSync(path.join(ROOT, 'src'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: `src/${f}`, text: readFileSync(path.join(ROOT, 'src', f), 'utf8') }));

  it('src/ runs child processes only with argument arrays: no exec, no shell: true, no command strings', () => {
    expect(sources.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const { file, text } of sources) {
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      const imported = [...code.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(?:node:)?child_process'/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim().split(/\s+as\s+/)[0]!));
      for (const name of imported) if (!['spawn', 'spawnSync', 'execFile', 'execFileSync'].includes(name)) problems.push(`${file}: imports ${name} from child_process`);
      if (/from\s*'(?:node:)?child_process'/.test(code) && !imported.length) problems.push(`${file}: imports child_process as a whole`);
      if (/require\(\s*'(?:node:)?child_process'\s*\)/.test(code)) problems.push(`${file}: requires child_process`);
      for (const m of code.matchAll(/(?<![.\w])(exec|execSync)\s*\(/g)) problems.push(`${file}: calls ${m[1]}(`);
      for (const m of code.matchAll(/\bshell\s*:\s*(?!false\b)/g)) problems.push(`${file}: passes a shell option: ${code.slice(m.index, m.index + 30)}`);
      for (const m of code.matchAll(/\b(spawn|spawnSync|execFile|execFileSync)\s*\(\s*([^,)]*),\s*([^,)]*)/g)) {
        const [, fn, cmd, args] = m;
        if (!/^('[\w.-]+'|"[\w.-]+"|[A-Za-z_$][\w$.]*)$/.test(cmd!.trim())) problems.push(`${file}: ${fn}(${cmd}, ...) names its command with an expression`);
        if (!/^(\[|[A-Za-z_$][\w$]*$)/.test(args!.trim())) problems.push(`${file}: ${fn}(${cmd}, ${args}) does not pass an argument array`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('text for the external engines goes on standard input, never into their arguments', () => {
    const say = sources.find((s) => s.file === 'src/tts/say.ts')!.text;
    // Every run of an engine passes the utterance as the third argument of run(), which writes it to stdin.
    expect([...say.matchAll(/run\('(text2wave|say)', args, (.*)\);/g)].map((m) => m[2])).toEqual(['festivalText(req.text)', 'req.text']);
    expect(say).toMatch(/child\.stdin\.end\(input \?\? ''\)/);
    for (const m of say.matchAll(/const args = \[([^\]]*)\]/g)) expect(m[1]).not.toMatch(/text/);
  });
});
