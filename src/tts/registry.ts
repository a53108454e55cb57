/**
 * The built-in engines, by id. Engines are registered through the plugin registry
 * (`plugins/registry.ts`); these helpers keep the names earlier callers used.
 */
import type { TtsEngine } from './engine.js';
import { defaultRegistry } from '../plugins/builtin.js';

export const DEFAULT_ENGINE = 'espeak';

/** @deprecated Use the registry: `createRegistry(plugins).loadEngine(id)`. */
export async function loadEngine(id: string): Promise<TtsEngine> {
  return defaultRegistry().loadEngine(id);
}
