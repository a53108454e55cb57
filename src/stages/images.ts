import { LecternError } from '../article/diagnostics.js';
import type { Stage } from '../pipeline/stage.js';
import { loadImage } from '../images/source.js';
import { normaliseImage, MAX_INPUT_PIXELS, type NormalisedImage } from '../images/normalise.js';

export interface BookImage extends NormalisedImage {
  /** Path inside the book, e.g. `images/fig-1a2b3c4d.jpg`. */
  href: string;
}

declare module '../pipeline/stage.js' {
  interface Artifacts {
    /** Normalised figure images by `<article index>:<block id>` (figures whose image is missing are absent). */
    images?: Map<string, BookImage>;
  }
}

/**
 * Loads every figure's image and normalises it with sharp. A missing file is a warning
 * (the figure keeps its caption and credit, without an image); a corrupt image, an image
 * over the pixel limit, a path outside the article's folder or a remote image without
 * permission fail the build.
 */
export function imagesStage(): Stage {
  return {
    name: 'images',
    description: 'figure images, auto-oriented, resized and stripped of metadata (sharp)',
    async run(ctx) {
      const images = new Map<string, BookImage>();
      for (const [index, article] of ctx.articles.entries()) {
      const source = ctx.options.sources[index] ?? { file: ctx.options.articleFile, dir: ctx.options.articleDir };
      const src = { articleDir: source.dir, articleFile: source.file, allowRemote: ctx.options.allowRemote, signal: ctx.signal };
      for (const block of article.blocks) {
        if (block.type !== 'figure') continue;
        if (!block.image) {
          ctx.diagnostics.warn('figure has no image file; the book keeps its caption and credit', 'image:none', block.position);
          continue;
        }
        const loaded = await loadImage(block.image, src, block.position);
        if (loaded.kind === 'missing') {
          ctx.diagnostics.warn(`${loaded.reason}; the figure keeps its caption and credit without the image`, 'image:missing', block.position);
          continue;
        }
        let img: NormalisedImage;
        try {
          img = await normaliseImage(loaded.data);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          const reason = /pixel limit/i.test(msg) ? `declares more than ${MAX_INPUT_PIXELS} pixels` : `is not a readable image (${msg.split('\n')[0]})`;
          throw new LecternError(`image ${block.image} ${reason}`, 'image:corrupt', { file: source.file, ...block.position });
        }
        // In a digest, images of different articles live side by side: prefix them.
        const name = ctx.articles.length > 1 ? `a${index + 1}-${block.id}` : block.id;
        images.set(`${index}:${block.id}`, { ...img, href: `images/${name}.${img.ext}` });
      }
      }
      ctx.artifacts.images = images;
    },
  };
}
