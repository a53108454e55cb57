import type { Diagnostic } from '../article/diagnostics.js';
import { LecternError } from '../article/diagnostics.js';
import { StageError } from '../pipeline/runner.js';
import { escapeLine } from '../util/escape.js';

/** Diagnostics in source order, one `file:line:col: warning: message` per line. */
export function formatDiagnostics(list: readonly Diagnostic[]): string {
  return [...list]
    .sort((a, b) => (a.place.line ?? 0) - (b.place.line ?? 0))
    .map((d) => `${d.toString()}\n`)
    .join('');
}

/** One line for a failure: the place, the stage when there is one, the reason. */
export function formatFailure(file: string, error: unknown): string {
  return escapeLine(failureLine(file, error));
}

function failureLine(file: string, error: unknown): string {
  if (error instanceof StageError) {
    const cause = error.cause;
    if (cause instanceof LecternError) return new LecternError(`${error.stage}: ${cause.message}`, cause.code, { file, ...cause.place }).toString();
    return `${file}: error: ${error.stage} stage failed: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
  if (error instanceof LecternError) return error.toString();
  return `${file}: error: ${error instanceof Error ? error.message : String(error)}`;
}
