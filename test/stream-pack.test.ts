import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PackedList, PackedVectors } from '../src/stream/pack.js';

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

  it('PackedVectors keeps voice segments exactly, each with its own vector (the stream keeps its segments packed)', () => {
    const p = new PackedVectors<{ speaker: string; start: number; end: number; vector: Float32Array; quality: { rmsDb: number; snrDb: number } }>();
    const segs = Array.from({ length: 40 }, (_, i) => ({
      speaker: i % 2 ? 'agent' : 'customer',
      start: i * 1.5,
      end: i * 1.5 + 1.25,
      vector: Float32Array.from({ length: 242 }, (_, k) => Math.fround(Math.sin(i * 242 + k) * 10 ** (k % 7)) * (k === 3 ? -0 : 1)),
      quality: { rmsDb: -20 - i, snrDb: i % 3 ? 15.5 : -0 },
    }));
    for (const s of segs) p.push(s);
    const v0 = segs[0].vector[0];
    segs[0].vector[0] = 99; // the store holds copies
    expect(p.get(0).vector[0]).toBe(v0);
    segs[0].vector[0] = v0;
    expect(p.length).toBe(40);
    const back = p.all();
    back.forEach((b, i) => {
      expect(Object.keys(b)).toEqual(['speaker', 'start', 'end', 'vector', 'quality']);
      expect(b.vector).toBeInstanceOf(Float32Array);
      expect(b.vector.length).toBe(242);
      expect(same({ ...b, vector: null }, { ...segs[i], vector: null })).toBe(true);
      expect(b.vector.every((x, k) => Object.is(x, segs[i].vector[k]))).toBe(true);
    });
    back[1].vector[0] = 123; // rebuilt vectors are the caller's own
    expect(p.get(1).vector[0]).toBe(segs[1].vector[0]);
  });
});
