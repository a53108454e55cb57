/**
 * The MP3 task kind of the worker pool (`workers/pool.ts`): encodes one segment of the
 * narration from the clip cache (see `planSegments`). LAME loads on the first segment a
 * thread gets, so a thread that only synthesises starts without it.
 */
import type { TaskHandler } from '../workers/pool.js';
import { ClipCache } from '../tts/cache.js';
import { encodeSegment, encoderLibrary, warmEncoder, type EncodeJob } from './mp3.js';

// Loaded with this module (a thread loads it before its first segment, or ahead of it:
// workers/thread.ts, PRELOAD), not when the first segment is encoded.
encoderLibrary();

export function start(): TaskHandler {
  return async (payload) => {
    // A warm-up (`NarrationResult.warmUp`): LAME readied and run once, nothing encoded.
    const warm = (payload as { warm?: number }).warm;
    if (warm !== undefined) {
      await warmEncoder(warm);
      return { result: null };
    }
    const { job, cacheDir } = payload as { job: EncodeJob; cacheDir: string };
    const encoded = await encodeSegment({ items: job.items, sampleRate: job.sampleRate }, new ClipCache(cacheDir), { from: 0, to: job.length }, job.quality);
    // A copy of our own to transfer: a small Buffer may share Node's pool.
    const data = new Uint8Array(encoded);
    return { result: data, transfer: [data.buffer] };
  };
}
