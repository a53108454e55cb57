/**
 * Plugin modules: what `--plugin <module>`, a config file's `plugins` and `--stage` name.
 * A module's default export (or its export named `plugin`, or `stage`) is one of:
 * - a `LecternPlugin` object (`{ name, readers?, engines?, normalisers?, stages? }`);
 * - a `Stage` object (it becomes a plugin with that one stage);
 * - a function, possibly async, returning either (called with no arguments).
 * Every problem is a one-line `LecternError` naming the module.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LecternError } from '../article/diagnostics.js';
import type { LecternPlugin } from '../plugin.js';
import type { Stage } from '../pipeline/stage.js';
import { defaultRegistry } from '../plugins/builtin.js';
import type { Registry } from '../plugins/registry.js';
import { toStage } from './stage-module.js';

/** What may stand for a plugin: a module path, a plugin, a stage, or a function returning a plugin or stage. */
export type PluginRef = string | LecternPlugin | Stage | (() => LecternPlugin | Stage | Promise<LecternPlugin | Stage>);

export interface PluginSpec {
  ref: PluginRef;
  /** Folder a module path is relative to. Default: the current folder. */
  baseDir?: string;
  /** How errors name it. Default: the module path as written, or "plugins". */
  source?: string;
  /** Word used in errors for a module: "stage" for `--stage` and `extraStages`, else "plugin". */
  kind?: 'plugin' | 'stage';
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
const fail = (source: string, message: string, cause?: unknown) => new LecternError(message, 'stage:module', { file: source }, { cause });

const isPluginLike = (x: unknown): x is LecternPlugin =>
  !!x && typeof x === 'object' && typeof (x as { run?: unknown }).run !== 'function' && ['readers', 'engines', 'normalisers', 'stages'].some((k) => k in (x as object));

/** Turns an export into a plugin: a plugin as it is, a stage (or a factory's) wrapped in one named after `source`. */
export async function toPlugin(value: unknown, source: string, kind: 'plugin' | 'stage' = 'plugin'): Promise<LecternPlugin> {
  if (isPluginLike(value)) return value;
  let candidate = value;
  if (typeof candidate === 'function') {
    try {
      candidate = await (candidate as () => unknown)();
    } catch (e) {
      throw fail(source, `the ${kind} factory failed: ${firstLine(e)}`, e);
    }
    if (isPluginLike(candidate)) return candidate;
  }
  const stage = await toStage(candidate, source);
  return { name: source, stages: [stage] };
}

/** Imports a plugin module; `ref` is relative to `baseDir`, and errors name it as `shown`. */
export async function loadPluginModule(ref: string, baseDir = process.cwd(), shown = ref, kind: 'plugin' | 'stage' = 'plugin'): Promise<LecternPlugin> {
  const file = path.resolve(baseDir, ref);
  if (!existsSync(file)) throw fail(shown, `no such ${kind} module`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw fail(shown, `could not load the ${kind} module: ${firstLine(e)}`, e);
  }
  const exported = mod['default'] ?? mod['plugin'] ?? mod['stage'];
  if (exported === undefined)
    throw fail(
      shown,
      kind === 'stage'
        ? 'exports no stage (expected a default export or an export named "stage": a stage object or a function that returns one)'
        : 'exports no plugin (expected a default export or an export named "plugin" or "stage": a plugin, a stage, or a function that returns one)',
    );
  const plugin = await toPlugin(exported, shown, kind);
  if (!plugin.name || typeof plugin.name !== 'string') throw fail(shown, 'the plugin needs a "name"');
  return plugin;
}

/**
 * Loads plugins and adds them to `registry` (default: lectern's own), in order; a module
 * given twice is loaded once. Errors (a name already taken, a malformed contribution)
 * name the module at fault. Returns the registry and the plugins.
 */
export async function loadPlugins(specs: readonly PluginSpec[], registry: Registry = defaultRegistry()): Promise<{ registry: Registry; plugins: LecternPlugin[] }> {
  const seen = new Set<string>();
  const plugins: LecternPlugin[] = [];
  let r = registry;
  for (const { ref, baseDir, source: named, kind } of specs) {
    const source = named ?? (typeof ref === 'string' ? ref : 'plugins');
    if (typeof ref === 'string') {
      const key = path.resolve(baseDir ?? process.cwd(), ref);
      if (seen.has(key)) continue;
      seen.add(key);
    }
    const plugin = typeof ref === 'string' ? await loadPluginModule(ref, baseDir, source, kind) : await toPlugin(ref, source, kind);
    try {
      r = r.with([plugin]);
    } catch (e) {
      if (!(e instanceof LecternError)) throw e;
      // The registry names the plugin; the user knows it by its module.
      throw fail(source, e.message, e);
    }
    plugins.push(plugin);
  }
  return { registry: r, plugins };
}
