/**
 * An example third-party text-to-speech engine: a wrapper around a command-line
 * synthesiser, here the native `espeak-ng` program (`apt-get install espeak-ng`), which
 * reads text on standard input and writes a WAV file to standard output.
 *
 *   lectern build article.md --plugin examples/espeak-cli-engine.mjs --engine espeak-cli
 *
 * lectern loads the engine by module URL (`module: import.meta.url` below), so it runs on
 * the synthesis threads, one engine per thread, like the built-in `espeak`. The same
 * shape wraps any program that writes WAV: festival's `text2wave`, `pico2wave`, `piper`...
 */
import { spawn } from 'node:child_process';
import { LecternError, pickVoice } from 'lectern';

/** @typedef {import('lectern').TtsEngine} TtsEngine */
/** @typedef {import('lectern').Voice} Voice */
/** @typedef {import('lectern').LecternPlugin} LecternPlugin */

const PROGRAM = 'espeak-ng';

/**
 * Runs the program with `input` on standard input; resolves with its standard output.
 * The text never goes into the arguments, so nothing in an article can become an option.
 * @param {string[]} args @param {string} [input] @returns {Promise<Buffer>}
 */
function run(args, input = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(PROGRAM, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    let err = '';
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) =>
      reject(new LecternError(e.code === 'ENOENT' ? `${PROGRAM} is not installed (apt-get install espeak-ng)` : `${PROGRAM} failed: ${e.message}`, 'tts:missing')),
    );
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new LecternError(`${PROGRAM} exited with ${code}: ${err.trim().split('\n')[0]}`, 'tts:failed'))));
    // A program that exits without reading all its input: its exit status tells why.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/**
 * The samples of a 16-bit mono WAV. The program streams, so the sizes in its header may
 * be placeholders: the data runs to the end of the output.
 * @param {Buffer} wav @returns {{ samples: Int16Array, sampleRate: number }}
 */
export function decodeWav(wav) {
  if (wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') throw new LecternError(`${PROGRAM} did not write a WAV file`, 'tts:failed');
  let offset = 12;
  let sampleRate = 0;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      const channels = wav.readUInt16LE(offset + 10);
      const bits = wav.readUInt16LE(offset + 22);
      if (channels !== 1 || bits !== 16) throw new LecternError(`${PROGRAM} wrote ${channels} channels of ${bits}-bit audio; expected 16-bit mono`, 'tts:failed');
      sampleRate = wav.readUInt32LE(offset + 12);
    } else if (id === 'data') {
      const start = offset + 8;
      const end = Math.min(wav.length, size && size !== 0xffffffff ? start + size : wav.length);
      const bytes = wav.subarray(start, end - ((end - start) % 2));
      // Copy into an aligned buffer of its own: it is transferred between threads.
      const samples = new Int16Array(bytes.length / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
      return { samples, sampleRate };
    }
    offset += 8 + size + (size % 2);
  }
  throw new LecternError(`${PROGRAM} wrote a WAV file without audio`, 'tts:failed');
}

/**
 * `espeak-ng --voices` lists one voice per line: priority, language, gender, name, file,
 * then the other languages it speaks with its rank for each, `(en 2)`.
 * @param {string} listing @returns {Voice[]}
 */
export function parseVoices(listing) {
  return listing
    .split('\n')
    .slice(1)
    .map((line) => /^\s*\d+\s+(\S+)\s+\S+\s+(\S+)\s+\S+\s*(.*)$/.exec(line))
    .filter((m) => m !== null)
    .map(([, lang, name, rest]) => {
      const others = [...rest.matchAll(/\((\S+) (\d+)\)/g)];
      return {
        id: lang,
        name: name.replace(/_/g, ' '),
        languages: [lang, ...others.map((o) => o[1]).filter((l) => l !== lang)],
        priorities: Object.fromEntries(others.map((o) => [o[1], Number(o[2])])),
      };
    });
}

/** The engine factory: lectern calls it once on each thread that synthesises. @returns {TtsEngine} */
export function createEngine() {
  /** @type {Promise<Voice[]> | undefined} */
  let voices;
  const listVoices = () => (voices ??= run(['--voices']).then((b) => parseVoices(b.toString('utf8'))));
  return {
    id: 'espeak-cli',
    description: 'the espeak-ng program, run once per sentence',
    capabilities: { ssml: false, wordTimings: false, workerSafe: true },
    // Part of every clip's cache key: a new espeak-ng makes new clips.
    version: async () => (await run(['--version'])).toString('utf8').trim().split('\n')[0],
    voices: listVoices,
    voiceFor: async (lang) => pickVoice(await listVoices(), lang),
    async synthesize({ text, voice, rate }) {
      return decodeWav(await run(['--stdout', '-v', voice, '-s', String(Math.round(rate))], text));
    },
  };
}

/** @type {LecternPlugin} */
export default {
  name: 'espeak-cli-engine',
  engines: [{ id: 'espeak-cli', description: 'the espeak-ng program', module: import.meta.url, export: 'createEngine' }],
};
