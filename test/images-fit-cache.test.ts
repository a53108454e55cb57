import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { lectern, ROOT, SAMPLE, tmpDir } from './helpers.js';
import { FIT_CHECK_VERSION } from '../dist/lib/images/fit.js';

/**
 * The verdict of the image check (`fitAsIs`: may the image go into the book as it is?) is
 * kept in the cache, `images/<key>.fit`, so a rebuild does not walk a JPEG's coded data
 * again. Each case runs `normaliseImage` in a fresh process (a process remembers its
 * verdicts in memory too), and checks what the user would: the image kept or re-encoded,
 * a warning for a damaged entry, the same book.
 */
const NORMALISE = path.join(ROOT, 'dist/lib/images/normalise.js');
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

interface Outcome {
  kept: boolean;
  sharpLoaded: boolean;
  width?: number;
  height?: number;
  warnings: string[];
}

function normaliseInFreshProcess(file: string, cache: string | false): Outcome {
  const script = `
    import { readFileSync } from 'node:fs';
    const m = await import(${JSON.stringify(NORMALISE)});
    const input = readFileSync(process.argv[1]);
    const warnings = [];
    const r = await m.normaliseImage(input, process.argv[2] === 'false' ? false : process.argv[2], (w) => warnings.push(w));
    console.log(JSON.stringify({ kept: r.data.equals(input), sharpLoaded: m.sharpLoaded(), width: r.width, height: r.height, warnings }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, file, String(cache)], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Outcome;
}

/** The cache's verdict entries: file name → payload (the JSON after the 40-byte checked header). */
function verdicts(cache: string): Map<string, { image: string; check: number; fit: unknown }> {
  const dir = path.join(cache, 'images');
  const out = new Map<string, { image: string; check: number; fit: unknown }>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.fit'))) out.set(f, JSON.parse(readFileSync(path.join(dir, f)).subarray(40).toString('utf8')));
  return out;
}

/** A cache entry in lectern's checked format (src/util/cache-file.ts): "LCHK", format 1, SHA-256, payload. */
function checkedEntry(payload: string): Buffer {
  const data = Buffer.from(payload);
  const header = Buffer.alloc(40);
  header.write('LCHK', 0, 'latin1');
  header.writeUInt32LE(1, 4);
  createHash('sha256').update(data).digest().copy(header, 8);
  return Buffer.concat([header, data]);
}

let dir: string;
let fitJpg: string;
let glitchJpg: string;

beforeAll(async () => {
  dir = tmpDir('lectern-fit-cache-');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><rect width="100%" height="100%" fill="#1d4e89"/><circle cx="300" cy="300" r="150" fill="#e4572e"/></svg>`;
  const jpg = await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).jpeg({ quality: 80 }).toBuffer();
  fitJpg = path.join(dir, 'fit.jpg');
  writeFileSync(fitJpg, jpg);
  // The same size, with 48 one-bits in the middle of the coded data: a decoder meets a
  // code its tables do not have, and the check says no.
  const at = Math.floor(jpg.length / 2);
  glitchJpg = path.join(dir, 'glitch.jpg');
  writeFileSync(glitchJpg, Buffer.concat([jpg.subarray(0, at), Buffer.from([0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0]), jpg.subarray(at + 12)]));
});

describe('the image check’s verdict, kept in the cache', () => {
  it('is written once, names the image and the check, and is what the next build follows', () => {
    const cache = tmpDir('lectern-cache-');
    expect(normaliseInFreshProcess(fitJpg, cache)).toEqual({ kept: true, sharpLoaded: false, width: 800, height: 600, warnings: [] });
    const entries = verdicts(cache);
    expect([...entries.values()]).toEqual([{ image: sha256(readFileSync(fitJpg)), check: FIT_CHECK_VERSION, fit: { mediaType: 'image/jpeg', ext: 'jpg', width: 800, height: 600 } }]);
    const [name] = [...entries.keys()];
    const file = path.join(cache, 'images', name!);
    const written = statSync(file).mtimeMs;
    expect(normaliseInFreshProcess(fitJpg, cache)).toEqual({ kept: true, sharpLoaded: false, width: 800, height: 600, warnings: [] });
    expect(statSync(file).mtimeMs).toBe(written);
    // The proof that the entry is read rather than the image walked again: a whole entry
    // that says "not fit" sends the same image to sharp.
    writeFileSync(file, checkedEntry(JSON.stringify({ image: sha256(readFileSync(fitJpg)), check: FIT_CHECK_VERSION, fit: null })));
    expect(normaliseInFreshProcess(fitJpg, cache)).toMatchObject({ kept: false, sharpLoaded: true, warnings: [] });
  });

  it('is not reused when the image changes: the changed image is checked again', () => {
    const cache = tmpDir('lectern-cache-');
    const image = path.join(dir, 'changing.jpg');
    copyFileSync(fitJpg, image);
    expect(normaliseInFreshProcess(image, cache)).toMatchObject({ kept: true, sharpLoaded: false });
    // Same name, same size, damaged coded data.
    copyFileSync(glitchJpg, image);
    expect(statSync(image).size).toBe(statSync(fitJpg).size);
    expect(normaliseInFreshProcess(image, cache)).toMatchObject({ kept: false, sharpLoaded: true, width: 800, height: 600, warnings: [] });
    const fits = [...verdicts(cache).values()].map((v) => [v.image, v.fit === null ? 'not fit' : 'fit']).sort();
    expect(fits).toEqual([[sha256(readFileSync(fitJpg)), 'fit'], [sha256(readFileSync(glitchJpg)), 'not fit']].sort());
  });

  it('is not trusted when damaged, truncated, about another image or at odds with the image: checked again, with a warning, and written anew', () => {
    const cache = tmpDir('lectern-cache-');
    normaliseInFreshProcess(glitchJpg, cache);
    const [name] = [...verdicts(cache).keys()];
    const file = path.join(cache, 'images', name!);
    const good = readFileSync(file);
    const warning = (reason: string) => [expect.stringMatching(new RegExp(`^cached image check [0-9a-f]{12} was damaged \\(${reason}\\); checking the image again$`))];
    const glitchSum = sha256(readFileSync(glitchJpg));
    const cases: [string, Buffer][] = [
      ['checksum mismatch', Buffer.from(good).fill(0x20, 60, 61)],
      ['bad header', good.subarray(0, 20)],
      ['checksum mismatch', good.subarray(0, good.length - 3)],
      // Whole entries whose content is wrong: never followed.
      ['another image or check', checkedEntry(JSON.stringify({ image: sha256(readFileSync(fitJpg)), check: FIT_CHECK_VERSION, fit: null }))],
      ['another image or check', checkedEntry(JSON.stringify({ image: glitchSum, check: FIT_CHECK_VERSION + 1000, fit: null }))],
      ['not JSON', checkedEntry('{"image":')],
      ['a verdict that does not fit the image', checkedEntry(JSON.stringify({ image: glitchSum, check: FIT_CHECK_VERSION, fit: { mediaType: 'image/png', ext: 'png', width: 800, height: 600 } }))],
      ['a verdict that does not fit the image', checkedEntry(JSON.stringify({ image: glitchSum, check: FIT_CHECK_VERSION, fit: { mediaType: 'image/jpeg', ext: 'jpg', width: 4000, height: 600 } }))],
    ];
    for (const [reason, entry] of cases) {
      writeFileSync(file, entry);
      // The damaged JPEG is never passed on as it is, whatever the entry said (its
      // re-encoding comes from the cache: sharp is not needed again).
      expect(normaliseInFreshProcess(glitchJpg, cache), reason).toMatchObject({ kept: false, width: 800, height: 600, warnings: warning(reason.replace(/[()]/g, '\\$&')) });
      expect(readFileSync(file).equals(good), reason).toBe(true);
    }
    expect(normaliseInFreshProcess(glitchJpg, cache).warnings).toEqual([]);
  });

  it('leaves no stale temporary file behind: what an interrupted write left is swept by the next build, a fresh one is not', () => {
    const cache = tmpDir('lectern-cache-');
    normaliseInFreshProcess(fitJpg, cache);
    const old = new Date(Date.now() - 3600_000);
    const stale = path.join(cache, 'images', `${[...verdicts(cache).keys()][0]}.123-abcd.tmp`);
    writeFileSync(stale, 'half an entry: the disk was full');
    utimesSync(stale, old, old);
    const fresh = path.join(cache, 'images', 'abc.fit.456-ef01.tmp');
    writeFileSync(fresh, 'being written');
    expect(normaliseInFreshProcess(fitJpg, cache)).toMatchObject({ kept: true, warnings: [] });
    expect(readdirSync(path.join(cache, 'images')).filter((f) => f.endsWith('.tmp'))).toEqual(['abc.fit.456-ef01.tmp']);
  });

  it('is neither read nor written without a cache', () => {
    expect(normaliseInFreshProcess(fitJpg, false)).toEqual({ kept: true, sharpLoaded: false, width: 800, height: 600, warnings: [] });
  });

  it('makes no difference to the book: the sample’s EPUB is the same with a cold, a warm and a damaged cache, and with none', () => {
    const cache = tmpDir('lectern-cache-');
    const book = (args: string[]) => {
      const out = tmpDir();
      const r = lectern(['build', SAMPLE, '-o', out, '-s', 'epub', ...args], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
      expect(r.status, r.stderr).toBe(0);
      return { epub: readFileSync(path.join(out, 'article.epub')), stderr: r.stderr };
    };
    const none = book(['--no-cache']).epub;
    expect(book(['--cache-dir', cache]).epub.equals(none)).toBe(true);
    // The sample's two photographs, both kept.
    expect([...verdicts(cache).values()].map((v) => v.fit !== null)).toEqual([true, true]);
    expect(book(['--cache-dir', cache]).epub.equals(none)).toBe(true);
    for (const name of verdicts(cache).keys()) {
      const file = path.join(cache, 'images', name);
      const entry = readFileSync(file);
      entry[entry.length - 2] ^= 0x01;
      writeFileSync(file, entry);
    }
    const damaged = book(['--cache-dir', cache]);
    expect(damaged.epub.equals(none)).toBe(true);
    expect(damaged.stderr.split('\n').filter((l) => /warning/.test(l))).toEqual([
      expect.stringMatching(/article\.md: warning: cached image check [0-9a-f]{12} was damaged \(checksum mismatch\); checking the image again$/),
      expect.stringMatching(/article\.md: warning: cached image check [0-9a-f]{12} was damaged \(checksum mismatch\); checking the image again$/),
    ]);
  }, 60_000);
});

describe('the check’s version', () => {
  it('is raised whenever the checker changes (its source is recorded with the version)', () => {
    // When this fails after a change to src/images/fit.ts or src/images/jpeg-scan.ts: raise
    // FIT_CHECK_VERSION in fit.ts (so no verdict of the old checker is reused) and record
    // the new version with the new checksum here.
    const source = ['src/images/fit.ts', 'src/images/jpeg-scan.ts'].map((f) => readFileSync(path.join(ROOT, f), 'utf8')).join('\0');
    expect({ version: FIT_CHECK_VERSION, source: sha256(source) }).toEqual({ version: 1, source: '0c96fd61b0f67c2bfbbb9d5fe40392b50b07894f8f4f53b3b15b9c9707f4ac2d' });
  });
});

describe('sharp’s version in the cache keys', () => {
  it('is the installed sharp’s, read without loading it', async () => {
    const { sharpVersion, sharpLoaded } = await import('../dist/lib/images/normalise.js');
    const installed = (JSON.parse(readFileSync(path.join(ROOT, 'node_modules/sharp/package.json'), 'utf8')) as { version: string }).version;
    expect(sharpVersion()).toBe(installed);
    expect(sharpVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(sharpLoaded()).toBe(false);
  });
});
