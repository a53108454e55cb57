import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/article/diagnostics.js';
import { plainText, type Inline } from '../../src/article/model.js';
import type { DraftBlock } from '../../src/readers/draft.js';
import { repairParagraphs } from '../../src/transforms/repair.js';
import { runs, TIMEOUT } from './runs.js';

/** Few words, so that runs of them repeat across paragraphs (scrape duplicates) often. */
const word = fc.constantFrom('the', 'tide', 'harbour', 'council', 'said', 'Iran', 'war', 'in', 'of', 'and', 'lights', 'winter', 'Amirabdollahian');
const ending = fc.constantFrom('', '', '.', '?', '”', '.”', ',', ' —', ':');
/** Slices of one story, so that paragraphs overlap the way scraped ones do. */
const STORY = 'iran has so far stayed away from any direct involvement in the war and improved its relations with arab states said one analyst in tehran'.split(' ');
const slice = fc.tuple(fc.nat(STORY.length - 1), fc.integer({ min: 1, max: 12 })).map(([at, n]) => STORY.slice(at, at + n));
const sentence = fc.tuple(fc.oneof(fc.array(word, { minLength: 1, maxLength: 14 }), slice, fc.tuple(fc.array(word, { maxLength: 3 }), slice).map(([a, b]) => [...a, ...b])), ending, fc.boolean()).map(([ws, end, lower]) => {
  const text = ws.join(' ') + end;
  return lower ? text : text[0]!.toUpperCase() + text.slice(1);
});
const inlines: fc.Arbitrary<Inline[]> = fc.oneof(
  { weight: 4, arbitrary: sentence.map((value) => [{ type: 'text' as const, value }]) },
  { weight: 1, arbitrary: fc.tuple(sentence, sentence).map(([a, b]): Inline[] => [{ type: 'text', value: `${a} ` }, { type: 'emphasis', children: [{ type: 'text', value: b }] }]) },
);
const blocks = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: inlines.map((children) => ({ type: 'paragraph' as const, children })) },
      { weight: 1, arbitrary: fc.constant({ type: 'separator' as const }) },
      { weight: 1, arbitrary: sentence.map((s) => ({ type: 'heading' as const, depth: 2, children: [{ type: 'text' as const, value: s }] })) },
    ),
    { maxLength: 12 },
  )
  // One line per block, so diagnostics name each block unambiguously.
  .map((bs) => bs.map((b, i) => ({ ...b, position: { line: 2 * i + 1, column: 1 } }) as DraftBlock));

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
const textOf = (b: DraftBlock) => (b.type === 'paragraph' ? squash(plainText(b.children)) : '');

function repair(input: DraftBlock[]) {
  const diagnostics = new Diagnostics('x.md');
  const out = repairParagraphs(structuredClone(input), diagnostics);
  return { out, warnings: diagnostics.list.filter((d) => d.rule.startsWith('repair:')) };
}

describe('repairs on arbitrary paragraphs', () => {
  it('keep every block that is not a paragraph, in order, and account for each merge with one warning', () => {
    fc.assert(
      fc.property(blocks, (input) => {
        const { out, warnings } = repair(input);
        expect(out.filter((b) => b.type !== 'paragraph')).toEqual(input.filter((b) => b.type !== 'paragraph'));
        expect(out.filter((b) => b.type === 'paragraph').length + warnings.length).toBe(input.filter((b) => b.type === 'paragraph').length);
      }),
      runs(500),
    );
  }, TIMEOUT);

  it('lose no text but the repeated phrase of a scrape duplicate and the few words before it, each reported', () => {
    // Counted as characters (spaces aside): what went in is what came out plus what the warnings say was dropped.
    const count = (texts: string[]) => {
      const m = new Map<string, number>();
      for (const ch of texts.join('').replace(/\s+/g, '')) m.set(ch, (m.get(ch) ?? 0) + 1);
      return m;
    };
    fc.assert(
      fc.property(blocks, (input) => {
        const { out, warnings } = repair(input);
        const dropped = warnings
          .filter((d) => d.rule === 'repair:scrape-duplicate')
          .flatMap((d) => {
            const m = /repeats "(.*?)"(?:; also dropped "(.*)" before it)?$/.exec(d.message)!;
            expect((m[2] ?? '').split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(8);
            return [m[1]!, m[2] ?? ''];
          });
        expect(count([...out.map(textOf), ...dropped])).toEqual(count(input.map(textOf)));
      }),
      runs(500),
    );
  }, TIMEOUT);

  it('never join anything to a paragraph that ends with closing punctuation', () => {
    fc.assert(
      fc.property(blocks, (input) => {
        const { out } = repair(input);
        const finished = (b: DraftBlock | undefined) => b?.type === 'paragraph' && /[.!?…:;—–-]["'”’)\]]*$/.test(textOf(b));
        const after = input.filter((b, i) => b.type === 'paragraph' && finished(input[i - 1]));
        for (const q of after) expect(out.some((b) => b.position?.line === q.position?.line)).toBe(true);
      }),
      runs(500),
    );
  }, TIMEOUT);

  it('are idempotent: repairing a repaired article changes nothing', () => {
    fc.assert(
      fc.property(blocks, (input) => {
        const once = repair(input);
        const twice = repair(once.out);
        expect(twice.out).toEqual(once.out);
        expect(twice.warnings).toEqual([]);
      }),
      runs(500),
    );
  }, TIMEOUT);
});
