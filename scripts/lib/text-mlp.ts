/**
 * A one-hidden-layer network over hashed sparse features (a "deep averaging network"):
 *   pre = Σ_j values_j · E[idx_j] + b1,  h = relu(pre),  logits = h · W2 + b2
 * trained with per-example AdaGrad and binary cross-entropy (sigmoid outputs). Hand-vectorised JS.
 */
import { mulberry32 } from './random.js';
import { shuffleInPlace, sigmoid, type Example } from './text-linear.js';

export interface MlpTrainOptions {
  epochs: number;
  lr: number;
  seed: number;
  onEpoch?(epoch: number, m: MlpModel): void;
}

export class MlpModel {
  readonly E: Float32Array;
  readonly b1: Float32Array;
  readonly W2: Float32Array;
  readonly b2: Float32Array;
  private GE: Float32Array;
  private Gb1: Float32Array;
  private GW2: Float32Array;
  private Gb2: Float32Array;
  private pre: Float32Array;
  private h: Float32Array;
  private gz: Float32Array;
  private gh: Float32Array;

  /** `H` hash buckets, `D` hidden units, `K` sigmoid outputs (example targets y[0..K)). */
  constructor(readonly H: number, readonly D: number, readonly K: number, seed: number) {
    const rng = mulberry32(seed);
    this.E = new Float32Array(H * D).map(() => (rng() - 0.5) * 0.1);
    this.b1 = new Float32Array(D);
    this.W2 = new Float32Array(D * K).map(() => (rng() - 0.5) * (2 / Math.sqrt(D)));
    this.b2 = new Float32Array(K);
    this.GE = new Float32Array(H * D);
    this.Gb1 = new Float32Array(D);
    this.GW2 = new Float32Array(D * K);
    this.Gb2 = new Float32Array(K);
    this.pre = new Float32Array(D);
    this.h = new Float32Array(D);
    this.gz = new Float32Array(K);
    this.gh = new Float32Array(D);
  }

  /** Logits into `out` (length ≥ K); leaves the hidden pre-activations in `this.preAct`. */
  logits(idx: Int32Array, val: Float32Array, out: Float32Array): Float32Array {
    const { D, K, E, W2, pre, h } = this;
    pre.set(this.b1);
    for (let j = 0; j < idx.length; j++) {
      const base = idx[j] * D, v = val[j];
      for (let d = 0; d < D; d++) pre[d] += v * E[base + d];
    }
    for (let d = 0; d < D; d++) h[d] = pre[d] > 0 ? pre[d] : 0;
    for (let k = 0; k < K; k++) out[k] = this.b2[k];
    for (let d = 0; d < D; d++) {
      const hd = h[d];
      if (hd === 0) continue;
      for (let k = 0; k < K; k++) out[k] += hd * W2[d * K + k];
    }
    return out;
  }

  train(data: Example[], o: MlpTrainOptions): void {
    const { D, K, E, W2, GE, GW2, pre, h, gz, gh } = this;
    const rng = mulberry32(o.seed);
    const order = Int32Array.from(data.keys());
    const z = new Float32Array(K);
    const lr = o.lr, eps = 1e-6;
    for (let ep = 1; ep <= o.epochs; ep++) {
      shuffleInPlace(order, rng);
      for (const n of order) {
        const e = data[n];
        this.logits(e.idx, e.val, z);
        // BCE on the outputs this example labels (`ranges`; default all), scaled by its weight
        const w = e.weight ?? 1;
        if (e.ranges) {
          gz.fill(0);
          for (const [a, b] of e.ranges) for (let k = a; k < Math.min(b, K); k++) gz[k] = (sigmoid(z[k]) - e.y[k]) * w;
        } else for (let k = 0; k < K; k++) gz[k] = (sigmoid(z[k]) - e.y[k]) * w;
        gh.fill(0);
        for (let d = 0; d < D; d++) {
          const hd = h[d];
          for (let k = 0; k < K; k++) {
            const i = d * K + k;
            gh[d] += gz[k] * W2[i];
            if (hd !== 0) {
              const g = gz[k] * hd;
              GW2[i] += g * g;
              W2[i] -= (lr * g) / Math.sqrt(GW2[i] + eps);
            }
          }
        }
        for (let k = 0; k < K; k++) {
          this.Gb2[k] += gz[k] * gz[k];
          this.b2[k] -= (lr * gz[k]) / Math.sqrt(this.Gb2[k] + eps);
        }
        for (let d = 0; d < D; d++) {
          const g = pre[d] > 0 ? gh[d] : 0;
          gh[d] = g;
          this.Gb1[d] += g * g;
          this.b1[d] -= (lr * g) / Math.sqrt(this.Gb1[d] + eps);
        }
        for (let j = 0; j < e.idx.length; j++) {
          const base = e.idx[j] * D, v = e.val[j];
          for (let d = 0; d < D; d++) {
            if (gh[d] === 0) continue;
            const g = v * gh[d];
            GE[base + d] += g * g;
            E[base + d] -= (lr * g) / Math.sqrt(GE[base + d] + eps);
          }
        }
      }
      o.onEpoch?.(ep, this);
    }
  }

  /** Copy of the parameters (for keeping the best epoch). */
  snapshot(): { E: Float32Array; b1: Float32Array; W2: Float32Array; b2: Float32Array } {
    return { E: this.E.slice(), b1: this.b1.slice(), W2: this.W2.slice(), b2: this.b2.slice() };
  }

  restore(s: { E: Float32Array; b1: Float32Array; W2: Float32Array; b2: Float32Array }): void {
    this.E.set(s.E);
    this.b1.set(s.b1);
    this.W2.set(s.W2);
    this.b2.set(s.b2);
  }

  dropOptimizer(): void {
    this.GE = new Float32Array(0);
  }
}
