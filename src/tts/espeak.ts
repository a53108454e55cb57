/**
 * eSpeak NG compiled to WebAssembly (npm `espeak-ng`): works offline right after
 * `npm ci`, on every OS, and gives the same bytes for the same input. Each call runs the
 * espeak-ng program once in a fresh instance of the compiled module (the module is
 * compiled once per thread), with the text in a file of its virtual file system, never as
 * an argument.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LecternError } from '../article/diagnostics.js';
import { sharedWasmModule } from '../workers/shared-wasm.js';
import { pickVoice, type Synthesis, type SynthesisRequest, type TtsEngine, type Voice } from './engine.js';

const require = createRequire(import.meta.url);

export interface EmscriptenModule {
  FS: {
    readFile(path: string): Uint8Array;
    writeFile(path: string, data: string | Uint8Array): void;
    unlink(path: string): void;
    symlink(target: string, path: string): void;
    mkdir(path: string): unknown;
    lookupPath(path: string): { node: unknown };
    readdir(path: string): string[];
    isDir(mode: number): boolean;
    lstat(path: string): { mode: number; size: number };
    isLink(mode: number): boolean;
    analyzePath(path: string): { exists: boolean };
  };
}
type Factory = (opts: Record<string, unknown>) => Promise<EmscriptenModule>;
interface Exports {
  memory: WebAssembly.Memory;
  stackSave(): number;
  stackRestore(sp: number): void;
  stackAlloc(size: number): number;
  __main_argc_argv(argc: number, argv: number): number;
  __emscripten_embedded_file_data?: WebAssembly.Global;
  malloc(size: number): number;
  free(ptr: number): void;
}

const wasmFile = () => require.resolve('espeak-ng').replace(/espeak-ng\.js$/, 'espeak-ng.wasm');

let compiled: Promise<{ factory: Factory; module: WebAssembly.Module }> | undefined;
function load() {
  compiled ??= (async () => {
    const entry = require.resolve('espeak-ng');
    const factory = ((await import(entry)) as { default: Factory }).default;
    // Compiled once per process and shared by the threads (see shared-wasm.ts).
    const module = await sharedWasmModule(wasmFile());
    return { factory, module };
  })();
  return compiled;
}

/**
 * One eSpeak NG program, run many times. Creating an instance costs about 65 ms (the voice
 * data is unpacked into its file system and its memory initialised), far more than most
 * sentences take to say. So the instance is created once, without running `main`, and its
 * memory is saved; every run restores that memory and calls `main` with fresh arguments.
 * Each run therefore starts from exactly the state a new instance would have (same bytes
 * out, checked by the tests), for the cost of one memory copy.
 */
class EspeakProgram {
  get fs(): EmscriptenModule['FS'] {
    return this.mod.FS;
  }

  private constructor(
    private readonly mod: EmscriptenModule,
    private readonly exports: Exports,
    /** The initial bytes of the parts of memory a run may change (`writable`, in order). */
    private readonly snapshot: Uint8Array[],
    /** The parts of the initial memory a run may change: everything but the embedded voice data. */
    private readonly writable: [number, number][],
    /** Where the initial memory's non-zero bytes end: the heap above it starts as zeros. */
    private readonly end: number,
    /** Address of the C library's heap top (sbrk), when found: only the heap below it can be dirty. */
    private readonly heapTop: number | undefined,
    private readonly stack: number,
    private readonly output: { stdout: string[]; stderr: string[] },
    /** Voice id -> voice file, found while mounting the data (see `voiceFiles`). */
    private readonly voiceTable: Map<string, string>,
  ) {}

  static async create(): Promise<EspeakProgram> {
    const { factory, module } = await load();
    const output = { stdout: [] as string[], stderr: [] as string[] };
    let instance: WebAssembly.Instance | undefined;
    let fs: EmscriptenModule['FS'] | undefined;
    let voiceFiles = new Map<string, string>();
    const mod = await factory({
      noInitialRun: true,
      // The file system, for mounting the voice data (runs before the data is mounted).
      preRun: [(m: EmscriptenModule) => (fs = m.FS)],
      print: (s: string) => output.stdout.push(s),
      printErr: (s: string) => {
        if (!s.startsWith('program exited')) output.stderr.push(s);
      },
      instantiateWasm(imports: WebAssembly.Imports, ok: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) {
        // Files opened by the last run, counted (see `lastRunOpens`).
        const env = imports['env'] as Record<string, (...a: number[]) => number>;
        const openat = env['__syscall_openat'];
        if (openat) env['__syscall_openat'] = (...a: number[]) => (opens++, openat(...a));
        if (env['_emscripten_fs_load_embedded_files']) env['_emscripten_fs_load_embedded_files'] = (table: number) => ((voiceFiles = mountEmbeddedFiles(fs!, instance!.exports['memory'] as WebAssembly.Memory, table)), 0);
        void WebAssembly.instantiate(module, imports).then((i) => {
          instance = i;
          // Start-up runs the voice data's mount. Emscripten's own loader (used when the
          // module has no embedded-files hook for `mountEmbeddedFiles` to take over) meets a
          // few hundred expected errors, each of which would capture a stack trace.
          const limit = Error.stackTraceLimit;
          Error.stackTraceLimit = 0;
          try {
            ok(i, module);
          } finally {
            Error.stackTraceLimit = limit;
          }
        });
        return {};
      },
    });
    const exports = instance!.exports as unknown as Exports;
    // Keep only up to the last non-zero byte: the rest of the initial memory is zeros (about half of it).
    const memory = new Uint8Array(exports.memory.buffer);
    const end = dataEnd(memory);
    const writable = writableRanges(exports, end);
    // Only what a run may change is kept: a few hundred KB, not the 18 MB of voice data.
    const snapshot = writable.map(([from, to]) => memory.slice(from, to));
    const heapTop = findHeapTop(exports, writable, snapshot);
    const program = new EspeakProgram(mod, exports, snapshot, writable, end, heapTop, exports.stackSave(), output, voiceFiles);
    // Undoes the probe's allocation. Only the heap below its top is zeroed: the memory above
    // was never written, and zeroing it would make 15 MB of untouched pages resident.
    program.restore();
    return program;
  }

  /** Puts memory back as a new instance has it. */
  private restore(): void {
    const ex = this.exports;
    let memory = new Uint8Array(ex.memory.buffer);
    // The heap's top before the data is put back: below it is all a run can have dirtied.
    const top = this.heapTop !== undefined ? new Uint32Array(ex.memory.buffer)[this.heapTop >> 2]! : memory.length;
    this.writable.forEach(([from], i) => memory.set(this.snapshot[i]!, from));
    memory = new Uint8Array(ex.memory.buffer);
    memory.fill(0, this.end, Math.max(this.end, Math.min(top, memory.length)));
  }

  /**
   * Makes `lang/<file>` findable by its lower-case name. eSpeak lower-cases a voice name
   * before it looks for the file, so a voice file with capitals ("gmw/en-US") is never found
   * directly: eSpeak then lists and reads every voice file (about 370 opens) on every run to
   * find it by name. A lower-case link to the file lets it load the voice directly. The link
   * lives in the JavaScript file system, which memory restores leave alone.
   */
  aliasVoiceFile(file: string): void {
    const lower = file.toLowerCase();
    if (lower === file) return;
    const FS = this.mod.FS;
    const target = `${DATA_DIR}/lang/${file}`;
    const link = `${DATA_DIR}/lang/${lower}`;
    if (FS.analyzePath(target).exists && !FS.analyzePath(link).exists) FS.symlink(target, link);
  }

  /**
   * Voice id -> voice file, read from the voice files themselves: a voice's id (the Language
   * column of `espeak-ng --voices`) is the first language its file declares, and its file
   * (the File column) is its path below `lang/`. `--voices` learns the same by running
   * eSpeak over every file (about 40 ms of a thread's start); the mount reads the files'
   * first lines as it goes. `test/espeak-engine.test.ts` checks that both agree on every voice.
   */
  voiceFiles(): Map<string, string> {
    return this.voiceTable;
  }

  run(args: string[], files: Record<string, string> = {}, outputFile?: string): { code: number; stdout: string[]; stderr: string[]; output?: Uint8Array } {
    const { exports: ex, mod } = this;
    opens = 0;
    this.restore();
    ex.stackRestore(this.stack);
    this.output.stdout.length = 0;
    this.output.stderr.length = 0;
    for (const [p, d] of Object.entries(files)) mod.FS.writeFile(p, d);
    const encoder = new TextEncoder();
    const pointers = ['espeak-ng', ...args].map((a) => {
      const bytes = encoder.encode(`${a}\0`);
      const at = ex.stackAlloc(bytes.length);
      new Uint8Array(ex.memory.buffer).set(bytes, at);
      return at;
    });
    const argv = ex.stackAlloc((pointers.length + 1) * 4);
    const view = new Uint32Array(ex.memory.buffer, argv, pointers.length + 1);
    pointers.forEach((p, i) => (view[i] = p));
    view[pointers.length] = 0;
    let code: number;
    // eSpeak looks for files that are not there on every run; each miss makes an Emscripten
    // ErrnoError, which captures and demangles a stack trace nobody reads (a third of a
    // short clip's time). No stack is captured while the program runs.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      code = ex.__main_argc_argv(pointers.length, argv);
    } catch (e) {
      // exit() from C ends up here as Emscripten's ExitStatus; anything else is a real fault.
      if ((e as { name?: string }).name !== 'ExitStatus') throw e;
      code = (e as { status: number }).status;
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
      ex.stackRestore(this.stack);
    }
    let output: Uint8Array | undefined;
    if (outputFile) {
      try {
        output = mod.FS.readFile(outputFile);
        mod.FS.unlink(outputFile);
      } catch {
        output = undefined;
      }
    }
    for (const p of Object.keys(files)) mod.FS.unlink(p);
    return { code, stdout: [...this.output.stdout], stderr: [...this.output.stderr], output };
  }
}

/**
 * The voice data (about 18 MB) is embedded in the module's memory and mounted read-only in
 * its file system ("a slice of wasm memory that will never change", in Emscripten's words),
 * so restoring the memory before a run need only copy what lies around it: a few hundred
 * KB instead of 18 MB, which lets two threads run without fighting over memory bandwidth.
 */
function writableRanges(exports: Exports, end: number): [number, number][] {
  const table = exports.__emscripten_embedded_file_data?.value;
  if (typeof table !== 'number') return [[0, end]];
  const u32 = new Uint32Array(exports.memory.buffer);
  const files: [number, number][] = [];
  for (let ptr = table; u32[ptr >> 2]; ptr += 12) files.push([u32[(ptr + 8) >> 2]!, u32[(ptr + 8) >> 2]! + u32[(ptr + 4) >> 2]!]);
  files.sort((a, b) => a[0] - b[0]);
  const ranges: [number, number][] = [];
  let at = 0;
  for (const [from, to] of files) {
    if (from > at) ranges.push([at, Math.min(from, end)]);
    at = Math.max(at, to);
  }
  if (at < end) ranges.push([at, end]);
  return ranges.filter(([from, to]) => to > from);
}

/**
 * Finds the C library's heap top (the sbrk pointer, a word in the writable data): the one
 * word that moves up by exactly the size of a large allocation. The memory is restored
 * afterwards. Undefined when no single word fits; the whole heap is then zeroed each run.
 */
function findHeapTop(exports: Exports, writable: [number, number][], snapshot: Uint8Array[]): number | undefined {
  const size = 1 << 20;
  const ptr = exports.malloc(size);
  const after = new DataView(exports.memory.buffer);
  const found: number[] = [];
  writable.forEach(([from, to], i) => {
    const before = new DataView(snapshot[i]!.buffer, snapshot[i]!.byteOffset, snapshot[i]!.byteLength);
    for (let at = (from + 3) & ~3; at + 4 <= to; at += 4) {
      const now = after.getUint32(at, true);
      const delta = now - before.getUint32(at - from, true);
      if (delta >= size && delta < size + 65536 && now > ptr && now <= after.byteLength) found.push(at);
    }
  });
  exports.free(ptr);
  return found.length === 1 ? found[0] : undefined;
}

/** An Emscripten file system's node: only what mounting the voice data touches. */
interface FsNode {
  node_ops: { mknod(parent: FsNode, name: string, mode: number, dev: number): FsNode };
  contents: Int8Array | null;
  usedBytes: number;
  timestamp: number;
}

/** A regular file readable, writable and executable by all: the mode Emscripten's loader gives each data file. */
const DATA_FILE_MODE = 0o100777;

/**
 * Mounts the voice data embedded in the module's memory (about 445 files), as Emscripten's
 * own loader does: each file a read-write MEMFS file owning its slice of memory (same
 * files, modes and contents: `test/espeak-engine.test.ts`). The loader makes every folder of
 * every path again, failing on each that exists, then creates, opens, writes and closes
 * each file by path; here each folder is made once and each file's node is made in its
 * folder's node directly, which takes the mount from about 25 ms of a thread's start to 13.
 * Returns the voice files' first `language` lines as it goes (see `EspeakProgram.voiceFiles`).
 */
function mountEmbeddedFiles(FS: EmscriptenModule['FS'], memory: WebAssembly.Memory, table: number): Map<string, string> {
  const u32 = new Uint32Array(memory.buffer);
  const u8 = new Uint8Array(memory.buffer);
  const utf8 = new TextDecoder();
  const folders = new Map<string, FsNode>();
  const voices = new Map<string, string>();
  const langDir = `${DATA_DIR}/lang/`;
  const folderNode = (folder: string): FsNode => {
    let node = folders.get(folder);
    if (node) return node;
    let made = '';
    for (const part of folder.split('/')) {
      if (!part) continue;
      made += `/${part}`;
      if (!folders.has(made) && !FS.analyzePath(made).exists) FS.mkdir(made);
    }
    node = FS.lookupPath(folder || '/').node as FsNode;
    folders.set(folder, node);
    return node;
  };
  for (let at = table; ; at += 12) {
    const nameAt = u32[at >> 2]!;
    const length = u32[(at + 4) >> 2]!;
    const content = u32[(at + 8) >> 2]!;
    let end = nameAt;
    while (u8[end]) end++;
    const name = utf8.decode(u8.subarray(nameAt, end));
    const slash = name.lastIndexOf('/');
    const parent = folderNode(name.slice(0, slash));
    const node = parent.node_ops.mknod(parent, name.slice(slash + 1), DATA_FILE_MODE, 0);
    // What MEMFS's write does for data it may own: the file is that slice of memory.
    if (length) {
      node.contents = new Int8Array(memory.buffer, content, length);
      node.usedBytes = length;
      node.timestamp = Date.now();
    }
    if (name.startsWith(langDir)) {
      const m = /^[ \t]*language[ \t]+(\S+)/m.exec(utf8.decode(u8.subarray(content, content + length)));
      if (m) voices.set(m[1]!, name.slice(langDir.length));
    }
    if (!u32[(at + 12) >> 2]) break;
  }
  return voices;
}

/**
 * Where the initial memory's non-zero bytes end: the memory above is zeros (about half of
 * it). Compared 64 KB at a time natively, then byte by byte: a loop over 15 MB of zeros
 * in a new thread's cold JavaScript took about 17 ms.
 */
function dataEnd(memory: Uint8Array): number {
  const CHUNK = 65536;
  const zeros = new Uint8Array(CHUNK);
  let at = memory.length;
  while (at >= CHUNK && Buffer.compare(memory.subarray(at - CHUNK, at), zeros) === 0) at -= CHUNK;
  while (at > 0 && memory[at - 1] === 0) at--;
  return at;
}

let opens = 0;
/** How many files the last run of eSpeak NG on this thread opened (its data, the voice, the text, the output). */
export function lastRunOpens(): number {
  return opens;
}

/** Where the npm package's build keeps eSpeak NG's data in its virtual file system. */
const DATA_DIR = '/usr/local/share/espeak-ng-data';

/** One program per thread, made on first use. */
let program: Promise<EspeakProgram> | undefined;
async function run(args: string[], files: Record<string, string> = {}, outputFile?: string, voiceFile?: string) {
  program ??= EspeakProgram.create();
  const p = await program;
  try {
    if (voiceFile) p.aliasVoiceFile(voiceFile);
    return p.run(args, files, outputFile);
  } catch (e) {
    // A trap leaves the instance unusable: the next call makes a new one.
    program = undefined;
    throw e;
  }
}

let voiceTable: Promise<string[]> | undefined;
const voiceTableLines = () => (voiceTable ??= run(['--voices']).then((r) => r.stdout));
let voiceList: Promise<Voice[]> | undefined;
let voiceFiles: Promise<Map<string, string>> | undefined;
/** Voice id -> voice file, from the voice files (see `EspeakProgram.voiceFiles`). */
const voiceFileTable = () => {
  voiceFiles ??= (program ??= EspeakProgram.create()).then((p) => p.voiceFiles());
  // A failure is not kept: the next clip tries again (and reports it).
  voiceFiles.catch(() => (voiceFiles = undefined));
  return voiceFiles;
};

/**
 * The voice files as found both ways, for checking that they agree: read from the voice
 * files (what synthesis uses) and as `espeak-ng --voices` lists them.
 */
export async function voiceFileTables(): Promise<{ fromData: Map<string, string>; fromList: Map<string, string> }> {
  return { fromData: await voiceFileTable(), fromList: parseVoiceFiles(await voiceTableLines()) };
}

/** Every file of eSpeak NG's data as mounted in this thread's instance (see `listFiles`), for checking the mount. */
export async function mountedDataFiles(): Promise<Map<string, string>> {
  program ??= EspeakProgram.create();
  return listFiles((await program).fs, DATA_DIR);
}

/**
 * Every file and folder below `dir` of an Emscripten file system, in name order: path ->
 * "mode size SHA-256" (a folder: its mode). Links (`aliasVoiceFile`) are left out.
 */
export function listFiles(FS: EmscriptenModule['FS'], dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of FS.readdir(d).sort()) {
      if (entry === '.' || entry === '..') continue;
      const p = `${d}/${entry}`;
      const { mode, size } = FS.lstat(p);
      if (FS.isDir(mode)) {
        files.set(p, mode.toString(8));
        walk(p);
      } else if (!FS.isLink(mode)) files.set(p, `${mode.toString(8)} ${size} ${createHash('sha256').update(FS.readFile(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return files;
}

/** The voice file of a voice id: from the voice files, else as `--voices` lists it, else the id itself. */
async function voiceFileOf(voice: string): Promise<string> {
  return (await voiceFileTable()).get(voice) ?? parseVoiceFiles(await voiceTableLines()).get(voice) ?? voice;
}

/** Voice id -> its voice file ("en-gb" -> "gmw/en"), from the "File" column of `--voices`. */
export function parseVoiceFiles(lines: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const m = /^\s*\d+\s+(\S+)\s+\S+\s+\S+\s+(\S+)/.exec(line);
    if (m) files.set(m[1]!, m[2]!);
  }
  return files;
}

/** Parses `espeak-ng --voices`: "Pty Language Age/Gender VoiceName File Other Languages". */
export function parseVoiceTable(lines: readonly string[]): Voice[] {
  const voices: Voice[] = [];
  for (const line of lines.slice(1)) {
    const m = /^\s*\d+\s+(\S+)\s+\S+\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, lang, name, , others] = m;
    if (/^mb-/.test(lang!) || /mbrola/.test(line)) continue;
    const pairs = [...others!.matchAll(/\((\S+) (\d+)\)/g)].sort((a, b) => Number(a[2]) - Number(b[2]));
    voices.push({
      id: lang!,
      name: name!.replace(/_/g, ' '),
      languages: [lang!, ...pairs.map((x) => x[1]!)],
      ...(pairs.length ? { priorities: Object.fromEntries(pairs.map((x) => [x[1]!, Number(x[2])])) } : {}),
    });
  }
  return voices;
}

export function createEspeak(): TtsEngine {
  const engine: TtsEngine = {
    id: 'espeak',
    description: 'eSpeak NG (WebAssembly, embedded; offline)',
    capabilities: { ssml: false, wordTimings: false, phonemeAlphabet: 'x-espeak', workerSafe: true },
    async version() {
      const r = await run(['--version']);
      return /(\d+\.\d+[\w.-]*)/.exec(r.stdout.join(' '))?.[1] ?? 'unknown';
    },
    async voices() {
      voiceList ??= voiceTableLines().then(parseVoiceTable);
      return voiceList;
    },
    async voiceFor(lang) {
      return pickVoice(await engine.voices(), lang);
    },
    identity() {
      const pkg = JSON.parse(readFileSync(require.resolve('espeak-ng/package.json'), 'utf8')) as { version: string };
      return `espeak-ng@${pkg.version}:${statSync(wasmFile()).size}`;
    },
    wrapPhoneme: (p) => `[[${p}]]`,
    async prepare() {
      await voiceFileTable();
    },
    async synthesize(req: SynthesisRequest): Promise<Synthesis> {
      // "[[" starts phoneme input; only the lexicon may use it, as whole [[...]] groups it made.
      // Named by its file, eSpeak loads the voice directly; named by language, it reads every
      // voice file to find it, on every run (a third of its time). The sound is the same.
      const file = await voiceFileOf(req.voice);
      // The voice table was read before (voiceFiles), so the link never shows in it.
      const r = await run(['-v', file, '-s', String(Math.round(req.rate)), '-f', '/in.txt', '-w', '/out.wav'], { '/in.txt': req.text }, '/out.wav', file);
      if (r.code !== 0 || !r.output) throw new LecternError(`espeak-ng failed for voice "${req.voice}": ${r.stderr.join(' ').trim() || `exit ${r.code}`}`, 'tts:failed');
      return decodeWav(r.output);
    },
  };
  return engine;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Mono 16-bit PCM out of a RIFF/WAVE file (walks the chunks; does not assume 44 bytes). */
export function decodeWav(wav: Uint8Array): Synthesis {
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  if (wav.byteLength < 12 || view.getUint32(0, false) !== 0x52494646 || view.getUint32(8, false) !== 0x57415645) throw new Error('not a WAV file');
  let offset = 12;
  let sampleRate = 0;
  let channels = 1;
  let bits = 16;
  while (offset + 8 <= wav.byteLength) {
    const id = String.fromCharCode(...wav.subarray(offset, offset + 4));
    let size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
    } else if (id === 'data') {
      if (bits !== 16) throw new Error(`unsupported WAV: ${bits}-bit`);
      // Streaming writers leave the size unset (0 or 0xFFFFFFFF): take the rest of the file.
      if (size === 0 || size === 0xffffffff || body + size > wav.byteLength) size = wav.byteLength - body;
      const frames = Math.floor(size / 2 / channels);
      const samples = new Int16Array(frames);
      // Mono on a little-endian machine (WAV's byte order): the bytes are the samples.
      if (channels === 1 && LITTLE_ENDIAN) new Uint8Array(samples.buffer).set(wav.subarray(body, body + frames * 2));
      else for (let i = 0; i < frames; i++) samples[i] = view.getInt16(body + i * 2 * channels, true);
      return { samples, sampleRate };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAV file has no data chunk');
}

/**
 * eSpeak NG's phonemes for a text (`espeak-ng -q -x`), one line per clause: how the
 * narration's engine will say it. Used to check the normaliser by what is heard, not by
 * spelling.
 */
export async function espeakPhonemes(text: string, voice = 'en'): Promise<string> {
  const r = await run(['-q', '-x', '-v', voice, '-f', '/in.txt'], { '/in.txt': text });
  if (r.code !== 0) throw new LecternError(`espeak-ng failed for voice "${voice}": ${r.stderr.join(' ').trim() || `exit ${r.code}`}`, 'tts:failed');
  return r.stdout.join('\n').trim();
}
