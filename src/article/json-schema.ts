/**
 * Generates `assets/article.schema.json`, the JSON Schema for articles written as JSON,
 * from the same zod schema the JSON reader validates with. Run `npm run schema`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ArticleInput } from '../readers/json.js';
import { projectFile } from '../util/paths.js';

export function articleJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ArticleInput, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://lectern.invalid/article.schema.json', title: 'lectern article' };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = projectFile('assets', 'article.schema.json');
  writeFileSync(target, JSON.stringify(articleJsonSchema(), null, 2) + '\n');
}
