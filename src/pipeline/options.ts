/**
 * Stage options, resolved once at the boundary: every stage that declares a schema gets
 * its options parsed (defaults filled in, wrong values refused with one line naming the
 * option), and the engine, given once, is shared by the speech and narration stages.
 */
import type { z } from 'zod';
import { LecternError, type Place } from '../article/diagnostics.js';
import type { Registry } from '../plugins/registry.js';
import type { AudioOptions, CoverOptions, EpubOptions, NarrationOptions, SpeechOptions, TranscriptOptions } from '../stages/options.js';

/** Options as a user gives them: by stage name, each an object of options. */
export type StageOptionsInput = Record<string, Record<string, unknown>>;

/**
 * Options as stages receive them, parsed. The built-in stages' are typed here; a plugin's
 * stage finds its own under its name (parsed by its `options` schema when it declares one).
 */
export interface StageOptions {
  speech: SpeechOptions;
  narration: NarrationOptions;
  audio: AudioOptions;
  transcript: TranscriptOptions;
  epub: EpubOptions;
  cover: CoverOptions;
  [stage: string]: Record<string, unknown> | undefined;
}

/** Resolved option sets, so resolving again (a library caller's runStages after build) costs nothing. */
const resolved = new WeakSet<object>();

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A value quoted in a message: JSON, one line, at most 40 characters. */
function shown(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  s = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

function at(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (isObject(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);
}

/** One line for the first problem zod found in `value`, the options of stage `name`. */
export function optionIssue(where: string, value: unknown, error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = [where, ...issue.path.map(String)].join('.');
  const got = at(value, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${path}: unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `${path}: expected one of ${issue.values.map(String).join(', ')} (got ${shown(got)})`;
    case 'invalid_type':
      return `${path}: expected ${issue.expected === 'array' ? 'a list' : issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`} (got ${shown(got)})`;
    case 'too_small':
    case 'too_big':
      return `${path}: ${issue.message.replace(/^Too (small|big): /, '')} (got ${shown(got)})`;
    default:
      return `${path}: ${issue.message}${got === undefined ? '' : ` (got ${shown(got)})`}`;
  }
}

/**
 * Parses `given` (by stage name) with the schemas of `registry`'s stages. Errors are
 * `usage:option` LecternErrors of one line at `place` (a config file, when the options
 * come from one). Options for a stage the registry does not have are refused.
 */
export function resolveStageOptions(registry: Registry, given: unknown = {}, place: Place = {}, where = 'stageOptions'): StageOptions {
  if (isObject(given) && resolved.has(given)) return given as StageOptions;
  const fail = (message: string) => new LecternError(message, 'usage:option', place);
  if (!isObject(given) || !Object.values(given).every(isObject)) throw fail(`${where}: expected { "stage-name": { option: value } }`);
  for (const name of Object.keys(given))
    if (!registry.stage(name)) throw fail(`${where}.${name}: there is no stage of this name (stages: ${registry.stageNames.join(', ')})`);
  // The engine is given once: as narration's, or (as earlier versions took it) as speech's.
  const byStage = given as Record<string, Record<string, unknown>>;
  const speechEngine = byStage['speech']?.['engine'];
  const narrationEngine = byStage['narration']?.['engine'];
  if (speechEngine !== undefined && narrationEngine !== undefined && speechEngine !== narrationEngine)
    throw fail(`${where}.speech.engine: ${shown(speechEngine)} differs from ${where}.narration.engine ${shown(narrationEngine)}; give the engine once, as narration.engine`);
  const raw = { ...byStage };
  if (narrationEngine === undefined && speechEngine !== undefined) raw['narration'] = { ...raw['narration'], engine: speechEngine };
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of registry.stageNames) {
    const schema = registry.stage(name)!.options;
    const value = raw[name];
    if (!schema) {
      if (value !== undefined) out[name] = value;
      continue;
    }
    const parsed = schema.safeParse(value ?? {});
    if (!parsed.success) throw fail(optionIssue(`${where}.${name}`, value ?? {}, parsed.error));
    if (!isObject(parsed.data)) throw fail(`${where}.${name}: the stage's options schema must give an object`);
    out[name] = parsed.data;
  }
  if (out['speech'] && out['narration']) out['speech'] = { ...out['speech'], engine: out['narration']['engine'] };
  resolved.add(out);
  return out as StageOptions;
}
