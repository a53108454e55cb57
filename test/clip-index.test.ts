/**
 * The clip cache's index of lengths (`clips/lengths.idx`, src/tts/cache.ts): a new process
 * learns each clip's length from it and a `stat`, without reading the clip, and still never
 * uses a clip's samples before reading and checking them. A clip damaged in place, with its
 * size and time kept (so that only reading it shows the damage), is found when the build
 * needs it, made again with a warning, and the outputs are those of a sound cache.
 */
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { lectern, tmpDir } from './helpers.js';

/** A fresh copy of the cache module, as a new process has it: nothing checked yet. */
async function freshCache(dir: string) {
  vi.resetModules();
  const { ClipCache } = await import('../src/tts/cache.js');
  return new ClipCache(dir);
}

/** Some time in the past, in whole seconds, that a file can be given again exactly. */
const WHEN = 1_700_000_000;

/** Flips bytes inside the samples of a clip file and gives it back its size and time: damage only reading shows. */
function damageInPlace(file: string): void {
  const bytes = readFileSync(file);
  for (let i = 60; i < 70; i++) bytes[i]! ^= 0xff;
  writeFileSync(file, bytes);
  utimesSync(file, WHEN, WHEN);
}

describe('the index of clip lengths', () => {
  it('gives a new process a clip’s length without reading it; `verify` reads and checks it before use', async () => {
    const dir = path.join(tmpDir(), 'clips');
    const keys = ['ab'.repeat(32), 'cd'.repeat(32)];
    let cache = await freshCache(dir);
    await cache.write(keys[0]!, { samples: new Int16Array(300).fill(7), sampleRate: 22050 });
    await cache.write(keys[1]!, { samples: new Int16Array(200).fill(9), sampleRate: 22050 });
    for (const k of keys) utimesSync(cache.file(k), WHEN, WHEN);
    // Changed times: read whole again, and indexed with them.
    expect(await cache.probe(keys[0]!)).toEqual({ kind: 'hit', sampleRate: 22050, samples: 300 });
    expect(await cache.probe(keys[1]!)).toEqual({ kind: 'hit', sampleRate: 22050, samples: 200 });
    await cache.saveIndex();
    expect(statSync(path.join(dir, 'lengths.idx')).size).toBeGreaterThan(40 + 2 * 56);

    damageInPlace(cache.file(keys[0]!));
    cache = await freshCache(dir);
    // From the index: the damage is not seen, and the clip is not taken as checked.
    expect(await cache.probe(keys[0]!)).toEqual({ kind: 'hit', sampleRate: 22050, samples: 300 });
    expect(cache.verified(keys[0]!)).toBe(false);
    // Before its samples are used, it is read: the damage is found.
    expect(await cache.verify(keys[0]!)).toEqual({ kind: 'corrupt', reason: 'checksum mismatch' });
    expect(await cache.verify(keys[1]!)).toEqual({ kind: 'hit', sampleRate: 22050, samples: 200 });
    expect(cache.verified(keys[1]!)).toBe(true);

    // A clip whose file changed (another size or time) is read again, whatever the index says.
    cache = await freshCache(dir);
    writeFileSync(cache.file(keys[1]!), readFileSync(cache.file(keys[1]!)).subarray(0, 100));
    expect(await cache.probe(keys[1]!)).toEqual({ kind: 'corrupt', reason: 'truncated' });
  });

  it('a damaged index is not used: every clip is read and checked, and the index is written again', async () => {
    const dir = path.join(tmpDir(), 'clips');
    const key = 'ef'.repeat(32);
    let cache = await freshCache(dir);
    await cache.write(key, { samples: new Int16Array(100).fill(3), sampleRate: 16000 });
    utimesSync(cache.file(key), WHEN, WHEN);
    await cache.probe(key);
    await cache.saveIndex();
    const index = path.join(dir, 'lengths.idx');
    const bytes = readFileSync(index);
    bytes[bytes.length - 20]! ^= 0x01;
    writeFileSync(index, bytes);
    damageInPlace(cache.file(key));
    cache = await freshCache(dir);
    // Not from the damaged index: read, and found damaged.
    expect(await cache.probe(key)).toEqual({ kind: 'corrupt', reason: 'checksum mismatch' });
    await cache.remove(key);
    await cache.write(key, { samples: new Int16Array(100).fill(4), sampleRate: 16000 });
    await cache.saveIndex();
    expect(readFileSync(index).equals(bytes)).toBe(false);
    cache = await freshCache(dir);
    expect(await cache.probe(key)).toEqual({ kind: 'hit', sampleRate: 16000, samples: 100 });
  });
});

describe('a build never uses a clip known only from the index before checking it', () => {
  const article = '---\nheadline: A short story\n---\n\nThe first sentence. The second sentence.\n\nA last paragraph.\n';
  const clipFiles = (cache: string) =>
    readdirSync(path.join(cache, 'clips'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.clip'))
      .map((f) => path.join(cache, 'clips', f));
  const setUp = (format: 'mp3' | 'wav') => {
    const dir = tmpDir();
    const cache = tmpDir('lectern-cache-');
    const file = path.join(dir, 'short.md');
    writeFileSync(file, article);
    const build = (out: string) => lectern(['build', file, '-o', path.join(dir, out), '-s', 'audio', '--audio', format, '--cache-dir', cache, '--json', '--no-config']);
    const first = build('first');
    expect(first.status, first.stderr).toBe(0);
    // Every clip given a time that can be given back exactly; the next build reads them
    // again (their time changed) and indexes them with it.
    for (const clip of clipFiles(cache)) utimesSync(clip, WHEN, WHEN);
    const second = build('second');
    expect(second.status, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).articles[0].narration).toMatchObject({ synthesised: 0, repaired: 0 });
    const output = (out: string) => readFileSync(path.join(dir, out, `short.${format}`));
    expect(output('second').equals(output('first'))).toBe(true);
    return { cache, build, output, clips: clipFiles(cache) };
  };
  const warnings = (stdout: string) =>
    JSON.parse(stdout)
      .articles[0].diagnostics.filter((d: { rule: string }) => d.rule === 'cache:corrupt')
      .map((d: { message: string }) => d.message);

  it('a WAV reads every clip: one damaged in place is found, made again with a warning, and the WAV is as before', () => {
    const { build, output, clips } = setUp('wav');
    damageInPlace(clips[1]!);
    const third = build('third');
    expect(third.status, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout).articles[0].narration).toMatchObject({ synthesised: 1, repaired: 1, cached: clips.length - 1 });
    expect(warnings(third.stdout)).toEqual([expect.stringMatching(/^cache entry [0-9a-f]{12} was damaged \(checksum mismatch\); synthesising it again$/)]);
    expect(output('third').equals(output('first'))).toBe(true);
  }, 120_000);

  it('an MP3 reads the clips of the segments it encodes: a damaged clip in a cached segment is not needed; once its segment must be encoded, it is made again first', () => {
    const { cache, build, output, clips } = setUp('mp3');
    damageInPlace(clips[0]!);
    // Every segment is cached: no clip's samples are needed, and none is read.
    const third = build('third');
    expect(third.status, third.stderr).toBe(0);
    expect(warnings(third.stdout)).toEqual([]);
    expect(output('third').equals(output('first'))).toBe(true);
    // The segments gone: every clip is needed, and the damaged one is found before it is encoded.
    rmSync(path.join(cache, 'mp3'), { recursive: true });
    const fourth = build('fourth');
    expect(fourth.status, fourth.stderr).toBe(0);
    expect(JSON.parse(fourth.stdout).articles[0].narration).toMatchObject({ synthesised: 1, repaired: 1 });
    expect(warnings(fourth.stdout)).toEqual([expect.stringMatching(/^cache entry [0-9a-f]{12} was damaged \(checksum mismatch\); synthesising it again$/)]);
    expect(output('fourth').equals(output('first'))).toBe(true);
  }, 120_000);
});

describe('an edit after clips were damaged in place', () => {
  it('re-encodes the edited segment from clips made again, and leaves the damaged clips it does not need unread: the outputs are those of a cold build', () => {
    const dir = tmpDir();
    const cache = tmpDir('lectern-cache-');
    // Short sentences: a segment (2 s or more) holds several.
    const words = ['red', 'green', 'blue', 'white', 'black', 'brown', 'grey', 'pink'];
    const paragraph = (n: number) => words.map((w, i) => `The ${w} boat number ${n * 10 + i} sails.`).join(' ');
    const source = `---\nheadline: Boats\n---\n\n${[1, 2, 3, 4].map(paragraph).join('\n\n')}\n`;
    const file = path.join(dir, 'boats.md');
    writeFileSync(file, source);
    const build = (out: string, cacheDir = cache) => lectern(['build', file, '-o', path.join(dir, out), '-s', 'audio,transcript', '--cache-dir', cacheDir, '--json', '--no-config']);
    expect(build('first').status).toBe(0);
    const clips = readdirSync(path.join(cache, 'clips'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.clip'))
      .map((f) => path.join(cache, 'clips', f));
    for (const clip of clips) utimesSync(clip, WHEN, WHEN);
    expect(build('second').status).toBe(0);
    // Every clip damaged, size and time kept: only the index knows their lengths.
    for (const clip of clips) damageInPlace(clip);
    // One sentence changed in the middle of the second paragraph.
    writeFileSync(file, source.replace('The blue boat number 12 sails.', 'The blue boat number 12 sails away.'));
    const edited = build('edited');
    expect(edited.status, edited.stderr).toBe(0);
    const report = JSON.parse(edited.stdout).articles[0];
    // The clips of the re-encoded segments were found damaged and made again; the others were not needed.
    expect(report.narration.repaired).toBeGreaterThan(0);
    expect(report.narration.repaired).toBeLessThan(clips.length / 2);
    expect(report.narration.synthesised).toBe(report.narration.repaired + 1);
    const cold = build('cold', tmpDir('lectern-cache-'));
    expect(cold.status).toBe(0);
    for (const name of ['boats.mp3', 'boats.vtt']) expect(readFileSync(path.join(dir, 'edited', name)).equals(readFileSync(path.join(dir, 'cold', name))), name).toBe(true);
  }, 180_000);
});
