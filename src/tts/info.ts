import path from 'node:path';
import { digest } from '../util/hash.js';
import { readCacheFile, writeCacheFile } from '../util/cache-file.js';
import type { TtsEngine, Voice } from './engine.js';

export interface EngineInfo {
  version: string;
  voices: Voice[];
}

/** Whether `value` has the shape of an `EngineInfo` (a cache entry is checked before use). */
function isEngineInfo(value: unknown): value is EngineInfo {
  if (!value || typeof value !== 'object') return false;
  const { version, voices } = value as Record<string, unknown>;
  return (
    typeof version === 'string' &&
    Array.isArray(voices) &&
    voices.every((v: unknown) => {
      if (!v || typeof v !== 'object') return false;
      const { id, name, languages, priorities } = v as Record<string, unknown>;
      return (
        typeof id === 'string' &&
        typeof name === 'string' &&
        Array.isArray(languages) &&
        languages.every((l) => typeof l === 'string') &&
        (priorities === undefined || (typeof priorities === 'object' && priorities !== null && Object.values(priorities).every((p) => typeof p === 'number')))
      );
    })
  );
}

/**
 * An engine's version and voices. Asking costs an engine start (about 0.1 s for eSpeak NG,
 * and memory), so `ask` lets the caller put the question to a synthesis thread it will
 * use anyway; for engines with a cheap `identity()` the answer is kept in the cache
 * folder, so a rebuild with every clip cached never starts the engine at all. The cached
 * answer is checked whole (checksum, then shape); a damaged one is reported through
 * `onDamaged` and asked again, never fatal.
 */
export async function engineInfo(
  engine: TtsEngine,
  cacheRoot: string | false,
  ask?: () => Promise<EngineInfo>,
  onDamaged?: (reason: string) => void,
): Promise<EngineInfo> {
  const identity = engine.identity?.();
  const file = identity && cacheRoot ? path.join(cacheRoot, 'engines', `${engine.id}-${digest(identity, 16)}.info`) : undefined;
  if (file) {
    const read = await readCacheFile(file);
    let reason = read.kind === 'corrupt' ? read.reason : undefined;
    if (read.kind === 'hit') {
      try {
        const info: unknown = JSON.parse(read.data.toString('utf8'));
        if (isEngineInfo(info)) return info;
        reason = 'not an engine description';
      } catch {
        reason = 'not JSON';
      }
    }
    if (reason) onDamaged?.(`cached information about engine ${engine.id} was damaged (${reason}); asking the engine again`);
  }
  const info: EngineInfo = ask ? await ask() : { version: await engine.version(), voices: await engine.voices() };
  // A cache that cannot be written (a full disk) costs only the next build's time.
  if (file) await writeCacheFile(file, Buffer.from(JSON.stringify(info))).catch(() => {});
  return info;
}
