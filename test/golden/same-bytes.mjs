#!/usr/bin/env node
/**
 * Same input, same bytes, across a refactoring: builds the seed article, the sample and a
 * digest with every stage and a fixed SOURCE_DATE_EPOCH, and records a SHA-256 of every
 * output file.
 *
 *   node test/golden/same-bytes.mjs snapshot <lectern checkout> <out dir>
 *   node test/golden/same-bytes.mjs compare <out dir A> <out dir B>
 *
 * `snapshot` runs the checkout's `lectern` command (package.json's `bin`; build it first) and writes
 * `<out dir>/manifest.json`; `compare` exits 1 and names every file that differs.
 * Each snapshot uses its own fresh clip cache, so every clip is synthesised again.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const seed = path.resolve(root, '../shared/samples/ft-iran-backchannels.md');
const sample = path.join(root, 'assets/sample/article.md');
const digestFiles = [sample, path.join(root, 'test/fixtures/digest/second.md'), path.join(root, 'test/fixtures/digest/third.md'), seed];
const ALL = 'epub,cover,images,json,speech,narration,audio,read-aloud,transcript';

function files(dir, base = dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p, base) : [path.relative(base, p)];
  });
}

function snapshot(checkout, out) {
  const cli = path.resolve(checkout, JSON.parse(readFileSync(path.join(checkout, 'package.json'), 'utf8')).bin.lectern);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const cache = path.join(out, '.cache');
  const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
  const run = (name, args) => {
    const t = Date.now();
    execFileSync(process.execPath, [cli, 'build', ...args, '-o', path.join(out, name), '--cache-dir', cache, '--no-config', '-q'], { env, cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    console.error(`${name}: ${Date.now() - t} ms`);
  };
  run('seed', [seed, '-s', ALL, '--srt']);
  run('sample', [sample, '-s', ALL, '--srt']);
  run('sample-wav', [sample, '-s', 'epub,audio,read-aloud,transcript', '--audio', 'wav']);
  run('digest', [...digestFiles, '-s', ALL, '--bundle', 'Morning digest', '--srt']);
  rmSync(cache, { recursive: true, force: true });
  const manifest = Object.fromEntries(
    files(out)
      .filter((f) => f !== 'manifest.json')
      .sort()
      .map((f) => [f, createHash('sha256').update(readFileSync(path.join(out, f))).digest('hex')]),
  );
  writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`${Object.keys(manifest).length} files recorded in ${path.join(out, 'manifest.json')}`);
}

function compare(a, b) {
  const ma = JSON.parse(readFileSync(path.join(a, 'manifest.json'), 'utf8'));
  const mb = JSON.parse(readFileSync(path.join(b, 'manifest.json'), 'utf8'));
  const names = [...new Set([...Object.keys(ma), ...Object.keys(mb)])].sort();
  const diff = names.filter((n) => ma[n] !== mb[n]);
  for (const n of diff) console.log(`${n}: ${ma[n] ? ma[n].slice(0, 12) : 'missing'} -> ${mb[n] ? mb[n].slice(0, 12) : 'missing'}`);
  console.log(diff.length ? `${diff.length} of ${names.length} files differ` : `all ${names.length} files identical`);
  process.exitCode = diff.length ? 1 : 0;
}

const [cmd, x, y] = process.argv.slice(2);
if (cmd === 'snapshot' && x && y) snapshot(x, path.resolve(y));
else if (cmd === 'compare' && x && y) compare(path.resolve(x), path.resolve(y));
else {
  console.error('usage: same-bytes.mjs snapshot <checkout> <out> | compare <a> <b>');
  process.exitCode = 2;
}
