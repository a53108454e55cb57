/**
 * The operating system's voice. On Windows, the `say` package's `say.export()` writes a
 * WAV (SAPI reads the text on standard input). On Linux `say.export()` throws, and
 * `say.speak()` would pass the text unescaped into festival's Scheme interpreter, so there
 * lectern runs festival's `text2wave` itself; on macOS it runs `say` itself. Either way:
 * arguments as an array (no shell), the text on standard input (never inside a Scheme
 * string, never an argument).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LecternError } from '../article/diagnostics.js';
import { decodeWav } from './espeak.js';
import type { Synthesis, SynthesisRequest, TtsEngine, Voice } from './engine.js';

const isLinux = process.platform === 'linux';
/** festival's default speaking rate, in words per minute, for Duration_Stretch. */
const FESTIVAL_WPM = 175;

function festivalMissing(): LecternError {
  return new LecternError('the say engine needs festival on Linux (apt-get install festival); or use --engine espeak', 'tts:missing');
}

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? festivalMissing() : e));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** festival reads bytes, not UTF-8: give it plain ASCII it can say. */
export function festivalText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[—–]/g, ', ')
    .replace(/…/g, ', ')
    .replace(/[^\x20-\x7e\n]/g, ' ');
}

/**
 * festival's voices. The list is read after a marker line of our own: when festival cannot
 * load its default voice it first prints "Could not find any of these voices:" and the
 * list of voices it looked for, which taken as the answer made lectern ask for a voice
 * that is not installed (`SIOD ERROR: unbound variable : voice_nitech_us_slt_arctic_hts`).
 */
async function festivalVoices(): Promise<Voice[]> {
  const r = await run('festival', ['--pipe'], '(print "lectern-voices")\n(print (voice.list))\n');
  const answer = r.stdout.toString().split('"lectern-voices"')[1] ?? '';
  const names = /^\s*\(([^()]*)\)/.exec(answer)?.[1]?.split(/\s+/).filter(Boolean) ?? [];
  if (!names.length) throw new LecternError('festival has no voice installed (apt-get install festvox-kallpc16k); or use --engine espeak', 'tts:missing');
  return names.map((n) => ({ id: n, name: n.replace(/_/g, ' '), languages: [/^(kal|ked|cmu_us|rab)/.test(n) ? 'en-US' : /^(rab|gb)/.test(n) ? 'en-GB' : 'en'] }));
}

async function linuxSynthesize(req: SynthesisRequest): Promise<Synthesis> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-festival-'));
  const out = path.join(dir, 'out.wav');
  try {
    if (!/^[A-Za-z0-9_]+$/.test(req.voice)) throw new LecternError(`unknown voice "${req.voice}" for engine say`, 'tts:voice');
    const stretch = (FESTIVAL_WPM / req.rate).toFixed(3);
    const args = ['-F', '22050', '-eval', `(voice_${req.voice})`, '-eval', `(Parameter.set 'Duration_Stretch ${stretch})`, '-o', out];
    const r = await run('text2wave', args, festivalText(req.text));
    // text2wave exits 0 even when the voice is unknown: check the file.
    const wav = await readFile(out).catch(() => undefined);
    if (r.code !== 0 || !wav || wav.length <= 44) throw new LecternError(`festival text2wave failed: ${r.stderr.trim().split('\n')[0] || `exit ${r.code}`}`, 'tts:failed');
    return decodeWav(wav);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * macOS `say`, run directly rather than through the say package, which passes the text as
 * an argument (where a sentence starting with "-" would read as an option): here the text
 * comes on standard input (`-f -`) and the WAV is 16-bit, as `decodeWav` reads it.
 */
async function macSynthesize(req: SynthesisRequest): Promise<Synthesis> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-say-'));
  const out = path.join(dir, 'out.wav');
  try {
    const args = ['-v', req.voice, '-r', String(Math.round(req.rate)), '-o', out, '--file-format=WAVE', '--data-format=LEI16@22050', '-f', '-'];
    const r = await run('say', args, req.text);
    const wav = await readFile(out).catch(() => undefined);
    if (r.code !== 0 || !wav) throw new LecternError(`say failed: ${r.stderr.trim().split('\n')[0] || `exit ${r.code}`}`, 'tts:failed');
    return decodeWav(wav);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface SayModule {
  export(text: string, voice: string | null, speed: number | null, file: string, cb: (err?: Error | string) => void): void;
  getInstalledVoices(cb: (err: Error | string | undefined, voices: string[]) => void): void;
}

async function sayModule(): Promise<SayModule> {
  const mod = (await import('say')) as unknown as { default?: SayModule } & SayModule;
  return mod.default ?? mod;
}

export function createSay(): TtsEngine {
  return {
    id: 'say',
    description: isLinux ? "the system voice: festival's text2wave on Linux" : 'the system voice (say: macOS say, Windows SAPI)',
    capabilities: { ssml: false, wordTimings: false, workerSafe: false },
    async version() {
      if (!isLinux) return `say-${process.platform}`;
      const r = spawnSync('festival', ['--version'], { encoding: 'utf8' });
      if (r.error) throw festivalMissing();
      return `festival-${/System:?\s*([\d.]+)/.exec(r.stdout)?.[1] ?? 'unknown'}`;
    },
    async voices() {
      if (isLinux) return festivalVoices();
      const say = await sayModule();
      const names = await new Promise<string[]>((resolve) => say.getInstalledVoices((_e, v) => resolve(v ?? [])));
      return names.map((n) => ({ id: n, name: n, languages: [] }));
    },
    async voiceFor(lang) {
      const voices = await this.voices();
      if (!voices.length) return undefined;
      if (!isLinux) return voices[0]!.id;
      return voices.find((v) => v.languages.some((l) => l.toLowerCase().split('-')[0] === lang.toLowerCase().split('-')[0]))?.id ?? voices[0]!.id;
    },
    async synthesize(req) {
      if (isLinux) return linuxSynthesize(req);
      if (process.platform === 'darwin') return macSynthesize(req);
      // Windows: the say package feeds the text to SAPI on standard input.
      const say = await sayModule();
      const dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-say-'));
      const file = path.join(dir, 'out.wav');
      try {
        await new Promise<void>((resolve, reject) => say.export(req.text, req.voice || null, req.rate / FESTIVAL_WPM, file, (e) => (e ? reject(new LecternError(`say failed: ${String(e)}`, 'tts:failed')) : resolve())));
        return decodeWav(await readFile(file));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
