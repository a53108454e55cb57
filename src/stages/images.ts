import { createHash } from 'node:crypto';
import { LecternError } from '../article/diagnostics.js';
import type { Stage } from '../pipeline/stage.js';
import { loadImage } from '../images/source.js';
import type { Position } from '../article/model.js';
import { normaliseImage, ImageRefused, MAX_INPUT_PIXELS, type NormalisedImage } from '../images/normalise.js';

const isRemote = (ref: string) => /^(?:https?:)?\/\//i.test(ref);

export interface BookImage extends NormalisedImage {
  /** Path inside the book, e.g. `images/fig-1a2b3c4d.jpg`. */
  href: string;
}

declare module '../pipeline/stage.js' {
  interface Artifacts {
    /** Normalised figure images by `<article index>:<block id>` (figures whose image is missing are absent); figures with identical image files share one entry (same `href`). */
    images?: Map<string, BookImage>;
  }
}

/**
 * Loads every figure's image and normalises it with sharp. A missing file, and a remote
 * image without `--allow-remote`, is a warning (the figure keeps its alt text, caption and
 * credit, without an image; the remote ones are counted in one warning per article); a
 * corrupt image, an image over the pixel limit or a path outside the article's folder
 * fails the build.
 */
export function imagesStage(): Stage {
  return {
    name: 'images',
    description: 'figure images, auto-oriented, resized and stripped of metadata (sharp)',
    async run(ctx) {
      const images = new Map<string, BookImage>();
      // Identical image files (one logo, a figure repeated) are decoded and stored once:
      // every figure showing them points at the same file in the book.
      const seen = new Map<string, BookImage>();
      for (const [index, article] of ctx.articles.entries()) {
      const source = ctx.options.sources[index] ?? { file: ctx.options.articleFile, dir: ctx.options.articleDir };
      // A page the user fetched by its URL brings its images from the same web.
      const allowRemote = ctx.options.allowRemote || /^https?:\/\//i.test(source.file);
      const src = { articleDir: source.dir, articleFile: source.file, allowRemote, signal: ctx.signal };
      const remote: { url: string; position?: Position }[] = [];
      for (const block of article.blocks) {
        if (block.type !== 'figure') continue;
        if (!block.image) {
          ctx.diagnostics.warn('figure has no image file; the book keeps its caption and credit', 'image:none', block.position);
          continue;
        }
        if (!allowRemote && isRemote(block.image)) {
          remote.push({ url: block.image, position: block.position });
          continue;
        }
        const loaded = await loadImage(block.image, src, block.position);
        if (loaded.kind === 'missing') {
          ctx.diagnostics.warn(`${loaded.reason}; the figure keeps its caption and credit without the image`, 'image:missing', block.position);
          continue;
        }
        const sum = createHash('sha256').update(loaded.data).digest('hex');
        const same = seen.get(sum);
        if (same) {
          images.set(`${index}:${block.id}`, same);
          continue;
        }
        let img: NormalisedImage;
        try {
          img = await normaliseImage(loaded.data, ctx.options.cacheDir, (reason) => ctx.diagnostics.warn(reason, 'cache:corrupt'));
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          const reason = e instanceof ImageRefused ? msg : /pixel limit/i.test(msg) ? `declares more than ${MAX_INPUT_PIXELS} pixels` : `is not a readable image (${msg.split('\n')[0]})`;
          throw new LecternError(`image ${block.image} ${reason}`, 'image:corrupt', { file: source.file, ...block.position });
        }
        // In a digest, images of different articles live side by side: prefix them.
        const name = ctx.articles.length > 1 ? `a${index + 1}-${block.id}` : block.id;
        const shown = { ...img, href: `images/${name}.${img.ext}` };
        seen.set(sum, shown);
        images.set(`${index}:${block.id}`, shown);
      }
      if (remote.length) {
        // One warning per article, not one per image: a saved page often has dozens.
        const first = remote[0]!;
        const which = remote.length === 1 ? `image ${first.url} is remote` : `${remote.length} images are remote (the first: ${first.url})`;
        const prefix = ctx.articles.length > 1 ? `${source.file}: ` : '';
        ctx.diagnostics.warn(
          `${prefix}${which}; left out, ${remote.length === 1 ? 'the figure keeps its' : 'the figures keep their'} alt text, caption and credit (pass --allow-remote to fetch ${remote.length === 1 ? 'it' : 'them'})`,
          'image:remote',
          first.position,
        );
      }
      }
      ctx.artifacts.images = images;
    },
  };
}
