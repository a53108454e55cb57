import { LecternError } from '../article/diagnostics.js';
import type { Registry } from '../plugins/registry.js';
import { installedVoices, VoiceError, voicesRoot, type InstalledVoice } from '../tts/voice-store.js';
import { escapeLine } from '../util/escape.js';

function sizeOf(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** The installed neural voices as a table: id, language, model, sample rate, size, licence. */
export function voiceTable(voices: readonly InstalledVoice[]): string {
  const rows = [['id', 'language', 'engine', 'rate', 'size', 'licence'], ...voices.map((v) => [
    v.speakers.length > 1 ? `${v.id} (:${v.speakers.length} speakers)` : v.id,
    v.languages.join(', '),
    `${v.family}${v.family === v.kind ? '' : ` (${v.kind})`}`,
    `${v.sampleRate} Hz`,
    sizeOf(v.size),
    v.licence,
  ])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd() + '\n').join('');
}

async function listNeural(): Promise<void> {
  const { sherpaVersion, HOW_TO_GET } = await import('../tts/neural.js');
  const root = voicesRoot();
  const voices = await installedVoices(root);
  const version = sherpaVersion();
  process.stdout.write(`neural (Piper/VITS and Kokoro voices via sherpa-onnx, ${version ? `sherpa-onnx-node ${version}` : `sherpa-onnx-node not installed: ${HOW_TO_GET}`}): ${voices.length} voice${voices.length === 1 ? '' : 's'} in ${root}\n`);
  if (voices.length) process.stdout.write(voiceTable(voices));
  else process.stdout.write('  none installed: lectern voices add <url-or-archive> (see README, "Natural voices")\n');
}

export async function runVoices(opts: { engine?: string }, registry: Registry): Promise<number> {
  const ids = opts.engine ? [opts.engine] : registry.engineIds;
  let status = 0;
  for (const id of ids) {
    try {
      if (id === 'neural') {
        await listNeural();
        continue;
      }
      const engine = await registry.loadEngine(id);
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

export interface AddFlags {
  sha256?: string;
  licence?: string;
  lang?: string;
  id?: string;
  maxSize?: number;
  force?: boolean;
  quiet?: boolean;
}

/** One line for a message: no control characters from a URL or a file name. */
function quote(s: string): string {
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);
}

/** A reason may quote names from inside an archive: its control characters are escaped. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export async function runVoicesAdd(source: string, flags: AddFlags): Promise<number> {
  const { addVoice, mb } = await import('../tts/voice-install.js');
  const tty = process.stderr.isTTY && !flags.quiet;
  let last = 0;
  const controller = new AbortController();
  const stop = () => controller.abort(new VoiceError('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const m = await addVoice(source, {
      ...(flags.sha256 ? { sha256: flags.sha256 } : {}),
      ...(flags.licence ? { licence: flags.licence } : {}),
      ...(flags.lang ? { language: flags.lang } : {}),
      ...(flags.id ? { id: flags.id } : {}),
      ...(flags.maxSize ? { maxBytes: Math.round(flags.maxSize * 1024 * 1024) } : {}),
      force: flags.force ?? false,
      signal: controller.signal,
      onProgress: (received, total) => {
        if (!tty || (Date.now() - last < 100 && received !== total)) return;
        last = Date.now();
        const width = 30;
        const bar = total ? `[${'#'.repeat(Math.round((received / total) * width)).padEnd(width)}] ${Math.floor((received / total) * 100)}% of ${mb(total)}` : mb(received);
        process.stderr.write(`\r\x1b[Kdownloading ${bar}`);
      },
    });
    if (tty && last) process.stderr.write('\r\x1b[K');
    if (!flags.quiet) {
      process.stdout.write(`installed ${m.id}: ${m.languages.join(', ')}, ${m.family}, ${m.sampleRate} Hz, ${sizeOf(m.size)}, licence: ${m.licence}\n`);
      if (m.licence === 'unknown') process.stderr.write(`lectern: warning: the licence of ${m.id} is unknown: check the voice's model card before you publish audio made with it (record it with --licence)\n`);
    }
    return 0;
  } catch (e) {
    if (tty && last) process.stderr.write('\r\x1b[K');
    if (controller.signal.aborted) {
      process.stderr.write(`lectern: voices add ${quote(source)}: interrupted; nothing was installed\n`);
      return 130;
    }
    if (!(e instanceof VoiceError)) {
      const code = (e as NodeJS.ErrnoException).code;
      if (!code) throw e;
      process.stderr.write(`lectern: voices add ${quote(source)}: ${code} ${clean((e as Error).message)}\n`);
      return 1;
    }
    process.stderr.write(`lectern: voices add ${quote(source)}: ${clean(e.message)}; nothing was installed\n`);
    return e.message.startsWith('--') ? 2 : 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export async function runVoicesRemove(id: string): Promise<number> {
  const { removeVoice } = await import('../tts/voice-install.js');
  try {
    await removeVoice(id);
    process.stdout.write(`removed ${id}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof VoiceError)) throw e;
    process.stderr.write(`lectern: voices remove: ${clean(e.message)}\n`);
    return 1;
  }
}
