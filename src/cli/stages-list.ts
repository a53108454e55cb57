import { builtinStages } from '../stages/index.js';

export function stageList(): string {
  const names = Object.keys(builtinStages);
  const width = Math.max(...names.map((n) => n.length));
  return (
    names
      .map((n) => {
        const e = builtinStages[n]!;
        return `${n.padEnd(width)}  ${e.description}${e.default ? '' : '  (on request)'}`;
      })
      .join('\n') + '\n'
  );
}
