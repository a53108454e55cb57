/**
 * The built-in stages, by name. Each entry is a factory so a stage's heavy dependencies
 * load only when a build uses it.
 */
import type { Stage } from '../pipeline/stage.js';
import { jsonStage } from './json.js';

export interface StageEntry {
  description: string;
  /** Part of a build when no `--stages` is given. */
  default: boolean;
  create(): Promise<Stage>;
}

export const builtinStages: Record<string, StageEntry> = {
  epub: { description: 'the accessible EPUB 3 book', default: true, create: async () => (await import('./epub.js')).epubStage() },
  cover: { description: 'the cover, drawn from templates/cover.svg or your own image', default: false, create: async () => (await import('./cover.js')).coverStage() },
  images: { description: 'figure images, normalised with sharp', default: false, create: async () => (await import('./images.js')).imagesStage() },
  json: { description: 'the normalised article model as JSON', default: false, create: async () => jsonStage() },
};

export async function createStages(names: readonly string[]): Promise<Stage[]> {
  return Promise.all(names.map((n) => builtinStages[n]!.create()));
}

export function defaultStageNames(): string[] {
  return Object.entries(builtinStages).filter(([, e]) => e.default).map(([n]) => n);
}
