/**
 * Helpers of the HTML reader for what pages carry beyond paragraphs: equations as MathJax,
 * KaTeX and MediaWiki leave them, `srcset` candidates, code in `<pre>`.
 */

/** Marks a stand-in for an equation the page has only as TeX: `inline` or `display`. */
export const TEX = 'data-lectern-tex';

/**
 * Elements that show an equation beside its MathML (glyphs, an image, a preview). The
 * MathML says everything they say, so the equation is kept as its `<math>` alone.
 */
const MATH_WRAPPERS = [
  'mjx-container', '.MathJax', '.MathJax_Display', '.MathJax_SVG', '.MathJax_SVG_Display', '.MathJax_CHTML', '.MathJax_MathML',
  '.mwe-math-element', '.katex', '.katex-display', '.math-container',
].join(', ');
const DISPLAY_WRAPPER = /(?:^|\s)(?:MathJax_Display|MathJax_SVG_Display|katex-display|mwe-math-element-block)(?:\s|$)/;

const typeOf = (el: Element) => (el.getAttribute('type') ?? '').toLowerCase().replace(/\s+/g, '');
const tagOf = (el: Element) => el.tagName.toLowerCase();

/**
 * Prepares a page's equations for Readability and the converter, which see each one as a
 * single `<math>` element (or a TeX stand-in):
 * - MathJax 3 (`<mjx-container>` with `<mjx-assistive-mml>`), MathJax 2 (`.MathJax` frames
 *   with their assistive MathML), KaTeX (`.katex-mathml`) and MediaWiki (`.mwe-math-element`,
 *   whose MathML is hidden with `display: none`, which Readability would drop): the wrapper
 *   becomes its `<math>`, and MathJax 2's preview and source script, which repeat it, go;
 * - `<script type="math/mml">` (MathJax 2 input) becomes the `<math>` it holds;
 * - `<script type="math/tex">` without rendered MathML becomes a `<code data-lectern-tex>`
 *   holding the TeX, so its words are not lost with the page's scripts.
 */
export function prepareMath(document: Document): void {
  for (const math of [...document.querySelectorAll('math')]) {
    let wrapper: Element | null = null;
    for (let up = math.parentElement?.closest(MATH_WRAPPERS) ?? null; up; up = up.parentElement?.closest(MATH_WRAPPERS) ?? null) wrapper = up;
    if (!wrapper) continue;
    const display =
      DISPLAY_WRAPPER.test(wrapper.getAttribute('class') ?? '') ||
      wrapper.getAttribute('display') === 'true' ||
      wrapper.querySelector('.mwe-math-mathml-display') !== null ||
      (math.getAttribute('display') ?? '').toLowerCase() === 'block';
    if (display) math.setAttribute('display', 'block');
    const before = wrapper.previousElementSibling;
    if (before && /(?:^|\s)MathJax(?:_SVG)?_Preview(?:\s|$)/.test(before.getAttribute('class') ?? '')) before.remove();
    const after = wrapper.nextElementSibling;
    if (after && tagOf(after) === 'script' && typeOf(after).startsWith('math/')) after.remove();
    wrapper.replaceWith(math);
  }
  for (const preview of [...document.querySelectorAll('.MathJax_Preview, .MathJax_SVG_Preview')]) {
    const after = preview.nextElementSibling;
    // A preview beside an unrendered source: the source below says the same.
    if (after && tagOf(after) === 'script' && typeOf(after).startsWith('math/')) preview.remove();
  }
  for (const script of [...document.querySelectorAll('script')]) {
    const type = typeOf(script);
    if (!type.startsWith('math/')) continue;
    const display = /mode=display/.test(type);
    const source = script.textContent ?? '';
    if (type.startsWith('math/mml')) {
      const holder = document.createElement('span');
      holder.innerHTML = source;
      const math = holder.querySelector('math');
      if (math) {
        if (display) math.setAttribute('display', 'block');
        script.replaceWith(math);
        continue;
      }
    }
    if (!source.trim()) continue;
    const code = document.createElement('code');
    code.setAttribute(TEX, display ? 'display' : 'inline');
    code.textContent = source.trim();
    script.replaceWith(code);
  }
}

export interface SrcsetCandidate {
  url: string;
  /** Width descriptor (`800w`), when given. */
  width?: number;
  /** Pixel density (`2x`); 1 when no descriptor. */
  density?: number;
}

/**
 * Parses `srcset` as the HTML standard does: a URL runs to the next whitespace (so it may
 * contain commas); a comma at its very end ends the candidate; descriptors run to the next
 * comma outside parentheses.
 */
export function parseSrcset(srcset: string): SrcsetCandidate[] {
  const out: SrcsetCandidate[] = [];
  let i = 0;
  const n = srcset.length;
  const space = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
  while (i < n) {
    while (i < n && (space(srcset[i]) || srcset[i] === ',')) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !space(srcset[i])) i++;
    let url = srcset.slice(start, i);
    const descriptors: string[] = [];
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      let current = '';
      let inParens = false;
      for (; i < n; i++) {
        const c = srcset[i]!;
        if (inParens) {
          current += c;
          if (c === ')') inParens = false;
        } else if (space(c)) {
          if (current) descriptors.push(current);
          current = '';
        } else if (c === ',') {
          i++;
          break;
        } else {
          current += c;
          if (c === '(') inParens = true;
        }
      }
      if (current) descriptors.push(current);
    }
    if (!url) continue;
    const candidate: SrcsetCandidate = { url };
    let bad = false;
    for (const d of descriptors) {
      const m = /^(\d+(?:\.\d+)?)([wxh])$/i.exec(d);
      if (!m) {
        bad = true;
        continue;
      }
      const v = Number(m[1]);
      if (m[2]!.toLowerCase() === 'w') candidate.width = v;
      else if (m[2]!.toLowerCase() === 'x') candidate.density = v;
    }
    if (!bad) out.push(candidate);
  }
  return out;
}

/** The largest candidate: by width when widths are given, else by pixel density. */
export function largestCandidate(srcset: string): string | undefined {
  const all = parseSrcset(srcset);
  let best: SrcsetCandidate | undefined;
  const size = (c: SrcsetCandidate) => c.width ?? (c.density ?? 1) * 1e-6;
  for (const c of all) if (!best || size(c) > size(best)) best = c;
  return best?.url;
}

/** The text of a `<pre>`, exactly: line breaks (`<br>` too), spaces and tabs kept. */
export function preformattedText(el: Element): string {
  let out = '';
  const stack: Node[] = [el];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.nodeType === 3) out += node.textContent ?? '';
    else if (node.nodeType === 1) {
      const tag = (node as Element).tagName.toLowerCase();
      if (tag === 'br') out += '\n';
      else if (tag === 'script' || tag === 'style') continue;
      else for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push(node.childNodes[i]!);
    }
  }
  // The line break right after <pre> is not part of the text (HTML drops it too).
  return out.replace(/^\r?\n/, '').replace(/\r\n?/g, '\n').replace(/^(?:[ \t]*\n)+/, '').replace(/\s+$/, '');
}

/** The language a `<pre>` or its `<code>` names: `language-python`, `lang-js`, `data-lang`. */
export function codeLanguage(el: Element): string | undefined {
  for (const e of [el, el.querySelector('code')]) {
    if (!e) continue;
    const data = e.getAttribute('data-lang') ?? e.getAttribute('data-language');
    if (data && /^[\w.+#-]{1,40}$/.test(data)) return data.toLowerCase();
    const m = /(?:^|\s)(?:language|lang)-([\w.+#-]{1,40})(?:\s|$)/.exec(e.getAttribute('class') ?? '');
    if (m) return m[1]!.toLowerCase();
  }
  return undefined;
}
