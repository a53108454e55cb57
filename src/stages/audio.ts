import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LecternError, StageError } from '../article/diagnostics.js';
import type { Stage, StageContext } from '../pipeline/stage.js';
import { chapters } from '../audio/timeline.js';
import { encodeMp3Segments, id3Tag, lameWasm, mp3Chunks, MP3_DELAY_SAMPLES, type Mp3Segments } from '../audio/mp3.js';
import { wavChunks } from '../audio/pcm.js';
import { editionFront } from './edition.js';

import { DEFAULT_MP3_QUALITY, type AudioFormat } from './options.js';
export { AUDIO_FORMATS } from './options.js';
export type { AudioFormat, AudioOptions } from './options.js';

/** Where the timeline's sample 0 is heard in the written file, in seconds. */
export function audioOffsetSeconds(format: AudioFormat, sampleRate: number): number {
  return format === 'mp3' ? MP3_DELAY_SAMPLES / sampleRate : 0;
}

/** The `--workers` limit applies to every thread lectern starts for the narration. */
export function narrationWorkers(ctx: StageContext): number | undefined {
  return ctx.options.stageOptions.narration.workers;
}

export function audioFormat(ctx: StageContext): AudioFormat {
  return ctx.options.stageOptions.audio.format;
}

/** LAME's quality for the build's MP3 (`audio.mp3Quality`, `--mp3-quality`). */
export function mp3Quality(ctx: StageContext): number {
  return ctx.options.stageOptions.audio?.mp3Quality ?? DEFAULT_MP3_QUALITY;
}

/**
 * LAME's quality for the MP3 about to be encoded; a warning when the module could not be
 * set to it (another wasm-media-encoders), so the MP3 is made at LAME's default.
 */
export function checkedMp3Quality(ctx: StageContext): number {
  const quality = mp3Quality(ctx);
  const lame = lameWasm(quality);
  if (lame.problem && lame.quality !== quality) ctx.diagnostics.warn(`${lame.problem}; the MP3 is encoded at LAME's quality ${lame.quality}, not ${quality}`, 'audio:mp3-quality');
  return quality;
}

declare module '../pipeline/stage.js' {
  interface Artifacts {
    /** The narration as written, with the offset of the timeline inside it. */
    audio?: {
      format: AudioFormat;
      offsetSeconds: number;
      durationSeconds: number;
      /** The MP3 frames (untagged), when the format is MP3 and they are encoded: the read-aloud book reuses them. */
      mp3?: Mp3Segments;
      /**
       * The same, as soon as the stage ends: the last segments may still be encoding then,
       * and the stages after it (the book, the web edition) do all else meanwhile, reading
       * the frames when they are ready. A failure to encode fails the build.
       */
      mp3Ready?: Promise<Mp3Segments>;
      encodeStats?: { segments: number; encoded: number };
    };
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
      const a = editionFront(ctx);
      const offset = audioOffsetSeconds(format, n.timeline.sampleRate);
      const marks = chapters(n.timeline, offset);
      const name = `${ctx.options.baseName}.${format}`;
      const encodeStats: { segments: number; encoded: number; repaired?: number } = { segments: 0, encoded: 0 };
      let mp3Ready: Promise<Mp3Segments> | undefined;
      // Every format is written as it is produced: a long narration is never in memory whole.
      if (format === 'wav') {
        await ctx.output.writeChunks(name, wavChunks(n.timeline, n.cache));
      } else if (format === 'mp3') {
        const cover = ctx.artifacts.cover;
        // Not waited for: what a rebuild encodes (a segment or two, about 50 ms in a new
        // process) overlaps the book and the web edition, which wait only to copy the frames.
        const quality = checkedMp3Quality(ctx);
        mp3Ready = encodeMp3Segments(n.timeline, n.cache, narrationWorkers(ctx), encodeStats, ctx.signal, n.threads, quality).then(async (segments) => {
          // Nothing after this runs on the narration's threads.
          await n.releaseThreads?.();
          if (encodeStats.repaired) ctx.diagnostics.warn(`${encodeStats.repaired} cached MP3 segment(s) were damaged; encoded them again`, 'cache:corrupt');
          if (ctx.artifacts.audio) ctx.artifacts.audio.mp3 = segments;
          return segments;
        });
        // Reported by the writes that read the frames (the MP3 file's, below, always), as the audio stage's failure.
        const file = ctx.options.bundle ? ctx.options.baseName : ctx.options.articleFile;
        mp3Ready = mp3Ready.catch((e: unknown) => {
          throw ctx.signal.aborted ? e : new StageError('audio', e, file);
        });
        mp3Ready.catch(() => {});
        const tags = {
          title: a.headline,
          artist: a.byline.authors.join(', ') || (a.source.publisher ?? ''),
          album: a.source.publisher ?? a.kicker ?? 'lectern',
          year: a.byline.published?.slice(0, 4),
          language: a.lang,
          cover: cover ? { data: cover.data, mime: cover.mediaType, description: 'Cover' } : undefined,
          chapters: marks,
        };
        const segments = mp3Ready;
        // Not waited for: the book and the web edition need the segments, not this file, and
        // start while it goes to the disk; the build waits for it (and fails with it) before
        // it commits its outputs. The tag too is made then (loading node-id3 in a new
        // process), while the other stages wait for the disk.
        void ctx.output.writeChunks(name, (async function* () {
          yield id3Tag(tags);
          yield* mp3Chunks(await segments);
        })());
      } else {
        await ctx.output.write(name, await m4b(ctx, marks));
      }
      // WAV and M4B are made on this thread: the narration's threads are not needed, unless
      // the read-aloud book or the web edition will encode an MP3 of their own on them.
      if (!mp3Ready && !ctx.stages.includes('read-aloud') && !ctx.stages.includes('web')) await n.releaseThreads?.();
      const duration = n.timeline.length / n.timeline.sampleRate + offset;
      ctx.artifacts.audio = { format, offsetSeconds: offset, durationSeconds: duration, ...(mp3Ready ? { mp3Ready, encodeStats } : {}) };
    },
  };
}

function ffmetaEscape(s: string): string {
  return s.replace(/[=;#\\\n]/g, (c) => `\\${c}`);
}

async function m4b(ctx: StageContext, marks: ReturnType<typeof chapters>): Promise<Buffer> {
  const n = ctx.artifacts.narration!;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-m4b-'));
  // Removed however the build ends, an interrupt included.
  ctx.defer(() => rm(dir, { recursive: true, force: true }));
  try {
    const a = editionFront(ctx);
    const meta = [
      ';FFMETADATA1',
      `title=${ffmetaEscape(a.headline)}`,
      `artist=${ffmetaEscape(a.byline.authors.join(', '))}`,
      `album=${ffmetaEscape(a.source.publisher ?? a.kicker ?? 'lectern')}`,
      ...marks.flatMap((c) => ['[CHAPTER]', 'TIMEBASE=1/1000', `START=${Math.round(c.start * 1000)}`, `END=${Math.round(c.end * 1000)}`, `title=${ffmetaEscape(c.title)}`]),
    ].join('\n');
    const fh = await open(path.join(dir, 'in.wav'), 'w');
    try {
      for await (const chunk of wavChunks(n.timeline, n.cache)) await fh.write(chunk);
    } finally {
      await fh.close();
    }
    await writeFile(path.join(dir, 'meta.txt'), meta + '\n');
    const cover = ctx.artifacts.cover;
    if (cover) await writeFile(path.join(dir, 'cover.jpg'), cover.data);
    const args = ['-nostdin', '-v', 'error', '-y', '-i', 'in.wav', '-i', 'meta.txt', ...(cover ? ['-i', 'cover.jpg'] : []), '-map', '0:a', ...(cover ? ['-map', '2:v', '-c:v', 'copy', '-disposition:v', 'attached_pic'] : []), '-map_metadata', '1', '-map_chapters', '1', '-c:a', 'aac', '-b:a', '64k', '-fflags', '+bitexact', '-f', 'mp4', 'out.m4b'];
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('ffmpeg', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], signal: ctx.signal });
      child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new LecternError('M4B output needs ffmpeg on PATH (apt-get install ffmpeg); MP3 and WAV do not', 'audio:ffmpeg') : e));
      child.on('close', (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new LecternError(`ffmpeg failed to write the M4B (exit ${code})`, 'audio:ffmpeg');
    return await readFile(path.join(dir, 'out.m4b'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
