/**
 * MathML that may go into a book: presentation MathML only, rebuilt element by element
 * from what a page or a JSON file gave. Anything else (HTML inside `<mtext>`, scripts,
 * links, images, content MathML, `<semantics>` annotations) is left out, keeping the text
 * of unknown elements, so an equation never carries markup a reading system would run or
 * EPUBCheck would refuse. The TeX annotation MathJax and MediaWiki leave is returned apart.
 */
import { createRequire } from 'node:module';
import { escapeText, escapeXml } from '../util/xml.js';

/**
 * The parser, loaded on the first equation: every book renders through this module, and
 * only books with equations need it (its CommonJS build, so loading stays synchronous).
 */
let ParserClass: typeof import('htmlparser2').Parser | undefined;
function parserClass(): typeof import('htmlparser2').Parser {
  ParserClass ??= (createRequire(import.meta.url)('htmlparser2') as typeof import('htmlparser2')).Parser;
  return ParserClass;
}

export const MATHML_NS = 'http://www.w3.org/1998/Math/MathML';

/** Presentation MathML elements (MathML 3, as EPUB 3 allows them). */
const ELEMENTS = new Set([
  'math', 'maction', 'maligngroup', 'malignmark', 'menclose', 'merror', 'mfenced', 'mfrac', 'mi', 'mlabeledtr', 'mlongdiv',
  'mmultiscripts', 'mn', 'mo', 'mover', 'mpadded', 'mphantom', 'mprescripts', 'mroot', 'mrow', 'ms', 'mscarries', 'mscarry',
  'msgroup', 'msline', 'mspace', 'msqrt', 'msrow', 'mstack', 'mstyle', 'msub', 'msubsup', 'msup', 'mtable', 'mtd', 'mtext',
  'mtr', 'munder', 'munderover', 'none',
]);

/** Elements that hold text. */
const TOKENS = new Set(['mi', 'mn', 'mo', 'mtext', 'ms']);

/** Presentation attributes; no colours (contrast is the reader's), no links, no events. */
const ATTRIBUTES = new Set([
  'accent', 'accentunder', 'align', 'bevelled', 'close', 'columnalign', 'columnlines', 'columnspacing', 'columnspan', 'denomalign',
  'depth', 'dir', 'displaystyle', 'equalcolumns', 'equalrows', 'fence', 'form', 'frame', 'height', 'largeop', 'linethickness',
  'lquote', 'lspace', 'mathsize', 'mathvariant', 'maxsize', 'minsize', 'movablelimits', 'notation', 'numalign', 'open', 'rowalign',
  'rowlines', 'rowspacing', 'rowspan', 'rquote', 'rspace', 'scriptlevel', 'selection', 'separator', 'separators', 'stretchy',
  'symmetric', 'voffset', 'width', 'linebreak', 'actiontype',
]);

/** Deepest MathML nesting kept; real equations nest a dozen levels. */
export const MAX_MATH_DEPTH = 64;

export interface CleanMath {
  /** `<math>…</math>` with presentation MathML only, no namespace declaration. */
  mathml: string;
  /** The TeX annotation, when there was one. */
  tex?: string;
  /** The `alttext` the source gave. */
  alttext?: string;
  display: boolean;
  /** Whether anything was left out. */
  dropped: boolean;
}

const local = (name: string) => name.toLowerCase().replace(/^[a-z][\w-]*:/, '');

/**
 * Cleans one `<math>` element's markup (HTML or XML serialisation). Returns undefined when
 * there is no equation in it (no element or text), or when it nests too deeply.
 */
export function cleanMathml(markup: string): CleanMath | undefined {
  let out = '';
  let depth = 0;
  let tooDeep = false;
  let dropped = false;
  let tex: string | undefined;
  let alttext: string | undefined;
  let display = false;
  let seenMath = false;
  /** Token elements kept: an equation without any (content MathML alone) is no equation here. */
  let tokens = 0;
  /** Per open element: kept (its name), or not (null). */
  const open: (string | null)[] = [];
  /** Inside <semantics>: after its first child everything is an annotation. */
  const semantics: { children: number; depth: number }[] = [];
  let skip = 0;
  let annotation: { tex: boolean; text: string } | undefined;
  const Parser = parserClass();
  const parser = new Parser(
    {
      onopentag(rawName, attrs) {
        const name = local(rawName);
        depth++;
        if (depth > MAX_MATH_DEPTH) tooDeep = true;
        const sem = semantics[semantics.length - 1];
        if (sem && depth === sem.depth + 1) {
          sem.children++;
          if (sem.children > 1) {
            // An annotation: its TeX is kept apart, the rest left out.
            skip++;
            if (name === 'annotation') annotation = { tex: /tex/i.test(attrs['encoding'] ?? ''), text: '' };
            else dropped = true;
            open.push(null);
            return;
          }
        }
        if (skip) {
          skip++;
          open.push(null);
          return;
        }
        if (name === 'semantics') {
          semantics.push({ children: 0, depth });
          open.push(null);
          return;
        }
        if (!ELEMENTS.has(name) || (name === 'math' && seenMath)) {
          if (name !== 'math') dropped = true;
          open.push(null);
          return;
        }
        let attributes = '';
        if (name === 'math') {
          seenMath = true;
          display = (attrs['display'] ?? '').toLowerCase() === 'block' || (attrs['mode'] ?? '').toLowerCase() === 'display';
          const alt = (attrs['alttext'] ?? '').replace(/\s+/g, ' ').trim();
          if (alt) alttext = alt;
        } else {
          for (const [k, v] of Object.entries(attrs)) {
            const key = k.toLowerCase();
            if (ATTRIBUTES.has(key) && v.length <= 200) attributes += ` ${key}="${escapeXml(v)}"`;
          }
        }
        out += `<${name}${attributes}>`;
        if (TOKENS.has(name) || name === 'mspace') tokens++;
        open.push(name);
      },
      ontext(text) {
        if (annotation) annotation.text += text;
        if (skip) return;
        // Text belongs in token elements; elsewhere (inside an element left out) it is
        // kept in an <mtext> of its own, and whitespace between elements means nothing.
        let parent: string | null | undefined;
        for (let i = open.length - 1; i >= 0 && !parent; i--) parent = open[i];
        if (parent && TOKENS.has(parent)) out += escapeText(text);
        else if (text.trim()) {
          out += `<mtext>${escapeText(text.trim())}</mtext>`;
        }
      },
      onclosetag() {
        depth--;
        const name = open.pop();
        const sem = semantics[semantics.length - 1];
        if (sem && depth === sem.depth - 1) semantics.pop();
        if (skip) {
          skip--;
          if (!skip && annotation) {
            if (annotation.tex && !tex && annotation.text.trim()) tex = annotation.text.trim();
            annotation = undefined;
          }
          return;
        }
        if (name) out += `</${name}>`;
      },
    },
    { xmlMode: true, decodeEntities: true, recognizeSelfClosing: true },
  );
  parser.end(markup);
  if (tooDeep) return undefined;
  if (!seenMath) out = `<math>${out}</math>`;
  // Whitespace between elements means nothing in MathML; dropping it keeps the markup small.
  out = out.replace(/>\s+</g, '><');
  if (!tokens || !/<(?:mi|mn|mo|mtext|ms)\b[^>]*>[^<]*\S/.test(out)) return undefined;
  return { mathml: out, ...(tex ? { tex } : {}), ...(alttext ? { alttext } : {}), display, dropped };
}

/** The `<math>` element for the book: cleaned again (the model may come from JSON), with its alt text. */
export function renderMath(mathml: string, alt: string | undefined, display: boolean | undefined): string {
  const clean = cleanMathml(mathml);
  if (!clean) return escapeText(alt ?? '');
  const attrs = ` xmlns="${MATHML_NS}"${alt ? ` alttext="${escapeXml(alt)}"` : ''}${display ? ' display="block"' : ''}`;
  return clean.mathml.replace(/^<math>/, `<math${attrs}>`);
}
