import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../src/article/diagnostics.js';
import { parseArticle } from '../src/readers/index.js';
import { planStages, runStages, StageError } from '../src/pipeline/runner.js';
import { defineStage, type BuildOptions, type Stage } from '../src/pipeline/stage.js';
import { listFiles, tmpDir } from './helpers.js';

const { article } = await parseArticle('---\nheadline: H\n---\n\nBody.\n', 'a.md');

function options(outDir: string): BuildOptions {
  return { outDir, baseName: 'a', articleDir: outDir, articleFile: 'a.md', sources: [{ file: 'a.md', dir: outDir }], allowRemote: false, sourceDateEpoch: 0, stageOptions: {}, cacheDir: false };
}

const stage = (name: string, extra: Partial<Stage> = {}, run?: Stage['run']): Stage =>
  defineStage({ name, description: name, run: run ?? (async () => {}), ...extra });

describe('planStages', () => {
  it('orders by needs and after, and groups independent stages into one wave', () => {
    const waves = planStages([stage('epub', { after: ['audio'] }), stage('audio', { needs: ['narration'] }), stage('cover')], [stage('narration')]);
    expect(waves.map((w) => w.map((s) => s.name).sort())).toEqual([['cover', 'narration'], ['audio'], ['epub']]);
  });
  it('ignores `after` on stages that are not in the build', () => {
    expect(planStages([stage('epub', { after: ['audio'] })], []).map((w) => w.map((s) => s.name))).toEqual([['epub']]);
  });
  it('reports cycles and missing needs', () => {
    expect(() => planStages([stage('a', { needs: ['b'] }), stage('b', { needs: ['a'] })], [])).toThrow(/cycle: a, b/);
    expect(() => planStages([stage('a', { needs: ['zz'] })], [])).toThrow(/needs "zz"/);
  });
});

describe('runStages', () => {
  it('runs independent stages side by side and hands artifacts on', async () => {
    const out = tmpDir();
    const events: string[] = [];
    const slow = (name: string) =>
      stage(name, {}, async (ctx) => {
        events.push(`${name}:start`);
        await new Promise((r) => setTimeout(r, 30));
        ctx.artifacts[name] = name.toUpperCase();
        events.push(`${name}:end`);
      });
    const last = stage('last', { needs: ['a', 'b'] }, async (ctx) => {
      await ctx.output.write('a.txt', `${String(ctx.artifacts['a'])}${String(ctx.artifacts['b'])}`);
    });
    const res = await runStages(planStages([last], [slow('a'), slow('b')]), article, options(out), new Diagnostics());
    expect(events.slice(0, 2).sort()).toEqual(['a:start', 'b:start']);
    expect(readFileSync(path.join(out, 'a.txt'), 'utf8')).toBe('AB');
    expect(res.files).toEqual([path.join(out, 'a.txt')]);
  });

  it('wraps a failure with the stage name, keeps the cause, and leaves earlier outputs untouched', async () => {
    const out = tmpDir();
    writeFileSync(path.join(out, 'a.epub'), 'previous build');
    const writer = stage('writer', {}, async (ctx) => {
      await ctx.output.write('a.epub', 'new, half-made');
      await ctx.output.write('a.mp3', 'new');
    });
    const cause = new Error('disk on fire');
    const failing = stage('failing', { needs: ['writer'] }, async () => {
      throw cause;
    });
    const err = await runStages(planStages([failing], [writer]), article, options(out), new Diagnostics()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageError);
    expect((err as StageError).message).toBe('failing stage failed: disk on fire');
    expect(String(err)).toBe('a.md: error: failing stage failed: disk on fire');
    expect((err as StageError).cause).toBe(cause);
    expect(readFileSync(path.join(out, 'a.epub'), 'utf8')).toBe('previous build');
    expect(existsSync(path.join(out, 'a.mp3'))).toBe(false);
    expect(listFiles(out)).toEqual(['a.epub']);
  });

  it('waits for a write its stage did not wait for before it commits, and fails the build (writing nothing) when that write fails', async () => {
    const out = tmpDir();
    writeFileSync(path.join(out, 'a.mp3'), 'previous build');
    // A slow file, written while the next stage runs.
    const slowChunks = async function* () {
      yield 'first half, ';
      await new Promise((r) => setTimeout(r, 60));
      yield 'second half';
    };
    const audio = stage('audio', {}, async (ctx) => {
      void ctx.output.writeChunks('a.mp3', slowChunks());
    });
    const book = stage('book', { needs: ['audio'] }, async (ctx) => {
      await ctx.output.write('a.epub', 'book');
    });
    const res = await runStages(planStages([book], [audio]), article, options(out), new Diagnostics());
    expect(readFileSync(path.join(out, 'a.mp3'), 'utf8')).toBe('first half, second half');
    expect(res.files).toEqual([path.join(out, 'a.mp3'), path.join(out, 'a.epub')]);

    const broken = async function* () {
      yield 'start';
      await new Promise((r) => setTimeout(r, 30));
      throw new Error('disk on fire');
    };
    const failingAudio = stage('audio', {}, async (ctx) => {
      void ctx.output.writeChunks('a.mp3', broken());
    });
    const err = await runStages(planStages([book], [failingAudio]), article, options(out), new Diagnostics()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageError);
    expect(String(err)).toMatch(/disk on fire/);
    // Nothing of this build was committed: the earlier outputs are as they were.
    expect(readFileSync(path.join(out, 'a.mp3'), 'utf8')).toBe('first half, second half');
    expect(listFiles(out)).toEqual(['a.epub', 'a.mp3']);
  });

  it('refuses output names that leave the output folder', async () => {
    const out = tmpDir();
    const bad = stage('bad', {}, async (ctx) => {
      await ctx.output.write('../escape.txt', 'x');
    });
    await expect(runStages(planStages([bad], []), article, options(out), new Diagnostics())).rejects.toThrow(/escapes the output folder/);
  });
});
