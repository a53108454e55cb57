/**
 * The built-in stages, by name. Each entry is a factory so a stage's heavy dependencies
 * load only when a build uses it.
 */
import type { Stage } from '../pipeline/stage.js';
import { jsonStage } from './json.js';
import { audioOptions, coverOptions, epubOptions, narrationOptions, speechOptions, transcriptOptions } from './options.js';
import type { ZodType } from 'zod';

export interface StageEntry {
  description: string;
  /** Part of a build when no `--stages` is given. */
  default: boolean;
  /** The stage's `needs` and `after`, known without loading it (test/plugins.test.ts checks they match). */
  needs?: readonly string[];
  after?: readonly string[];
  /** `book` (the default here): the stage handles a digest's articles itself; `article`: run once per article. */
  scope?: 'article' | 'book';
  /** Its options schema (src/stages/options.ts). */
  options?: ZodType<Record<string, unknown>>;
  create(): Promise<Stage>;
}

export const builtinStages: Record<string, StageEntry> = {
  epub: { description: 'the accessible EPUB 3 book', default: true, options: epubOptions, needs: ['cover', 'images'], after: ['read-aloud'], create: async () => (await import('./epub.js')).epubStage() },
  cover: { description: 'the cover, drawn from templates/cover.svg or your own image', default: false, options: coverOptions, create: async () => (await import('./cover.js')).coverStage() },
  images: { description: 'figure images, normalised with sharp', default: false, create: async () => (await import('./images.js')).imagesStage() },
  json: { description: 'the normalised article model as JSON (in a digest, one per article)', default: false, scope: 'article', create: async () => jsonStage() },
  speech: { description: 'the narration script (<name>.speech.txt): what will be said', default: false, options: speechOptions, create: async () => (await import('./speech.js')).speechStage() },
  narration: { description: 'speech synthesis in parallel, with a resumable clip cache', default: false, options: narrationOptions, needs: ['speech'], create: async () => (await import('./narration.js')).narrationStage() },
  audio: { description: 'the narration as MP3 with chapters and cover (or WAV, M4B)', default: true, options: audioOptions, needs: ['narration', 'cover'], create: async () => (await import('./audio.js')).audioStage() },
  'read-aloud': { description: 'the narration inside the EPUB as Media Overlays (sentence highlighting)', default: true, needs: ['narration', 'audio'], create: async () => (await import('./read-aloud.js')).readAloudStage() },
  // Default: the narration it needs is already part of a default build, and the page then
  // costs only copying what is made (the MP3, the images); a browser is what most listeners have.
  web: { description: 'the web edition (<name>.web/): the article and its narration, read along in a browser', default: true, needs: ['narration', 'audio', 'cover', 'images'], create: async () => (await import('./web.js')).webStage() },
  transcript: { description: 'the WebVTT transcript, one cue per sentence (SRT on request)', default: true, options: transcriptOptions, needs: ['narration'], create: async () => (await import('./transcript.js')).transcriptStage() },
};

export async function createStages(names: readonly string[]): Promise<Stage[]> {
  return Promise.all(names.map((n) => builtinStages[n]!.create()));
}

export function defaultStageNames(): string[] {
  return Object.entries(builtinStages).filter(([, e]) => e.default).map(([n]) => n);
}

/**
 * A built-in stage whose module loads when it first runs: what `import { epubStage } from
 * 'lectern'` gives, so importing the library loads no stage's dependencies.
 */
export function lazyStage(name: string, load: () => Promise<Stage>): Stage {
  const entry = builtinStages[name]!;
  let stage: Promise<Stage> | undefined;
  return {
    name,
    description: entry.description,
    scope: entry.scope ?? 'book',
    ...(entry.needs ? { needs: [...entry.needs] } : {}),
    ...(entry.after ? { after: [...entry.after] } : {}),
    run: async (ctx) => (await (stage ??= load())).run(ctx),
  };
}
