import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createEspeak, decodeWav, lastRunOpens } from '../src/tts/espeak.js';

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

  it('reports its version and a voice per language', async () => {
    const engine = createEspeak();
    expect(await engine.version()).toMatch(/^1\.\d+/);
    expect(await engine.voiceFor('en')).toBe('en-gb');
    expect(await engine.voiceFor('en-US')).toBe('en-us');
    expect(await engine.voiceFor('fr')).toBe('fr-fr');
    expect(await engine.voiceFor('xx')).toBeUndefined();
  });
});
