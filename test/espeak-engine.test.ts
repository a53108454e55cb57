import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createEspeak, decodeWav, lastRunOpens, listFiles, mountedDataFiles, voiceFileTables, type EmscriptenModule } from '../src/tts/espeak.js';

/** eSpeak NG the plain way: a fresh instance that runs main once. */
async function freshInstance(text: string, voice: string): Promise<Int16Array> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('espeak-ng');
  const factory = ((await import(entry)) as { default: (o: Record<string, unknown>) => Promise<{ FS: { readFile(p: string): Uint8Array } }> }).default;
  const mod = await factory({
    arguments: ['-v', voice, '-s', '175', '-f', '/in.txt', '-w', '/out.wav'],
    print: () => {},
    printErr: () => {},
    preRun: [(m: { FS: { writeFile(p: string, d: string): void } }) => m.FS.writeFile('/in.txt', text)],
  });
  void readFileSync;
  return decodeWav(mod.FS.readFile('/out.wav')).samples;
}

describe('the embedded eSpeak NG engine', () => {
  it('gives, run after run on one restored instance, the same samples as a fresh instance', async () => {
    const engine = createEspeak();
    const texts = ['Gaza, home to 2.3 million people, has been enduring a crisis.', 'Yes.', 'The tide is the one thing here that turns up on time.'];
    const first = [];
    for (const text of texts) first.push((await engine.synthesize({ text, voice: 'en-gb', rate: 175 })).samples);
    for (const [i, text] of texts.entries()) {
      const again = (await engine.synthesize({ text, voice: 'en-gb', rate: 175 })).samples;
      expect(Buffer.from(again.buffer).equals(Buffer.from(first[i]!.buffer))).toBe(true);
      const fresh = await freshInstance(text, 'en-gb');
      expect(Buffer.from(fresh.buffer).equals(Buffer.from(first[i]!.buffer))).toBe(true);
    }
  }, 60_000);

  it('names each voice by its file (no scan of every voice) with the sound of the language name, and restores after long texts', async () => {
    const engine = createEspeak();
    const long = Array.from({ length: 40 }, (_, i) => `Sentence ${i} of a long paragraph, which makes the heap grow.`).join(' ');
    const cases: [string, string][] = [
      ['en-us', 'The senator said on Tuesday that 1,200 people had left.'],
      ['fr-fr', 'Le gouvernement a annoncé mardi de nouvelles mesures.'],
      ['de', 'Die Regierung hat am Dienstag neue Maßnahmen angekündigt.'],
      ['en-gb', long],
      ['en-gb', 'Short again.'],
    ];
    for (const [voice, text] of cases) {
      const ours = (await engine.synthesize({ text, voice, rate: 175 })).samples;
      const fresh = await freshInstance(text, voice);
      expect(ours.length).toBeGreaterThan(1000);
      expect(Buffer.from(fresh.buffer).equals(Buffer.from(ours.buffer))).toBe(true);
    }
  }, 120_000);

  it('loads a voice whose file name has capitals (gmw/en-US) directly, without reading every voice file', async () => {
    const engine = createEspeak();
    for (const voice of ['en-us', 'en-gb', 'pt-br']) {
      await engine.synthesize({ text: 'One short sentence.', voice, rate: 175 });
      // Its data (phontab, phonindex, phondata, intonations, config), the voice, its dictionary, the text, the output:
      // about ten. Searching the voices by name opens every voice file, about 370.
      expect(lastRunOpens(), voice).toBeLessThan(20);
    }
  }, 60_000);

  it("mounts its voice data as Emscripten's own loader does: the same folders and files, modes and bytes", async () => {
    const require = createRequire(import.meta.url);
    const factory = ((await import(require.resolve('espeak-ng'))) as { default: (o: Record<string, unknown>) => Promise<EmscriptenModule> }).default;
    const fresh = await factory({ noInitialRun: true, print: () => {}, printErr: () => {} });
    const theirs = listFiles(fresh.FS, '/usr/local/share/espeak-ng-data');
    const ours = await mountedDataFiles();
    expect(theirs.size).toBeGreaterThan(400);
    expect([...ours]).toEqual([...theirs]);
  }, 60_000);

  it('finds every voice\'s file from the voice files themselves, as `espeak-ng --voices` lists it', async () => {
    const { fromData, fromList } = await voiceFileTables();
    expect(fromList.size).toBeGreaterThan(100);
    // Every voice --voices lists has the same file; the voice files name no voice it does not list.
    expect(Object.fromEntries(fromData)).toEqual(Object.fromEntries(fromList));
  }, 60_000);

  it('reports its version and a voice per language', async () => {
    const engine = createEspeak();
    expect(await engine.version()).toMatch(/^1\.\d+/);
    expect(await engine.voiceFor('en')).toBe('en-gb');
    expect(await engine.voiceFor('en-US')).toBe('en-us');
    expect(await engine.voiceFor('fr')).toBe('fr-fr');
    expect(await engine.voiceFor('xx')).toBeUndefined();
  });
});

describe('decodeWav', () => {
  /** A WAV file: RIFF header, an optional chunk before `fmt `, then `data`. */
  function wav(channels: number, frames: number[][], extra?: Buffer): Uint8Array {
    const data = Buffer.alloc(frames.length * channels * 2);
    frames.forEach((f, i) => f.forEach((v, c) => data.writeInt16LE(v, (i * channels + c) * 2)));
    const fmt = Buffer.alloc(24);
    fmt.write('fmt ', 0);
    fmt.writeUInt32LE(16, 4);
    fmt.writeUInt16LE(1, 8);
    fmt.writeUInt16LE(channels, 10);
    fmt.writeUInt32LE(22050, 12);
    fmt.writeUInt32LE(22050 * channels * 2, 16);
    fmt.writeUInt16LE(channels * 2, 20);
    fmt.writeUInt16LE(16, 22);
    const head = Buffer.alloc(8);
    head.write('data', 0);
    head.writeUInt32LE(data.length, 4);
    const body = Buffer.concat([Buffer.from('WAVE'), ...(extra ? [extra] : []), fmt, head, data]);
    const riff = Buffer.alloc(8);
    riff.write('RIFF', 0);
    riff.writeUInt32LE(body.length, 4);
    // At an odd offset in a larger buffer, as a slice of a file system's memory can be.
    const out = new Uint8Array(body.length + 9);
    out.set(Buffer.concat([riff, body]), 1);
    return out.subarray(1, 1 + 8 + body.length);
  }

  it('reads mono samples, at any offset, after other chunks (an odd-sized one padded)', () => {
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.from([0])]);
    const r = decodeWav(wav(1, [[0], [1], [-1], [32767], [-32768], [1234]], list));
    expect(r.sampleRate).toBe(22050);
    expect([...r.samples]).toEqual([0, 1, -1, 32767, -32768, 1234]);
  });

  it('takes the first channel of a stereo file', () => {
    expect([...decodeWav(wav(2, [[5, -5], [-300, 300], [7, 0]])).samples]).toEqual([5, -300, 7]);
  });

  it('refuses what is not a WAV file', () => {
    expect(() => decodeWav(new Uint8Array(20))).toThrow(/not a WAV/);
  });
});
