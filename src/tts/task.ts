/**
 * The speech task kind of the worker pool (`workers/pool.ts`): each thread loads one engine
 * as it starts and answers `info` (the engine's version and voices) and synthesis. PCM goes
 * back as a transferred buffer (no copy).
 */
import type { TaskHandler } from '../workers/pool.js';
import { loadEngineRef } from '../plugins/registry.js';
import type { EngineRef } from '../plugin.js';

export type SpeechTask = { op: 'info' } | { op: 'synth'; text: string; voice: string; rate: number };

export async function start(data: { engine: EngineRef }): Promise<TaskHandler> {
  // By module URL: a plugin's engine loads here just like the built-in ones.
  const engine = await loadEngineRef(data.engine);
  // Every thread readies its engine as it starts, side by side. A failure here shows again,
  // and is reported, on the first request.
  await engine.prepare?.().catch(() => {});
  return async (payload) => {
    const task = payload as SpeechTask;
    if (task.op === 'info') return { result: { version: await engine.version(), voices: await engine.voices() } };
    const s = await engine.synthesize(task);
    return { result: { samples: s.samples, sampleRate: s.sampleRate }, transfer: [s.samples.buffer as ArrayBuffer] };
  };
}
