/**
 * lectern's own readers, engines, normalisers and stages, registered as one plugin through
 * the same path a third party's takes. Nothing heavy is imported here: each reader, engine
 * and stage loads its module on first use.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Root } from 'mdast';
import type { LecternPlugin, Reader, ReaderInput } from '../plugin.js';
import { builtinStages } from '../stages/index.js';
import { projectFile } from '../util/paths.js';
import type { normaliserFor as NormaliserFor } from '../speech/normalise/index.js';

/** Languages with built-in rules (test/plugins.test.ts checks this against speech/normalise). */
export const NORMALISED_LANGUAGES = ['en', 'fr', 'de', 'es'] as const;
/** The built-in rules, loaded by the first speech script (their word lists cost ~100 ms). */
let rules: typeof NormaliserFor | undefined;
import { Registry } from './registry.js';

/** A module of lectern's own, as a URL a worker thread can import (tests run from src/, threads need the compiled file). */
function ownModule(rel: string): URL {
  return fileURLToPath(import.meta.url).endsWith('.ts') ? pathToFileURL(projectFile('dist', 'lib', rel)) : new URL(`../${rel}`, import.meta.url);
}

const ext = (input: ReaderInput) => path.extname(input.file).toLowerCase();

/** The Markdown tree of an input, parsed once for the seed reader's detection and for reading. */
const trees = new WeakMap<ReaderInput, Root>();
async function markdownTree(input: ReaderInput): Promise<Root> {
  let root = trees.get(input);
  if (!root) {
    const { parseMarkdown, checkIndentation, mayHaveTable, loadMarkdownTables } = await import('../readers/mdast.js');
    // A bound on the parser's work, checked before it starts.
    checkIndentation(input.text, input.file);
    // GitHub tables: their extension loads only for a text with a table's delimiter row.
    if (mayHaveTable(input.text)) await loadMarkdownTables();
    root = parseMarkdown(input.text);
    trees.set(input, root);
  }
  return root;
}

/** Same test as the HTML reader's own, without loading it (Readability and a DOM take ~170 ms). */
function looksLikeHtml(text: string): boolean {
  return /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html)\b/i.test(text);
}

export const jsonReader: Reader = {
  name: 'json',
  description: 'the article model as JSON (assets/article.schema.json)',
  extensions: ['.json'],
  detect: (input) => ext(input) === '.json' || /^\s*\{/.test(input.text),
  read: async (input) => (await import('../readers/json.js')).readJson(input.text, input.file),
};

export const htmlReader: Reader = {
  name: 'html',
  description: 'a saved web page (the article found with Readability)',
  extensions: ['.html', '.htm'],
  detect: (input) => ['.html', '.htm', '.xhtml'].includes(ext(input)) || looksLikeHtml(input.text),
  read: async (input) => (await import('../readers/html.js')).readHtml(input.text, input.file, input.diagnostics, input.lang, input.url),
};

export const seedReader: Reader = {
  name: 'seed',
  description: 'the news export format (bold kicker and headline, rules, bylines)',
  // Front matter makes it Markdown; otherwise the shape of the text decides.
  detect: async (input) => {
    const root = await markdownTree(input);
    if (root.children[0]?.type === 'yaml') return false;
    return (await import('../readers/seed.js')).looksLikeSeed(root);
  },
  read: async (input) => (await import('../readers/seed.js')).readSeed(await markdownTree(input), input.file, input.diagnostics, input.lang ?? 'en'),
};

export const markdownReader: Reader = {
  name: 'markdown',
  description: 'Markdown with YAML front matter',
  extensions: ['.md', '.markdown'],
  // Takes whatever no other reader claimed.
  detect: () => true,
  read: async (input) => (await import('../readers/markdown.js')).readMarkdown(await markdownTree(input), input.file, input.diagnostics, input.lang ?? 'en'),
};

export const builtin: LecternPlugin = {
  name: 'lectern',
  readers: [jsonReader, htmlReader, seedReader, markdownReader],
  engines: [
    { id: 'espeak', description: 'eSpeak NG (WebAssembly, offline)', module: ownModule('tts/espeak.js'), export: 'createEspeak' },
    { id: 'say', description: "the system's voice (festival on Linux)", module: ownModule('tts/say.js'), export: 'createSay' },
    { id: 'neural', description: 'Piper/VITS and Kokoro voices through sherpa-onnx', module: ownModule('tts/neural.js'), export: 'createNeural' },
  ],
  normalisers: NORMALISED_LANGUAGES.map((primary) => ({
    lang: primary,
    load: async () => void (rules ??= (await import('../speech/normalise/index.js')).normaliserFor),
    normalise: (text: string, lang: string) => rules!(lang).normalise(text),
    explain: (text: string, lang: string) => rules!(lang).explain(text),
  })),
  stages: Object.entries(builtinStages).map(([name, e]) => ({ name, description: e.description, default: e.default, scope: e.scope ?? 'book', ...(e.options ? { options: e.options } : {}), create: e.create })),
};

let builtinRegistry: Registry | undefined;

/** The registry with lectern's own plugin only. */
export function defaultRegistry(): Registry {
  return (builtinRegistry ??= Registry.create(builtin));
}

/** A registry with lectern's own plugin and then `plugins`. */
export function createRegistry(plugins: readonly LecternPlugin[] = []): Registry {
  return defaultRegistry().with(plugins);
}
