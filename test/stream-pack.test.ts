import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PackedList } from '../src/stream/pack.js';

/** Same keys in the same order and Object.is-equal leaves (so -0, NaN and undefined-valued keys count). */
function same(a: unknown, b: unknown): boolean {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && Object.getPrototypeOf(a) === Object.prototype) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b);
}

describe('PackedList (the stream keeps its text readings packed)', () => {
  it('rebuilds every record exactly: key order, -0, NaN, undefined-valued keys, nested objects, leaves by reference', () => {
    const labels = ['joy', 'relief'];
    const cues: unknown[] = [];
    const recs = [
      { index: 0, time: 1.5, speaker: 'customer', emotions: { joy: 0.25, anger: -0 }, labels, s: { label: 'negative', score: NaN, p: { a: 1e-300, b: Infinity } }, ok: true, cues },
      { index: 1, text: undefined, nested: { deeper: { x: -1.25, y: null } }, arr: [1, 2] },
      { index: 2, time: 3, speaker: 'agent', emotions: { joy: 0.5, anger: 0.125 }, labels: [], s: { label: 'neutral', score: 0.1, p: { a: 0, b: -Infinity } }, ok: false, cues },
      { b: 1, a: 2 },
      { a: 2, b: 1 },
    ];
    const p = new PackedList<object>();
    for (const r of recs) p.push(r);
    expect(p.length).toBe(recs.length);
    recs.forEach((r, i) => expect(same(p.get(i), r), `record ${i}`).toBe(true));
    expect(Object.keys(p.get(3))).toEqual(['b', 'a']);
    expect(Object.keys(p.get(4))).toEqual(['a', 'b']);
    expect((p.get(0) as { labels: string[] }).labels).toBe(labels);
    expect(p.all().length).toBe(recs.length);
    expect(p.get(0)).not.toBe(p.get(0));
    expect(() => p.push([1, 2] as unknown as object)).toThrow(TypeError);
  });

  it('round-trips random JSON-like records (property)', () => {
    const leaf = fc.oneof(fc.double(), fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.integer(), { maxLength: 3 }));
    const rec = fc.letrec((tie) => ({
      obj: fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }).filter((k) => k !== '__proto__'), fc.oneof({ depthSize: 'small' }, leaf, tie('obj')), { maxKeys: 6, noNullPrototype: true }),
    })).obj;
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 40 }), (rs) => {
        const p = new PackedList<object>();
        for (const r of rs) p.push(r);
        return rs.every((r, i) => same(p.get(i), r));
      }),
      { numRuns: 200, seed: 13 },
    );
  });
});
