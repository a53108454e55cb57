import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { digest } from '../util/hash.js';
import { editionFront, isDigest } from './edition.js';
import { projectFile } from '../util/paths.js';
import { LecternError } from '../article/diagnostics.js';
import type { Article } from '../article/model.js';
import type { Stage } from '../pipeline/stage.js';
import { loadImage, readImageFile, MAX_IMAGE_BYTES } from '../images/source.js';
import { readCacheFile, sweepCacheTemporaries, writeCacheFile } from '../util/cache-file.js';
import { loadSharp, MAX_INPUT_PIXELS, sharpVersion, svgOptions } from '../images/normalise.js';
import { escapeXml } from '../util/xml.js';

export interface CoverImage {
  data: Buffer;
  mediaType: 'image/jpeg';
  /** Alt text for the cover in the book and the audio's picture description. */
  alt: string;
  /** True when lectern drew it; false for the user's own image. */
  generated: boolean;
}

declare module '../pipeline/stage.js' {
  interface Artifacts {
    cover?: CoverImage;
  }
}

export const COVER_WIDTH = 1600;
/** Plain JPEG with optimised Huffman tables: a fifth of mozjpeg's time, a few KB larger. */
const COVER_JPEG = { quality: 85, optimiseCoding: true } as const;
export const COVER_HEIGHT = 2560;
const TEMPLATE = projectFile('templates', 'cover.svg');
const TEXT_WIDTH = 1360;
/** DejaVu Serif Bold's average advance is about 0.6 em; 0.62 keeps long words inside the margin. */
const EM_PER_CHAR = 0.62;

/** Splits text into lines of at most `max` characters, breaking at spaces (or inside an over-long word). */
export function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > max) {
      if (line) lines.push(line), (line = '');
      lines.push(word.slice(0, max - 1) + '-');
      word = word.slice(max - 1);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= max) line += ' ' + word;
    else lines.push(line), (line = word);
  }
  if (line) lines.push(line);
  return lines;
}

/** The largest headline size at which the headline fits the cover's text block. */
export function fitHeadline(headline: string): { size: number; lines: string[] } {
  const maxHeight = 1500;
  for (let size = 150; size >= 56; size -= 4) {
    const perLine = Math.floor(TEXT_WIDTH / (size * EM_PER_CHAR));
    const lines = wrap(headline, perLine);
    if (lines.length * size * 1.18 <= maxHeight) return { size, lines };
  }
  // Past that the headline is a paragraph: show what fits and end with an ellipsis.
  const size = 56;
  const lines = wrap(headline, Math.floor(TEXT_WIDTH / (size * EM_PER_CHAR))).slice(0, Math.floor(maxHeight / (size * 1.18)));
  lines[lines.length - 1] = lines[lines.length - 1]!.replace(/\s*\S*$/, '') + ' …';
  return { size, lines };
}

/** Draws the cover; with a cache folder, a cover already drawn from the same SVG is reused. */
export async function drawCover(article: Article, cacheRoot: string | false = false, onDamaged?: (reason: string) => void): Promise<Buffer> {
  const template = await readFile(TEMPLATE, 'utf8');
  const { size, lines } = fitHeadline(article.headline);
  const top = 480 + size;
  const lineHeight = Math.round(size * 1.18);
  const tspans = lines.map((l, i) => `<tspan x="120" y="${top + i * lineHeight}">${escapeXml(l)}</tspan>`).join('');
  const ruleY = top + (lines.length - 1) * lineHeight + 110;
  const authors = article.byline.authors.join(', ');
  const byline = [authors && `By ${authors}`, article.byline.location].filter(Boolean).join(', ');
  const fields: Record<string, string> = {
    accent: '#9e2a2b',
    kicker: escapeXml((article.kicker ?? '').toUpperCase()),
    headlineSize: String(size),
    headlineLines: tspans,
    ruleY: String(ruleY),
    bylineY: String(ruleY + 120),
    byline: escapeXml(wrap(byline, 40)[0] ?? ''),
    datelineY: String(ruleY + 200),
    dateline: escapeXml(article.byline.dateline ?? article.byline.published ?? ''),
    publisher: escapeXml(article.source.publisher ?? ''),
  };
  const svg = template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => fields[k] ?? '');
  // The key covers everything that shapes the bytes: the drawing, libvips and the JPEG settings.
  // sharp's version stands for its libvips (each release pins one), so a cached cover needs no sharp loaded.
  const cached = cacheRoot ? path.join(cacheRoot, 'covers', `${digest(JSON.stringify([svg, `sharp@${sharpVersion()}`, COVER_JPEG]), 32)}.cover`) : undefined;
  if (cached) {
    await sweepCacheTemporaries(path.dirname(cached), 0);
    // Checked whole (a checksum of every byte): a truncated or damaged cover is drawn again.
    const hit = await readCacheFile(cached);
    if (hit.kind === 'hit') return hit.data;
    if (hit.kind === 'corrupt') onDamaged?.(`cached cover ${path.basename(cached, '.cover').slice(0, 12)} was damaged (${hit.reason}); drawing it again`);
  }
  const sharp = await loadSharp();
  // The template is drawn at its own size, COVER_WIDTH×COVER_HEIGHT at 72 dpi: no resize
  // step. librsvg draws RGBA; the background is opaque, so dropping alpha before encoding
  // gives the same JPEG without libvips flattening 4 channels (a fifth of the drawing's CPU).
  const jpeg = await sharp(Buffer.from(svg), { density: 72 }).removeAlpha().jpeg(COVER_JPEG).toBuffer();
  if (cached) {
    // A cache that cannot be written (a full disk) costs only the next build's time.
    await writeCacheFile(cached, jpeg).catch(() => {});
  }
  return jpeg;
}

/** The `--cover` file, with the limits of any image: a regular file, at most 32 MiB. */
async function readCoverFile(file: string): Promise<{ kind: 'data'; data: Buffer }> {
  const read = await readImageFile(file);
  if (read.kind === 'data') return read;
  const reason =
    read.kind === 'unreadable' ? 'not found' : read.kind === 'not-file' ? `is ${read.what}, not an image file` : `is ${read.atLeast ? 'more than ' + MAX_IMAGE_BYTES : read.size} bytes, over the ${MAX_IMAGE_BYTES}-byte limit`;
  throw new LecternError(`cover image ${file} ${reason}`, read.kind === 'unreadable' ? 'cover:missing' : 'cover:invalid', { file });
}

/** Alt text for the generated cover: what it shows, in words. */
export function coverAlt(article: Article): string {
  const by = article.byline.authors.length ? ` by ${article.byline.authors.join(', ')}` : '';
  return `Cover: ${article.kicker ? article.kicker + ': ' : ''}${article.headline}${by}${article.source.publisher ? `, ${article.source.publisher}` : ''}`;
}

/**
 * Draws the cover from `templates/cover.svg` (1600×2560 JPEG), or takes the user's own
 * image (`cover:` in front matter, or `--cover`), normalised to JPEG.
 */
export function coverStage(): Stage {
  return {
    name: 'cover',
    description: 'the cover: drawn from templates/cover.svg, or your own image',
    async run(ctx) {
      // A digest's cover is drawn (or given with --cover), never the first article's own.
      const own = (ctx.options.stageOptions.cover.image) ?? (isDigest(ctx) ? undefined : ctx.article.cover?.image);
      if (own) {
        const fromCli = ctx.options.stageOptions.cover.image !== undefined;
        const loaded = fromCli
          ? await readCoverFile(own)
          : await loadImage(own, { articleDir: ctx.options.articleDir, articleFile: ctx.options.articleFile, allowRemote: ctx.options.allowRemote, signal: ctx.signal });
        if (loaded.kind === 'missing') throw new LecternError(`cover ${loaded.reason}`, 'cover:missing', { file: ctx.options.articleFile });
        let data: Buffer;
        try {
          const sharp = await loadSharp();
          data = await sharp(loaded.data, { limitInputPixels: MAX_INPUT_PIXELS, ...(await svgOptions(loaded.data)) }).rotate().resize({ width: COVER_WIDTH, height: COVER_HEIGHT, fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 85, mozjpeg: true }).toBuffer();
        } catch (e) {
          throw new LecternError(`cover image ${own} is not a readable image (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`, 'cover:corrupt', { file: ctx.options.articleFile });
        }
        ctx.artifacts.cover = { data, mediaType: 'image/jpeg', alt: (isDigest(ctx) ? undefined : ctx.article.cover?.alt) ?? coverAlt(editionFront(ctx)), generated: false };
        return;
      }
      const front = editionFront(ctx);
      const damaged = (reason: string) => ctx.diagnostics.warn(reason, 'cache:corrupt');
      ctx.artifacts.cover = { data: await drawCover(front, ctx.options.cacheDir, damaged), mediaType: 'image/jpeg', alt: coverAlt(front), generated: true };
    },
  };
}
