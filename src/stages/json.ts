import type { Stage } from '../pipeline/stage.js';

/** Writes the normalised article model as `<name>.json` (valid input for the JSON reader). */
export function jsonStage(): Stage {
  return {
    name: 'json',
    description: 'the normalised article model as JSON',
    async run(ctx) {
      const doc = { $schema: 'https://lectern.invalid/article.schema.json', ...ctx.article };
      await ctx.output.write(`${ctx.options.baseName}.json`, JSON.stringify(doc, null, 2) + '\n');
    },
  };
}
