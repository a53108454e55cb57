/**
 * The speech script's memo (src/stages/speech.ts, `SpeechMemo`): what lectern's own
 * normaliser made of each sentence, kept in the cache for the next build of the same
 * lectern. A rebuild's speech script is exactly a cold build's; the memo is read (a
 * sentence is taken from it, not normalised again), checked whole (a damaged one is
 * reported and not used), and never used with a plugin's normaliser.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lectern, tmpDir } from './helpers.js';

const ARTICLE = '---\nheadline: Prices\nlang: en-GB\n---\n\nOn 3 March 2024 the index rose 2.5% to £7,500. Dr. Smith said so at 10 p.m.\n\nA second paragraph, plain.\n';

function setUp() {
  const dir = tmpDir();
  const cache = path.join(dir, 'cache');
  const file = path.join(dir, 'prices.md');
  writeFileSync(file, ARTICLE);
  const build = (out: string, extra: string[] = [], cacheDir = cache) =>
    lectern(['build', file, '-o', path.join(dir, out), '-s', 'speech', '--cache-dir', cacheDir, '--no-config', '--json', ...extra], { cwd: dir });
  const script = (out: string) => readFileSync(path.join(dir, out, 'prices.speech.txt'), 'utf8');
  const memoFiles = () => (existsSync(path.join(cache, 'speech')) ? readdirSync(path.join(cache, 'speech')).filter((f) => f.endsWith('.said')) : []);
  return { dir, cache, file, build, script, memoFiles };
}

/** A memo file's sentence pairs, and a writer that gives it a valid checksum (a checked cache file: "LCHK", format 1, SHA-256, data). */
const pairsOf = (file: string): [string, string][] => JSON.parse(readFileSync(file).subarray(40).toString('utf8'));
function writeMemo(file: string, pairs: [string, string][]): void {
  const data = Buffer.from(JSON.stringify(pairs));
  const header = Buffer.alloc(40);
  header.writeUInt32BE(0x4c43484b, 0);
  header.writeUInt32LE(1, 4);
  createHash('sha256').update(data).digest().copy(header, 8);
  writeFileSync(file, Buffer.concat([header, data]));
}

describe('the memo of normalised sentences', () => {
  it('is written by a build, read by the next: an edited article’s script is that of a cold build', () => {
    const { build, script, memoFiles, file, cache } = setUp();
    expect(build('first').status).toBe(0);
    expect(memoFiles()).toEqual([expect.stringMatching(/^[0-9a-f]{16}-en-gb\.said$/)]);
    const memo = path.join(cache, 'speech', memoFiles()[0]!);
    expect(pairsOf(memo).map(([text]) => text)).toContain('On 3 March 2024 the index rose 2.5% to £7,500.');
    // Read, not made again: a sentence's entry, changed by hand, is what the next build says.
    const pairs = pairsOf(memo).map(([text, said]): [string, string] => [text, text === 'A second paragraph, plain.' ? 'A memo was read.' : said]);
    writeMemo(memo, pairs);
    expect(build('second').status).toBe(0);
    expect(script('second')).toContain('A memo was read.');
    // An edit: the new sentence is normalised, the others come from the memo; the whole is a cold build's.
    writeFileSync(file, ARTICLE.replace('A second paragraph, plain.', 'A second paragraph, plain. It cost $4.50 on 1/2/2025.'));
    writeMemo(memo, pairsOf(memo).map(([text, said]) => [text, text === 'A second paragraph, plain.' ? 'A second paragraph, plain.' : said]));
    expect(build('edited').status).toBe(0);
    expect(build('cold', [], path.join(path.dirname(cache), 'fresh-cache')).status).toBe(0);
    expect(script('edited')).toBe(script('cold'));
    expect(script('edited')).toContain('four dollars fifty');
  }, 60_000);

  it('a damaged memo is reported and not used', () => {
    const { build, script, memoFiles, cache } = setUp();
    expect(build('first').status).toBe(0);
    const memo = path.join(cache, 'speech', memoFiles()[0]!);
    const bytes = readFileSync(memo);
    bytes[bytes.length - 5]! ^= 0x20;
    writeFileSync(memo, bytes);
    const second = build('second');
    expect(second.status).toBe(0);
    const warnings = JSON.parse(second.stdout).articles[0].diagnostics.filter((d: { rule: string }) => d.rule === 'cache:corrupt').map((d: { message: string }) => d.message);
    expect(warnings).toEqual(['cached speech for "en-GB" was damaged (checksum mismatch); normalising again']);
    expect(script('second')).toBe(script('first'));
    // Written again whole: the next build finds nothing wrong.
    const third = build('third');
    expect(JSON.parse(third.stdout).articles[0].diagnostics).toEqual([]);
  }, 60_000);

  it('is not kept for a plugin’s normaliser', () => {
    const { dir, build, script, memoFiles } = setUp();
    writeFileSync(path.join(dir, 'shout.mjs'), "export default { name: 'shout', normalisers: [{ lang: 'en', normalise: (t) => t.toUpperCase() }] };\n");
    const r = build('out', ['--plugin', './shout.mjs']);
    expect(r.status, r.stderr).toBe(0);
    expect(script('out')).toContain('A SECOND PARAGRAPH, PLAIN.');
    expect(memoFiles()).toEqual([]);
  }, 60_000);
});
