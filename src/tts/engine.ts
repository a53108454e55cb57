/**
 * The one interface every text-to-speech engine implements. Engines live in the registry
 * (`registry.ts`) and load lazily, so an engine's heavy dependency costs nothing until a
 * build uses it.
 */

export interface Voice {
  /** What `--voice` takes. */
  id: string;
  name: string;
  /** BCP 47 tags the voice speaks, best first. */
  languages: string[];
  /** For languages the voice speaks as an alternative: the engine's rank (lower is preferred). */
  priorities?: Record<string, number>;
}

export interface EngineCapabilities {
  /** Accepts SSML markup. */
  ssml: boolean;
  /** Reports word timings (lectern times sentences itself, so this is informational). */
  wordTimings: boolean;
  /** Phoneme alphabet accepted inline, for PLS lexicon phonemes. */
  phonemeAlphabet?: string;
  /** Can run inside worker threads (in-process engines); otherwise it runs on the main thread. */
  workerSafe: boolean;
}

export interface SynthesisRequest {
  text: string;
  voice: string;
  /** Words per minute. */
  rate: number;
}

export interface Synthesis {
  /** Mono 16-bit PCM. */
  samples: Int16Array;
  sampleRate: number;
}

export interface TtsEngine {
  readonly id: string;
  readonly description: string;
  readonly capabilities: EngineCapabilities;
  /** Engine and voice data version: part of every cache key. */
  version(): Promise<string>;
  /**
   * A cheap identity of the installed engine (no synthesis needed), when it has one: lets
   * lectern keep `version()` and `voices()` on disk instead of starting the engine to ask.
   */
  identity?(): string;
  voices(): Promise<Voice[]>;
  /** The best voice for a language, or undefined when the engine has none. */
  voiceFor(lang: string): Promise<string | undefined>;
  /** Inline phoneme markup for the lexicon, when `capabilities.phonemeAlphabet` is set. */
  wrapPhoneme?(phonemes: string): string;
  synthesize(req: SynthesisRequest): Promise<Synthesis>;
  /**
   * The engine a build uses instead, with a warning, when this one cannot run here or has no
   * voice for the article's language and none was asked for (the neural engine falls back to eSpeak NG).
   */
  readonly fallback?: string;
  /**
   * Loads what synthesis needs, ahead of the first request: a synthesis thread calls it as
   * it starts, so every thread gets ready at once rather than on its first clip.
   */
  prepare?(): Promise<void>;
}

/**
 * Picks a voice for `lang` from a list: the exact tag; for a bare language, the voice the
 * engine ranks first for it ("en" -> en-gb in eSpeak); then the primary language; then
 * any variant.
 */
export function pickVoice(voices: readonly Voice[], lang: string): string | undefined {
  const want = lang.toLowerCase();
  const primary = want.split('-')[0]!;
  if (!want.includes('-')) {
    const ranked = voices
      .filter((v) => v.priorities?.[want] !== undefined)
      .sort((a, b) => a.priorities![want]! - b.priorities![want]!);
    if (ranked[0]) return ranked[0].id;
  }
  const exact = voices.find((v) => v.languages.some((l) => l.toLowerCase() === want));
  if (exact) return exact.id;
  const byPrimary = voices.find((v) => v.languages.some((l) => l.toLowerCase() === primary));
  if (byPrimary) return byPrimary.id;
  return voices.find((v) => v.languages.some((l) => l.toLowerCase().split('-')[0] === primary))?.id;
}
