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
