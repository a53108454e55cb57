import type { Diagnostics } from '../article/diagnostics.js';
import { plainText } from '../article/model.js';
import type { DraftBlock } from '../readers/draft.js';

/**
 * Every figure gets alt text: the author's when given (an empty one marks a decorative
 * image and stays empty), otherwise derived from the caption without its credit, with a
 * warning so the author knows to write a real description.
 */
export function deriveAltText(blocks: DraftBlock[], diagnostics: Diagnostics): DraftBlock[] {
  return blocks.map((b) => {
    if (b.type !== 'figure' || b.alt !== undefined) return b;
    const caption = plainText(b.caption).trim();
    if (!caption) {
      diagnostics.warn('figure has neither alt text nor a caption; it is treated as decorative', 'alt:missing', b.position);
      return { ...b, alt: '', altSource: 'derived' as const };
    }
    diagnostics.warn('figure has no alt text; derived it from the caption', 'alt:derived', b.position);
    return { ...b, alt: caption, altSource: 'derived' as const };
  });
}
