/**
 * WAV and M4B narrations beside the read-aloud book and the web edition, which carry an
 * MP3 of their own: from an empty cache, the MP3 is encoded after the audio stage has made
 * the WAV or M4B (the narration's threads must still be there, or others started).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCommand, lectern, listFiles, SAMPLE, tmpDir } from './helpers.js';
import { epubcheck } from './validators.js';

const formats = hasCommand('ffmpeg') ? ['wav', 'm4b'] : ['wav'];

describe('a narration in another format than MP3, with the read-aloud book and the web edition', () => {
  for (const format of formats) {
    it(`--audio ${format} from an empty cache builds every output, the book valid with its MP3`, () => {
      const dir = tmpDir();
      const out = path.join(dir, 'out');
      const r = lectern(['build', SAMPLE, '-o', out, '--audio', format, '--cache-dir', path.join(dir, 'cache'), '--no-config', '-q']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(listFiles(out)).toEqual(
        expect.arrayContaining([`article.${format}`, 'article.epub', 'article.vtt', 'article.web/index.html', 'article.web/narration.mp3']),
      );
      // The web edition's MP3 is a real MP3: frames from its first bytes (after an ID3 tag, if any).
      const mp3 = readFileSync(path.join(out, 'article.web', 'narration.mp3'));
      expect(mp3.length).toBeGreaterThan(100_000);
      const result = epubcheck(path.join(out, 'article.epub'));
      expect(result.messages).toEqual([]);
      expect(result.errors).toBe(0);
    }, 180_000);
  }
});
