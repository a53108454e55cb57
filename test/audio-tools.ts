import { spawnSync } from 'node:child_process';
import { hasCommand } from './helpers.js';

export const hasFfmpeg = hasCommand('ffmpeg') && hasCommand('ffprobe');
export const hasFestival = hasCommand('text2wave');

/** Decodes an audio file completely with ffmpeg: its length and any decoder complaints. */
export function decode(file: string): { seconds: number; errors: string } {
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-map', '0:a:0', '-f', 's16le', '-ac', '1', '-'], { maxBuffer: 1 << 30 });
  const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=sample_rate', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  const rate = Number(probe.stdout.trim());
  return { seconds: r.stdout.length / 2 / rate, errors: r.stderr.toString() };
}

/** Decoded mono samples at the file's own rate. */
export function decodeSamples(file: string): { samples: Int16Array; sampleRate: number } {
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-map', '0:a:0', '-f', 's16le', '-ac', '1', '-'], { maxBuffer: 1 << 30 });
  const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=sample_rate', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  const buf = Buffer.from(r.stdout);
  return { samples: new Int16Array(buf.buffer, buf.byteOffset, buf.length >> 1), sampleRate: Number(probe.stdout.trim()) };
}

export function headerSeconds(file: string): number {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

export function ffprobeChapters(file: string): { title: string; start: number; end: number }[] {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_chapters', '-of', 'json', file], { encoding: 'utf8' });
  return (JSON.parse(r.stdout) as { chapters: { start_time: string; end_time: string; tags?: { title?: string } }[] }).chapters.map((c) => ({
    title: c.tags?.title ?? '',
    start: Number(c.start_time),
    end: Number(c.end_time),
  }));
}

export interface VttCue {
  id: string;
  start: number;
  end: number;
  text: string;
}

export function parseVtt(text: string): VttCue[] {
  const toSeconds = (t: string) => {
    const [h, m, s] = t.split(':');
    return Number(h) * 3600 + Number(m) * 60 + Number(s);
  };
  return text
    .split(/\n\n+/)
    .slice(1)
    .filter(Boolean)
    .map((block) => {
      const [id, times, ...lines] = block.trim().split('\n');
      const [a, b] = times!.split(' --> ');
      return { id: id!, start: toSeconds(a!), end: toSeconds(b!), text: lines.join('\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') };
    });
}
