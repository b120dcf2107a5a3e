/**
 * Convert the face models that ship as TF.js weights inside MIT-licensed npm packages to ONNX, once, at
 * development time; the .onnx files go to models/face/ and run on onnxruntime-node (no TF.js at run time).
 *
 * - @vladmandic/face-api (MIT): TinyFaceDetector, FaceLandmark68TinyNet, FaceLandmark68Net and
 *   FaceExpressionNet. These ship as weights only (uint8-quantised, dequantised here as q·scale + min,
 *   exactly like TF.js's loader); the graphs are re-built from face-api's source (src/tinyYolov2,
 *   src/faceFeatureExtractor, src/faceProcessor), op for op.
 * - @vladmandic/human (MIT): the mini-Xception emotion model (oarriaga/face_classification, MIT), a TF.js
 *   graph model (model.json); its nodes (_FusedConv2D, DepthwiseConv2dNative, MaxPool, AddV2, Relu, Mean,
 *   Softmax) are translated one by one.
 *
 * Every graph takes float32 pixels 0..255 and does the model's own normalisation inside: NHWC (the layout
 * our JS crops use) for the landmark and expression nets, planar NCHW for the detector (its JS resize writes
 * planes, so onnxruntime need not transpose a 320×320 frame; the normalisation is folded into its first conv). Agreement with the TF.js originals: test/face-onnx.test.ts.
 *
 *   npx tsx scripts/face-convert.ts
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from './lib/onnx-builder.js';
import { packageRoot } from '../src/runtime/paths.js';
import { modelFile } from './lib/face-pkg.js';

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

/** A tensor: shape + float data (TF layout). */
interface T {
  shape: number[];
  data: Float32Array;
}

/** Read a TF.js weights manifest + its .bin shards into named float tensors (dequantised). */
export function readWeights(manifestPath: string, groups?: { paths: string[]; weights: WeightEntry[] }[]): Map<string, T> {
  const dir = manifestPath.slice(0, manifestPath.lastIndexOf('/') + 1);
  const man: { paths: string[]; weights: WeightEntry[] }[] = groups ?? JSON.parse(readFileSync(manifestPath, 'utf8'));
  const out = new Map<string, T>();
  for (const g of man) {
    const buf = Buffer.concat(g.paths.map((p) => readFileSync(dir + p)));
    let off = 0;
    for (const w of g.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      const q = w.quantization;
      if (w.dtype === 'int32') {
        for (let i = 0; i < n; i++) data[i] = buf.readInt32LE(off + 4 * i);
        off += 4 * n;
      } else if (!q) {
        for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(off + 4 * i);
        off += 4 * n;
      } else if (q.dtype === 'uint8') {
        for (let i = 0; i < n; i++) data[i] = buf[off + i] * q.scale! + q.min!;
        off += n;
      } else if (q.dtype === 'uint16') {
        for (let i = 0; i < n; i++) data[i] = buf.readUInt16LE(off + 2 * i) * q.scale! + q.min!;
        off += 2 * n;
      } else {
        throw new Error(`unsupported quantisation ${q.dtype} for ${w.name}`);
      }
      out.set(w.name, { shape: w.shape, data });
    }
  }
  return out;
}

/** TF conv filter [kh, kw, in, out] → ONNX [out, in, kh, kw]. */
function convW(t: T): { data: Float32Array; dims: number[] } {
  const [kh, kw, ci, co] = t.shape;
  const d = new Float32Array(t.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) d[((o * ci + i) * kh + y) * kw + x] = t.data[((y * kw + x) * ci + i) * co + o];
  return { data: d, dims: [co, ci, kh, kw] };
}

/** TF depthwise filter [kh, kw, C, 1] → ONNX [C, 1, kh, kw]. */
function dwW(t: T): { data: Float32Array; dims: number[] } {
  const [kh, kw, c, m] = t.shape;
  if (m !== 1) throw new Error('depth multiplier must be 1');
  const d = new Float32Array(t.data.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < c; i++) d[(i * kh + y) * kw + x] = t.data[(y * kw + x) * c + i];
  return { data: d, dims: [c, 1, kh, kw] };
}

class Net {
  g = new GraphBuilder();
  private k = 0;
  constructor(private w: Map<string, T>) {}
  get(name: string): T {
    const t = this.w.get(name);
    if (!t) throw new Error(`missing weight ${name}`);
    return t;
  }
  private id(p: string) {
    return `${p.replace(/[^A-Za-z0-9_]/g, '_')}_${this.k++}`;
  }
  /** Conv (TF filter) + optional bias; pad: 'same' (TF SAME = ONNX SAME_UPPER), 'valid', or explicit. */
  conv(x: string, filter: T, bias: T | undefined, stride: number, pad: 'same' | 'valid'): string {
    const { data, dims } = convW(filter);
    const name = this.id('W');
    const ins = [x, this.g.float(name, data, dims)];
    if (bias) ins.push(this.g.float(this.id('b'), bias.data));
    return this.g.node('Conv', ins, { strides: [stride, stride], kernel_shape: [dims[2], dims[3]], ...(pad === 'same' ? { auto_pad: 'SAME_UPPER' } : { pads: [0, 0, 0, 0] }) });
  }
  depthwise(x: string, filter: T, stride: number, pad: 'same' | 'valid'): string {
    const { data, dims } = dwW(filter);
    return this.g.node('Conv', [x, this.g.float(this.id('dw'), data, dims)], {
      group: dims[0],
      strides: [stride, stride],
      kernel_shape: [dims[2], dims[3]],
      ...(pad === 'same' ? { auto_pad: 'SAME_UPPER' } : { pads: [0, 0, 0, 0] }),
    });
  }
  /** tf.separableConv2d(x, depthwise, pointwise, stride, pad) + bias. */
  sep(x: string, prefix: string, stride: number, pad: 'same' | 'valid'): string {
    const d = this.depthwise(x, this.get(`${prefix}/depthwise_filter`), stride, pad);
    return this.conv(d, this.get(`${prefix}/pointwise_filter`), this.get(`${prefix}/bias`), 1, 'valid');
  }
  /** NHWC 0..255 input → NCHW (x − mean) / 255. */
  normInput(mean: number[]): string {
    const x = this.g.input('input', 'float', ['N', 'H', 'W', 3]);
    const t = this.g.node('Transpose', [x], { perm: [0, 3, 1, 2] });
    const m = this.g.node('Sub', [t, this.g.float('mean_rgb', mean, [1, 3, 1, 1])]);
    return this.g.node('Div', [m, this.g.float('k255', [255], [1])]);
  }
}

/**
 * face-api's denseBlock3 / denseBlock4 (faceFeatureExtractor/denseBlock.ts): relu(out1 + out2 + … + outk) after
 * each conv. Summed as a running sum ((out1 + out2) + out3) + …, which onnxruntime fuses into each conv (one
 * Add per conv instead of k − 1); face-api sums innermost first, out1 + (out2 + (out3 + …)) — the same up to
 * float rounding (test/face-onnx.test.ts: max |Δp| against the TF.js originals).
 */
function denseBlock(n: Net, x: string, prefix: string, convs: number, first: boolean, stride = 2): string {
  const out1 = n.g.node(
    'Relu',
    [first ? n.conv(x, n.get(`${prefix}/conv0/filters`), n.get(`${prefix}/conv0/bias`), stride, 'same') : n.sep(x, `${prefix}/conv0`, stride, 'same')],
  );
  let sum = out1;
  let inp = out1;
  for (let i = 1; i < convs; i++) {
    sum = n.g.node('Add', [n.sep(inp, `${prefix}/conv${i}`, 1, 'same'), sum]);
    inp = n.g.node('Relu', [sum]);
  }
  return inp;
}

/** FaceFeatureExtractor (4 dense blocks of 4 convs) or TinyFaceFeatureExtractor (3 blocks of 3) + avg pool → [N, C]. */
function featureExtractor(n: Net, tiny: boolean): string {
  let x = n.normInput([122.782, 117.001, 104.298]);
  const blocks = tiny ? 3 : 4;
  for (let b = 0; b < blocks; b++) x = denseBlock(n, x, `dense${b}`, tiny ? 3 : 4, b === 0);
  // tf.avgPool(out, [7,7] (14,14 tiny), [2,2], 'valid') on a 7×7 (14×14) map = a global average
  const p = n.g.node('GlobalAveragePool', [x]);
  return n.g.node('Flatten', [p], { axis: 1 });
}

function fc(n: Net, x: string, prefix = 'fc'): string {
  const W = n.get(`${prefix}/weights`);
  return n.g.node('Add', [n.g.node('MatMul', [x, n.g.float(`${prefix}_W`, W.data, W.shape)]), n.g.float(`${prefix}_b`, n.get(`${prefix}/bias`).data)]);
}

function expressionNet(w: Map<string, T>): GraphBuilder {
  const n = new Net(w);
  const f = featureExtractor(n, false);
  n.g.node('Identity', [f], {}, 'features');
  n.g.node('Softmax', [fc(n, f)], { axis: 1 }, 'probs');
  n.g.output('probs', 'float', ['N', 7]);
  n.g.output('features', 'float', ['N', 256]);
  return n.g;
}

function landmarkNet(w: Map<string, T>, tiny: boolean): GraphBuilder {
  const n = new Net(w);
  const f = featureExtractor(n, tiny);
  n.g.node('Identity', [fc(n, f)], {}, 'landmarks');
  n.g.output('landmarks', 'float', ['N', 136]);
  return n.g;
}

/** TinyFaceDetector = TinyYolov2Base.runMobilenet with a plain first conv (tinyYolov2/TinyYolov2Base.ts). */
function tinyFaceDetector(w: Map<string, T>): GraphBuilder {
  const n = new Net(w);
  const leaky = (x: string) => n.g.node('LeakyRelu', [x], { alpha: 0.10000000149011612 });
  const pool = (x: string, s: number) => n.g.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [s, s], auto_pad: 'SAME_UPPER' });
  // tinyYolov2/depthwiseSeparableConv: pad 1, separable conv 'valid', bias, leaky
  const sep = (x: string, p: string) => {
    const d = n.depthwise(n.g.node('Pad', [x, n.g.int64(`pad_${p}`, [0, 0, 1, 1, 0, 0, 1, 1])]), n.get(`${p}/depthwise_filter`), 1, 'valid');
    return leaky(n.conv(d, n.get(`${p}/pointwise_filter`), n.get(`${p}/bias`), 1, 'valid'));
  };
  // The frame comes in planar (NCHW) 0..255, written so by our JS resize: no Transpose. face-api's
  // normalisation (x − mean) / 255 is folded into conv0, a 'valid' conv, so exactly (up to float rounding):
  // W' = W / 255, b' = b − Σ W · mean / 255.
  const x = n.g.input('input', 'float', [1, 3, 'H', 'W']);
  const mean = [117.001, 114.697, 97.404];
  const f0 = n.get('conv0/filters');
  const b0 = n.get('conv0/bias');
  const [kh, kw, ci, co] = f0.shape;
  const bias = new Float32Array(co);
  for (let o = 0; o < co; o++) {
    let acc = b0.data[o];
    for (let k = 0; k < kh * kw; k++) for (let i = 0; i < ci; i++) acc -= (f0.data[(k * ci + i) * co + o] * mean[i]) / 255;
    bias[o] = acc;
  }
  const w0: T = { shape: f0.shape, data: f0.data.map((v) => v / 255) };
  let y = pool(leaky(n.conv(x, w0, { shape: b0.shape, data: bias }, 1, 'valid')), 2);
  for (let i = 1; i <= 4; i++) y = pool(sep(y, `conv${i}`), 2);
  y = pool(sep(y, 'conv5'), 1);
  y = n.conv(y, n.get('conv8/filters'), n.get('conv8/bias'), 1, 'valid');
  n.g.node('Transpose', [y], { perm: [0, 2, 3, 1] }, 'grid');
  n.g.output('grid', 'float', [1, 'S', 'S', 25]);
  return n.g;
}

/** Translate the human emotion TF.js graph model (mini-Xception) node by node. */
function humanEmotion(jsonPath: string): GraphBuilder {
  const j = JSON.parse(readFileSync(jsonPath, 'utf8')) as {
    modelTopology: { node: { name: string; op: string; input?: string[]; attr?: Record<string, { s?: string; list?: { s?: string[]; i?: string[] }; b?: boolean }> }[] };
    weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
  };
  const w = readWeights(jsonPath, j.weightsManifest);
  const n = new Net(w);
  const g = n.g;
  const dec = (s?: string) => (s ? Buffer.from(s, 'base64').toString() : '');
  const names = new Map<string, string>();
  const x = g.input('input', 'float', ['N', 64, 64, 1]);
  // human's emotion module feeds gray / 255, shifted to −1..1
  const t = g.node('Transpose', [x], { perm: [0, 3, 1, 2] });
  const s = g.node('Div', [t, g.float('k255', [255], [1])]);
  const c = g.node('Sub', [s, g.float('half', [0.5], [1])]);
  names.set('input_1', g.node('Mul', [c, g.float('two', [2], [1])]));
  let last = '';
  for (const node of j.modelTopology.node) {
    const a = node.attr ?? {};
    const inp = (i: number) => {
      const v = names.get(node.input![i]);
      if (!v) throw new Error(`unmapped input ${node.input![i]} of ${node.name}`);
      return v;
    };
    const pad = dec(a.padding?.s) === 'SAME' ? 'same' : 'valid';
    const stride = Number(a.strides?.list?.i?.[1] ?? 1);
    let out: string | undefined;
    switch (node.op) {
      case 'Const':
      case 'Placeholder':
        continue;
      case '_FusedConv2D': {
        const ops = (a.fused_ops?.list?.s ?? []).map(dec);
        if (ops[0] !== 'BiasAdd' || ops.length > 2 || (ops[1] && ops[1] !== 'Relu')) throw new Error(`unsupported fused ops ${ops}`);
        out = n.conv(inp(0), n.get(node.input![1]), n.get(node.input![2]), stride, pad);
        if (ops[1] === 'Relu') out = g.node('Relu', [out]);
        break;
      }
      case 'DepthwiseConv2dNative':
        out = n.depthwise(inp(0), n.get(node.input![1]), stride, pad);
        break;
      case 'MaxPool': {
        const k = Number(a.ksize?.list?.i?.[1]);
        out = g.node('MaxPool', [inp(0)], { kernel_shape: [k, k], strides: [stride, stride], ...(pad === 'same' ? { auto_pad: 'SAME_UPPER' } : {}) });
        break;
      }
      case 'AddV2':
        out = g.node('Add', [inp(0), inp(1)]);
        break;
      case 'Relu':
        out = g.node('Relu', [inp(0)]);
        break;
      case 'Mean': {
        const axes = Array.from(n.get(node.input![1]).data);
        if (axes.join() !== '1,2' || a.keep_dims?.b) throw new Error('unexpected Mean');
        out = g.node('Flatten', [g.node('GlobalAveragePool', [inp(0)])], { axis: 1 });
        break;
      }
      case 'Softmax':
        out = g.node('Softmax', [inp(0)], { axis: 1 });
        break;
      case 'Identity':
        out = inp(0);
        break;
      default:
        throw new Error(`unsupported op ${node.op} (${node.name})`);
    }
    names.set(node.name, out);
    last = out;
  }
  g.node('Identity', [last], {}, 'probs');
  g.output('probs', 'float', ['N', 7]);
  return g;
}

export const FACE_ONNX = {
  detector: 'tiny_face_detector.onnx',
  landmarksTiny: 'face_landmark_68_tiny.onnx',
  landmarks: 'face_landmark_68.onnx',
  expression: 'face_expression.onnx',
  human: 'human_emotion.onnx',
} as const;

function main(): void {
  const out = join(packageRoot(), 'models', 'face');
  mkdirSync(out, { recursive: true });
  const fa = (m: string) => modelFile('@vladmandic/face-api', `model/${m}-weights_manifest.json`);
  const faVersion = JSON.parse(readFileSync(modelFile('@vladmandic/face-api', 'package.json'), 'utf8')).version;
  const huVersion = JSON.parse(readFileSync(modelFile('@vladmandic/human', 'package.json'), 'utf8')).version;
  const jobs: [string, () => GraphBuilder, string][] = [
    [FACE_ONNX.detector, () => tinyFaceDetector(readWeights(fa('tiny_face_detector_model'))), `@vladmandic/face-api@${faVersion} tiny_face_detector_model`],
    [FACE_ONNX.landmarksTiny, () => landmarkNet(readWeights(fa('face_landmark_68_tiny_model')), true), `@vladmandic/face-api@${faVersion} face_landmark_68_tiny_model`],
    [FACE_ONNX.landmarks, () => landmarkNet(readWeights(fa('face_landmark_68_model')), false), `@vladmandic/face-api@${faVersion} face_landmark_68_model`],
    [FACE_ONNX.expression, () => expressionNet(readWeights(fa('face_expression_model'))), `@vladmandic/face-api@${faVersion} face_expression_model`],
    [FACE_ONNX.human, () => humanEmotion(modelFile('@vladmandic/human', 'models/emotion.json')), `@vladmandic/human@${huVersion} models/emotion`],
  ];
  for (const [file, build, source] of jobs) {
    const bytes = build().toBytes({ producer: 'emosig scripts/face-convert.ts', doc: `converted from ${source} (MIT)`, props: { source, licence: 'MIT' } });
    writeFileSync(join(out, file), bytes);
    console.log(`${file}: ${(bytes.length / 1024).toFixed(0)} KiB sha256 ${createHash('sha256').update(bytes).digest('hex').slice(0, 16)} from ${source}`);
  }
}

if (process.argv[1] && /face-convert\.(ts|js)$/.test(process.argv[1])) main();
