import { LecternError } from '../article/diagnostics.js';
import type { TtsEngine } from './engine.js';

/** Engines by id, each loaded on first use. */
export const engines: Record<string, () => Promise<TtsEngine>> = {
  espeak: async () => (await import('./espeak.js')).createEspeak(),
  say: async () => (await import('./say.js')).createSay(),
  neural: async () => (await import('./neural.js')).createNeural(),
};

export const DEFAULT_ENGINE = 'espeak';

export async function loadEngine(id: string): Promise<TtsEngine> {
  const load = engines[id];
  if (!load) throw new LecternError(`unknown engine "${id}" (available: ${Object.keys(engines).join(', ')})`, 'usage:engine');
  return load();
}
