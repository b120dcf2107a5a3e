/** Classification metrics shared by the training scripts and benches: UAR, macro-F1, accuracy, confusion. */
export interface ClassMetrics {
  n: number;
  accuracy: number;
  /** Unweighted average recall over the classes present in the truth. */
  uar: number;
  macroF1: number;
  perClass: Record<string, { recall: number; precision: number; f1: number; support: number }>;
  /** confusion[truth][pred] counts, labels in `labels` order. */
  confusion: number[][];
  labels: string[];
}

export function classMetrics(truth: number[], pred: number[], labels: readonly string[]): ClassMetrics {
  const K = labels.length;
  const cm = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  truth.forEach((t, i) => cm[t][pred[i]]++);
  let correct = 0;
  for (let k = 0; k < K; k++) correct += cm[k][k];
  const perClass: ClassMetrics['perClass'] = {};
  const recalls: number[] = [];
  const f1s: number[] = [];
  for (let k = 0; k < K; k++) {
    const support = cm[k].reduce((a, b) => a + b, 0);
    const predicted = cm.reduce((a, row) => a + row[k], 0);
    const recall = support ? cm[k][k] / support : 0;
    const precision = predicted ? cm[k][k] / predicted : 0;
    const f1 = recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : 0;
    perClass[labels[k]] = { recall, precision, f1, support };
    if (support > 0) {
      recalls.push(recall);
      f1s.push(f1);
    }
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return { n: truth.length, accuracy: truth.length ? correct / truth.length : 0, uar: mean(recalls), macroF1: mean(f1s), perClass, confusion: cm, labels: [...labels] };
}

export function argmax(p: ArrayLike<number>, allowed?: number[]): number {
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

export function fmt(m: Pick<ClassMetrics, 'uar' | 'macroF1' | 'accuracy' | 'n'>): string {
  return `UAR ${m.uar.toFixed(3)}  macro-F1 ${m.macroF1.toFixed(3)}  acc ${m.accuracy.toFixed(3)}  (n=${m.n})`;
}

/** Markdown table of a confusion matrix. */
export function confusionMd(m: ClassMetrics): string {
  const present = m.labels.map((_, k) => k).filter((k) => m.confusion[k].some((v) => v > 0) || m.confusion.some((r) => r[k] > 0));
  const head = `| truth \\ pred | ${present.map((k) => m.labels[k]).join(' | ')} | recall |`;
  const sep = `|---|${present.map(() => '---:').join('|')}|---:|`;
  const rows = present.map(
    (t) => `| ${m.labels[t]} | ${present.map((p) => m.confusion[t][p]).join(' | ')} | ${m.perClass[m.labels[t]].recall.toFixed(2)} |`,
  );
  return [head, sep, ...rows].join('\n');
}
