import type { Timeline } from './timeline.js';

/** 83.5 -> "00:01:23.500" (WebVTT) or "00:01:23,500" (SRT). */
export function timestamp(seconds: number, sep: '.' | ',' = '.'): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(ms % 1000, 3)}`;
}

export interface Cue {
  id: string;
  start: number;
  end: number;
  text: string;
}

/**
 * One cue per sentence, showing the article's words, timed from the timeline. Cues run
 * back to back from the start of the audio to its end: each lasts until the next begins.
 */
export function cues(timeline: Timeline, offsetSeconds: number): Cue[] {
  const sr = timeline.sampleRate;
  const total = timeline.length / sr + offsetSeconds;
  return timeline.utterances.map((t, i) => ({
    id: t.utterance.id,
    start: i === 0 ? 0 : t.start / sr + offsetSeconds,
    end: i === timeline.utterances.length - 1 ? total : timeline.utterances[i + 1]!.start / sr + offsetSeconds,
    text: t.utterance.text,
  }));
}

const vttText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/-->/g, '--&gt;');

export function webvtt(list: readonly Cue[], title: string): string {
  return `WEBVTT - ${title.replace(/[\n\r]|-->/g, ' ')}\n\n${list.map((c) => `${c.id}\n${timestamp(c.start)} --> ${timestamp(c.end)}\n${vttText(c.text)}\n`).join('\n')}`;
}

export function srt(list: readonly Cue[]): string {
  return list.map((c, i) => `${i + 1}\n${timestamp(c.start, ',')} --> ${timestamp(c.end, ',')}\n${c.text}\n`).join('\n');
}
