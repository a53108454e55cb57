import { LecternError } from '../article/diagnostics.js';
import type { Stage } from '../pipeline/stage.js';
import { cues, srt, webvtt } from '../audio/captions.js';
import { audioFormat, audioOffsetSeconds } from './audio.js';
import { editionFront } from './edition.js';

export type { TranscriptOptions } from './options.js';

/** The transcript: WebVTT with one cue per sentence in the article's own words (and SRT on request). */
export function transcriptStage(): Stage {
  return {
    name: 'transcript',
    description: 'the WebVTT transcript, one cue per sentence (SRT on request)',
    needs: ['narration'],
    async run(ctx) {
      const n = ctx.artifacts.narration;
      if (!n) throw new LecternError('the transcript stage needs the narration stage', 'stage:order');
      const list = cues(n.timeline, audioOffsetSeconds(audioFormat(ctx), n.timeline.sampleRate));
      await ctx.output.write(`${ctx.options.baseName}.vtt`, webvtt(list, editionFront(ctx).headline));
      if (ctx.options.stageOptions.transcript.srt) await ctx.output.write(`${ctx.options.baseName}.srt`, srt(list));
    },
  };
}
