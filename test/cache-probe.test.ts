import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipCache } from '../src/tts/cache.js';
import { SegmentCache } from '../src/audio/mp3.js';
import { tmpDir } from './helpers.js';

const pause = () => new Promise((r) => setTimeout(r, 30));

describe('what a long-running build remembers of the cache', () => {
  it('knows a clip it wrote without reading it again, and reads and checks it again once the file changed', async () => {
    const cache = new ClipCache(path.join(tmpDir(), 'clips'));
    const key = 'ab'.repeat(32);
    await cache.write(key, { samples: new Int16Array([1, 2, 3, 4, 5]), sampleRate: 22050 });
    expect(await cache.probe(key)).toEqual({ kind: 'hit', sampleRate: 22050, samples: 5 });
    await pause();
    // Damaged on disk (same size): the changed time makes the next probe read and checksum it.
    const file = cache.file(key);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(file, bytes);
    expect(await cache.probe(key)).toEqual({ kind: 'corrupt', reason: 'checksum mismatch' });
    await cache.remove(key);
    expect(await cache.probe(key)).toEqual({ kind: 'miss' });
  });

  it('knows an MP3 segment it wrote, and finds it damaged once the file changed', async () => {
    const store = new SegmentCache(path.join(tmpDir(), 'mp3'));
    await store.write('k', new Uint8Array([0xff, 0xf3, 1, 2, 3]));
    expect(await store.check('k')).toBe('hit');
    await pause();
    const bytes = readFileSync(store.file('k'));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(store.file('k'), bytes);
    expect(await store.check('k')).toBe('corrupt');
  });
});
