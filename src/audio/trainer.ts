/**
 * The voice model's learner, in plain TypeScript (no Python, no TF.js): used by scripts/train-voice.ts for the
 * shipped model and by `emosig train voice` for a business's own recordings.
 *
 * A model reads emosig's feature vector, standardises it (inside its ONNX graph), optionally keeps a subset of
 * features, optionally maps it through random Fourier features (an approximation of an RBF kernel, Rahimi &
 * Recht 2007: cos(x·Ω + β)·√(2/M) with Ω ~ N(0, 2γ)), optionally one trained ReLU hidden layer, and has two
 * linear heads trained jointly with Adam:
 * a softmax over the labels (class-balanced, label-smoothed cross-entropy) and arousal/valence regressors
 * (squared error; rows without targets are masked). Seeded, so the same data gives the same model.
 *
 * Personal baseline: a speaker's vectors are z-scored against a baseline of that speaker's speech. With
 * `calmFraction < 1` the baseline's mean comes from the speaker's calmest segments (lowest predicted arousal),
 * so a call that is mostly angry is still judged against the speaker's neutral-ish voice.
 */
import { GraphBuilder } from './onnx-graph.js';
import { mulberry32 } from '../runtime/random.js';

export const CLIP_Z = 5;

export interface Standardiser {
  mean: Float32Array;
  std: Float32Array;
}

export function fitStandardiser(xs: ArrayLike<number>[]): Standardiser {
  const D = xs[0].length;
  const mean = new Float64Array(D);
  const sq = new Float64Array(D);
  for (const x of xs) for (let d = 0; d < D; d++) mean[d] += x[d];
  for (let d = 0; d < D; d++) mean[d] /= xs.length;
  for (const x of xs) for (let d = 0; d < D; d++) sq[d] += (x[d] - mean[d]) ** 2;
  const std = new Float32Array(D);
  for (let d = 0; d < D; d++) std[d] = Math.sqrt(sq[d] / xs.length) || 1;
  return { mean: Float32Array.from(mean), std };
}

export function standardise(x: ArrayLike<number>, s: Standardiser): Float32Array {
  const out = new Float32Array(x.length);
  for (let d = 0; d < x.length; d++) out[d] = Math.max(-CLIP_Z, Math.min(CLIP_Z, (x[d] - s.mean[d]) / s.std[d]));
  return out;
}

export interface BaselineOptions {
  /** Fraction of the speaker's segments (lowest predicted arousal) whose mean is the baseline (1 = all). */
  calmFraction: number;
  /** Never fewer segments than this in the calm subset. */
  minCalm: number;
}

export const DEFAULT_BASELINE: BaselineOptions = { calmFraction: 1, minCalm: 3 };

/**
 * A speaker's baseline: the mean over the calm subset (all segments when `calmFraction` is 1 or no arousal
 * is given) and the deviation over all segments.
 */
export function speakerBaseline(xs: ArrayLike<number>[], arousal: number[] | undefined, opts: BaselineOptions = DEFAULT_BASELINE): Standardiser {
  const all = fitStandardiser(xs);
  if (!arousal || opts.calmFraction >= 1 || xs.length <= opts.minCalm) return all;
  const n = Math.min(xs.length, Math.max(opts.minCalm, Math.ceil(opts.calmFraction * xs.length)));
  const order = arousal.map((a, i) => [a, i] as const).sort((p, q) => p[0] - q[0]).slice(0, n);
  const calm = fitStandardiser(order.map(([, i]) => xs[i]));
  return { mean: calm.mean, std: all.std };
}

/** z-score against a baseline, deviation floored (per feature) at `floor`, clipped to ±CLIP_Z. */
export function zScore(x: ArrayLike<number>, b: Standardiser, floor: ArrayLike<number>): Float32Array {
  const z = new Float32Array(x.length);
  for (let d = 0; d < x.length; d++) z[d] = Math.max(-CLIP_Z, Math.min(CLIP_Z, (x[d] - b.mean[d]) / Math.max(b.std[d], floor[d] ?? 1e-6, 1e-9)));
  return z;
}

export interface HeadsConfig {
  /** Random Fourier features (0 = linear model on the standardised features). */
  rff: number;
  /** RBF width γ relative to 1/D (1 = sklearn's "scale" on standardised data). */
  gammaScale: number;
  l2: number;
  epochs: number;
  lr: number;
  batch: number;
  labelSmoothing: number;
  /** Weight of the arousal/valence squared error beside the cross-entropy. */
  vaWeight: number;
  seed: number;
  /** Units of the trained ReLU hidden layer(s) before the heads: a width or one width per layer (0 or absent = none). */
  hidden?: number | number[];
  /** Dropout rate on the hidden layers while training (0 or absent = none). */
  dropout?: number;
  /** Members trained from seeds seed, seed+1000, …; their probabilities and arousal/valence are averaged (absent = 1). */
  ensemble?: number;
}

export const DEFAULT_HEADS: HeadsConfig = { rff: 0, gammaScale: 1, l2: 1e-3, epochs: 30, lr: 3e-3, batch: 64, labelSmoothing: 0.05, vaWeight: 1, seed: 7 };

export interface Heads {
  K: number;
  /** Input width after the feature selection. */
  D: number;
  rff?: { M: number; omega: Float32Array; phase: Float32Array };
  /** Trained ReLU layers after φ, in order: W [in, H] row-major, b [H]. */
  hidden?: { H: number; W: Float32Array; b: Float32Array }[];
  /** [F, K] row-major, F = H, M or D. */
  W: Float32Array;
  b: Float32Array;
  /** [F, 2] row-major: arousal, valence. */
  Wva: Float32Array;
  bva: Float32Array;
}

export { mulberry32 };

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** φ(x) for one input (the RFF map, or x itself). */
function phi(h: Pick<Heads, 'D' | 'rff'>, x: ArrayLike<number>, out: Float32Array): Float32Array {
  if (!h.rff) {
    for (let d = 0; d < h.D; d++) out[d] = x[d];
    return out;
  }
  const { M, omega, phase } = h.rff;
  out.set(phase);
  for (let d = 0; d < h.D; d++) {
    const v = x[d];
    if (v === 0) continue;
    const row = d * M;
    for (let m = 0; m < M; m++) out[m] += v * omega[row + m];
  }
  const s = Math.sqrt(2 / M);
  for (let m = 0; m < M; m++) out[m] = s * Math.cos(out[m]);
  return out;
}

/**
 * Train the heads on already standardised (and selected) inputs. `y[i]` is a class index or −1 (no label);
 * `va[i]` is [arousal, valence] in [−1, 1] (NaN where unknown).
 */
/**
 * Train the heads. `weights` (optional, one per row, mean ≈ 1) scale each row's loss, e.g. so that every corpus of a
 * multi-corpus training set weighs the same in total; the class weights are then computed from weighted counts.
 */
export function trainHeads(
  xs: Float32Array[],
  y: number[],
  va: [number, number][],
  K: number,
  cfg: HeadsConfig = DEFAULT_HEADS,
  weights?: ArrayLike<number>,
  l2Mult?: ArrayLike<number>,
): Heads {
  const N = xs.length;
  const D = xs[0].length;
  if (l2Mult && (cfg.rff > 0 || l2Mult.length !== D)) throw new Error(`trainHeads: l2Mult needs one multiplier per input feature (${D}) and no RFF map`);
  const rand = mulberry32(cfg.seed);
  let rff: Heads['rff'];
  if (cfg.rff > 0) {
    const M = cfg.rff;
    const sd = Math.sqrt((2 * cfg.gammaScale) / D);
    const omega = new Float32Array(D * M);
    for (let i = 0; i < omega.length; i++) omega[i] = sd * gauss(rand);
    const phase = new Float32Array(M);
    for (let m = 0; m < M; m++) phase[m] = 2 * Math.PI * rand();
    rff = { M, omega, phase };
  }
  const F = rff ? rff.M : D;
  const P = new Float32Array(N * F);
  const tmp = new Float32Array(F);
  for (let i = 0; i < N; i++) P.set(phi({ D, rff }, xs[i], tmp), i * F);

  const counts = new Array<number>(K).fill(0);
  y.forEach((c, i) => c >= 0 && (counts[c] += weights ? weights[i] : 1));
  const present = counts.filter((c) => c > 0).length;
  const labelled = counts.reduce((a, b) => a + b, 0);
  const cw = counts.map((c) => (c > 0 ? labelled / (present * c) : 0));

  const O = K + 2; // outputs: K logits, arousal, valence
  const Hs = hiddenSizes(cfg);
  const L = Hs.length;
  const dims = [F, ...Hs];
  const G = L > 0 ? Hs[L - 1] : F; // width feeding the heads
  const W = new Float32Array(G * O);
  const b = new Float32Array(O);
  const Ws = Hs.map((h, l) => new Float32Array(dims[l] * h));
  const bs = Hs.map((h) => new Float32Array(h));
  if (L > 0) {
    Ws.forEach((Wl, l) => {
      const s1 = Math.sqrt(2 / dims[l]); // He initialisation
      for (let i = 0; i < Wl.length; i++) Wl[i] = s1 * gauss(rand);
    });
    const s2 = Math.sqrt(1 / G);
    for (let i = 0; i < W.length; i++) W[i] = s2 * gauss(rand);
  }
  // even indices are weights (L2), odd are biases
  const params = [W, b, ...Ws.flatMap((Wl, l) => [Wl, bs[l]])];
  const grads = params.map((q) => new Float32Array(q.length));
  const m1 = params.map((q) => new Float32Array(q.length));
  const m2 = params.map((q) => new Float32Array(q.length));
  const [gW, gb] = grads;
  const gWs = Ws.map((_, l) => grads[2 + 2 * l]);
  const gbs = Ws.map((_, l) => grads[3 + 2 * l]);
  const out = new Float32Array(O);
  const g = new Float32Array(O);
  const acts = Hs.map((h) => new Float32Array(h)); // post-ReLU (and dropout) activations
  const masks = Hs.map((h) => new Float32Array(h));
  const deltas = Hs.map((h) => new Float32Array(h));
  const drop = cfg.dropout ?? 0;
  const keepScale = 1 / (1 - drop);
  const order = Array.from({ length: N }, (_, i) => i);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;
  const eps = cfg.labelSmoothing;
  const firstLayer = L > 0 ? 2 : 0;
  const firstWidth = L > 0 ? Hs[0] : O;
  for (let ep = 0; ep < cfg.epochs; ep++) {
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const lr = cfg.lr * (0.5 + 0.5 * Math.cos((Math.PI * ep) / cfg.epochs)); // cosine decay
    for (let s = 0; s < N; s += cfg.batch) {
      const e = Math.min(N, s + cfg.batch);
      for (const q of grads) q.fill(0);
      for (let r = s; r < e; r++) {
        const i = order[r];
        const p = P.subarray(i * F, (i + 1) * F);
        let a: Float32Array = p;
        for (let l = 0; l < L; l++) {
          const h = acts[l];
          const H = Hs[l];
          const Wl = Ws[l];
          const In = dims[l];
          h.set(bs[l]);
          for (let f = 0; f < In; f++) {
            const v = a[f];
            if (v === 0) continue;
            const row = f * H;
            for (let u = 0; u < H; u++) h[u] += v * Wl[row + u];
          }
          const mk = masks[l];
          for (let u = 0; u < H; u++) {
            mk[u] = drop > 0 ? (rand() < drop ? 0 : keepScale) : 1;
            h[u] = h[u] > 0 ? h[u] * mk[u] : 0;
          }
          a = h;
        }
        out.set(b);
        for (let f = 0; f < G; f++) {
          const v = a[f];
          if (v === 0) continue;
          const row = f * O;
          for (let o = 0; o < O; o++) out[o] += v * W[row + o];
        }
        g.fill(0);
        if (y[i] >= 0) {
          let mx = -Infinity;
          for (let k = 0; k < K; k++) mx = Math.max(mx, out[k]);
          let z = 0;
          for (let k = 0; k < K; k++) z += Math.exp(out[k] - mx);
          for (let k = 0; k < K; k++) {
            const t = (k === y[i] ? 1 - eps : 0) + eps / K;
            g[k] = (Math.exp(out[k] - mx) / z - t) * cw[y[i]];
          }
        }
        for (let q = 0; q < 2; q++) {
          const t = va[i]?.[q];
          if (t !== undefined && Number.isFinite(t)) g[K + q] = 2 * cfg.vaWeight * (out[K + q] - t);
        }
        if (weights) for (let o = 0; o < O; o++) g[o] *= weights[i];
        for (let f = 0; f < G; f++) {
          const v = a[f];
          if (v === 0) continue;
          const row = f * O;
          for (let o = 0; o < O; o++) gW[row + o] += v * g[o];
        }
        for (let o = 0; o < O; o++) gb[o] += g[o];
        // back through the hidden layers: δ_l = (W_{l+1} δ_{l+1}) ⊙ relu'(z_l) ⊙ dropout mask
        for (let l = L - 1; l >= 0; l--) {
          const H = Hs[l];
          const h = acts[l];
          const d = deltas[l];
          const mk = masks[l];
          if (l === L - 1) {
            for (let u = 0; u < H; u++) {
              if (h[u] <= 0) {
                d[u] = 0;
                continue;
              }
              let t = 0;
              const row = u * O;
              for (let o = 0; o < O; o++) t += W[row + o] * g[o];
              d[u] = t * mk[u];
            }
          } else {
            const Hn = Hs[l + 1];
            const Wn = Ws[l + 1];
            const dn = deltas[l + 1];
            for (let u = 0; u < H; u++) {
              if (h[u] <= 0) {
                d[u] = 0;
                continue;
              }
              let t = 0;
              const row = u * Hn;
              for (let o = 0; o < Hn; o++) t += Wn[row + o] * dn[o];
              d[u] = t * mk[u];
            }
          }
          const prev = l === 0 ? p : acts[l - 1];
          const In = dims[l];
          const gWl = gWs[l];
          const gbl = gbs[l];
          for (let u = 0; u < H; u++) gbl[u] += d[u];
          for (let f = 0; f < In; f++) {
            const v = prev[f];
            if (v === 0) continue;
            const row = f * H;
            for (let u = 0; u < H; u++) gWl[row + u] += v * d[u];
          }
        }
      }
      const n = e - s;
      step++;
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      params.forEach((q, pi) => {
        const gq = grads[pi];
        const ma = m1[pi];
        const va2 = m2[pi];
        const decay = pi % 2 === 0 ? cfg.l2 : 0; // L2 on weights, not biases
        // per-input-feature L2 multipliers act on the rows of the first weight matrix (W when linear, else the first hidden layer's)
        const rowMult = l2Mult && pi === firstLayer ? l2Mult : undefined;
        for (let w = 0; w < q.length; w++) {
          const gr = gq[w] / n + (rowMult ? decay * rowMult[Math.floor(w / firstWidth)] : decay) * q[w];
          ma[w] = beta1 * ma[w] + (1 - beta1) * gr;
          va2[w] = beta2 * va2[w] + (1 - beta2) * gr * gr;
          q[w] -= (lr * (ma[w] / c1)) / (Math.sqrt(va2[w] / c2) + 1e-8);
        }
      });
    }
  }
  // split the joint weights into the two heads
  const Wc = new Float32Array(G * K);
  const Wva = new Float32Array(G * 2);
  for (let f = 0; f < G; f++) {
    for (let k = 0; k < K; k++) Wc[f * K + k] = W[f * O + k];
    Wva[f * 2] = W[f * O + K];
    Wva[f * 2 + 1] = W[f * O + K + 1];
  }
  return { K, D, rff, ...(L > 0 ? { hidden: Hs.map((H, l) => ({ H, W: Ws[l], b: bs[l] })) } : {}), W: Wc, b: b.slice(0, K), Wva, bva: b.slice(K) };
}

/** The hidden layer widths of a configuration (none for a linear model). */
export function hiddenSizes(cfg: Pick<HeadsConfig, 'hidden'>): number[] {
  return (Array.isArray(cfg.hidden) ? cfg.hidden : cfg.hidden ? [cfg.hidden] : []).filter((h) => h > 0);
}

/** What the exported graph computes after standardisation and selection: probabilities and [arousal, valence]. */
export function predictHeads(h: Heads, xs: Float32Array[]): { probs: Float32Array[]; va: [number, number][] } {
  const F0 = h.rff ? h.rff.M : h.D;
  const layers = h.hidden ?? [];
  const F = layers.length ? layers[layers.length - 1].H : F0;
  const p0 = new Float32Array(F0);
  const hid = layers.map((L) => new Float32Array(L.H));
  const probs: Float32Array[] = [];
  const va: [number, number][] = [];
  for (const x of xs) {
    phi(h, x, p0);
    let p = p0;
    layers.forEach(({ H, W, b }, l) => {
      const o = hid[l];
      o.set(b);
      for (let f = 0; f < p.length; f++) {
        const v = p[f];
        if (v === 0) continue;
        for (let u = 0; u < H; u++) o[u] += v * W[f * H + u];
      }
      for (let u = 0; u < H; u++) if (o[u] < 0) o[u] = 0;
      p = o;
    });
    const z = Float32Array.from(h.b);
    let a = h.bva[0];
    let v = h.bva[1];
    for (let f = 0; f < F; f++) {
      const u = p[f];
      if (u === 0) continue;
      for (let k = 0; k < h.K; k++) z[k] += u * h.W[f * h.K + k];
      a += u * h.Wva[f * 2];
      v += u * h.Wva[f * 2 + 1];
    }
    let mx = -Infinity;
    for (const q of z) mx = Math.max(mx, q);
    let s = 0;
    for (let k = 0; k < z.length; k++) s += z[k] = Math.exp(z[k] - mx);
    for (let k = 0; k < z.length; k++) z[k] /= s;
    probs.push(z);
    va.push([Math.max(-1, Math.min(1, a)), Math.max(-1, Math.min(1, v))]);
  }
  return { probs, va };
}

/** One fitted voice classifier: standardiser of its input, feature subset, heads (and further ensemble members). */
export interface VoiceHeadsModel {
  std: Standardiser;
  select?: readonly number[];
  heads: Heads;
  /** Every member of an ensemble (the first is `heads`); their outputs are averaged. Absent for one model. */
  members?: Heads[];
}

const pick = (x: Float32Array, select?: readonly number[]) => (select ? Float32Array.from(select, (i) => x[i]) : x);

/** `l2Mult`: optional multiplier of the L2 penalty per input feature (after `select`), e.g. to trust some features less. */
export function fitVoiceHeads(
  xs: Float32Array[],
  y: number[],
  va: [number, number][],
  K: number,
  cfg: HeadsConfig,
  select?: readonly number[],
  weights?: ArrayLike<number>,
  l2Mult?: ArrayLike<number>,
): VoiceHeadsModel {
  const std = fitStandardiser(xs);
  const inputs = xs.map((x) => pick(standardise(x, std), select));
  const n = Math.max(1, cfg.ensemble ?? 1);
  const members = Array.from({ length: n }, (_, i) => trainHeads(inputs, y, va, K, { ...cfg, seed: cfg.seed + 1000 * i }, weights, l2Mult));
  return { std, select, heads: members[0], ...(n > 1 ? { members } : {}) };
}

export function predictVoiceHeads(m: VoiceHeadsModel, xs: Float32Array[]): { probs: Float32Array[]; va: [number, number][] } {
  const inputs = xs.map((x) => pick(standardise(x, m.std), m.select));
  const outs = (m.members ?? [m.heads]).map((h) => predictHeads(h, inputs));
  if (outs.length === 1) return outs[0];
  const n = outs.length;
  return {
    probs: xs.map((_, i) => Float32Array.from(outs[0].probs[i], (_, k) => outs.reduce((s, o) => s + o.probs[i][k], 0) / n)),
    va: xs.map((_, i) => [outs.reduce((s, o) => s + o.va[i][0], 0) / n, outs.reduce((s, o) => s + o.va[i][1], 0) / n]),
  };
}

/**
 * ONNX graph: `features` [N, D] → standardise → clip ±5 → (selected features) → per member: (RFF: MatMul, Add,
 * Cos, Mul) → (ReLU layers) → softmax and clipped arousal/valence; members averaged → `probs` [N, K] and `va` [N, 2].
 */
export function exportVoiceHeads(m: VoiceHeadsModel, inputDim: number, meta: { producer: string; doc: string; props: Record<string, string> }): Uint8Array {
  const g = new GraphBuilder();
  let x = g.input('features', 'float', ['N', inputDim]);
  x = g.node('Sub', [x, g.float('mean', m.std.mean, [inputDim])]);
  x = g.node('Div', [x, g.float('std', m.std.std, [inputDim])]);
  x = g.node('Clip', [x, g.float('clip_min', [-CLIP_Z], []), g.float('clip_max', [CLIP_Z], [])]);
  if (m.select) x = g.node('Gather', [x, g.int64('selected_features', [...m.select])], { axis: 1 });
  const members = m.members ?? [m.heads];
  const single = members.length === 1;
  const vaMin = g.float('va_min', [-1], []);
  const vaMax = g.float('va_max', [1], []);
  const outs = members.map((h, mi) => {
    const pre = single ? '' : `m${mi}_`;
    let z = x;
    let F = h.D;
    if (h.rff) {
      F = h.rff.M;
      z = g.node('MatMul', [z, g.float(`${pre}rff_omega`, h.rff.omega, [h.D, F])]);
      z = g.node('Add', [z, g.float(`${pre}rff_phase`, h.rff.phase, [F])]);
      z = g.node('Cos', [z]);
      z = g.node('Mul', [z, g.float(`${pre}rff_scale`, [Math.sqrt(2 / F)], [])]);
    }
    (h.hidden ?? []).forEach((L, l) => {
      z = g.node('Relu', [g.dense(z, L.W, L.b, F, L.H, `${pre}hidden${l === 0 ? '' : l}`)]);
      F = L.H;
    });
    const logits = g.dense(z, h.W, h.b, F, h.K, `${pre}cls`);
    const probs = g.node('Softmax', [logits], { axis: -1 }, single ? 'probs' : undefined);
    const va = g.node('Clip', [g.dense(z, h.Wva, h.bva, F, 2, `${pre}va`), vaMin, vaMax], {}, single ? 'va' : undefined);
    return { probs, va };
  });
  if (!single) {
    const inv = g.float('inv_members', [1 / members.length], []);
    g.node('Mul', [g.node('Sum', outs.map((o) => o.probs)), inv], {}, 'probs');
    g.node('Mul', [g.node('Sum', outs.map((o) => o.va)), inv], {}, 'va');
  }
  g.output('probs', 'float', ['N', members[0].K]);
  g.output('va', 'float', ['N', 2]);
  return g.toBytes(meta);
}

/** Unweighted average recall, macro-F1 and accuracy over the classes present in the truth. */
export function scoreClasses(truth: number[], pred: number[], K: number): { uar: number; macroF1: number; accuracy: number; n: number; confusion: number[][] } {
  const cm = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  truth.forEach((t, i) => cm[t][pred[i]]++);
  let correct = 0;
  const rec: number[] = [];
  const f1: number[] = [];
  for (let k = 0; k < K; k++) {
    correct += cm[k][k];
    const sup = cm[k].reduce((a, b) => a + b, 0);
    if (!sup) continue;
    const predicted = cm.reduce((a, r) => a + r[k], 0);
    const r = cm[k][k] / sup;
    const p = predicted ? cm[k][k] / predicted : 0;
    rec.push(r);
    f1.push(r + p > 0 ? (2 * r * p) / (r + p) : 0);
  }
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
  return { uar: mean(rec), macroF1: mean(f1), accuracy: truth.length ? correct / truth.length : 0, n: truth.length, confusion: cm };
}

/** Spearman rank correlation (average ranks for ties). */
export function spearman(a: number[], b: number[]): number {
  const rank = (v: number[]) => {
    const idx = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < idx.length; ) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
      for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = a.length;
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) ** 2;
    db += (rb[i] - mb) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}
