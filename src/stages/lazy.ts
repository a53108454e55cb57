/**
 * The built-in stage factories as the library exports them: each stage's module loads
 * when the stage first runs, so `import 'lectern'` stays fast.
 */
import type { Stage } from '../pipeline/stage.js';
import type { EpubStageOptions } from './epub.js';
import { lazyStage } from './index.js';

export const epubStage = (options: EpubStageOptions = {}): Stage => lazyStage('epub', async () => (await import('./epub.js')).epubStage(options));
export const coverStage = (): Stage => lazyStage('cover', async () => (await import('./cover.js')).coverStage());
export const imagesStage = (): Stage => lazyStage('images', async () => (await import('./images.js')).imagesStage());
export const speechStage = (): Stage => lazyStage('speech', async () => (await import('./speech.js')).speechStage());
export const narrationStage = (): Stage => lazyStage('narration', async () => (await import('./narration.js')).narrationStage());
export const audioStage = (): Stage => lazyStage('audio', async () => (await import('./audio.js')).audioStage());
export const transcriptStage = (): Stage => lazyStage('transcript', async () => (await import('./transcript.js')).transcriptStage());
export const readAloudStage = (): Stage => lazyStage('read-aloud', async () => (await import('./read-aloud.js')).readAloudStage());
export const webStage = (): Stage => lazyStage('web', async () => (await import('./web.js')).webStage());
