/**
 * Stage options are declared as schemas and parsed once at the boundary: a wrong value is
 * one line naming the option (library, CLI, config file), defaults are filled in, a
 * config's stage options are not overwritten by flags left at their defaults, and the
 * engine is given once.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, createRegistry, defineStage, resolveStageOptions, z } from 'lectern';
import { lectern, listFiles, SAMPLE, tmpDir } from './helpers.js';

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const PULLQUOTE = 'The tide is the one thing here that turns up on time.';
/** How often the pull quote's words are said (the body says them once; the pull quote repeats them). */
const said = (file: string) => readFileSync(file, 'utf8').split(PULLQUOTE).length - 1;

describe('stage options', { timeout: 120_000 }, () => {
  it("refuses stageOptions.audio.format: 'ogg' in one line instead of writing an MP4 named .ogg", async () => {
    const out = tmpDir();
    const [r, ...rest] = await build([SAMPLE], { outDir: out, stages: ['audio'], stageOptions: { audio: { format: 'ogg' } }, cacheDir: false });
    expect(rest).toEqual([]);
    expect(r!.ok).toBe(false);
    expect(String(r!.error)).toBe('error: stageOptions.audio.format: expected one of mp3, wav, m4b (got "ogg")');
    expect(listFiles(out)).toEqual([]);
  });

  it('refuses a config whose stageOptions.epub.conformsTo is not a string, naming the config file (exit 2)', () => {
    const dir = tmpDir();
    write(dir, 'lectern.config.json', JSON.stringify({ stageOptions: { epub: { conformsTo: { a: 1 } } } }));
    const r = lectern(['build', SAMPLE, '-s', 'epub', '-o', path.join(dir, 'out')], { cwd: dir });
    expect([r.status, r.stderr.trim()]).toEqual([2, 'lectern: lectern.config.json: error: stageOptions.epub.conformsTo: expected a string (got {"a":1})']);
    expect(listFiles(dir)).toEqual(['lectern.config.json']);
  });

  it('keeps a config file’s stageOptions.speech.readPullquotes when no flag is given; a flag given wins', () => {
    const dir = tmpDir();
    write(dir, 'lectern.config.json', JSON.stringify({ stageOptions: { speech: { readPullquotes: true } } }));
    const r = lectern(['build', SAMPLE, '-s', 'speech', '-o', path.join(dir, 'out')], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const withQuotes = said(path.join(dir, 'out/article.speech.txt'));
    // Without the config, the pull quote is not read.
    const plain = lectern(['build', SAMPLE, '-s', 'speech', '-o', path.join(dir, 'plain'), '--no-config']);
    expect(plain.status, plain.stderr).toBe(0);
    expect(withQuotes).toBe(said(path.join(dir, 'plain/article.speech.txt')) + 1);
    // A config option (not stageOptions) and the command line set it too.
    write(dir, 'flag/lectern.config.json', JSON.stringify({ readPullquotes: true, stageOptions: { speech: { readPullquotes: false } } }));
    const flag = lectern(['build', SAMPLE, '-s', 'speech', '-o', path.join(dir, 'flag/out')], { cwd: path.join(dir, 'flag') });
    expect(flag.status, flag.stderr).toBe(0);
    expect(said(path.join(dir, 'flag/out/article.speech.txt'))).toBe(withQuotes);
  });

  it('takes the engine once: narration.engine, or speech.engine for both; two different ones are refused', () => {
    const registry = createRegistry();
    const one = resolveStageOptions(registry, { speech: { engine: 'say' } });
    expect([one.narration.engine, one.speech.engine]).toEqual(['say', 'say']);
    const defaults = resolveStageOptions(registry, {});
    expect(defaults.narration).toEqual({ engine: 'espeak', rate: 175 });
    expect(defaults.audio).toEqual({ format: 'mp3', mp3Quality: 5 });
    expect(() => resolveStageOptions(registry, { speech: { engine: 'say' }, narration: { engine: 'espeak' } })).toThrow(
      'stageOptions.speech.engine: "say" differs from stageOptions.narration.engine "espeak"; give the engine once, as narration.engine',
    );
  });

  it.each([
    [{ narration: { rate: 900 } }, 'stageOptions.narration.rate: expected number to be <=500 (got 900)'],
    [{ narration: { rate: '175' } }, 'stageOptions.narration.rate: expected a number (got "175")'],
    [{ transcript: { srt: 'yes' } }, 'stageOptions.transcript.srt: expected a boolean (got "yes")'],
    [{ audio: { fromat: 'wav' } }, 'stageOptions.audio: unknown option "fromat"'],
    [{ audio: { mp3Quality: 10 } }, 'stageOptions.audio.mp3Quality: expected number to be <=9 (got 10)'],
    [{ audio: { mp3Quality: 2.5 } }, 'stageOptions.audio.mp3Quality: expected a whole number (got 2.5)'],
    [{ epub: { certifiedBy: 'Me' } }, 'stageOptions.epub.certifiedBy: needs conformsTo (the claim being certified) (got "Me")'],
    [{ nope: {} }, 'stageOptions.nope: there is no stage of this name (stages: epub, cover, images, json, speech, narration, audio, read-aloud, web, transcript)'],
    [{ audio: 'wav' }, 'stageOptions: expected { "stage-name": { option: value } }'],
  ])('refuses %j in one line', (given, message) => {
    expect(() => resolveStageOptions(createRegistry(), given)).toThrow(message);
    try {
      resolveStageOptions(createRegistry(), given);
    } catch (e) {
      expect(String(e)).toBe(`error: ${message}`);
    }
  });

  it('gives a plugin stage its options parsed by its own schema', async () => {
    const seen: unknown[] = [];
    const stage = defineStage({
      name: 'probe',
      description: 'records its options',
      options: z.strictObject({ width: z.number().int().min(20).default(72) }),
      async run(ctx) {
        seen.push(ctx.options.stageOptions['probe']);
      },
    });
    const out = tmpDir();
    const [ok] = await build([SAMPLE], { outDir: out, stages: ['json'], extraStages: [stage] });
    expect(ok!.ok, String(ok!.error)).toBe(true);
    const [bad] = await build([SAMPLE], { outDir: out, stages: ['json'], extraStages: [stage], stageOptions: { probe: { width: 5 } } });
    expect(String(bad!.error)).toBe('error: stageOptions.probe.width: expected number to be >=20 (got 5)');
    expect(seen).toEqual([{ width: 72 }]);
  });
});
