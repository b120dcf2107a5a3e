/** Small linear fits and rank metrics for scripts/cx-satisfaction.ts (deterministic; no dependencies). */

/** Column means and standard deviations (std 1 for constant columns). */
export function standardizer(X: number[][]): { mean: number[]; std: number[] } {
  const d = X[0].length;
  const mean = new Array(d).fill(0);
  const std = new Array(d).fill(0);
  for (const x of X) for (let j = 0; j < d; j++) mean[j] += x[j] / X.length;
  for (const x of X) for (let j = 0; j < d; j++) std[j] += (x[j] - mean[j]) ** 2 / X.length;
  for (let j = 0; j < d; j++) std[j] = std[j] > 1e-12 ? Math.sqrt(std[j]) : 1;
  return { mean, std };
}

function solve(A: number[][], b: number[]): number[] {
  // Cholesky (A is symmetric positive definite after the ridge term)
  const n = b.length;
  const L = A.map(() => new Array(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / L[j][j];
    }
  const y = new Array(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i][k] * y[k];
    y[i] = s / L[i][i];
  }
  const x = new Array(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k][i] * x[k];
    x[i] = s / L[i][i];
  }
  return x;
}

/** Weighted ridge regression on standardized Z (intercept not penalised). */
export function ridge(Z: number[][], y: number[], lambda: number, sw?: number[]): { bias: number; w: number[] } {
  const d = Z[0].length;
  const n = Z.length;
  const wts = sw ?? new Array(n).fill(1);
  const W = wts.reduce((a, b) => a + b, 0);
  const ym = y.reduce((a, v, i) => a + v * wts[i], 0) / W;
  const zm = new Array(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) zm[j] += (Z[i][j] * wts[i]) / W;
  const A = Array.from({ length: d }, () => new Array(d).fill(0));
  const b = new Array(d).fill(0);
  for (let i = 0; i < n; i++) {
    const zi = Z[i];
    const wi = wts[i];
    const yi = y[i] - ym;
    for (let j = 0; j < d; j++) {
      const a = (zi[j] - zm[j]) * wi;
      b[j] += a * yi;
      const Aj = A[j];
      for (let k = 0; k <= j; k++) Aj[k] += a * (zi[k] - zm[k]);
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) A[k][j] = A[j][k];
    A[j][j] += lambda * W;
  }
  const w = solve(A, b);
  const bias = ym - w.reduce((a, v, j) => a + v * zm[j], 0);
  return { bias, w };
}

/** L2-regularised logistic regression by Newton steps (IRLS), classes balanced. */
export function logistic(Z: number[][], y: number[], lambda: number, iters = 15): { bias: number; w: number[] } {
  const d = Z[0].length;
  const n = Z.length;
  const pos = y.filter((v) => v > 0.5).length;
  const cw = [n / (2 * Math.max(1, n - pos)), n / (2 * Math.max(1, pos))];
  let w = new Array(d + 1).fill(0); // w[d] = bias
  for (let it = 0; it < iters; it++) {
    const H = Array.from({ length: d + 1 }, () => new Array(d + 1).fill(0));
    const g = new Array(d + 1).fill(0);
    for (let i = 0; i < n; i++) {
      const zi = Z[i];
      let s = w[d];
      for (let j = 0; j < d; j++) s += w[j] * zi[j];
      const p = 1 / (1 + Math.exp(-s));
      const c = cw[y[i] > 0.5 ? 1 : 0];
      const r = c * (p - y[i]);
      const h = c * p * (1 - p);
      for (let j = 0; j <= d; j++) {
        const a = j === d ? 1 : zi[j];
        g[j] += r * a;
        const Hj = H[j];
        for (let k = 0; k <= j; k++) Hj[k] += h * a * (k === d ? 1 : zi[k]);
      }
    }
    for (let j = 0; j <= d; j++) {
      for (let k = 0; k < j; k++) H[k][j] = H[j][k];
      if (j < d) {
        H[j][j] += lambda * n;
        g[j] += lambda * n * w[j];
      }
      H[j][j] += 1e-9;
    }
    const step = solve(H, g);
    let maxStep = 0;
    w = w.map((v, j) => {
      maxStep = Math.max(maxStep, Math.abs(step[j]));
      return v - step[j];
    });
    if (maxStep < 1e-4) break;
  }
  return { bias: w[d], w: w.slice(0, d) };
}

/** Average ranks (ties share their mean rank). */
export function ranks(x: number[]): number[] {
  const idx = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Array(x.length).fill(0);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]] === x[idx[i]]) j++;
    const m = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = m;
    i = j + 1;
  }
  return r;
}

export function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

export function spearman(a: number[], b: number[]): number {
  return pearson(ranks(a), ranks(b));
}

/** ROC AUC of `score` for the positive class (Mann–Whitney, ties count half). NaN without both classes. */
export function auc(score: number[], positive: boolean[]): number {
  const r = ranks(score);
  let np = 0;
  let sum = 0;
  positive.forEach((p, i) => {
    if (p) {
      np++;
      sum += r[i];
    }
  });
  const nn = positive.length - np;
  if (!np || !nn) return NaN;
  return (sum - (np * (np + 1)) / 2) / (np * nn);
}

/** Percentile bootstrap 95 % interval of `stat` over groups (dialogues), resampled with `rand`. */
export function bootstrapCi(groups: number[][], stat: (idx: number[]) => number, rand: () => number, reps = 200): [number, number] {
  const vals: number[] = [];
  for (let r = 0; r < reps; r++) {
    const idx: number[] = [];
    for (let g = 0; g < groups.length; g++) idx.push(...groups[Math.floor(rand() * groups.length)]);
    const v = stat(idx);
    if (Number.isFinite(v)) vals.push(v);
  }
  vals.sort((a, b) => a - b);
  return [vals[Math.floor(0.025 * vals.length)] ?? NaN, vals[Math.min(vals.length - 1, Math.floor(0.975 * vals.length))] ?? NaN];
}
