/**
 * A hand-vectorised multi-output linear model over hashed sparse features, trained with per-example
 * AdaGrad (sigmoid/BCE heads and linear/MSE heads), plus the metrics the training script and bench use.
 */
import { mulberry32 } from './random.js';

export interface Example {
  idx: Int32Array;
  val: Float32Array;
  /** Targets for every output (ignored where the head is masked out). */
  y: Float32Array;
  /** Which head group this example trains: 'cls' (GoEmotions heads) or 'reg' (valence/arousal). */
  group: 'cls' | 'reg';
  /** For 'cls': train only these [start, end) output ranges (default: the whole cls range). */
  ranges?: [number, number][];
  /** Example weight (default 1). */
  weight?: number;
}

export interface HeadLayout {
  /** Number of outputs in total. */
  K: number;
  /** [start, end) of the sigmoid/BCE outputs trained by 'cls' examples. */
  cls: [number, number];
  /** [start, end) of the linear/MSE outputs trained by 'reg' examples. */
  reg: [number, number];
}

export interface TrainOptions {
  epochs: number;
  lr: number;
  l2: number;
  /** Multiplier of the gradient of positive targets in BCE heads (class imbalance). */
  posWeight: number;
  /** Multiplier of the learning rate for regression heads. */
  regLr: number;
  seed: number;
  onEpoch?(epoch: number, m: LinearModel): boolean | void;
}

export class LinearModel {
  readonly W: Float32Array;
  readonly b: Float32Array;
  private G: Float32Array;
  private Gb: Float32Array;
  constructor(readonly H: number, readonly layout: HeadLayout) {
    this.W = new Float32Array(H * layout.K);
    this.b = new Float32Array(layout.K);
    this.G = new Float32Array(H * layout.K);
    this.Gb = new Float32Array(layout.K);
  }

  /** Raw outputs (logits for BCE heads, values for regression heads) into `out` (length K). */
  raw(idx: Int32Array, val: Float32Array, out: Float32Array): Float32Array {
    const K = this.layout.K;
    out.set(this.b);
    const W = this.W;
    for (let j = 0; j < idx.length; j++) {
      const base = idx[j] * K;
      const v = val[j];
      for (let k = 0; k < K; k++) out[k] += v * W[base + k];
    }
    return out;
  }

  train(data: Example[], o: TrainOptions): void {
    const { K, cls, reg } = this.layout;
    const rng = mulberry32(o.seed);
    const order = Int32Array.from(data.keys());
    const z = new Float32Array(K);
    const g = new Float32Array(K);
    const eps = 1e-6;
    for (let ep = 0; ep < o.epochs; ep++) {
      shuffleInPlace(order, rng);
      for (const n of order) {
        const ex = data[n];
        this.raw(ex.idx, ex.val, z);
        const [lo, hi] = ex.group === 'cls' ? cls : reg;
        const lr = (ex.group === 'cls' ? o.lr : o.lr * o.regLr) * (ex.weight ?? 1);
        for (let k = 0; k < K; k++) g[k] = 0;
        if (ex.group === 'cls') {
          for (const [a, b] of ex.ranges ?? [cls]) {
            for (let k = a; k < b; k++) {
              const p = 1 / (1 + Math.exp(-z[k]));
              const y = ex.y[k];
              g[k] = (p - y) * (y > 0.5 ? o.posWeight : 1);
            }
          }
        } else {
          for (let k = lo; k < hi; k++) g[k] = z[k] - ex.y[k];
        }
        const W = this.W, G = this.G;
        for (let j = 0; j < ex.idx.length; j++) {
          const base = ex.idx[j] * K;
          const v = ex.val[j];
          for (let k = lo; k < hi; k++) {
            const w = W[base + k];
            const gr = v * g[k] + o.l2 * w;
            const acc = G[base + k] + gr * gr;
            G[base + k] = acc;
            W[base + k] = w - (lr * gr) / Math.sqrt(acc + eps);
          }
        }
        for (let k = lo; k < hi; k++) {
          const gr = g[k];
          this.Gb[k] += gr * gr;
          this.b[k] -= (lr * gr) / Math.sqrt(this.Gb[k] + eps);
        }
      }
      if (o.onEpoch && o.onEpoch(ep + 1, this) === true) break;
    }
  }

  /** Free the optimiser state (keeps W and b). */
  dropOptimizer(): void {
    this.G = new Float32Array(0);
  }
}

/** Fisher–Yates shuffle of `order` in place with `rng` (one epoch's example order). */
export function shuffleInPlace(order: Int32Array, rng: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

// ---------------------------------------------------------------------------------------------
// Metrics

export interface F1 {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export function f1From(tp: number, fp: number, fn: number): F1 {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, support: tp + fn };
}

/** Per-label F1 of multi-label predictions `score[i][c] >= thr[c]` against gold label sets. */
export function multiLabelF1(scores: Float32Array[], gold: number[][], thr: number[]): { perLabel: F1[]; macroF1: number; microF1: number } {
  const C = thr.length;
  const tp = new Array(C).fill(0), fp = new Array(C).fill(0), fn = new Array(C).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const g = new Set(gold[i]);
    for (let c = 0; c < C; c++) {
      const p = scores[i][c] >= thr[c];
      if (p && g.has(c)) tp[c]++;
      else if (p) fp[c]++;
      else if (g.has(c)) fn[c]++;
    }
  }
  const perLabel = thr.map((_, c) => f1From(tp[c], fp[c], fn[c]));
  const macroF1 = perLabel.reduce((s, x) => s + x.f1, 0) / C;
  const micro = f1From(tp.reduce((a, b) => a + b, 0), fp.reduce((a, b) => a + b, 0), fn.reduce((a, b) => a + b, 0));
  return { perLabel, macroF1, microF1: micro.f1 };
}

/** Per-label threshold maximising F1 on a tuning set (grid 0.02…0.95). */
export function tuneThresholds(scores: Float32Array[], gold: number[][], C: number): number[] {
  const thr: number[] = [];
  for (let c = 0; c < C; c++) {
    const pairs = scores.map((s, i) => [s[c], gold[i].includes(c) ? 1 : 0] as const);
    const pos = pairs.reduce((s, p) => s + p[1], 0);
    let best = 0.5, bestF = -1;
    for (let t = 0.02; t <= 0.951; t += 0.01) {
      let tp = 0, fp = 0;
      for (const [s, y] of pairs) if (s >= t) y ? tp++ : fp++;
      const f = f1From(tp, fp, pos - tp).f1;
      if (f > bestF) (bestF = f), (best = Math.round(t * 100) / 100);
    }
    thr.push(best);
  }
  return thr;
}

/** Single-label macro-F1 and accuracy from predicted and gold class indices. */
export function singleLabelF1(pred: number[], gold: number[], C: number, exclude: number[] = []): { perLabel: F1[]; macroF1: number; accuracy: number } {
  const tp = new Array(C).fill(0), fp = new Array(C).fill(0), fn = new Array(C).fill(0);
  let correct = 0;
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] === gold[i]) (tp[pred[i]]++, correct++);
    else (fp[pred[i]]++, fn[gold[i]]++);
  }
  const perLabel = tp.map((_, c) => f1From(tp[c], fp[c], fn[c]));
  const used = perLabel.filter((_, c) => !exclude.includes(c));
  return { perLabel, macroF1: used.reduce((s, x) => s + x.f1, 0) / used.length, accuracy: correct / Math.max(1, pred.length) };
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) (ma += a[i]), (mb += b[i]);
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}
