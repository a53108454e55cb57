import { digest } from '../util/hash.js';
import { blockInlines, hasMath, plainText, type Block, type Inline } from './model.js';

const prefix: Record<Block['type'], string> = {
  paragraph: 'p',
  heading: 'h',
  figure: 'fig',
  pullquote: 'pq',
  blockquote: 'bq',
  list: 'list',
  code: 'code',
  table: 'table',
  separator: 'sep',
};

/** Plain text, with each equation as its MathML (its words may be derived later). */
function keyText(inlines: readonly Inline[]): string {
  if (!hasMath(inlines)) return plainText(inlines);
  let out = '';
  for (const n of inlines) out += n.type === 'text' ? n.value : n.type === 'math' ? n.mathml : keyText(n.children);
  return out;
}

/** Text that identifies a block, for its content-derived id. */
export function blockKeyText(block: Omit<Block, 'id'> & { type: Block['type'] }): string {
  const b = block as Block;
  switch (b.type) {
    case 'paragraph':
    case 'heading':
    case 'pullquote':
      return keyText(b.children);
    case 'figure':
      return [b.image ?? '', plainText(b.caption), b.credit ?? ''].join('\u0000');
    case 'blockquote':
      return b.paragraphs.map(plainText).join('\n');
    case 'list':
    case 'table':
      return blockInlines(b).map(keyText).join('\n');
    case 'code':
      return b.value;
    case 'separator':
      return '';
  }
}

/**
 * Gives every block an id derived from its content: `p-1a2b3c4d`. Identical blocks get
 * `-2`, `-3`... in reading order. An id the author wrote (JSON input) is kept.
 * Editing one paragraph changes only that paragraph's id, which keeps caches warm.
 */
export function assignIds<T extends { type: Block['type']; id?: string }>(blocks: T[]): (T & { id: string })[] {
  // Every id in use, the author's included: a generated `p-1a2b3c4d-2` must not be one
  // the author already gave another block.
  const taken = new Set<string>();
  for (const b of blocks) if (b.id) taken.add(b.id);
  const next = new Map<string, number>();
  return blocks.map((b) => {
    if (b.id) return b as T & { id: string };
    const base = `${prefix[b.type]}-${digest(blockKeyText(b as unknown as Block), 8)}`;
    let n = next.get(base) ?? 1;
    let id = n === 1 ? base : `${base}-${n}`;
    while (taken.has(id)) id = `${base}-${++n}`;
    next.set(base, n + 1);
    taken.add(id);
    return { ...b, id };
  });
}
