import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LecternError } from '../../src/article/diagnostics.js';
import { decodeText } from '../../src/readers/decode.js';
import { parseArticle } from '../../src/readers/index.js';
import { runs, TIMEOUT } from './runs.js';

/** A reader may fail, but only with LecternError: anything else would reach the user as a stack trace. */
function onlyLecternErrors(run: () => unknown): boolean {
  try {
    run();
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
  it('throw nothing but LecternError (Markdown and the seed format)', () => {
    fc.assert(fc.property(markdownish, (text) => onlyLecternErrors(() => parseArticle(text, 'x.md'))), runs(300));
    fc.assert(fc.property(markdownish, (text) => onlyLecternErrors(() => parseArticle(text, 'x.md', { from: 'seed' }))), runs(300));
  }, TIMEOUT);

  it('throw nothing but LecternError (JSON)', () => {
    fc.assert(fc.property(fc.json(), (text) => onlyLecternErrors(() => parseArticle(text, 'x.json'))), runs(300));
  }, TIMEOUT);

  it('throw nothing but LecternError (raw bytes)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => onlyLecternErrors(() => parseArticle(decodeText('x.md', bytes), 'x.md'))), runs(300));
  }, TIMEOUT);

  it('give every output text that XML can hold, whatever the input held', () => {
    const articles = fc.oneof(
      fc.tuple(anyText, anyText).map(([h, body]) => ({ file: 'x.json', text: JSON.stringify({ headline: `H${h}`, blocks: [{ type: 'paragraph', children: body }, { type: 'figure', caption: body, alt: h, credit: h }] }) })),
      fc.tuple(anyText, anyText).map(([h, body]) => ({ file: 'x.md', text: `---\nheadline: ${JSON.stringify(`H${h}`)}\n---\n\n${body.replace(/\u0000/g, '')}\n` })),
      fc.tuple(anyText, anyText).map(([h, body]) => ({ file: 'x.html', text: `<!doctype html><html><body><h1>H${h.replace(/[<&]/g, '')}</h1><p>${body.replace(/[<&]/g, '')}</p><p>&#1;&#xD800;&#xFFFF;</p></body></html>` })),
    );
    fc.assert(
      fc.property(articles, ({ file, text }) => {
        try {
          const { article } = parseArticle(text, file);
          return strings(article).every((s) => !XML_INVALID.test(s));
        } catch (e) {
          return e instanceof LecternError;
        }
      }),
      runs(300),
    );
  }, TIMEOUT);

  it('read UTF-16 (either byte order, with its BOM) and CRLF line endings as the same text', () => {
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
