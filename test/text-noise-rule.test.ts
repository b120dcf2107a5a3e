import { describe, expect, it } from 'vitest';
import { mcnemarExact, noiseAwareVerdict, pairedDelta, type RowPreds } from '../scripts/lib/text-noise-rule.js';
import { mulberry32 } from '../src/eval/metrics.js';

const LABELS = ['negative', 'neutral', 'positive'] as const;

/** A 1,000-item 2-class row where the shipped predictions are right on `correct` items. */
function row(correct: number, flip: number[], vader = { accuracy: 0.754, macroF1: 0.742 }): RowPreds {
  const rng = mulberry32(7);
  const truth = Array.from({ length: 1000 }, () => (rng() < 0.5 ? 0 : 2));
  const base = truth.map((t, i) => (i < correct ? t : 2 - t));
  const cand = base.slice();
  for (const i of flip) cand[i] = 2 - cand[i];
  return { set: 'row', truth, base, cand, vader, labels: LABELS };
}

describe('noise-aware acceptance rule (scripts/lib/text-noise-rule.ts)', () => {
  it('a ±1-item move on a 1,000-item row is noise, a 5-point move is not', () => {
    const one = pairedDelta(row(854, [0]));
    expect(one.accuracy.delta).toBeCloseTo(-0.001, 6);
    expect(one.accuracy.lo).toBeLessThan(0);
    expect(one.accuracy.hi).toBeGreaterThanOrEqual(0);
    const many = pairedDelta(row(854, Array.from({ length: 50 }, (_, i) => i)));
    expect(many.accuracy.delta).toBeCloseTo(-0.05, 6);
    expect(many.accuracy.hi).toBeLessThan(0);
    expect(many.macroF1.hi).toBeLessThan(0);
  });

  it('a row falling from +10.0 to +9.6 by noise does not count; a real fall does', () => {
    // shipped exactly at VADER + 10 (0.854 vs 0.754); candidate loses 4 items
    const noisy = noiseAwareVerdict([row(854, [0, 1, 2, 3])]);
    expect(noisy.rows[0].accuracy.move).toBe('noise-out');
    expect(noisy.accuracy.out).toBe(0);
    const real = noiseAwareVerdict([row(854, Array.from({ length: 60 }, (_, i) => i))]);
    expect(real.rows[0].accuracy.move).toBe('out');
    expect(real.accuracy.out).toBe(1);
    expect(real.ship).toBe(false);
  });

  it('ships only when the mean macro-F1 rises', () => {
    // candidate fixes 30 wrong items: mean F1 up, row enters significantly
    const up = noiseAwareVerdict([row(840, Array.from({ length: 30 }, (_, i) => 840 + i))]);
    expect(up.meanF1.cand).toBeGreaterThan(up.meanF1.base);
    expect(up.ship).toBe(true);
    const same = noiseAwareVerdict([row(840, [])]);
    expect(same.ship).toBe(false);
  });

  it('exact McNemar: 4 discordant items all one way is p = 0.125, 6 is p = 0.031', () => {
    expect(mcnemarExact(0, 4)).toBeCloseTo(0.125, 9);
    expect(mcnemarExact(6, 0)).toBeCloseTo(0.03125, 9);
    expect(mcnemarExact(40, 44)).toBeGreaterThan(0.5);
    expect(mcnemarExact(0, 0)).toBe(1);
  });

  it('resamples conversations as units when groups are given', () => {
    const r = row(854, Array.from({ length: 20 }, (_, i) => i));
    const byItem = pairedDelta(r);
    // all the changed items in one conversation of 100: the interval must widen
    const grouped = pairedDelta({ ...r, groups: Array.from(r.truth, (_, i) => `c${Math.floor(i / 100)}`) });
    expect(grouped.accuracy.hi - grouped.accuracy.lo).toBeGreaterThan(byItem.accuracy.hi - byItem.accuracy.lo);
  });
});
