/**
 * What `lectern build` accepts besides article files: folders (their article files, not
 * recursively) and glob patterns (`articles/**\/*.md` goes into subfolders because it says so).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LecternError } from './article/diagnostics.js';

/** Files a folder contributes with the built-in readers (a plugin's readers add their own extensions). */
export const ARTICLE_EXTENSIONS = ['.md', '.markdown', '.json', '.html', '.htm'] as const;

/** One input to build, in the order given; `error` when an argument yielded no file. */
export interface ExpandedInput {
  file: string;
  error?: LecternError;
}
export type ExpandedInputs = ExpandedInput[];

/**
 * Expands folders and glob patterns into article files, keeping the order of the
 * arguments (a folder's and a pattern's files in name order) and listing no file twice.
 * An existing file is taken as it is, even when its name looks like a pattern; a name
 * that is neither a file, a folder nor a pattern is kept, so reading it reports it missing.
 */
export async function expandInputs(args: readonly string[], cwd = process.cwd(), readerExtensions: readonly string[] = ARTICLE_EXTENSIONS): Promise<ExpandedInputs> {
  // The built-in extensions in their usual order, then those plugins' readers add.
  const extensions: string[] = [...ARTICLE_EXTENSIONS, ...readerExtensions].filter((e, i, all) => all.indexOf(e) === i);
  const out: ExpandedInputs = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const key = path.resolve(cwd, file);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ file });
  };
  for (const arg of args) {
    // A web address is fetched when it is read; `?` in it is no glob.
    if (/^https?:\/\//i.test(arg)) {
      if (!seen.has(arg)) out.push({ file: arg });
      seen.add(arg);
      continue;
    }
    const info = await stat(path.resolve(cwd, arg)).catch(() => undefined);
    if (info?.isDirectory()) {
      const entries = await readdir(path.resolve(cwd, arg), { withFileTypes: true });
      const files = entries
        .filter((e) => !e.isDirectory() && extensions.includes(path.extname(e.name).toLowerCase()))
        .map((e) => e.name)
        .sort();
      if (!files.length) out.push({ file: arg, error: new LecternError(`is a folder with no article files (${extensions.join(', ')})`, 'input:empty-folder', { file: arg }) });
      files.forEach((name) => add(path.join(arg, name)));
    } else if (!info) {
      // tinyglobby (with picomatch and fdir) loads only for an argument that names no file.
      const { glob, isDynamicPattern } = await import('tinyglobby');
      if (isDynamicPattern(arg)) {
        const files = (await glob(arg, { cwd, onlyFiles: true, expandDirectories: false })).sort();
        if (!files.length) out.push({ file: arg, error: new LecternError('no files match this pattern', 'input:no-match', { file: arg }) });
        files.forEach((f) => add(path.isAbsolute(arg) ? path.resolve(cwd, f) : f));
      } else add(arg);
    } else add(arg);
  }
  return out;
}
