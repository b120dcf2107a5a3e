import { describe, expect, it } from 'vitest';
import { bootstrapCI, calibration, classMetrics, confusionMd, quantile, ranks, spearman, pearson, argmax } from '../src/eval/metrics.js';

describe('classMetrics (hand-computed)', () => {
  // truth a a a b b c, prediction a a b b c c  →  confusion a:[2,1,0] b:[0,1,1] c:[0,0,1]
  const truth = [0, 0, 0, 1, 1, 2];
  const pred = [0, 0, 1, 1, 2, 2];

  it('accuracy, UAR, macro-F1, per-class precision and recall, confusion', () => {
    const m = classMetrics(truth, pred, ['a', 'b', 'c']);
    expect(m.n).toBe(6);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.perClass.a.recall).toBeCloseTo(2 / 3, 12);
    expect(m.perClass.b.recall).toBeCloseTo(1 / 2, 12);
    expect(m.perClass.c.recall).toBe(1);
    expect(m.perClass.a.precision).toBe(1);
    expect(m.perClass.b.precision).toBeCloseTo(1 / 2, 12);
    expect(m.perClass.c.precision).toBeCloseTo(1 / 2, 12);
    expect(m.perClass.a.f1).toBeCloseTo(0.8, 12);
    expect(m.perClass.c.f1).toBeCloseTo(2 / 3, 12);
    expect(m.uar).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 12); // 0.7222
    expect(m.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12); // 0.6556
    expect(m.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(m.perClass.b.support).toBe(2);
    expect(m.perClass.b.predicted).toBe(2);
  });

  it('leaves classes absent from the truth out of UAR and macro-F1, and names them', () => {
    const m = classMetrics(truth, pred, ['a', 'b', 'c', 'd']);
    expect(m.uar).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 12);
    expect(m.present).toEqual(['a', 'b', 'c']);
    expect(m.absent).toEqual(['d']);
    // a class that is predicted but absent from the truth lowers the others' precision, not the average's size
    const m2 = classMetrics([0, 0, 1, 1], [0, 2, 1, 1], ['a', 'b', 'c']);
    expect(m2.absent).toEqual(['c']);
    expect(m2.uar).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(m2.perClass.c.predicted).toBe(1);
    expect(confusionMd(m2)).toContain('| truth \\ pred | a | b | c | recall |');
  });

  it('rejects mismatched lengths and out-of-range labels', () => {
    expect(() => classMetrics([0, 1], [0], ['a', 'b'])).toThrow(RangeError);
    expect(() => classMetrics([0, 2], [0, 1], ['a', 'b'])).toThrow(RangeError);
  });

  it('argmax, optionally among allowed classes', () => {
    expect(argmax([0.1, 0.5, 0.4])).toBe(1);
    expect(argmax([0.1, 0.5, 0.4], [0, 2])).toBe(2);
  });
});

describe('calibration (hand-computed)', () => {
  it('ECE, MCE and reliability bins', () => {
    const c = calibration([0.95, 0.85, 0.75, 0.55], [true, false, true, true], 10);
    // |1-.95| + |0-.85| + |1-.75| + |1-.55| over 4 items
    expect(c.ece).toBeCloseTo((0.05 + 0.85 + 0.25 + 0.45) / 4, 12);
    expect(c.mce).toBeCloseTo(0.85, 12);
    expect(c.bins).toHaveLength(10);
    expect(c.bins[8]).toMatchObject({ n: 1, accuracy: 0 });
    expect(c.bins[8].confidence).toBeCloseTo(0.85, 12);
    expect(c.bins[0].n).toBe(0);
    // confidence 1 falls in the last bin
    expect(calibration([1], [true], 10).bins[9].n).toBe(1);
    expect(calibration([1], [true], 10).ece).toBe(0);
  });
});

describe('Spearman ρ (hand-computed, with ties)', () => {
  it('average ranks and ρ', () => {
    expect(ranks([5, 6, 7, 8, 7])).toEqual([1, 2, 3.5, 5, 3.5]);
    // ranks x 1..5, ranks y 1,2,3.5,5,3.5 → Σdxdy = 8, Σdx² = 10, Σdy² = 9.5
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(8 / Math.sqrt(95), 12);
    expect(spearman([1, 2, 3], [30, 20, 10])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('bootstrap confidence interval', () => {
  it('quantile is linear-interpolated (numpy default)', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
  });

  it('is seeded: same seed, same interval; a perfect classifier has a [1, 1] interval', () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ truth: i % 2, pred: i % 3 === 0 ? 1 - (i % 2) : i % 2, group: `s${i % 5}` }));
    const a = bootstrapCI(items, ['x', 'y'], { iterations: 300, seed: 7 });
    const b = bootstrapCI(items, ['x', 'y'], { iterations: 300, seed: 7 });
    expect(a).toEqual(b);
    expect(a.scheme).toBe('hierarchical');
    expect(a.groups).toBe(5);
    expect(a.uar.low).toBeLessThanOrEqual(a.uar.estimate);
    expect(a.uar.high).toBeGreaterThanOrEqual(a.uar.estimate);
    const perfect = bootstrapCI(items.map((x) => ({ ...x, pred: x.truth })), ['x', 'y'], { iterations: 100 });
    expect([perfect.uar.low, perfect.uar.high]).toEqual([1, 1]);
  });

  it('resamples speakers first: speaker-level errors widen the interval over the item bootstrap', () => {
    // 10 speakers × 20 items; half the speakers are always right, half always wrong on class y
    const items = [];
    for (let s = 0; s < 10; s++)
      for (let j = 0; j < 20; j++) {
        const truth = j % 2;
        items.push({ truth, pred: s < 5 ? truth : 0, group: `spk${s}` });
      }
    const byGroup = bootstrapCI(items, ['x', 'y'], { iterations: 500, seed: 3 });
    const byItem = bootstrapCI(items.map(({ truth, pred }) => ({ truth, pred })), ['x', 'y'], { iterations: 500, seed: 3 });
    expect(byItem.scheme).toBe('items');
    expect(byItem.groups).toBe(200);
    expect(byGroup.uar.estimate).toBeCloseTo(0.75, 12);
    expect(byGroup.uar.high - byGroup.uar.low).toBeGreaterThan(1.5 * (byItem.uar.high - byItem.uar.low));
  });
});
