import { defaultRegistry } from '../plugins/builtin.js';
import type { Registry } from '../plugins/registry.js';

/** One line per stage: name, description, and whether it runs without being asked for. */
export function stageList(registry: Registry = defaultRegistry()): string {
  const names = registry.stageNames;
  const width = Math.max(...names.map((n) => n.length));
  return (
    names
      .map((n) => {
        const e = registry.stage(n)!;
        const note = registry.isBuiltinStage(n) ? (e.default ? '' : '  (on request)') : e.default === false ? '  (plugin, on request)' : '  (plugin)';
        return `${n.padEnd(width)}  ${e.description}${note}`;
      })
      .join('\n') + '\n'
  );
}
