import path from 'node:path';
import type { Stage } from '../pipeline/stage.js';
import { speechScript, type Utterance } from '../speech/script.js';
import { EMPTY_LEXICON, loadLexicons, type Lexicon } from '../speech/lexicon.js';
import { universal } from '../speech/normalise/index.js';
import { isDigest } from './edition.js';

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
      const normaliserFor = (lang: string) => ctx.registry.normaliserFor(lang, universal);
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
      ctx.artifacts.speech = { utterances, lexicon };
      await ctx.output.write(`${ctx.options.baseName}.speech.txt`, scriptText(utterances));
    },
  };
}
