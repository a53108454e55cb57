/**
 * The audio stage ends before its last MP3 segments are encoded (`mp3Ready`): the book and
 * the web edition are made meanwhile and copy the frames when they are ready. What that
 * must not change: the outputs (a rebuild's are a cold build's, test/clip-index.test.ts and
 * test/watch.test.ts), and whose failure a failed encoding is: the stage that made it,
 * even when a later stage meets it first; nothing is written then.
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Diagnostics, StageError } from '../src/article/diagnostics.js';
import { planStages, runStages } from '../src/pipeline/runner.js';
import { defineStage, type BuildOptions } from '../src/pipeline/stage.js';
import { parseArticle } from '../src/readers/index.js';
import { zipChunks } from '../src/util/zip.js';
import { tmpDir } from './helpers.js';

const { article } = await parseArticle('---\nheadline: H\n---\n\nBody.\n', 'a.md');
const options = (outDir: string): BuildOptions => ({ outDir, baseName: 'a', articleDir: outDir, articleFile: 'a.md', sources: [{ file: 'a.md', dir: outDir }], allowRemote: false, sourceDateEpoch: 0, stageOptions: {}, cacheDir: false });

describe('work a stage leaves running for later stages', () => {
  it('a failure of it is the failure of the stage that started it, not of the stage that met it; no output is written', async () => {
    const out = tmpDir();
    let later: Promise<Uint8Array> | undefined;
    const encoder = defineStage({
      name: 'encoder',
      description: 'ends before its work is done',
      async run(ctx) {
        later = new Promise<Uint8Array>((_, reject) => setTimeout(() => reject(new StageError('encoder', new Error('the encoder broke'), 'a.md')), 20));
        later.catch(() => {});
        await ctx.output.write('early.txt', 'written before the failure');
      },
    });
    const packer = defineStage({
      name: 'packer',
      description: 'copies what the encoder makes',
      needs: ['encoder'],
      async run(ctx) {
        await ctx.output.writeChunks('book.bin', (async function* () {
          yield await later!;
        })());
      },
    });
    const err = await runStages(planStages([encoder, packer], []), article, options(out), new Diagnostics()).catch((e: unknown) => e);
    expect(String(err)).toBe('a.md: error: encoder stage failed: the encoder broke');
    expect(readdirSync(out).filter((f) => !f.startsWith('.'))).toEqual([]);
    expect(existsSync(`${out}/early.txt`)).toBe(false);
  });

  it('a failed build leaves no folder behind for the outputs it had begun in subfolders (a web edition, say)', async () => {
    const out = tmpDir();
    const web = defineStage({
      name: 'site',
      description: 'writes into a subfolder',
      async run(ctx) {
        await ctx.output.write('a.web/images/fig.jpg', 'not really a JPEG');
      },
    });
    const broken = defineStage({
      name: 'broken',
      description: 'fails after it',
      needs: ['site'],
      async run() {
        throw new Error('it broke');
      },
    });
    const err = await runStages(planStages([web, broken], []), article, options(out), new Diagnostics()).catch((e: unknown) => e);
    expect(String(err)).toMatch(/it broke/);
    expect(readdirSync(out).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('a zip whose stream entry comes late (its other entries deflated while it waits) has the same bytes', async () => {
    let give!: (b: Uint8Array) => void;
    const late = new Promise<Uint8Array>((r) => (give = r));
    const text = 'the same words again and again; '.repeat(400);
    const entries = (stream: AsyncIterable<Uint8Array>) => [
      { name: 'a.txt', method: 'deflate' as const, data: text },
      { name: 'late.bin', method: 'store' as const, data: stream },
      { name: 'b.txt', method: 'deflate' as const, data: `${text}!` },
    ];
    const date = new Date(Date.UTC(2020, 0, 1));
    const collect = async (chunks: AsyncIterable<Uint8Array>) => {
      const parts: Uint8Array[] = [];
      for await (const c of chunks) parts.push(c);
      return Buffer.concat(parts);
    };
    const waiting = collect(
      zipChunks(
        entries(
          (async function* () {
            yield await late;
          })(),
        ),
        date,
      ),
    );
    // The late entry arrives only after the others had all the time they need.
    await new Promise((r) => setTimeout(r, 50));
    give(Buffer.from('the narration'));
    const bytes = await waiting;
    const direct = await collect(
      zipChunks(
        entries(
          (async function* () {
            yield Buffer.from('the narration');
          })(),
        ),
        date,
      ),
    );
    expect(bytes.equals(direct)).toBe(true);
    expect(bytes.includes(Buffer.from('the narration'))).toBe(true);
  });
});
