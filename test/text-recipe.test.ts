import { afterEach, describe, expect, it } from 'vitest';
import { OFF, RECIPE, applySentimentOffsets, sentimentTrainItems } from '../scripts/lib/text-recipe.js';
import type { Domain, SentItem } from '../scripts/lib/text-domains.js';

// The recipe hooks scripts/text-lodo.ts compares (domain balance, sentiment class offsets); synthetic items, no data.
const item = (domain: Domain, label: number, i: number, weak = false): SentItem => ({ text: `${domain} ${i}`, label, domain, set: domain, split: 'train', weak });
const items: SentItem[] = [
  ...Array.from({ length: 30 }, (_, i) => item('tweets', i % 3 === 0 ? 0 : 2, i)),
  ...Array.from({ length: 120 }, (_, i) => item('dialogue', i % 6 === 0 ? 2 : 1, i, true)),
  ...Array.from({ length: 10 }, (_, i) => item('dialogue', 0, 200 + i, true)),
  ...Array.from({ length: 5 }, (_, i) => ({ ...item('dialogue', 0, 300 + i), split: 'test' as const })),
];
const totals = (xs: { item: SentItem; weight: number }[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x.item.domain, (m.get(x.item.domain) ?? 0) + x.weight);
  return m;
};

describe('text recipe hooks', () => {
  const saved = { ...RECIPE, sentimentOffsets: { ...RECIPE.sentimentOffsets } };
  afterEach(() => Object.assign(RECIPE, saved));

  it('takes training items only, and with domainBalance gives every domain the same total weight', () => {
    RECIPE.domainBalance = false;
    const plain = sentimentTrainItems(items, ['tweets', 'dialogue'], 1);
    expect(plain.length).toBe(160);
    expect(plain.every((x) => x.item.split === 'train')).toBe(true);
    const tp = totals(plain);
    expect(tp.get('dialogue')! / tp.get('tweets')!).toBeGreaterThan(2);

    RECIPE.domainBalance = true;
    const bal = sentimentTrainItems(items, ['tweets', 'dialogue'], 1);
    const tb = totals(bal);
    expect(tb.get('tweets')).toBeCloseTo(tb.get('dialogue')!, 6);
    // the mean of the domains' totals is kept, and the class weights within a domain keep their ratios
    expect(tb.get('tweets')! + tb.get('dialogue')!).toBeCloseTo(tp.get('tweets')! + tp.get('dialogue')!, 6);
    const w = (xs: typeof bal, l: number): number => xs.find((x) => x.item.domain === 'dialogue' && x.item.label === l)!.weight;
    expect(w(bal, 0) / w(bal, 1)).toBeCloseTo(w(plain, 0) / w(plain, 1), 6);
  });

  it('adds the sentiment offsets to the sentiment output biases only', () => {
    const b2 = Float32Array.from({ length: OFF.cx + 1 }, (_, i) => i / 10);
    const before = b2.slice();
    applySentimentOffsets(b2);
    expect([...b2]).toEqual([...before]); // shipped offsets: 0 / 0
    applySentimentOffsets(b2, { neutral: -0.4, polarity: 0.25 });
    expect(b2[OFF.sentiment]).toBeCloseTo(before[OFF.sentiment] - 0.25, 6);
    expect(b2[OFF.sentiment + 1]).toBeCloseTo(before[OFF.sentiment + 1] - 0.4, 6);
    expect(b2[OFF.sentiment + 2]).toBeCloseTo(before[OFF.sentiment + 2] + 0.25, 6);
    for (let i = 0; i < b2.length; i++) if (i < OFF.sentiment || i > OFF.sentiment + 2) expect(b2[i]).toBe(before[i]);
  });
});
