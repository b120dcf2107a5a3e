/**
 * Compact storage for the many small plain objects a long stream keeps until `end()` (the chat lane's text
 * readings: ~50 numbers each, ~2.1 KB as JS objects, an hour of chat is ~1,000 of them). Every number leaf
 * goes into one growable Float64Array (exact: -0, NaN and every double survive), the other leaves (strings,
 * booleans, null, undefined, arrays, non-plain objects) are kept by reference in one flat array, and the
 * structure (keys in order, which leaf is a number, nested plain objects) is interned once per distinct shape.
 * `get(i)` rebuilds record i with the same keys in the same order and the same leaf values; records that
 * share a shape cost ~8 bytes per number plus their other leaves (~0.6 KB for a text reading).
 */

type Kind = 0 | 1 | 2; // 0 number, 1 plain object (nested shape), 2 other leaf (kept by reference)

interface Shape {
  keys: string[];
  kinds: Kind[];
  sub: (Shape | undefined)[];
}

const isPlain = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  return Object.getPrototypeOf(v) === Object.prototype;
};

/** The shape key of a plain object (keys in order, kinds, nested shapes). */
function shapeKey(o: Record<string, unknown>): string {
  let k = '{';
  for (const key of Object.keys(o)) {
    const v = o[key];
    k += JSON.stringify(key) + (typeof v === 'number' ? 'n' : isPlain(v) ? shapeKey(v) : 'x') + ',';
  }
  return k + '}';
}

function makeShape(o: Record<string, unknown>): Shape {
  const keys = Object.keys(o);
  const kinds: Kind[] = [];
  const sub: (Shape | undefined)[] = [];
  for (const key of keys) {
    const v = o[key];
    if (typeof v === 'number') {
      kinds.push(0);
      sub.push(undefined);
    } else if (isPlain(v)) {
      kinds.push(1);
      sub.push(makeShape(v));
    } else {
      kinds.push(2);
      sub.push(undefined);
    }
  }
  return { keys, kinds, sub };
}

/** Append-only list of plain objects, stored packed (see the file comment). */
export class PackedList<T extends object> {
  private nums = new Float64Array(1024);
  private nNums = 0;
  private readonly rest: unknown[] = [];
  /** Per record: its shape's index, and where its numbers and other leaves start. */
  private readonly shapeOf: number[] = [];
  private readonly numAt: number[] = [];
  private readonly restAt: number[] = [];
  private readonly shapes: Shape[] = [];
  private readonly shapeIndex = new Map<string, number>();

  get length(): number {
    return this.shapeOf.length;
  }

  push(record: T): void {
    const o = record as unknown as Record<string, unknown>;
    if (!isPlain(o)) throw new TypeError('PackedList stores plain objects only');
    const key = shapeKey(o);
    let si = this.shapeIndex.get(key);
    if (si === undefined) {
      si = this.shapes.length;
      this.shapes.push(makeShape(o));
      this.shapeIndex.set(key, si);
    }
    this.shapeOf.push(si);
    this.numAt.push(this.nNums);
    this.restAt.push(this.rest.length);
    this.write(this.shapes[si], o);
  }

  private write(s: Shape, o: Record<string, unknown>): void {
    for (let i = 0; i < s.keys.length; i++) {
      const v = o[s.keys[i]];
      if (s.kinds[i] === 0) {
        if (this.nNums === this.nums.length) {
          const b = new Float64Array(this.nums.length * 2);
          b.set(this.nums);
          this.nums = b;
        }
        this.nums[this.nNums++] = v as number;
      } else if (s.kinds[i] === 1) this.write(s.sub[i]!, v as Record<string, unknown>);
      else this.rest.push(v);
    }
  }

  /** Record `i`, rebuilt (a new object each call). */
  get(i: number): T {
    const pos = { n: this.numAt[i], r: this.restAt[i] };
    return this.read(this.shapes[this.shapeOf[i]], pos) as T;
  }

  private read(s: Shape, pos: { n: number; r: number }): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < s.keys.length; i++) {
      o[s.keys[i]] = s.kinds[i] === 0 ? this.nums[pos.n++] : s.kinds[i] === 1 ? this.read(s.sub[i]!, pos) : this.rest[pos.r++];
    }
    return o;
  }

  /** Every record, rebuilt, in order. */
  all(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.get(i));
    return out;
  }
}

/**
 * The voice segments a stream keeps for `end()` (the final rescoring against whole-call baselines): each
 * segment's feature vector is copied into one growable Float32Array (exact: Float32 to Float32), its other fields
 * into a PackedList. One allocation that doubles instead of one small buffer per segment that lives for the whole
 * call among the audio path's short-lived ones; `all()` rebuilds the segments with their own vectors.
 */
export class PackedVectors<T extends { vector: Float32Array }> {
  private data = new Float32Array(0);
  private used = 0;
  private readonly at: number[] = [];
  private readonly len: number[] = [];
  private readonly rest = new PackedList<T>();

  get length(): number {
    return this.at.length;
  }

  push(record: T): void {
    const v = record.vector;
    if (this.used + v.length > this.data.length) {
      const b = new Float32Array(Math.max(4096, 2 * this.data.length, this.used + v.length));
      b.set(this.data.subarray(0, this.used));
      this.data = b;
    }
    this.data.set(v, this.used);
    this.at.push(this.used);
    this.len.push(v.length);
    this.used += v.length;
    this.rest.push({ ...record, vector: undefined } as unknown as T);
  }

  /** Record `i`, rebuilt (its vector a fresh copy). */
  get(i: number): T {
    const r = this.rest.get(i);
    r.vector = this.data.slice(this.at[i], this.at[i] + this.len[i]);
    return r;
  }

  all(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.get(i));
    return out;
  }
}
