/**
 * A tiny ONNX graph builder on top of `onnx-proto`, used by the training scripts and `emosig train voice` to export the
 * models they train. Only what our models need: float/int64 tensors, nodes with attributes, one graph.
 */
import onnxProto from 'onnx-proto';
const { onnx } = onnxProto;
import Long from 'long';

import type { onnx as OnnxNS } from 'onnx-proto';
type Attr = number | number[] | string | { ints: number[] } | { floats: number[] };

export class GraphBuilder {
  private nodes: OnnxNS.INodeProto[] = [];
  private inits: OnnxNS.ITensorProto[] = [];
  private inputs: OnnxNS.IValueInfoProto[] = [];
  private outputs: OnnxNS.IValueInfoProto[] = [];
  private n = 0;

  /** A float32 initializer (weights). `dims` defaults to a 1-D vector. */
  float(name: string, data: ArrayLike<number>, dims: number[] = [data.length]): string {
    this.inits.push({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims, floatData: Array.from(data) });
    return name;
  }

  int64(name: string, data: number[], dims: number[] = [data.length]): string {
    this.inits.push({ name, dataType: onnx.TensorProto.DataType.INT64, dims, int64Data: data.map((v) => Long.fromNumber(v)) });
    return name;
  }

  /** An int8 initializer stored as raw bytes (quantised weights). */
  int8(name: string, data: Int8Array, dims: number[] = [data.length]): string {
    this.inits.push({ name, dataType: onnx.TensorProto.DataType.INT8, dims, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  input(name: string, type: 'float' | 'int64', shape: (number | string)[]): string {
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  output(name: string, type: 'float' | 'int64', shape: (number | string)[]): string {
    this.outputs.push(valueInfo(name, type, shape));
    return name;
  }

  /** Add a node; returns the name of its (first) output. */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, outName?: string, nOut = 1): string {
    const base = outName ?? `${op.toLowerCase()}_${this.n++}`;
    const outs = nOut === 1 ? [base] : Array.from({ length: nOut }, (_, i) => `${base}_${i}`);
    this.nodes.push({
      opType: op,
      input: inputs,
      output: outs,
      name: `${base}_node`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs[0];
  }

  /** y = x·W + b for a row-major W of shape [inDim, outDim]. */
  dense(x: string, W: ArrayLike<number>, b: ArrayLike<number>, inDim: number, outDim: number, prefix: string): string {
    const w = this.float(`${prefix}_W`, W, [inDim, outDim]);
    const bias = this.float(`${prefix}_b`, b, [outDim]);
    return this.node('Add', [this.node('MatMul', [x, w]), bias]);
  }

  toBytes(meta: { producer: string; doc?: string; props?: Record<string, string> }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: Long.fromNumber(7),
      opsetImport: [{ domain: '', version: Long.fromNumber(13) }],
      producerName: meta.producer,
      producerVersion: '1',
      docString: meta.doc ?? '',
      metadataProps: Object.entries(meta.props ?? {}).map(([key, value]) => ({ key, value })),
      graph: { name: 'emosig', node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, type: 'float' | 'int64', shape: (number | string)[]): OnnxNS.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: type === 'float' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: Long.fromNumber(d) } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, v: Attr): OnnxNS.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: T.INT, i: Long.fromNumber(v) } : { name, type: T.FLOAT, f: v };
  }
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v.map((x) => Long.fromNumber(x)) };
  if ('ints' in v) return { name, type: T.INTS, ints: v.ints.map((x) => Long.fromNumber(x)) };
  return { name, type: T.FLOATS, floats: v.floats };
}
