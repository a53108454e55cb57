import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { digest } from '../util/hash.js';
import type { TtsEngine, Voice } from './engine.js';

export interface EngineInfo {
  version: string;
  voices: Voice[];
}

/**
 * An engine's version and voices. Asking costs an engine start (about 0.1 s for eSpeak NG,
 * and memory), so `ask` lets the caller put the question to a synthesis thread it will
 * use anyway; for engines with a cheap `identity()` the answer is kept in the cache
 * folder, so a rebuild with every clip cached never starts the engine at all.
 */
export async function engineInfo(engine: TtsEngine, cacheRoot: string | false, ask?: () => Promise<EngineInfo>): Promise<EngineInfo> {
  const identity = engine.identity?.();
  const file = identity && cacheRoot ? path.join(cacheRoot, 'engines', `${engine.id}-${digest(identity, 16)}.json`) : undefined;
  if (file) {
    try {
      const info = JSON.parse(await readFile(file, 'utf8')) as EngineInfo;
      if (typeof info.version === 'string' && Array.isArray(info.voices)) return info;
    } catch {
      /* not cached yet, or unreadable: ask the engine */
    }
  }
  const info: EngineInfo = ask ? await ask() : { version: await engine.version(), voices: await engine.voices() };
  if (file) await writeFileAtomic(file, JSON.stringify(info));
  return info;
}
