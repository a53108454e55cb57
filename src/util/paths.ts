import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** lectern's own folder (the one with package.json, templates/ and assets/), from src/ or dist/lib/ alike. */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'templates')) || !existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('lectern: cannot find its templates folder');
    dir = up;
  }
  return dir;
}

export const PROJECT_ROOT = findRoot();

export function projectFile(...parts: string[]): string {
  return path.join(PROJECT_ROOT, ...parts);
}
