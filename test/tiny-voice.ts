/**
 * A tiny but valid neural voice, made by the test suite itself: an ONNX model in the shape
 * of a VITS voice as sherpa-onnx loads it (inputs `x`, `x_length`, `noise_scale`,
 * `length_scale`, `noise_scale_w`; metadata `sample_rate`, `n_speakers`, `language`,
 * `comment`, `frontend=characters`), a `tokens.txt` mapping characters to token ids, and a
 * known waveform: every token becomes `SAMPLES_PER_TOKEN` samples of a sine whose amplitude
 * is proportional to the token id, stretched by `length_scale` (so the speaking rate works).
 *
 * The ONNX file is written here byte by byte (protobuf wire format), no ONNX library needed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// --- protobuf wire format -----------------------------------------------------------

type Field = Buffer;
function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, n: number | bigint): Field => Buffer.concat([key(field, 0), varint(n)]);
const bytes = (field: number, data: Buffer | string): Field => {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([key(field, 2), varint(b.length), b]);
};
const msg = (field: number, ...parts: Field[]): Field => bytes(field, Buffer.concat(parts));
const f32 = (field: number, x: number): Field => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return Buffer.concat([key(field, 5), b]);
};

// --- ONNX messages (onnx.proto field numbers) ---------------------------------------

const FLOAT = 1;
const INT64 = 7;

function tensor(name: string, type: number, dims: number[], raw: Buffer): Field {
  // TensorProto: dims=1, data_type=2, name=8, raw_data=9
  return Buffer.concat([...dims.map((d) => int(1, d)), int(2, type), bytes(8, name), bytes(9, raw)]);
}
function valueInfo(field: number, name: string, type: number, dims: (number | string)[]): Field {
  // ValueInfoProto: name=1, type=2 { tensor_type=1 { elem_type=1, shape=2 { dim=1 { dim_value=1 | dim_param=2 } } } }
  const shape = Buffer.concat(dims.map((d) => msg(1, typeof d === 'number' ? int(1, d) : bytes(2, d))));
  return msg(field, bytes(1, name), msg(2, msg(1, int(1, type), msg(2, shape))));
}
interface Attr {
  name: string;
  int?: number;
  float?: number;
  string?: string;
  tensor?: Field;
}
function node(op: string, inputs: string[], outputs: string[], attrs: Attr[] = []): Field {
  // NodeProto: input=1, output=2, name=3, op_type=4, attribute=5
  // AttributeProto: name=1, f=2, i=3, s=4, t=5, type=20 (FLOAT=1, INT=2, STRING=3, TENSOR=4)
  const a = attrs.map((x) =>
    msg(
      5,
      bytes(1, x.name),
      ...(x.int !== undefined ? [int(3, x.int), int(20, 2)] : []),
      ...(x.float !== undefined ? [f32(2, x.float), int(20, 1)] : []),
      ...(x.string !== undefined ? [bytes(4, x.string), int(20, 3)] : []),
      ...(x.tensor ? [msg(5, x.tensor), int(20, 4)] : []),
    ),
  );
  return msg(1, ...inputs.map((i) => bytes(1, i)), ...outputs.map((o) => bytes(2, o)), bytes(3, `${op}_${outputs[0]}`), bytes(4, op), ...a);
}

function floats(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}
function int64s(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeBigInt64LE(BigInt(v), i * 8));
  return b;
}

// --- the voice ------------------------------------------------------------------------

export interface TinyVoiceOptions {
  /** A Piper-style voice: one `scales` input (noise, length, noise_w), espeak-ng phonemes as tokens. */
  piper?: boolean;
  sampleRate?: number;
  language?: string;
  /** Metadata `comment`: sherpa-onnx reads "piper" or "coqui" in it as a model family. */
  comment?: string;
  /** Leave out a metadata key sherpa-onnx requires (to test validation). */
  omit?: string;
}

export const TINY_SAMPLE_RATE = 16000;
/** 40 ms of sound per character. */
export const SAMPLES_PER_TOKEN = 640;
const TONE_HZ = 220;
/** Every character the tiny voice knows (lower case: sherpa-onnx lowers the text), its token id = index + 1. */
export const TINY_ALPHABET = " abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'-";

/** The samples the tiny voice makes for one sentence's token ids, at speed 1 (for checking). */
export function tinyWaveform(ids: number[]): Float32Array {
  const out = new Float32Array(ids.length * SAMPLES_PER_TOKEN);
  ids.forEach((id, t) => {
    for (let k = 0; k < SAMPLES_PER_TOKEN; k++) out[t * SAMPLES_PER_TOKEN + k] = (id / 64) * Math.sin((2 * Math.PI * TONE_HZ * k) / TINY_SAMPLE_RATE);
  });
  return out;
}

/** The ONNX model bytes. */
export function tinyVitsModel(opts: TinyVoiceOptions = {}): Buffer {
  const sampleRate = opts.sampleRate ?? TINY_SAMPLE_RATE;
  const wave = Array.from({ length: SAMPLES_PER_TOKEN }, (_, k) => Math.sin((2 * Math.PI * TONE_HZ * k) / sampleRate) / 64);
  const nodes = [
    // x [1, N] int64 -> float -> [N, 1] x wave [1, K] = [N, K] -> [1, N*K]
    node('Cast', ['x'], ['xf'], [{ name: 'to', int: FLOAT }]),
    node('Reshape', ['xf', 'col_shape'], ['xcol']),
    node('MatMul', ['xcol', 'wave'], ['grid']),
    node('Reshape', ['grid', 'row_shape'], ['row']),
    // Stretch the time axis by length_scale (sherpa-onnx sets it to 1/speed).
    ...(opts.piper
      ? // Piper packs the three scales into one input: length_scale is scales[1].
        [node('Slice', ['scales', 'one_i', 'two_i'], ['length_scale']), node('Concat', ['one', 'length_scale'], ['resize'], [{ name: 'axis', int: 0 }])]
      : [node('Concat', ['one', 'length_scale'], ['resize'], [{ name: 'axis', int: 0 }])]),
    node('Resize', ['row', '', 'resize'], ['y'], [{ name: 'mode', string: 'nearest' }]),
  ];
  const initializers = [
    tensor('col_shape', INT64, [2], int64s([-1, 1])),
    tensor('row_shape', INT64, [2], int64s([1, -1])),
    tensor('wave', FLOAT, [1, SAMPLES_PER_TOKEN], floats(wave)),
    tensor('one', FLOAT, [1], floats([1])),
    tensor('one_i', INT64, [1], int64s([1])),
    tensor('two_i', INT64, [1], int64s([2])),
  ];
  const graph = Buffer.concat([
    ...nodes,
    bytes(2, 'tiny-voice'),
    ...initializers.map((t) => msg(5, t)),
    valueInfo(11, 'x', INT64, [1, 'N']),
    valueInfo(11, 'x_length', INT64, [1]),
    ...(opts.piper
      ? [valueInfo(11, 'scales', FLOAT, [3])]
      : [valueInfo(11, 'noise_scale', FLOAT, [1]), valueInfo(11, 'length_scale', FLOAT, [1]), valueInfo(11, 'noise_scale_w', FLOAT, [1])]),
    valueInfo(12, 'y', FLOAT, [1, 'T']),
  ]);
  const meta: Record<string, string> = {
    sample_rate: String(sampleRate),
    n_speakers: '1',
    language: opts.language ?? 'English',
    comment: opts.comment ?? (opts.piper ? 'piper (lectern test voice)' : 'lectern test voice'),
    ...(opts.piper ? { voice: 'en-us', has_espeak: '1' } : { frontend: 'characters', add_blank: '0', use_eos_bos: '0' }),
  };
  if (opts.omit) delete meta[opts.omit];
  return Buffer.concat([
    int(1, 8), // ir_version
    bytes(2, 'lectern-tests'), // producer_name
    msg(7, graph),
    msg(8, bytes(1, ''), int(2, 13)), // opset_import: ai.onnx 13
    ...Object.entries(meta).map(([k, v]) => msg(14, bytes(1, k), bytes(2, v))),
  ]);
}

/**
 * A tiny Kokoro voice's model, in the shape sherpa-onnx's Kokoro loader reads: inputs
 * tokens [1, N] (int64), style [1, D], speed [1]; metadata sample_rate, n_speakers,
 * has_espeak, style_dim "L,1,D", voice, speaker_names. Same waveform rule as the VITS voice,
 * stretched by 1/speed, at 24 kHz.
 */
export const KOKORO_STYLE: [number, number, number] = [64, 1, 4];
export const KOKORO_SPEAKERS = ['af_tiny', 'bm_tiny'];
export function tinyKokoroModel(): Buffer {
  const sampleRate = 24000;
  const wave = Array.from({ length: SAMPLES_PER_TOKEN }, (_, k) => Math.sin((2 * Math.PI * TONE_HZ * k) / sampleRate) / 64);
  const nodes = [
    node('Cast', ['tokens'], ['xf'], [{ name: 'to', int: FLOAT }]),
    node('Reshape', ['xf', 'col_shape'], ['xcol']),
    node('MatMul', ['xcol', 'wave'], ['grid']),
    node('Reshape', ['grid', 'row_shape'], ['row']),
    node('Div', ['one', 'speed'], ['stretch']),
    node('Concat', ['one', 'stretch'], ['resize'], [{ name: 'axis', int: 0 }]),
    node('Resize', ['row', '', 'resize'], ['audio2d'], [{ name: 'mode', string: 'nearest' }]),
    node('Reshape', ['audio2d', 'flat'], ['audio']),
  ];
  const initializers = [
    tensor('col_shape', INT64, [2], int64s([-1, 1])),
    tensor('row_shape', INT64, [2], int64s([1, -1])),
    tensor('flat', INT64, [1], int64s([-1])),
    tensor('wave', FLOAT, [1, SAMPLES_PER_TOKEN], floats(wave)),
    tensor('one', FLOAT, [1], floats([1])),
  ];
  const graph = Buffer.concat([
    ...nodes,
    bytes(2, 'tiny-kokoro'),
    ...initializers.map((t) => msg(5, t)),
    valueInfo(11, 'tokens', INT64, [1, 'N']),
    valueInfo(11, 'style', FLOAT, [1, KOKORO_STYLE[2]]),
    valueInfo(11, 'speed', FLOAT, [1]),
    valueInfo(12, 'audio', FLOAT, ['T']),
  ]);
  const meta: Record<string, string> = {
    model_type: 'kokoro',
    sample_rate: String(sampleRate),
    n_speakers: String(KOKORO_SPEAKERS.length),
    has_espeak: '1',
    version: '1',
    voice: 'en-us',
    style_dim: KOKORO_STYLE.join(','),
    speaker_names: KOKORO_SPEAKERS.join(','),
  };
  return Buffer.concat([
    int(1, 8),
    bytes(2, 'lectern-tests'),
    msg(7, graph),
    msg(8, bytes(1, ''), int(2, 13)),
    ...Object.entries(meta).map(([k, v]) => msg(14, bytes(1, k), bytes(2, v))),
  ]);
}

/** A Kokoro voice folder: model.onnx, voices.bin (speakers x L x D floats), tokens.txt, espeak-ng-data. */
export async function writeTinyKokoro(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.onnx'), tinyKokoroModel());
  writeFileSync(path.join(dir, 'voices.bin'), floats(Array.from({ length: KOKORO_SPEAKERS.length * KOKORO_STYLE[0] * KOKORO_STYLE[2] }, (_, i) => (i % 7) / 7)));
  writeFileSync(path.join(dir, 'tokens.txt'), piperTokens());
  await writeEspeakData(dir);
  return dir;
}

export function tinyTokens(): string {
  // "<char> <id>" per line; the space is written as a line with the id only.
  return [...TINY_ALPHABET].map((c, i) => (c === ' ' ? `${i + 1}` : `${c} ${i + 1}`)).join('\n') + '\n';
}

/** Token ids of a text as the tiny voice reads it (unknown characters skipped). */
export function tinyTokenIds(text: string): number[] {
  return [...text.toLowerCase()].map((c) => TINY_ALPHABET.indexOf(c) + 1).filter((id) => id > 0);
}

/**
 * Piper's tokens: "_" pad, "^" start, "$" end, then every character espeak-ng's IPA output
 * may use (Latin letters, IPA extensions, modifier letters, combining marks, punctuation).
 */
export function piperTokens(): string {
  const chars = ['_', '^', '$', ' ', ...'!\'(),-.:;?', ...'abcdefghijklmnopqrstuvwxyz'];
  for (const [from, to] of [[0xe6, 0xe7], [0xf0, 0xf0], [0xf8, 0xf8], [0x127, 0x127], [0x14b, 0x14b], [0x153, 0x153], [0x250, 0x2ff], [0x300, 0x36f], [0x3b2, 0x3b2], [0x3b8, 0x3b8], [0x3c7, 0x3c7], [0x1d7b, 0x1d7b], [0x2191, 0x2193], [0x2197, 0x2198], [0x2c71, 0x2c71]] as const) {
    for (let c = from; c <= to; c++) chars.push(String.fromCodePoint(c));
  }
  return chars.map((c, i) => (c === ' ' ? `${i}` : `${c} ${i}`)).join('\n') + '\n';
}

/** Writes a voice folder: `model.onnx` and `tokens.txt` (a Piper-style voice also needs an `espeak-ng-data` folder). */
export function writeTinyVoice(dir: string, opts: TinyVoiceOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.onnx'), tinyVitsModel(opts));
  writeFileSync(path.join(dir, 'tokens.txt'), opts.piper ? piperTokens() : tinyTokens());
  return dir;
}

/**
 * An espeak-ng-data folder for a Piper-style voice, taken from the eSpeak NG that lectern
 * already ships (npm `espeak-ng` embeds its data files in the WebAssembly module's memory,
 * listed in `__emscripten_embedded_file_data`: name, size, address per entry).
 */
export async function writeEspeakData(into: string): Promise<string> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('espeak-ng');
  const factory = ((await import(entry)) as { default: (o: Record<string, unknown>) => Promise<unknown> }).default;
  const module = await WebAssembly.compile(readFileSync(entry.replace(/espeak-ng\.js$/, 'espeak-ng.wasm')));
  let instance: WebAssembly.Instance | undefined;
  await factory({
    noInitialRun: true,
    print() {},
    printErr() {},
    instantiateWasm(imports: WebAssembly.Imports, ok: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) {
      void WebAssembly.instantiate(module, imports).then((i) => {
        instance = i;
        ok(i, module);
      });
      return {};
    },
  });
  const ex = instance!.exports as unknown as { memory: WebAssembly.Memory; __emscripten_embedded_file_data: WebAssembly.Global };
  const mem = new Uint8Array(ex.memory.buffer);
  const u32 = new Uint32Array(ex.memory.buffer);
  for (let ptr = ex.__emscripten_embedded_file_data.value as number; u32[ptr >> 2]; ptr += 12) {
    const name = u32[ptr >> 2]!;
    let end = name;
    while (mem[end]) end++;
    const file = Buffer.from(mem.subarray(name, end)).toString();
    const at = file.indexOf('espeak-ng-data/');
    if (at < 0) continue;
    const target = path.join(into, file.slice(at));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, mem.subarray(u32[(ptr + 8) >> 2]!, u32[(ptr + 8) >> 2]! + u32[(ptr + 4) >> 2]!));
  }
  return path.join(into, 'espeak-ng-data');
}
