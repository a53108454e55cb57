/**
 * `lectern preview FILE`: builds the web edition when it is missing or older than the
 * article, serves its folder on 127.0.0.1, prints the URL and runs until Ctrl-C
 * (exit 130, with a line saying so).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LecternError } from '../article/diagnostics.js';
import { buildArticle, outputBaseName } from '../build.js';
import { webFolder } from '../stages/web.js';
import { serveFolder } from '../web/serve.js';
import { formatDiagnostics, formatFailure } from './print.js';

export interface PreviewFlags {
  out: string;
  port?: number;
  rebuild: boolean;
  cacheDir?: string;
  cache: boolean;
  quiet: boolean;
}

const mtime = async (file: string) => (await stat(file).catch(() => undefined))?.mtimeMs;

export async function runPreview(file: string, flags: PreviewFlags): Promise<number> {
  const outDir = path.resolve(flags.out);
  const folder = path.join(outDir, webFolder(outputBaseName(file)));
  const index = path.join(folder, 'index.html');
  const source = await mtime(file);
  if (source === undefined) {
    process.stderr.write(`lectern: ${new LecternError('file not found', 'input:missing', { file }).toString()}\n`);
    return 1;
  }
  const built = await mtime(index);
  const controller = new AbortController();
  const stopBuild = (sig: NodeJS.Signals) => controller.abort(new LecternError(`interrupted by ${sig}`, 'build:interrupted'));
  if (flags.rebuild || built === undefined || built < source) {
    if (!flags.quiet) process.stderr.write(`building the web edition of ${file}\n`);
    process.once('SIGINT', stopBuild);
    process.once('SIGTERM', stopBuild);
    const r = await buildArticle(file, { outDir, stages: ['web'], cacheDir: flags.cache ? flags.cacheDir : false, signal: controller.signal });
    process.off('SIGINT', stopBuild);
    process.off('SIGTERM', stopBuild);
    if (!flags.quiet) process.stderr.write(formatDiagnostics(r.diagnostics.list.filter((d) => d.severity !== 'info')));
    if (r.error) {
      process.stderr.write(formatFailure(file, r.error) + '\n');
      if (controller.signal.aborted) return 130;
      return r.error instanceof LecternError && r.error.code.startsWith('usage:') ? 2 : 1;
    }
  } else if (!flags.quiet) process.stderr.write(`${path.relative(process.cwd(), folder) || folder} is up to date\n`);

  let served;
  try {
    served = await serveFolder(folder, flags.port ?? 0);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port ${flags.port} is in use` : e instanceof Error ? e.message : String(e);
    process.stderr.write(`lectern: cannot serve ${folder}: ${reason}\n`);
    return 1;
  }
  process.stdout.write(`serving ${path.relative(process.cwd(), folder) || folder} at ${served.url} (Ctrl-C stops)\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await served.close();
  process.stderr.write(`lectern: preview stopped (${signal})\n`);
  return 130;
}
