import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { articleJsonSchema } from '../src/article/json-schema.js';
import { readArticle } from '../src/readers/index.js';
import { lectern, ROOT, SAMPLE, tmpDir } from './helpers.js';

describe('JSON articles', () => {
  it('reads back what `inspect --json` prints, unchanged', async () => {
    const dir = tmpDir();
    const r = lectern(['inspect', SAMPLE, '--json']);
    const file = path.join(dir, 'article.json');
    writeFileSync(file, r.stdout);
    const { article, format } = await readArticle(file);
    expect(format).toBe('json');
    // Positions are places in the file read: the Markdown's lines there, the JSON's here.
    const strip = (a: { blocks: { position?: unknown }[] }) => ({ ...a, blocks: a.blocks.map(({ position: _p, ...b }) => b) });
    expect(strip(article)).toEqual(strip(JSON.parse(r.stdout)));
    const lines = r.stdout.split('\n');
    for (const b of article.blocks) expect(lines[b.position!.line - 1]!.slice(b.position!.column - 1)).toMatch(/^\{/);
  });

  it('accepts plain strings for rich text and assigns ids', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'a.json');
    writeFileSync(file, JSON.stringify({ headline: 'H', blocks: [{ type: 'paragraph', children: 'Hello.' }, { type: 'list', items: ['a', 'b'] }] }));
    const { article } = await readArticle(file);
    expect(article.lang).toBe('en');
    expect(article.blocks[0]).toMatchObject({ type: 'paragraph', id: expect.stringMatching(/^p-[0-9a-f]{8}$/), children: [{ type: 'text', value: 'Hello.' }] });
    expect(article.blocks[1]).toMatchObject({ type: 'list', ordered: false });
  });

  it('names the field path when the schema fails', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ headline: 'H', blocks: [{ type: 'paragraph', children: 'ok' }, { type: 'figure', caption: 42 }] }));
    const r = lectern(['inspect', file]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(new RegExp(`^${file}: error: blocks\\.1\\.caption: `));
  });

  it('rejects unknown fields by name', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'typo.json');
    writeFileSync(file, JSON.stringify({ headline: 'H', byline: { autors: ['X'] }, blocks: [] }));
    const r = lectern(['inspect', file]);
    expect(r.stderr.trim()).toBe(`${file}: error: byline: unknown field "autors"`);
  });

  it('refuses author ids that are duplicated or that lectern uses itself', () => {
    const dir = tmpDir();
    for (const [ids, message] of [
      [['a', 'a'], 'blocks.1.id: "a" is used by an earlier block; ids must be unique'],
      [['headline'], `blocks.0.id: "headline" is reserved for lectern's own elements; choose another id`],
      [['x-s1'], `blocks.0.id: "x-s1" is reserved for lectern's own elements; choose another id`],
    ] as const) {
      const file = path.join(dir, 'ids.json');
      writeFileSync(file, JSON.stringify({ headline: 'H', blocks: ids.map((id) => ({ type: 'paragraph', id, children: 'Text.' })) }));
      const r = lectern(['inspect', file]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(`${file}: error: ${message}`);
    }
  });

  it('ships a JSON Schema generated from the model', () => {
    const committed = JSON.parse(readFileSync(path.join(ROOT, 'assets/article.schema.json'), 'utf8'));
    expect(committed).toEqual(articleJsonSchema());
  });
});
