/** Small numeric helpers shared by the fusion stages. */
import { emotionsFromVector, type Emotions } from '../signature/labels.js';

export const r3 = (x: number) => Math.round(x * 1000) / 1000;
export const r4 = (x: number) => Math.round(x * 10000) / 10000;
export const clamp = (x: number, lo = 0, hi = 1) => Math.max(lo, Math.min(hi, x));
export const clampS = (x: number) => clamp(x, -1, 1);

export function emo(p: number[]): Emotions {
  return emotionsFromVector(p.map((v) => clamp(r4(v))));
}

export function mean(xs: number[], ws?: number[]): number {
  let s = 0;
  let w = 0;
  xs.forEach((x, i) => {
    const wi = ws ? ws[i] : 1;
    s += x * wi;
    w += wi;
  });
  return w > 0 ? s / w : 0;
}

/** Largest / smallest of many numbers (no spread: a long list would overflow the call stack). */
export function maxOf(xs: number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}
export function minOf(xs: number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

