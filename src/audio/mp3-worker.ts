/** Encodes one segment of the narration to MP3 on its own thread (see planSegments). */
import { parentPort, workerData } from 'node:worker_threads';
import { ClipCache } from '../tts/cache.js';
import { encodeSegment, type Segment } from './mp3.js';
import type { TimelineItem } from './timeline.js';

const { items, sampleRate, cacheDir, segment } = workerData as { items: TimelineItem[]; sampleRate: number; cacheDir: string; segment: Segment };
try {
  const data = await encodeSegment({ items, sampleRate }, new ClipCache(cacheDir), segment);
  parentPort!.postMessage({ data }, [data.buffer as ArrayBuffer]);
} catch (e) {
  parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
