/**
 * Pseudo-multimodal triples (voice clip, face image, chat message with the same label, drawn from different
 * corpora), the fitting of the fusion reliabilities on them, and the measures the bench reports.
 */
import { classMetrics } from '../../src/eval/metrics.js';
import { CORE_LABELS } from '../../src/signature/labels.js';
import { calibrate, incongruence, pool, type Evidence, type ReliabilityFile } from '../../src/fusion/reliability.js';
import type { Modality } from '../../src/signature/schema.js';
import { rng, type DevItem, type DevSet, type Split } from './fusion-data.js';

export const K = CORE_LABELS.length;
export const MODS: Modality[] = ['voice', 'face', 'text'];

export interface Triple {
  y: number;
  items: Record<Modality, DevItem>;
  /** For incongruent triples: the modality whose item has another label. */
  swapped?: Modality;
}

/** Balanced triples: `perLabel` per core label, each modality's item drawn at random (with replacement) from its split. */
export function makeTriples(sets: Record<Modality, DevSet>, split: Split, perLabel: number, seed: number): Triple[] {
  const rand = rng(seed);
  const pools = Object.fromEntries(MODS.map((m) => [m, CORE_LABELS.map((_, k) => sets[m].items.filter((it) => it.split === split && it.y === k))])) as Record<Modality, DevItem[][]>;
  const out: Triple[] = [];
  for (let k = 0; k < K; k++) {
    if (MODS.some((m) => pools[m][k].length === 0)) throw new Error(`no ${split} items for label ${CORE_LABELS[k]} in ${MODS.filter((m) => !pools[m][k].length).join(', ')}`);
    for (let n = 0; n < perLabel; n++) {
      const items = Object.fromEntries(MODS.map((m) => [m, pools[m][k][Math.floor(rand() * pools[m][k].length)]])) as Record<Modality, DevItem>;
      out.push({ y: k, items });
    }
  }
  return out;
}

/** The same triples with one modality (chosen at random) replaced by an item of another label. */
export function swapTriples(sets: Record<Modality, DevSet>, triples: Triple[], split: Split, seed: number): Triple[] {
  const rand = rng(seed);
  return triples.map((t) => {
    const m = MODS[Math.floor(rand() * MODS.length)];
    let k = Math.floor(rand() * (K - 1));
    if (k >= t.y) k++;
    const pool = sets[m].items.filter((it) => it.split === split && it.y === k);
    return { ...t, items: { ...t.items, [m]: pool[Math.floor(rand() * pool.length)] }, swapped: m };
  });
}

export function nll(items: DevItem[], T: number): number {
  let s = 0;
  for (const it of items) s -= Math.log(Math.max(calibrate(it.p, T)[it.y], 1e-6));
  return s / items.length;
}

/** Temperature minimising the NLL on the items (golden-section search on log T in [0.2, 8]). */
export function fitTemperature(items: DevItem[]): number {
  let a = Math.log(0.2);
  let b = Math.log(8);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60; i++) {
    const c = b - g * (b - a);
    const d = a + g * (b - a);
    if (nll(items, Math.exp(c)) < nll(items, Math.exp(d))) b = d;
    else a = c;
  }
  return Math.round(Math.exp((a + b) / 2) * 1000) / 1000;
}

export function evidenceOf(t: Triple, rel: ReliabilityFile, mods: Modality[] = MODS): Evidence[] {
  return mods.map((m) => ({ modality: m, p: calibrate(t.items[m].p, rel.modalities[m].temperature), confidence: t.items[m].c }));
}

/**
 * Fit α_{m,l} ≥ 0 (per modality and label) of the log-linear pool by projected gradient descent on the mean
 * NLL of the fused distribution over the triples, with a small L2 pull towards 1.
 */
export function fitAlpha(triples: Triple[], temps: Record<Modality, number>, opts: { iters?: number; lr?: number; l2?: number } = {}): Record<Modality, number[]> {
  const iters = opts.iters ?? 3000;
  const lr = opts.lr ?? 0.3;
  const l2 = opts.l2 ?? 1e-3;
  // precompute c_m · log p̃_m(l)
  const X = triples.map((t) => MODS.map((m) => calibrate(t.items[m].p, temps[m]).map((v) => t.items[m].c * Math.log(Math.max(v, 1e-4)))));
  const alpha = MODS.map(() => new Array(K).fill(1));
  const mAd = MODS.map(() => new Array(K).fill(0));
  const vAd = MODS.map(() => new Array(K).fill(0));
  for (let it = 1; it <= iters; it++) {
    const grad = MODS.map(() => new Array(K).fill(0));
    for (let n = 0; n < X.length; n++) {
      const logit = new Array(K).fill(0);
      for (let j = 0; j < MODS.length; j++) for (let k = 0; k < K; k++) logit[k] += alpha[j][k] * X[n][j][k];
      const mx = Math.max(...logit);
      const e = logit.map((v) => Math.exp(v - mx));
      const z = e.reduce((a, b) => a + b, 0);
      for (let k = 0; k < K; k++) {
        const d = e[k] / z - (k === triples[n].y ? 1 : 0);
        for (let j = 0; j < MODS.length; j++) grad[j][k] += d * X[n][j][k];
      }
    }
    for (let j = 0; j < MODS.length; j++)
      for (let k = 0; k < K; k++) {
        const g = grad[j][k] / X.length + l2 * (alpha[j][k] - 1);
        mAd[j][k] = 0.9 * mAd[j][k] + 0.1 * g;
        vAd[j][k] = 0.999 * vAd[j][k] + 0.001 * g * g;
        const mh = mAd[j][k] / (1 - 0.9 ** it);
        const vh = vAd[j][k] / (1 - 0.999 ** it);
        alpha[j][k] = Math.max(0, alpha[j][k] - (lr * mh) / (Math.sqrt(vh) + 1e-8) / Math.sqrt(it));
      }
  }
  return Object.fromEntries(MODS.map((m, j) => [m, alpha[j].map((a) => Math.round(a * 1000) / 1000)])) as Record<Modality, number[]>;
}

export function argmax(p: number[]): number {
  let b = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[b]) b = k;
  return b;
}

/** Unweighted average recall over the labels present in the truth (src/eval's implementation). */
export function uar(truth: number[], pred: number[]): number {
  return withNone(truth, pred).uar;
}

/** A prediction of -1 (no usable evidence) counts as wrong: scored as an extra "(none)" label that no truth has. */
function withNone(truth: number[], pred: number[]) {
  return classMetrics(truth, pred.map((p) => (p < 0 ? CORE_LABELS.length : p)), [...CORE_LABELS, '(none)']);
}

export function recallPerLabel(truth: number[], pred: number[]): number[] {
  const m = withNone(truth, pred);
  return CORE_LABELS.map((l) => Math.round(m.perClass[l].recall * 1000) / 1000);
}

/** Fused prediction of a triple using a subset of modalities. */
export function fusedPred(t: Triple, rel: ReliabilityFile, mods: Modality[] = MODS): number {
  const r = pool(evidenceOf(t, rel, mods), rel);
  return r ? argmax(r.p) : -1;
}

/** Incongruence score of a triple: the "odd one out" score of src/fusion/reliability.ts. */
export function incongruenceScore(t: Triple, rel: ReliabilityFile): number {
  return incongruence(evidenceOf(t, rel), rel).score;
}

/** ROC-AUC of scores (positives should score higher), ties counted half. */
export function rocAuc(pos: number[], neg: number[]): number {
  const all = [...pos.map((s) => ({ s, p: 1 })), ...neg.map((s) => ({ s, p: 0 }))].sort((a, b) => a.s - b.s);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) j++;
    const r = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k].p) rankSum += r;
    i = j;
  }
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

/** Threshold maximising Youden's J (TPR − FPR). */
/**
 * Neyman–Pearson threshold: the one with the highest true-positive rate whose false-positive rate stays at or
 * below `maxFpr` (ties: the higher threshold).
 */
export function fprThreshold(pos: number[], neg: number[], maxFpr: number): { threshold: number; tpr: number; fpr: number } {
  const cands = [...new Set([...pos, ...neg])].sort((a, b) => b - a);
  let best = { threshold: cands[0] ?? 0.5, tpr: 0, fpr: 0 };
  for (const c of cands) {
    const fpr = neg.filter((s) => s >= c).length / neg.length;
    if (fpr > maxFpr) break;
    const tpr = pos.filter((s) => s >= c).length / pos.length;
    if (tpr > best.tpr) best = { threshold: c, tpr, fpr };
  }
  return { threshold: Math.round(best.threshold * 1000) / 1000, tpr: best.tpr, fpr: best.fpr };
}

/**
 * Hierarchical bootstrap weights. Triples reuse items drawn with replacement from small pools (voice: a few
 * speakers per label), so resampling triples alone makes intervals too narrow. Each replicate resamples, per
 * modality, the groups (voice speakers, face images, text comments) with replacement, then the items within each
 * drawn group with replacement; a triple's weight is the product of how often each of its three items was drawn.
 */
export function hierarchicalWeights(all: Triple[][], reps: number, seed: number): (b: number) => Float64Array[] {
  const rand = rng(seed);
  const groups = MODS.map((m) => {
    const g = new Map<string, Set<string>>();
    for (const ts of all) for (const t of ts) {
      const it = t.items[m];
      if (!g.has(it.group)) g.set(it.group, new Set());
      g.get(it.group)!.add(it.id);
    }
    return [...g.values()].map((s) => [...s]);
  });
  const out: Float64Array[][] = [];
  for (let b = 0; b < reps; b++) {
    const counts = groups.map((gs) => {
      const c = new Map<string, number>();
      for (let i = 0; i < gs.length; i++) {
        const g = gs[Math.floor(rand() * gs.length)];
        for (let j = 0; j < g.length; j++) {
          const id = g[Math.floor(rand() * g.length)];
          c.set(id, (c.get(id) ?? 0) + 1);
        }
      }
      return c;
    });
    out.push(all.map((ts) => Float64Array.from(ts, (t) => MODS.reduce((w, m, mi) => w * (counts[mi].get(t.items[m].id) ?? 0), 1))));
  }
  return (b) => out[b];
}

/** 2.5 % and 97.5 % percentiles of the finite values. */
export const pct = (v: number[]): [number, number] => {
  const s = v.filter(Number.isFinite).sort((a, b) => a - b);
  return [s[Math.floor(0.025 * (s.length - 1))], s[Math.ceil(0.975 * (s.length - 1))]];
};

/** Weighted UAR (classes with no weight are left out). */
export function weightedUar(truth: number[], pred: number[], w: Float64Array): number {
  const tot = new Float64Array(K);
  const hit = new Float64Array(K);
  truth.forEach((y, i) => {
    tot[y] += w[i];
    if (pred[i] === y) hit[y] += w[i];
  });
  let s = 0;
  let n = 0;
  for (let k = 0; k < K; k++) if (tot[k] > 0) (s += hit[k] / tot[k]), n++;
  return n ? s / n : NaN;
}

/** Weighted ROC-AUC (ties count half), O(n log n). */
export function weightedAuc(pos: number[], wp: Float64Array, neg: number[], wn: Float64Array): number {
  const all = [...pos.map((s, i) => ({ s, w: wp[i], p: true })), ...neg.map((s, i) => ({ s, w: wn[i], p: false }))].sort((a, b) => a.s - b.s);
  let negBelow = 0;
  let acc = 0;
  let P = 0;
  let N = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    let tp = 0;
    let tn = 0;
    for (; j < all.length && all[j].s === all[i].s; j++) (all[j].p ? (tp += all[j].w) : (tn += all[j].w));
    acc += tp * (negBelow + tn / 2);
    negBelow += tn;
    P += tp;
    N += tn;
    i = j;
  }
  return P > 0 && N > 0 ? acc / (P * N) : NaN;
}
