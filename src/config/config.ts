/**
 * The config file: `lectern.config.js`, `lectern.config.mjs` or `lectern.config.json` in
 * the current folder, or the file given with `--config`. It holds default values for
 * `lectern build`'s options (named as in the library: `out`, `stages`, `allowRemote`,
 * `engine`, ...), third-party stages (`extraStages`) and their options (`stageOptions`).
 * Relative paths in it are relative to the config file's folder.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LecternError } from '../article/diagnostics.js';
import type { StageRef } from './stage-module.js';
import type { PluginRef } from './plugin-module.js';

export const CONFIG_FILES = ['lectern.config.js', 'lectern.config.mjs', 'lectern.config.json'] as const;

export interface LecternConfig {
  /** Output folder. Default: `"dist"`. */
  out?: string;
  /** Built-in stages to run, as with `--stages`. Default: every default stage. */
  stages?: string[] | string;
  /** Plugins: module paths (relative to the config file), or, in a JS config, plugin objects, stages or factories. Default: none. */
  plugins?: PluginRef[];
  /** Third-party stages (the same as `plugins`, kept for stage modules): module paths (relative to the config file), or, in a JS config, stage objects or factories. Default: none. */
  extraStages?: StageRef[];
  /** Options for stages, by stage name; a stage reads its own as `ctx.options.stageOptions[name]`. Default: `{}`. */
  stageOptions?: Record<string, Record<string, unknown>>;
  /** Any other `lectern build` option, in camelCase: `allowRemote`, `from`, `engine`, `rate`, ... */
  [option: string]: unknown;
}

/** Identity helper that gives a config file its types. */
export function defineConfig(config: LecternConfig): LecternConfig {
  return config;
}

export interface LoadedConfig {
  /** The config file as found or given. */
  file: string;
  /** Its folder, for relative paths in it. */
  dir: string;
  config: LecternConfig;
}

const fail = (file: string, message: string, cause?: unknown) => new LecternError(message, 'config:invalid', { file }, { cause });
const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();

/** The config file in `dir`, if there is one. */
export function findConfigFile(dir: string): string | undefined {
  return CONFIG_FILES.map((name) => path.join(dir, name)).find((f) => existsSync(f));
}

/** Reads and checks a config file (relative to `cwd`). Errors are one line naming the file as given. */
export async function loadConfig(file: string, cwd = process.cwd()): Promise<LoadedConfig> {
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs)) throw fail(file, 'no such config file');
  let data: unknown;
  if (abs.endsWith('.json')) {
    try {
      data = JSON.parse(await readFile(abs, 'utf8'));
    } catch (e) {
      throw fail(file, `invalid JSON: ${firstLine(e)}`, e);
    }
  } else {
    try {
      const mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
      data = mod['default'];
    } catch (e) {
      throw fail(file, `could not load the config file: ${firstLine(e)}`, e);
    }
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw fail(file, 'expected an object of options (export default { ... })');
  const config = data as LecternConfig;
  const { extraStages, stageOptions, stages, plugins } = config;
  if (plugins !== undefined && !(Array.isArray(plugins) && plugins.every((s) => typeof s === 'string' || typeof s === 'function' || (s !== null && typeof s === 'object'))))
    throw fail(file, 'plugins: expected a list of plugin module paths (or, in a JS config, plugin objects or factories)');
  if (extraStages !== undefined && !(Array.isArray(extraStages) && extraStages.every((s) => typeof s === 'string' || typeof s === 'function' || (s !== null && typeof s === 'object'))))
    throw fail(file, 'extraStages: expected a list of stage module paths (or, in a JS config, stage objects or factories)');
  if (stageOptions !== undefined && !(stageOptions && typeof stageOptions === 'object' && !Array.isArray(stageOptions) && Object.values(stageOptions).every((o) => o && typeof o === 'object' && !Array.isArray(o))))
    throw fail(file, 'stageOptions: expected { "stage-name": { option: value } }');
  if (stages !== undefined && typeof stages !== 'string' && !(Array.isArray(stages) && stages.every((s) => typeof s === 'string')))
    throw fail(file, 'stages: expected a list of built-in stage names');
  return { file, dir: path.dirname(abs), config };
}
