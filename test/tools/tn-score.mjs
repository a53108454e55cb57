#!/usr/bin/env node
/**
 * Scores lectern's text normalisation on a table of written/spoken pairs, the way the
 * issue measures it: a case passes when eSpeak NG's phonemes (`espeak-ng -q -x`) for the
 * normalised written form equal its phonemes for the spoken form.
 *
 *   node test/tools/tn-score.mjs TABLE.tsv [--engine native|wasm] [--lang en] [--failures]
 *
 * TABLE.tsv: one case a line, `class<TAB>written<TAB>spoken` or
 * `class<TAB>lang<TAB>written<TAB>spoken`; lines starting with # are comments. Needs
 * `npm run build` first. `native` runs the espeak-ng program on PATH; `wasm` (default when
 * none is on PATH) the project's own embedded eSpeak NG.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { normaliserFor } from '../../dist/lib/speech/normalise/index.js';
import { espeakPhonemes } from '../../dist/lib/tts/espeak.js';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const showFailures = args.includes('--failures');
const engine = flag('--engine') ?? (hasNative() ? 'native' : 'wasm');
const defaultLang = flag('--lang') ?? 'en';
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  process.stderr.write('usage: tn-score.mjs TABLE.tsv [--engine native|wasm] [--lang en] [--failures]\n');
  process.exit(2);
}

function hasNative() {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const VOICES = { en: 'en', fr: 'fr', de: 'de', es: 'es' };
async function phonemes(text, lang) {
  const voice = VOICES[lang.split('-')[0]] ?? 'en';
  const out = engine === 'native' ? execFileSync('espeak-ng', ['-q', '-x', '-v', voice, text]).toString() : await espeakPhonemes(text, voice);
  return out.replace(/\s+/g, ' ').trim();
}

const cases = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'))
  .map((l) => {
    const f = l.split('\t');
    return f.length >= 4 ? { cls: f[0], lang: f[1], written: f[2], spoken: f[3] } : { cls: f[0], lang: defaultLang, written: f[1], spoken: f[2] };
  });

const byClass = new Map();
let passed = 0;
for (const c of cases) {
  const said = normaliserFor(c.lang).normalise(c.written);
  const ok = (await phonemes(said, c.lang)) === (await phonemes(c.spoken, c.lang));
  if (ok) passed++;
  const k = byClass.get(c.cls) ?? [0, 0];
  byClass.set(c.cls, [k[0] + (ok ? 1 : 0), k[1] + 1]);
  if (!ok && showFailures) process.stdout.write(`FAIL ${c.cls} ${c.lang}\n  written ${c.written}\n  said    ${said}\n  spoken  ${c.spoken}\n`);
}
for (const [cls, [p, n]] of [...byClass].sort()) process.stdout.write(`${cls.padEnd(14)} ${String(p).padStart(4)}/${String(n).padEnd(4)} ${((100 * p) / n).toFixed(1)}%\n`);
process.stdout.write(`${'total'.padEnd(14)} ${String(passed).padStart(4)}/${String(cases.length).padEnd(4)} ${((100 * passed) / cases.length).toFixed(1)}% (${engine} eSpeak NG)\n`);
