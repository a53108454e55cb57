/**
 * The first worker thread of a build that will narrate starts in the command's launcher
 * (scripts/lectern-bin.cjs), before the command's code loads, and the build's pool takes it
 * (src/workers/early.ts). `LECTERN_EARLY_THREAD_CHECK=1` makes the launcher say, at exit,
 * what became of it: `taken`, `dropped` (the build stopped it), `left` (the command ended
 * before a build looked at it), or `none` (not started).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lectern, tmpDir } from './helpers.js';

const check = { LECTERN_EARLY_THREAD_CHECK: '1' };
const fate = (stderr: string) => stderr.match(/^lectern: early thread (\w+)$/m)?.[1];
const short = (dir: string) => {
  const file = path.join(dir, 'short.md');
  writeFileSync(file, '---\nheadline: A short story\n---\n\nThe first sentence. The second sentence.\n\nA last paragraph.\n');
  return file;
};

describe('the thread started before the command loads', () => {
  it('is taken by a build that narrates, cold (one thread of two) and again with its clips cached; the outputs are those of a build without it', () => {
    const dir = tmpDir();
    const file = short(dir);
    const cache = path.join(dir, 'cache');
    const build = (out: string, cwd = dir, extra: string[] = []) =>
      lectern(['build', file, '-o', path.join(dir, out), '-s', 'audio,transcript', '--cache-dir', cache, '--workers', '2', ...extra], { cwd, env: check });
    const cold = build('cold', dir, ['--no-config']);
    expect(cold.status, cold.stderr).toBe(0);
    expect(fate(cold.stderr)).toBe('taken');
    const again = build('again', dir, ['--no-config']);
    expect(fate(again.stderr)).toBe('taken');
    // A config file in the folder could choose another engine or no narration: no early thread.
    const elsewhere = tmpDir();
    writeFileSync(path.join(elsewhere, 'lectern.config.json'), '{}\n');
    const without = build('without', elsewhere);
    expect(without.status, without.stderr).toBe(0);
    expect(fate(without.stderr)).toBe('none');
    for (const name of ['short.mp3', 'short.vtt']) {
      expect(readFileSync(path.join(dir, 'again', name)).equals(readFileSync(path.join(dir, 'cold', name))), name).toBe(true);
      expect(readFileSync(path.join(dir, 'without', name)).equals(readFileSync(path.join(dir, 'cold', name))), name).toBe(true);
    }
  }, 120_000);

  it('is not started for a build without narration, another engine, a plugin or a config file', () => {
    const dir = tmpDir();
    const file = short(dir);
    const run = (args: string[]) => lectern(['build', file, '-o', path.join(dir, 'out'), '--no-config', ...args], { cwd: dir, env: check });
    const epub = run(['-s', 'epub']);
    expect(epub.status, epub.stderr).toBe(0);
    expect(fate(epub.stderr)).toBe('none');
    expect(fate(run(['-s', 'epub,read-aloud', '--no-overlays']).stderr)).toBe('none');
    expect(fate(run(['--stages=json']).stderr)).toBe('none');
    // Failing at once (an unknown engine, a missing plugin): the launcher never started a thread.
    expect(fate(run(['-e', 'nosuch']).stderr)).toBe('none');
    expect(fate(run(['--plugin', './nosuch.mjs']).stderr)).toBe('none');
  }, 120_000);

  it('never holds up the exit of a command that fails: before any build (left), or reading the article (taken, then stopped)', () => {
    const dir = tmpDir();
    const file = short(dir);
    const run = (args: string[]) => {
      const started = Date.now();
      const r = lectern(['build', ...args, '-o', path.join(dir, 'out'), '--no-config'], { cwd: dir, env: check });
      return { ...r, took: Date.now() - started, errors: r.stderr.trim().split('\n').filter((l) => !l.startsWith('lectern: early thread')) };
    };
    const badRate = run([file, '--rate', '5000']);
    expect(badRate.status).toBe(2);
    expect(badRate.errors[0]).toMatch(/'--rate <wpm>' argument '5000' is invalid/);
    expect(fate(badRate.stderr)).toBe('left');
    expect(badRate.took).toBeLessThan(5_000);
    const missing = run([path.join(dir, 'missing.md')]);
    expect(missing.status).not.toBe(0);
    expect(missing.errors).toEqual([expect.stringMatching(/missing\.md/)]);
    expect(fate(missing.stderr)).toBe('taken');
    expect(missing.took).toBeLessThan(5_000);
  }, 60_000);
});
