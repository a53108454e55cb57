/**
 * A synthesis worker thread: loads one engine and answers requests: `info` (the engine's
 * version and voices) and synthesis. PCM goes back as a transferred buffer (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine } from './registry.js';
import { ClipCache } from './cache.js';
import type { EncodeJob } from '../audio/mp3.js';

type Request =
  | { kind: 'info' }
  | { kind: 'synth'; id: number; text: string; voice: string; rate: number }
  | { kind: 'encode'; job: EncodeJob; cacheDir: string };

const engine = await loadEngine((workerData as { engine: string }).engine);
// Every thread readies its engine as it starts, side by side. A failure here shows again,
// and is reported, on the first request.
await engine.prepare?.().catch(() => {});
parentPort!.on('message', (req: Request) => {
  if (req.kind === 'info') {
    Promise.all([engine.version(), engine.voices()]).then(
      ([version, voices]) => parentPort!.postMessage({ info: { version, voices } }),
      (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code }),
    );
    return;
  }
  if (req.kind === 'encode') {
    // While clips are still being made, finished segments of the narration are encoded here.
    // Loaded on the first segment only: a thread that just synthesises starts faster without it.
    import('../audio/mp3.js')
      .then(({ encodeSegment }) => encodeSegment({ items: req.job.items, sampleRate: req.job.sampleRate }, new ClipCache(req.cacheDir), { from: 0, to: req.job.length }))
      .then(
      (encoded) => {
        const data = new Uint8Array(encoded);
        parentPort!.postMessage({ encoded: req.job.key, data }, [data.buffer]);
      },
      (e: unknown) => parentPort!.postMessage({ encoded: req.job.key, error: e instanceof Error ? e.message : String(e) }),
    );
    return;
  }
  engine.synthesize(req).then(
    (s) => parentPort!.postMessage({ id: req.id, samples: s.samples, sampleRate: s.sampleRate }, [s.samples.buffer as ArrayBuffer]),
    (e: unknown) => parentPort!.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code }),
  );
});
parentPort!.postMessage({ ready: true });
