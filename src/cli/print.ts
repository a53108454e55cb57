import { Diagnostic, LecternError } from '../article/diagnostics.js';
import { escapeLine } from '../util/escape.js';

/** Diagnostics in source order, one `file:line:col: warning: message` per line. */
export function formatDiagnostics(list: readonly Diagnostic[]): string {
  return [...list]
    .sort((a, b) => (a.place.line ?? 0) - (b.place.line ?? 0))
    .map((d) => `${d.toString()}\n`)
    .join('');
}

/**
 * One line for a failure: the diagnostic's own `toString()` (the library prints the same
 * line), placed at `file` when it names no file of its own.
 */
export function formatFailure(file: string, error: unknown): string {
  if (error instanceof Diagnostic) return error.place.file ? String(error) : String(new LecternError(error.message, error.rule, { file, ...error.place }));
  return escapeLine(`${file}: error: ${error instanceof Error ? error.message : String(error)}`);
}
