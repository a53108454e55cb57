/**
 * The narration's timeline: every clip and silence in order, with sample-exact positions.
 * Transcript cues, ID3 chapters and media overlay clips all come from it.
 */
import type { Utterance } from '../speech/script.js';

/** Silence for "…" inside a sentence, in milliseconds. */
export const ELLIPSIS_PAUSE_MS = 450;

export type TimelineItem = { kind: 'clip'; key: string; samples: number } | { kind: 'silence'; samples: number };

export interface TimedUtterance {
  utterance: Utterance;
  /** Its items in `Timeline.items`: [first, end). */
  items: [number, number];
  /** First sample of the utterance's speech. */
  start: number;
  /** First sample after its speech and the pause that follows it (the next utterance's start). */
  end: number;
}

export interface Timeline {
  sampleRate: number;
  items: TimelineItem[];
  utterances: TimedUtterance[];
  /** Total length in samples. */
  length: number;
}

export function msToSamples(ms: number, sampleRate: number): number {
  return Math.round((ms * sampleRate) / 1000);
}

/**
 * Every utterance starts on this grid (in samples): its pause is lengthened by at most
 * one grid step (26 ms at 22.05 kHz) so that it does. 576 is the MP3 frame length at the
 * rates speech engines use, which lets the audio be encoded in independent segments that
 * join sample-exactly (see `planSegments` in mp3.ts).
 */
export const GRID = 576;

/** Lays out utterances, each made of clips (one per "…"-separated part), with their pauses. */
export function buildTimeline(utterances: readonly Utterance[], parts: readonly { key: string; samples: number }[][], sampleRate: number): Timeline {
  const items: TimelineItem[] = [];
  const timed: TimedUtterance[] = [];
  let t = 0;
  utterances.forEach((u, i) => {
    const start = t;
    const first = items.length;
    parts[i]!.forEach((p, j) => {
      if (j > 0) {
        const gap = msToSamples(ELLIPSIS_PAUSE_MS, sampleRate);
        items.push({ kind: 'silence', samples: gap });
        t += gap;
      }
      items.push({ kind: 'clip', key: p.key, samples: p.samples });
      t += p.samples;
    });
    let pause = msToSamples(u.pauseAfterMs, sampleRate);
    pause += (GRID - ((t + pause) % GRID)) % GRID;
    if (pause) items.push({ kind: 'silence', samples: pause });
    t += pause;
    timed.push({ utterance: u, start, end: t, items: [first, items.length] });
  });
  return { sampleRate, items, utterances: timed, length: t };
}

export interface Chapter {
  title: string;
  /** Seconds. */
  start: number;
  end: number;
}

/** Chapters from the utterances that open one; `offset` shifts them (seconds, e.g. MP3 delay). */
export function chapters(timeline: Timeline, offset = 0): Chapter[] {
  const out: Chapter[] = [];
  const total = timeline.length / timeline.sampleRate + offset;
  for (const t of timeline.utterances) {
    if (!t.utterance.chapter) continue;
    const start = out.length ? t.start / timeline.sampleRate + offset : 0;
    const prev = out[out.length - 1];
    if (prev) prev.end = start;
    out.push({ title: t.utterance.chapter, start, end: total });
  }
  return out;
}

/** Splits an utterance's speech into the parts synthesised separately ("…" is a pause). */
export function speechParts(speech: string): string[] {
  return speech
    .split('…')
    .map((s) => s.trim().replace(/^[,;:]\s*/, '').replace(/\s*[,;:]$/, ''))
    .filter((s) => /[\p{L}\p{N}]/u.test(s));
}
