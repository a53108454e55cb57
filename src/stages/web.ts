import type { Stage } from '../pipeline/stage.js';
import { LecternError } from '../article/diagnostics.js';
import { mp3Chunks } from '../audio/mp3.js';
import { chapters } from '../audio/timeline.js';
import { cues, webvtt } from '../audio/captions.js';
import { digest } from '../util/hash.js';
import { pageId, renderPage, type PageChapter, type PageSpec } from '../web/page.js';
import { plainText, type Article } from '../article/model.js';
import type { Timeline } from '../audio/timeline.js';
import { readAlong, type ReadAlong } from './read-along.js';
import { editionFront, isDigest } from './edition.js';

/** The folder of the web edition inside the output folder: `article.web/`. */
export function webFolder(baseName: string): string {
  return `${baseName}.web`;
}

/**
 * The web edition: a self-contained folder (`<name>.web/`) with `index.html`, the
 * narration (`narration.mp3`), its transcript (`transcript.vtt`), the cover and the
 * figure images. The page marks the sentence being spoken from the read-along timeline
 * the read-aloud book uses (one computation for both), so the two never disagree. It asks
 * for nothing outside its folder, so it opens from `file://` and from any static host.
 */
export function webStage(): Stage {
  return {
    name: 'web',
    description: 'the web edition (<name>.web/): the article and its narration, read along in a browser',
    needs: ['narration', 'audio', 'cover', 'images'],
    async run(ctx) {
      const n = ctx.artifacts.narration;
      const cover = ctx.artifacts.cover;
      if (!n || !cover) throw new LecternError('the web stage needs the narration and cover stages', 'stage:order');
      const images = ctx.artifacts.images ?? new Map();
      const ra = await readAlong(ctx);
      const dir = webFolder(ctx.options.baseName);
      const front = editionFront(ctx);
      const digestTitle = isDigest(ctx) ? ctx.options.bundle!.title : undefined;
      const idOf = (doc: number, id: string) => pageId({ digestTitle }, doc, id);
      const narrated = ra.clips.length > 0 && ra.seconds > ra.offset;
      if (!narrated) ctx.diagnostics.warn('the narration is empty, so the web edition has no player', 'web:empty');

      const spec: PageSpec = {
        ...(digestTitle !== undefined ? { digestTitle } : {}),
        lang: front.lang,
        dir: front.dir,
        description: digestTitle !== undefined ? `A digest of ${ctx.articles.length} articles` : front.standfirst,
        cover: { href: 'cover.jpg', ...(await coverSize(cover.data)) },
        articles: ctx.articles.map((article, doc) => ({
          article,
          hooks: {
            image: (id) => {
              const img = images.get(`${doc}:${id}`);
              return img && { href: img.href, width: img.width, height: img.height };
            },
            ...ra.hooksFor(doc),
          },
        })),
      };
      if (narrated) {
        const pageCues = ra.clips.map((c) => ({ id: c.cue, el: idOf(c.doc, c.fragment), begin: c.begin, end: c.end }));
        spec.audio = {
          href: 'narration.mp3',
          transcript: 'transcript.vtt',
          seconds: ra.seconds,
          narrator: `${n.engine === 'espeak' ? 'eSpeak NG' : n.engine} ${n.engineVersion}, voice ${n.voices.join(', ')}`,
          cues: pageCues,
          chapters: pageChapters(ctx.articles, n.timeline, ra),
          // Remembered positions belong to this narration: a rebuilt one starts afresh.
          key: digest(JSON.stringify([ctx.options.baseName, pageCues]), 16),
        };
      }
      // Every file side by side: each write waits mostly for the disk (its fsync), not for this thread.
      const writes: Promise<unknown>[] = [];
      if (narrated) {
        // The transcript of this MP3 (the same cues as the page, in WebVTT).
        writes.push(ctx.output.write(`${dir}/transcript.vtt`, webvtt(cues(n.timeline, ra.offset), front.headline)));
        writes.push(ctx.output.writeChunks(`${dir}/narration.mp3`, mp3Chunks(ra.mp3)));
      }
      writes.push(ctx.output.write(`${dir}/cover.jpg`, cover.data));
      // Figures with identical images share one file: written once.
      for (const img of new Map([...images.values()].map((i) => [i.href, i])).values()) writes.push(ctx.output.write(`${dir}/${img.href}`, img.data));
      writes.push(ctx.output.write(`${dir}/index.html`, renderPage(spec)));
      await settleAll(writes);
      ctx.log.info(`web: ${dir}/index.html${narrated ? `, ${ra.clips.length} sentences on the timeline` : ''}`);
    },
  };
}

/** Waits for every promise, then throws the first failure (none is left running when the stage ends). */
async function settleAll(all: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(all)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * The player's chapters: the narration's own (headline, sections; an article each in a
 * digest, as in the MP3) and a mark where each figure is announced, so a listener can
 * jump to the pictures too.
 */
function pageChapters(articles: readonly Article[], timeline: Timeline, ra: ReadAlong): PageChapter[] {
  const list: PageChapter[] = chapters(timeline, ra.offset).map((c) => ({ title: c.title, start: c.start }));
  const seen = new Set<string>();
  timeline.utterances.forEach(({ utterance: u }, k) => {
    const key = `${u.target.doc ?? 0}:${u.target.blockId}`;
    if (u.kind !== 'figure' || seen.has(key)) return;
    seen.add(key);
    const block = articles[u.target.doc ?? 0]?.blocks.find((b) => b.id === u.target.blockId);
    const words = block?.type === 'figure' ? plainText(block.caption) || block.alt || '' : '';
    const short = words.length > 70 ? `${words.slice(0, 69).replace(/\s+\S*$/, '')}…` : words;
    list.push({ title: short ? `Figure: ${short}` : 'Figure', start: ra.clips[k]!.begin, figure: true });
  });
  return list.sort((a, b) => a.start - b.start);
}

async function coverSize(data: Buffer): Promise<{ width: number; height: number }> {
  // The cover is a JPEG: its size is in its frame header, no need to load sharp.
  const size = jpegSize(data);
  if (size) return size;
  const sharp = (await import('sharp')).default;
  const meta = await sharp(data).metadata();
  return { width: meta.width ?? 600, height: meta.height ?? 900 };
}

/** Width and height from a JPEG's start-of-frame marker; undefined if not found. */
function jpegSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 9 < data.length) {
    if (data[at] !== 0xff) return undefined;
    const marker = data[at + 1]!;
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { height: data.readUInt16BE(at + 5), width: data.readUInt16BE(at + 7) };
    at += 2 + data.readUInt16BE(at + 2);
  }
  return undefined;
}
