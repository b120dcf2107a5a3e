/**
 * Stream clocks: when input reached a point of stream time (for the latency of each event), and a bounded
 * ring of latencies for the stats.
 */
import { r3 } from '../fusion/util.js';
import type { LatencySummary } from './types.js';

const LATENCY_RING = 8192;

/** Wall-clock arrival of stream time: (time reached, wall ms) marks, pruned behind the clock. */
export class Arrivals {
  private t: number[] = [];
  private w: number[] = [];
  private head = 0;

  mark(time: number, wall: number): void {
    if (this.t.length > this.head && time <= this.t[this.t.length - 1]) return;
    this.t.push(time);
    this.w.push(wall);
  }

  /** Wall time at which input first reached `time` (undefined when it has not yet). */
  at(time: number): number | undefined {
    let lo = this.head;
    let hi = this.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.t[mid] >= time - 1e-6) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.t.length ? this.w[lo] : undefined;
  }

  /** Forget marks before `time` (keeps one). */
  prune(time: number): void {
    while (this.head + 1 < this.t.length && this.t[this.head + 1] < time) this.head++;
    if (this.head > 1024) {
      this.t = this.t.slice(this.head);
      this.w = this.w.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.t.length - this.head;
  }
}

/** The last 8,192 latencies of one event kind (median, p95, max). */
export class LatencyRing {
  private readonly v = new Float64Array(LATENCY_RING);
  private n = 0;
  add(x: number): void {
    this.v[this.n % LATENCY_RING] = x;
    this.n++;
  }
  summary(): LatencySummary {
    const m = Math.min(this.n, LATENCY_RING);
    if (!m) return { n: 0, medianMs: 0, p95Ms: 0, maxMs: 0 };
    const s = this.v.slice(0, m).sort();
    const q = (p: number) => s[Math.min(m - 1, Math.floor(p * (m - 1) + 0.5))];
    return { n: this.n, medianMs: r3(q(0.5)), p95Ms: r3(q(0.95)), maxMs: r3(s[m - 1]) };
  }
}
