/**
 * Third-party stages: a module that exports a `Stage` object, or a factory (a function,
 * possibly async, returning one), as its default export or as an export named `stage`.
 * Every problem with such a module is a one-line `LecternError` naming the module.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LecternError } from '../article/diagnostics.js';
import type { Stage } from '../pipeline/stage.js';
import { builtinStages } from '../stages/index.js';

/** A function that makes a stage, e.g. `plainTextStage()`. Called with no arguments. */
export type StageFactory = () => Stage | Promise<Stage>;

/** What may stand for a third-party stage: a module path, a Stage, or a factory. */
export type StageRef = string | Stage | StageFactory;

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
const fail = (source: string, message: string, cause?: unknown) => new LecternError(message, 'stage:module', { file: source }, { cause });
const NAME = /^[A-Za-z][\w.-]*$/;

/**
 * Imports a stage module. `ref` is a path relative to `baseDir` (default: the current
 * folder); errors name the module as `shown` (default: `ref` as written).
 */
export async function loadStageModule(ref: string, baseDir = process.cwd(), shown = ref): Promise<Stage> {
  const file = path.resolve(baseDir, ref);
  if (!existsSync(file)) throw fail(shown, 'no such stage module');
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw fail(shown, `could not load the stage module: ${firstLine(e)}`, e);
  }
  const exported = mod['default'] ?? mod['stage'];
  if (exported === undefined) throw fail(shown, 'exports no stage (expected a default export or an export named "stage": a stage object or a function that returns one)');
  return toStage(exported, shown);
}

/** Checks that `value` (a Stage, or a factory to call) is a usable stage; `source` names it in errors. */
export async function toStage(value: unknown, source: string): Promise<Stage> {
  let candidate = value;
  if (typeof candidate === 'function') {
    try {
      candidate = await (candidate as () => unknown)();
    } catch (e) {
      throw fail(source, `the stage factory failed: ${firstLine(e)}`, e);
    }
  }
  if (!candidate || typeof candidate !== 'object') throw fail(source, `expected a stage object, got ${candidate === null ? 'null' : typeof candidate}`);
  const s = candidate as Record<string, unknown>;
  const name = s['name'];
  if (typeof name !== 'string' || !NAME.test(name)) throw fail(source, 'the stage needs a "name": letters, digits, "-", "_" or ".", starting with a letter');
  if (typeof s['run'] !== 'function') throw fail(source, `stage "${name}" has no run(ctx) function`);
  const description = s['description'];
  if (description !== undefined && typeof description !== 'string') throw fail(source, `stage "${name}": "description" must be a string`);
  for (const key of ['needs', 'after'] as const) {
    const list = s[key];
    if (list !== undefined && !(Array.isArray(list) && list.every((n) => typeof n === 'string')))
      throw fail(source, `stage "${name}": "${key}" must be a list of stage names`);
  }
  const stage = candidate as Stage;
  // A wrapper keeps `this` for class-based stages and fills in what may be left out.
  return {
    name,
    description: (description as string | undefined) ?? `from ${path.basename(source)}`,
    ...(stage.needs ? { needs: [...stage.needs] } : {}),
    ...(stage.after ? { after: [...stage.after] } : {}),
    ...(stage.scope ? { scope: stage.scope } : {}),
    ...(stage.options ? { options: stage.options } : {}),
    run: (ctx) => stage.run(ctx),
  };
}

/** A third-party stage to load: a module path relative to `baseDir`, or a stage or factory. */
export interface StageSpec {
  ref: StageRef;
  /** Folder a module path is relative to. Default: the current folder. */
  baseDir?: string;
  /** How errors name it. Default: the module path as written, or "extraStages". */
  source?: string;
}

/**
 * Loads third-party stages and checks that their names are unique and not those of
 * built-in stages. The same module given twice is loaded once.
 */
export async function loadStages(specs: readonly StageSpec[]): Promise<Stage[]> {
  const stages: Stage[] = [];
  const from = new Map<string, string>();
  const seen = new Set<string>();
  for (const { ref, baseDir, source: named } of specs) {
    const source = named ?? (typeof ref === 'string' ? ref : 'extraStages');
    if (typeof ref === 'string') {
      const key = path.resolve(baseDir ?? process.cwd(), ref);
      if (seen.has(key)) continue;
      seen.add(key);
    }
    const stage = typeof ref === 'string' ? await loadStageModule(ref, baseDir, source) : await toStage(ref, source);
    if (stage.name in builtinStages) throw fail(source, `stage "${stage.name}" has the name of a built-in stage; give it another name`);
    const clash = from.get(stage.name);
    if (clash) throw fail(source, `stage "${stage.name}" is also defined by ${clash}`);
    from.set(stage.name, source);
    stages.push(stage);
  }
  return stages;
}
