/**
 * `lectern watch FILE...`: builds, then rebuilds whenever an input file is saved. The
 * process stays up, so modules stay loaded, the synthesis threads keep their engine and
 * their MP3 encoder, and the clip lengths stay known: a rebuild after an edit redoes only
 * what the edit changed. A failed build reports its error and the watch goes on; Ctrl-C
 * (or SIGTERM) stops it with exit 130.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { expandInputs } from '../inputs.js';
import { keepPoolsWarm } from '../workers/pool.js';
import { digest } from '../util/hash.js';
import { outputBaseName } from '../build.js';
import type { StaticServer } from '../web/serve.js';
import { prepareBuild, report, type BuildFlags } from './build-command.js';

/** Saves come in bursts (an editor writes, renames, touches): wait this long for quiet. */
const DEBOUNCE_MS = 120;
/** A first build that synthesised fewer clips than this readies the threads' code afterwards (`NarrationResult.warmUp`). */
const WARM_UP_BELOW = 8;

export interface WatchFlags extends BuildFlags {
  preview: boolean;
  port?: number;
}

export async function runWatch(files: string[], cliFlags: WatchFlags, command?: Command): Promise<number> {
  const prepared = await prepareBuild(cliFlags, command);
  if (typeof prepared === 'number') return prepared;
  const { flags } = prepared;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  keepPoolsWarm(true);

  // The files to watch: the inputs as expanded now, and the lexicons.
  const inputs = (await expandInputs(files)).filter((i) => !i.error).map((i) => path.resolve(i.file));
  const watched = new Set([...inputs, ...flags.lexicon.map((f) => path.resolve(f))]);
  const contents = new Map<string, string>();
  const fingerprint = async (file: string) => digest(await readFile(file).catch(() => Buffer.alloc(0)), 32);
  for (const f of watched) contents.set(f, await fingerprint(f));

  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let first = true;

  const buildOnce = async () => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    controller = new AbortController();
    const results = await prepared.run(files, controller.signal);
    if (stopped) return;
    report(results, flags);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const failed = results.filter((r) => !r.ok).length;
    if (!flags.json)
      say(
        `${failed ? `build failed (${failed} of ${results.length})` : first ? 'built' : 'rebuilt'} in ${wall.toFixed(3)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(3)} s); watching ${watched.size} file${watched.size === 1 ? '' : 's'} for changes (Ctrl-C to stop)`,
      );
    const wasFirst = first;
    first = false;
    if (!failed) await preview();
    // A first build that found its clips cached left the threads' engine and encoder code
    // unrun: ready it now, while the user reads, not on the first edit.
    if (wasFirst && !failed) for (const r of results) if (r.artifacts?.narration && r.artifacts.narration.stats.synthesised < WARM_UP_BELOW) await r.artifacts.narration.warmUp();
  };

  // --preview: the web edition served once it is built, and every open page reloaded after each rebuild.
  let served: StaticServer | undefined;
  const preview = async () => {
    if (!cliFlags.preview || stopped) return;
    if (served) return served.reload();
    const [{ webFolder }, { serveFolder }] = await Promise.all([import('../stages/web.js'), import('../web/serve.js')]);
    const folder = path.join(path.resolve(flags.out), webFolder(outputBaseName(inputs[0] ?? files[0]!)));
    try {
      served = await serveFolder(folder, cliFlags.port ?? 0, { reload: true });
      process.stdout.write(`serving ${path.relative(process.cwd(), folder) || folder} at ${served.url} (reloads after each rebuild)\n`);
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port ${cliFlags.port} is in use` : e instanceof Error ? e.message : String(e);
      say(`lectern: cannot serve ${folder}: ${reason}`);
    }
  };
  const kick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = buildOnce()
      .catch((e: unknown) => void say(`lectern: internal error: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  };

  // Folders, not files: editors often save by writing a new file and renaming it over the old.
  const watchers: FSWatcher[] = [];
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const changed = (file: string) => {
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const files = [...pending];
      pending.clear();
      let any = false;
      for (const f of files) {
        const now = await fingerprint(f);
        // A save that changed nothing (or a second event for the same save) builds nothing.
        if (now !== contents.get(f)) {
          contents.set(f, now);
          any = true;
        }
      }
      if (any) kick();
    }, DEBOUNCE_MS);
  };
  for (const dir of new Set([...watched].map((f) => path.dirname(f)))) {
    try {
      watchers.push(
        watch(dir, (_event, name) => {
          const file = name ? path.join(dir, name.toString()) : undefined;
          if (file && watched.has(file)) changed(file);
          else if (!file) for (const f of watched) if (path.dirname(f) === dir) changed(f);
        }),
      );
    } catch (e) {
      say(`lectern: cannot watch ${dir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  kick();
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  stopped = true;
  clearTimeout(timer);
  for (const w of watchers) w.close();
  controller?.abort(new Error(`interrupted by ${signal}`));
  keepPoolsWarm(false);
  await served?.close();
  say(`lectern: stopped watching (${signal})`);
  return 130;
}
