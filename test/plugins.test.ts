/**
 * The plugin contract, end to end: the example reader and engine in `examples/` run from
 * `--plugin`, from a config file and from the library, in a digest and (the engine) on the
 * synthesis threads; mistakes in a plugin are one line naming it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { build, createRegistry, type Article, type LecternPlugin } from 'lectern';
import { hasCommand, lectern, listFiles, ROOT, SAMPLE, tmpDir } from './helpers.js';
import { decode, hasFfmpeg } from './audio-tools.js';
import { builtinStages } from '../src/stages/index.js';

const READER = path.join(ROOT, 'examples/plain-text-reader.mjs');
const ENGINE = path.join(ROOT, 'examples/espeak-cli-engine.mjs');
const hasEspeakCli = hasCommand('espeak-ng');

const STORY = `Lighthouse keeper retires after forty years

By Jo Bloggs and Sam Smith, in Harbourtown

The lamp at Harbour Point was lit for the last time by hand on Friday.
It will be run from the mainland from now on.

Mr Keeper said he would miss the view more than the work.
`;
const OTHER = `Ferry timetable changes for winter\n\nSailings will leave an hour later from November.\n`;

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Article;

function expectStory(article: Article) {
  expect(article.headline).toBe('Lighthouse keeper retires after forty years');
  expect(article.byline).toMatchObject({ authors: ['Jo Bloggs', 'Sam Smith'], location: 'Harbourtown' });
  expect(article.blocks.map((b) => [b.type, b.position?.line])).toEqual([
    ['paragraph', 5],
    ['paragraph', 8],
  ]);
}

describe('a third-party reader (examples/plain-text-reader.mjs)', { timeout: 120_000 }, () => {
  it('reads .txt files from --plugin, and inspect shows them too', () => {
    const dir = tmpDir();
    const story = write(dir, 'story.txt', STORY);
    const r = lectern(['build', story, '-o', path.join(dir, 'out'), '-s', 'json', '--plugin', READER, '--no-config']);
    expect(r.status, r.stderr).toBe(0);
    expectStory(readJson(path.join(dir, 'out/story.json')));
    const inspect = lectern(['inspect', story, '--plugin', READER]);
    expect(inspect.status, inspect.stderr).toBe(0);
    expect(inspect.stdout).toContain('Lighthouse keeper retires');
    // Without the plugin the same file is read as Markdown, as before, and has no front matter.
    const plain = lectern(['inspect', story, '--json']);
    expect([plain.status, plain.stderr.trim()]).toEqual([1, `${story}:1:1: error: no front matter (expected a --- block with at least "headline:")`]);
  });

  it('reads from a config file (plugins: [...]), takes the .txt files of a folder, and --from names it', () => {
    const dir = tmpDir();
    write(dir, 'articles/story.txt', STORY);
    write(dir, 'articles/notes.log', 'not an article');
    write(dir, 'lectern.config.json', JSON.stringify({ plugins: [path.relative(dir, READER)], out: 'books', stages: ['json'] }));
    const r = lectern(['build', 'articles'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(listFiles(path.join(dir, 'books'))).toEqual(['story.json']);
    expectStory(readJson(path.join(dir, 'books/story.json')));
    // --from forces it for any extension.
    const forced = write(dir, 'story.md', STORY);
    const f = lectern(['build', forced, '--from', 'text', '-o', path.join(dir, 'forced')], { cwd: dir });
    expect(f.status, f.stderr).toBe(0);
    expectStory(readJson(path.join(dir, 'forced/story.json')));
    const bad = lectern(['build', forced, '--from', 'txt', '-o', path.join(dir, 'bad')], { cwd: dir });
    expect([bad.status, bad.stderr.trim()]).toEqual([2, 'lectern: unknown input format "txt" (expected json, html, seed, markdown or text)']);
  });

  it('reads from the library, and a digest holds the text articles next to Markdown ones', async () => {
    const dir = tmpDir();
    const story = write(dir, 'story.txt', STORY);
    const other = write(dir, 'ferry.txt', OTHER);
    const { default: plugin } = (await import(READER)) as { default: LecternPlugin };
    const [result] = await build([story], { outDir: path.join(dir, 'lib'), stages: ['json'], plugins: [plugin] });
    expect(result!.ok, String(result!.error)).toBe(true);
    expect(result!.format).toBe('text');
    expectStory(result!.article!);

    const r = lectern(['build', story, SAMPLE, other, '--bundle', 'Coast news', '-s', 'epub', '--plugin', READER, '-o', path.join(dir, 'digest'), '--no-config']);
    expect(r.status, r.stderr).toBe(0);
    const zip = await JSZip.loadAsync(readFileSync(path.join(dir, 'digest/coast-news.epub')));
    const docs = await Promise.all(Object.keys(zip.files).filter((n) => /\.xhtml$/.test(n) && !/nav|cover/.test(n)).map((n) => zip.file(n)!.async('string')));
    const all = docs.join('\n');
    for (const headline of ['Lighthouse keeper retires after forty years', 'Harbour town bets on the tide', 'Ferry timetable changes for winter']) expect(all).toContain(headline);
  });
});

describe.skipIf(!hasEspeakCli)('a third-party engine (examples/espeak-cli-engine.mjs)', { timeout: 120_000 }, () => {
  it('narrates from --plugin on the synthesis threads', () => {
    const dir = tmpDir();
    // A wrapper that records which thread each clip was made on.
    const trace = path.join(dir, 'threads.log');
    const traced = write(
      dir,
      'traced-engine.mjs',
      `import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { createEngine as inner } from ${JSON.stringify(ENGINE)};
export function createEngine() {
  const engine = inner();
  return { ...engine, async synthesize(req) { appendFileSync(${JSON.stringify(trace)}, threadId + '\\n'); return engine.synthesize(req); } };
}
export default { name: 'traced', engines: [{ id: 'espeak-cli', module: import.meta.url, export: 'createEngine' }] };
`,
    );
    const story = write(dir, 'story.txt', STORY);
    const r = lectern(['build', story, '-o', path.join(dir, 'out'), '-s', 'audio,transcript', '--audio', 'wav', '--plugin', READER, '--plugin', traced, '-e', 'espeak-cli', '--workers', '2', '--no-cache', '--json', '--no-config']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { articles: { narration: { engine: string; voice: string; synthesised: number } }[] };
    expect(report.articles[0]!.narration).toMatchObject({ engine: 'espeak-cli', voice: 'en-gb' });
    const threads = readFileSync(trace, 'utf8').trim().split('\n').map(Number);
    expect(threads.length).toBe(report.articles[0]!.narration.synthesised);
    // Every clip was made off the main thread (id 0), on the two synthesis threads.
    expect(threads.every((t) => t > 0)).toBe(true);
    expect(new Set(threads).size).toBe(2);
    expect(listFiles(path.join(dir, 'out'))).toEqual(['story.speech.txt', 'story.vtt', 'story.wav']);
    if (hasFfmpeg) expect(decode(path.join(dir, 'out/story.wav')).seconds).toBeGreaterThan(5);
    expect(readFileSync(path.join(dir, 'out/story.vtt'), 'utf8')).toContain('The lamp at Harbour Point was lit for the last time by hand on Friday.');
  });

  it('narrates a digest from a config file, and lectern voices lists its voices', () => {
    const dir = tmpDir();
    write(dir, 'a.txt', STORY);
    write(dir, 'b.txt', OTHER);
    write(dir, 'lectern.config.mjs', `export default { plugins: [${JSON.stringify(READER)}, ${JSON.stringify(ENGINE)}], engine: 'espeak-cli', stages: ['audio'], out: 'out' };\n`);
    const r = lectern(['build', 'a.txt', 'b.txt', '--bundle', 'Two stories', '--json'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { articles: { file: string; narration?: { engine: string } }[] };
    expect(report.articles.at(-1)).toMatchObject({ file: 'two-stories', narration: { engine: 'espeak-cli' } });
    expect(listFiles(path.join(dir, 'out'))).toEqual(['two-stories.mp3', 'two-stories.speech.txt']);
    if (hasFfmpeg) expect(decode(path.join(dir, 'out/two-stories.mp3')).errors).toBe('');
    const v = lectern(['voices', '--plugin', ENGINE, '-e', 'espeak-cli']);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^espeak-cli \(the espeak-ng program, run once per sentence, version eSpeak NG/);
  });

  it('narrates from the library', async () => {
    const dir = tmpDir();
    const { default: engine } = (await import(ENGINE)) as { default: LecternPlugin };
    const [result] = await build([SAMPLE], { outDir: dir, stages: ['speech', 'narration'], plugins: [engine], cacheDir: false, stageOptions: { speech: { engine: 'espeak-cli' }, narration: { engine: 'espeak-cli', workers: 2 } } });
    expect(result!.ok, String(result!.error)).toBe(true);
    expect(result!.artifacts?.narration).toMatchObject({ engine: 'espeak-cli', voice: 'en-gb' });
    expect(result!.artifacts!.narration!.timeline.length / result!.artifacts!.narration!.timeline.sampleRate).toBeGreaterThan(30);
  });
});

describe('plugin mistakes are one line naming the module (exit 2)', { timeout: 120_000 }, () => {
  const cases: [string, string, RegExp][] = [
    ['an engine id taken by lectern', `export default { name: 'x', engines: [{ id: 'espeak', module: import.meta.url }] };\n`, /^lectern: bad\.mjs: error: engine "espeak" is already defined by lectern$/],
    ['a reader without read()', `export default { name: 'x', readers: [{ name: 'rss', description: 'RSS' }] };\n`, /^lectern: bad\.mjs: error: reader "rss" has no read\(input\) function$/],
    ['a reader name taken', `export default { name: 'x', readers: [{ name: 'json', description: 'J', async read() {} }] };\n`, /^lectern: bad\.mjs: error: reader "json" is already defined by lectern$/],
    ['an engine without a module', `export default { name: 'x', engines: [{ id: 'mine' }] };\n`, /^lectern: bad\.mjs: error: engine "mine" needs a "module"/],
    ['a normaliser without a language', `export default { name: 'x', normalisers: [{ normalise: (t) => t }] };\n`, /^lectern: bad\.mjs: error: a normaliser needs a "lang"/],
  ];
  it.each(cases)('%s', (_name, source, expected) => {
    const dir = tmpDir();
    write(dir, 'bad.mjs', source);
    const r = lectern(['build', SAMPLE, '-s', 'json', '-o', path.join(dir, 'out'), '--plugin', 'bad.mjs', '--no-config'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(expected);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(listFiles(dir)).toEqual(['bad.mjs']);
  });

  it('an engine module that cannot be loaded fails the narration in one line', () => {
    const dir = tmpDir();
    write(dir, 'gone.mjs', `export default { name: 'gone', engines: [{ id: 'gone', module: new URL('./missing.mjs', import.meta.url) }] };\n`);
    const r = lectern(['build', SAMPLE, '-s', 'speech', '-o', path.join(dir, 'out'), '--plugin', 'gone.mjs', '-e', 'gone', '--no-config'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^.*article\.md: error: speech: could not load engine "gone" from file:\/\/.*missing\.mjs: Cannot find module/);
  });
});

describe('the registry', { timeout: 120_000 }, () => {
  it('knows the order of the built-in stages without loading them, and it matches the stages', async () => {
    for (const [name, entry] of Object.entries(builtinStages)) {
      const stage = await entry.create();
      expect([stage.name, stage.needs ?? [], stage.after ?? []]).toEqual([name, entry.needs ?? [], entry.after ?? []]);
    }
  });

  it('lists plugin stages in lectern stages', () => {
    const r = lectern(['stages', '--plugin', 'examples/plain-text-stage.mjs']);
    expect(r.stdout).toMatch(/^plain-text {2}a plain-text edition .* \(plugin\)$/m);
  });

  it('registers a normaliser for every language with built-in rules', async () => {
    const { normalisedLanguages } = await import('../src/speech/normalise/index.js');
    const { NORMALISED_LANGUAGES } = await import('../src/plugins/builtin.js');
    expect([...NORMALISED_LANGUAGES].sort()).toEqual(normalisedLanguages().sort());
  });

  it('keeps each build to its own plugins', async () => {
    const { default: plugin } = (await import(READER)) as { default: LecternPlugin };
    expect(createRegistry([plugin]).formats).toContain('text');
    expect(createRegistry().formats).toEqual(['json', 'html', 'seed', 'markdown']);
  });
});

describe("import 'lectern'", { timeout: 120_000 }, () => {
  it('loads no reader, engine or stage dependency until one is used', () => {
    // Lists every package a bare import loads, through a resolve hook.
    const hook = `data:text/javascript,${encodeURIComponent(`export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes('/node_modules/')) process.stderr.write(r.url.split('/node_modules/').pop().split('/').slice(0, r.url.split('/node_modules/').pop().startsWith('@') ? 2 : 1).join('/') + '\\n'); return r; }`)}`;
    const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)});`)}`;
    const r = spawnSync(process.execPath, ['--import', register, '--input-type=module', '-e', `const t = performance.now(); await import('lectern'); console.log(Math.round(performance.now() - t));`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const packages = [...new Set(r.stderr.trim().split('\n').filter(Boolean))].sort();
    // zod (the article schema) only; tinyglobby loads with the first input pattern.
    expect(packages).toEqual(['zod']);
  });
});
