import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArticle } from '../src/build.js';
import { encodeMp3, MP3_DELAY_SAMPLES, mp3Frames, planSegments } from '../src/audio/mp3.js';
import { timelineSamples } from '../src/audio/pcm.js';
import { SAMPLE, tmpDir } from './helpers.js';
import { decodeSamples, hasFfmpeg } from './audio-tools.js';

/** The lag (in samples) at which `b` best matches `a` around `at`. */
function bestLag(a: Int16Array, b: Int16Array, at: number, window: number, maxLag: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let lag = 0; lag <= maxLag; lag++) {
    let score = 0;
    for (let i = at; i < at + window; i++) score += a[i]! * b[i + lag]!;
    if (score > bestScore) {
      bestScore = score;
      best = lag;
    }
  }
  return best;
}

describe.skipIf(!hasFfmpeg)('MP3 encoded in parallel segments', () => {
  it('decodes with every sentence exactly where the timeline puts it, on both sides of each cut', async () => {
    const cache = tmpDir('lectern-cache-');
    const r = await buildArticle(SAMPLE, { outDir: tmpDir(), stages: ['audio'], cacheDir: cache });
    const n = r.artifacts!.narration!;
    const segments = planSegments(n.timeline);
    expect(segments.length).toBeGreaterThanOrEqual(4);
    // The narration stage encoded every segment but the last while it synthesised.
    expect(r.artifacts!.audio!.encodeStats).toEqual({ segments: segments.length, encoded: 1, repaired: 0 });
    const again = { segments: 0, encoded: 0 };
    const early = await encodeMp3(n.timeline, n.cache, 2, again);
    expect(again.encoded).toBe(0);
    // Encoded afresh, all at once: the same bytes.
    rmSync(path.join(cache, 'mp3'), { recursive: true, force: true });
    const stats = { segments: 0, encoded: 0 };
    const mp3 = await encodeMp3(n.timeline, n.cache, 2, stats);
    expect(stats).toMatchObject({ segments: segments.length, encoded: segments.length });
    expect(mp3.equals(early)).toBe(true);
    // Joined from the cache, the same bytes.
    const cached = { segments: 0, encoded: 0 };
    expect((await encodeMp3(n.timeline, n.cache, 2, cached)).equals(mp3)).toBe(true);
    expect(cached.encoded).toBe(0);
    // Every utterance starts on the 576-sample grid.
    expect(n.timeline.utterances.every((t) => t.start % 576 === 0)).toBe(true);
    const file = path.join(tmpDir(), 'n.mp3');
    writeFileSync(file, mp3);
    const decoded = decodeSamples(file).samples;
    // Segments are laid end to end: the decoded length is the frames of every segment.
    expect(decoded.length).toBe(segments.reduce((s, g) => s + mp3Frames(g.to - g.from) * 576, 0));
    for (let k = 1; k < segments.length; k++) expect(segments[k]!.from).toBe(segments[k - 1]!.from + mp3Frames(segments[k - 1]!.to - segments[k - 1]!.from) * 576);
    const pcm = new Int16Array(n.timeline.length);
    let at = 0;
    for await (const chunk of timelineSamples(n.timeline, n.cache)) {
      pcm.set(chunk, at);
      at += chunk.length;
    }
    // Around the start of every sentence, the decoded audio is the timeline delayed by exactly the MP3 delay.
    for (const t of n.timeline.utterances.slice(1)) {
      const lag = bestLag(pcm, decoded, t.start, 4000, 2 * MP3_DELAY_SAMPLES);
      expect(Math.abs(lag - MP3_DELAY_SAMPLES), t.utterance.id).toBeLessThanOrEqual(2);
    }
  }, 300_000);
});
