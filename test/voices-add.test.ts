/**
 * `lectern voices add`, `lectern voices`, `lectern voices remove`: archives the test builds
 * (tar.bz2, tar.gz, zip) served by a local HTTP server or read from disk, then a build
 * that picks the installed voice by the article's language.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import JSZip from 'jszip';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addVoice } from '../src/tts/voice-install.js';
import { CLI, ROOT, SAMPLE, tmpDir } from './helpers.js';
import { tinyTokens, tinyVitsModel, type TinyVoiceOptions } from './tiny-voice.js';

type Entry = { name: string; data?: Buffer | string; type?: 'file' | 'directory' | 'symlink'; linkname?: string };

function voiceEntries(top = 'tiny-en_GB-test', opts: TinyVoiceOptions = {}): Entry[] {
  return [
    { name: `${top}/`, type: 'directory' },
    { name: `${top}/model.onnx`, data: tinyVitsModel(opts) },
    { name: `${top}/tokens.txt`, data: tinyTokens() },
    { name: `${top}/MODEL_CARD`, data: '# Model card\n\nLicense: CC0-1.0\n' },
  ];
}

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => pack.on('end', r));
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
    pack.entry({ name: e.name, type: e.type ?? 'file', mtime: new Date(0), ...(e.linkname ? { linkname: e.linkname } : {}) }, data ?? Buffer.alloc(0));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const tarGz = async (entries: Entry[]) => gzipSync(await tarOf(entries));
async function tarBz2(entries: Entry[]): Promise<Buffer> {
  const r = spawnSync('bzip2', ['-c'], { input: await tarOf(entries), maxBuffer: 1 << 28 });
  return r.stdout;
}
async function zipOf(entries: Entry[]): Promise<Buffer> {
  const zip = new JSZip();
  for (const e of entries) if (e.type !== 'directory') zip.file(e.name, e.data ?? '', { date: new Date(0) });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Files served by the test server: path -> body (and whether to hide its length). */
const served = new Map<string, { body: Buffer; chunked?: boolean }>();
let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const file = served.get(req.url ?? '');
    if (!file && req.url !== '/stalls.tar.gz') {
      res.writeHead(404).end('not found');
      return;
    }
    if (req.url === '/stalls.tar.gz') {
      // Sends a first piece, then nothing: the client must be able to stop.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 10_000_000 });
      res.write(Buffer.alloc(64 * 1024));
      return;
    }
    if (file!.chunked) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // Sent in pieces with no Content-Length: the size limit must stop it while it arrives.
      let at = 0;
      const body = file!.body;
      const step = () => {
        if (at >= body.length || res.destroyed) return res.end();
        res.write(body.subarray(at, (at += 64 * 1024)), step);
      };
      step();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file!.body.length }).end(file!.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Runs `lectern` with its own data folder; asynchronously, so the test's HTTP server can answer it. */
function cli(home: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, XDG_DATA_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
const voicesDir = (home: string) => path.join(home, 'lectern', 'voices');
/** What is in the voices folder, temporary folders included. */
const contents = (home: string) => (existsSync(voicesDir(home)) ? readdirSync(voicesDir(home)).sort() : []);

describe('lectern voices add', () => {
  it('downloads a .tar.bz2 over HTTP, checks its SHA-256, installs and lists it; a build then picks it by language', async () => {
    const home = tmpDir('lectern-data-');
    const archive = await tarBz2(voiceEntries());
    served.set('/voices/tiny-en_GB-test.tar.bz2', { body: archive });
    const r = await cli(home, ['voices', 'add', `${base}/voices/tiny-en_GB-test.tar.bz2`, '--sha256', sha(archive)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^installed tiny-en_GB-test: en-GB, vits, 16000 Hz, \d+ KB, licence: CC0-1\.0\n$/);
    expect(contents(home)).toEqual(['tiny-en_GB-test']);
    const manifest = JSON.parse(readFileSync(path.join(voicesDir(home), 'tiny-en_GB-test', 'lectern-voice.json'), 'utf8'));
    expect(manifest).toMatchObject({ id: 'tiny-en_GB-test', kind: 'vits', languages: ['en-GB'], sampleRate: 16000, licence: 'CC0-1.0', sha256: sha(archive), source: `${base}/voices/tiny-en_GB-test.tar.bz2` });

    const list = await cli(home, ['voices', '--engine', 'neural']);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/neural \(.*sherpa-onnx-node \d+\.\d+\.\d+\): 1 voice in /);
    expect(list.stdout).toMatch(/id\s+language\s+engine\s+rate\s+size\s+licence\n\s+tiny-en_GB-test\s+en-GB\s+vits\s+16000 Hz\s+\d+ KB\s+CC0-1\.0\n/);

    const out = tmpDir();
    const b = await cli(home, ['build', SAMPLE, '-o', out, '--engine', 'neural', '-s', 'speech,narration,audio', '--audio', 'wav', '--json']);
    expect(b.status, b.stderr).toBe(0);
    const report = JSON.parse(b.stdout);
    expect(JSON.stringify(report)).toContain('"voice":"tiny-en_GB-test"');
    expect(readFileSync(path.join(out, 'article.wav')).readUInt32LE(24)).toBe(16000);

    // Installing it again needs --force; remove takes it away.
    const again = await cli(home, ['voices', 'add', `${base}/voices/tiny-en_GB-test.tar.bz2`]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/a voice "tiny-en_GB-test" is already installed \(--force replaces it\); nothing was installed\n$/);
    expect((await cli(home, ['voices', 'add', `${base}/voices/tiny-en_GB-test.tar.bz2`, '--force', '--licence', 'CC-BY-4.0'])).status).toBe(0);
    expect(JSON.parse(readFileSync(path.join(voicesDir(home), 'tiny-en_GB-test', 'lectern-voice.json'), 'utf8')).licence).toBe('CC-BY-4.0');
    expect(contents(home)).toEqual(['tiny-en_GB-test']);
    const rm = await cli(home, ['voices', 'remove', 'tiny-en_GB-test']);
    expect(rm.status).toBe(0);
    expect(contents(home)).toEqual([]);
  }, 300_000);

  it('installs a local .tar.gz, a local .zip and an unpacked folder; --lang and --id override what the archive says', async () => {
    const home = tmpDir('lectern-data-');
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'voice.tar.gz'), await tarGz(voiceEntries('gz-voice')));
    writeFileSync(path.join(dir, 'voice.zip'), await zipOf(voiceEntries('zip-voice')));
    expect((await cli(home, ['voices', 'add', path.join(dir, 'voice.tar.gz'), '--lang', 'en-us'])).status).toBe(0);
    expect((await cli(home, ['voices', 'add', path.join(dir, 'voice.zip'), '--id', 'my-voice', '-q'])).status).toBe(0);
    // An unpacked folder (here: the one just installed) is copied in under a new id.
    expect((await cli(home, ['voices', 'add', path.join(voicesDir(home), 'gz-voice'), '--id', 'copied'])).status).toBe(0);
    expect(contents(home)).toEqual(['copied', 'gz-voice', 'my-voice']);
    const m = JSON.parse(readFileSync(path.join(voicesDir(home), 'gz-voice', 'lectern-voice.json'), 'utf8'));
    expect(m.languages).toEqual(['en-US']);
    expect(m.source).toBe('voice.tar.gz');
  }, 120_000);

  it('reports download progress against the size the server declares', async () => {
    const archive = await tarGz(voiceEntries('progress-voice'));
    served.set('/progress.tar.gz', { body: archive });
    const seen: [number, number | undefined][] = [];
    const m = await addVoice(`${base}/progress.tar.gz`, { root: voicesDir(tmpDir('lectern-data-')), onProgress: (a, b) => seen.push([a, b]) });
    expect(m.id).toBe('progress-voice');
    expect(seen.at(-1)).toEqual([archive.length, archive.length]);
  });
});

describe('a bad voice archive is a one-line error and installs nothing', () => {
  async function expectRefused(source: string, args: string[], message: RegExp, home = tmpDir('lectern-data-')) {
    const r = await cli(home, ['voices', 'add', source, ...args]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/; nothing was installed\n$/);
    // Not even a temporary folder is left behind.
    expect(contents(home)).toEqual([]);
  }

  it('a truncated .tar.bz2', async () => {
    const archive = await tarBz2(voiceEntries());
    served.set('/truncated.tar.bz2', { body: archive.subarray(0, Math.floor(archive.length * 0.6)) });
    await expectRefused(`${base}/truncated.tar.bz2`, [], /voices add "http:\/\/127\.0\.0\.1:\d+\/truncated\.tar\.bz2": it is a damaged tar\.bz2 archive \(/);
  }, 60_000);

  it('a .tar.gz with damaged bytes', async () => {
    const archive = await tarGz(voiceEntries());
    for (let i = 200; i < 400; i++) archive[i] = archive[i]! ^ 0x5a;
    const file = path.join(tmpDir(), 'broken.tar.gz');
    writeFileSync(file, archive);
    await expectRefused(file, [], /broken\.tar\.gz": it is a damaged tar\.gz archive \(/);
  });

  it('a file that is no archive at all, and a missing file', async () => {
    const file = path.join(tmpDir(), 'voice.tar.bz2');
    writeFileSync(file, '<html>404 page from a proxy</html>');
    await expectRefused(file, [], /it is not a \.tar\.bz2, \.tar\.gz or \.zip archive/);
    await expectRefused(path.join(tmpDir(), 'absent.tar.bz2'), [], /absent\.tar\.bz2": no such file or folder/);
  });

  it('an archive over --max-size: refused from the declared length before downloading, or while it arrives', async () => {
    const archive = await tarGz(voiceEntries());
    served.set('/big.tar.gz', { body: archive });
    served.set('/big-chunked.tar.gz', { body: Buffer.concat([archive, Buffer.alloc(400_000)]), chunked: true });
    const limit = String(archive.length / 2 / 1024 / 1024);
    await expectRefused(`${base}/big.tar.gz`, ['--max-size', limit], /it is 0\.0 MB, over the 0\.0 MB limit \(--max-size\)/);
    await expectRefused(`${base}/big-chunked.tar.gz`, ['--max-size', '0.2'], /it is over the 0\.2 MB limit \(--max-size\)/);
    const file = path.join(tmpDir(), 'big.tar.gz');
    writeFileSync(file, archive);
    await expectRefused(file, ['--max-size', limit], /over the 0\.0 MB limit/);
  }, 60_000);

  it('an archive whose SHA-256 does not match', async () => {
    const archive = await tarBz2(voiceEntries());
    served.set('/checked.tar.bz2', { body: archive });
    await expectRefused(`${base}/checked.tar.bz2`, ['--sha256', '0'.repeat(64)], new RegExp(`its SHA-256 is ${sha(archive)}, not the 0{64} expected`));
  }, 60_000);

  it('an archive with a path out of the voice folder, or a symbolic link', async () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'escape.tar.gz'), await tarGz([...voiceEntries(), { name: '../../evil.txt', data: 'x' }]));
    await expectRefused(path.join(dir, 'escape.tar.gz'), [], /it holds an unsafe path "\.\.\/\.\.\/evil\.txt"/);
    expect(existsSync(path.join(dir, '..', 'evil.txt'))).toBe(false);
    writeFileSync(path.join(dir, 'link.tar.gz'), await tarGz([...voiceEntries(), { name: 'tiny-en_GB-test/espeak-ng-data', type: 'symlink', linkname: '/etc' }]));
    await expectRefused(path.join(dir, 'link.tar.gz'), [], /it holds a symlink \("tiny-en_GB-test\/espeak-ng-data"\); only files and folders are accepted/);
  });

  it('an archive that unpacks fine but holds no usable voice', async () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'nometa.tar.gz'), await tarGz(voiceEntries('v', { omit: 'sample_rate' })));
    await expectRefused(path.join(dir, 'nometa.tar.gz'), [], /model\.onnx lacks the metadata key "sample_rate" that sherpa-onnx needs/);
    writeFileSync(path.join(dir, 'notokens.tar.gz'), await tarGz(voiceEntries('v').filter((e) => !e.name.endsWith('tokens.txt'))));
    await expectRefused(path.join(dir, 'notokens.tar.gz'), [], /no tokens\.txt in it/);
    writeFileSync(path.join(dir, 'empty.zip'), await zipOf([{ name: 'README', data: 'nothing here' }]));
    await expectRefused(path.join(dir, 'empty.zip'), [], /no \.onnx model in it/);
  });

  it('a download stopped with Ctrl-C (exit 130)', async () => {
    const home = tmpDir('lectern-data-');
    const child = spawn(process.execPath, [CLI, 'voices', 'add', `${base}/stalls.tar.gz`], { cwd: ROOT, env: { ...process.env, XDG_DATA_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Once the temporary folder exists, the download has begun.
    for (let i = 0; i < 200 && !readdirSync(home).length; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    const status = await new Promise((r) => child.on('close', r));
    expect(status).toBe(130);
    expect(stderr).toMatch(/stalls\.tar\.gz": interrupted; nothing was installed\n$/);
    expect(contents(home)).toEqual([]);
  }, 60_000);

  it('a server error', async () => {
    await expectRefused(`${base}/nowhere.tar.bz2`, [], /the server answered 404 Not Found/);
  });
});
