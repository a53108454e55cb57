#!/usr/bin/env node
/**
 * The `lectern` command. It maps flags to one typed options object, calls the library,
 * prints diagnostics and picks the exit code: 0 success, 1 build or input failure,
 * 2 usage error, 130 interrupted (SIGINT or SIGTERM). Heavy modules load inside the
 * actions so `--help` stays fast.
 */
// First: a signal must end the command in one line even while the rest loads.
import './signals.js';
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { LecternError } from '../article/diagnostics.js';
import { projectFile } from '../util/paths.js';

// From lectern's folder, not this file's: the same from dist/lib/cli/ and the bundle in dist/bin/cli/.
const pkg = JSON.parse(readFileSync(projectFile('package.json'), 'utf8')) as { version: string };

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseRate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 80 || n > 500) throw new InvalidArgumentError('expected 80 to 500 words per minute');
  return n;
}

function parseNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/** For options whose empty value would silently mean something else (`-o ''`: the current folder). */
function nonEmpty(what: string): (value: string) => string {
  return (value) => {
    if (value.trim() === '') throw new InvalidArgumentError(`expected ${what}, got an empty value`);
    return value;
  };
}

function parseMp3Quality(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 9) throw new InvalidArgumentError('expected a whole number, 0 (best) to 9 (fastest)');
  return n;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number, 0 to 65535');
  return n;
}

function parseBytes(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number of bytes');
  return n;
}

/** The options of `build`, shared by `watch`. */
function buildOptions(command: Command): Command {
  return command
    .option('-o, --out <dir>', 'output folder', nonEmpty('a folder'), 'dist')
    .option('-s, --stages <names>', 'comma-separated stages to run (see `lectern stages`)')
    .option('--from <format>', "input format instead of guessing: seed, markdown, json, html, or a plugin's reader")
    .option('--allow-remote', 'allow fetching http(s) images (size and time limited)', false)
    .option('--repair', 'apply the scrape repairs (split paragraphs, scrape duplicates) to any format, not only the news export')
    .option('--max-input-bytes <n>', 'largest article file accepted, in bytes (default: 8 MiB)', parseBytes)
    .option('--cover <image>', 'use this image as the cover instead of drawing one', nonEmpty('a path'))
    .option('--conforms-to <claim>', 'accessibility conformance claim for the EPUB (dcterms:conformsTo), only if you checked it')
    .option('--certified-by <name>', 'who checked the conformance claim (a11y:certifiedBy)')
    .option('-e, --engine <id>', 'text-to-speech engine (see `lectern voices`)', 'espeak')
    .option('--voice <id>', "voice (default: the engine's voice for the article's language)")
    .option('--rate <wpm>', 'speaking rate in words per minute, 80 to 500', parseRate, 175)
    .option('--lexicon <file>', 'pronunciation lexicon: W3C PLS (.pls) or JSON aliases (.json); repeatable', collect, [])
    .option('--read-pullquotes', 'read pull quotes aloud too (they repeat body text)', false)
    .option('--no-overlays', 'build the plain EPUB, without the narration inside it')
    .option('--no-web', 'do not write the web edition (<name>.web/)')
    .option('--bundle <title>', 'build all the articles into one digest: one EPUB with a section per article, one narration with a chapter per article', nonEmpty('a title'))
    .addOption(new Option('--audio <format>', 'audio format').choices(['mp3', 'wav', 'm4b']).default('mp3'))
    .option('--mp3-quality <0-9>', "LAME's quality for the MP3: 0 best and slowest, 9 fastest (default: 5; LAME's own is 3)", parseMp3Quality)
    .option('--srt', 'also write the transcript as SubRip (.srt)', false)
    .option('--cache-dir <dir>', 'cache folder for clips, MP3 segments, covers and images (default: $XDG_CACHE_HOME/lectern)', nonEmpty('a path'))
    .option('--no-cache', 'synthesise everything afresh and keep no clips')
    .option('--workers <n>', 'synthesis threads (default: one per core)', parseNumber)
    .option('--plugin <module>', 'load a plugin: readers, engines, normalisers or stages (see README, "Writing a plugin"); repeatable', collect, [])
    .option('--stage <module>', 'the same as --plugin, for a module that exports a stage; repeatable', collect, [])
    .option('--config <file>', 'config file (default: lectern.config.js, .mjs or .json in the current folder)', nonEmpty('a path'))
    .option('--no-config', 'ignore the config file in the current folder')
    .option('-q, --quiet', 'print only errors', false)
    .option('--json', 'print a machine-readable report on stdout', false);
}

function program(): Command {
  const cmd = new Command('lectern')
    .description('Turn news articles into accessible EPUB 3 books, narrated audio and read-aloud EPUBs.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });

  buildOptions(
    cmd
      .command('build')
      .description('build outputs for one or more articles')
      .argument('<files...>', 'article files (.md with front matter, the news export format, .json or a saved .html page), folders, globs or http(s) URLs of pages'),
  )
    .action(async (files: string[], opts, command: Command) => {
      const { runBuild } = await import('./build-command.js');
      process.exitCode = await runBuild(files, opts, command);
    });

  buildOptions(
    cmd
      .command('watch')
      .description('build, then rebuild on every save (threads, engine and cache kept warm); Ctrl-C stops')
      .argument('<files...>', 'article files, folders or globs, as for build'),
  )
    .option('--preview', 'also serve the web edition of the (first) article on 127.0.0.1; open pages reload after each rebuild', false)
    .option('-p, --port <n>', 'port for --preview (default: a free one)', parsePort)
    .action(async (files: string[], opts, command: Command) => {
    const { runWatch } = await import('./watch-command.js');
    process.exitCode = await runWatch(files, opts, command);
  });

  cmd
    .command('inspect')
    .description('show how lectern reads an article: its outline and diagnostics')
    .argument('<file>', 'article file')
    .option('--from <format>', "input format instead of guessing: seed, markdown, json, html, or a plugin's reader")
    .option('--plugin <module>', 'load a plugin (its readers and normalisers apply); repeatable', collect, [])
    .option('--json', 'print the article model as JSON (with --speech: the script with ids, kinds and pauses)', false)
    .option('--max-input-bytes <n>', 'largest article file accepted, in bytes (default: 8 MiB)', parseBytes)
    .option('--speech', 'print the narration script, one utterance per line, exactly as the engine gets it', false)
    .option('--explain', 'with --speech: under each utterance, every token the normaliser changed, the rule that fired and what it produced', false)
    .option('-e, --engine <id>', 'engine whose phoneme syntax the lexicon may use', 'espeak')
    .option('--lexicon <file>', 'pronunciation lexicon (.pls or .json); repeatable', collect, [])
    .option('--read-pullquotes', 'include pull quotes', false)
    .action(async (file: string, opts) => {
      const { runInspect } = await import('./inspect-command.js');
      process.exitCode = await runInspect(file, opts, await pluginRegistry(opts.plugin));
    });

  cmd
    .command('preview')
    .description('build the web edition if needed and serve it on 127.0.0.1 until Ctrl-C')
    .argument('<file>', 'article file')
    .option('-o, --out <dir>', 'output folder', 'dist')
    .option('-p, --port <n>', 'port (default: a free one)', parsePort)
    .option('--rebuild', 'build the web edition even when it is up to date', false)
    .option('--cache-dir <dir>', 'cache folder for clips, MP3 segments, covers and images (default: $XDG_CACHE_HOME/lectern)')
    .option('--no-cache', 'synthesise everything afresh and keep no clips')
    .option('-q, --quiet', 'print only the URL and errors', false)
    .action(async (file: string, opts) => {
      const { runPreview } = await import('./preview-command.js');
      process.exitCode = await runPreview(file, opts);
    });

  const voices = cmd
    .command('voices')
    .description('list the voices of each text-to-speech engine; add or remove neural voices')
    .option('-e, --engine <id>', 'only this engine')
    .option('--plugin <module>', "also list this plugin's engines; repeatable", collect, [])
    .action(async (opts: { engine?: string; plugin: string[] }) => {
      const { runVoices } = await import('./voices-command.js');
      process.exitCode = await runVoices(opts, await pluginRegistry(opts.plugin));
    });
  voices
    .command('add')
    .description('install a neural voice (Piper/VITS or Kokoro, as packaged for sherpa-onnx) from a URL, an archive or a folder')
    .argument('<source>', 'http(s) URL or file of a .tar.bz2, .tar.gz or .zip archive, or a folder')
    .option('--sha256 <hex>', "the archive's expected SHA-256; a mismatch installs nothing")
    .option('--licence <text>', "the voice's licence, recorded and listed (default: from its model card, else unknown)")
    .option('--lang <tag>', "the voice's language as a BCP 47 tag (default: from the model and its name)")
    .option('--id <id>', "the voice's id (default: the archive's top folder)")
    .option('--max-size <MB>', 'largest archive accepted, in MB (default: 512)', parseNumber)
    .option('--force', 'replace an installed voice of the same id', false)
    .option('-q, --quiet', 'print only errors', false)
    .action(async (source: string, opts) => {
      const { runVoicesAdd } = await import('./voices-command.js');
      process.exitCode = await runVoicesAdd(source, opts);
    });
  voices
    .command('remove')
    .description('remove an installed neural voice')
    .argument('<id>', 'the voice id (see `lectern voices`)')
    .action(async (id: string) => {
      const { runVoicesRemove } = await import('./voices-command.js');
      process.exitCode = await runVoicesRemove(id);
    });

  cmd
    .command('stages')
    .description('list the built-in stages (and those of plugins given with --plugin)')
    .option('--plugin <module>', "also list this plugin's stages; repeatable", collect, [])
    .action(async (opts: { plugin: string[] }) => {
      const { stageList } = await import('./stages-list.js');
      process.stdout.write(stageList(opts.plugin.length ? await pluginRegistry(opts.plugin) : undefined));
    });
  return cmd;
}

/** lectern's own registry plus the plugin modules named with `--plugin`; a bad module is a usage error. */
async function pluginRegistry(modules: readonly string[]) {
  const { loadPlugins } = await import('../config/plugin-module.js');
  try {
    return (await loadPlugins(modules.map((ref) => ({ ref })))).registry;
  } catch (e) {
    if (e instanceof LecternError) throw new LecternError(e.message, 'usage:plugin', e.place, { cause: e });
    throw e;
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof LecternError) {
      process.stderr.write(`lectern: ${e.toString()}\n`);
      return e.code.startsWith('usage:') ? EXIT.usage : EXIT.failed;
    }
    process.stderr.write(`lectern: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.failed;
  }
}

// Output piped into `head` and the like: stop quietly when the reader goes away.
whenStdoutUsed((stdout) =>
  stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  }),
);

/**
 * Runs `attach` on process.stdout when the command first uses it. Node creates the stream
 * on first use, and for a pipe or a terminal that loads its net module (about 3 ms): a
 * build that prints nothing never needs it, and a stream nobody writes to raises no error.
 */
function whenStdoutUsed(attach: (stdout: NodeJS.WriteStream) => void): void {
  const own = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (!own?.get || !own.configurable) {
    attach(process.stdout);
    return;
  }
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: own.enumerable,
    get() {
      // Node's own getter again (it keeps the stream it made), then the handler, once.
      Object.defineProperty(process, 'stdout', own);
      const stdout = process.stdout;
      attach(stdout);
      return stdout;
    },
  });
}

// No top-level await: the bundled command (scripts/bundle.mjs) is a CommonJS script.
void main(process.argv).then((code) => {
  process.exitCode = code;
  // An interrupted build has discarded its outputs and printed its report; a stage that
  // does not watch its signal (an MP3 encode) may still be busy, so do not wait for it.
  // A stage's native work (sharp, a blocked read) may hold libuv's threads, and with them the
  // write callback: exit after a short wait whatever happens.
  if (code === EXIT.interrupted) {
    process.stdout.write('', () => process.exit(EXIT.interrupted));
    setTimeout(() => process.exit(EXIT.interrupted), 200);
  }
});
