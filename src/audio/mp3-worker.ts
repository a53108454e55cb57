/** Encodes segments of the narration to MP3 on its own thread (see planSegments). */
import { parentPort, workerData } from 'node:worker_threads';
import { ClipCache } from '../tts/cache.js';
import { encodeSegment } from './mp3.js';
import type { TimelineItem } from './timeline.js';

const { items, sampleRate, cacheDir } = workerData as { items: TimelineItem[]; sampleRate: number; cacheDir: string };
const cache = new ClipCache(cacheDir);
parentPort!.on('message', (job: { index: number; segment: { from: number; to: number } }) => {
  encodeSegment({ items, sampleRate }, cache, job.segment).then(
    (encoded) => {
      // A copy of our own to transfer: a small Buffer may share Node's pool.
      const data = new Uint8Array(encoded);
      parentPort!.postMessage({ index: job.index, data }, [data.buffer]);
    },
    (e: unknown) => parentPort!.postMessage({ index: job.index, error: e instanceof Error ? e.message : String(e) }),
  );
});
