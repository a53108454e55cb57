/**
 * Neural voices (Piper/VITS and Kokoro models) run by sherpa-onnx (`sherpa-onnx-node`, an
 * optional dependency with a prebuilt native library for each platform). Voices are model
 * folders installed with `lectern voices add` (see voice-store.ts); nothing is downloaded
 * at build time. Runs on the synthesis threads like eSpeak NG: each thread loads a voice
 * once and keeps it. Clips come out at the voice's own sample rate.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { LecternError } from '../article/diagnostics.js';
import { digest } from '../util/hash.js';
import { pickVoice, type Synthesis, type SynthesisRequest, type TtsEngine, type Voice } from './engine.js';
import { installedVoices, MANIFEST, parseTokens, splitVoiceId, voicesRoot, type InstalledVoice, type VoiceManifest } from './voice-store.js';

const require = createRequire(import.meta.url);

/** The rate at which a voice speaks at speed 1 (lectern's default rate): other rates scale from it. */
const NATURAL_WPM = 175;

export const HOW_TO_GET = 'npm install sherpa-onnx-node (prebuilt for Linux x64/arm64, macOS and Windows x64)';

function missing(): LecternError {
  return new LecternError(`the neural engine needs the optional package sherpa-onnx-node, which is not installed or cannot load here: ${HOW_TO_GET}`, 'tts:missing');
}

/** sherpa-onnx-node's version, or undefined when it is not installed. */
export function sherpaVersion(): string | undefined {
  try {
    return (JSON.parse(readFileSync(require.resolve('sherpa-onnx-node/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

interface GeneratedAudio {
  samples: Float32Array;
  sampleRate: number;
}

interface OfflineTts {
  sampleRate: number;
  numSpeakers: number;
  generate(req: { text: string; sid: number; speed: number }): GeneratedAudio;
}
type Sherpa = { OfflineTts: new (config: unknown) => OfflineTts };

let sherpa: Sherpa | undefined;
function loadSherpa(): Sherpa {
  if (sherpa) return sherpa;
  try {
    sherpa = require('sherpa-onnx-node') as Sherpa;
  } catch {
    throw missing();
  }
  return sherpa;
}

/** Kokoro speaker names start with a language letter: af_bella is American English, bf_emma British. */
const KOKORO_PREFIX: Record<string, string> = { a: 'en-US', b: 'en-GB', e: 'es', f: 'fr', h: 'hi', i: 'it', j: 'ja', p: 'pt-BR', z: 'zh' };

export function voicesOf(m: VoiceManifest): Voice[] {
  const label = `${m.family}, ${m.sampleRate} Hz, licence: ${m.licence}`;
  if (m.speakers.length <= 1) return [{ id: m.id, name: `${m.id} (${label})`, languages: m.languages }];
  // The folder's id alone is its first speaker.
  return [
    { id: m.id, name: `${m.id} (${label}; speaker ${m.speakers[0]})`, languages: m.languages },
    ...m.speakers.map((s) => {
      const lang = m.kind === 'kokoro' ? KOKORO_PREFIX[/^([a-z])[fm]_/.exec(s)?.[1] ?? ''] : undefined;
      return { id: `${m.id}:${s}`, name: `${m.id} speaker ${s}`, languages: lang ? [lang, ...m.languages.filter((l) => l !== lang)] : m.languages };
    }),
  ];
}

/** The sherpa-onnx configuration for a voice folder. */
export function sherpaConfig(v: InstalledVoice): unknown {
  const f = (p?: string) => (p ? path.join(v.dir, p) : '');
  const common = { numThreads: 1, provider: 'cpu', debug: 0 };
  const lexicon = (v.files.lexicon ?? []).map((l) => f(l)).join(',');
  if (v.kind === 'kokoro') {
    return { model: { kokoro: { model: f(v.files.model), voices: f(v.files.voices), tokens: f(v.files.tokens), dataDir: f(v.files.dataDir), lexicon, ...(v.files.dictDir ? { dictDir: f(v.files.dictDir) } : {}) }, ...common }, maxNumSentences: 1 };
  }
  return { model: { vits: { model: f(v.files.model), tokens: f(v.files.tokens), lexicon, dataDir: f(v.files.dataDir), dictDir: f(v.files.dictDir) }, ...common }, maxNumSentences: 1 };
}

function frontendOf(m: InstalledVoice): VoiceManifest['frontend'] {
  return m.frontend ?? (m.kind === 'vits' && !m.files.lexicon && !m.files.dataDir ? 'characters' : m.files.dataDir ? 'espeak' : 'lexicon');
}

/**
 * The text as sherpa-onnx gets it, or undefined when it would make no tokens at all:
 * sherpa-onnx-node then ends the process with a segmentation fault (checked with 1.13.8),
 * so such text never reaches it. Every frontend needs a letter or a digit; a character
 * voice needs one of its own characters, and a sentence end after a last sentence that has
 * none (sherpa-onnx drops a final unterminated sentence of a single character).
 */
export function speakable(text: string, symbols?: Set<string>): string | undefined {
  if (!/[\p{L}\p{N}]/u.test(text)) return undefined;
  if (!symbols) return text;
  // sherpa-onnx lowers ASCII letters only.
  const chars = [...text.replace(/[A-Z]/g, (c) => c.toLowerCase())];
  if (!chars.some((c) => symbols.has(c))) return undefined;
  return /[.:?!]\s*$/.test(text) || !symbols.has('.') ? text : `${text.trimEnd()}.`;
}

/**
 * Cuts text into pieces of at most `max` characters: after the last sentence end in reach,
 * else the last clause mark (, ; : dash), else the last space; a word longer than `max` is cut.
 */
export function splitText(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = -1;
    for (const mark of [/[.!?]\s/g, /[,;:\u2013\u2014]\s/g, /\s/g]) {
      let last = -1;
      for (const m of window.matchAll(mark)) last = m.index + m[0].length - 1;
      if (last > max / 3) {
        cut = last + 1;
        break;
      }
    }
    if (cut < 0) cut = max;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}

/** Float samples in [-1, 1] to 16-bit PCM. */
export function toPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    out[i] = Math.round((s > 1 ? 1 : s < -1 ? -1 : s) * 32767);
  }
  return out;
}

export function createNeural(root = voicesRoot()): TtsEngine {
  /** Loaded voices of this thread, by folder. */
  const loaded = new Map<string, { tts: OfflineTts; manifest: InstalledVoice; symbols?: Set<string> }>();
  let list: Promise<InstalledVoice[]> | undefined;
  const manifests = () => (list ??= installedVoices(root));

  async function voice(id: string) {
    const { folder, speaker } = splitVoiceId(id);
    let entry = loaded.get(folder);
    if (!entry) {
      const manifest = (await manifests()).find((m) => m.id === folder);
      if (!manifest) throw new LecternError(`no neural voice "${folder}" is installed in ${root} (lectern voices add <url-or-archive>)`, 'tts:voice');
      const lib = loadSherpa();
      let tts: OfflineTts;
      try {
        tts = new lib.OfflineTts(sherpaConfig(manifest));
      } catch (e) {
        throw new LecternError(`sherpa-onnx could not load voice "${folder}": ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, 'tts:failed');
      }
      const symbols = frontendOf(manifest) === 'characters' ? new Set(parseTokens(readFileSync(path.join(manifest.dir, manifest.files.tokens), 'utf8')).symbols.keys()) : undefined;
      entry = { tts, manifest, ...(symbols ? { symbols } : {}) };
      loaded.set(folder, entry);
    }
    let sid = 0;
    if (speaker !== undefined) {
      sid = entry.manifest.speakers.indexOf(speaker);
      if (sid < 0) throw new LecternError(`voice "${folder}" has no speaker "${speaker}" (it has ${entry.manifest.speakers.join(', ')})`, 'tts:voice');
    }
    return { ...entry, sid };
  }

  const engine: TtsEngine = {
    id: 'neural',
    description: 'neural voices (Piper/VITS, Kokoro) from installed model files, via sherpa-onnx',
    capabilities: { ssml: false, wordTimings: false, workerSafe: true },
    fallback: 'espeak',
    async version() {
      const v = sherpaVersion();
      if (!v) throw missing();
      return `sherpa-onnx-node@${v}`;
    },
    identity() {
      // The library's version and every installed voice's model checksum: installing or
      // replacing a voice changes the engine's voices (and so the cached list of them).
      const voices: string[] = [];
      for (const name of (() => {
        try {
          return readdirSync(root).sort();
        } catch {
          return [];
        }
      })()) {
        try {
          const m = JSON.parse(readFileSync(path.join(root, name, MANIFEST), 'utf8')) as VoiceManifest;
          voices.push(`${m.id}=${m.sha256}`);
        } catch {
          /* not a voice */
        }
      }
      return `sherpa-onnx-node@${sherpaVersion() ?? 'missing'}:${root}:${digest(voices.join(','), 16)}`;
    },
    async voices() {
      return (await manifests()).flatMap(voicesOf);
    },
    async voiceFor(lang) {
      return pickVoice(await engine.voices(), lang);
    },
    async synthesize(req: SynthesisRequest): Promise<Synthesis> {
      const { tts, sid, symbols, manifest } = await voice(req.voice);
      // Kokoro runs at most maxTokens phonemes at once, and sherpa-onnx 1.13.8 ends the
      // process ("Bad things happened!") when its own split of a long sentence lands on that
      // limit: such text goes in pieces short enough never to need splitting (at most two
      // phonemes a character), cut at punctuation or spaces.
      const pieces = manifest.kind === 'kokoro' && manifest.maxTokens ? splitText(req.text, Math.max(8, Math.floor((manifest.maxTokens - 2) / 2))) : [req.text];
      const parts: Float32Array[] = [];
      for (const piece of pieces) {
        const text = speakable(piece, symbols);
        // Nothing sherpa-onnx could say: no samples (it would crash on it).
        if (text === undefined) continue;
        try {
          parts.push(tts.generate({ text, sid, speed: req.rate / NATURAL_WPM }).samples);
        } catch (e) {
          throw new LecternError(`sherpa-onnx failed for voice "${req.voice}": ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, 'tts:failed');
        }
      }
      const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.length;
      }
      return { samples: toPcm16(all), sampleRate: tts.sampleRate };
    },
  };
  return engine;
}
