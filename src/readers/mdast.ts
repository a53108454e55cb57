/**
 * Shared Markdown plumbing: parse with remark, turn mdast phrasing content into the
 * article's inlines, and turn ordinary body nodes into blocks. The seed and front-matter
 * readers both build on this; each adds the conventions of its own format.
 */
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkFrontmatter from 'remark-frontmatter';
import type { Root, RootContent, PhrasingContent, Definition, Paragraph as MdParagraph } from 'mdast';
import type { Inline, Position } from '../article/model.js';
import { plainText } from '../article/model.js';
import type { Diagnostics } from '../article/diagnostics.js';
import type { DraftBlock } from './draft.js';

const parser = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']);

export function parseMarkdown(text: string): Root {
  return parser.parse(text);
}

export function positionOf(node: { position?: { start: { line: number; column: number } } }): Position | undefined {
  const p = node.position?.start;
  return p ? { line: p.line, column: p.column } : undefined;
}

/** A link that goes nowhere (`#`, empty, or `javascript:`) keeps its text and loses the link. */
export function isDeadLink(url: string): boolean {
  const u = url.trim();
  return u === '' || u.startsWith('#') || /^javascript:/i.test(u);
}

export class InlineConverter {
  private readonly definitions = new Map<string, string>();
  constructor(root: Root, private readonly diagnostics: Diagnostics) {
    for (const node of root.children) {
      if (node.type === 'definition') this.definitions.set((node as Definition).identifier, (node as Definition).url);
    }
  }

  convert(nodes: readonly PhrasingContent[]): Inline[] {
    const out: Inline[] = [];
    const pushText = (value: string) => {
      const last = out[out.length - 1];
      if (last?.type === 'text') last.value += value;
      else if (value) out.push({ type: 'text', value });
    };
    for (const node of nodes) {
      switch (node.type) {
        case 'text':
          pushText(node.value.replace(/\s*\n\s*/g, ' '));
          break;
        case 'inlineCode':
          pushText(node.value);
          break;
        case 'break':
          pushText(' ');
          break;
        case 'emphasis':
        case 'strong':
        case 'delete': {
          const children = this.convert(node.children);
          if (node.type === 'delete') children.forEach((c) => (c.type === 'text' ? pushText(c.value) : out.push(c)));
          else out.push({ type: node.type, children });
          break;
        }
        case 'link': {
          const children = this.convert(node.children);
          if (isDeadLink(node.url)) for (const c of children) c.type === 'text' ? pushText(c.value) : out.push(c);
          else out.push({ type: 'link', url: node.url, children });
          break;
        }
        case 'linkReference': {
          const url = this.definitions.get(node.identifier);
          const children = this.convert(node.children);
          if (url && !isDeadLink(url)) out.push({ type: 'link', url, children });
          else for (const c of children) c.type === 'text' ? pushText(c.value) : out.push(c);
          break;
        }
        case 'html':
          // Raw HTML never reaches the book or the narration.
          this.diagnostics.warn('dropped inline HTML', 'reader:html', positionOf(node));
          break;
        case 'image':
        case 'imageReference':
          // Images inside running text have no place in a reflowable article; keep the alt.
          if (node.alt) pushText(node.alt);
          break;
        default:
          break;
      }
    }
    return trimInlines(out);
  }
}

/** Trims whitespace at both ends of a run of inlines. */
export function trimInlines(inlines: Inline[]): Inline[] {
  const first = inlines[0];
  if (first?.type === 'text') first.value = first.value.replace(/^\s+/, '');
  const last = inlines[inlines.length - 1];
  if (last?.type === 'text') last.value = last.value.replace(/\s+$/, '');
  return inlines.filter((n) => n.type !== 'text' || n.value !== '');
}

/** Splits inlines at the first occurrence of `marker` in their plain text. */
export function splitInlinesAt(inlines: readonly Inline[], offset: number): [Inline[], Inline[]] {
  const before: Inline[] = [];
  const after: Inline[] = [];
  let pos = 0;
  for (const node of inlines) {
    const len = plainText([node]).length;
    if (pos + len <= offset) before.push(node);
    else if (pos >= offset) after.push(node);
    else if (node.type === 'text') {
      before.push({ type: 'text', value: node.value.slice(0, offset - pos) });
      after.push({ type: 'text', value: node.value.slice(offset - pos) });
    } else {
      const [b, a] = splitInlinesAt(node.children, offset - pos);
      before.push({ ...node, children: b });
      after.push({ ...node, children: a });
    }
    pos += len;
  }
  return [before, after];
}

export function mdText(node: RootContent | PhrasingContent): string {
  if ('value' in node && typeof node.value === 'string') return node.value;
  if ('children' in node) return (node.children as (RootContent | PhrasingContent)[]).map(mdText).join('');
  return '';
}

/** Splits "caption text © Credit" into caption inlines and the credit. */
export function splitCredit(inlines: Inline[]): { caption: Inline[]; credit?: string } {
  const text = plainText(inlines);
  const at = text.lastIndexOf('©');
  if (at < 0) {
    const m = /\b(?:Photo|Photograph|Picture|Image|Credit)s?:\s*([^.]+)\.?\s*$/i.exec(text);
    if (!m) return { caption: inlines };
    const [caption] = splitInlinesAt(inlines, m.index);
    return { caption: trimInlines(caption), credit: m[1]!.trim() };
  }
  const [caption] = splitInlinesAt(inlines, at);
  const credit = text.slice(at + 1).trim();
  return credit ? { caption: trimInlines(caption), credit } : { caption: trimInlines(caption) };
}

/**
 * Converts the body nodes every Markdown flavour shares into blocks. `hooks` lets a
 * reader claim a node first (the seed's figures and pull quotes).
 */
export function convertBody(
  nodes: readonly RootContent[],
  inline: InlineConverter,
  diagnostics: Diagnostics,
  claim?: (node: RootContent, index: number) => { blocks: DraftBlock[]; consumed: number } | undefined,
): DraftBlock[] {
  const blocks: DraftBlock[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const claimed = claim?.(node, i);
    if (claimed) {
      blocks.push(...claimed.blocks);
      i += claimed.consumed - 1;
      continue;
    }
    const position = positionOf(node);
    switch (node.type) {
      case 'paragraph': {
        const children = inline.convert(node.children);
        if (children.length) blocks.push({ type: 'paragraph', position, children });
        break;
      }
      case 'heading': {
        const children = inline.convert(node.children);
        // Depth is normalised below: the shallowest body heading becomes h2 (h1 is the headline).
        if (children.length) blocks.push({ type: 'heading', position, depth: node.depth, children });
        break;
      }
      case 'thematicBreak':
        blocks.push({ type: 'separator', position });
        break;
      case 'list': {
        const items = node.children
          .map((item) => inline.convert(item.children.flatMap((c) => (c.type === 'paragraph' ? [...(c as MdParagraph).children, { type: 'text', value: ' ' } as PhrasingContent] : []))))
          .filter((item) => item.length > 0);
        if (items.length) blocks.push({ type: 'list', position, ordered: node.ordered === true, items });
        break;
      }
      case 'blockquote': {
        const paragraphs = node.children
          .filter((c): c is MdParagraph => c.type === 'paragraph')
          .map((p) => inline.convert(p.children))
          .filter((p) => p.length > 0);
        let attribution: string | undefined;
        const last = paragraphs[paragraphs.length - 1];
        const lastText = last ? plainText(last) : '';
        if (paragraphs.length > 1 && /^(?:—|―|--)\s*/.test(lastText)) {
          attribution = lastText.replace(/^(?:—|―|--)\s*/, '').trim();
          paragraphs.pop();
        }
        if (paragraphs.length) blocks.push({ type: 'blockquote', position, paragraphs, ...(attribution ? { attribution } : {}) });
        break;
      }
      case 'code':
        blocks.push({ type: 'paragraph', position, children: [{ type: 'text', value: node.value }] });
        break;
      case 'html':
        diagnostics.warn('dropped raw HTML block', 'reader:html', position);
        break;
      case 'definition':
      case 'yaml':
        break;
      default:
        diagnostics.warn(`ignored unsupported Markdown (${node.type})`, 'reader:unsupported', position);
    }
  }
  return normaliseHeadingDepths(blocks);
}

/** Shifts heading depths so the shallowest is 2 and no level is skipped going down. */
export function normaliseHeadingDepths(blocks: DraftBlock[]): DraftBlock[] {
  const depths = blocks.flatMap((b) => (b.type === 'heading' ? [b.depth] : []));
  if (!depths.length) return blocks;
  const min = Math.min(...depths);
  let previous = 1;
  return blocks.map((b) => {
    if (b.type !== 'heading') return b;
    const depth = Math.min(6, Math.max(2, Math.min(b.depth - min + 2, previous + 1)));
    previous = depth;
    return { ...b, depth };
  });
}
