import fc from 'fast-check';
import { describe, it } from 'vitest';
import { LecternError } from '../src/article/diagnostics.js';
import { decodeText } from '../src/readers/decode.js';
import { parseArticle } from '../src/readers/index.js';

/** A reader may fail, but only with LecternError: anything else would reach the user as a stack trace. */
function onlyLecternErrors(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (e) {
    return e instanceof LecternError;
  }
}

const markdownish = fc.array(
  fc.oneof(
    fc.string(),
    fc.constantFrom('---', '**bold**', '## **Quote**', '—————  ', '© Credit', '![alt](x.png)', '> [!pullquote]', '[a](#)', '\n\n\n', '- item', '`code`', '<b>x</b>', 'headline: H', '{', '}'),
  ),
  { maxLength: 40 },
).map((parts) => parts.join('\n'));

describe('readers on arbitrary input', () => {
  it('throw nothing but LecternError (Markdown and the seed format)', () => {
    fc.assert(fc.property(markdownish, (text) => onlyLecternErrors(() => parseArticle(text, 'x.md'))), { numRuns: 300 });
    fc.assert(fc.property(markdownish, (text) => onlyLecternErrors(() => parseArticle(text, 'x.md', { from: 'seed' }))), { numRuns: 300 });
  });
  it('throw nothing but LecternError (JSON)', () => {
    fc.assert(fc.property(fc.json(), (text) => onlyLecternErrors(() => parseArticle(text, 'x.json'))), { numRuns: 300 });
  });
  it('throw nothing but LecternError (raw bytes)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => onlyLecternErrors(() => parseArticle(decodeText('x.md', bytes), 'x.md'))), { numRuns: 300 });
  });
});
