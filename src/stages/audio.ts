import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LecternError } from '../article/diagnostics.js';
import type { Stage, StageContext } from '../pipeline/stage.js';
import { chapters } from '../audio/timeline.js';
import { encodeMp3, MP3_DELAY_SAMPLES, tagMp3 } from '../audio/mp3.js';
import { wavFile } from '../audio/pcm.js';

export const AUDIO_FORMATS = ['mp3', 'wav', 'm4b'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

export interface AudioOptions {
  /** Output format. Default: `mp3`. M4B needs ffmpeg on PATH. */
  format?: AudioFormat;
}

/** Where the timeline's sample 0 is heard in the written file, in seconds. */
export function audioOffsetSeconds(format: AudioFormat, sampleRate: number): number {
  return format === 'mp3' ? MP3_DELAY_SAMPLES / sampleRate : 0;
}

export function audioFormat(ctx: StageContext): AudioFormat {
  return ((ctx.options.stageOptions['audio'] as AudioOptions | undefined)?.format ?? 'mp3') as AudioFormat;
}

declare module '../pipeline/stage.js' {
  interface Artifacts {
    /** The narration as written, with the offset of the timeline inside it. */
    audio?: { format: AudioFormat; data: Buffer; offsetSeconds: number; durationSeconds: number; /** The MP3 before tagging, when the format is MP3. */ mp3?: Buffer; encodeStats?: { segments: number; encoded: number } };
  }
}

/**
 * The narration as one audio file: MP3 (ID3 title, artist, album, cover, CHAP/CTOC
 * chapters), WAV, or M4B with chapters when ffmpeg is available.
 */
export function audioStage(): Stage {
  return {
    name: 'audio',
    description: 'the narration as MP3 with chapters and cover (or WAV, M4B)',
    needs: ['narration', 'cover'],
    async run(ctx) {
      const n = ctx.artifacts.narration;
      if (!n) throw new LecternError('the audio stage needs the narration stage', 'stage:order');
      const format = audioFormat(ctx);
      const a = ctx.article;
      const offset = audioOffsetSeconds(format, n.timeline.sampleRate);
      const marks = chapters(n.timeline, offset);
      let data: Buffer;
      let mp3: Buffer | undefined;
      const encodeStats = { segments: 0, encoded: 0 };
      if (format === 'wav') {
        data = await wavFile(n.timeline, n.cache);
      } else if (format === 'mp3') {
        const cover = ctx.artifacts.cover;
        mp3 = await encodeMp3(n.timeline, n.cache, undefined, encodeStats);
        data = tagMp3(mp3, {
          title: a.headline,
          artist: a.byline.authors.join(', ') || (a.source.publisher ?? ''),
          album: a.source.publisher ?? a.kicker ?? 'lectern',
          year: a.byline.published?.slice(0, 4),
          language: a.lang,
          cover: cover ? { data: cover.data, mime: cover.mediaType, description: 'Cover' } : undefined,
          chapters: marks,
        });
      } else {
        data = await m4b(ctx, await wavFile(n.timeline, n.cache), marks);
      }
      const duration = n.timeline.length / n.timeline.sampleRate + offset;
      ctx.artifacts.audio = { format, data, offsetSeconds: offset, durationSeconds: duration, ...(mp3 ? { mp3, encodeStats } : {}) };
      await ctx.output.write(`${ctx.options.baseName}.${format}`, data);
    },
  };
}

function ffmetaEscape(s: string): string {
  return s.replace(/[=;#\\\n]/g, (c) => `\\${c}`);
}

async function m4b(ctx: StageContext, wav: Buffer, marks: ReturnType<typeof chapters>): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-m4b-'));
  try {
    const a = ctx.article;
    const meta = [
      ';FFMETADATA1',
      `title=${ffmetaEscape(a.headline)}`,
      `artist=${ffmetaEscape(a.byline.authors.join(', '))}`,
      `album=${ffmetaEscape(a.source.publisher ?? a.kicker ?? 'lectern')}`,
      ...marks.flatMap((c) => ['[CHAPTER]', 'TIMEBASE=1/1000', `START=${Math.round(c.start * 1000)}`, `END=${Math.round(c.end * 1000)}`, `title=${ffmetaEscape(c.title)}`]),
    ].join('\n');
    await writeFile(path.join(dir, 'in.wav'), wav);
    await writeFile(path.join(dir, 'meta.txt'), meta + '\n');
    const cover = ctx.artifacts.cover;
    if (cover) await writeFile(path.join(dir, 'cover.jpg'), cover.data);
    const args = ['-nostdin', '-v', 'error', '-y', '-i', 'in.wav', '-i', 'meta.txt', ...(cover ? ['-i', 'cover.jpg'] : []), '-map', '0:a', ...(cover ? ['-map', '2:v', '-c:v', 'copy', '-disposition:v', 'attached_pic'] : []), '-map_metadata', '1', '-map_chapters', '1', '-c:a', 'aac', '-b:a', '64k', '-fflags', '+bitexact', '-f', 'mp4', 'out.m4b'];
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('ffmpeg', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new LecternError('M4B output needs ffmpeg on PATH (apt-get install ffmpeg); MP3 and WAV do not', 'audio:ffmpeg') : e));
      child.on('close', (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new LecternError(`ffmpeg failed to write the M4B (exit ${code})`, 'audio:ffmpeg');
    return await readFile(path.join(dir, 'out.m4b'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
