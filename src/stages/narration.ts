import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LecternError } from '../article/diagnostics.js';
import type { Stage, StageContext } from '../pipeline/stage.js';
import { buildTimeline, speechParts, type Timeline } from '../audio/timeline.js';
import { encodeJob, mp3Task, planSegments, segmentCache, warmTagger, type EncodeJob, type Segment, type SegmentCache } from '../audio/mp3.js';
import { audioFormat, mp3Quality } from './audio.js';
import { ClipCache, clipKey } from '../tts/cache.js';
import { sweepCacheTemporaries } from '../util/cache-file.js';
import { defaultWorkers, SynthesisPool, synthesizeAll } from '../tts/pool.js';
import { poolsKeptWarm, type WorkerPool } from '../workers/pool.js';
import type { NarrationOptions } from './options.js';
import { pickVoice, type TtsEngine, type Voice } from '../tts/engine.js';
import { engineInfo } from '../tts/info.js';

export { DEFAULT_RATE } from './options.js';
export type { NarrationOptions } from './options.js';

export interface NarrationResult {
  engine: string;
  engineVersion: string;
  /** The voice (in a digest, the first article's). */
  voice: string;
  /** The voice of each article (a digest reads each article in a voice for its language). */
  voices: string[];
  rate: number;
  timeline: Timeline;
  cache: ClipCache;
  stats: { clips: number; synthesised: number; cached: number; repaired: number };
  /** The build's worker threads, when it started them: the audio stage encodes MP3 segments on them. */
  threads?: WorkerPool;
  /**
   * Stops the threads (unless kept warm between builds) once nothing more will run on them:
   * the audio stage calls it when its MP3 is encoded, so the book and the web edition are
   * packed without two idle engines and encoders in memory. The build's end stops them anyway.
   */
  releaseThreads(): Promise<void>;
  /**
   * Readies the threads' code for the next build, when they are kept warm between builds
   * (`lectern watch`): each thread says a few of the article's sentences again and runs
   * its MP3 encoder once, results thrown away. A build that found every clip cached left
   * eSpeak NG's and LAME's code unrun, and the first edits then ran it cold (the sample's
   * first two rebuilds: about 0.19 and 0.12 s, against 0.07 s once warm).
   */
  warmUp(): Promise<void>;
}

declare module '../pipeline/stage.js' {
  interface Artifacts {
    narration?: NarrationResult;
  }
}

async function resolveVoice(engine: TtsEngine, voices: readonly Voice[], requested: string | undefined, lang: string): Promise<string> {
  const list = () => voices.map((v) => v.id).join(', ');
  if (requested) {
    if (!voices.some((v) => v.id === requested)) throw new LecternError(`unknown voice "${requested}" for engine ${engine.id} (available: ${list()})`, 'usage:voice');
    return requested;
  }
  const voice = pickVoice(voices, lang) ?? (await engine.voiceFor(lang));
  if (!voice) throw new LecternError(`engine ${engine.id} has no voice for language "${lang}" (available: ${list()}); choose one with --voice`, 'usage:voice');
  return voice;
}

function fallbackReason(engine: TtsEngine, e: unknown, voice: string | undefined): string | undefined {
  if (!engine.fallback || voice || !(e instanceof LecternError)) return undefined;
  if (e.code === 'tts:missing') return e.message;
  if (e.code === 'usage:voice') return `the ${engine.id} engine has no installed voice for the article's language (lectern voices add <url-or-archive>)`;
  return undefined;
}

/**
 * Synthesises every utterance of the speech script, in parallel, through the clip cache:
 * a rebuild synthesises only what changed, and an interrupted build resumes where it
 * stopped. Produces the timeline; the audio stage streams the clips from the cache.
 */
export function narrationStage(): Stage {
  return {
    name: 'narration',
    description: 'speech synthesis, in parallel, with a clip cache (resumable)',
    needs: ['speech'],
    async run(ctx) {
      ctx.artifacts.narration = await narrate(ctx, ctx.options.stageOptions.narration);
    },
  };
}

/** The clip keys of the timeline's items that `segment` covers. */
function clipsOf(timeline: Timeline, segment: Segment): string[] {
  return timeline.items.slice(segment.items[0], segment.items[1]).flatMap((it) => (it.kind === 'clip' ? [it.key] : []));
}

/**
 * The clips whose samples the build's outputs will read: for an MP3, those of the segments
 * not in the cache (a cached segment's audio was checked when it was encoded, and is
 * checked whole itself); for WAV or M4B, every clip; for none (a transcript, a plain
 * EPUB), none.
 */
async function clipsToRead(ctx: StageContext, timeline: Timeline, store: SegmentCache, quality: number): Promise<string[]> {
  if (!ctx.stages.includes('audio') && !ctx.stages.includes('read-aloud')) return [];
  if (audioFormat(ctx) !== 'mp3') return timeline.items.flatMap((it) => (it.kind === 'clip' ? [it.key] : []));
  const segments = planSegments(timeline, quality);
  const cached = await Promise.all(segments.map((s) => store.has(s.key)));
  return segments.flatMap((s, i) => (cached[i] ? [] : clipsOf(timeline, s)));
}

async function narrate(ctx: StageContext, opts: NarrationOptions): Promise<NarrationResult> {
  const speech = ctx.artifacts.speech;
  if (!speech) throw new LecternError('the narration stage needs the speech stage', 'stage:order');
  let engineRef = ctx.registry.engineRef(opts.engine);
  let engine = await ctx.registry.loadEngine(engineRef.id);
  // In-process engines run on a pool of threads, started only if needed: for the engine's
  // version and voices when they are not cached, or for clips that are not.
  let pool: SynthesisPool | undefined;
  const workers = opts.workers ?? defaultWorkers();
  // No more threads than there is work for: a rebuild after a one-word edit starts one.
  // Kept warm between builds (watch), the pool has every thread, whatever this build needs.
  const getPool = (jobs = workers) => (pool ??= new SynthesisPool(engineRef, Math.max(1, poolsKeptWarm() ? workers : Math.min(workers, jobs))));
  ctx.defer(() => pool?.close());
  const damaged = (reason: string) => ctx.diagnostics.warn(reason, 'cache:corrupt');
  const choose = async () => {
    const info = await engineInfo(engine, ctx.options.cacheDir, engine.capabilities.workerSafe ? () => getPool().info() : undefined, damaged);
    return { info, voices: await Promise.all(ctx.articles.map((a) => resolveVoice(engine, info.voices, opts.voice, a.lang))) };
  };
  let chosen: Awaited<ReturnType<typeof choose>>;
  try {
    chosen = await choose();
  } catch (e) {
    // An engine that cannot run here, or has no voice for the language, hands over to its
    // fallback (neural -> eSpeak NG) unless the user named a voice.
    const reason = fallbackReason(engine, e, opts.voice);
    if (!reason) throw e;
    ctx.diagnostics.warn(`${reason}; narrating with ${engine.fallback} instead`, 'tts:fallback');
    await pool?.close();
    pool = undefined;
    engineRef = ctx.registry.engineRef(engine.fallback!);
    engine = await ctx.registry.loadEngine(engineRef.id);
    chosen = await choose();
  }
  const { info, voices } = chosen;
  const engineVersion = info.version;
  const voice = voices[0]!;
  // Range-checked once, where the options were parsed.
  const rate = opts.rate;

  // Without a cache folder the clips still go to disk (the audio stage streams them), in a temporary one.
  const tempCache = ctx.options.cacheDir === false ? await mkdtemp(path.join(os.tmpdir(), 'lectern-clips-')) : undefined;
  const cache = new ClipCache(path.join(tempCache ?? (ctx.options.cacheDir as string), 'clips'));
  const stats = { clips: 0, synthesised: 0, cached: 0, repaired: 0 };
  // What interrupted cache writes (a full disk, SIGKILL) left: clips, MP3 segments, engine information.
  // Started once the threads have their clips (below), and waited for only by the build's
  // end: it removes only files older than any write in progress, and its 257 folders would
  // hold up the clips' lookup (about 10 ms of this thread in a new process).
  const sweep = () => {
    if (tempCache) return;
    const root = ctx.options.cacheDir as string;
    const sweeping = Promise.all([sweepCacheTemporaries(cache.dir, 1), sweepCacheTemporaries(path.join(root, 'mp3'), 0), sweepCacheTemporaries(path.join(root, 'engines'), 0)]).then(
      () => {},
      () => {},
    );
    ctx.defer(() => sweeping);
  };
  if (tempCache) ctx.defer(() => rm(tempCache, { recursive: true, force: true }));
  // Every distinct part of every utterance, once.
  const partTexts = speech.utterances.map((u) => speechParts(u.speech));
  // The engine's identity (its package and binary) joins the version: a rebuilt engine makes new clips.
  const build = engine.identity?.() ?? '';
  // The lexicon is already applied to the text, so a lexicon change re-makes only the clips it touches.
  const keyOf = (text: string, v: string) => clipKey({ engine: engine.id, version: `${engineVersion} ${build}`.trim(), voice: v, rate, text });
  const parts = partTexts.map((texts, i) => {
    const v = voices[speech.utterances[i]!.target.doc ?? 0]!;
    return texts.map((text) => ({ text, voice: v, key: keyOf(text, v) }));
  });
  const unique = new Map<string, { text: string; voice: string }>();
  parts.flat().forEach((p) => unique.set(p.key, { text: p.text, voice: p.voice }));
  stats.clips = unique.size;

  const samplesOf = new Map<string, number>();
  let sampleRate = 0;
  const checkRate = (r: number) => {
    if (!sampleRate) sampleRate = r;
    else if (r !== sampleRate) throw new LecternError(`engine ${engine.id} returned ${r} Hz audio after ${sampleRate} Hz`, 'tts:rate');
  };
  // A clip whose length came from the cache's index is read and checked before its samples
  // are used (an MP3 segment to encode, a WAV): one found damaged then is made again, like
  // one found damaged above, and the timeline made again with it.
  const found = new Map<string, string>();
  const usable = async (keys: Iterable<string>): Promise<boolean> => {
    const all = [...new Set(keys)];
    const check = all.filter((k) => !cache.verified(k) && !found.has(k));
    const results = await Promise.all(check.map((k) => cache.verify(k)));
    check.forEach((k, i) => {
      const r = results[i]!;
      if (r.kind === 'hit' && r.samples === samplesOf.get(k) && r.sampleRate === sampleRate) return;
      // Damaged, gone, or not what the index said: made again.
      found.set(k, r.kind === 'corrupt' ? r.reason : r.kind === 'miss' ? 'missing' : 'not as indexed');
    });
    return all.every((k) => !found.has(k));
  };
  const todo: { key: string; text: string; voice: string }[] = [];
  // Probed side by side; results are used in order, so warnings keep the narration's order.
  const probes = await Promise.all([...unique.keys()].map((key) => cache.probe(key)));
  let probed = 0;
  for (const [key, { text, voice: v }] of unique) {
    const hit = probes[probed++]!;
    if (hit.kind === 'hit') {
      checkRate(hit.sampleRate);
      samplesOf.set(key, hit.samples);
      stats.cached++;
    } else {
      if (hit.kind === 'corrupt') {
        stats.repaired++;
        ctx.diagnostics.warn(`cache entry ${key.slice(0, 12)} was damaged (${hit.reason}); synthesising it again`, 'cache:corrupt');
        await cache.remove(key);
      }
      todo.push({ key, text, voice: v });
    }
  }
  // Segments of the MP3 whose clips are all made can be encoded while synthesis goes on
  // (on the same threads), so the audio stage finds most of them done. The plan of a
  // prefix of the narration gives the same segments, but for its last, as the whole.
  const mp3Wanted = ctx.stages.includes('read-aloud') || (ctx.stages.includes('audio') && audioFormat(ctx) === 'mp3');
  const preencode = engine.capabilities.workerSafe && mp3Wanted && todo.length > 0;
  const quality = mp3Quality(ctx);
  const store = segmentCache(cache);
  const queued = new Set<string>();
  const encodeQueue: EncodeJob[] = [];
  let prefix = 0;
  let advancing = Promise.resolve();
  // Planning looks at the whole prefix, so a long article plans after every few utterances,
  // not after each (64 plans in all): planning after each of a 20,000-word article's 1,000
  // clips took about 0.5 s of the main thread. A short article plans after every clip.
  const planEvery = Math.max(1, Math.floor(parts.length / 64));
  let planned = 0;
  const advance = () =>
    (advancing = advancing.then(async () => {
      const start = prefix;
      while (prefix < parts.length && parts[prefix]!.every((p) => samplesOf.has(p.key))) prefix++;
      if (!preencode || prefix === start || !sampleRate) return;
      if (prefix < parts.length && prefix - planned < planEvery) return;
      planned = prefix;
      const partial = buildTimeline(
        speech.utterances.slice(0, prefix),
        parts.slice(0, prefix).map((ps) => ps.map((p) => ({ key: p.key, samples: samplesOf.get(p.key)! }))),
        sampleRate,
      );
      const segments = planSegments(partial, quality).slice(0, -1).filter((segment) => !queued.has(segment.key));
      segments.forEach((segment) => queued.add(segment.key));
      const cached = await Promise.all(segments.map((segment) => store.has(segment.key)));
      for (const [i, segment] of segments.entries()) {
        // A segment with a clip found damaged is encoded once the clip is made again (below).
        if (!cached[i] && (await usable(clipsOf(partial, segment)))) encodeQueue.push(encodeJob(partial, segment, quality));
      }
    }));
  await advance();
  // While the threads make the clips, the main thread sweeps the cache and readies the MP3's
  // tagger (it waits otherwise).
  setImmediate(sweep);
  if (todo.length && ctx.stages.includes('audio') && audioFormat(ctx) === 'mp3') setImmediate(warmTagger);
  let done = 0;
  ctx.log.progress('narration', 0, todo.length);
  await synthesizeAll(
    engine,
    todo.map((t) => ({ text: t.text, voice: t.voice, rate })),
    {
      workers,
      pool: engine.capabilities.workerSafe && todo.length ? getPool(todo.length) : undefined,
      side: preencode
        ? {
            take: () => {
              const job = encodeQueue.shift();
              return job && { kind: mp3Task, payload: { job, cacheDir: cache.dir }, done: (data: unknown) => store.write(job.key, data as Uint8Array) };
            },
          }
        : undefined,
      signal: ctx.signal,
      onResult: async (i, clip) => {
        checkRate(clip.sampleRate);
        await cache.write(todo[i]!.key, clip);
        samplesOf.set(todo[i]!.key, clip.samples.length);
        await advance();
        stats.synthesised++;
        ctx.log.progress('narration', ++done, todo.length);
      },
    },
  );
  // The threads stay for the MP3 segments still to encode (their LAME already loaded); in
  // a long-running build (watch) they are kept warm anyway.
  if (!pool && poolsKeptWarm() && engine.capabilities.workerSafe) getPool();
  const missing = [...unique.keys()].filter((k) => !samplesOf.has(k));
  if (missing.length) throw new LecternError(`${missing.length} clip(s) were not made`, 'tts:incomplete');
  if (!sampleRate) sampleRate = 22050;
  const wholeTimeline = () =>
    buildTimeline(
      speech.utterances,
      parts.map((ps) => ps.map((p) => ({ key: p.key, samples: samplesOf.get(p.key)! }))),
      sampleRate,
    );
  let timeline = wholeTimeline();
  // Every clip the outputs will read is checked (see `usable`); those found damaged are made
  // again. Twice at most: a clip made again has the length it had (the same text and voice).
  for (let round = 0; !(await usable(await clipsToRead(ctx, timeline, store, quality))); round++) {
    if (round === 2) throw new LecternError(`${found.size} clip(s) of the cache were damaged again as soon as they were made`, 'cache:unstable');
    const again = [...found].map(([key, reason]) => {
      stats.repaired++;
      stats.cached--;
      ctx.diagnostics.warn(`cache entry ${key.slice(0, 12)} was damaged (${reason}); synthesising it again`, 'cache:corrupt');
      samplesOf.delete(key);
      return { key, ...unique.get(key)! };
    });
    found.clear();
    await Promise.all(again.map((t) => cache.remove(t.key)));
    await synthesizeAll(
      engine,
      again.map((t) => ({ text: t.text, voice: t.voice, rate })),
      {
        workers,
        pool: engine.capabilities.workerSafe ? getPool(again.length) : undefined,
        signal: ctx.signal,
        onResult: async (i, clip) => {
          checkRate(clip.sampleRate);
          await cache.write(again[i]!.key, clip);
          samplesOf.set(again[i]!.key, clip.samples.length);
          stats.synthesised++;
        },
      },
    );
    timeline = wholeTimeline();
  }
  // What this build learned of the clips' lengths, for the next build's lookup (above). The
  // build's end waits for it.
  if (!tempCache) {
    const indexing = cache.saveIndex();
    ctx.defer(() => indexing);
  }
  const threads = pool;
  const warmUp = async () => {
    if (!threads || threads.workers.closed || !poolsKeptWarm()) return;
    const sample = [...unique.values()].slice(0, 4);
    const jobs: Promise<unknown>[] = [];
    // Every thread takes some: two tasks each at a time, idle threads first (workers/pool.ts).
    for (let i = 0; i < threads.workers.size; i++) {
      for (const { text, voice: v } of sample) jobs.push(threads.workers.run(threads.task, { op: 'synth', text, voice: v, rate }));
      if (mp3Wanted) jobs.push(threads.workers.run(mp3Task, { warm: quality }));
    }
    // A warm-up that fails changes nothing: the next build meets the same problem and says so.
    await Promise.allSettled(jobs);
  };
  return { engine: engine.id, engineVersion, voice, voices: [...new Set(voices)], rate, timeline, cache, stats, ...(threads ? { threads: threads.workers } : {}), releaseThreads: async () => threads?.close(), warmUp };
}
