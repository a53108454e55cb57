#!/usr/bin/env node
/**
 * The `lectern` command as installed (copied to dist/bin/lectern.js by scripts/bundle.mjs):
 * runs the bundled command, cli/main.cjs, compiled with V8's code cache beside it, which
 * saves most of the compiling a short build would otherwise start with.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
// First: SIGINT and SIGTERM end the command in one line even while the script loads.
import '../lib/cli/signals.js';
// The one copy a plugin's `import { LecternError } from 'lectern'` gets too.
import * as diagnostics from '../lib/article/diagnostics.js';

const file = fileURLToPath(new URL('./cli/main.cjs', import.meta.url));
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // No cache: compile as usual.
}
// One line for the wrapper, so line numbers in a stack trace are the file's own.
// The file is ASCII (scripts/bundle.mjs): read as Latin-1, without decoding UTF-8.
const source = `(function (exports, require, module, __filename, __dirname, __lecternShared) {${readFileSync(file, 'latin1')}\n})`;
const script = new vm.Script(source, { filename: file, cachedData });
// `npm run build` writes the cache after one build of the sample EPUB (scripts/bundle.mjs).
if (process.env.LECTERN_WRITE_CODE_CACHE === '1') process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
const module = { exports: {}, filename: file, id: file, loaded: false };
// The script's `import()`s (scripts/bundle.mjs): plugins, config files, sharp, by URL or package name.
const load = (specifier) => import(specifier);
script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file), { diagnostics, import: load });
