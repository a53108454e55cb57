/**
 * The bundled command (`npm run build` runs it after tsc): the CLI and every module a worker
 * thread loads by URL, bundled with their dependencies into dist/bin/, so a build reads a
 * handful of files instead of several hundred.
 */
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Modules whose classes a plugin shares with lectern: a plugin imports `LecternError` from
 * 'lectern' (dist/lib/index.js), and `instanceof` must hold in the bundled command too, so
 * the bundle imports them from dist/lib rather than carry its own copy. Every output file
 * sits one folder below dist/bin/, so one relative path serves them all.
 */
const SHARED = { 'src/article/diagnostics.ts': '../../lib/article/diagnostics.js' };
const shared = {
  name: 'lectern-shared',
  setup(b) {
    b.onResolve({ filter: /diagnostics\.js$/ }, (args) => {
      const rel = path.relative(root, path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')));
      return SHARED[rel] ? { path: SHARED[rel], external: true } : undefined;
    });
  },
};
/**
 * epub-gen-memory, as lectern uses it (src/epub/book.ts), never fetches (its `render` is
 * replaced), gets no HTML to normalise (chapter content is empty; the body reaches our
 * templates as data) and only options lectern builds itself. Its modules for those jobs
 * (node-fetch, css-select and htmlparser2, ow) cost a third of the packer's loading: the
 * bundle takes the package's own light variants instead (its browser builds' `fetchable`
 * and `predicates-nop`) and a normaliser that accepts only the empty content it gets. The
 * book's bytes are the same (test/golden/same-bytes.mjs).
 */
const EGM_UTIL = path.join(root, 'node_modules/epub-gen-memory/dist/lib/util');
const packerParts = {
  name: 'lectern-packer-parts',
  setup(b) {
    b.onResolve({ filter: /^\.\/(fetchable|predicates|html-parse)$/ }, (args) => {
      if (path.resolve(args.resolveDir) !== EGM_UTIL) return undefined;
      if (args.path === './fetchable') return { path: path.join(EGM_UTIL, 'fetchable-browser.js') };
      if (args.path === './predicates') return { path: path.join(EGM_UTIL, 'predicates-nop.js') };
      return { path: 'html-parse', namespace: 'lectern-packer-parts' };
    });
    // zod's messages in every language, for the `z.locales` namespace: lectern's command uses
    // none (its option messages are its own, src/pipeline/options.ts) but the English default.
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!args.resolveDir.startsWith(path.join(root, 'node_modules/zod/'))) return undefined;
      return { path: 'zod-locales', namespace: 'lectern-packer-parts' };
    });
    b.onLoad({ filter: /^zod-locales$/, namespace: 'lectern-packer-parts' }, () => ({
      loader: 'js',
      resolveDir: path.join(root, 'node_modules/zod/v4/locales'),
      contents: `export { default as en } from './en.js';`,
    }));
    b.onLoad({ filter: /^html-parse$/, namespace: 'lectern-packer-parts' }, () => ({
      loader: 'js',
      contents: `exports.fixHTML = function (index, html) {
  if (html !== '') throw new Error('lectern: epub-gen-memory was given chapter HTML (content[' + index + ']); lectern passes the body to its templates');
  return '';
};`,
    }));
  },
};

import { rmSync } from 'node:fs';
rmSync(path.join(root, 'dist/bin'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts', 'src/workers/thread.ts', 'src/tts/task.ts', 'src/audio/mp3-task.ts', 'src/tts/espeak.ts', 'src/tts/say.ts', 'src/tts/neural.ts'],
  outbase: 'src',
  outdir: 'dist/bin',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['sharp', 'sherpa-onnx-node', 'speech-rule-engine', 'espeak-ng'],
  banner: { js: "import { createRequire as __lecternRequire } from 'node:module';\nconst require = __lecternRequire(import.meta.url);" },
  plugins: [shared, packerParts],
  logLevel: 'warning',
});
