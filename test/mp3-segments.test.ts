import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArticle } from '../src/build.js';
import { encodeMp3, MP3_DELAY_SAMPLES, mp3Frames, planSegments } from '../src/audio/mp3.js';
import { timelineSamples } from '../src/audio/pcm.js';
import { buildTimeline } from '../src/audio/timeline.js';
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

describe('MP3 segment cuts', () => {
  const RATE = 22050;
  const timelineOf = (sentences: { id: string; speech: string; seconds: number }[]) =>
    buildTimeline(
      sentences.map((s) => ({ id: s.id, kind: 'paragraph' as const, text: s.speech, speech: s.speech, pauseAfterMs: 250, target: { blockId: s.id, field: 'text' } })),
      sentences.map((s) => [{ key: `clip:${s.speech}`, samples: Math.round(s.seconds * RATE) }]),
      RATE,
    );
  const words = (i: number) => `Sentence number ${i} says something short.`;
  const plan = (t: ReturnType<typeof timelineOf>) => planSegments(t).map((s) => s.key);

  it('do not move when only the ids change (an edit elsewhere in the paragraph renames every sentence)', () => {
    const a = timelineOf(Array.from({ length: 30 }, (_, i) => ({ id: `p-aaaa-s${i + 1}`, speech: words(i), seconds: 1.5 + (i % 4) })));
    const b = timelineOf(Array.from({ length: 30 }, (_, i) => ({ id: `p-bbbb-s${i + 1}`, speech: words(i), seconds: 1.5 + (i % 4) })));
    expect(planSegments(a).length).toBeGreaterThan(4);
    expect(plan(b)).toEqual(plan(a));
  });

  it('give a long sentence a segment of its own, so a sentence added before it re-encodes only its own segment', () => {
    const before = Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, speech: words(i), seconds: 2.2 }));
    const long = { id: 'long', speech: 'A very long sentence that goes on for fifteen seconds.', seconds: 15 };
    const after = Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, speech: words(i + 10), seconds: 2.2 }));
    const original = timelineOf([...before, long, ...after]);
    const segments = planSegments(original);
    const own = segments.find((s) => s.items[0] <= 12 && original.items[s.items[0]]!.kind === 'clip' && (original.items[s.items[0]] as { key: string }).key === `clip:${long.speech}`)!;
    expect(own).toBeDefined();
    expect(own.items[1] - own.items[0]).toBe(2); // the clip and its pause, nothing else
    // Whatever the new sentence's words, the long sentence's segment is kept.
    for (const added of ['Added.', 'Another added sentence.', 'A third one, added here.', 'And a fourth.']) {
      const edited = timelineOf([...before, { id: 'new', speech: added, seconds: 2.5 }, long, ...after]);
      const reused = new Set(plan(original));
      const fresh = planSegments(edited).filter((s) => !reused.has(s.key));
      expect(fresh.length, added).toBeLessThanOrEqual(2);
      expect(fresh.reduce((n, s) => n + (s.to - s.from), 0) / RATE, added).toBeLessThan(12);
    }
  });
});
