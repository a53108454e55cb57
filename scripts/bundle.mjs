/**
 * The bundled command (`npm run build` runs it after tsc), in dist/bin/:
 *
 * - `cli/main.cjs`: the whole command with its dependencies, one CommonJS script, run by
 *   `lectern.cjs` (package.json's `bin`, from scripts/lectern-bin.cjs) with V8's code cache
 *   `cli/main.cjs.cache`, made here by building the sample EPUB once. Node 20 offers a code
 *   cache to scripts only, not to ES modules: compiling is most of a short build's start.
 *   Modules imported with `import()` stay lazy: they are compiled (from the cache) but run
 *   only when imported.
 * - `workers/thread.js`, `tts/task.js`, `audio/mp3-task.js` and the built-in engines
 *   (`tts/espeak.js`, ...): ES modules with shared chunks in `chunks/`, which worker threads
 *   (and the main thread, for an engine that runs there) load by URL.
 *
 * Every output sits one folder below dist/bin/, like their sources below src/, so a URL
 * written `new URL('../tts/task.js', import.meta.url)` holds in dist/lib/ and here alike.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist/bin');

/**
 * src/cli/signals.ts runs once, in lectern.cjs, before the command's script is read, so a
 * signal is handled from the very start; the script's own import of it is empty (two copies
 * would each stand aside for the other). lectern's error classes need no single copy:
 * `instanceof` recognises them by brand (src/article/diagnostics.ts).
 */
const SIGNALS = path.join(root, 'src/cli/signals.ts');
const signalsOnce = {
  name: 'lectern-signals-once',
  setup(b) {
    b.onResolve({ filter: /signals\.js$/ }, (args) => (path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')) === SIGNALS ? { path: 'signals', namespace: 'lectern-signals-once' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lectern-signals-once' }, () => ({ loader: 'js', contents: '' }));
  },
};

/**
 * epub-gen-memory, as lectern uses it (src/epub/book.ts), never fetches (its `render` is
 * replaced), gets no HTML to normalise (chapter content is empty; the body reaches our
 * templates as data) and only options lectern builds itself. Its modules for those jobs
 * (node-fetch, css-select and htmlparser2, ow) cost a third of the packer's loading: the
 * bundle takes the package's own light variants instead (its browser builds' `fetchable`
 * and `predicates-nop`) and a normaliser that accepts only the empty content it gets.
 * Likewise zod's messages in every language (the `z.locales` namespace): lectern's command
 * uses none but the English default (its option messages are its own). The book's bytes
 * are the same (test/golden/same-bytes.mjs).
 */
// Real paths, as esbuild gives them (node_modules may be a link).
const EGM_UTIL = realpathSync(path.join(root, 'node_modules/epub-gen-memory/dist/lib/util'));
const ZOD = realpathSync(path.join(root, 'node_modules/zod'));
const EGM = realpathSync(path.join(root, 'node_modules/epub-gen-memory'));
// As epub-gen-memory finds them.
const fromEgm = createRequire(path.join(EGM, 'package.json'));
const JSZIP = path.dirname(path.dirname(realpathSync(fromEgm.resolve('jszip'))));
const MIME = realpathSync(fromEgm.resolve('mime'));
const lighter = {
  name: 'lectern-lighter',
  setup(b) {
    b.onResolve({ filter: /^\.\/(fetchable|predicates|html-parse)$/ }, (args) => {
      if (path.resolve(args.resolveDir) !== EGM_UTIL) return undefined;
      if (args.path === './fetchable') return { path: path.join(EGM_UTIL, 'fetchable-browser.js') };
      if (args.path === './predicates') return { path: path.join(EGM_UTIL, 'predicates-nop.js') };
      return { path: 'html-parse', namespace: 'lectern-lighter' };
    });
    b.onLoad({ filter: /^html-parse$/, namespace: 'lectern-lighter' }, () => ({
      loader: 'js',
      contents: `exports.fixHTML = function (index, html) {
  if (html !== '') throw new Error('lectern: epub-gen-memory was given chapter HTML (content[' + index + ']); lectern passes the body to its templates');
  return '';
};`,
    }));
    // mime: epub-gen-memory requires it at load, and calls it only for a cover or fonts
    // given as URLs (lectern gives neither): its tables (about 1 ms) load on first use.
    b.onResolve({ filter: /^mime$/ }, (args) => (args.resolveDir.startsWith(EGM + path.sep) ? { path: 'mime', namespace: 'lectern-lighter' } : undefined));
    b.onLoad({ filter: /^mime$/, namespace: 'lectern-lighter' }, () => ({
      loader: 'js',
      resolveDir: EGM,
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(MIME)}));
for (const key of ['getType', 'getExtension', 'define']) Object.defineProperty(exports, key, { enumerable: true, get: () => load()[key] });`,
    }));
    // readable-stream (a copy of Node 8's streams, about 1 ms to load) for jszip's Node
    // stream output: Node's own streams, already loaded, do the same.
    b.onResolve({ filter: /^readable-stream$/ }, (args) => (args.resolveDir.startsWith(JSZIP + path.sep) ? { path: 'node:stream', external: true } : undefined));
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!args.resolveDir.startsWith(ZOD + path.sep)) return undefined;
      return { path: 'zod-locales', namespace: 'lectern-lighter' };
    });
    b.onLoad({ filter: /^zod-locales$/, namespace: 'lectern-lighter' }, () => ({
      loader: 'js',
      resolveDir: path.join(ZOD, 'v4/locales'),
      contents: `export { default as en } from './en.js';`,
    }));
  },
};

/**
 * jszip computes every entry's CRC-32 in JavaScript, byte by byte: for the cover and the
 * images stored in a book (about 250 KB for the sample) that is about 10 ms of CPU, run
 * once and never optimised. node:zlib's CRC-32 (Node 20.15 and later) gives the same
 * number natively; an older Node, or input that is not bytes, keeps jszip's own.
 */
const JSZIP_CRC32 = realpathSync(path.join(root, 'node_modules/jszip/lib/crc32.js'));
const nativeCrc32 = {
  name: 'lectern-native-crc32',
  setup(b) {
    b.onLoad({ filter: /[\\/]jszip[\\/]lib[\\/]crc32\.js$/ }, (args) => {
      if (args.path !== JSZIP_CRC32) return undefined;
      const own = readFileSync(args.path, 'utf8');
      if (!own.includes('module.exports = function crc32wrapper(input, crc) {')) throw new Error(`bundle: ${args.path} is not the jszip crc32 module this plugin knows`);
      return {
        loader: 'js',
        contents: own.replace(
          'module.exports = function crc32wrapper(input, crc) {',
          `var nativeCrc32 = require("node:zlib").crc32;
module.exports = function crc32wrapper(input, crc) {
    // jszip's values are signed 32-bit; node:zlib takes and gives unsigned ones.
    if (nativeCrc32 && input instanceof Uint8Array && input.length) return nativeCrc32(input, crc >>> 0) | 0;`,
        ),
      };
    });
  },
};

/**
 * Node's child_process (with net, dgram and the socket machinery behind it, about 4 ms to
 * load) is imported at the top of commander and of the audio stage, and used only to run a
 * program (a subcommand, ffmpeg, `say`): the command's copy loads it on first use. Its
 * exports are getters, so `const { spawn } = ...` at run time sees the real function.
 */
const LAZY_BUILTINS = ['child_process'];
const lazyBuiltins = {
  name: 'lectern-lazy-builtins',
  setup(b) {
    const names = new RegExp(`^(?:node:)?(?:${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter: names }, (args) => {
      const name = args.path.replace(/^node:/, '');
      // The lazy module's own require is the real one.
      if (args.namespace === 'lectern-lazy-builtin') return { path: `node:${name}`, external: true };
      return { path: name, namespace: 'lectern-lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lectern-lazy-builtin' }, async (args) => {
      const keys = Object.keys(await import(`node:${args.path}`)).filter((k) => k !== 'default');
      return {
        loader: 'js',
        contents: `let real;
const load = () => (real ??= require(${JSON.stringify(`node:${args.path}`)}));
for (const key of ${JSON.stringify(keys)}) Object.defineProperty(exports, key, { enumerable: true, get: () => load()[key] });`,
      };
    });
  },
};

// Native or data-carrying packages load from node_modules as they are.
const external = ['sharp', 'sherpa-onnx-node', 'speech-rule-engine', 'espeak-ng'];
const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', external, logLevel: 'warning' };

rmSync(out, { recursive: true, force: true });

// What worker threads load by URL: ES modules.
await build({
  ...common,
  entryPoints: ['src/workers/thread.ts', 'src/tts/task.ts', 'src/audio/mp3-task.ts', 'src/tts/espeak.ts', 'src/tts/say.ts', 'src/tts/neural.ts'],
  outbase: 'src',
  outdir: out,
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  format: 'esm',
  banner: { js: "import { createRequire as __lecternRequire } from 'node:module';\nconst require = __lecternRequire(import.meta.url);" },
  plugins: [lighter],
});

// The command: one script (lectern.cjs runs it as a function of these parameters).
const cli = await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  format: 'cjs',
  charset: 'ascii',
  write: false,
  outfile: path.join(out, 'cli/main.cjs'),
  // Heavy CommonJS packages that only some commands use (the audio's ID3 tags and encoder,
  // the HTML reader, voice archives) load from node_modules when first used: every command
  // would otherwise read their compiled code from the cache.
  external: [...external, 'node-id3', 'wasm-media-encoders', '@mozilla/readability', 'htmlparser2', 'linkedom', 'yauzl', 'tar-stream'],
  define: { 'import.meta.url': '__lecternUrl' },
  banner: { js: "const __lecternUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [signalsOnce, lighter, nativeCrc32, lazyBuiltins],
});
mkdirSync(path.join(out, 'cli'), { recursive: true });
// A script compiled from V8's code cache made by another process has no `import()` of its
// own in Node 20 ("A dynamic import callback was not specified"): what it imports at run
// time (a plugin, a config file, sharp) goes through lectern.cjs's. The same holds for
// comments (harmless); esbuild writes no such text in a string.
//
// ASCII only, so lectern.cjs reads it as Latin-1 (no UTF-8 decoding of 2 MB): esbuild escapes
// strings, templates and names, and leaves comments and regular expressions, where `\uXXXX`
// (a surrogate pair for a character beyond the BMP) means the same, with or without `u`.
const ascii = (text) => text.replace(/[^\x00-\x7f]/gu, (c) => Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
// src/util/code-id.ts: the bundle's own hash in place of its placeholder (computed with the placeholder in).
const CODE_ID = 'lectern-code-id:unset';
for (const f of cli.outputFiles) {
  const text = ascii(f.text.replace(/^#!.*\n/, '').replace(/(?<![\w$.])import\(/g, '__lecternShared.import('));
  const id = createHash('sha256').update(text).digest('hex').slice(0, 32);
  writeFileSync(f.path, text.split(CODE_ID).join(`lectern-code-id:${id}`));
}
// The entry: the loader, with src/cli/signals.ts inside.
await build({ ...common, entryPoints: ['scripts/lectern-bin.cjs'], outfile: path.join(out, 'lectern.cjs'), format: 'cjs' });

// The code cache: what compiling the command and an EPUB build's modules leaves (V8 keeps
// the functions a run compiled). A Node.js other than this one rejects it, and lectern.cjs
// then compiles as usual.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'lectern-bundle-'));
try {
  const run = spawnSync(
    process.execPath,
    [path.join(out, 'lectern.cjs'), 'build', path.join(root, 'assets/sample/article.md'), '-s', 'epub', '-o', tmp, '--cache-dir', path.join(tmp, 'cache'), '--no-config', '-q'],
    { cwd: tmp, encoding: 'utf8', env: { ...process.env, LECTERN_WRITE_CODE_CACHE: '1', SOURCE_DATE_EPOCH: '1700000000' } },
  );
  if (run.status !== 0) console.warn(`bundle: no code cache (building the sample failed: ${(run.stderr || run.error?.message || '').trim().split('\n')[0]})`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
