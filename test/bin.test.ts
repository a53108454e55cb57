import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { CLI, hasSeed, lectern, ROOT, SAMPLE, SEED, tmpDir } from './helpers.js';

/**
 * The bundled command (dist/bin/lectern.cjs, scripts/bundle.mjs) differs from the library
 * in how it runs, never in what it makes: lighter modules of epub-gen-memory (mime on first
 * use, Node's streams for jszip's), its own CRC-32 for jszip (node:zlib's), lazy
 * child_process, a V8 code cache, a V8 flag and zod without its JIT. Its EPUB must be the
 * library's, byte for byte, and every entry's CRC must check; its messages for a broken
 * article must be the library's.
 */
const LIBRARY = path.join(ROOT, 'dist/lib/index.js');
const ENV = { SOURCE_DATE_EPOCH: '1700000000' };

/** The EPUB `build()` of the library makes (jszip's own CRC, the packages as published), in a new process. */
function libraryEpub(input: string): Buffer {
  const out = tmpDir();
  const script = `
    const { build } = await import(${JSON.stringify(LIBRARY)});
    const [r] = await build([process.argv[1]], { outDir: process.argv[2], stages: ['epub'], cacheDir: false });
    if (!r.ok) throw r.error;`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, input, out], { encoding: 'utf8', env: { ...process.env, ...ENV }, timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(path.join(out, `${path.basename(input, '.md')}.epub`));
}

function commandEpub(input: string): Buffer {
  const out = tmpDir();
  const r = lectern(['build', input, '-o', out, '-s', 'epub', '--no-cache', '-q'], { env: ENV });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(path.join(out, `${path.basename(input, '.md')}.epub`));
}

describe('the bundled command', () => {
  it.each([['the sample', SAMPLE], ...(hasSeed ? [['the news export', SEED]] : [])])('makes the EPUB of %s byte for byte as the library does, every CRC checking', async (_, input) => {
    const book = commandEpub(input);
    expect(book.equals(libraryEpub(input))).toBe(true);
    // jszip checks each entry's CRC-32 against its data as it reads it.
    const zip = await JSZip.loadAsync(book, { checkCRC32: true });
    const entries = Object.values(zip.files).filter((f) => !f.dir);
    expect(entries.length).toBeGreaterThanOrEqual(7);
    for (const f of entries) await expect(f.async('nodebuffer'), f.name).resolves.toBeInstanceOf(Buffer);
    // A damaged entry is found by the same check (the test can fail).
    const cover = book.indexOf(Buffer.from('OEBPS/cover.jpg')) + 'OEBPS/cover.jpg'.length + 500;
    const damaged = Buffer.from(book);
    damaged[cover] ^= 0xff;
    const bad = await JSZip.loadAsync(damaged, { checkCRC32: true }).then(
      () => 'read',
      (e: Error) => e.message,
    );
    expect(bad).toMatch(/Corrupted zip : CRC32 mismatch/);
  }, 60_000);

  it('reports a broken JSON article as the library does (zod without its JIT finds the same issue)', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ headline: 5, blocks: [{ type: 'paragraph', children: [{ type: 'text' }] }, { type: 'nope' }], extra: true }));
    const r = lectern(['build', file, '-o', path.join(dir, 'out'), '-s', 'epub']);
    expect(r.status).toBe(1);
    const { readArticle } = await import(LIBRARY);
    const error = await readArticle(file).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeDefined();
    expect(r.stderr.trim()).toBe(String(error));
  }, 60_000);

  it('loads only what an EPUB needs of Node: no child_process, no net for its piped stdout and stderr (it prints nothing), no perf_hooks or ES module resolver', () => {
    const out = tmpDir();
    const record = path.join(out, 'modules.txt');
    const preload = path.join(out, 'record.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(record)}, process.moduleLoadList.join('\\n')));`);
    // The second build: its cover comes from the cache (drawing one loads sharp, which uses
    // child_process and the resolver itself).
    const args = [path.join(ROOT, 'dist/bin/lectern.cjs'), 'build', SAMPLE, '-o', out, '-s', 'epub', '--cache-dir', path.join(out, 'cache'), '-q'];
    expect(spawnSync(process.execPath, args).status).toBe(0);
    const r = spawnSync(process.execPath, ['-r', preload, ...args], { encoding: 'utf8', env: { ...process.env, ...ENV } });
    expect(r.status, r.stderr).toBe(0);
    const loaded = readFileSync(record, 'utf8').split('\n');
    expect(loaded).toContain('NativeModule fs/promises');
    expect(loaded.filter((m) => /^NativeModule (child_process|net|perf_hooks|internal\/modules\/esm\/resolve)$/.test(m))).toEqual([]);
  }, 60_000);

  it('stops quietly when the reader of its output goes away (`| head`), though stdout is set up only when used', () => {
    // A long article: its JSON (about 500 KB) is more than a pipe holds.
    const dir = tmpDir();
    const sample = readFileSync(SAMPLE, 'utf8');
    const body = sample.slice(sample.indexOf('\n---', 4) + 4);
    const file = path.join(dir, 'long.md');
    writeFileSync(file, `---\nheadline: A long one\n---\n\n${Array.from({ length: 60 }, (_, i) => body.replace(/!\[[^\]]*\]\([^)]*\)/g, '').replace(/\n#+ /g, `\n## Part ${i + 1}: `)).join('\n\n')}`);
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" inspect --json "${file}" 2>"${dir}/err" | head -c 10 >/dev/null; echo \${PIPESTATUS[0]}`], { encoding: 'utf8' });
    expect(readFileSync(path.join(dir, 'err'), 'utf8')).not.toMatch(/EPIPE|Error/);
    expect(r.stdout.trim()).toBe('0');
    expect(spawnSync(process.execPath, [CLI, 'inspect', '--json', file], { maxBuffer: 64 << 20 }).stdout.length).toBeGreaterThan(200_000);
  }, 60_000);

  it('runs from its V8 code cache (a cache V8 refuses costs the whole command compiled again)', () => {
    const out = tmpDir();
    const r = lectern(['build', SAMPLE, '-o', out, '-s', 'epub', '--no-cache', '-q'], { env: { LECTERN_CODE_CACHE_CHECK: '1' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.trim()).toBe('lectern: code cache used');
    // V8's flags are part of the cache's check: one given before the script is compiled
    // makes V8 refuse it (which is why the command sets its own flag afterwards).
    const flagged = spawnSync(process.execPath, ['--interrupt-budget=1000', path.join(ROOT, 'dist/bin/lectern.cjs'), 'build', SAMPLE, '-o', out, '-s', 'epub', '--no-cache', '-q'], {
      encoding: 'utf8',
      env: { ...process.env, LECTERN_CODE_CACHE_CHECK: '1' },
    });
    expect(flagged.status, flagged.stderr).toBe(0);
    expect(flagged.stderr.trim()).toBe('lectern: code cache refused');
  }, 60_000);
});
