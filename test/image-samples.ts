import { spawnSync } from 'node:child_process';

/** A JPEG from ffmpeg's MJPEG encoder in four slices: restart markers (DRI, RST0-7) between them, JFIF, no metadata. */
export function ffmpegJpeg(png: Buffer, pixelFormat: string): Buffer {
  const r = spawnSync('ffmpeg', ['-loglevel', 'error', '-i', 'pipe:0', '-pix_fmt', pixelFormat, '-c:v', 'mjpeg', '-q:v', '3', '-bitexact', '-threads', '4', '-thread_type', 'slice', '-slices', '4', '-frames:v', '1', '-f', 'image2pipe', 'pipe:1'], { input: png, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr.toString()}`);
  return r.stdout;
}
