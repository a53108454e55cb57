import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
// The package's own name: what a user's `import ... from 'lectern'` resolves to (dist/lib/index.js).
import * as lectern from 'lectern';
import { build, buildArticle, defineStage, LecternError, parseArticle, readArticle, type Stage, type StageContext } from 'lectern';
import { listFiles, ROOT, SAMPLE, tmpDir } from './helpers.js';

describe("import ... from 'lectern'", () => {
  afterEach(() => vi.restoreAllMocks());

  it('exports the documented API', () => {
    for (const name of ['build', 'buildArticle', 'readArticle', 'parseArticle', 'defineStage', 'LecternError', 'Diagnostics', 'StageError', 'plainText', 'expandInputs', 'loadStageModule', 'defineConfig'])
      expect(typeof (lectern as Record<string, unknown>)[name], name).toBe('function');
    for (const name of ['epubStage', 'coverStage', 'imagesStage', 'jsonStage', 'speechStage', 'narrationStage', 'audioStage', 'transcriptStage'])
      expect(((lectern as Record<string, unknown>)[name] as () => Stage)().name).toBe(name.replace(/Stage$/, ''));
  });

  it("recognises lectern's errors from another copy of lectern (the bundled command's, a plugin's own)", async () => {
    // A second instance of the module, as a plugin with its own install (or the command's bundle) has.
    const other = (await import(`${path.join(ROOT, 'dist/lib/article/diagnostics.js')}?copy`)) as typeof lectern;
    expect(other.LecternError).not.toBe(LecternError);
    const error = new other.LecternError('bad input', 'input:bad');
    const failed = new other.StageError('epub', error);
    expect(error).toBeInstanceOf(LecternError);
    expect(error).toBeInstanceOf(lectern.Diagnostic);
    expect(failed).toBeInstanceOf(lectern.StageError);
    expect(error).not.toBeInstanceOf(lectern.StageError);
    expect(new Error('plain')).not.toBeInstanceOf(LecternError);
    // A plugin's own subclass keeps the ordinary test.
    class PluginError extends LecternError {}
    expect(new LecternError('x', 'y')).not.toBeInstanceOf(PluginError);
    expect(new PluginError('x', 'y')).toBeInstanceOf(other.LecternError);
  });

  it('builds the sample with a built-in and a third-party stage, printing nothing', async () => {
    const writes = [vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write'), ...(['log', 'info', 'warn', 'error'] as const).map((m) => vi.spyOn(console, m))];
    const seen: string[] = [];
    const words = defineStage({
      name: 'word-count',
      description: 'counts the words of the body',
      needs: ['json'],
      async run(ctx: StageContext) {
        seen.push(ctx.article.headline);
        const words = ctx.article.blocks.flatMap((b) => (b.type === 'paragraph' ? lectern.plainText(b.children).split(/\s+/) : [])).length;
        await ctx.output.write(`${ctx.options.baseName}.words`, `${words}\n`);
      },
    });
    const out = tmpDir();
    const [result, ...rest] = await build([SAMPLE], { outDir: out, stages: ['json'], extraStages: [words] });
    expect(rest).toEqual([]);
    expect(result?.ok, String(result?.error)).toBe(true);
    expect(result?.format).toBe('markdown');
    expect(result?.files.map((f) => path.basename(f)).sort()).toEqual(['article.json', 'article.words']);
    expect(Number(readFileSync(path.join(out, 'article.words'), 'utf8'))).toBeGreaterThan(300);
    expect(seen).toEqual(['Harbour town bets on the tide to keep its lights on through winter']);
    for (const spy of writes) expect(spy).not.toHaveBeenCalled();
  });

  it('returns failures as values: a LecternError with a one-line message naming the file', async () => {
    const [result] = await build(['no/such/article.md'], { outDir: tmpDir(), stages: ['json'] });
    expect(result?.ok).toBe(false);
    expect(result?.error).toBeInstanceOf(LecternError);
    expect(String(result?.error)).toBe('no/such/article.md: error: no such file');
    const clash = await buildArticle(SAMPLE, { outDir: tmpDir(), stages: ['json'], extraStages: [defineStage({ name: 'json', description: 'x', async run() {} })] });
    expect(String(clash.error)).toMatch(/third-party stage "json" has the name of a built-in stage/);
  });

  it('reads and parses articles without building', async () => {
    const read = await readArticle(SAMPLE);
    expect(read.article.lang).toBe('en-GB');
    const parsed = await parseArticle('<!doctype html><html lang="fr"><head><title>Titre</title></head><body><h1>Titre</h1><p>Texte.</p></body></html>', 'page.html');
    expect([parsed.format, parsed.article.lang, parsed.article.headline]).toEqual(['html', 'fr', 'Titre']);
    await expect(parseArticle('---\nheadline: [\n---\n', 'bad.md')).rejects.toThrow(LecternError);
  });
});

describe('the README example', () => {
  it('runs as written, from a module outside the test runner', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Library API'));
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code).toBeTruthy();
    const out = tmpDir();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code!.replaceAll("'dist/books'", JSON.stringify(out))], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^assets\/sample\/article\.md: ok, wrote .*article\.json/m);
    expect(listFiles(out)).toEqual(['article.json', 'article.txt']);
  }, 120_000);
});
