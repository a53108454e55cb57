/**
 * The built-in engines, by id. Engines are registered through the plugin registry
 * (`plugins/registry.ts`, `plugins/builtin.ts`); these helpers keep the names earlier
 * callers used.
 */
import type { TtsEngine } from './engine.js';
import { defaultRegistry } from '../plugins/builtin.js';
export const DEFAULT_ENGINE = 'espeak';

/**
 * Built-in engines by id, each loaded on first use.
 * @deprecated Use the registry: `createRegistry(plugins).engineIds` and `.loadEngine(id)`.
 */
export const engines: Record<string, () => Promise<TtsEngine>> = Object.fromEntries(defaultRegistry().engineIds.map((id) => [id, () => defaultRegistry().loadEngine(id)]));

/** @deprecated Use the registry: `createRegistry(plugins).loadEngine(id)`. */
export async function loadEngine(id: string): Promise<TtsEngine> {
  return defaultRegistry().loadEngine(id);
}
