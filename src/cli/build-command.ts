import path from 'node:path';
import { errors, LecternError } from '../article/diagnostics.js';
import { resolveStageOptions } from '../pipeline/options.js';
import { buildBundle, type BuildInput } from '../build.js';
import { StageError } from '../pipeline/runner.js';
import { build, validateStageNames, type ArticleBuildResult } from '../build.js';
import type { InputFormat } from '../readers/index.js';
import type { Logger } from '../pipeline/stage.js';
import { formatDiagnostics, formatFailure } from './print.js';
import { escapeLine } from '../util/escape.js';
import { setUpBuild, type BuildSetup, type ConfigurableFlags } from './config-flags.js';
import type { Command } from 'commander';

export interface BuildFlags extends ConfigurableFlags {
  out: string;
  stages?: string;
  from?: InputFormat;
  allowRemote: boolean;
  repair?: boolean;
  maxInputBytes?: number;
  cover?: string;
  conformsTo?: string;
  certifiedBy?: string;
  engine: string;
  voice?: string;
  rate: number;
  lexicon: string[];
  readPullquotes: boolean;
  audio: 'mp3' | 'wav' | 'm4b';
  mp3Quality?: number;
  srt: boolean;
  overlays: boolean;
  web: boolean;
  bundle?: string;
  cacheDir?: string;
  cache: boolean;
  workers?: number;
  quiet: boolean;
  json: boolean;
}

function terminalLogger(quiet: boolean): Logger {
  // Quiet first: asking a pipe or a terminal whether it is a TTY creates the stream, which
  // loads Node's net module (about 3 ms) for a build that prints nothing.
  const tty = !quiet && process.stderr.isTTY;
  return {
    info: (m) => {
      if (!quiet) process.stderr.write(`${escapeLine(m)}\n`);
    },
    progress: (label, done, total) => {
      if (!tty) return;
      const width = 24;
      const filled = Math.round((done / Math.max(1, total)) * width);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done >= total ? '\n' : ''}`);
    },
  };
}

export async function runBuild(files: string[], cliFlags: BuildFlags, command?: Command): Promise<number> {
  const prepared = await prepareBuild(cliFlags, command);
  if (typeof prepared === 'number') return prepared;
  const controller = new AbortController();
  const stop = (sig: NodeJS.Signals) => controller.abort(new LecternError(`interrupted by ${sig}`, 'build:interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const results = await prepared.run(files, controller.signal);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  report(results, prepared.flags);
  if (controller.signal.aborted) {
    // Stopped before any article had started: no result carries the line, so say it here.
    if (!results.some((r) => r.error)) process.stderr.write(`lectern: ${(controller.signal.reason as Error).message}\n`);
    return 130;
  }
  return exitCode(results);
}

/** 0 when every result is good; 2 when every failure is a usage error; else 1. */
export function exitCode(results: readonly ArticleBuildResult[]): number {
  if (results.every((r) => r.ok)) return 0;
  // A bad option found only once a stage ran (an unknown voice): still a usage error.
  const usage = (e: unknown) => e instanceof LecternError && e.code.startsWith('usage:');
  return results.filter((r) => !r.ok).every((r) => usage(r.error) || (r.error instanceof StageError && usage(r.error.cause))) ? 2 : 1;
}

export interface PreparedBuild {
  flags: BuildFlags;
  /** Builds `files` with the options resolved once (a watch runs it on every change). */
  run(files: string[], signal: AbortSignal): Promise<ArticleBuildResult[]>;
}

/**
 * Resolves the config file, third-party stages and flags into build options, once; a
 * mistake there is a usage error (the exit code is returned instead).
 */
export async function prepareBuild(cliFlags: BuildFlags, command?: Command): Promise<PreparedBuild | number> {
  // The config file and third-party stages first: a mistake there is a usage error.
  let setup: BuildSetup<BuildFlags>;
  try {
    setup = await setUpBuild(cliFlags, command);
  } catch (e) {
    if (e instanceof LecternError) {
      process.stderr.write(`lectern: ${e.toString()}\n`);
      return 2;
    }
    throw e;
  }
  const { flags, registry } = setup;
  if (flags.from && !registry.reader(flags.from)) {
    process.stderr.write(`lectern: ${errors.unknownFormat('--from', flags.from, registry.formats).message}\n`);
    return 2;
  }
  const chosen = flags.stages?.split(',').map((s) => s.trim()).filter(Boolean);
  // --no-overlays: the plain book, even when the narration is built.
  // --no-web: no web edition folder.
  const dropped = [...(flags.overlays ? [] : ['read-aloud']), ...(flags.web === false ? ['web'] : [])];
  const stages = dropped.length ? (chosen ?? registry.defaultStageNames).filter((s) => !dropped.includes(s)) : chosen;
  try {
    if (stages) validateStageNames(stages, registry);
  } catch (e) {
    if (e instanceof LecternError) {
      process.stderr.write(`lectern: ${escapeLine(e.message)}\n`);
      return 2;
    }
    throw e;
  }
  if (flags.certifiedBy && !flags.conformsTo) {
    process.stderr.write('lectern: --certified-by needs --conforms-to (the claim being certified)\n');
    return 2;
  }
  // Flags given on the command line or as config options win over the config's stageOptions,
  // which win over the stages' defaults: a flag left at its default overwrites nothing.
  const stageOptions: Record<string, Record<string, unknown>> = Object.fromEntries(Object.entries(setup.stageOptions).map(([k, v]) => [k, { ...v }]));
  const set = (flag: string, stage: string, key: string, value: unknown) => {
    if (setup.given.has(flag) && value !== undefined) stageOptions[stage] = { ...stageOptions[stage], [key]: value };
  };
  set('cover', 'cover', 'image', flags.cover && path.resolve(flags.cover));
  set('readPullquotes', 'speech', 'readPullquotes', flags.readPullquotes);
  set('lexicon', 'speech', 'lexicons', flags.lexicon);
  // The engine is given once, to the narration; the speech script uses the same one.
  set('engine', 'narration', 'engine', flags.engine);
  if (setup.given.has('engine') && stageOptions['speech']?.['engine'] !== undefined) stageOptions['speech'] = { ...stageOptions['speech'], engine: flags.engine };
  set('rate', 'narration', 'rate', flags.rate);
  set('voice', 'narration', 'voice', flags.voice);
  set('workers', 'narration', 'workers', flags.workers && Math.round(flags.workers));
  set('audio', 'audio', 'format', flags.audio);
  set('mp3Quality', 'audio', 'mp3Quality', flags.mp3Quality);
  set('srt', 'transcript', 'srt', flags.srt);
  set('conformsTo', 'epub', 'conformsTo', flags.conformsTo);
  set('certifiedBy', 'epub', 'certifiedBy', flags.certifiedBy);
  let resolved;
  try {
    resolved = resolveStageOptions(registry, stageOptions);
  } catch (e) {
    if (!(e instanceof LecternError)) throw e;
    process.stderr.write(`lectern: ${e.toString()}\n`);
    return 2;
  }
  const run = flags.bundle ? (inputs: string[], input: BuildInput) => buildBundle(inputs, flags.bundle!, input) : build;
  const input: BuildInput = {
    cacheDir: flags.cache ? flags.cacheDir : false,
    outDir: flags.out,
    stages,
    registry,
    from: flags.from,
    allowRemote: flags.allowRemote,
    ...(flags.repair ? { repair: true } : {}),
    ...(flags.maxInputBytes ? { maxInputBytes: flags.maxInputBytes } : {}),
    stageOptions: resolved,
    log: terminalLogger(flags.quiet || flags.json),
  };
  return { flags, run: (inputs, signal) => run(inputs, { ...input, signal }) };
}

export function report(results: ArticleBuildResult[], flags: BuildFlags): void {
  for (const r of results) {
    if (!flags.quiet) process.stderr.write(formatDiagnostics(r.diagnostics.list.filter((d) => d.severity !== 'info')));
    if (r.error) process.stderr.write(formatFailure(r.file, r.error) + '\n');
    else if (!flags.quiet && !flags.json) for (const f of r.files) process.stderr.write(`wrote ${escapeLine(path.relative(process.cwd(), f) || f)}\n`);
  }
  const failed = results.filter((r) => !r.ok);
  const warnings = results.reduce((n, r) => n + r.diagnostics.warnings.length, 0);
  const failures = failed.length ? escapeLine(` (${failed.map((r) => r.file).join(', ')})`) : '';
  if (flags.bundle && !flags.json && (!flags.quiet || failed.length)) {
    // A digest's results: one per article read, then the digest itself.
    const digest = results[results.length - 1]!;
    const articles = results.slice(0, -1);
    process.stderr.write(
      `${digest.ok ? 'built' : 'failed to build'} digest "${escapeLine(flags.bundle)}" from ${articles.filter((r) => r.ok).length} of ${articles.length} articles, failed ${failed.length}${failures}, warnings ${warnings}\n`,
    );
  } else if (results.length > 1 && !flags.json && (!flags.quiet || failed.length))
    process.stderr.write(`built ${results.length - failed.length}, failed ${failed.length}${failures}, warnings ${warnings}\n`);
  if (flags.json) {
    const doc = {
      ok: failed.length === 0,
      built: results.length - failed.length,
      failed: failed.length,
      articles: results.map((r) => ({
        file: r.file,
        ok: r.ok,
        format: r.format,
        outputs: r.files,
        timingsMs: Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, Math.round(v)])),
        ...(r.artifacts?.narration
          ? {
              narration: {
                engine: r.artifacts.narration.engine,
                engineVersion: r.artifacts.narration.engineVersion,
                voice: r.artifacts.narration.voice,
                voices: r.artifacts.narration.voices,
                rate: r.artifacts.narration.rate,
                seconds: Math.round((r.artifacts.narration.timeline.length / r.artifacts.narration.timeline.sampleRate) * 1000) / 1000,
                ...r.artifacts.narration.stats,
              },
            }
          : {}),
        diagnostics: r.diagnostics.list.map((d) => d.toJSON()),
        ...(r.error ? { error: formatFailure(r.file, r.error) } : {}),
      })),
    };
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  }
}
