import { LecternError } from '../article/diagnostics.js';
import type { Stage } from '../pipeline/stage.js';
import { Readable } from 'node:stream';
import { mp3Chunks } from '../audio/mp3.js';
import { ACTIVE_CLASS, clock, smilDocument } from '../epub/overlays.js';
import { readAlong } from './read-along.js';
import { documentName, isDigest } from './edition.js';

const AUDIO_HREF = 'audio/narration.mp3';

/**
 * Puts the narration inside the book as EPUB 3 Media Overlays, so reading systems
 * highlight each sentence as it is spoken.
 *
 * The book carries one MP3 (a core media type) for the whole book, with one SMIL document
 * per content document (one per article in a digest). A single file keeps every clip on
 * one continuous timeline, exactly as the narration and its transcript have it, with no
 * gaps or repeated encoder delays between files; for one article, one file per document
 * and one per book are the same thing anyway. The MP3 is the untagged encoding of the narration
 * (the cover art in ID3 would only add size inside a book that already has its cover).
 */
export function readAloudStage(): Stage {
  return {
    name: 'read-aloud',
    description: 'the narration inside the EPUB as Media Overlays (sentence highlighting)',
    needs: ['narration', 'audio'],
    async run(ctx) {
      const n = ctx.artifacts.narration;
      if (!n || !ctx.artifacts.audio) throw new LecternError('the read-aloud stage needs the narration and audio stages', 'stage:order');
      // The same timeline as the web edition's, computed once.
      const { mp3, offset, seconds, clips, hooksFor } = await readAlong(ctx);
      const docs = ctx.articles.map((_, doc) => ({
        xhtml: documentName(ctx, doc),
        smil: documentName(ctx, doc, 'smil'),
        overlay: isDigest(ctx) ? `overlay-${doc + 1}` : 'article-overlay',
        clips: clips.filter((c) => c.doc === doc).map(({ fragment, begin, end }) => ({ fragment, begin, end })),
      }));
      const narrated = docs.filter((d) => d.clips.length);
      // Nothing was said (an article of emoji, say): the book stays a plain book, and says so.
      if (!narrated.length || seconds <= offset) {
        ctx.diagnostics.warn('the narration is empty, so the book has no read-aloud overlay', 'read-aloud:empty');
        return;
      }
      const span = (d: (typeof docs)[number]) => d.clips.reduce((sum, c) => sum + (c.end - c.begin), 0);

      ctx.artifacts.bookExtras = {
        files: [
          // Streamed into the book from the encoded segments, never held whole in memory.
          { path: AUDIO_HREF, data: Readable.from(mp3Chunks(mp3)) },
          ...narrated.map((d) => ({ path: d.smil, data: smilDocument(d.xhtml, AUDIO_HREF, d.clips) })),
        ],
        manifest: [
          ...narrated.map((d) => ({ id: d.overlay, href: d.smil, mediaType: 'application/smil+xml' })),
          { id: 'narration-audio', href: AUDIO_HREF, mediaType: 'audio/mpeg' },
        ],
        meta: [
          ...narrated.map((d) => ({ property: 'media:duration', refines: `#${d.overlay}`, value: clock(span(d)) })),
          { property: 'media:duration', value: clock(narrated.reduce((sum, d) => sum + span(d), 0)) },
          { property: 'media:active-class', value: ACTIVE_CLASS },
          { property: 'media:narrator', value: `${n.engine === 'espeak' ? 'eSpeak NG' : n.engine} ${n.engineVersion}, voice ${n.voices.join(', ')} (synthetic speech)` },
        ],
        overlays: Object.fromEntries(narrated.map((d) => [d.xhtml, d.overlay])),
        hooksFor,
        narration: { engine: n.engine === 'espeak' ? `eSpeak NG ${n.engineVersion}` : `${n.engine} ${n.engineVersion}`, voice: n.voices.join(', '), durationSeconds: seconds },
      };
      // The frames' size once they are encoded (the book is written meanwhile).
      void mp3.then(
        (m) => ctx.log.info(`read-aloud: ${Math.round(seconds)} s of narration, ${(m.bytes / 1e6).toFixed(1)} MB of MP3 in the book`),
        () => {},
      );
    },
  };
}
