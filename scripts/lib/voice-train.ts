/**
 * Training pieces of the voice model: standardisation, per-speaker normalisation, a TF.js MLP with a
 * class-weighted, label-smoothed loss and a seeded training loop, and ONNX export of the trained weights.
 */
import { getTfjs } from './tfjs.js';
import { GraphBuilder } from './onnx-builder.js';
import { rng } from './voice-data.js';
import { FEATURE_NAMES } from '../../src/audio/features.js';

export const CLIP_Z = 5;

export interface Standardiser {
  mean: Float32Array;
  std: Float32Array;
}

export function fitStandardiser(xs: Float32Array[]): Standardiser {
  const D = xs[0].length;
  const mean = new Float32Array(D);
  const std = new Float32Array(D);
  for (const x of xs) for (let d = 0; d < D; d++) mean[d] += x[d];
  for (let d = 0; d < D; d++) mean[d] /= xs.length;
  for (const x of xs) for (let d = 0; d < D; d++) std[d] += (x[d] - mean[d]) ** 2;
  for (let d = 0; d < D; d++) std[d] = Math.sqrt(std[d] / xs.length) || 1;
  return { mean, std };
}

export function standardise(x: Float32Array, s: Standardiser): Float32Array {
  const out = new Float32Array(x.length);
  for (let d = 0; d < x.length; d++) out[d] = Math.max(-CLIP_Z, Math.min(CLIP_Z, (x[d] - s.mean[d]) / s.std[d]));
  return out;
}

/**
 * Per-speaker normalisation: z-score each vector with its speaker's own mean and deviation. The deviation
 * is floored at `floorFrac` of the global deviation so that a feature a speaker barely varies does not explode.
 */
export function speakerNormalise(xs: Float32Array[], groups: string[], globalStd: Float32Array, floorFrac = 0.25): Float32Array[] {
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => byGroup.set(g, [...(byGroup.get(g) ?? []), i]));
  const out: Float32Array[] = new Array(xs.length);
  for (const idx of byGroup.values()) {
    const s = fitStandardiser(idx.map((i) => xs[i]));
    for (let d = 0; d < s.std.length; d++) s.std[d] = Math.max(s.std[d], floorFrac * globalStd[d]);
    for (const i of idx) out[i] = standardise(xs[i], s);
  }
  return out;
}

export interface MlpConfig {
  hidden: number[];
  dropout: number;
  l2: number;
  epochs: number;
  batch: number;
  lr: number;
  labelSmoothing: number;
  seed: number;
}

export const DEFAULT_MLP: MlpConfig = { hidden: [128, 64], dropout: 0.3, l2: 1e-4, epochs: 40, batch: 128, lr: 2e-3, labelSmoothing: 0.1, seed: 7 };

/** Members of an ensemble are the same MLP trained from different seeds; their probabilities are averaged. */
export const ENSEMBLE_SIZE = 3;

export interface TrainedMlp {
  /** Dense layers: W row-major [in, out], b [out]. */
  layers: { W: Float32Array; b: Float32Array; inDim: number; outDim: number }[];
  predict(xs: Float32Array[]): Promise<Float32Array[]>;
}

/** Train an MLP classifier on already-normalised inputs. `y` are class indices; class weights balance classes. */
export async function trainMlp(xs: Float32Array[], y: number[], K: number, cfg: MlpConfig = DEFAULT_MLP): Promise<TrainedMlp> {
  const { tf } = await getTfjs();
  const D = xs[0].length;
  const counts = new Array<number>(K).fill(0);
  y.forEach((c) => counts[c]++);
  const present = counts.filter((c) => c > 0).length;
  const cw = counts.map((c) => (c > 0 ? y.length / (present * c) : 0));
  const model = tf.sequential();
  cfg.hidden.forEach((h, i) => {
    model.add(
      tf.layers.dense({
        units: h,
        activation: 'relu',
        inputShape: i === 0 ? [D] : undefined,
        kernelInitializer: tf.initializers.heNormal({ seed: cfg.seed + i }),
        kernelRegularizer: tf.regularizers.l2({ l2: cfg.l2 }),
      }),
    );
    model.add(tf.layers.dropout({ rate: cfg.dropout, seed: cfg.seed + 100 + i }));
  });
  model.add(tf.layers.dense({ units: K, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: cfg.seed + 50 }) }));
  const w = tf.tensor1d(cw);
  const eps = cfg.labelSmoothing;
  const loss = (yTrue: import('@tensorflow/tfjs').Tensor, yPred: import('@tensorflow/tfjs').Tensor) =>
    tf.tidy(() => {
      const smooth = yTrue.mul(1 - eps).add(eps / K);
      const perSample = smooth.mul(yPred.clipByValue(1e-7, 1).log()).sum(-1).neg();
      const sw = yTrue.mul(w).sum(-1);
      return perSample.mul(sw).mean();
    });
  model.compile({ optimizer: tf.train.adam(cfg.lr), loss });
  const X = new Float32Array(xs.length * D);
  xs.forEach((x, i) => X.set(x, i * D));
  const rand = rng(cfg.seed);
  const order = xs.map((_, i) => i);
  for (let ep = 0; ep < cfg.epochs; ep++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let b = 0; b < order.length; b += cfg.batch) {
      const idx = order.slice(b, b + cfg.batch);
      const xb = new Float32Array(idx.length * D);
      const yb = new Float32Array(idx.length * K);
      idx.forEach((r, k) => {
        xb.set(X.subarray(r * D, (r + 1) * D), k * D);
        yb[k * K + y[r]] = 1;
      });
      const xt = tf.tensor2d(xb, [idx.length, D]);
      const yt = tf.tensor2d(yb, [idx.length, K]);
      await model.trainOnBatch(xt, yt);
      xt.dispose();
      yt.dispose();
    }
  }
  const layers = model.layers
    .filter((l) => l.getClassName() === 'Dense')
    .map((l) => {
      const [W, b] = l.getWeights();
      return { W: W.dataSync() as Float32Array, b: b.dataSync() as Float32Array, inDim: W.shape[0] as number, outDim: W.shape[1] as number };
    });
  model.dispose();
  w.dispose();
  return { layers, predict: async (q) => forward(layers, q) };
}

/**
 * The features the personal-baseline model reads: the prosodic and voice-quality descriptors (F0, loudness,
 * RMS, ZCR, HNR, jitter, shimmer, alpha ratio, Hammarberg index, spectral slope: all functionals) and the
 * temporal measures — no MFCCs or spectral-shape statistics. Chosen by cross-corpus UAR (train on RAVDESS,
 * test on EmoDB and the reverse; see the model card): once a speaker's own baseline is removed, these
 * generalise across languages and microphones, while MFCC statistics mostly learn the corpus.
 */
export const PERSONAL_FEATURE_NAMES: readonly string[] = FEATURE_NAMES.filter(
  (n) => /^(f0|loudness|rms|zcr|hnr|jitter|shimmer|alphaRatio|hammarbergIndex|spectralSlope)_/.test(n) || !n.includes('_'),
);
export const PERSONAL_FEATURES: readonly number[] = PERSONAL_FEATURE_NAMES.map((n) => FEATURE_NAMES.indexOf(n));

export interface Ensemble {
  members: TrainedMlp[];
  /** Input width (the full feature vector). */
  inputDim: number;
  /** Indices of the input features the members read (all when absent). */
  select?: readonly number[];
  predict(xs: Float32Array[]): Promise<Float32Array[]>;
}

const pick = (xs: Float32Array[], select?: readonly number[]): Float32Array[] => (select ? xs.map((x) => Float32Array.from(select, (i) => x[i])) : xs);

export async function trainEnsemble(xs: Float32Array[], y: number[], K: number, cfg: MlpConfig = DEFAULT_MLP, n = ENSEMBLE_SIZE, select?: readonly number[]): Promise<Ensemble> {
  const members: TrainedMlp[] = [];
  const sx = pick(xs, select);
  for (let i = 0; i < n; i++) members.push(await trainMlp(sx, y, K, { ...cfg, seed: cfg.seed + 1000 * i }));
  return {
    members,
    inputDim: xs[0].length,
    select,
    predict: async (q) => {
      const all = members.map((m) => forward(m.layers, pick(q, select)));
      return q.map((_, r) => all[0][r].map((_, k) => all.reduce((s, p) => s + p[r][k], 0) / all.length));
    },
  };
}

/** Plain forward pass (what the exported ONNX graph computes), used for evaluation. */
export function forward(layers: TrainedMlp['layers'], xs: Float32Array[]): Float32Array[] {
  return xs.map((x) => {
    let h: Float32Array = x;
    layers.forEach((L, li) => {
      const o = new Float32Array(L.outDim);
      for (let j = 0; j < L.outDim; j++) o[j] = L.b[j];
      for (let i = 0; i < L.inDim; i++) {
        const v = h[i];
        if (v === 0) continue;
        const row = i * L.outDim;
        for (let j = 0; j < L.outDim; j++) o[j] += v * L.W[row + j];
      }
      if (li < layers.length - 1) for (let j = 0; j < o.length; j++) o[j] = Math.max(0, o[j]);
      h = o;
    });
    let m = -Infinity;
    for (const v of h) m = Math.max(m, v);
    let s = 0;
    const p = h.map((v) => {
      const e = Math.exp(v - m);
      s += e;
      return e;
    });
    return p.map((v) => v / s);
  });
}

/**
 * ONNX graph: input `features` [N, D] → (optional standardisation) → clip to ±5 → (the selected features) → each member MLP →
 * softmax → mean over members = `probs` [N, K].
 */
export function exportEnsembleOnnx(ens: Ensemble, opts: { standardiser?: Standardiser; doc: string; props: Record<string, string> }): Uint8Array {
  const g = new GraphBuilder();
  const first = ens.members[0].layers;
  const D = ens.inputDim;
  const K = first[first.length - 1].outDim;
  let x = g.input('features', 'float', ['N', D]);
  if (opts.standardiser) {
    x = g.node('Sub', [x, g.float('mean', opts.standardiser.mean, [D])]);
    x = g.node('Div', [x, g.float('std', opts.standardiser.std, [D])]);
  }
  x = g.node('Clip', [x, g.float('clip_min', [-CLIP_Z], []), g.float('clip_max', [CLIP_Z], [])]);
  if (ens.select) x = g.node('Gather', [x, g.int64('selected_features', [...ens.select])], { axis: 1 });
  const outs = ens.members.map((m, mi) => {
    let h = x;
    m.layers.forEach((L, i) => {
      h = g.dense(h, L.W, L.b, L.inDim, L.outDim, `m${mi}_dense${i}`);
      if (i < m.layers.length - 1) h = g.node('Relu', [h]);
    });
    return g.node('Softmax', [h], { axis: -1 });
  });
  const sum = outs.length === 1 ? outs[0] : g.node('Sum', outs);
  g.node('Mul', [sum, g.float('inv_members', [1 / outs.length], [])], {}, 'probs');
  g.output('probs', 'float', ['N', K]);
  return g.toBytes({ producer: 'emosig scripts/train-voice.ts', doc: opts.doc, props: opts.props });
}
