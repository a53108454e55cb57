/**
 * The built-in stages' options, declared as schemas: each is parsed once, at the boundary
 * (the CLI, the config file, `build()`), so a stage receives its options typed and with
 * every default filled in, and a wrong value is a one-line error naming the option
 * (`stageOptions.audio.format: expected one of mp3, wav, m4b (got "ogg")`).
 *
 * Engine, voice and rate belong to the narration; the speech script uses the same engine
 * (for its phoneme syntax), so the engine is given once.
 */
import { z } from 'zod';
import { DEFAULT_MP3_QUALITY } from '../audio/quality.js';

export const AUDIO_FORMATS = ['mp3', 'wav', 'm4b'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

export const DEFAULT_ENGINE = 'espeak';
export const DEFAULT_RATE = 175;
/** LAME's quality default (src/audio/quality.ts). */
export { DEFAULT_MP3_QUALITY };

export const speechOptions = z.strictObject({
  /** The engine whose phoneme syntax the lexicon may use: always the narration's (give it as `narration.engine`). */
  engine: z.string().min(1).optional(),
  /** Read pull quotes too (they repeat body text). Default: `false`. */
  readPullquotes: z.boolean().default(false),
  /** PLS lexicon and/or JSON alias files. Default: none. */
  lexicons: z.array(z.string().min(1)).default([]),
});

export const narrationOptions = z.strictObject({
  /** Engine id (see `lectern voices`). Default: `espeak`. */
  engine: z.string().min(1).default(DEFAULT_ENGINE),
  /** Voice id. Default: the engine's voice for each article's language. */
  voice: z.string().min(1).optional(),
  /** Words per minute, 80 to 500. Default: 175. */
  rate: z.number().min(80).max(500).default(DEFAULT_RATE),
  /** Synthesis threads. Default: one per core. */
  workers: z.number().int().min(1).max(1024).optional(),
});

export const audioOptions = z.strictObject({
  /** Output format. Default: `mp3`. M4B needs ffmpeg on PATH. */
  format: z.enum(AUDIO_FORMATS).default('mp3'),
  /**
   * LAME's quality for the MP3 (and the read-aloud book's audio), 0 (best, slowest) to 9
   * (fastest); LAME's own default is 3; 8 and 9 encode as 7. Default: 5 (see README, "MP3 quality").
   */
  mp3Quality: z.number().int().min(0).max(9).default(DEFAULT_MP3_QUALITY),
});

export const transcriptOptions = z.strictObject({
  /** Also write SubRip (`.srt`). Default: `false`. */
  srt: z.boolean().default(false),
});

export const epubOptions = z
  .strictObject({
    /** `dcterms:conformsTo` claim, only if you have checked it. Default: none. */
    conformsTo: z.string().min(1).optional(),
    /** `a11y:certifiedBy`, who checked the claim. Default: none. */
    certifiedBy: z.string().min(1).optional(),
  })
  .refine((o) => !o.certifiedBy || o.conformsTo, { message: 'needs conformsTo (the claim being certified)', path: ['certifiedBy'] });

export const coverOptions = z.strictObject({
  /** Your own cover image instead of the drawn one. Default: the article's, else drawn. */
  image: z.string().min(1).optional(),
});

export type SpeechOptions = z.output<typeof speechOptions>;
export type NarrationOptions = z.output<typeof narrationOptions>;
export type AudioOptions = z.output<typeof audioOptions>;
export type TranscriptOptions = z.output<typeof transcriptOptions>;
export type EpubOptions = z.output<typeof epubOptions>;
export type CoverOptions = z.output<typeof coverOptions>;
