/**
 * A synthesis worker thread: loads one engine and answers synthesis requests. PCM goes
 * back as a transferred buffer (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine } from './registry.js';

interface Request {
  id: number;
  text: string;
  voice: string;
  rate: number;
}

const { engine: id, info } = workerData as { engine: string; info?: boolean };
const engine = await loadEngine(id);
if (info) {
  // Asked only for the engine's version and voices: answer and end.
  parentPort!.postMessage({ info: { version: await engine.version(), voices: await engine.voices() } });
  process.exit(0);
}
parentPort!.on('message', (req: Request) => {
  engine.synthesize(req).then(
    (s) => parentPort!.postMessage({ id: req.id, samples: s.samples, sampleRate: s.sampleRate }, [s.samples.buffer as ArrayBuffer]),
    (e: unknown) => parentPort!.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code }),
  );
});
parentPort!.postMessage({ ready: true });
