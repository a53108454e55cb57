/**
 * LAME's quality (`--mp3-quality`, `stageOptions.audio.mp3Quality`): wasm-media-encoders
 * has no setting for it, so lectern patches the one byte of LAME's module that holds its
 * default. At 3 (LAME's own default) the patched module must encode exactly as the
 * package's; at 7 it must encode as native `lame -q 7` does, and a changed quality must
 * never reuse segments encoded at another.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMp3Encoder } from 'wasm-media-encoders';
import { buildArticle } from '../src/build.js';
import { createLame, encoderId, lameWasm, patchLameQuality } from '../src/audio/mp3.js';
import { createEspeak } from '../src/tts/espeak.js';
import { hasFfmpeg } from './audio-tools.js';
import { hasCommand, lectern, listFiles, SAMPLE, tmpDir } from './helpers.js';

const TEXTS = [
  'Gaza, home to 2.3 million people, has been enduring a crisis.',
  'The tide is the one thing here that turns up on time.',
  'The senator said on Tuesday that 1,200 people had left the city before the storm arrived, and more were expected to follow.',
];

let speech: Int16Array;
let sampleRate: number;

beforeAll(async () => {
  const engine = createEspeak();
  const parts: Int16Array[] = [];
  for (const text of TEXTS) {
    const s = await engine.synthesize({ text, voice: 'en-gb', rate: 175 });
    parts.push(s.samples);
    sampleRate = s.sampleRate;
  }
  speech = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    speech.set(p, at);
    at += p.length;
  }
}, 60_000);

async function encode(encoder: ReturnType<typeof createMp3Encoder>): Promise<Buffer> {
  const e = await encoder;
  e.configure({ sampleRate: sampleRate as 22050, channels: 1, bitrate: 64 });
  const f32 = Float32Array.from(speech, (s) => s / 32768);
  const body = e.encode([f32]).slice();
  return Buffer.concat([body, e.finalize().slice()]);
}

function packageModule(): Uint8Array {
  return new Uint8Array(readFileSync(createRequire(import.meta.url).resolve('wasm-media-encoders/wasm/mp3')));
}

describe("LAME's quality", () => {
  it('is one byte of the module: at 3 the same bytes as the package, at 7 others', async () => {
    const original = packageModule();
    for (const q of [0, 3, 7, 9]) {
      const wasm = lameWasm(q);
      expect(wasm).toMatchObject({ quality: q, patched: true });
      expect(wasm.bytes!.length).toBe(original.length);
      const changed = wasm.bytes!.reduce((n, b, i) => n + (b === original[i] ? 0 : 1), 0);
      expect(changed).toBe(q === 3 ? 0 : 1);
    }
    const own = await encode(createMp3Encoder());
    const q3 = await encode(createLame(3));
    expect(q3.equals(own)).toBe(true);
    const q7 = await encode(createLame(7));
    expect(q7.equals(own)).toBe(false);
    // CBR, same frames: only their contents differ.
    expect(q7.length).toBe(own.length);
    // LAME 3.100 runs 8 and 9 as 7.
    expect((await encode(createLame(9))).equals(q7)).toBe(true);
  }, 60_000);

  it.skipIf(!hasCommand('lame') || !hasFfmpeg)('at 7 decodes as native `lame -q 7 -b 64 --cbr -t` does, not as -q 3', async () => {
    const dir = tmpDir('lectern-lameq-');
    const raw = path.join(dir, 'speech.raw');
    writeFileSync(raw, Buffer.from(speech.buffer, speech.byteOffset, speech.byteLength));
    const decode = (file: string) => {
      const out = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 's16le', '-ac', '1', '-'], { maxBuffer: 1 << 26 });
      return new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
    };
    const native = (q: number) => {
      const file = path.join(dir, `native-q${q}.mp3`);
      execFileSync('lame', ['--silent', '-r', '-s', String(sampleRate / 1000), '--bitwidth', '16', '--signed', '--little-endian', '-m', 'm', '-b', '64', '--cbr', '-t', '-q', String(q), raw, file], { stdio: 'ignore' });
      return decode(file);
    };
    const ours = (q: number, mp3: Buffer) => {
      const file = path.join(dir, `wasm-q${q}.mp3`);
      writeFileSync(file, mp3);
      return decode(file);
    };
    /** RMS of the difference of two decodings (both start at LAME's same delay). */
    const rms = (a: Int16Array, b: Int16Array) => {
      const n = Math.min(a.length, b.length);
      expect(n).toBeGreaterThan(sampleRate * 5);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += (a[i]! - b[i]!) ** 2;
      return Math.sqrt(sum / n);
    };
    const [n3, n7] = [native(3), native(7)];
    const w7 = ours(7, await encode(createLame(7)));
    const w3 = ours(3, await encode(createLame(3)));
    // Measured: w7–n7 about 12, w7–n3 about 156 (native and wasm floating point differ a little).
    expect(rms(w7, n7) * 4).toBeLessThan(rms(w7, n3));
    expect(rms(w3, n3) * 2).toBeLessThan(rms(w3, n7));
  }, 60_000);

  it('falls back to the unpatched module at 3 when the site is not there once, and the key says so', () => {
    const original = packageModule();
    const at = Buffer.from(original).indexOf(Buffer.from([0x20, 0x00, 0x28, 0x02, 0x2c, 0x41, 0x7f, 0x4c, 0x04, 0x40, 0x20, 0x00, 0x41, 0x03]));
    expect(at).toBeGreaterThan(0);
    const other = original.slice();
    other[at + 6] = 0x7e; // another build of LAME: the site is not found
    const none = patchLameQuality(other, 7);
    expect(none).toMatchObject({ quality: 3, patched: false });
    expect(none.problem).toMatch(/found 0 times/);
    expect(none.bytes).toBe(other);
    const twice = new Uint8Array(original.length * 2);
    twice.set(original);
    twice.set(original, original.length);
    expect(patchLameQuality(twice, 7).problem).toMatch(/found 2 times/);
    expect(() => patchLameQuality(original, 10)).toThrow(RangeError);
    // Each quality has its own segments.
    expect(new Set([0, 3, 5, 7].map((q) => encoderId(q))).size).toBe(4);
    expect(encoderId(7)).toMatch(/-q7$/);
  });
});

describe('--mp3-quality', { timeout: 180_000 }, () => {
  it('re-encodes every segment at a changed quality, and takes it from the library, the command line and a config file alike', async () => {
    const cache = tmpDir('lectern-cache-');
    const lib7 = await buildArticle(SAMPLE, { outDir: tmpDir(), stages: ['audio'], cacheDir: cache });
    const lib3 = await buildArticle(SAMPLE, { outDir: tmpDir(), stages: ['audio'], cacheDir: cache, stageOptions: { audio: { mp3Quality: 3 } } });
    const stats = lib3.artifacts!.audio!.encodeStats!;
    expect(stats.segments).toBeGreaterThan(1);
    // No segment encoded at 7 is reused at 3.
    expect(stats.encoded).toBe(stats.segments);
    const mp3 = (r: typeof lib7) => readFileSync(r.files.find((f) => f.endsWith('.mp3'))!);
    expect(mp3(lib3).equals(mp3(lib7))).toBe(false);
    // The command line and a config file give the same MP3 (from the cache now).
    const dir = tmpDir();
    const cli = lectern(['build', SAMPLE, '-s', 'audio', '-o', path.join(dir, 'cli'), '--cache-dir', cache, '--mp3-quality', '3', '--no-config']);
    expect(cli.status, cli.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'cli/article.mp3')).equals(mp3(lib3))).toBe(true);
    writeFileSync(path.join(dir, 'lectern.config.json'), JSON.stringify({ mp3Quality: 3 }));
    const conf = lectern(['build', SAMPLE, '-s', 'audio', '-o', path.join(dir, 'conf'), '--cache-dir', cache], { cwd: dir });
    expect(conf.status, conf.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'conf/article.mp3')).equals(mp3(lib3))).toBe(true);
  });

  it('refuses a quality outside 0 to 9 in one line, writing nothing', () => {
    const dir = tmpDir();
    for (const bad of ['10', '2.5', 'high', '-1']) {
      const r = lectern(['build', SAMPLE, '-s', 'audio', '-o', path.join(dir, 'out'), '--no-config', `--mp3-quality=${bad}`]);
      expect(r.status).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`error: option '--mp3-quality <0-9>' argument '${bad}' is invalid. expected a whole number, 0 (best) to 9 (fastest)`);
    }
    writeFileSync(path.join(dir, 'lectern.config.json'), JSON.stringify({ mp3Quality: 12 }));
    const conf = lectern(['build', SAMPLE, '-s', 'audio', '-o', path.join(dir, 'out')], { cwd: dir });
    expect([conf.status, conf.stderr.trim()]).toEqual([2, 'lectern: lectern.config.json: error: mp3Quality: expected a whole number, 0 (best) to 9 (fastest)']);
    expect(listFiles(dir)).toEqual(['lectern.config.json']);
  });
});
