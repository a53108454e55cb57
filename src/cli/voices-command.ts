import { LecternError } from '../article/diagnostics.js';
import { engines, loadEngine } from '../tts/registry.js';
import { escapeLine } from '../util/escape.js';

export async function runVoices(opts: { engine?: string }): Promise<number> {
  const ids = opts.engine ? [opts.engine] : Object.keys(engines);
  let status = 0;
  for (const id of ids) {
    try {
      const engine = await loadEngine(id);
      const voices = await engine.voices();
      process.stdout.write(`${id} (${engine.description}, version ${await engine.version()}): ${voices.length} voices\n`);
      for (const v of voices) process.stdout.write(`  ${v.id.padEnd(20)} ${v.name}${v.languages.length ? `  [${v.languages.join(', ')}]` : ''}\n`);
    } catch (e) {
      if (!(e instanceof LecternError)) throw e;
      process.stderr.write(`lectern: ${escapeLine(`${id}: ${e.message}`)}\n`);
      status = e.code.startsWith('usage:') ? 2 : 1;
    }
  }
  return status;
}
