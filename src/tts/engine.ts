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
  voices(): Promise<Voice[]>;
  /** The best voice for a language, or undefined when the engine has none. */
  voiceFor(lang: string): Promise<string | undefined>;
  /** Inline phoneme markup for the lexicon, when `capabilities.phonemeAlphabet` is set. */
  wrapPhoneme?(phonemes: string): string;
  synthesize(req: SynthesisRequest): Promise<Synthesis>;
}

/** Picks a voice for `lang` from a list: exact tag, then the primary language, then any variant. */
export function pickVoice(voices: readonly Voice[], lang: string): string | undefined {
  const want = lang.toLowerCase();
  const primary = want.split('-')[0]!;
  const exact = voices.find((v) => v.languages.some((l) => l.toLowerCase() === want));
  if (exact) return exact.id;
  const byPrimary = voices.find((v) => v.languages.some((l) => l.toLowerCase() === primary));
  if (byPrimary) return byPrimary.id;
  return voices.find((v) => v.languages.some((l) => l.toLowerCase().split('-')[0] === primary))?.id;
}
