/**
 * An example third-party reader: articles written as plain text (`.txt`).
 *
 *   The headline, on the first lines
 *
 *   By Jo Bloggs and Sam Smith, in Harbourtown
 *
 *   The first paragraph. Paragraphs are separated by blank lines; a
 *   paragraph may run over several lines.
 *
 * The byline paragraph is optional ("By <authors>[, in <place>]"). Build with
 *
 *   lectern build story.txt --plugin examples/plain-text-reader.mjs
 *
 * or list it in a config file (`plugins: ['examples/plain-text-reader.mjs']`), or pass it
 * to `build(files, { plugins: [plainTextReader] })`. It is plain JavaScript with its types
 * in JSDoc, so it runs as it is.
 */
import { LecternError } from 'lectern';

/** @typedef {import('lectern').LecternPlugin} LecternPlugin */
/** @typedef {import('lectern').Reader} Reader */
/** @typedef {import('lectern').DraftArticle} DraftArticle */

/**
 * The text's paragraphs, each with the line it starts on.
 * @param {string} text @returns {{ text: string, line: number }[]}
 */
function paragraphs(text) {
  const out = [];
  let current = [];
  let start = 0;
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line) {
      if (!current.length) start = i + 1;
      current.push(line);
    } else if (current.length) {
      out.push({ text: current.join(' '), line: start });
      current = [];
    }
  });
  if (current.length) out.push({ text: current.join(' '), line: start });
  return out;
}

/** "By Jo Bloggs and Sam Smith, in Harbourtown" -> authors and location. @param {string} text */
function byline(text) {
  const m = /^By\s+(.+?)(?:,\s+in\s+(.+))?$/i.exec(text);
  if (!m) return undefined;
  const authors = m[1].split(/\s*(?:,|\band\b)\s*/).filter(Boolean);
  return { authors, ...(m[2] ? { location: m[2] } : {}) };
}

/** @type {Reader} */
export const plainTextReader = {
  name: 'text',
  description: 'plain text: the headline first, then paragraphs separated by blank lines',
  extensions: ['.txt'],
  // No `detect`: the reader takes files whose extension is in `extensions`.
  async read({ text, file, lang, diagnostics }) {
    const [head, ...rest] = paragraphs(text);
    if (!head) throw new LecternError('the text has no headline (its first paragraph)', 'text:no-headline', { file });
    const by = rest[0] && byline(rest[0].text);
    const body = by ? rest.slice(1) : rest;
    if (!body.length) diagnostics.warn('the article has a headline but no paragraphs', 'text:empty', { line: head.line });
    /** @type {DraftArticle} */
    const draft = {
      lang: lang ?? 'en',
      dir: 'ltr',
      headline: head.text,
      byline: by ?? { authors: [] },
      source: {},
      blocks: body.map((p) => ({ type: 'paragraph', position: { line: p.line, column: 1 }, children: [{ type: 'text', value: p.text }] })),
    };
    return draft;
  },
};

/** @type {LecternPlugin} */
export default { name: 'plain-text-reader', readers: [plainTextReader] };
