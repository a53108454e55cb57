/**
 * Installed neural voices: one folder per voice under `$XDG_DATA_HOME/lectern/voices`
 * (else `~/.local/share/lectern/voices`), each with the model files as the voice's archive
 * had them and a `lectern-voice.json` manifest written when it was installed (what the
 * model is, its language, sample rate, speakers, size and licence). A folder without a
 * manifest is not a voice lectern uses: `lectern voices add <folder>` checks it and writes one.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LecternError } from '../article/diagnostics.js';
import { readOnnx } from './onnx-meta.js';

export const MANIFEST = 'lectern-voice.json';

/** `$XDG_DATA_HOME/lectern/voices`, else `~/.local/share/lectern/voices`. */
export function voicesRoot(): string {
  const base = process.env['XDG_DATA_HOME'] || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'lectern', 'voices');
}

export type ModelKind = 'vits' | 'kokoro';

export interface VoiceManifest {
  format: 1;
  /** The folder name; what `--voice` takes (with `:speaker` for a multi-speaker model). */
  id: string;
  kind: ModelKind;
  /** piper, coqui, vits (other VITS exports) or kokoro. */
  family: string;
  /** BCP 47 tags, best first. */
  languages: string[];
  sampleRate: number;
  /** Kokoro: the most tokens one model run takes (style_dim[0]); longer text is split before it. */
  maxTokens?: number;
  /** Speaker names (a single-speaker model has one, the voice's id). */
  speakers: string[];
  /** As given by the user or found in the archive; "unknown" when neither said. */
  licence: string;
  /** Where it came from: a URL or a file name. */
  source: string;
  /** SHA-256 of the archive (or of the model, for a folder), hex. */
  sha256: string;
  /** Bytes on disk. */
  size: number;
  /** How sherpa-onnx turns text into tokens: characters of tokens.txt, espeak-ng phonemes, or a lexicon. */
  frontend: 'characters' | 'espeak' | 'lexicon';
  /** Paths relative to the voice folder. */
  files: { model: string; tokens: string; lexicon?: string[]; dataDir?: string; voices?: string; dictDir?: string };
}

export interface InstalledVoice extends VoiceManifest {
  dir: string;
}

/** Every voice with a readable manifest, sorted by id. Unreadable folders are skipped. */
export async function installedVoices(root = voicesRoot()): Promise<InstalledVoice[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const out: InstalledVoice[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    const dir = path.join(root, name);
    try {
      const m = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as VoiceManifest;
      if (m.format === 1 && m.id === name) out.push({ ...m, dir });
    } catch {
      /* not a voice lectern installed */
    }
  }
  return out;
}

/** A voice that cannot be installed or used, with a one-line reason. */
export class VoiceError extends LecternError {
  constructor(message: string) {
    super(message, 'voice:invalid');
  }
}

/** Language names sherpa-onnx's VITS exports put in `language`, for voices with no better tag. */
const LANGUAGE_NAMES: Record<string, string> = {
  english: 'en', german: 'de', french: 'fr', spanish: 'es', italian: 'it', portuguese: 'pt', dutch: 'nl', russian: 'ru',
  polish: 'pl', ukrainian: 'uk', chinese: 'zh', japanese: 'ja', korean: 'ko', arabic: 'ar', czech: 'cs', danish: 'da',
  finnish: 'fi', greek: 'el', hungarian: 'hu', icelandic: 'is', norwegian: 'no', swedish: 'sv', turkish: 'tr', vietnamese: 'vi',
  catalan: 'ca', welsh: 'cy', persian: 'fa', romanian: 'ro', serbian: 'sr', slovak: 'sk', slovenian: 'sl', swahili: 'sw',
};

/** "en_US", "en-us" -> "en-US". */
function tag(s: string): string {
  const [lang, region] = s.replace(/_/g, '-').split('-');
  return region ? `${lang!.toLowerCase()}-${region.toUpperCase()}` : lang!.toLowerCase();
}

/** The voice's languages: the user's, else the model's espeak voice, its folder name (en_US-amy-low), its language name. */
function languagesOf(meta: Record<string, string>, name: string, given?: string): string[] {
  if (given) return [tag(given)];
  const fromName = /(?:^|[-_.])([a-z]{2,3})[_-]([A-Z]{2})(?=$|[-_.])/.exec(name);
  if (fromName) return [tag(`${fromName[1]}-${fromName[2]}`)];
  if (meta['voice'] && /^[a-z]{2,3}(-[a-z0-9]+)?$/i.test(meta['voice'])) return [tag(meta['voice'])];
  const named = LANGUAGE_NAMES[(meta['language'] ?? '').trim().toLowerCase()];
  return named ? [named] : ['und'];
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))).size;
  }
  return total;
}

function int(meta: Record<string, string>, key: string): number | undefined {
  const v = meta[key];
  return v !== undefined && /^-?\d+$/.test(v.trim()) ? Number(v) : undefined;
}

/**
 * Checks a voice folder as sherpa-onnx would load it and describes it: which files, which
 * kind of model, the metadata keys sherpa-onnx requires (it exits the process when one is
 * missing), the sample rate. Throws a `VoiceError` with a one-line reason.
 */
export async function inspectVoiceFolder(
  dir: string,
  opts: { id: string; licence?: string; language?: string; source: string; sha256?: string },
): Promise<VoiceManifest> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => e.name);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const models = files.filter((f) => f.endsWith('.onnx')).sort();
  if (!models.length) throw new VoiceError('no .onnx model in it');
  // Kokoro ships one model; some archives add an int8 copy: prefer the smaller one (the user chose that archive).
  const model = models.length === 1 ? models[0]! : (models.find((m) => /int8/.test(m)) ?? models[0]!);
  if (!files.includes('tokens.txt')) throw new VoiceError('no tokens.txt in it');
  let info;
  try {
    info = await readOnnx(path.join(dir, model));
  } catch (e) {
    throw new VoiceError(`${model} is not a valid ONNX model (${(e as Error).message})`);
  }
  const meta = info.metadata;
  const kind: ModelKind = files.includes('voices.bin') ? 'kokoro' : 'vits';
  const need = (key: string) => {
    if (meta[key] === undefined) throw new VoiceError(`${model} lacks the metadata key "${key}" that sherpa-onnx needs (is it a voice exported for sherpa-onnx?)`);
  };
  const sampleRate = int(meta, 'sample_rate');
  need('sample_rate');
  if (!sampleRate || sampleRate < 8000 || sampleRate > 48000) throw new VoiceError(`${model} has sample_rate "${meta['sample_rate']}" (8000 to 48000 Hz expected)`);
  need('n_speakers');
  const nSpeakers = int(meta, 'n_speakers');
  if (nSpeakers === undefined || nSpeakers < 0) throw new VoiceError(`${model} has n_speakers "${meta['n_speakers']}"`);
  const lexicon = files.filter((f) => /^lexicon.*\.txt$/.test(f)).sort();
  const tokens = parseTokens(await readFile(path.join(dir, 'tokens.txt'), 'utf8'));
  const dataDir = dirs.includes('espeak-ng-data') ? 'espeak-ng-data' : undefined;
  const dictDir = dirs.includes('dict') ? 'dict' : undefined;
  let family: string;
  let speakers: string[];
  let frontend: VoiceManifest['frontend'] = 'espeak';
  let maxTokens: number | undefined;
  if (kind === 'kokoro') {
    need('has_espeak');
    need('style_dim');
    const dims = meta['style_dim']!.split(',').map((s) => Number(s.trim()));
    if (dims.length !== 3 || dims[1] !== 1 || dims.some((d) => !Number.isInteger(d) || d <= 0)) throw new VoiceError(`${model} has style_dim "${meta['style_dim']}" (three sizes, the middle one 1, expected)`);
    const expected = dims[0]! * dims[2]! * (nSpeakers || 1) * 4;
    const actual = (await stat(path.join(dir, 'voices.bin'))).size;
    if (actual !== expected) throw new VoiceError(`voices.bin has ${actual} bytes; the model expects ${expected}`);
    if (!dataDir) throw new VoiceError('a Kokoro voice needs its espeak-ng-data folder');
    checkEspeakData(dir, dataDir);
    checkTokens(tokens, []);
    if (info.inputs.length < 3) throw new VoiceError(`${model} has ${info.inputs.length} inputs; a Kokoro model has 3`);
    // Multilingual Kokoro (version 2 and later) reads lexicons and jieba's dict folder (sherpa-onnx exits without them).
    if ((int(meta, 'version') ?? 1) >= 2 && (!lexicon.length || !dictDir)) throw new VoiceError('a multilingual Kokoro voice needs its lexicon-*.txt files and dict folder');
    family = 'kokoro';
    maxTokens = dims[0]!;
    const names = (meta['speaker_names'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    speakers = names.length === nSpeakers ? names : Array.from({ length: Math.max(1, nSpeakers) }, (_, i) => String(i));
  } else {
    need('language');
    need('comment');
    const comment = meta['comment']!;
    family = /piper/.test(comment) ? 'piper' : /coqui/.test(comment) ? 'coqui' : 'vits';
    if (info.inputs[0] !== 'x' || info.inputs[1] !== 'x_length') throw new VoiceError(`${model} has inputs ${info.inputs.join(', ') || 'none'}; a VITS voice starts with x, x_length`);
    if (family === 'piper' || family === 'coqui') {
      if (info.inputs[2] !== 'scales') throw new VoiceError(`${model} is a ${family} voice without a "scales" input`);
    } else if (info.inputs.slice(2, 5).join() !== 'noise_scale,length_scale,noise_scale_w') {
      throw new VoiceError(`${model} has inputs ${info.inputs.join(', ')}; a VITS voice has noise_scale, length_scale, noise_scale_w`);
    }
    // How sherpa-onnx turns text into tokens: characters, espeak-ng phonemes (Piper) or a lexicon.
    const characters = meta['frontend'] === 'characters';
    if (!characters && !(dataDir && family !== 'vits') && !lexicon.length) {
      throw new VoiceError(family === 'vits' ? 'the voice has neither a lexicon.txt nor frontend=characters' : `a ${family} voice needs its espeak-ng-data folder`);
    }
    if (int(meta, 'jieba') && !dictDir) throw new VoiceError('the voice uses jieba and has no dict folder');
    if (characters) checkTokens(tokens, []);
    else if (dataDir && family !== 'vits') {
      checkEspeakData(dir, dataDir);
      // sherpa-onnx looks these up without checking (a missing one ends the process).
      checkTokens(tokens, family === 'piper' ? ['_', '^', '$'] : [',']);
    }
    frontend = characters ? 'characters' : dataDir && family !== 'vits' ? 'espeak' : 'lexicon';
    speakers = Array.from({ length: Math.max(1, nSpeakers) }, (_, i) => String(i));
  }
  const modelHash = opts.sha256 ?? createHash('sha256').update(await readFile(path.join(dir, model))).digest('hex');
  return {
    format: 1,
    id: opts.id,
    kind,
    family,
    languages: languagesOf(meta, opts.id, opts.language),
    sampleRate,
    speakers,
    ...(maxTokens ? { maxTokens } : {}),
    frontend,
    licence: opts.licence ?? (await licenceIn(dir, files)) ?? 'unknown',
    source: opts.source,
    sha256: modelHash,
    size: await folderSize(dir),
    files: {
      model,
      tokens: 'tokens.txt',
      ...(kind === 'vits' && lexicon.length && !(dataDir && family !== 'vits') ? { lexicon } : {}),
      ...(kind === 'kokoro' && lexicon.length ? { lexicon } : {}),
      ...(dataDir && (kind === 'kokoro' || family !== 'vits') ? { dataDir } : {}),
      ...(kind === 'kokoro' ? { voices: 'voices.bin' } : {}),
      ...(dictDir ? { dictDir } : {}),
    },
  };
}

/**
 * tokens.txt as sherpa-onnx reads it for character, Piper and Kokoro voices: "symbol id" or
 * "id" (the space) per line, one character per symbol (`<BLNK>`-style names aside), no
 * duplicates. sherpa-onnx exits the process on any of these faults; here it is an error.
 */
export function parseTokens(text: string): { symbols: Map<string, number>; error?: string } {
  const symbols = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (!line.trim()) continue;
    const fields = line.trim().split(/\s+/);
    const [sym, id] = fields.length === 1 ? [' ', fields[0]!] : [fields[0]!, fields[1]!];
    if (fields.length > 2 || !/^\d+$/.test(id)) return { symbols, error: `tokens.txt line ${i + 1} is not "symbol id"` };
    if (/^<[A-Z]+>$/.test(sym)) continue;
    if ([...sym].length !== 1) return { symbols, error: `tokens.txt line ${i + 1} has a symbol of more than one character` };
    if (symbols.has(sym)) return { symbols, error: `tokens.txt line ${i + 1} repeats a symbol` };
    symbols.set(sym, Number(id));
  }
  return { symbols };
}

function checkTokens(tokens: ReturnType<typeof parseTokens>, required: string[]): void {
  if (tokens.error) throw new VoiceError(tokens.error);
  if (!tokens.symbols.size) throw new VoiceError('tokens.txt is empty');
  const missing = required.filter((t) => !tokens.symbols.has(t));
  if (missing.length) throw new VoiceError(`tokens.txt lacks ${missing.map((m) => `"${m}"`).join(', ')}`);
}

function checkEspeakData(dir: string, dataDir: string): void {
  for (const f of ['phontab', 'phondata', 'phonindex'])
    if (!existsSync(path.join(dir, dataDir, f))) throw new VoiceError(`${dataDir} has no ${f} (an incomplete espeak-ng-data folder)`);
}

/** A licence named in the archive: a MODEL_CARD's "License" line, or the first line of a LICENSE file. */
async function licenceIn(dir: string, files: string[]): Promise<string | undefined> {
  for (const f of files.filter((f) => /^(model_card|readme)(\.md|\.txt)?$/i.test(f))) {
    const text = await readFile(path.join(dir, f), 'utf8').catch(() => '');
    const m = /licen[sc]e\s*[:|]?\s*\**\s*([^\n|*]{2,80})/i.exec(text);
    if (m) return m[1]!.trim();
  }
  for (const f of files.filter((f) => /^licen[sc]e(\.md|\.txt)?$/i.test(f))) {
    const first = (await readFile(path.join(dir, f), 'utf8').catch(() => '')).split('\n').find((l) => l.trim());
    if (first) return first.trim().slice(0, 80);
  }
  return undefined;
}

/** The voice folder an id names (`voice` or `voice:speaker`), or undefined. */
export function splitVoiceId(id: string): { folder: string; speaker?: string } {
  const at = id.indexOf(':');
  return at < 0 ? { folder: id } : { folder: id.slice(0, at), speaker: id.slice(at + 1) };
}

export function voiceExists(root: string, id: string): boolean {
  return existsSync(path.join(root, id, MANIFEST));
}
