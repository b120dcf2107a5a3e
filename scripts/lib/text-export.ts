/**
 * Export the hashed linear text model to ONNX (opset 13).
 *
 * Inputs:  indices int64 [N, L] (hash buckets; padding = any bucket with value 0)
 *          values  float [N, L] (feature values from src/text/features.ts)
 * Outputs: go        float [N, 28]  GoEmotions sigmoid probabilities
 *          ekman     float [N, 7]   Ekman sigmoid probabilities (CORE_LABELS order)
 *          sentiment float [N, 4]   sentiment-group sigmoid probabilities (SENTIMENT_GROUPS order)
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

export function exportTextOnnx(m: {
  q: Quantized;
  b: Float32Array;
  H: number;
  K: number;
  off: { go: number; ekman: number; sentiment: number; va: number };
  counts: { go: number; ekman: number; sentiment: number };
}): Uint8Array {
  const g = new GraphBuilder();
  const indices = g.input('indices', 'int64', ['N', 'L']);
  const values = g.input('values', 'float', ['N', 'L']);
  const W = g.int8('W_q', m.q.q, [m.H, m.K]);
  const scale = g.float('W_scale', m.q.scale, [m.K]);
  const bias = g.float('bias', m.b, [m.K]);

  // rows of the hashed features, dequantised: [N, L, K]
  const gathered = g.node('Cast', [g.node('Gather', [W, indices], { axis: 0 })], { to: 1 /* FLOAT */ });
  // logits = values[N,1,L] · rows[N,L,K] (batched MatMul) · scale + bias
  const v1 = g.node('Unsqueeze', [values, g.int64('axes_1u', [1])]);
  const summed = g.node('Squeeze', [g.node('MatMul', [v1, gathered]), g.int64('axes_1s', [1])]);
  const z = g.node('Add', [g.node('Mul', [summed, scale]), bias], {}, 'logits');
  // per-feature contributions (a separate branch: only computed when `contrib` is fetched)
  const v3 = g.node('Unsqueeze', [values, g.int64('axes_2', [2])]);
  g.node('Mul', [g.node('Mul', [gathered, v3]), scale], {}, 'contrib');
  const slice = (start: number, end: number): string =>
    g.node('Slice', [z, g.int64(`s_${start}`, [start]), g.int64(`e_${end}`, [end]), g.int64(`a_${start}_${end}`, [1])]);
  g.node('Sigmoid', [slice(m.off.go, m.off.go + m.counts.go)], {}, 'go');
  g.node('Sigmoid', [slice(m.off.ekman, m.off.ekman + m.counts.ekman)], {}, 'ekman');
  g.node('Sigmoid', [slice(m.off.sentiment, m.off.sentiment + m.counts.sentiment)], {}, 'sentiment');
  g.node('Clip', [slice(m.off.va, m.off.va + 2), g.float('minus1', [-1], []), g.float('plus1', [1], [])], {}, 'va');

  g.output('go', 'float', ['N', m.counts.go]);
  g.output('ekman', 'float', ['N', m.counts.ekman]);
  g.output('sentiment', 'float', ['N', m.counts.sentiment]);
  g.output('va', 'float', ['N', 2]);
  g.output('contrib', 'float', ['N', 'L', m.K]);
  return g.toBytes({
    producer: 'emosig scripts/train-text.ts',
    doc: 'Hashed n-gram linear text-emotion model (GoEmotions 28 + Ekman + sentiment groups + EmoBank V/A).',
  });
}

/**
 * The network variant (what `npm run train:text` ships): the 39 classification logits come from a
 * one-hidden-layer network over the hashed features, valence/arousal from a linear layer.
 *
 *   pre    = (values · E_q[indices]) · E_scale + b1        [N, D]   (E_q int8 [H, D])
 *   logits = concat(relu(pre) · W2 + b2, (values · L_q[indices]) · L_scale + L_bias)   [N, 39 + 2]
 *   contrib[n, l, k] = values[n,l] · Σ_d E[idx,d] · [pre_d > 0] · W2[d,k]  (k < 39; the linear part for k ≥ 39):
 *   for a ReLU network with its activation pattern fixed this splits each logit exactly into per-feature
 *   parts (plus the biases), which is what the cue words are built from.
 * Outputs as in `exportTextOnnx`: go, ekman, sentiment, va, logits, contrib.
 */
export function exportTextMlpOnnx(m: {
  E: Quantized;
  b1: Float32Array;
  W2: Float32Array;
  b2: Float32Array;
  L: Quantized;
  Lb: Float32Array;
  H: number;
  D: number;
  C: number;
  off: { go: number; ekman: number; sentiment: number; va: number };
  counts: { go: number; ekman: number; sentiment: number };
}): Uint8Array {
  const g = new GraphBuilder();
  const indices = g.input('indices', 'int64', ['N', 'L']);
  const values = g.input('values', 'float', ['N', 'L']);
  const E = g.int8('E_q', m.E.q, [m.H, m.D]);
  const Es = g.float('E_scale', m.E.scale, [m.D]);
  const b1 = g.float('b1', m.b1, [m.D]);
  const W2 = g.float('W2', m.W2, [m.D, m.C]);
  const b2 = g.float('b2', m.b2, [m.C]);
  const Lq = g.int8('L_q', m.L.q, [m.H, 2]);
  const Ls = g.float('L_scale', m.L.scale, [2]);
  const Lb = g.float('L_bias', m.Lb, [2]);

  const v1 = g.node('Unsqueeze', [values, g.int64('axes_1u', [1])]); // [N,1,L]
  const v3 = g.node('Unsqueeze', [values, g.int64('axes_2', [2])]); // [N,L,1]
  const ax1 = g.int64('axes_1s', [1]);
  // hidden layer
  const gE = g.node('Cast', [g.node('Gather', [E, indices], { axis: 0 })], { to: 1 }); // [N,L,D]
  const pre = g.node('Add', [g.node('Mul', [g.node('Squeeze', [g.node('MatMul', [v1, gE]), ax1]), Es]), b1], {}, 'hidden');
  const zc = g.node('Add', [g.node('MatMul', [g.node('Relu', [pre]), W2]), b2]);
  // linear valence/arousal
  const gL = g.node('Cast', [g.node('Gather', [Lq, indices], { axis: 0 })], { to: 1 }); // [N,L,2]
  const zv = g.node('Add', [g.node('Mul', [g.node('Squeeze', [g.node('MatMul', [v1, gL]), ax1]), Ls]), Lb]);
  const z = g.node('Concat', [zc, zv], { axis: 1 }, 'logits');

  const slice = (start: number, end: number): string =>
    g.node('Slice', [z, g.int64(`s_${start}`, [start]), g.int64(`e_${end}`, [end]), g.int64(`a_${start}_${end}`, [1])]);
  g.node('Sigmoid', [slice(m.off.go, m.off.go + m.counts.go)], {}, 'go');
  g.node('Sigmoid', [slice(m.off.ekman, m.off.ekman + m.counts.ekman)], {}, 'ekman');
  g.node('Sigmoid', [slice(m.off.sentiment, m.off.sentiment + m.counts.sentiment)], {}, 'sentiment');
  g.node('Clip', [slice(m.off.va, m.off.va + 2), g.float('minus1', [-1], []), g.float('plus1', [1], [])], {}, 'va');

  // explanations (only computed when `contrib` is fetched)
  const active = g.node('Unsqueeze', [g.node('Cast', [g.node('Greater', [pre, g.float('zero', [0], [])])], { to: 1 }), ax1]); // [N,1,D]
  const perFeat = g.node('Mul', [g.node('Mul', [g.node('Mul', [gE, v3]), Es]), active]); // [N,L,D]
  const cc = g.node('MatMul', [perFeat, W2]); // [N,L,C]
  const cl = g.node('Mul', [g.node('Mul', [gL, v3]), Ls]); // [N,L,2]
  g.node('Concat', [cc, cl], { axis: 2 }, 'contrib');

  g.output('go', 'float', ['N', m.counts.go]);
  g.output('ekman', 'float', ['N', m.counts.ekman]);
  g.output('sentiment', 'float', ['N', m.counts.sentiment]);
  g.output('va', 'float', ['N', 2]);
  g.output('hidden', 'float', ['N', m.D]);
  g.output('contrib', 'float', ['N', 'L', m.C + 2]);
  return g.toBytes({
    producer: 'emosig scripts/train-text.ts',
    doc: 'Hashed n-gram text-emotion network: GoEmotions 28 + Ekman + sentiment groups (one hidden layer) + EmoBank V/A (linear).',
  });
}
