import { describe, expect, it } from 'vitest';
import { SynthesisPool } from '../src/tts/pool.js';

const requests = Array.from({ length: 20 }, (_, i) => ({ text: `Sentence number ${i} is here.`, voice: 'en-gb', rate: 175 }));

describe('the synthesis pool', () => {
  it('settles at once when the build is aborted while its threads are still starting', async () => {
    const pool = new SynthesisPool('espeak', 2);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('another stage failed')), 20);
    const t0 = Date.now();
    await expect(pool.run(requests, () => {}, controller.signal)).rejects.toThrow('another stage failed');
    expect(Date.now() - t0).toBeLessThan(3000);
    await pool.close();
  }, 20_000);

  it('fails the run when a thread stops with work in hand, instead of losing a clip', async () => {
    const pool = new SynthesisPool('espeak', 2);
    let results = 0;
    const run = pool.run(requests, async () => {
      // The second thread dies after the first clips arrive.
      if (++results === 2) await (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[1]!.worker.terminate();
    });
    await expect(run).rejects.toThrow(/a synthesis thread stopped|synthesis stopped before every clip/);
    await pool.close();
  }, 20_000);
});
