/**
 * The one registry of readers, engines, normalisers and stages. The built-in plugin goes
 * in first, then third-party plugins in the order given (config file, then `--plugin`, or
 * `build({ plugins })`). A registry is immutable: `with(plugins)` makes a new one, so a
 * build's plugins never leak into another build.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LecternError } from '../article/diagnostics.js';
import type { Stage } from '../pipeline/stage.js';
import type { TtsEngine } from '../tts/engine.js';
import type { EngineEntry, EngineFactory, EngineRef, LecternPlugin, NormaliserEntry, Reader, StageEntry } from '../plugin.js';

const NAME = /^[A-Za-z][\w.-]*$/;
const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();

/** A plugin mistake: one line naming the plugin. */
export const pluginError = (plugin: string, message: string, cause?: unknown) => new LecternError(message, 'plugin:invalid', { file: plugin }, { cause });

function isStage(x: Stage | StageEntry): x is Stage {
  return typeof (x as Stage).run === 'function';
}

/** An importable specifier for an engine module: `file:` URLs for paths, package names as they are. */
export function moduleSpecifier(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (path.isAbsolute(module)) return pathToFileURL(module).href;
  return module;
}

interface Registered<T> {
  entry: T;
  /** The plugin that contributed it. */
  plugin: string;
  builtin: boolean;
}

export class Registry {
  private constructor(
    readonly plugins: readonly LecternPlugin[],
    private readonly readerList: readonly Registered<Reader>[],
    private readonly engineMap: ReadonlyMap<string, Registered<EngineEntry>>,
    private readonly normaliserMap: ReadonlyMap<string, Registered<NormaliserEntry>>,
    private readonly stageMap: ReadonlyMap<string, Registered<StageEntry>>,
  ) {}

  /** A registry holding `builtin` (the first plugin, whose contributions count as built-in) and then `plugins`. */
  static create(builtin: LecternPlugin, plugins: readonly LecternPlugin[] = []): Registry {
    return new Registry([], [], new Map(), new Map(), new Map()).add(builtin, true).with(plugins);
  }

  /** A new registry with `plugins` added after this one's. The same plugin object given twice counts once. */
  with(plugins: readonly LecternPlugin[]): Registry {
    let r: Registry = this;
    for (const p of plugins) if (!r.plugins.includes(p)) r = r.add(p, false);
    return r;
  }

  private add(plugin: LecternPlugin, builtin: boolean): Registry {
    if (!plugin || typeof plugin !== 'object') throw pluginError('plugins', `expected a plugin object, got ${plugin === null ? 'null' : typeof plugin}`);
    const name = plugin.name;
    if (typeof name !== 'string' || !name) throw pluginError('plugins', 'a plugin needs a "name"');
    const list = <T>(key: keyof LecternPlugin): T[] => {
      const v = plugin[key];
      if (v === undefined) return [];
      if (!Array.isArray(v)) throw pluginError(name, `"${key}" must be a list`);
      return v as T[];
    };
    const readers = [...this.readerList];
    const engines = new Map(this.engineMap);
    const normalisers = new Map(this.normaliserMap);
    const stages = new Map(this.stageMap);
    for (const reader of list<Reader>('readers')) {
      if (!reader || typeof reader.name !== 'string' || !NAME.test(reader.name)) throw pluginError(name, 'a reader needs a "name": letters, digits, "-", "_" or ".", starting with a letter');
      if (typeof reader.read !== 'function') throw pluginError(name, `reader "${reader.name}" has no read(input) function`);
      if (reader.extensions !== undefined && !(Array.isArray(reader.extensions) && reader.extensions.every((e) => typeof e === 'string' && /^\.[a-z0-9]+$/.test(e))))
        throw pluginError(name, `reader "${reader.name}": "extensions" must be a list like [".txt"] (lower case, with the dot)`);
      const clash = readers.find((r) => r.entry.name === reader.name);
      if (clash) throw pluginError(name, `reader "${reader.name}" is already defined by ${clash.builtin ? 'lectern' : clash.plugin}`);
      readers.push({ entry: reader, plugin: name, builtin });
    }
    for (const engine of list<EngineEntry>('engines')) {
      if (!engine || typeof engine.id !== 'string' || !NAME.test(engine.id)) throw pluginError(name, 'an engine needs an "id": letters, digits, "-", "_" or ".", starting with a letter');
      if (!(typeof engine.module === 'string' || engine.module instanceof URL) || !String(engine.module))
        throw pluginError(name, `engine "${engine.id}" needs a "module": the URL or path of the module that exports its factory`);
      const clash = engines.get(engine.id);
      if (clash) throw pluginError(name, `engine "${engine.id}" is already defined by ${clash.builtin ? 'lectern' : clash.plugin}`);
      engines.set(engine.id, { entry: engine, plugin: name, builtin });
    }
    for (const n of list<NormaliserEntry>('normalisers')) {
      if (!n || typeof n.lang !== 'string' || !/^[a-z]{2,3}$/.test(n.lang)) throw pluginError(name, 'a normaliser needs a "lang": a primary language subtag such as "en"');
      if (typeof n.normalise !== 'function') throw pluginError(name, `normaliser "${n.lang}" has no normalise(text) function`);
      // A later plugin's normaliser replaces an earlier one's for the same language.
      normalisers.set(n.lang, { entry: n, plugin: name, builtin });
    }
    for (const s of list<Stage | StageEntry>('stages')) {
      if (!s || typeof s !== 'object') throw pluginError(name, 'expected a list of stages');
      if (typeof s.name !== 'string' || !NAME.test(s.name)) throw pluginError(name, 'the stage needs a "name": letters, digits, "-", "_" or ".", starting with a letter');
      const entry: StageEntry = isStage(s) ? { name: s.name, description: s.description, default: true, ...(s.options ? { options: s.options } : {}), create: () => s } : s;
      if (entry.options !== undefined && typeof (entry.options as { safeParse?: unknown }).safeParse !== 'function') throw pluginError(name, `stage "${entry.name}": "options" must be a zod schema`);
      if (typeof entry.create !== 'function') throw pluginError(name, `stage "${s.name}" has no run(ctx) function`);
      const clash = stages.get(entry.name);
      if (clash) throw pluginError(name, clash.builtin ? `stage "${entry.name}" has the name of a built-in stage; give it another name` : `stage "${entry.name}" is also defined by ${clash.plugin}`);
      stages.set(entry.name, { entry, plugin: name, builtin });
    }
    return new Registry([...this.plugins, plugin], readers, engines, normalisers, stages);
  }

  // Readers

  /** Readers in the order they are asked: third-party first, then the built-in ones. */
  get readers(): Reader[] {
    return [...this.readerList.filter((r) => !r.builtin), ...this.readerList.filter((r) => r.builtin)].map((r) => r.entry);
  }

  isBuiltinReader(name: string): boolean {
    return this.readerList.find((r) => r.entry.name === name)?.builtin ?? false;
  }

  reader(name: string): Reader | undefined {
    return this.readerList.find((r) => r.entry.name === name)?.entry;
  }

  /** What `--from` takes. */
  get formats(): string[] {
    return this.readerList.map((r) => r.entry.name);
  }

  /** The extensions a folder's article files have. */
  get extensions(): string[] {
    return [...new Set(this.readerList.flatMap((r) => r.entry.extensions ?? []))];
  }

  // Engines

  get engineIds(): string[] {
    return [...this.engineMap.keys()];
  }

  engine(id: string): EngineEntry {
    const found = this.engineMap.get(id)?.entry;
    if (!found) throw new LecternError(`unknown engine "${id}" (available: ${this.engineIds.join(', ')})`, 'usage:engine');
    return found;
  }

  /** How a worker thread loads engine `id`. */
  engineRef(id: string): EngineRef {
    const e = this.engine(id);
    return { id: e.id, module: moduleSpecifier(e.module), export: e.export ?? 'default' };
  }

  /** Loads and creates engine `id` on this thread. */
  async loadEngine(id: string): Promise<TtsEngine> {
    return loadEngineRef(this.engineRef(id));
  }

  // Normalisers

  normaliser(lang: string): NormaliserEntry | undefined {
    return this.normaliserMap.get(lang.toLowerCase().split('-')[0]!)?.entry;
  }

  /** Loads the normalisers of these languages (their `load`), before `normaliserFor` is used. */
  async loadNormalisers(langs: readonly string[]): Promise<void> {
    const entries = new Set(langs.map((l) => this.normaliser(l)).filter((e) => e !== undefined));
    for (const e of entries) {
      try {
        await e.load?.();
      } catch (err) {
        const r = this.normaliserMap.get(e.lang);
        throw pluginError(r?.plugin ?? 'normalisers', `the "${e.lang}" normaliser failed to load: ${firstLine(err)}`, err);
      }
    }
  }

  /** The normaliser for a BCP 47 tag as the speech script uses it; `fallback` for a language without one. */
  normaliserFor<T extends { normalise(text: string): string }>(lang: string, fallback: T): { normalise(text: string): string } {
    const entry = this.normaliser(lang);
    return entry ? { normalise: (text) => entry.normalise(text, lang) } : fallback;
  }

  /** Whether a tag's normaliser is lectern's own (or none: the built-in clean-up), not a plugin's. */
  isBuiltinNormaliser(lang: string): boolean {
    return this.normaliserMap.get(lang.toLowerCase().split('-')[0]!)?.builtin ?? true;
  }

  /** Languages with a normaliser. */
  get normalisedLanguages(): string[] {
    return [...this.normaliserMap.keys()];
  }

  // Stages

  get stageNames(): string[] {
    return [...this.stageMap.keys()];
  }

  stage(name: string): StageEntry | undefined {
    return this.stageMap.get(name)?.entry;
  }

  isBuiltinStage(name: string): boolean {
    return this.stageMap.get(name)?.builtin ?? false;
  }

  /** Built-in stages that run when no `--stages` is given. */
  get defaultStageNames(): string[] {
    return [...this.stageMap.values()].filter((s) => s.builtin && s.entry.default).map((s) => s.entry.name);
  }

  /** Third-party stages that join every build (those not marked `default: false`). */
  get pluginStageNames(): string[] {
    return [...this.stageMap.values()].filter((s) => !s.builtin && s.entry.default !== false).map((s) => s.entry.name);
  }

  /** Throws a usage error naming every unknown stage. */
  checkStageNames(names: readonly string[]): void {
    const unknown = names.filter((n) => !this.stageMap.has(n));
    if (unknown.length) throw new LecternError(`unknown stage ${unknown.map((n) => `"${n}"`).join(', ')} (available: ${this.stageNames.join(', ')})`, 'usage:stage');
  }

  /** Creates the named stages; a plugin's failing factory is an error naming the plugin. */
  async createStages(names: readonly string[]): Promise<Stage[]> {
    return Promise.all(
      names.map(async (n) => {
        const r = this.stageMap.get(n);
        if (!r) throw new LecternError(`unknown stage "${n}"`, 'usage:stage');
        // A built-in stage handles a digest's articles itself unless its entry says otherwise.
        if (r.builtin) {
          const stage = await r.entry.create();
          return stage.scope ? stage : { ...stage, scope: r.entry.scope ?? 'book' };
        }
        let stage: Stage;
        try {
          stage = await r.entry.create();
        } catch (e) {
          throw pluginError(r.plugin, `the stage factory failed: ${firstLine(e)}`, e);
        }
        if (!stage || typeof stage.run !== 'function') throw pluginError(r.plugin, `stage "${n}" has no run(ctx) function`);
        if (stage.name !== n) throw pluginError(r.plugin, `stage entry "${n}" made a stage named "${stage.name}"`);
        if (stage.scope !== undefined && stage.scope !== 'article' && stage.scope !== 'book') throw pluginError(r.plugin, `stage "${n}": "scope" must be "article" or "book"`);
        return stage.scope || !r.entry.scope ? stage : { ...stage, scope: r.entry.scope };
      }),
    );
  }
}

/** Imports an engine module and calls its factory: the same on the main thread and in a worker thread. */
export async function loadEngineRef(ref: EngineRef, options?: Record<string, unknown>): Promise<TtsEngine> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(ref.module)) as Record<string, unknown>;
  } catch (e) {
    throw new LecternError(`could not load engine "${ref.id}" from ${ref.module}: ${firstLine(e)}`, 'plugin:engine', {}, { cause: e });
  }
  const factory = mod[ref.export];
  if (typeof factory !== 'function') throw new LecternError(`engine module ${ref.module} has no function export "${ref.export}"`, 'plugin:engine');
  let engine: TtsEngine;
  try {
    engine = await (factory as EngineFactory)(options);
  } catch (e) {
    if (e instanceof LecternError) throw e;
    throw new LecternError(`engine "${ref.id}" failed to start: ${firstLine(e)}`, 'plugin:engine', {}, { cause: e });
  }
  if (!engine || typeof engine.synthesize !== 'function' || typeof engine.voices !== 'function')
    throw new LecternError(`engine "${ref.id}": its factory did not return an engine (with voices() and synthesize())`, 'plugin:engine');
  return engine;
}
