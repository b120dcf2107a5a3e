import { describe, expect, it } from 'vitest';
import { hierarchicalWeights, pct, rocAuc, uar, weightedAuc, weightedUar, type Triple } from '../scripts/lib/fusion-triples.js';
import type { DevItem } from '../scripts/lib/fusion-data.js';
import { mulberry32 } from '../src/runtime/random.js';

const item = (id: string, group: string, y: number): DevItem => ({ id, group, split: 'bench', y, p: [1, 0, 0, 0, 0, 0, 0], c: 1 });

describe('fusion bench statistics', () => {
  it('weighted UAR and AUC with unit weights equal the unweighted ones', () => {
    const r = mulberry32(3);
    const truth = Array.from({ length: 200 }, () => Math.floor(r() * 7));
    const pred = truth.map((y) => (r() < 0.6 ? y : Math.floor(r() * 7)));
    expect(weightedUar(truth, pred, new Float64Array(200).fill(1))).toBeCloseTo(uar(truth, pred), 12);
    const pos = Array.from({ length: 150 }, () => Math.round(r() * 10) / 10 + 0.2);
    const neg = Array.from({ length: 150 }, () => Math.round(r() * 10) / 10);
    expect(weightedAuc(pos, new Float64Array(150).fill(1), neg, new Float64Array(150).fill(1))).toBeCloseTo(rocAuc(pos, neg), 12);
    // weight 2 on one item = that item twice
    const w = new Float64Array(200).fill(1);
    w[0] = 2;
    expect(weightedUar(truth, pred, w)).toBeCloseTo(uar([truth[0], ...truth], [pred[0], ...pred]), 12);
  });

  it('resampling speakers widens the interval when items of a speaker share their errors', () => {
    // 6 speakers per label, each either always right or always wrong; triples drawn with replacement from them
    const r = mulberry32(9);
    const triples: Triple[] = [];
    const pred: number[] = [];
    for (let y = 0; y < 7; y++) {
      for (let n = 0; n < 300; n++) {
        const s = Math.floor(r() * 6);
        const v = item(`v${y}-${s}-${Math.floor(r() * 20)}`, `spk${y}-${s}`, y);
        const f = item(`f${y}-${n}`, `f${y}-${n}`, y);
        const t = item(`t${y}-${n}`, `t${y}-${n}`, y);
        triples.push({ y, items: { voice: v, face: f, text: t } });
        pred.push(s < 3 ? y : (y + 1) % 7);
      }
    }
    const truth = triples.map((t) => t.y);
    const hw = hierarchicalWeights([triples], 200, 1);
    const wide = pct(Array.from({ length: 200 }, (_, b) => weightedUar(truth, pred, hw(b)[0])));
    // the triple-level bootstrap ignores the speakers
    const flat = pct(
      Array.from({ length: 200 }, () => {
        const w = new Float64Array(triples.length);
        for (let i = 0; i < triples.length; i++) w[Math.floor(r() * triples.length)]++;
        return weightedUar(truth, pred, w);
      }),
    );
    expect(wide[1] - wide[0]).toBeGreaterThan(3 * (flat[1] - flat[0]));
    expect(wide[0]).toBeLessThan(0.5);
    expect(wide[1]).toBeGreaterThan(0.5);
  });
});
