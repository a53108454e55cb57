/**
 * The neural engine (sherpa-onnx) with a voice the tests make themselves (tiny-voice.ts):
 * a real ONNX model run by the real native library, through the whole pipeline.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNeural, splitText } from '../src/tts/neural.js';
import { inspectVoiceFolder, MANIFEST } from '../src/tts/voice-store.js';
import { BIN, lectern, listFiles, ROOT, SAMPLE, tmpDir } from './helpers.js';
import { decode, decodeSamples, hasFfmpeg, parseVtt } from './audio-tools.js';
import { ace, epubcheck, hasAce, hasEpubcheck } from './validators.js';
import { SAMPLES_PER_TOKEN, TINY_SAMPLE_RATE, tinyTokenIds, tinyWaveform, writeEspeakData, writeTinyKokoro, writeTinyVoice, type TinyVoiceOptions } from './tiny-voice.js';

/** A data folder with the tiny voice installed as `tiny-en` (manifest written the way `voices add` does). */
export async function dataHomeWithTinyVoice(opts: TinyVoiceOptions = {}): Promise<string> {
  const home = tmpDir('lectern-data-');
  const root = path.join(home, 'lectern', 'voices');
  const dir = writeTinyVoice(path.join(root, 'tiny-en'), opts);
  const manifest = await inspectVoiceFolder(dir, { id: 'tiny-en', licence: 'CC0-1.0 (test voice)', source: 'test', language: 'en' });
  writeFileSync(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2));
  return home;
}

let home: string;
beforeAll(async () => {
  home = await dataHomeWithTinyVoice();
});

describe('the neural engine', () => {
  it('lists the installed voice with its language, sample rate and licence', async () => {
    const engine = createNeural(path.join(home, 'lectern', 'voices'));
    const voices = await engine.voices();
    expect(voices).toEqual([{ id: 'tiny-en', name: 'tiny-en (vits, 16000 Hz, licence: CC0-1.0 (test voice))', languages: ['en'] }]);
    expect(await engine.voiceFor('en-GB')).toBe('tiny-en');
    expect(await engine.version()).toMatch(/^sherpa-onnx-node@\d+\.\d+\.\d+$/);
  });

  it('makes exactly the waveform the model defines, at the voice\'s sample rate, and speaks faster at a higher rate', async () => {
    const engine = createNeural(path.join(home, 'lectern', 'voices'));
    const text = 'Hello, world. It is 10 past 2!';
    const s = await engine.synthesize({ text, voice: 'tiny-en', rate: 175 });
    expect(s.sampleRate).toBe(TINY_SAMPLE_RATE);
    const want = tinyWaveform(tinyTokenIds(text));
    expect(s.samples.length).toBe(want.length);
    let worst = 0;
    want.forEach((w, i) => (worst = Math.max(worst, Math.abs(Math.round(w * 32767) - s.samples[i]!))));
    expect(worst).toBeLessThanOrEqual(1);
    const fast = await engine.synthesize({ text, voice: 'tiny-en', rate: 350 });
    expect(fast.samples.length).toBe(want.length / 2);
  });

  it('never hands sherpa-onnx text that makes no tokens (sherpa-onnx-node crashes the process on it)', async () => {
    const engine = createNeural(path.join(home, 'lectern', 'voices'));
    for (const text of ['—', '“ … ”', 'ÉÉÉ']) {
      const s = await engine.synthesize({ text, voice: 'tiny-en', rate: 175 });
      expect(s.samples.length, text).toBe(0);
      expect(s.sampleRate).toBe(TINY_SAMPLE_RATE);
    }
    // A last sentence of one character gets a full stop, so it is not dropped.
    expect((await engine.synthesize({ text: 'A', voice: 'tiny-en', rate: 175 })).samples.length).toBe(tinyWaveform(tinyTokenIds('a.')).length);
  });

  it('refuses a voice it does not have, naming where it looked', async () => {
    const engine = createNeural(path.join(home, 'lectern', 'voices'));
    await expect(engine.synthesize({ text: 'a', voice: 'nope', rate: 175 })).rejects.toThrow(/no neural voice "nope" is installed in .*voices add/);
  });

  it('checks a model folder before sherpa-onnx sees it (sherpa-onnx exits the process on a missing metadata key)', async () => {
    for (const [omit, message] of [
      ['sample_rate', /lacks the metadata key "sample_rate"/],
      ['n_speakers', /lacks the metadata key "n_speakers"/],
      ['comment', /lacks the metadata key "comment"/],
    ] as const) {
      const dir = writeTinyVoice(path.join(tmpDir(), 'v'), { omit });
      await expect(inspectVoiceFolder(dir, { id: 'v', source: 'test' })).rejects.toThrow(message);
    }
    const dup = writeTinyVoice(path.join(tmpDir(), 'v'));
    writeFileSync(path.join(dup, 'tokens.txt'), 'a 1\nb 2\na 3\n');
    await expect(inspectVoiceFolder(dup, { id: 'v', source: 'test' })).rejects.toThrow('tokens.txt line 3 repeats a symbol');
    const piper = writeTinyVoice(path.join(tmpDir(), 'v'), { piper: true });
    await expect(inspectVoiceFolder(piper, { id: 'v', source: 'test' })).rejects.toThrow('a piper voice needs its espeak-ng-data folder');
    mkdirSync(path.join(piper, 'espeak-ng-data'));
    await expect(inspectVoiceFolder(piper, { id: 'v', source: 'test' })).rejects.toThrow('espeak-ng-data has no phontab (an incomplete espeak-ng-data folder)');
    for (const f of ['phontab', 'phondata', 'phonindex']) writeFileSync(path.join(piper, 'espeak-ng-data', f), '');
    writeFileSync(path.join(piper, 'tokens.txt'), '_ 0\na 1\n');
    await expect(inspectVoiceFolder(piper, { id: 'v', source: 'test' })).rejects.toThrow('tokens.txt lacks "^", "$"');
    const dir = writeTinyVoice(path.join(tmpDir(), 'v'));
    writeFileSync(path.join(dir, 'model.onnx'), 'not a model at all, just text');
    await expect(inspectVoiceFolder(dir, { id: 'v', source: 'test' })).rejects.toThrow(/model\.onnx is not a valid ONNX model/);
  });
});

describe('a read-aloud build of the sample with the tiny neural voice (two threads)', () => {
  let out: string;
  let cache: string;
  let stderr: string;
  beforeAll(() => {
    out = tmpDir();
    cache = tmpDir('lectern-cache-');
    const r = lectern(['build', SAMPLE, '-o', out, '--engine', 'neural', '--workers', '2', '--cache-dir', cache, '--audio', 'mp3'], { env: { XDG_DATA_HOME: home } });
    stderr = r.stderr;
    expect(r.status, r.stderr).toBe(0);
  }, 300_000);

  it('writes the book, the MP3, the transcript and the speech script, without falling back', () => {
    expect(listFiles(out)).toEqual(expect.arrayContaining(['article.epub', 'article.mp3', 'article.vtt', 'article.speech.txt']));
    expect(stderr).not.toMatch(/fallback|instead/);
  });

  it.skipIf(!hasEpubcheck)('passes EPUBCheck with 0 errors and 0 warnings', () => {
    expect(epubcheck(path.join(out, 'article.epub')).messages).toEqual([]);
  }, 180_000);

  it.skipIf(!hasAce)('has 0 Ace violations', () => {
    expect(ace(path.join(out, 'article.epub')).violations).toEqual([]);
  }, 300_000);

  it.skipIf(!hasFfmpeg)('has an MP3 at the voice\'s 16 kHz that decodes cleanly to the whole narration', () => {
    const file = path.join(out, 'article.mp3');
    const { errors } = decode(file);
    expect(errors).toBe('');
    const { sampleRate, samples } = decodeSamples(file);
    expect(sampleRate).toBe(TINY_SAMPLE_RATE);
    expect(samples.length / sampleRate).toBeGreaterThan(10);
  }, 60_000);

  it.skipIf(!hasFfmpeg)('has overlays in sync with the audio inside the EPUB: each clip begins after a pause and where the sound starts', async () => {
    const zip = await JSZip.loadAsync(readFileSync(path.join(out, 'article.epub')));
    const smil = await zip.file('OEBPS/article.smil')!.async('string');
    const mp3 = await zip.file('OEBPS/audio/narration.mp3')!.async('nodebuffer');
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'n.mp3'), mp3);
    const { samples, sampleRate } = decodeSamples(path.join(dir, 'n.mp3'));
    expect(sampleRate).toBe(TINY_SAMPLE_RATE);
    const clock = (c: string) => c.split(':').reduce((t, x) => t * 60 + Number(x), 0);
    const pars = [...smil.matchAll(/clipBegin="([^"]+)" clipEnd="([^"]+)"/g)].map((m) => ({ begin: clock(m[1]!), end: clock(m[2]!) }));
    expect(pars.length).toBeGreaterThan(10);
    const rms = (from: number, to: number) => {
      let sum = 0;
      for (let k = from; k < to; k++) sum += samples[k]! * samples[k]!;
      return Math.sqrt(sum / Math.max(1, to - from));
    };
    pars.forEach((p, i) => {
      if (i > 0) expect(p.begin).toBeCloseTo(pars[i - 1]!.end, 3);
      if (i === 0) return;
      const at = Math.round(p.begin * sampleRate);
      // Silence just before the clip (the pause that ends the previous sentence) ...
      expect(rms(at - Math.round(0.15 * sampleRate), at - Math.round(0.03 * sampleRate)), `silence before clip ${i}`).toBeLessThan(300);
      // ... and the voice's tone starts where the clip begins (within one 576-sample MPEG-2 frame).
      let onset = at - Math.round(0.1 * sampleRate);
      while (onset < samples.length && Math.abs(samples[onset]!) < 200) onset++;
      expect(Math.abs(onset - at), `sound at clip ${i}`).toBeLessThanOrEqual(576);
    });
    expect(pars.at(-1)!.end).toBeCloseTo(samples.length / sampleRate, 1);
  }, 60_000);

  it('has a transcript whose cues follow the speech script and end with the audio', () => {
    const cues = parseVtt(readFileSync(path.join(out, 'article.vtt'), 'utf8'));
    expect(cues.length).toBeGreaterThan(10);
    for (let i = 1; i < cues.length; i++) expect(cues[i]!.start).toBeGreaterThanOrEqual(cues[i - 1]!.start);
    if (hasFfmpeg) expect(cues.at(-1)!.end).toBeLessThanOrEqual(decode(path.join(out, 'article.mp3')).seconds + 0.1);
  }, 60_000);

  it('names the neural voice in the book\'s accessibility metadata', async () => {
    const zip = await JSZip.loadAsync(readFileSync(path.join(out, 'article.epub')));
    const opf = await zip.file('OEBPS/content.opf')!.async('string');
    expect(opf).toMatch(/<meta property="media:narrator">[^<]*sherpa-onnx[^<]*voice tiny-en/);
  });

  it('rebuilds from the clip cache: nothing synthesised again, the same bytes', () => {
    const again = tmpDir();
    const r = lectern(['build', SAMPLE, '-o', again, '--engine', 'neural', '--workers', '2', '--cache-dir', cache, '--audio', 'mp3'], { env: { XDG_DATA_HOME: home } });
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['article.epub', 'article.mp3', 'article.vtt']) expect(readFileSync(path.join(again, f)).equals(readFileSync(path.join(out, f))), f).toBe(true);
  }, 300_000);
});

describe('a Piper-style voice (espeak-ng phonemes, one "scales" input), installed from a folder', () => {
  let piperHome: string;
  beforeAll(async () => {
    piperHome = tmpDir('lectern-data-');
    const src = writeTinyVoice(path.join(tmpDir(), 'vits-piper-en_US-tiny-low'), { piper: true });
    await writeEspeakData(src);
    const r = lectern(['voices', 'add', src, '--licence', 'CC0-1.0'], { env: { XDG_DATA_HOME: piperHome } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^installed vits-piper-en_US-tiny-low: en-US, piper, 16000 Hz, [\d.]+ MB, licence: CC0-1\.0\n$/);
  }, 120_000);

  it('phonemises with espeak-ng inside sherpa-onnx and honours the rate through the scales input', async () => {
    const engine = createNeural(path.join(piperHome, 'lectern', 'voices'));
    expect(await engine.voiceFor('en')).toBe('vits-piper-en_US-tiny-low');
    const slow = await engine.synthesize({ text: 'The quick brown fox.', voice: 'vits-piper-en_US-tiny-low', rate: 175 });
    const fast = await engine.synthesize({ text: 'The quick brown fox.', voice: 'vits-piper-en_US-tiny-low', rate: 350 });
    expect(slow.sampleRate).toBe(16000);
    // Whole tokens (start, phonemes each followed by a pad, end): more than the 16 letters.
    expect(slow.samples.length % SAMPLES_PER_TOKEN).toBe(0);
    expect(slow.samples.length / SAMPLES_PER_TOKEN).toBeGreaterThan(16);
    expect(fast.samples.length).toBe(slow.samples.length / 2);
  });

  it('narrates the sample on two threads into a 16 kHz WAV', () => {
    const out = tmpDir();
    const r = lectern(['build', SAMPLE, '-o', out, '--engine', 'neural', '--workers', '2', '-s', 'speech,narration,audio,transcript', '--audio', 'wav'], { env: { XDG_DATA_HOME: piperHome } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/instead/);
    const wav = readFileSync(path.join(out, 'article.wav'));
    expect(wav.readUInt32LE(24)).toBe(16000);
    expect(wav.length).toBeGreaterThan(16000 * 2 * 10);
  }, 300_000);
});

describe('with no neural voice installed', () => {
  it('--engine neural falls back to eSpeak NG with a warning', () => {
    const out = tmpDir();
    const empty = tmpDir('lectern-data-');
    const r = lectern(['build', SAMPLE, '-o', out, '--engine', 'neural', '-s', 'speech,narration,audio', '--audio', 'wav'], { env: { XDG_DATA_HOME: empty } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: the neural engine has no installed voice for the article's language \(lectern voices add <url-or-archive>\); narrating with espeak instead/);
    expect(readFileSync(path.join(out, 'article.wav')).readUInt32LE(24)).toBe(22050);
  }, 300_000);

  it('--voice with a voice that is not installed is a usage error', () => {
    const r = lectern(['build', SAMPLE, '-o', tmpDir(), '--engine', 'neural', '--voice', 'en_US-amy-low'], { env: { XDG_DATA_HOME: tmpDir('lectern-data-') } });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown voice "en_US-amy-low" for engine neural/);
  }, 120_000);
});


describe('where sherpa-onnx-node is not installed (it is an optional dependency)', () => {
  /** lectern as installed without the optional package: the project's files, every dependency but sherpa-onnx's. */
  function installWithoutSherpa(): string {
    const dir = tmpDir('lectern-nosherpa-');
    // dist/ is copied: Node resolves a module's imports from its real path.
    cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
    for (const f of ['templates', 'assets', 'package.json']) symlinkSync(path.join(ROOT, f), path.join(dir, f));
    mkdirSync(path.join(dir, 'node_modules'));
    for (const name of readdirSync(path.join(ROOT, 'node_modules'))) {
      if (!name.startsWith('sherpa-onnx')) symlinkSync(path.join(ROOT, 'node_modules', name), path.join(dir, 'node_modules', name));
    }
    return dir;
  }

  it('builds with eSpeak NG as before, and --engine neural says how to get the package, then falls back', () => {
    const dir = installWithoutSherpa();
    const cli = path.join(dir, BIN);
    const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, XDG_DATA_HOME: home } });
    const out = tmpDir();
    const plain = run(['build', SAMPLE, '-o', out, '-s', 'speech,narration,audio', '--audio', 'wav']);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stderr).not.toMatch(/sherpa/);
    const neural = run(['build', SAMPLE, '-o', tmpDir(), '--engine', 'neural', '-s', 'speech,narration,audio', '--audio', 'wav']);
    expect(neural.status, neural.stderr).toBe(0);
    expect(neural.stderr).toMatch(/warning: the neural engine needs the optional package sherpa-onnx-node, which is not installed or cannot load here: npm install sherpa-onnx-node .*; narrating with espeak instead/);
  }, 300_000);
});

describe('a Kokoro-style voice (24 kHz, two named speakers, voices.bin), installed from a .tar.gz', () => {
  let kokoroHome: string;
  beforeAll(async () => {
    kokoroHome = tmpDir('lectern-data-');
    const src = await writeTinyKokoro(path.join(tmpDir(), 'kokoro-tiny'));
    const archive = path.join(tmpDir(), 'kokoro-tiny.tar.gz');
    expect(spawnSync('tar', ['-czf', archive, '-C', path.dirname(src), 'kokoro-tiny']).status).toBe(0);
    const r = lectern(['voices', 'add', archive, '--licence', 'Apache-2.0'], { env: { XDG_DATA_HOME: kokoroHome } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^installed kokoro-tiny: en-US, kokoro, 24000 Hz, [\d.]+ MB, licence: Apache-2\.0\n$/);
  }, 120_000);

  it('lists each speaker with the language its name gives, and speaks with the one asked for, at the rate asked for', async () => {
    const engine = createNeural(path.join(kokoroHome, 'lectern', 'voices'));
    const voices = await engine.voices();
    expect(voices.map((v) => [v.id, v.languages])).toEqual([
      ['kokoro-tiny', ['en-US']],
      ['kokoro-tiny:af_tiny', ['en-US']],
      ['kokoro-tiny:bm_tiny', ['en-GB', 'en-US']],
    ]);
    expect(await engine.voiceFor('en-GB')).toBe('kokoro-tiny:bm_tiny');
    const a = await engine.synthesize({ text: 'The quick brown fox.', voice: 'kokoro-tiny:bm_tiny', rate: 175 });
    const b = await engine.synthesize({ text: 'The quick brown fox.', voice: 'kokoro-tiny:bm_tiny', rate: 350 });
    expect(a.sampleRate).toBe(24000);
    expect(a.samples.length % SAMPLES_PER_TOKEN).toBe(0);
    expect(a.samples.length / SAMPLES_PER_TOKEN).toBeGreaterThan(10);
    expect(b.samples.length).toBe(a.samples.length / 2);
    await expect(engine.synthesize({ text: 'a', voice: 'kokoro-tiny:zz', rate: 175 })).rejects.toThrow('voice "kokoro-tiny" has no speaker "zz" (it has af_tiny, bm_tiny)');
  });

  it('says long sentences in pieces short enough that sherpa-onnx never splits them itself (its split can end the process)', async () => {
    const engine = createNeural(path.join(kokoroHome, 'lectern', 'voices'));
    // This sentence, whole, makes sherpa-onnx 1.13.8 exit with "Bad things happened! 64 vs 64".
    const text = "Mister Gareth Lowe, who chairs the harbour users' association, said fishermen had accepted the array after the council agreed to move it two hundred metres east of the main channel.";
    const s = await engine.synthesize({ text, voice: 'kokoro-tiny', rate: 175 });
    expect(s.samples.length / SAMPLES_PER_TOKEN).toBeGreaterThan(text.length / 2);
    const long = await engine.synthesize({ text: 'word '.repeat(120) + 'antidisestablishmentarianism'.repeat(3), voice: 'kokoro-tiny', rate: 175 });
    expect(long.samples.length).toBeGreaterThan(0);
  });

  it('cuts text at sentence ends, then clause marks, then spaces', () => {
    expect(splitText('One two. Three four, five six seven', 20)).toEqual(['One two.', 'Three four,', 'five six seven']);
    expect(splitText('short', 20)).toEqual(['short']);
    expect(splitText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    for (const piece of splitText('a, b; c: d — e. '.repeat(40), 31)) expect(piece.length).toBeLessThanOrEqual(31);
  });

  it.skipIf(!hasFfmpeg)('narrates the sample into a 24 kHz MP3 that decodes cleanly, with a transcript that ends with it', () => {
    const out = tmpDir();
    const r = lectern(['build', SAMPLE, '-o', out, '--engine', 'neural', '--voice', 'kokoro-tiny:af_tiny', '--workers', '2', '-s', 'speech,narration,audio,transcript'], { env: { XDG_DATA_HOME: kokoroHome } });
    expect(r.status, r.stderr).toBe(0);
    const { errors, seconds } = decode(path.join(out, 'article.mp3'));
    expect(errors).toBe('');
    expect(decodeSamples(path.join(out, 'article.mp3')).sampleRate).toBe(24000);
    const cues = parseVtt(readFileSync(path.join(out, 'article.vtt'), 'utf8'));
    expect(cues.at(-1)!.end).toBeCloseTo(seconds, 1);
  }, 300_000);
});
