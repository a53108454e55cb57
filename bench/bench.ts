/**
 * `npm run bench` (compiled to dist/bench/, outside the library): lectern against the tools people would otherwise use, on the same
 * machine, in the same run, on the same text. Prints a table and the ratios, and writes
 * the results to dist/bench.json.
 *
 * References: native `espeak-ng -w` then `lame` making an MP3 (the narration alone), and
 * pandoc making an EPUB (the book alone). Each is skipped with a message naming the
 * Debian package when it is missing. Each measurement runs several times; medians, min
 * and max are reported. Wall and CPU time and peak memory are read from /proc while
 * the process runs (Linux).
 *
 * CPU time (user + sys of the process and all its threads, from GNU time when installed)
 * is reported beside wall time: on a machine shared with other work, wall time measures
 * the queue for the cores as much as lectern, and CPU-time ratios are the fairer ones.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project folder: this file runs from dist/bench/. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const projectFile = (...parts: string[]) => path.join(ROOT, ...parts);

/** The command users run: package.json's `bin` (the bundle, dist/bin/cli/main.js). */
const CLI = projectFile((JSON.parse(readFileSync(projectFile('package.json'), 'utf8')) as { bin: { lectern: string } }).bin.lectern);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const CLK_TCK = 100;

interface Sample {
  wall: number;
  cpu: number;
  peakMB: number;
  /** For lectern runs with --json: the time of each stage, in seconds. */
  stages?: Record<string, number>;
}

interface Result {
  name: string;
  runs: Sample[];
  median: Sample;
  min: Sample;
  max: Sample;
  audioSeconds?: number;
  skipped?: string;
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status === 0;
}

/** GNU time, when installed: the exact CPU time (user + sys, every thread) and peak memory of a process. */
const GNU_TIME = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0 ? '/usr/bin/time' : undefined;
let timed = 0;

/**
 * Runs a command, measuring its CPU time (user + sys of the process and all its threads)
 * and peak memory with GNU time when there is one, else by sampling /proc.
 */
function measure(cmd: string, args: string[], opts: { cwd?: string; input?: string; json?: boolean } = {}): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const timeFile = GNU_TIME ? path.join(os.tmpdir(), `lectern-bench-time-${process.pid}-${timed++}`) : undefined;
    const [file, argv] = timeFile ? [GNU_TIME!, ['-f', '%U %S %M', '-o', timeFile, cmd, ...args]] : [cmd, args];
    const child = spawn(file, argv, { cwd: opts.cwd, stdio: [opts.input ? 'pipe' : 'ignore', opts.json ? 'pipe' : 'ignore', 'pipe'] });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    let peak = 0;
    let cpu = 0;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+)/.exec(status);
        if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        cpu = Math.max(cpu, (Number(stat[11]) + Number(stat[12])) / CLK_TCK);
      } catch {
        /* gone */
      }
    };
    const timer = setInterval(poll, 20);
    if (opts.input) child.stdin!.end(opts.input);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${stderr.slice(-400)}`));
      else {
        let stages: Record<string, number> | undefined;
        if (opts.json) {
          const report = JSON.parse(stdout) as { articles: { timingsMs: Record<string, number> }[] };
          stages = Object.fromEntries(Object.entries(report.articles[0]!.timingsMs).map(([k, v]) => [k, v / 1000]));
        }
        if (timeFile) {
          const [user, sys, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
          rmSync(timeFile, { force: true });
          cpu = user! + sys!;
          peak = kb! / 1024;
        }
        resolve({ wall, cpu: Math.max(cpu, 0), peakMB: peak, ...(stages ? { stages } : {}) });
      }
    });
  });
}

function stats(name: string, runs: Sample[], audioSeconds?: number): Result {
  const pick = (f: (s: Sample) => number, which: 'median' | 'min' | 'max') => {
    const v = runs.map(f).sort((a, b) => a - b);
    return which === 'min' ? v[0]! : which === 'max' ? v[v.length - 1]! : v[v.length >> 1]!;
  };
  const agg = (which: 'median' | 'min' | 'max'): Sample => ({ wall: pick((s) => s.wall, which), cpu: pick((s) => s.cpu, which), peakMB: pick((s) => s.peakMB, which) });
  return { name, runs, median: agg('median'), min: agg('min'), max: agg('max'), ...(audioSeconds ? { audioSeconds } : {}) };
}

async function repeat(name: string, n: number, setup: () => void, run: () => Promise<Sample>, audioSeconds?: number): Promise<Result> {
  const runs: Sample[] = [];
  for (let i = 0; i < n; i++) {
    setup();
    runs.push(await run());
  }
  return stats(name, runs, audioSeconds);
}

const skipped = (name: string, why: string): Result => ({ name, runs: [], median: { wall: NaN, cpu: NaN, peakMB: NaN }, min: { wall: NaN, cpu: NaN, peakMB: NaN }, max: { wall: NaN, cpu: NaN, peakMB: NaN }, skipped: why });

function lectern(args: string[], cwd?: string): Promise<Sample> {
  return measure(process.execPath, [CLI, ...args], { cwd, json: args.includes('--json') });
}

function audioSecondsOf(file: string): number | undefined {
  if (!has('ffprobe')) return undefined;
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return Number(r.stdout.trim()) || undefined;
}

/** A long article made from the sample's paragraphs, numbered so that no two sentences are the same. */
function longArticle(words: number, dir: string): string {
  const sample = readFileSync(projectFile('assets', 'sample', 'article.md'), 'utf8');
  const [front, body] = [sample.slice(0, sample.indexOf('\n---', 4) + 4), sample.slice(sample.indexOf('\n---', 4) + 4)];
  const paragraphs = body.split(/\n\n+/).filter((p) => p.trim() && !p.startsWith('!') && !p.startsWith('>') && !p.startsWith('#'));
  const out: string[] = [];
  let count = 0;
  for (let i = 0; count < words; i++) {
    const p = `In part ${i + 1}, ${paragraphs[i % paragraphs.length]!.replace(/^./, (c) => c.toLowerCase())}`;
    out.push(i % 12 === 11 ? `## Section ${Math.floor(i / 12) + 1}\n\n${p}` : p);
    count += p.split(/\s+/).length;
  }
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'long.md');
  writeFileSync(file, `${front}\n\n${out.join('\n\n')}\n`);
  return file;
}

/**
 * Starts `lectern watch`, waits for its first build, then makes `runs` one-paragraph edits
 * and reads each rebuild's wall and CPU time from the line it prints.
 */
async function watchRebuilds(file: string, out: string, cache: string, original: string, paragraph: string, runs: number): Promise<Sample[]> {
  writeFileSync(file, original);
  const child = spawn(process.execPath, [CLI, 'watch', file, '-o', out, '--cache-dir', cache, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let wake = () => {};
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    wake();
  });
  const line = async (re: RegExp, from: number): Promise<RegExpExecArray> => {
    for (;;) {
      const m = re.exec(stderr.slice(from));
      if (m) return m;
      if (child.exitCode !== null) throw new Error(`lectern watch stopped: ${stderr.slice(-400)}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000);
      });
    }
  };
  const samples: Sample[] = [];
  try {
    await line(/^built in/m, 0);
    for (let i = 0; i < runs; i++) {
      const from = stderr.length;
      writeFileSync(file, original.replace(paragraph, `${paragraph} This sentence was added in watch mode, edit ${i + 1}.`));
      const m = await line(/^rebuilt in ([\d.]+) s \(CPU ([\d.]+) s\)/m, from);
      let peakMB = 0;
      try {
        peakMB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      } catch {
        /* not Linux */
      }
      samples.push({ wall: Number(m[1]), cpu: Number(m[2]), peakMB });
    }
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return samples;
}

/** Two decimals; three for a figure under 0.1 (a watch-mode rebuild, to the millisecond `lectern watch` prints). */
function fmt(n: number, d = 2): string {
  return Number.isFinite(n) ? n.toFixed(d === 2 && Math.abs(n) < 0.1 && n !== 0 ? 3 : d) : '—';
}

async function benchArticle(label: string, input: string, work: string, results: Result[], ratios: Record<string, number>): Promise<void> {
  const dir = path.join(work, label);
  mkdirSync(dir, { recursive: true });
  cpSync(path.dirname(input), path.join(dir, 'src'), { recursive: true });
  const file = path.join(dir, 'src', path.basename(input));
  const out = path.join(dir, 'out');
  const cache = path.join(dir, 'cache');
  const base = path.basename(input).replace(/\.md$/, '');

  const cold = await repeat(`${label}: lectern full build, cold (read-aloud EPUB + MP3 + VTT)`, RUNS, () => rmSync(cache, { recursive: true, force: true }), () => lectern(['build', file, '-o', out, '--cache-dir', cache, '-q']));
  cold.audioSeconds = audioSecondsOf(path.join(out, `${base}.mp3`));
  results.push(cold);

  // Warm: one paragraph edited after a full build.
  const original = readFileSync(file, 'utf8');
  const paragraph = original.split(/\n\n+/).find((p) => p.length > 200 && !/^[#>!*-]/.test(p))!;
  let edit = 0;
  const warm = await repeat(
    `${label}: lectern rebuild after editing one paragraph`,
    RUNS,
    () => {
      writeFileSync(file, original);
      spawnSync(process.execPath, [CLI, 'build', file, '-o', out, '--cache-dir', cache, '-q']);
      writeFileSync(file, original.replace(paragraph, `${paragraph} This sentence was added, edit ${++edit}.`));
    },
    () => lectern(['build', file, '-o', out, '--cache-dir', cache, '-q']),
  );
  writeFileSync(file, original);
  results.push(warm);

  // The same edit in watch mode: one long-running process, threads, engine and cache warm.
  // Its own report gives each rebuild's wall time and CPU time (the whole process, threads included).
  const watched = await watchRebuilds(file, out, cache, original, paragraph, RUNS);
  writeFileSync(file, original);
  const watchRebuild = stats(`${label}: lectern watch, rebuild after editing one paragraph`, watched);
  results.push(watchRebuild);

  const epubOnly = await repeat(`${label}: lectern EPUB only`, RUNS, () => {}, () => lectern(['build', file, '-o', out, '-s', 'epub', '-q']));
  results.push(epubOnly);

  // Synthesis alone: the narration stage's own time, from the build's --json report.
  const synthesis = async (workers: number) => {
    const r = await repeat(
      `${label}: lectern synthesis stage, ${workers} worker${workers > 1 ? 's' : ''}`,
      RUNS,
      () => rmSync(path.join(cache, 'clips'), { recursive: true, force: true }),
      async () => {
        const s = await lectern(['build', file, '-o', out, '-s', 'narration', '--workers', String(workers), '--cache-dir', cache, '-q', '--json']);
        return { ...s, wall: s.stages!['narration']! };
      },
    );
    return r;
  };
  const w1 = await synthesis(1);
  const w2 = await synthesis(2);
  results.push(w1, w2);

  // References on the same words: the narration script lectern would speak.
  const script = path.join(out, `${base}.speech.txt`);
  const text = readFileSync(script, 'utf8').replace(/…/g, ',');
  const plain = path.join(dir, 'plain.txt');
  writeFileSync(plain, text);
  let native: Result;
  if (has('espeak-ng') && has('lame')) {
    native = await repeat(`${label}: reference espeak-ng -w + lame (MP3 only)`, RUNS, () => {}, async () => {
      const a = await measure('espeak-ng', ['-v', 'en-gb', '-s', '175', '-f', plain, '-w', path.join(dir, 'ref.wav')]);
      const b = await measure('lame', ['--quiet', '-m', 'm', '-b', '64', '--cbr', path.join(dir, 'ref.wav'), path.join(dir, 'ref.mp3')]);
      return { wall: a.wall + b.wall, cpu: a.cpu + b.cpu, peakMB: Math.max(a.peakMB, b.peakMB) };
    });
    native.audioSeconds = audioSecondsOf(path.join(dir, 'ref.mp3'));
  } else native = skipped(`${label}: reference espeak-ng + lame`, 'install the Debian packages espeak-ng and lame');
  results.push(native);
  // The same, with LAME at lectern's own quality setting (its default -q is 3; lectern's is
  // lower, which costs LAME less): the comparison of like with like.
  const { DEFAULT_MP3_QUALITY } = (await import(projectFile('dist', 'lib', 'audio', 'mp3.js'))) as { DEFAULT_MP3_QUALITY: number };
  let nativeSame: Result;
  if (has('espeak-ng') && has('lame')) {
    nativeSame = await repeat(`${label}: reference espeak-ng -w + lame -q ${DEFAULT_MP3_QUALITY} (lectern's LAME quality)`, RUNS, () => {}, async () => {
      const a = await measure('espeak-ng', ['-v', 'en-gb', '-s', '175', '-f', plain, '-w', path.join(dir, 'ref.wav')]);
      const b = await measure('lame', ['--quiet', '-m', 'm', '-b', '64', '--cbr', '-q', String(DEFAULT_MP3_QUALITY), path.join(dir, 'ref.wav'), path.join(dir, 'ref.mp3')]);
      return { wall: a.wall + b.wall, cpu: a.cpu + b.cpu, peakMB: Math.max(a.peakMB, b.peakMB) };
    });
  } else nativeSame = skipped(`${label}: reference espeak-ng + lame -q ${DEFAULT_MP3_QUALITY}`, 'install the Debian packages espeak-ng and lame');
  results.push(nativeSame);
  let pandoc: Result;
  if (has('pandoc')) pandoc = await repeat(`${label}: reference pandoc (EPUB only)`, RUNS, () => {}, () => measure('pandoc', [file, '-o', path.join(dir, 'ref.epub')], { cwd: path.dirname(file) }));
  else pandoc = skipped(`${label}: reference pandoc`, 'install the Debian package pandoc');
  results.push(pandoc);

  ratios[`${label}: full build / espeak-ng+lame (target <= 1.5, aim 1.0)`] = cold.median.wall / native.median.wall;
  ratios[`${label}: full build / espeak-ng+lame at lectern's LAME quality`] = cold.median.wall / nativeSame.median.wall;
  ratios[`${label}: EPUB only / pandoc (target <= 3)`] = epubOnly.median.wall / pandoc.median.wall;
  ratios[`${label}: warm rebuild / cold build (target <= 0.15)`] = warm.median.wall / cold.median.wall;
  ratios[`${label}: watch-mode rebuild / cold build, wall (target <= 0.05)`] = watchRebuild.median.wall / cold.median.wall;
  // CPU time: what a loaded machine distorts least (wall time waits for other processes).
  ratios[`${label}: CPU full build / espeak-ng+lame`] = cold.median.cpu / native.median.cpu;
  ratios[`${label}: CPU EPUB only / pandoc`] = epubOnly.median.cpu / pandoc.median.cpu;
  ratios[`${label}: CPU warm rebuild / cold build`] = warm.median.cpu / cold.median.cpu;
  ratios[`${label}: CPU watch-mode rebuild / cold build (target <= 0.05)`] = watchRebuild.median.cpu / cold.median.cpu;
  ratios[`${label}: synthesis speed-up 1 -> 2 workers (target >= 1.6)`] = w1.median.wall / w2.median.wall;
  ratios[`${label}: peak memory MB (target <= 300)`] = cold.max.peakMB;
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first');
  const work = mkdtempSync(path.join(os.tmpdir(), 'lectern-bench-'));
  const results: Result[] = [];
  const ratios: Record<string, number> = {};
  const seed = path.resolve(projectFile('..', 'shared', 'samples', 'ft-iran-backchannels.md'));
  const inputs: [string, string][] = [['sample', projectFile('assets', 'sample', 'article.md')]];
  if (existsSync(seed)) inputs.push(['seed', seed]);
  else process.stdout.write('note: ../shared/samples/ft-iran-backchannels.md not found; benchmarking the bundled sample only\n');
  for (const [label, input] of inputs) {
    process.stderr.write(`benchmarking ${label}...\n`);
    await benchArticle(label, input, work, results, ratios);
  }

  // Synthesis scaling on a text long enough that starting the threads (about 0.2 s each,
  // mostly unpacking eSpeak NG's voice data) does not hide the work: 5,000 words.
  {
    const medium = longArticle(5_000, path.join(work, 'medium'));
    const cache = path.join(work, 'medium-cache');
    const synth = (workers: number) =>
      repeat(
        `5,000-word article: lectern synthesis stage, ${workers} worker${workers > 1 ? 's' : ''}`,
        RUNS,
        () => rmSync(path.join(cache, 'clips'), { recursive: true, force: true }),
        async () => {
          const s = await lectern(['build', medium, '-o', path.join(work, 'medium-out'), '-s', 'narration', '--workers', String(workers), '--cache-dir', cache, '-q', '--json']);
          return { ...s, wall: s.stages!['narration']! };
        },
      );
    const m1 = await synth(1);
    const m2 = await synth(2);
    results.push(m1, m2);
    ratios['5,000 words: synthesis speed-up 1 -> 2 workers (target >= 1.6)'] = m1.median.wall / m2.median.wall;
  }

  const help = await repeat('lectern --help', 5, () => {}, () => lectern(['--help']));
  results.push(help);
  ratios['lectern --help seconds (target <= 0.15)'] = help.median.wall;

  if (process.env['BENCH_LONG'] !== '0') {
    process.stderr.write('benchmarking a 50,000-word article...\n');
    const long = longArticle(50_000, work);
    const cache = path.join(work, 'long-cache');
    const r = await repeat('50,000-word article: lectern full build, cold', 1, () => {}, () => lectern(['build', long, '-o', path.join(work, 'long-out'), '--cache-dir', cache, '-q']));
    r.audioSeconds = audioSecondsOf(path.join(work, 'long-out', 'long.mp3'));
    results.push(r);
    ratios['50,000 words: peak memory MB (target <= 600)'] = r.max.peakMB;
  }

  const rows = results.map((r) =>
    r.skipped
      ? `| ${r.name} | skipped: ${r.skipped} | | | | | |`
      : `| ${r.name} | ${fmt(r.median.wall)} (${fmt(r.min.wall)}–${fmt(r.max.wall)}) | ${fmt(r.median.cpu)} | ${fmt(r.max.peakMB, 0)} | ${r.audioSeconds ? fmt(r.audioSeconds, 1) : ''} | ${r.audioSeconds ? fmt(r.audioSeconds / r.median.wall, 0) + '×' : ''} |`,
  );
  const table = [
    `lectern benchmark, ${RUNS} runs each, ${os.cpus().length} cores, Node ${process.version}`,
    '',
    '| measurement | wall s, median (min–max) | CPU s | peak MB | audio s | real-time factor |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '| ratio | value |',
    '|---|---|',
    ...Object.entries(ratios).map(([k, v]) => `| ${k} | ${fmt(v)} |`),
  ].join('\n');
  process.stdout.write(table + '\n');
  const outFile = projectFile('dist', 'bench.json');
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify({ date: new Date().toISOString(), cores: os.cpus().length, node: process.version, runs: RUNS, results, ratios }, null, 2) + '\n');
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), outFile)}\n`);
  rmSync(work, { recursive: true, force: true });
}

await main();
