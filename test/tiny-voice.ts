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
import { mkdirSync, writeFileSync } from 'node:fs';
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
    node('Concat', ['one', 'length_scale'], ['scales'], [{ name: 'axis', int: 0 }]),
    node('Resize', ['row', '', 'scales'], ['y'], [{ name: 'mode', string: 'nearest' }]),
  ];
  const initializers = [
    tensor('col_shape', INT64, [2], int64s([-1, 1])),
    tensor('row_shape', INT64, [2], int64s([1, -1])),
    tensor('wave', FLOAT, [1, SAMPLES_PER_TOKEN], floats(wave)),
    tensor('one', FLOAT, [1], floats([1])),
  ];
  const graph = Buffer.concat([
    ...nodes,
    bytes(2, 'tiny-voice'),
    ...initializers.map((t) => msg(5, t)),
    valueInfo(11, 'x', INT64, [1, 'N']),
    valueInfo(11, 'x_length', INT64, [1]),
    valueInfo(11, 'noise_scale', FLOAT, [1]),
    valueInfo(11, 'length_scale', FLOAT, [1]),
    valueInfo(11, 'noise_scale_w', FLOAT, [1]),
    valueInfo(12, 'y', FLOAT, [1, 'T']),
  ]);
  const meta: Record<string, string> = {
    sample_rate: String(sampleRate),
    n_speakers: '1',
    language: opts.language ?? 'English',
    comment: opts.comment ?? 'lectern test voice',
    frontend: 'characters',
    add_blank: '0',
    use_eos_bos: '0',
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

export function tinyTokens(): string {
  // "<char> <id>" per line; the space is written as a line with the id only.
  return [...TINY_ALPHABET].map((c, i) => (c === ' ' ? `${i + 1}` : `${c} ${i + 1}`)).join('\n') + '\n';
}

/** Token ids of a text as the tiny voice reads it (unknown characters skipped). */
export function tinyTokenIds(text: string): number[] {
  return [...text.toLowerCase()].map((c) => TINY_ALPHABET.indexOf(c) + 1).filter((id) => id > 0);
}

/** Writes a voice folder: `model.onnx`, `tokens.txt` and, unless `manifest` is false, nothing else. */
export function writeTinyVoice(dir: string, opts: TinyVoiceOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.onnx'), tinyVitsModel(opts));
  writeFileSync(path.join(dir, 'tokens.txt'), tinyTokens());
  return dir;
}
