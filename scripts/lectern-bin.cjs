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
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

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
