/**
 * Escapes what would let quoted content break out of a one-line message on a terminal:
 * C0 and C1 control characters (newlines, ESC, BEL), DEL, the Unicode line and paragraph
 * separators and the bidirectional overrides become visible escapes (`\n`, `\x1b`,
 * `\u2028`), so one diagnostic is always one line and never moves the cursor, colours the
 * terminal, sets its title or reorders what is shown.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function escapeLine(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
