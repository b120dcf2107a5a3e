/**
 * Evaluation metrics: the one implementation used by `emosig eval`, the benches and the training scripts.
 * Accuracy, UAR (unweighted average recall over the classes present in the truth), macro-F1 (same classes),
 * per-class precision/recall, confusion matrix, a hierarchical bootstrap confidence interval (groups, then
 * items within each group), expected calibration error with reliability-diagram bins, and Spearman's ρ.
 */
import { mulberry32 } from '../runtime/random.js';

export { mulberry32 };

export interface PerClass {
  recall: number;
  precision: number;
  f1: number;
  /** Items of this class in the truth. */
  support: number;
  /** Items predicted as this class. */
  predicted: number;
}

export interface ClassMetrics {
  n: number;
  accuracy: number;
  /** Unweighted average recall over the classes present in the truth. */
  uar: number;
  /** Mean F1 over the classes present in the truth. */
  macroF1: number;
  perClass: Record<string, PerClass>;
  /** confusion[truth][pred] counts, labels in `labels` order. */
  confusion: number[][];
  labels: string[];
  /** Labels with support > 0 (the classes UAR and macro-F1 average over). */
  present: string[];
  /** Labels with no item in the truth: left out of UAR and macro-F1. */
  absent: string[];
}

/** Metrics of integer predictions `pred` against `truth` (indices into `labels`). */
export function classMetrics(truth: ArrayLike<number>, pred: ArrayLike<number>, labels: readonly string[]): ClassMetrics {
  if (truth.length !== pred.length) throw new RangeError(`classMetrics: ${truth.length} truths but ${pred.length} predictions`);
  const K = labels.length;
  const cm = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = pred[i];
    if (!(t >= 0 && t < K && p >= 0 && p < K)) throw new RangeError(`classMetrics: label index out of range at item ${i} (truth ${t}, prediction ${p}, ${K} labels)`);
    cm[t][p]++;
  }
  return fromConfusion(cm, labels);
}

/** Metrics from a confusion matrix (`cm[truth][pred]`). */
export function fromConfusion(cm: number[][], labels: readonly string[]): ClassMetrics {
  const K = labels.length;
  let correct = 0;
  let n = 0;
  for (let k = 0; k < K; k++) {
    correct += cm[k][k];
    for (let j = 0; j < K; j++) n += cm[k][j];
  }
  const perClass: Record<string, PerClass> = {};
  const recalls: number[] = [];
  const f1s: number[] = [];
  const present: string[] = [];
  const absent: string[] = [];
  for (let k = 0; k < K; k++) {
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < K; j++) {
      support += cm[k][j];
      predicted += cm[j][k];
    }
    const recall = support ? cm[k][k] / support : 0;
    const precision = predicted ? cm[k][k] / predicted : 0;
    const f1 = recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : 0;
    perClass[labels[k]] = { recall, precision, f1, support, predicted };
    if (support > 0) {
      recalls.push(recall);
      f1s.push(f1);
      present.push(labels[k]);
    } else absent.push(labels[k]);
  }
  return { n, accuracy: n ? correct / n : 0, uar: mean(recalls), macroF1: mean(f1s), perClass, confusion: cm.map((r) => [...r]), labels: [...labels], present, absent };
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Index of the largest value (first on ties), optionally among `allowed` indices only; -1 when none. */
export function argmax(p: ArrayLike<number>, allowed?: readonly number[]): number {
  let best = -1;
  let bv = -Infinity;
  for (let i = 0; i < p.length; i++) {
    if (allowed && !allowed.includes(i)) continue;
    if (p[i] > bv) {
      bv = p[i];
      best = i;
    }
  }
  return best;
}

/** One line: `UAR 0.612  macro-F1 0.598  acc 0.640  (n=535)`. */
export function fmt(m: Pick<ClassMetrics, 'uar' | 'macroF1' | 'accuracy' | 'n'>): string {
  return `UAR ${m.uar.toFixed(3)}  macro-F1 ${m.macroF1.toFixed(3)}  acc ${m.accuracy.toFixed(3)}  (n=${m.n})`;
}

/** Markdown table of a confusion matrix: rows = classes present in the truth, columns = those plus any other predicted class. */
export function confusionMd(m: ClassMetrics): string {
  const rows = m.labels.map((_, k) => k).filter((k) => m.confusion[k].some((v) => v > 0));
  const cols = m.labels.map((_, k) => k).filter((k) => rows.includes(k) || m.confusion.some((r) => r[k] > 0));
  const head = `| truth \\ pred | ${cols.map((k) => m.labels[k]).join(' | ')} | recall |`;
  const sep = `|---|${cols.map(() => '---:').join('|')}|---:|`;
  const body = rows.map((t) => `| ${m.labels[t]} | ${cols.map((p) => m.confusion[t][p]).join(' | ')} | ${m.perClass[m.labels[t]].recall.toFixed(3)} |`);
  return [head, sep, ...body].join('\n');
}

export interface Interval {
  /** The statistic on the full sample. */
  estimate: number;
  low: number;
  high: number;
}

export interface BootstrapCI {
  uar: Interval;
  macroF1: Interval;
  accuracy: Interval;
  /** Resamples drawn. */
  iterations: number;
  seed: number;
  /** Confidence level (0.95). */
  level: number;
  /** Number of groups resampled at the first level (speakers, subjects, conversations; items when no group). */
  groups: number;
  /** What was resampled: 'groups, then items within each group' or 'items'. */
  scheme: 'hierarchical' | 'items';
}

export interface BootstrapItem {
  truth: number;
  pred: number;
  /** Speaker, subject or conversation; items without one are their own group. */
  group?: string;
}

/** Linear-interpolated quantile of sorted values (type 7, as numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Percentile confidence intervals of UAR, macro-F1 and accuracy by a two-level bootstrap: draw as many groups as
 * there are, with replacement; within each drawn group draw its items with replacement. With no groups (every item
 * its own group) this is the plain item bootstrap. Seeded, so the same inputs give the same interval.
 */
export function bootstrapCI(items: readonly BootstrapItem[], labels: readonly string[], opts: { iterations?: number; seed?: number; level?: number } = {}): BootstrapCI {
  const iterations = Math.max(1, Math.floor(opts.iterations ?? 1000));
  const seed = opts.seed ?? 1;
  const level = opts.level ?? 0.95;
  const rand = mulberry32(seed);
  const byGroup = new Map<string, number[]>();
  let anon = 0;
  items.forEach((it, i) => {
    const g = it.group !== undefined && it.group !== '' ? `g:${it.group}` : `i:${anon++}`;
    const list = byGroup.get(g);
    if (list) list.push(i);
    else byGroup.set(g, [i]);
  });
  const groups = [...byGroup.values()];
  const hierarchical = groups.some((g) => g.length > 1);
  const K = labels.length;
  const full = classMetrics(
    items.map((x) => x.truth),
    items.map((x) => x.pred),
    labels,
  );
  const stats = { uar: [] as number[], macroF1: [] as number[], accuracy: [] as number[] };
  const cm = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let b = 0; b < iterations; b++) {
    for (const row of cm) row.fill(0);
    for (let g = 0; g < groups.length; g++) {
      const grp = groups[Math.floor(rand() * groups.length)];
      for (let j = 0; j < grp.length; j++) {
        const it = items[grp[Math.floor(rand() * grp.length)]];
        cm[it.truth][it.pred]++;
      }
    }
    const m = fromConfusion(cm, labels);
    stats.uar.push(m.uar);
    stats.macroF1.push(m.macroF1);
    stats.accuracy.push(m.accuracy);
  }
  const a = (1 - level) / 2;
  const interval = (xs: number[], estimate: number): Interval => {
    const s = [...xs].sort((x, y) => x - y);
    return { estimate, low: quantile(s, a), high: quantile(s, 1 - a) };
  };
  return {
    uar: interval(stats.uar, full.uar),
    macroF1: interval(stats.macroF1, full.macroF1),
    accuracy: interval(stats.accuracy, full.accuracy),
    iterations,
    seed,
    level,
    groups: groups.length,
    scheme: hierarchical ? 'hierarchical' : 'items',
  };
}

export interface ReliabilityBin {
  /** Confidence range [low, high) (the last bin includes 1). */
  low: number;
  high: number;
  n: number;
  /** Mean confidence of the items in the bin (0 when empty). */
  confidence: number;
  /** Share of them predicted correctly (0 when empty). */
  accuracy: number;
}

export interface Calibration {
  /** Expected calibration error: Σ n_b/N · |accuracy_b − confidence_b| over equal-width bins. */
  ece: number;
  /** Largest |accuracy_b − confidence_b| over non-empty bins. */
  mce: number;
  bins: ReliabilityBin[];
  n: number;
}

/** ECE and the reliability-diagram bins of `confidence` (probability of the predicted class) against correctness. */
export function calibration(confidence: ArrayLike<number>, correct: ArrayLike<boolean>, nBins = 10): Calibration {
  const B = Math.max(1, Math.floor(nBins));
  const sums = Array.from({ length: B }, () => ({ n: 0, conf: 0, ok: 0 }));
  const N = confidence.length;
  for (let i = 0; i < N; i++) {
    const c = Math.min(1, Math.max(0, confidence[i]));
    const b = Math.min(B - 1, Math.floor(c * B));
    sums[b].n++;
    sums[b].conf += c;
    if (correct[i]) sums[b].ok++;
  }
  let ece = 0;
  let mce = 0;
  const bins = sums.map((s, b) => {
    const conf = s.n ? s.conf / s.n : 0;
    const acc = s.n ? s.ok / s.n : 0;
    if (s.n) {
      ece += (s.n / N) * Math.abs(acc - conf);
      mce = Math.max(mce, Math.abs(acc - conf));
    }
    return { low: b / B, high: (b + 1) / B, n: s.n, confidence: conf, accuracy: acc };
  });
  return { ece: N ? ece : 0, mce, bins, n: N };
}

/** Ranks 1..n with ties given their average rank. */
export function ranks(x: ArrayLike<number>): number[] {
  const idx = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Array<number>(x.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]] === x[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation; NaN when either side is constant or fewer than 2 points. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new RangeError(`pearson: ${n} vs ${y.length} values`);
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** Spearman's rank correlation ρ (Pearson correlation of average ranks, so ties are handled). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(ranks(x), ranks(y));
}
