import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArticle } from '../src/build.js';
import { encodeMp3, encoderId, encoderLibraryVersion, MP3_DELAY_SAMPLES, mp3Frames, planSegments } from '../src/audio/mp3.js';
import { timelineSamples } from '../src/audio/pcm.js';
import { buildTimeline } from '../src/audio/timeline.js';
import { ClipCache } from '../src/tts/cache.js';
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
    // The narration stage encoded the segments while it synthesised, but for the last and
    // those whose clips were taken in after the threads' last clip (their results are taken
    // in while the threads go on: under load, a few more).
    const during = r.artifacts!.audio!.encodeStats!;
    expect(during).toMatchObject({ segments: segments.length, repaired: 0 });
    expect(during.encoded).toBeGreaterThanOrEqual(1);
    expect(during.encoded).toBeLessThan(segments.length / 4);
    const again = { segments: 0, encoded: 0 };
    const early = await encodeMp3(n.timeline, n.cache, 2, again);
    expect(again.encoded).toBe(0);
    // Encoded afresh, all at once (as by another build: a build holds the segments it made): the same bytes.
    rmSync(path.join(cache, 'mp3'), { recursive: true, force: true });
    const stats = { segments: 0, encoded: 0 };
    const mp3 = await encodeMp3(n.timeline, new ClipCache(n.cache.dir), 2, stats);
    expect(stats).toMatchObject({ segments: segments.length, encoded: segments.length });
    expect(mp3.equals(early)).toBe(true);
    // Joined from the cache files, the same bytes.
    const cached = { segments: 0, encoded: 0 };
    expect((await encodeMp3(n.timeline, new ClipCache(n.cache.dir), 2, cached)).equals(mp3)).toBe(true);
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
  type Said = { id: string; speech: string; seconds: number; pauseMs?: number };
  const timelineOf = (sentences: Said[]) =>
    buildTimeline(
      sentences.map((s) => ({ id: s.id, kind: 'paragraph' as const, text: s.speech, speech: s.speech, pauseAfterMs: s.pauseMs ?? 250, target: { blockId: s.id, field: 'text' } })),
      sentences.map((s) => [{ key: `clip:${s.speech}`, samples: Math.round(s.seconds * RATE) }]),
      RATE,
    );
  const words = (i: number) => `Sentence number ${i} says something short.`;
  const plan = (t: ReturnType<typeof timelineOf>) => planSegments(t).map((s) => s.key);
  /** The clips (by their words) in each segment. */
  const clipsIn = (t: ReturnType<typeof timelineOf>) =>
    planSegments(t).map((s) => t.items.slice(s.items[0], s.items[1]).flatMap((it) => (it.kind === 'clip' ? [it.key.slice(5)] : [])));
  /** Segments of `edited` not in `original`, and the seconds of audio they hold. */
  const fresh = (original: ReturnType<typeof timelineOf>, edited: ReturnType<typeof timelineOf>) => {
    const reused = new Set(plan(original));
    const segs = planSegments(edited).filter((s) => !reused.has(s.key));
    return { count: segs.length, seconds: segs.reduce((n, s) => n + (s.to - s.from), 0) / RATE };
  };

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
    expect(clipsIn(original)).toContainEqual([long.speech]);
    // Whatever the new sentence's words, the long sentence's segment is kept.
    for (const added of ['Added.', 'Another added sentence.', 'A third one, added here.', 'And a fourth.']) {
      const edited = timelineOf([...before, { id: 'new', speech: added, seconds: 2.5 }, long, ...after]);
      const f = fresh(original, edited);
      expect(f.count, added).toBeLessThanOrEqual(2);
      expect(f.seconds, added).toBeLessThan(12);
    }
  });

  it("keep a sentence's segment when only the pause after it changes (a sentence added at the end of its paragraph), and the next sentence's", () => {
    const para = Array.from({ length: 3 }, (_, i) => ({ id: `p-s${i}`, speech: words(i), seconds: 2.4 }));
    const long = { id: 'p-s3', speech: 'The last sentence of the paragraph, which is a long one indeed.', seconds: 13 };
    // The next paragraph opens with a long sentence: its segment is kept too.
    const next = [{ id: 'q-s0', speech: 'The next paragraph opens with a very long sentence of fifteen seconds.', seconds: 15 }, ...Array.from({ length: 4 }, (_, i) => ({ id: `q-s${i + 1}`, speech: words(i + 20), seconds: 2.4 }))];
    const original = timelineOf([...para, { ...long, pauseMs: 700 }, ...next]);
    for (const added of ['Added at the end.', 'Another one.', 'And a third, a little longer.']) {
      // The long sentence is no longer the paragraph's last: its pause is a sentence's now.
      const edited = timelineOf([...para, { ...long, pauseMs: 250 }, { id: 'p-s4', speech: added, seconds: 2.5, pauseMs: 700 }, ...next]);
      const f = fresh(original, edited);
      expect(f.count, added).toBeLessThanOrEqual(2);
      expect(f.seconds, added).toBeLessThan(10);
    }
  });
});

describe('the MP3 encoder library', () => {
  it('is named in segment keys by the version its package gives, which is what the library itself says (the main thread plans segments without loading it)', async () => {
    const { jsLibraryVersion } = await import('wasm-media-encoders');
    expect(encoderLibraryVersion()).toBe(jsLibraryVersion());
    expect(encoderId()).toContain(`wasm-media-encoders@${jsLibraryVersion()}-lame:`);
  });
});
