/**
 * A synthesis worker thread: loads one engine and answers requests: `info` (the engine's
 * version and voices) and synthesis. PCM goes back as a transferred buffer (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine } from './registry.js';

type Request = { kind: 'info' } | { kind: 'synth'; id: number; text: string; voice: string; rate: number };

const engine = await loadEngine((workerData as { engine: string }).engine);
parentPort!.on('message', (req: Request) => {
  if (req.kind === 'info') {
    Promise.all([engine.version(), engine.voices()]).then(
      ([version, voices]) => parentPort!.postMessage({ info: { version, voices } }),
      (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) }),
    );
    return;
  }
  engine.synthesize(req).then(
    (s) => parentPort!.postMessage({ id: req.id, samples: s.samples, sampleRate: s.sampleRate }, [s.samples.buffer as ArrayBuffer]),
    (e: unknown) => parentPort!.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code }),
  );
});
parentPort!.postMessage({ ready: true });
