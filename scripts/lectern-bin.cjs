#!/usr/bin/env node
/**
 * The `lectern` command as installed (bundled by scripts/bundle.mjs into dist/bin/lectern.cjs,
 * package.json's `bin`): runs the bundled command, cli/main.cjs, compiled with V8's code
 * cache beside it, which saves most of the compiling a short build would otherwise start
 * with. A CommonJS script, like the command: an ES module entry would start Node's module
 * loader (about 5 ms) before the first line of lectern runs.
 */
'use strict';
// First: SIGINT and SIGTERM end the command in one line even while the script loads.
require('../src/cli/signals.ts');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/**
 * Whether `lectern build ARGS` will narrate with eSpeak NG, as far as the arguments alone
 * tell: its default stages, or stages named that need the narration, no other engine, and
 * no config file or plugin (which could choose otherwise). A wrong yes costs a thread that
 * the build stops unused; a wrong no, only the time this saves.
 */
function buildWillNarrate(args) {
  let stages;
  const dropped = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    const [flag, inline] = a.startsWith('--') ? a.split(/=(.*)/s) : [a.slice(0, 2), a.length > 2 && a[1] !== '-' ? a.slice(2) : undefined];
    const value = () => inline ?? args[++i];
    if (flag === '-s' || flag === '--stages') stages = String(value() ?? '').split(',').map((x) => x.trim());
    else if (flag === '-e' || flag === '--engine') {
      if (value() !== 'espeak') return false;
    } else if (['--config', '--plugin', '--stage', '-h', '--help', '--no-cache'].includes(flag)) return false;
    else if (flag === '--no-overlays') dropped.push('read-aloud');
    else if (flag === '--no-web') dropped.push('web');
  }
  if (!args.includes('--no-config') && ['lectern.config.js', 'lectern.config.mjs', 'lectern.config.json'].some((f) => existsSync(f))) return false;
  const narrating = ['narration', 'audio', 'read-aloud', 'web', 'transcript'];
  return (stages ?? ['epub', 'audio', 'read-aloud', 'web', 'transcript']).some((x) => narrating.includes(x) && !dropped.includes(x));
}

/** Whether the build's audio is an MP3 (no `--audio wav` or `m4b`). */
function makesMp3(args) {
  const at = args.findIndex((a) => a === '--audio' || a.startsWith('--audio='));
  if (at < 0) return true;
  return (args[at].includes('=') ? args[at].split('=')[1] : args[at + 1]) === 'mp3';
}

/**
 * A build that will narrate starts its first worker thread now, before the command's own
 * code loads (about 0.1 s): the thread boots and loads its task modules meanwhile, and the
 * build's pool takes it as its first thread (src/workers/early.ts). Left unreferenced until
 * then, so a command that fails first exits as if it were not there; the build stops it if
 * it does not narrate after all. Its `workerData` and limits are those of any pool thread
 * (src/workers/thread-options.ts).
 */
function startEarlyThread() {
  if (process.argv[2] !== 'build' || !buildWillNarrate(process.argv.slice(3))) {
    if (process.env.LECTERN_EARLY_THREAD_CHECK === '1') process.once('exit', () => process.stderr.write('lectern: early thread none\n'));
    return;
  }
  try {
    const { Worker } = require('node:worker_threads');
    const { pathToFileURL } = require('node:url');
    const g = globalThis;
    // The options of any pool thread (its claim words for WebAssembly files are made here,
    // under their global key, and found there by the build's pool).
    const { poolThreadOptions } = require('../src/workers/thread-options.ts');
    const url = (rel) => pathToFileURL(path.join(__dirname, rel)).href;
    const worker = new Worker(
      path.join(__dirname, 'workers', 'thread.js'),
      poolThreadOptions({
        // The MP3 encoder only when the build makes an MP3 (the default format).
        'lectern-preload': [url('tts/task.js'), url('tts/espeak.js'), ...(makesMp3(process.argv.slice(3)) ? [url('audio/mp3-task.js')] : [])],
      }),
    );
    // eSpeak NG starts at once too (compiling and instantiating it, about 70 ms of the thread's
    // time), as the build's pool would ask (src/tts/pool.ts, speechTask): the same kind name,
    // so the pool's own request finds it started (src/workers/thread.ts keeps kinds by name).
    const engine = { id: 'espeak', module: url('tts/espeak.js'), export: 'createEspeak' };
    const speech = { name: `tts:${engine.id}:${engine.module}#${engine.export}`, url: url('tts/task.js'), data: { engine } };
    worker.postMessage({ load: speech });
    const early = { worker, alive: true, loads: [speech.name] };
    // Until a pool takes it: a failure only means the pool starts a thread of its own.
    worker.on('error', () => (early.alive = false));
    worker.on('exit', () => (early.alive = false));
    worker.unref();
    g[Symbol.for('lectern.early-thread')] = early;
    // For test/early-thread.test.ts: whether the build took the thread, stopped it, or left it.
    if (process.env.LECTERN_EARLY_THREAD_CHECK === '1') process.once('exit', () => process.stderr.write(`lectern: early thread ${early.fate ?? 'left'}\n`));
  } catch {
    // No early thread: the build starts its own.
  }
}
startEarlyThread();

const file = path.join(__dirname, 'cli', 'main.cjs');
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // No cache: compile as usual.
}
// The file is ASCII (scripts/bundle.mjs): read as Latin-1, without decoding UTF-8. One line
// for the wrapper, so line numbers in a stack trace are the file's own.
const source = `(function (exports, require, module, __filename, __dirname, __lecternShared) {${readFileSync(file, 'latin1')}\n})`;
const script = new vm.Script(source, { filename: file, cachedData });
// For test/bin.test.ts: whether V8 took the cache (a refused one costs about 0.1 s of compiling).
if (process.env.LECTERN_CODE_CACHE_CHECK === '1') process.once('exit', () => process.stderr.write(`lectern: code cache ${cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'refused' : 'used'}\n`));
// `npm run build` writes the cache after one build of the sample EPUB (scripts/bundle.mjs).
if (process.env.LECTERN_WRITE_CODE_CACHE === '1') process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
// V8 hands a function to its optimising compiler once it has run for a budget of about
// 130 KB of bytecode; a command lasting a fraction of a second then spends more CPU
// compiling (pako's deflate, the Markdown parser, zod) than the optimised code saves.
// Eight times the budget: EPUB only, 0.21 -> 0.18 s of CPU (sample and news export); a
// 50,000-word article 0.55 -> 0.42 s; a rebuild after an edit 0.87 -> 0.81 s; a cold full
// build the same. Set after compiling: the code cache carries a hash of V8's flags, and
// one made or read under other flags is refused. `lectern watch` runs for hours: V8's
// own budget suits it.
else if (process.argv[2] !== 'watch') require('node:v8').setFlagsFromString('--interrupt-budget=1048576');
// zod compiles a checker for each object schema with \`new Function\` the first time it parses
// one (no code cache holds those): for the article model's schemas, parsed once per build,
// that costs more than it saves (EPUB only: about 6-10 ms of CPU). zod reads this shared
// setting when a schema is made, so it is set before the command's modules load; the
// results are the same. \`lectern watch\` parses again at every rebuild: it keeps zod's JIT.
if (process.argv[2] !== 'watch') (globalThis.__zod_globalConfig ??= {}).jitless ??= true;
const commandModule = { exports: {}, filename: file, id: file, loaded: false };
// The script's `import()`s (scripts/bundle.mjs): plugins, config files, sharp, by URL or package name.
const shared = { import: (specifier) => import(specifier) };
script.runInThisContext()(commandModule.exports, createRequire(file), commandModule, file, path.dirname(file), shared);
