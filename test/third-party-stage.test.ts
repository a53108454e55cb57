import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArticle } from '../src/readers/index.js';
import { lectern, listFiles, ROOT, SAMPLE, tmpDir } from './helpers.js';

const EXAMPLE = path.join(ROOT, 'examples/plain-text-stage.mjs');
const columns = (line: string) => [...line].length;

/** Checks a plain-text edition of the bundled sample, wrapped at `width`. */
async function expectPlainText(file: string, width: number) {
  const txt = readFileSync(file, 'utf8');
  const lines = txt.split('\n');
  expect(lines.filter((l) => columns(l) > width)).toEqual([]);
  // Wrapped close to the width, not merely short.
  expect(Math.max(...lines.map(columns))).toBeGreaterThan(width - 8);
  const { article } = await readArticle(SAMPLE);
  expect(txt.startsWith(`${article.kicker!.toUpperCase()}\n\nHarbour town bets on the tide`)).toBe(true);
  const figure = article.blocks.find((b) => b.type === 'figure');
  const unwrapped = txt.replace(/\n(?!\n)/g, ' ');
  expect(unwrapped).toContain(`[Image: ${figure?.type === 'figure' ? figure.alt : ''}]`);
  expect(unwrapped).toContain(article.source.rights!);
  expect(txt).not.toMatch(/[<>]\w|\*\*|!\[/);
}

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe('a third-party stage', () => {
  it('runs from --stage next to the chosen built-in stages', async () => {
    const out = tmpDir();
    const r = lectern(['build', SAMPLE, '-o', out, '-s', 'json', '--stage', 'examples/plain-text-stage.mjs', '--no-config']);
    expect(r.status, r.stderr).toBe(0);
    expect(listFiles(out)).toEqual(['article.json', 'article.txt']);
    await expectPlainText(path.join(out, 'article.txt'), 72);
  });

  it('runs from a lectern.config.mjs found in the current folder, with its options', async () => {
    const dir = tmpDir();
    write(dir, 'lectern.config.mjs', `export default { out: 'books', stages: ['json'], extraStages: [${JSON.stringify(EXAMPLE)}], stageOptions: { 'plain-text': { width: 50 } } };\n`);
    const r = lectern(['build', SAMPLE], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(listFiles(path.join(dir, 'books'))).toEqual(['article.json', 'article.txt']);
    await expectPlainText(path.join(dir, 'books/article.txt'), 50);
  });

  it('runs from a JSON config given with --config; paths in it are relative to it, and flags win', async () => {
    const dir = tmpDir();
    copyFileSync(EXAMPLE, path.join(dir, 'plain.mjs'));
    write(dir, 'conf/lectern.config.json', JSON.stringify({ out: 'ignored', stages: 'epub', extraStages: ['../plain.mjs'] }));
    const out = path.join(dir, 'flag-out');
    const r = lectern(['build', SAMPLE, '--config', path.join(dir, 'conf/lectern.config.json'), '-o', out, '-s', 'json']);
    expect(r.status, r.stderr).toBe(0);
    expect(listFiles(out)).toEqual(['article.json', 'article.txt']);
    expect(listFiles(path.join(dir, 'conf'))).toEqual(['lectern.config.json']);
  });

  it('sees the same typed context as built-in stages and writes only through it', () => {
    const dir = tmpDir();
    write(
      dir,
      'probe.mjs',
      `export const stage = { name: 'probe', needs: ['json'], async run(ctx) {
        const keys = Object.keys(ctx).sort().join(',');
        await ctx.output.write(ctx.options.baseName + '.probe', [ctx.article.headline, ctx.options.articleFile, typeof ctx.diagnostics.warn, typeof ctx.log.info, ctx.signal.aborted, keys].join('\\n'));
      } };\n`,
    );
    const out = path.join(dir, 'out');
    const r = lectern(['build', SAMPLE, '-o', out, '-s', 'epub', '--no-overlays', '--stage', path.join(dir, 'probe.mjs')]);
    expect(r.status, r.stderr).toBe(0);
    // `needs` pulled in the json stage.
    expect(listFiles(out)).toEqual(['article.epub', 'article.json', 'article.probe']);
    const [headline, file, warn, info, aborted, keys] = readFileSync(path.join(out, 'article.probe'), 'utf8').split('\n');
    expect([headline, file, warn, info, aborted]).toEqual(['Harbour town bets on the tide to keep its lights on through winter', SAMPLE, 'function', 'function', 'false']);
    expect(keys?.split(',')).toEqual(expect.arrayContaining(['article', 'artifacts', 'diagnostics', 'log', 'options', 'output', 'signal']));
  });

  it('that fails while running fails its article in one line, and nothing is written', () => {
    const dir = tmpDir();
    write(dir, 'fails.mjs', `export default { name: 'fails', description: 'always fails', run() { throw new Error('disk full'); } };\n`);
    const out = path.join(dir, 'out');
    const r = lectern(['build', SAMPLE, '-o', out, '-s', 'json', '--stage', path.join(dir, 'fails.mjs')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`${SAMPLE}: error: fails stage failed: disk full`]);
    expect(listFiles(out)).toEqual([]);
  });
});

describe('a bad stage module or config file gives one line naming the file (exit 2, no stack trace)', () => {
  const modules: [string, string, RegExp][] = [
    ['a syntax error', 'export default {', /^lectern: bad\.mjs: error: could not load the stage module: .+$/],
    ['no stage exported', 'export const helper = 1;\n', /^lectern: bad\.mjs: error: exports no stage \(expected a default export or an export named "stage"/],
    ['a stage without run()', "export default { name: 'half' };\n", /^lectern: bad\.mjs: error: stage "half" has no run\(ctx\) function$/],
    ['a stage without a name', 'export default { run() {} };\n', /^lectern: bad\.mjs: error: the stage needs a "name"/],
    ['a factory that throws', "export default () => { throw new Error('no licence key'); };\n", /^lectern: bad\.mjs: error: the stage factory failed: no licence key$/],
    ['a module that throws on import', "throw new TypeError('cannot start');\n", /^lectern: bad\.mjs: error: could not load the stage module: cannot start$/],
    ['a built-in stage name', "export const stage = { name: 'epub', run() {} };\n", /^lectern: bad\.mjs: error: stage "epub" has the name of a built-in stage; give it another name$/],
    ['a list of needs that is not one', "export default { name: 'x', needs: 'json', run() {} };\n", /^lectern: bad\.mjs: error: stage "x": "needs" must be a list of stage names$/],
  ];
  for (const [name, source, error] of modules) {
    it(name, () => {
      const dir = tmpDir();
      write(dir, 'bad.mjs', source);
      const r = lectern(['build', SAMPLE, '-o', path.join(dir, 'out'), '--stage', 'bad.mjs'], { cwd: dir });
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(error);
      expect(listFiles(path.join(dir, 'out'))).toEqual([]);
    });
  }

  it('a missing module', () => {
    const r = lectern(['build', SAMPLE, '--stage', 'stages/nope.mjs', '--no-config']);
    expect([r.status, r.stderr.trim()]).toEqual([2, 'lectern: stages/nope.mjs: error: no such stage module']);
  });

  it('two stages with one name', () => {
    const dir = tmpDir();
    write(dir, 'a.mjs', "export default { name: 'twin', run() {} };\n");
    write(dir, 'b.mjs', "export default { name: 'twin', run() {} };\n");
    const r = lectern(['build', SAMPLE, '--stage', 'a.mjs', '--stage', 'b.mjs'], { cwd: dir });
    expect([r.status, r.stderr.trim()]).toEqual([2, 'lectern: b.mjs: error: stage "twin" is also defined by a.mjs']);
  });

  const configs: [string, string, string, RegExp][] = [
    ['an unknown option', 'lectern.config.json', '{"outt": "x"}', /^lectern: lectern\.config\.json: error: unknown option "outt" \(options: out, stages, .*extraStages, stageOptions\)$/],
    ['a wrong type', 'lectern.config.json', '{"allowRemote": "yes"}', /^lectern: lectern\.config\.json: error: allowRemote: expected true or false$/],
    ['a value outside the choices', 'lectern.config.json', '{"from": "docx"}', /^lectern: lectern\.config\.json: error: from: expected one of json, html, seed, markdown$/],
    ['invalid JSON', 'lectern.config.json', '{"out": }', /^lectern: lectern\.config\.json: error: invalid JSON: /],
    ['a JS config that throws', 'lectern.config.mjs', "throw new Error('oops');", /^lectern: lectern\.config\.mjs: error: could not load the config file: oops$/],
    ['a config that is not an object', 'lectern.config.js', 'export default 42;', /^lectern: lectern\.config\.js: error: expected an object of options/],
    ['a missing stage module in the config', 'lectern.config.json', '{"extraStages": ["stages/gone.mjs"]}', /^lectern: stages\/gone\.mjs: error: no such stage module$/],
  ];
  for (const [name, file, source, error] of configs) {
    it(`config: ${name}`, () => {
      const dir = tmpDir();
      write(dir, file, source);
      const r = lectern(['build', SAMPLE, '-o', path.join(dir, 'out')], { cwd: dir });
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toMatch(error);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('--config naming a missing file', () => {
    const r = lectern(['build', SAMPLE, '--config', 'nowhere.json']);
    expect([r.status, r.stderr.trim()]).toEqual([2, 'lectern: nowhere.json: error: no such config file']);
  });
});
