import path from 'node:path';
import type { Stage } from '../pipeline/stage.js';
import { speechScript, type Utterance } from '../speech/script.js';
import { EMPTY_LEXICON, loadLexicons, type Lexicon } from '../speech/lexicon.js';
import { universal } from '../speech/normalise/index.js';
import { isDigest } from './edition.js';
import { readCacheFile, sweepCacheTemporaries, writeCacheFile } from '../util/cache-file.js';
import { codeId } from '../util/code-id.js';
import { wordListVersion } from '../speech/normalise/words.js';
import { createHash } from 'node:crypto';

export type { SpeechOptions } from './options.js';

declare module '../pipeline/stage.js' {
  interface Artifacts {
    speech?: { utterances: Utterance[]; lexicon: Lexicon };
  }
}

/** One utterance per line, exactly as the engine gets it. */
export function scriptText(utterances: readonly Utterance[]): string {
  return utterances.map((u) => u.speech).join('\n') + '\n';
}

/**
 * The speech script: what the narration says, in order, after normalisation and the
 * lexicon. Writes `<name>.speech.txt` beside the audio so it can be read before listening.
 */
export function speechStage(): Stage {
  return {
    name: 'speech',
    description: 'the narration script (<name>.speech.txt): what will be said, in order',
    async run(ctx) {
      const opts = ctx.options.stageOptions.speech;
      const lexicon = opts.lexicons.length ? await loadLexicons(opts.lexicons.map((f) => path.resolve(f))) : EMPTY_LEXICON;
      // The narration's engine (the options give it once), for its phoneme syntax.
      const engine = await ctx.registry.loadEngine(ctx.options.stageOptions.narration.engine);
      const phonemes = engine.capabilities.phonemeAlphabet && engine.wrapPhoneme ? { alphabet: engine.capabilities.phonemeAlphabet, wrap: engine.wrapPhoneme } : undefined;
      await ctx.registry.loadNormalisers(ctx.articles.map((a) => a.lang));
      const memos = new Map<string, SpeechMemo>();
      const normaliserFor = (lang: string) => {
        const own = ctx.registry.normaliserFor(lang, universal);
        const memo = memos.get(lang);
        return memo ? { normalise: (text: string) => memo.normalise(text, own) } : own;
      };
      // What an interrupted memo write left (see SpeechMemo); the build's end waits for it.
      if (ctx.options.cacheDir) {
        const sweeping = sweepCacheTemporaries(path.join(ctx.options.cacheDir, 'speech'), 0).catch(() => 0);
        ctx.defer(() => sweeping.then(() => {}));
      }
      // Each language's memo of normalised sentences, when lectern's own rules make them.
      for (const lang of new Set(ctx.articles.map((a) => a.lang))) {
        const memo = ctx.registry.isBuiltinNormaliser(lang) ? await SpeechMemo.open(ctx.options.cacheDir, lang, (reason) => ctx.diagnostics.warn(`cached speech for "${lang}" was damaged (${reason}); normalising again`, 'cache:corrupt')) : undefined;
        if (memo) memos.set(lang, memo);
      }
      const scriptOptions = { readPullquotes: opts.readPullquotes, lexicon, phonemes, normaliserFor };
      const utterances = isDigest(ctx)
        ? // A digest: each article in turn, one chapter each, ids prefixed so they stay unique.
          ctx.articles.flatMap((article, doc) =>
            speechScript(article, scriptOptions).map(({ chapter: _chapter, ...u }, i) => ({
              ...u,
              id: `a${doc + 1}-${u.id}`,
              target: { ...u.target, doc },
              ...(i === 0 ? { chapter: article.headline } : {}),
            })),
          )
        : speechScript(ctx.article, scriptOptions);
      for (const e of lexicon.entries) {
        if (!e.alias && e.phoneme && e.phoneme.alphabet !== phonemes?.alphabet)
          ctx.diagnostics.warn(`lexicon entry "${e.grapheme}" has only ${e.phoneme.alphabet} phonemes, which the ${engine.id} engine cannot take; add an <alias>`, 'lexicon:phoneme');
      }
      // Kept for the next build; the build's end waits for it.
      const saving = Promise.all([...memos.values()].map((m) => m.save()));
      ctx.defer(() => saving.then(() => {}));
      ctx.artifacts.speech = { utterances, lexicon };
      await ctx.output.write(`${ctx.options.baseName}.speech.txt`, scriptText(utterances));
    },
  };
}

/** Sentences kept in a memo (about 2 MB): past that, those not said in the last build go first. */
const MEMO_MAX_ENTRIES = 20_000;

/**
 * What lectern's own normaliser made of each sentence, kept in the cache
 * (`speech/<code>-<lang>.said`, a checked cache file) for the next build: normalising an
 * article's sentences is most of the speech script's time in a new process (the sample:
 * about 45 of 60 ms, the rules' code running cold), and a rebuild after an edit finds all
 * but the edited sentences here. Normalisers are pure (the same text and tag give the same
 * result), and the memo is kept per language tag, per build of lectern's code (`codeId`),
 * per version of the word list and per Unicode version of Node: another lectern, another
 * word list or Node, or a plugin's normaliser, never reads it. The lexicon is
 * applied afterwards, as without it.
 */
class SpeechMemo {
  private readonly used = new Map<string, string>();
  private added = 0;
  private constructor(
    private readonly file: string,
    private readonly known: Map<string, string>,
  ) {}

  static async open(cacheDir: string | false, lang: string, onDamaged: (reason: string) => void): Promise<SpeechMemo | undefined> {
    const code = codeId();
    if (!cacheDir || !code) return undefined;
    // Besides lectern's code, the rules read the word list (all-caps words: a word or
    // letters?) and Node's Unicode tables (letter classes, case): another of either is
    // another memo.
    const key = createHash('sha256').update([code, wordListVersion(), process.versions.unicode ?? '', process.versions.icu ?? ''].join('\0')).digest('hex');
    const file = path.join(cacheDir, 'speech', `${key.slice(0, 16)}-${lang.toLowerCase().replace(/[^a-z0-9-]/g, '_')}.said`);
    const read = await readCacheFile(file);
    const known = new Map<string, string>();
    if (read.kind === 'corrupt') onDamaged(read.reason);
    if (read.kind === 'hit') {
      try {
        const pairs: unknown = JSON.parse(read.data.toString('utf8'));
        if (!Array.isArray(pairs) || !pairs.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string')) throw new Error('not sentence pairs');
        for (const [text, said] of pairs as [string, string][]) known.set(text, said);
      } catch {
        onDamaged('not a list of sentences');
      }
    }
    return new SpeechMemo(file, known);
  }

  normalise(text: string, own: { normalise(text: string): string }): string {
    let said = this.used.get(text) ?? this.known.get(text);
    if (said === undefined) {
      said = own.normalise(text);
      this.added++;
    }
    this.used.set(text, said);
    return said;
  }

  /** Writes the memo again when this build normalised a sentence it lacked: this build's sentences, then the others it kept. */
  async save(): Promise<void> {
    if (!this.added) return;
    const pairs = [...this.used];
    for (const [text, said] of this.known) {
      if (pairs.length >= MEMO_MAX_ENTRIES) break;
      if (!this.used.has(text)) pairs.push([text, said]);
    }
    // A cache that cannot be written (a full disk) costs only the next build's time.
    await writeCacheFile(this.file, Buffer.from(JSON.stringify(pairs))).catch(() => {});
  }
}
