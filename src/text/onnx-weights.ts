/**
 * A minimal reader for the initializers (weights) of an ONNX file: just enough protobuf to pull the
 * named tensors out of ModelProto.graph.initializer. The text model is one linear layer, so emosig can
 * evaluate it straight from the shipped ONNX file in JavaScript (no tensor copies, ~10× faster per
 * message than a session run) and still offers onnxruntime as the reference backend.
 */
import { EmosigError } from '../errors.js';

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** TensorProto.DataType: 1 FLOAT, 3 INT8, 7 INT64. */
  dataType: number;
  raw?: Uint8Array;
  floats?: Float32Array;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly end = buf.length) {}
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      const len = this.varint();
      this.pos += len;
    }
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function readTensor(buf: Uint8Array, start: number, end: number): OnnxTensor {
  const r = new Reader(buf, end);
  r.pos = start;
  const t: OnnxTensor = { name: '', dims: [], dataType: 0 };
  while (r.pos < end) {
    const key = r.varint();
    const field = Math.floor(key / 8), wire = key & 7;
    if (field === 1 && wire === 0) t.dims.push(r.varint());
    else if (field === 1 && wire === 2) {
      const len = r.varint();
      const e = r.pos + len;
      while (r.pos < e) t.dims.push(r.varint());
    } else if (field === 2 && wire === 0) t.dataType = r.varint();
    else if (field === 4 && wire === 2) {
      const len = r.varint();
      const copy = buf.slice(r.pos, r.pos + len);
      t.floats = new Float32Array(copy.buffer, 0, len / 4);
      r.pos += len;
    } else if (field === 4 && wire === 5) {
      const one = new DataView(buf.buffer, buf.byteOffset + r.pos, 4).getFloat32(0, true);
      t.floats = Float32Array.from([...(t.floats ?? []), one]);
      r.pos += 4;
    } else if (field === 8 && wire === 2) {
      const len = r.varint();
      t.name = new TextDecoder().decode(buf.subarray(r.pos, r.pos + len));
      r.pos += len;
    } else if (field === 9 && wire === 2) {
      const len = r.varint();
      t.raw = buf.subarray(r.pos, r.pos + len);
      r.pos += len;
    } else r.skip(wire);
  }
  return t;
}

/** All initializers of an ONNX model, by name. */
export function readOnnxInitializers(buf: Uint8Array, input?: string): Map<string, OnnxTensor> {
  try {
    const out = new Map<string, OnnxTensor>();
    const r = new Reader(buf);
    while (r.pos < buf.length) {
      const key = r.varint();
      const field = Math.floor(key / 8), wire = key & 7;
      if (field === 7 && wire === 2) {
        // GraphProto
        const gLen = r.varint();
        const gEnd = r.pos + gLen;
        while (r.pos < gEnd) {
          const k2 = r.varint();
          const f2 = Math.floor(k2 / 8), w2 = k2 & 7;
          if (f2 === 5 && w2 === 2) {
            const len = r.varint();
            const t = readTensor(buf, r.pos, r.pos + len);
            out.set(t.name, t);
            r.pos += len;
          } else r.skip(w2);
        }
      } else r.skip(wire);
    }
    return out;
  } catch (e) {
    throw new EmosigError('MODEL_INVALID', `cannot read the ONNX weights: ${(e as Error).message}`, { input, cause: e });
  }
}
