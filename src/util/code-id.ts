/**
 * What identifies the code of the bundled command (dist/bin/cli/main.cjs): scripts/bundle.mjs
 * writes a hash of the bundle in place of this placeholder. Results kept in the cache that
 * only this code decides (the speech script's normalised sentences) are kept under it, so a
 * changed lectern never reuses them. Unset elsewhere (the library, code run from src/):
 * nothing keyed by it is kept.
 */
const ID = 'lectern-code-id:unset';

export function codeId(): string | undefined {
  const id = ID.slice(ID.indexOf(':') + 1);
  return id === 'unset' ? undefined : id;
}
