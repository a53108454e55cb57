/** Elements whose text a page never shows, so never read as a headline, kicker or credit. */
const UNSHOWN = new Set(['script', 'style', 'template', 'noscript']);

/**
 * The text a reader of the page sees in `el`: its `textContent` without that of scripts,
 * styles, templates and noscript fallbacks inside it (`<h1>Title<style>h1{color:red}</style></h1>`
 * is "Title"). Without recursion, so a deep element cannot overflow the stack.
 */
export function shownText(el: Element): string {
  let out = '';
  const stack: Node[] = [el];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.nodeType === 3) out += node.textContent ?? '';
    else if (node.nodeType === 1 && (node === el || !UNSHOWN.has((node as Element).tagName.toLowerCase()))) {
      const kids = node.childNodes;
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
  }
  return out;
}
