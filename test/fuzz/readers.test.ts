import fc from 'fast-check';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { LecternError } from '../../src/article/diagnostics.js';
import { decodeText } from '../../src/readers/decode.js';
import { parseArticle } from '../../src/readers/index.js';
import { runs, TIMEOUT } from './runs.js';

/** A reader may fail, but only with LecternError: anything else would reach the user as a stack trace. */
async function onlyLecternErrors(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (e) {
    return e instanceof LecternError;
  }
}

const markdownish = fc
  .array(
    fc.oneof(
      fc.string(),
      fc.constantFrom('---', '**bold**', '## **Quote**', '—————  ', '© Credit', '![alt](x.png)', '> [!pullquote]', '[a](#)', '\n\n\n', '- item', '`code`', '<b>x</b>', 'headline: H', '{', '}'),
      fc.constantFrom('> > > quote', '  - nested', '    - deeper', '***', '_', '\u0001', '\u001b[31m', '\uFFFE', '\u202E', '\u00AD', '\r\n', '\r'),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join('\n'));

/** Any text, including lone surrogates and control characters. */
const anyText = fc.string({ unit: 'binary', maxLength: 200 });

/** Every string in the article: what every output gets. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('readers on arbitrary input', () => {
  it('throw nothing but LecternError (Markdown and the seed format)', async () => {
    await fc.assert(fc.asyncProperty(markdownish, (text) => onlyLecternErrors(() => parseArticle(text, 'x.md'))), runs(300));
    await fc.assert(fc.asyncProperty(markdownish, (text) => onlyLecternErrors(() => parseArticle(text, 'x.md', { from: 'seed' }))), runs(300));
  }, TIMEOUT);

  it('throw nothing but LecternError (JSON)', async () => {
    await fc.assert(fc.asyncProperty(fc.json(), (text) => onlyLecternErrors(() => parseArticle(text, 'x.json'))), runs(300));
  }, TIMEOUT);

  it('throw nothing but LecternError (raw bytes)', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), (bytes) => onlyLecternErrors(() => parseArticle(decodeText('x.md', bytes), 'x.md'))), runs(300));
  }, TIMEOUT);

  it('give every output text that XML can hold, whatever the input held', async () => {
    const articles = fc.oneof(
      fc.tuple(anyText, anyText).map(([h, body]) => ({ file: 'x.json', text: JSON.stringify({ headline: `H${h}`, blocks: [{ type: 'paragraph', children: body }, { type: 'figure', caption: body, alt: h, credit: h }] }) })),
      fc.tuple(anyText, anyText).map(([h, body]) => ({ file: 'x.md', text: `---\nheadline: ${JSON.stringify(`H${h}`)}\n---\n\n${body.replace(/\u0000/g, '')}\n` })),
      fc.tuple(anyText, anyText).map(([h, body]) => ({ file: 'x.html', text: `<!doctype html><html><body><h1>H${h.replace(/[<&]/g, '')}</h1><p>${body.replace(/[<&]/g, '')}</p><p>&#1;&#xD800;&#xFFFF;</p></body></html>` })),
    );
    await fc.assert(
      fc.asyncProperty(articles, async ({ file, text }) => {
        try {
          const { article } = await parseArticle(text, file);
          return strings(article).every((s) => !XML_INVALID.test(s));
        } catch (e) {
          return e instanceof LecternError;
        }
      }),
      runs(300),
    );
  }, TIMEOUT);

  it('read UTF-16 (either byte order, with its BOM) and CRLF line endings as the same text', async () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }), fc.constantFrom('\n', '\r\n', '\r'), (s, eol) => {
        const text = `---\nheadline: H\n---\n\n${s.replace(/\u0000/g, '')}\n`.replace(/\n/g, eol);
        const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
        const be = Buffer.from(le);
        be.swap16();
        be[0] = 0xfe;
        be[1] = 0xff;
        const utf8 = decodeText('x.md', Buffer.from(text, 'utf8'));
        expect(decodeText('x.md', le)).toBe(utf8);
        expect(decodeText('x.md', be)).toBe(utf8);
        expect(utf8).not.toMatch(/\r/);
      }),
      runs(300),
    );
  }, TIMEOUT);
});

describe('the HTML reader on arbitrary pages', () => {
  // Moved here from html-reader.test.ts, so that `npm run fuzz` runs it for as long as asked.
  const fragments = fc.constantFrom(
    '<h1>Title</h1>', '<p>', '</p>', 'Some text.', '<figure>', '</figure>', '<img src="a.jpg" alt="A">', '<figcaption>Cap © X</figcaption>',
    '<ul><li>', '</li></ul>', '<blockquote>', '</blockquote>', '<footer>— Who</footer>', '<em>', '</em>', '<table><tr><td>c</td></tr></table>',
    '<script>alert(1)</script>', '<a href="javascript:alert(2)">link</a>', '<img src=x onerror=alert(3)>', '<svg><script>alert(4)</script></svg>',
    '<iframe src="javascript:alert(5)"></iframe>', '<p onclick="alert(6)">', '<style>x{}</style>', '<!--', '-->', '<', '>', '&amp;', '<article>', '</article>',
  );
  const pages = fc.array(fc.oneof(fragments, fc.string({ maxLength: 12 })), { maxLength: 40 }).map((parts) => `<!doctype html><html><body>${parts.join('')}</body></html>`);

  /**
   * The text a browser shows for the page: its text nodes and image alt texts, outside
   * scripts, styles, SVG, frames and the like. A payload may reach the model only as such
   * text (`<Some text.<script>alert(1)</script>` makes `alert(1)` the text of a `<some>`).
   */
  function visibleText(html: string): string {
    const hidden = new Set(['script', 'style', 'svg', 'math', 'iframe', 'frame', 'object', 'embed', 'noscript', 'template', 'head']);
    let out = '';
    const walk = (node: Node) => {
      if (node.nodeType === 3) out += node.textContent ?? '';
      if (node.nodeType !== 1) return;
      const el = node as Element;
      if (hidden.has(el.tagName.toLowerCase())) return;
      out += ` ${el.getAttribute('alt') ?? ''} `;
      el.childNodes.forEach(walk);
    };
    walk(parseHTML(html).document.documentElement as unknown as Node);
    return out;
  }

  it('reads a page or says it has no headline, and nothing executable survives', async () => {
    await fc.assert(
      fc.asyncProperty(pages, async (html) => {
        try {
          const { article } = await parseArticle(html, 'x.html');
          const json = JSON.stringify(article);
          const shown = visibleText(html);
          for (const payload of json.match(/alert\(\d\)/g) ?? []) expect(shown).toContain(payload);
          for (const url of json.match(/"url":"[^"]*"/g) ?? []) expect(url).toMatch(/^"url":"(https?:|mailto:)/);
          expect(json).not.toMatch(/javascript:|vbscript:|data:text/i);
        } catch (e) {
          if (!(e instanceof LecternError)) throw e;
          expect(e.code).toBe('input:structure');
        }
      }),
      runs(300),
    );
  }, TIMEOUT);
});
