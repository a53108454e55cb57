/**
 * The read-along timeline shared by the read-aloud book and the web edition: the MP3 both
 * carry (the untagged encoding of the narration), where the timeline starts inside it,
 * one clip per utterance (the element it highlights, from its start to the next one's
 * start) and the sentence spans to wrap in the text. Computed once per build by whichever
 * of the two stages runs first, so both show exactly the same timings.
 */
import type { StageContext } from '../pipeline/stage.js';
import { LecternError } from '../article/diagnostics.js';
import { encodeMp3Segments, type Mp3Segments } from '../audio/mp3.js';
import { overlayClips, wrapSentences, type OverlayClip } from '../epub/overlays.js';
import type { RenderHooks } from '../epub/render.js';
import { audioOffsetSeconds, checkedMp3Quality, narrationWorkers } from './audio.js';

export interface ReadAlongClip extends OverlayClip {
  /** The utterance's id, which is also its WebVTT cue id. */
  cue: string;
  /** Which article of the build (0 unless this is a digest). */
  doc: number;
}

export interface ReadAlong {
  /** The narration as MP3 frames, untagged (perhaps still being encoded: the audio stage's `mp3Ready`). */
  mp3: Promise<Mp3Segments>;
  /** Where the timeline's sample 0 is heard in the MP3, in seconds. */
  offset: number;
  /** Length of the MP3, in seconds. */
  seconds: number;
  /** One clip per utterance, in reading order. */
  clips: ReadAlongClip[];
  /** Rendering hooks that wrap each sentence of article `doc` in a `<span id>`. */
  hooksFor(doc: number): Pick<RenderHooks, 'text'>;
}

declare module '../pipeline/stage.js' {
  interface Artifacts {
    /** Set by the first of the read-aloud and web stages to need it. */
    readAlong?: Promise<ReadAlong>;
  }
}

/** The build's read-along timeline (needs the narration and audio stages to have run). */
export function readAlong(ctx: StageContext): Promise<ReadAlong> {
  return (ctx.artifacts.readAlong ??= compute(ctx));
}

async function compute(ctx: StageContext): Promise<ReadAlong> {
  const n = ctx.artifacts.narration;
  const audio = ctx.artifacts.audio;
  if (!n || !audio) throw new LecternError('the read-along timeline needs the narration and audio stages', 'stage:order');
  const sr = n.timeline.sampleRate;
  // Reuse the audio stage's MP3 encoding when it made one, else encode.
  const mp3 = audio.mp3Ready ?? (audio.mp3 ? Promise.resolve(audio.mp3) : encodeMp3Segments(n.timeline, n.cache, narrationWorkers(ctx), undefined, ctx.signal, n.threads, checkedMp3Quality(ctx)));
  // Reported by the writes that read the frames.
  mp3.catch(() => {});
  const offset = audioOffsetSeconds('mp3', sr);
  const seconds = n.timeline.length / sr + offset;
  const clips = overlayClips(n.timeline.utterances, sr, offset, seconds).map((c, k) => {
    const u = n.timeline.utterances[k]!.utterance;
    return { ...c, cue: u.id, doc: u.target.doc ?? 0 };
  });
  // Sentence ranges per article and block field, for wrapping in the text.
  const ranges = ctx.articles.map(() => new Map<string, { id: string; start: number; end: number }[]>());
  for (const { utterance: u } of n.timeline.utterances) {
    if (!u.target.range) continue;
    const map = ranges[u.target.doc ?? 0]!;
    const key = `${u.target.blockId}\u0000${u.target.field}`;
    const list = map.get(key) ?? [];
    list.push({ id: u.id, start: u.target.range[0], end: u.target.range[1] });
    map.set(key, list);
  }
  return {
    mp3,
    offset,
    seconds,
    clips,
    hooksFor: (doc) => ({
      text: (blockId, field, inlines) => {
        const list = ranges[doc]?.get(`${blockId}\u0000${field}`);
        return list ? wrapSentences(inlines, list) : undefined;
      },
    }),
  };
}
