import { escapeLine } from '../util/escape.js';

/**
 * Diagnostics travel with a build: readers, transforms and stages report into a
 * `Diagnostics` list; only the CLI prints them. Fatal problems are thrown as `LecternError`.
 */

export type Severity = 'error' | 'warning' | 'info';

export interface Place {
  file?: string;
  line?: number;
  column?: number;
}

/**
 * The one diagnostic type, in the shape of vfile's messages: a severity, the text, a rule
 * id (`source:rule`), a place and, for a failure, the `cause`. Warnings and notes travel in
 * a `Diagnostics` list; an error is thrown (`LecternError`, a Diagnostic of severity
 * `error`). `String(d)` is the one line the CLI prints: `file:line:col: severity: text`.
 */
export class Diagnostic extends Error {
  override name = 'Diagnostic';
  /** `error` (fatal), `warning` or `info`. */
  readonly severity: Severity;
  /** Rule id, `source:rule`, e.g. `repair:split-paragraph`. */
  readonly rule: string;
  readonly place: Place;

  constructor(severity: Severity, message: string, rule: string, place: Place = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.severity = severity;
    this.rule = rule;
    this.place = place;
  }

  /** vfile's name for the text. */
  get reason(): string {
    return this.message;
  }

  /**
   * `file:line:col: severity: message`, the format compilers use; the library and the CLI
   * both print this. Always one line: quoted content (a front matter key, an image path)
   * has its control characters escaped.
   */
  override toString(): string {
    return escapeLine(`${formatPlace(this.place)}${this.severity}: ${this.message}`);
  }

  toJSON() {
    return { severity: this.severity, message: this.message, rule: this.rule, ...this.place };
  }
}

/**
 * lectern's error classes answer `instanceof` by a brand (a registered symbol on their
 * prototype) as well as by identity: a plugin's `LecternError` comes from the lectern it
 * imports (`dist/lib/`, or a copy of its own), the command's from its bundle (`dist/bin/`),
 * and each must recognise the other's. A subclass without a brand of its own keeps the
 * ordinary test.
 */
function brand(cls: abstract new (...args: never[]) => object, name: string): void {
  const key = Symbol.for(`lectern:${name}`);
  Object.defineProperty(cls.prototype, key, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, x: unknown): boolean {
      if (Function.prototype[Symbol.hasInstance].call(this, x)) return true;
      return this === cls && typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[key] === true;
    },
  });
}
brand(Diagnostic, 'Diagnostic');

export function formatPlace(place: Place): string {
  if (!place.file) return '';
  let s = place.file;
  if (place.line) s += `:${place.line}:${place.column ?? 1}`;
  return s + ': ';
}

/** An ordered list of diagnostics, shared by everything that works on one article. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];
  constructor(readonly file?: string) {}

  warn(message: string, rule: string, place: Omit<Place, 'file'> = {}): Diagnostic {
    return this.push(new Diagnostic('warning', message, rule, { file: this.file, ...place }));
  }
  info(message: string, rule: string, place: Omit<Place, 'file'> = {}): Diagnostic {
    return this.push(new Diagnostic('info', message, rule, { file: this.file, ...place }));
  }
  push(d: Diagnostic): Diagnostic {
    this.list.push(d);
    return d;
  }
  get warnings(): Diagnostic[] {
    return this.list.filter((d) => d.severity === 'warning');
  }
}

/**
 * A Diagnostic of severity `error`, thrown: the one error type lectern throws for problems
 * with the user's input or environment. Its message is a single line fit to show a user;
 * anything else escaping is a bug. `code` is its rule id.
 */
export class LecternError extends Diagnostic {
  override name = 'LecternError';
  constructor(
    message: string,
    readonly code: string,
    place: Place = {},
    options?: { cause?: unknown },
  ) {
    super('error', message, code, place, options);
  }
}
brand(LecternError, 'LecternError');

/**
 * A stage's failure: a LecternError at the build's file, its message starting with the
 * stage's name; the original error is the `cause`. `String(e)` is the line the CLI prints:
 * `article.md:12:1: error: images: ...`, or `article.md: error: epub stage failed: ...`
 * for an error that is not a LecternError (a bug, or a plugin's plain Error).
 */
export class StageError extends LecternError {
  override name = 'StageError';
  constructor(
    readonly stage: string,
    cause: unknown,
    /** The build's input (or digest) the failure belongs to. */
    file?: string,
  ) {
    const inner = cause instanceof LecternError ? cause : undefined;
    const text = inner ? `${stage}: ${inner.message}` : `${stage} stage failed: ${cause instanceof Error ? cause.message : String(cause)}`;
    super(text, inner?.code ?? 'stage:failed', { ...(file ? { file } : {}), ...inner?.place }, { cause });
  }
}
brand(StageError, 'StageError');

/** Error factories: one per code, so every message is written once. */
export const errors = {
  notFound: (file: string) => new LecternError('no such file', 'input:not-found', { file }),
  isDirectory: (file: string) => new LecternError('is a directory, expected an article file', 'input:directory', { file }),
  empty: (file: string) => new LecternError('file is empty', 'input:empty', { file }),
  binary: (file: string) => new LecternError('looks like a binary file, not an article (found NUL bytes)', 'input:binary', { file }),
  tooLarge: (file: string, size: number, limit: number, atLeast = false) =>
    new LecternError(`file is ${atLeast ? 'more than ' + limit : size} bytes, over the ${limit}-byte limit (raise it with --max-input-bytes)`, 'input:too-large', { file }),
  badEncoding: (file: string, offset: number) =>
    new LecternError(`is not valid UTF-8 (first bad byte at offset ${offset})`, 'input:encoding', { file }),
  badFrontMatter: (file: string, line: number, reason: string) =>
    new LecternError(`malformed front matter: ${reason}`, 'input:front-matter', { file, line }),
  badJson: (file: string, reason: string, line?: number) => new LecternError(`invalid JSON: ${reason}`, 'input:json', { file, line }),
  schema: (file: string, path: string, reason: string, line?: number) =>
    new LecternError(`${path ? path + ': ' : ''}${reason}`, 'input:schema', { file, line }),
  structure: (file: string, reason: string, line?: number) => new LecternError(reason, 'input:structure', { file, line }),
  unknownFormat: (file: string, format: string, formats: readonly string[] = ['seed', 'markdown', 'json', 'html']) =>
    new LecternError(`unknown input format "${format}" (expected ${formats.slice(0, -1).join(', ')} or ${formats[formats.length - 1]})`, 'input:format', { file }),
};
