/**
 * Applies a config file to `lectern build`'s flags: a value from the config is used for
 * every option not given on the command line (the command line wins), and the config's
 * third-party stages join those given with `--stage`.
 */
import path from 'node:path';
import type { Command, Option } from 'commander';
import { LecternError } from '../article/diagnostics.js';
import { findConfigFile, loadConfig, type LoadedConfig } from '../config/config.js';
import { loadPlugins, type PluginRef, type PluginSpec } from '../config/plugin-module.js';
import type { LecternPlugin } from '../plugin.js';
import type { Registry } from '../plugins/registry.js';
import { resolveStageOptions } from '../pipeline/options.js';

/** Options whose values are paths: in a config file they are relative to its folder. */
const PATH_OPTIONS = new Set(['out', 'cover', 'lexicon', 'cacheDir']);
/** Options whose value may not be empty (an empty `out` would mean the current folder). */
const NON_EMPTY = new Set(['bundle', 'voice', 'engine', 'conformsTo', 'certifiedBy', 'stages']);
/** Config keys that are not command-line options. */
const CONFIG_ONLY = new Set(['plugins', 'extraStages', 'stageOptions']);
/** Options that only make sense on the command line. */
const CLI_ONLY = new Set(['config', 'stage', 'plugin']);

export interface ConfigurableFlags {
  /** `--config <file>`, or `false` for `--no-config`. */
  config?: string | false;
  /** `--plugin <module>`, repeatable. */
  plugin?: string[];
  /** `--stage <module>`, repeatable: the same as `--plugin`, for a module that exports a stage. */
  stage?: string[];
}

export interface BuildSetup<T> {
  flags: T;
  /** The plugins loaded: the config's (`plugins`, then `extraStages`), then `--plugin` and `--stage`. */
  plugins: LecternPlugin[];
  /** lectern's own plugin and those. */
  registry: Registry;
  /** The config file's `stageOptions`, checked against the stages' schemas. */
  stageOptions: Record<string, Record<string, unknown>>;
  /** Options given on the command line or in the config file (not left at their defaults). */
  given: Set<string>;
  /** The config file used, if any. */
  configFile?: string;
}

/**
 * Finds and applies the config file, then loads the plugins and third-party stages.
 * Throws a one-line `LecternError` naming the config file or stage module at fault.
 */
export async function setUpBuild<T extends ConfigurableFlags>(flags: T, command: Command | undefined, cwd = process.cwd()): Promise<BuildSetup<T>> {
  const found = flags.config === undefined ? findConfigFile(cwd) : undefined;
  // Errors name the file as given, or a found one by its name.
  const file = flags.config === false ? undefined : (flags.config ?? (found && path.relative(cwd, found)));
  const loaded = file ? await loadConfig(file, cwd) : undefined;
  const merged = loaded && command ? applyConfig(command, flags, loaded) : flags;
  // Errors name a module by its path from the current folder, or the config file for an object.
  const fromConfig = ({ dir, file }: LoadedConfig, kind: 'plugin' | 'stage') => (ref: PluginRef): PluginSpec =>
    typeof ref === 'string' ? { ref, baseDir: dir, source: path.relative(cwd, path.resolve(dir, ref)) || ref, kind } : { ref, source: file, kind };
  const specs: PluginSpec[] = [
    ...(loaded ? (loaded.config.plugins ?? []).map(fromConfig(loaded, 'plugin')) : []),
    ...(loaded ? (loaded.config.extraStages ?? []).map(fromConfig(loaded, 'stage')) : []),
    ...(flags.plugin ?? []).map((ref): PluginSpec => ({ ref, baseDir: cwd, kind: 'plugin' })),
    ...(flags.stage ?? []).map((ref): PluginSpec => ({ ref, baseDir: cwd, kind: 'stage' })),
  ];
  const { plugins, registry } = await loadPlugins(specs);
  // --from takes the registry's readers, known only now; from a config file, the file is at fault.
  const from = (merged as { from?: unknown }).from;
  if (loaded && typeof from === 'string' && !registry.reader(from) && command?.getOptionValueSource('from') !== 'cli')
    throw invalid(loaded, `from: expected one of ${registry.formats.join(', ')}`);
  // A mistake in the config's stageOptions names the config file.
  const stageOptions = loaded?.config.stageOptions ?? {};
  if (loaded) resolveStageOptions(registry, stageOptions, { file: loaded.file });
  const given = new Set([
    ...(command ? command.options.map((o) => o.attributeName()).filter((k) => command.getOptionValueSource(k) === 'cli') : []),
    ...Object.keys(loaded?.config ?? {}).filter((k) => !CONFIG_ONLY.has(k)),
  ]);
  return {
    flags: merged,
    plugins,
    registry,
    stageOptions,
    given,
    ...(loaded ? { configFile: loaded.file } : {}),
  };
}

export function applyConfig<T extends object>(command: Command, flags: T, loaded: LoadedConfig): T {
  const options = new Map(command.options.map((o) => [o.attributeName(), o]));
  const out = { ...flags } as Record<string, unknown>;
  for (const [key, value] of Object.entries(loaded.config)) {
    if (CONFIG_ONLY.has(key)) continue;
    const option = options.get(key);
    if (!option || CLI_ONLY.has(key)) {
      const known = [...options.keys()].filter((k) => !CLI_ONLY.has(k) && !['help', 'version'].includes(k));
      throw invalid(loaded, `unknown option "${key}" (options: ${[...known, ...CONFIG_ONLY].join(', ')})`);
    }
    // Checked even when the command line wins: a mistake in the file is still a mistake.
    const checked = checkValue(option, key, value, loaded);
    if (command.getOptionValueSource(key) !== 'cli') out[key] = checked;
  }
  return out as T;
}

const invalid = (loaded: LoadedConfig, message: string) => new LecternError(message, 'config:invalid', { file: loaded.file });

function checkValue(option: Option, key: string, value: unknown, loaded: LoadedConfig): unknown {
  const takesValue = option.required || option.optional;
  if (!takesValue) {
    if (typeof value !== 'boolean') throw invalid(loaded, `${key}: expected true or false`);
    return value;
  }
  const one = (v: unknown): unknown => {
    // A number is taken for an option that parses numbers; anything else wants a string.
    if (typeof v !== 'string' && !(typeof v === 'number' && option.parseArg && !PATH_OPTIONS.has(key) && !NON_EMPTY.has(key)))
      throw invalid(loaded, `${key}: expected ${option.parseArg && !PATH_OPTIONS.has(key) && !NON_EMPTY.has(key) ? 'a number' : 'a string'}`);
    const text = String(v);
    if (text.trim() === '' && (PATH_OPTIONS.has(key) || NON_EMPTY.has(key))) throw invalid(loaded, `${key}: expected a non-empty ${PATH_OPTIONS.has(key) ? 'path' : 'string'}`);
    if (option.argChoices && !option.argChoices.includes(text)) throw invalid(loaded, `${key}: expected one of ${option.argChoices.join(', ')}`);
    if (PATH_OPTIONS.has(key)) return path.resolve(loaded.dir, text);
    if (!option.parseArg) return text;
    try {
      return option.parseArg(text, undefined);
    } catch (e) {
      throw invalid(loaded, `${key}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  // Repeatable options (default []) take a list; `stages` takes a list or a comma-separated string.
  if (Array.isArray(option.defaultValue)) return (Array.isArray(value) ? value : [value]).map(one);
  if (key === 'stages' && Array.isArray(value)) return value.map((v) => String(one(v))).join(',');
  return one(value);
}
