/**
 * Export the hashed linear text model to ONNX (opset 13).
 *
 * Inputs:  indices int64 [N, L] (hash buckets; padding = any bucket with value 0)
 *          values  float [N, L] (feature values from src/text/features.ts)
 * Outputs: go        float [N, 28]  GoEmotions sigmoid probabilities
 *          ekman     float [N, 7]   Ekman sigmoid probabilities (CORE_LABELS order)
 *          sentiment float [N, 4]   sentiment-group sigmoid probabilities (SENTIMENT_GROUPS order)
 *          cx        float [N, X]   customer-experience sigmoids (irony), when the model has them
 *          va        float [N, 2]   valence, arousal in [-1, 1]
 *          contrib   float [N, L, K] per-feature contribution to every logit (fetch only for explanations)
 * Weights are int8 with one float scale per output column (the graph dequantises after Gather).
 */
import { GraphBuilder } from './onnx-builder.js';

export interface Quantized {
  q: Int8Array;
  scale: Float32Array;
}

/** Symmetric per-column int8 quantisation of a row-major [H, K] matrix. */
export function quantizeColumns(W: Float32Array, H: number, K: number): Quantized {
  const maxAbs = new Float32Array(K);
  for (let r = 0; r < H; r++) for (let k = 0; k < K; k++) maxAbs[k] = Math.max(maxAbs[k], Math.abs(W[r * K + k]));
  const scale = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  const q = new Int8Array(H * K);
  for (let r = 0; r < H; r++) for (let k = 0; k < K; k++) q[r * K + k] = Math.max(-127, Math.min(127, Math.round(W[r * K + k] / scale[k])));
  return { q: q, scale };
}

type Offsets = { go: number; ekman: number; sentiment: number; va: number; cx?: number };
type Counts = { go: number; ekman: number; sentiment: number; cx?: number };

/** The output heads shared by both graphs: sigmoids over slices of the logits `z`, clipped valence/arousal. */
function addHeads(g: GraphBuilder, z: string, off: Offsets, counts: Counts): void {
  const slice = (start: number, end: number): string =>
    g.node('Slice', [z, g.int64(`s_${start}`, [start]), g.int64(`e_${end}`, [end]), g.int64(`a_${start}_${end}`, [1])]);
  g.node('Sigmoid', [slice(off.go, off.go + counts.go)], {}, 'go');
  g.node('Sigmoid', [slice(off.ekman, off.ekman + counts.ekman)], {}, 'ekman');
  g.node('Sigmoid', [slice(off.sentiment, off.sentiment + counts.sentiment)], {}, 'sentiment');
  if (counts.cx && off.cx !== undefined) g.node('Sigmoid', [slice(off.cx, off.cx + counts.cx)], {}, 'cx');
  g.node('Clip', [slice(off.va, off.va + 2), g.float('minus1', [-1], []), g.float('plus1', [1], [])], {}, 'va');
  g.output('go', 'float', ['N', counts.go]);
  g.output('ekman', 'float', ['N', counts.ekman]);
  g.output('sentiment', 'float', ['N', counts.sentiment]);
  if (counts.cx && off.cx !== undefined) g.output('cx', 'float', ['N', counts.cx]);
  g.output('va', 'float', ['N', 2]);
}

interface GraphInputs {
  indices: string;
  /** values as [N, 1, L] (for the batched MatMul) and [N, L, 1] (for per-feature contributions). */
  v1: string;
  v3: string;
  ax1: string;
}

/** The two inputs every text graph takes: hashed feature indices and their values. */
function addInputs(g: GraphBuilder): GraphInputs {
  const indices = g.input('indices', 'int64', ['N', 'L']);
  const values = g.input('values', 'float', ['N', 'L']);
  return {
    indices,
    v1: g.node('Unsqueeze', [values, g.int64('axes_1u', [1])]),
    v3: g.node('Unsqueeze', [values, g.int64('axes_2', [2])]),
    ax1: g.int64('axes_1s', [1]),
  };
}

/**
 * A linear layer over hashed features with int8 weights (initializers `names`: table, per-column scale,
 * bias): `rows` are the gathered, dequantised rows [N, L, cols]; `z` = (values · rows) · scale + bias [N, cols].
 */
function addSparseLayer(g: GraphBuilder, io: GraphInputs, names: [string, string, string], q: Quantized, bias: Float32Array, H: number, cols: number): { rows: string; scale: string; z: string } {
  const W = g.int8(names[0], q.q, [H, cols]);
  const scale = g.float(names[1], q.scale, [cols]);
  const b = g.float(names[2], bias, [cols]);
  const rows = g.node('Cast', [g.node('Gather', [W, io.indices], { axis: 0 })], { to: 1 /* FLOAT */ });
  const summed = g.node('Squeeze', [g.node('MatMul', [io.v1, rows]), io.ax1]);
  return { rows, scale, z: g.node('Add', [g.node('Mul', [summed, scale]), b]) };
}

export function exportTextOnnx(m: {
  q: Quantized;
  b: Float32Array;
  H: number;
  K: number;
  off: Offsets;
  counts: Counts;
}): Uint8Array {
  const g = new GraphBuilder();
  const io = addInputs(g);
  const { rows, scale, z } = addSparseLayer(g, io, ['W_q', 'W_scale', 'bias'], m.q, m.b, m.H, m.K);
  // per-feature contributions (a separate branch: only computed when `contrib` is fetched)
  g.node('Mul', [g.node('Mul', [rows, io.v3]), scale], {}, 'contrib');
  addHeads(g, g.node('Identity', [z], {}, 'logits'), m.off, m.counts);
  g.output('contrib', 'float', ['N', 'L', m.K]);
  return g.toBytes({
    producer: 'emosig scripts/train-text.ts',
    doc: 'Hashed n-gram linear text-emotion model (GoEmotions 28 + Ekman + sentiment groups + EmoBank V/A).',
  });
}

/**
 * The network variant (what `npm run train:text` ships): the 39 classification logits come from a
 * one-hidden-layer network over the hashed features, plus a linear layer over the same features whose
 * columns add to the logits listed in `Lto` (valence/arousal, and the GoEmotions logits when the
 * network is ensembled with a linear model — the ensemble weights are folded into W2/b2 and L).
 *
 *   pre    = (values · E_q[indices]) · E_scale + b1                 [N, D]   (E_q int8 [H, D])
 *   lin    = (values · L_q[indices]) · L_scale + L_bias             [N, Lk]  (L_q int8 [H, Lk])
 *   logits = (relu(pre) · W2 + b2) · P_mlp + lin · P_lin            [N, K]   (P_*: 0/1 placement matrices)
 *   contrib[n, l, :] = values[n,l] · (Σ_d E[idx,d] · [pre_d > 0] · W2[d,:]) · P_mlp + values[n,l] · L[idx] · L_scale · P_lin:
 *   for a ReLU network with its activation pattern fixed this splits each logit exactly into per-feature
 *   parts (plus the biases), which is what the cue words are built from.
 * Outputs: go, ekman, sentiment, va as in `exportTextOnnx`, hidden (pre-activations [N, D]) and contrib [N, L, K].
 */
export function exportTextMlpOnnx(m: {
  E: Quantized;
  b1: Float32Array;
  W2: Float32Array;
  b2: Float32Array;
  L: Quantized;
  Lb: Float32Array;
  /** For each column of L, the logit (index < K) it adds to. */
  Lto: number[];
  H: number;
  D: number;
  C: number;
  K: number;
  off: Offsets;
  counts: Counts;
}): Uint8Array {
  const Lk = m.Lto.length;
  const g = new GraphBuilder();
  const io = addInputs(g);
  // hidden layer
  const hid = addSparseLayer(g, io, ['E_q', 'E_scale', 'b1'], m.E, m.b1, m.H, m.D);
  const pre = g.node('Identity', [hid.z], {}, 'hidden');
  const W2 = g.float('W2', m.W2, [m.D, m.C]);
  const zc = g.node('Add', [g.node('MatMul', [g.node('Relu', [pre]), W2]), g.float('b2', m.b2, [m.C])]);
  // linear layer
  const lin = addSparseLayer(g, io, ['L_q', 'L_scale', 'L_bias'], m.L, m.Lb, m.H, Lk);
  const placeC = new Float32Array(m.C * m.K);
  for (let c = 0; c < m.C; c++) placeC[c * m.K + c] = 1;
  const placeL = new Float32Array(Lk * m.K);
  m.Lto.forEach((k, i) => (placeL[i * m.K + k] = 1));
  const Pc = g.float('P_mlp', placeC, [m.C, m.K]);
  const Pl = g.float('P_lin', placeL, [Lk, m.K]);
  const z = g.node('Add', [g.node('MatMul', [zc, Pc]), g.node('MatMul', [lin.z, Pl])], {}, 'logits');
  addHeads(g, z, m.off, m.counts);

  // explanations (only computed when `contrib` is fetched)
  const active = g.node('Unsqueeze', [g.node('Cast', [g.node('Greater', [pre, g.float('zero', [0], [])])], { to: 1 }), io.ax1]); // [N,1,D]
  const perFeat = g.node('Mul', [g.node('Mul', [g.node('Mul', [hid.rows, io.v3]), hid.scale]), active]); // [N,L,D]
  const cc = g.node('MatMul', [g.node('MatMul', [perFeat, W2]), Pc]); // [N,L,K]
  const cl = g.node('MatMul', [g.node('Mul', [g.node('Mul', [lin.rows, io.v3]), lin.scale]), Pl]); // [N,L,K]
  g.node('Add', [cc, cl], {}, 'contrib');

  g.output('hidden', 'float', ['N', m.D]);
  g.output('contrib', 'float', ['N', 'L', m.K]);
  return g.toBytes({
    producer: 'emosig scripts/train-text.ts',
    doc: 'Hashed n-gram text-emotion model: GoEmotions 28 + Ekman + sentiment groups (one hidden layer, ensembled with a linear layer) + EmoBank V/A (linear).',
  });
}
