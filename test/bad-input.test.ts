import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lectern, listFiles, tmpDir } from './helpers.js';

/** Each case: a file the user might give, and the one line lectern must answer with. */
const cases: { name: string; make: (dir: string) => string; error: RegExp }[] = [
  { name: 'an empty file', make: (d) => write(d, 'empty.md', ''), error: /empty\.md: error: file is empty$/ },
  { name: 'a whitespace-only file', make: (d) => write(d, 'blank.md', ' \n\n\t\n'), error: /blank\.md: error: file is empty$/ },
  { name: 'a binary file', make: (d) => write(d, 'photo.md', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 0x49, 0x48])), error: /photo\.md: error: looks like a binary file/ },
  { name: 'invalid UTF-8', make: (d) => write(d, 'latin1.md', Buffer.from('---\nheadline: Caf\xe9\n---\n\nText.\n', 'latin1')), error: /latin1\.md: error: is not valid UTF-8 \(first bad byte at offset 17\)$/ },
  { name: 'malformed front matter', make: (d) => write(d, 'fm.md', '---\nheadline: "unclosed\nlang: en\n---\n\nBody.\n'), error: /fm\.md:\d+:1: error: malformed front matter: / },
  { name: 'front matter with wrong types', make: (d) => write(d, 'types.md', '---\nheadline: H\nbyline:\n  authors: 42\n---\n\nBody.\n'), error: /types\.md:1:1: error: front matter: byline\.authors: / },
  { name: 'JSON failing the schema', make: (d) => write(d, 'a.json', '{"headline": "", "blocks": []}'), error: /a\.json: error: headline: / },
  { name: 'invalid JSON', make: (d) => write(d, 'b.json', '{"headline": "H",\n "blocks": [}'), error: /b\.json(:\d+:\d+)?: error: invalid JSON: / },
  { name: 'a missing file', make: (d) => path.join(d, 'nope.md'), error: /nope\.md: error: no such file$/ },
  { name: 'a directory given as a file', make: (d) => (mkdirSync(path.join(d, 'folder.md')), path.join(d, 'folder.md')), error: /folder\.md: error: (is a directory, expected an article file|is a folder with no article files \(\.md, .*\))$/ },
];

function write(dir: string, name: string, data: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return file;
}

describe('bad input gives one clear line, exit 1, nothing written, no stack trace', () => {
  for (const c of cases) {
    it(c.name, () => {
      const dir = tmpDir();
      const out = path.join(dir, 'out');
      const file = c.make(dir);
      for (const args of [['build', file, '-o', out, '--stages', 'json'], ['inspect', file]]) {
        const r = lectern(args);
        expect(r.status).toBe(1);
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(c.error);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(listFiles(out)).toEqual([]);
      }
    });
  }

  it('an unknown stage is a usage error (exit 2)', () => {
    const r = lectern(['build', 'x.md', '--stages', 'nope']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/unknown stage "nope" \(available: .*json/);
  });

  it('an unknown option is a usage error (exit 2)', () => {
    const r = lectern(['build', '--frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
  });
});
