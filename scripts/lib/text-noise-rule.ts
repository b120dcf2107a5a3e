/**
 * The noise-aware acceptance rule for text recipe candidates (issue 10, sixth session; declared in
 * scripts/text-lodo.ts's header before any candidate it judges was run).
 *
 * Over the leave-one-domain-out rows (one row = one held-out test set), a candidate is compared with the
 * shipped recipe on the SAME items:
 *  (1) the mean macro-F1 over the rows rises (point estimates, as before);
 *  (2) for accuracy and for macro-F1 separately, the number of rows at ≥ VADER + 10 points does not fall,
 *      where a row only counts as having MOVED across the VADER + 10 line when its change is larger than its
 *      sampling noise: the 95 % paired-bootstrap interval of (candidate − shipped) on that row lies entirely
 *      below 0 (a row that drops out) or entirely above 0 (a row that comes in). Rows that cross the line with
 *      an interval that contains 0 (or an exact McNemar p ≥ 0.05, below) keep the shipped recipe's status. Condition: rows that come in ≥ rows
 *      that drop out.
 * Paired bootstrap: resample the row's units with replacement (a conversation where the set has
 * conversations — DailyDialog, USS —, otherwise an item), the same draws for both predictions, 2,000 draws,
 * seed 20261203, percentile interval [2.5 %, 97.5 %]. The percentile interval is too narrow when only a
 * handful of items change, all in one direction (4 items lost of 1,000 give an interval that excludes 0), so
 * a move ALSO needs the exact two-sided McNemar test on the row's discordant items (right under one
 * prediction, wrong under the other) at p < 0.05: a move is significant only when both say so.
 */
import { classMetrics, mulberry32, quantile } from '../../src/eval/metrics.js';

export interface RowPreds {
  /** Test set name (the row). */
  set: string;
  truth: ArrayLike<number>;
  /** Predictions of the shipped recipe and of the candidate, item by item (same order as truth). */
  base: ArrayLike<number>;
  cand: ArrayLike<number>;
  /** VADER's accuracy / macro-F1 on the row (point estimates). */
  vader: { accuracy: number; macroF1: number };
  /** Resampling unit per item (conversation id); items without one are their own unit. */
  groups?: ArrayLike<string | undefined>;
  labels: readonly string[];
}

export interface Interval {
  delta: number;
  lo: number;
  hi: number;
  /** Exact two-sided McNemar p of the row's discordant items (same for both metrics). */
  mcnemarP: number;
}

/** Exact two-sided McNemar (binomial sign test) p-value for b items only the candidate gets right, c only the shipped one. */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // log C(n, i) − n log 2, summed for i ≤ k
  let logC = 0, acc = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    acc += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * acc);
}

export const NOISE_RULE = { draws: 2000, seed: 20261203, level: 0.95, margin: 0.1 } as const;

/** Paired bootstrap of (candidate − shipped) accuracy and macro-F1 on one row. */
export function pairedDelta(r: RowPreds, draws: number = NOISE_RULE.draws, seed: number = NOISE_RULE.seed): { accuracy: Interval; macroF1: Interval } {
  const n = r.truth.length;
  const K = r.labels.length;
  const units: number[][] = [];
  const byKey = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const g = r.groups?.[i];
    if (g === undefined) units.push([i]);
    else {
      let u = byKey.get(g);
      if (u === undefined) byKey.set(g, (u = units.push([]) - 1));
      units[u].push(i);
    }
  }
  const point = (m: ReturnType<typeof classMetrics>, c: ReturnType<typeof classMetrics>): [number, number] => [c.accuracy - m.accuracy, c.macroF1 - m.macroF1];
  const [dA, dF] = point(classMetrics(r.truth, r.base, r.labels), classMetrics(r.truth, r.cand, r.labels));
  let gain = 0, loss = 0;
  for (let i = 0; i < n; i++) {
    const cb = r.base[i] === r.truth[i], cc = r.cand[i] === r.truth[i];
    if (cc && !cb) gain++;
    else if (cb && !cc) loss++;
  }
  const mcnemarP = mcnemarExact(gain, loss);
  const rng = mulberry32(seed);
  const accs: number[] = [], f1s: number[] = [];
  const cmB = Array.from({ length: K }, () => new Float64Array(K));
  const cmC = Array.from({ length: K }, () => new Float64Array(K));
  for (let b = 0; b < draws; b++) {
    for (let k = 0; k < K; k++) (cmB[k].fill(0), cmC[k].fill(0));
    for (let j = 0; j < units.length; j++) {
      for (const i of units[Math.floor(rng() * units.length)]) {
        cmB[r.truth[i]][r.base[i]]++;
        cmC[r.truth[i]][r.cand[i]]++;
      }
    }
    const [a1, f1] = accF1(cmB), [a2, f2] = accF1(cmC);
    accs.push(a2 - a1);
    f1s.push(f2 - f1);
  }
  accs.sort((x, y) => x - y);
  f1s.sort((x, y) => x - y);
  const lo = (1 - NOISE_RULE.level) / 2, hi = 1 - lo;
  return {
    accuracy: { delta: dA, lo: quantile(accs, lo), hi: quantile(accs, hi), mcnemarP },
    macroF1: { delta: dF, lo: quantile(f1s, lo), hi: quantile(f1s, hi), mcnemarP },
  };
}

/** Accuracy and macro-F1 (over classes present in the truth) of a confusion matrix. */
function accF1(cm: Float64Array[]): [number, number] {
  const K = cm.length;
  let n = 0, correct = 0, f = 0, present = 0;
  for (let k = 0; k < K; k++) {
    let sup = 0, pred = 0;
    for (let j = 0; j < K; j++) (sup += cm[k][j]), (pred += cm[j][k]);
    n += sup;
    correct += cm[k][k];
    if (sup > 0) {
      present++;
      const rec = cm[k][k] / sup, prec = pred ? cm[k][k] / pred : 0;
      f += rec + prec > 0 ? (2 * rec * prec) / (rec + prec) : 0;
    }
  }
  return [n ? correct / n : 0, present ? f / present : 0];
}

export interface RowVerdict {
  set: string;
  base: { accuracy: number; macroF1: number };
  cand: { accuracy: number; macroF1: number };
  vader: { accuracy: number; macroF1: number };
  accuracy: Interval & { move: 'in' | 'out' | 'noise-in' | 'noise-out' | '' };
  macroF1: Interval & { move: 'in' | 'out' | 'noise-in' | 'noise-out' | '' };
}

export interface NoiseVerdict {
  rows: RowVerdict[];
  meanF1: { base: number; cand: number };
  /** Per metric: rows at ≥ VADER + 10 (shipped), significant entries, significant exits. */
  accuracy: { baseAt: number; in: number; out: number };
  macroF1: { baseAt: number; in: number; out: number };
  ship: boolean;
}

/** Apply the declared rule to a candidate's rows. */
export function noiseAwareVerdict(rows: RowPreds[]): NoiseVerdict {
  const out: RowVerdict[] = [];
  const tally = { accuracy: { baseAt: 0, in: 0, out: 0 }, macroF1: { baseAt: 0, in: 0, out: 0 } };
  let sb = 0, sc = 0;
  for (const r of rows) {
    const mb = classMetrics(r.truth, r.base, r.labels), mc = classMetrics(r.truth, r.cand, r.labels);
    const ci = pairedDelta(r);
    sb += mb.macroF1;
    sc += mc.macroF1;
    const rv: RowVerdict = { set: r.set, base: { accuracy: mb.accuracy, macroF1: mb.macroF1 }, cand: { accuracy: mc.accuracy, macroF1: mc.macroF1 }, vader: r.vader, accuracy: { ...ci.accuracy, move: '' }, macroF1: { ...ci.macroF1, move: '' } };
    for (const m of ['accuracy', 'macroF1'] as const) {
      const at = (x: number): boolean => x - r.vader[m] >= NOISE_RULE.margin - 1e-9;
      const was = at(rv.base[m]), is = at(rv.cand[m]);
      if (was) tally[m].baseAt++;
      if (was && !is) {
        const sig = rv[m].hi < 0 && rv[m].mcnemarP < 0.05;
        rv[m].move = sig ? 'out' : 'noise-out';
        if (sig) tally[m].out++;
      } else if (!was && is) {
        const sig = rv[m].lo > 0 && rv[m].mcnemarP < 0.05;
        rv[m].move = sig ? 'in' : 'noise-in';
        if (sig) tally[m].in++;
      }
    }
    out.push(rv);
  }
  const meanF1 = { base: sb / Math.max(1, rows.length), cand: sc / Math.max(1, rows.length) };
  const ship = meanF1.cand > meanF1.base && tally.accuracy.in >= tally.accuracy.out && tally.macroF1.in >= tally.macroF1.out;
  return { rows: out, meanF1, ...tally, ship };
}

/** Markdown table of a verdict (points over VADER, shipped → candidate, with the paired interval of the change). */
export function verdictMd(v: NoiseVerdict, name: string): string {
  const p = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
  const iv = (i: Interval): string => `${p(i.delta)} [${p(i.lo)}, ${p(i.hi)}]`;
  const pv = (x: number): string => (x < 0.001 ? '<0.001' : x.toFixed(3));
  const lines = [
    `| test set | shipped − VADER (acc / F1) | ${name} − VADER (acc / F1) | Δ accuracy [95 % paired CI] | Δ macro-F1 [95 % paired CI] | McNemar p | crossing VADER + 10 (acc / F1) |`,
    `|---|---|---|---|---|---|---|`,
    ...v.rows.map((r) => `| ${r.set} | ${p(r.base.accuracy - r.vader.accuracy)} / ${p(r.base.macroF1 - r.vader.macroF1)} | ${p(r.cand.accuracy - r.vader.accuracy)} / ${p(r.cand.macroF1 - r.vader.macroF1)} | ${iv(r.accuracy)} | ${iv(r.macroF1)} | ${pv(r.accuracy.mcnemarP)} | ${r.accuracy.move || '–'} / ${r.macroF1.move || '–'} |`),
    ``,
    `Mean macro-F1 over the ${v.rows.length} rows: shipped ${v.meanF1.base.toFixed(3)} → ${name} ${v.meanF1.cand.toFixed(3)}; rows at ≥ VADER + 10 under the shipped recipe: accuracy ${v.accuracy.baseAt}, macro-F1 ${v.macroF1.baseAt}; significant entries / exits: accuracy ${v.accuracy.in} / ${v.accuracy.out}, macro-F1 ${v.macroF1.in} / ${v.macroF1.out}. **Verdict (noise-aware rule): ${v.ship ? 'ship' : 'reject'}.**`,
  ];
  return lines.join('\n');
}
