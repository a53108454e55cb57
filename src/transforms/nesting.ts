/**
 * Limits on how deeply an article may nest. Real articles nest formatting two or three
 * levels deep; a hostile or broken file can nest thousands of levels, which would exhaust
 * the stack of every recursive step after the reader (validation, rendering, JSON). The
 * readers keep deeper formatting as plain text, so the words survive and nothing overflows.
 */
import type { Diagnostics } from '../article/diagnostics.js';
import { mathText, type Inline, type SubList } from '../article/model.js';
import type { DraftBlock } from '../readers/draft.js';

/** Deepest formatting (emphasis in a link in strong ...) kept as formatting. */
export const MAX_INLINE_DEPTH = 32;
/** Deepest element nesting the HTML reader accepts: Readability's work grows with its cube. */
export const MAX_HTML_DEPTH = 200;
/**
 * Most elements the HTML reader accepts. Readability's work grows a little faster than the
 * number of elements (a 100,000-element page: about 10 s on a loaded 2-core machine); a
 * long real article page has 3,000 to 15,000, and a long encyclopaedia page or a news
 * template heavy with widgets 30,000 to 60,000, which must still build.
 */
export const MAX_HTML_ELEMENTS = 150_000;
/**
 * Most nesting work the HTML reader accepts, as the sum over elements of the square of
 * their depth: Readability walks each element's ancestors and measures their text again,
 * so 500 subtrees each 190 deep (under `MAX_HTML_DEPTH`) took minutes; at this limit such a
 * page takes about 10 s. A long real page (10,000 elements about 30 deep: 9,000,000) is
 * far under it.
 */
export const MAX_HTML_NESTING_WORK = 200_000_000;
/** Deepest JSON structure the JSON reader accepts (each level of formatting is two). */
export const MAX_JSON_DEPTH = 100;

/** The text of inlines, without recursion. */
export function flatInlineText(inlines: readonly Inline[]): string {
  let out = '';
  const stack: Inline[] = [...inlines].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'text') out += n.value;
    else if (n.type === 'math') out += mathText(n);
    else for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

/** Keeps formatting nested deeper than `MAX_INLINE_DEPTH` as plain text, with one warning. */
export function flattenDeepInlines(blocks: DraftBlock[], diagnostics: Diagnostics): DraftBlock[] {
  let warned = false;
  const limit = (inlines: Inline[], depth: number, block: DraftBlock): Inline[] =>
    inlines.map((n) => {
      if (n.type === 'text' || n.type === 'math') return n;
      if (depth < MAX_INLINE_DEPTH) return { ...n, children: limit(n.children, depth + 1, block) };
      if (!warned) diagnostics.warn(`kept formatting nested more than ${MAX_INLINE_DEPTH} levels deep as plain text`, 'reader:nesting', block.position ?? {});
      warned = true;
      return { type: 'text', value: flatInlineText(n.children) };
    });
  return blocks.map((b) => {
    const sub = (s: SubList): SubList => ({ ...s, items: s.items.map((i) => limit(i, 0, b)), ...(s.sublists ? { sublists: s.sublists.map(sub) } : {}) });
    switch (b.type) {
      case 'paragraph':
      case 'heading':
      case 'pullquote':
        return { ...b, children: limit(b.children, 0, b) };
      case 'figure':
        return { ...b, caption: limit(b.caption, 0, b) };
      case 'blockquote':
        return { ...b, paragraphs: b.paragraphs.map((p) => limit(p, 0, b)), ...(b.lists ? { lists: b.lists.map(({ after, ...l }) => ({ ...withoutItem(sub({ ...l, item: 0 })), after })) } : {}) };
      case 'list': {
        return { ...b, items: b.items.map((i) => limit(i, 0, b)), ...(b.sublists ? { sublists: b.sublists.map(sub) } : {}) };
      }
      case 'table':
        return { ...b, ...(b.caption ? { caption: limit(b.caption, 0, b) } : {}), rows: b.rows.map((r) => r.map((c) => ({ ...c, children: limit(c.children, 0, b) }))) };
      default:
        return b;
    }
  });
}

/** How deeply a parsed JSON value nests, and the path to its deepest point; without recursion. */
export function jsonDepth(value: unknown): { depth: number; path: (string | number)[] } {
  let best = { depth: 0, path: [] as (string | number)[] };
  const stack: { v: unknown; depth: number; path: (string | number)[] }[] = [{ v: value, depth: 0, path: [] }];
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (depth > best.depth) best = { depth, path };
    if (depth > MAX_JSON_DEPTH) break;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, depth: depth + 1, path: [...path, i] }));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) stack.push({ v: x, depth: depth + 1, path: [...path, k] });
  }
  return best;
}

const withoutItem = ({ item: _item, ...rest }: SubList) => rest;
