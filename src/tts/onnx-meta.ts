/**
 * Reads what lectern needs to know about an ONNX model without loading it: the graph's
 * input names and the model's `metadata_props`. sherpa-onnx ends the whole process
 * (`exit(-1)`) when a key it requires is missing, so a voice is checked here, in
 * JavaScript, before the native library ever sees it.
 *
 * ONNX files are protobuf `ModelProto` messages: `graph` is field 7 (its inputs are field
 * 11 of the graph), `metadata_props` field 14 (key 1, value 2).
 */
import { open } from 'node:fs/promises';

export interface OnnxInfo {
  inputs: string[];
  outputs: string[];
  metadata: Record<string, string>;
}

class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
    readonly end = buf.length,
  ) {}
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      // Lengths and tags fit in 53 bits; larger values (int64 fields) are skipped anyway.
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
      if (shift > 63) throw new Error('bad varint');
    }
  }
  /** Calls `on(field, start, end)` for every length-delimited field; skips the others. */
  fields(on: (field: number, start: number, end: number) => void): void {
    while (this.pos < this.end) {
      const tag = this.varint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (wire === 0) this.varint();
      else if (wire === 1) this.pos += 8;
      else if (wire === 5) this.pos += 4;
      else if (wire === 2) {
        const len = this.varint();
        const start = this.pos;
        this.pos += len;
        if (this.pos > this.end) throw new Error('truncated field');
        on(field, start, this.pos);
      } else throw new Error(`unsupported wire type ${wire}`);
      if (this.pos > this.end) throw new Error('truncated field');
    }
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Parses the ONNX bytes; throws an Error with a short reason when they are not an ONNX model. */
export function parseOnnx(buf: Uint8Array): OnnxInfo {
  const info: OnnxInfo = { inputs: [], outputs: [], metadata: {} };
  let graphs = 0;
  const text = (s: number, e: number) => decoder.decode(buf.subarray(s, e));
  const nameOf = (s: number, e: number) => {
    let name = '';
    new Reader(buf, s, e).fields((f, a, b) => {
      if (f === 1) name = text(a, b);
    });
    return name;
  };
  new Reader(buf).fields((field, start, end) => {
    if (field === 7) {
      graphs++;
      new Reader(buf, start, end).fields((f, a, b) => {
        if (f === 11) info.inputs.push(nameOf(a, b));
        if (f === 12) info.outputs.push(nameOf(a, b));
      });
    } else if (field === 14) {
      let k = '';
      let v = '';
      new Reader(buf, start, end).fields((f, a, b) => {
        if (f === 1) k = text(a, b);
        if (f === 2) v = text(a, b);
      });
      info.metadata[k] = v;
    }
  });
  if (graphs !== 1) throw new Error('no ONNX graph in it');
  return info;
}

export async function readOnnx(file: string): Promise<OnnxInfo> {
  const fh = await open(file, 'r');
  try {
    const buf = await fh.readFile();
    return parseOnnx(buf);
  } finally {
    await fh.close();
  }
}
