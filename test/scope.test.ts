/**
 * Stage scope (article-scoped stages run once per article in a digest) and the one
 * diagnostic type (warnings, errors and stage failures print the same one line, from the
 * library as from the CLI).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, buildBundle, defineStage, Diagnostic, Diagnostics, LecternError, StageError, type Article } from 'lectern';
import { lectern, listFiles, ROOT, SAMPLE, tmpDir } from './helpers.js';

const SECOND = path.join(ROOT, 'test/fixtures/digest/second.md');
const THIRD = path.join(ROOT, 'test/fixtures/digest/third.md');

describe('stage scope', { timeout: 120_000 }, () => {
  it('--bundle with the json stage writes every article, one file each', () => {
    const out = tmpDir();
    const r = lectern(['build', SAMPLE, SECOND, THIRD, '--bundle', 'Morning digest', '-s', 'json', '-o', out, '--no-config']);
    expect(r.status, r.stderr).toBe(0);
    expect(listFiles(out)).toEqual(['morning-digest-1.json', 'morning-digest-2.json', 'morning-digest-3.json']);
    const headlines = listFiles(out).map((f) => (JSON.parse(readFileSync(path.join(out, f), 'utf8')) as Article).headline);
    const inspect = (f: string) => (JSON.parse(lectern(['inspect', f, '--json']).stdout) as Article).headline;
    expect(headlines).toEqual([SAMPLE, SECOND, THIRD].map(inspect));
  });

  it('runs an article-scoped stage (the default) once per article, a book-scoped one once', async () => {
    const seen: { stage: string; headlines: string[]; baseName: string; file: string }[] = [];
    const probe = (name: string, scope?: 'article' | 'book') =>
      defineStage({
        name,
        description: 'records what it sees',
        ...(scope ? { scope } : {}),
        async run(ctx) {
          seen.push({ stage: name, headlines: ctx.articles.map((a) => a.headline), baseName: ctx.options.baseName, file: path.basename(ctx.options.articleFile) });
          expect(ctx.article).toBe(ctx.articles[0]);
        },
      });
    const results = await buildBundle([SAMPLE, SECOND], 'Two', { outDir: tmpDir(), stages: [], extraStages: [probe('per-article'), probe('whole', 'book')] });
    expect(results.at(-1)!.ok, String(results.at(-1)!.error)).toBe(true);
    const per = seen.filter((s) => s.stage === 'per-article');
    expect(per.map((s) => [s.baseName, s.file, s.headlines.length])).toEqual([
      ['two-1', 'article.md', 1],
      ['two-2', 'second.md', 1],
    ]);
    expect(seen.filter((s) => s.stage === 'whole').map((s) => [s.baseName, s.headlines.length])).toEqual([['two', 2]]);
  });

  it('the example plain-text stage writes a text edition of every article of a digest', () => {
    const out = tmpDir();
    const r = lectern(['build', SAMPLE, SECOND, '--bundle', 'Two', '-s', 'json', '--plugin', 'examples/plain-text-stage.mjs', '-o', out, '--no-config']);
    expect(r.status, r.stderr).toBe(0);
    expect(listFiles(out)).toEqual(['two-1.json', 'two-1.txt', 'two-2.json', 'two-2.txt']);
    expect(readFileSync(path.join(out, 'two-2.txt'), 'utf8')).toContain((JSON.parse(readFileSync(path.join(out, 'two-2.json'), 'utf8')) as Article).headline);
  });
});

describe('one diagnostic type', { timeout: 120_000 }, () => {
  it('warnings and errors are Diagnostics with a place, a rule, a severity and a cause', () => {
    const list = new Diagnostics('article.md');
    const w = list.warn('figure has no alt text', 'alt:missing', { line: 12 });
    const cause = new Error('disk full');
    const e = new LecternError('could not write', 'output:write', { file: 'article.md', line: 3, column: 2 }, { cause });
    for (const d of [w, e]) expect(d).toBeInstanceOf(Diagnostic);
    expect(e).toBeInstanceOf(Error);
    expect([String(w), String(e)]).toEqual(['article.md:12:1: warning: figure has no alt text', 'article.md:3:2: error: could not write']);
    expect([e.severity, e.rule, e.code, e.reason, e.cause]).toEqual(['error', 'output:write', 'output:write', 'could not write', cause]);
    expect(w.toJSON()).toEqual({ severity: 'warning', message: 'figure has no alt text', rule: 'alt:missing', file: 'article.md', line: 12 });
  });

  it('a stage failure from the library prints the same line as the CLI', async () => {
    const boom = defineStage({ name: 'boom', description: 'fails', async run() { throw new Error('no licence key'); } });
    const placed = defineStage({ name: 'placed', description: 'fails at a line', async run(ctx) { throw new LecternError('bad figure', 'probe:bad', { file: ctx.options.articleFile, line: 9 }); } });
    const [a] = await build([SAMPLE], { outDir: tmpDir(), stages: [], extraStages: [boom] });
    expect(a!.error).toBeInstanceOf(StageError);
    expect(String(a!.error)).toBe(`${SAMPLE}: error: boom stage failed: no licence key`);
    const [b] = await build([SAMPLE], { outDir: tmpDir(), stages: [], extraStages: [placed] });
    expect(String(b!.error)).toBe(`${SAMPLE}:9:1: error: placed: bad figure`);
    expect((b!.error as StageError).cause).toBeInstanceOf(LecternError);

    // The CLI prints exactly that line.
    const dir = tmpDir();
    const module = path.join(dir, 'boom.mjs');
    (await import('node:fs')).writeFileSync(module, "export default { name: 'boom', async run() { throw new Error('no licence key'); } };\n");
    const r = lectern(['build', SAMPLE, '-s', 'json', '--plugin', module, '-o', path.join(dir, 'out'), '--no-config']);
    expect([r.status, r.stderr.trim()]).toEqual([1, `${SAMPLE}: error: boom stage failed: no licence key`]);
  });
});
