/**
 * Evaluation protocols of the voice model (speaker-independent throughout):
 * - per clip: each clip judged alone;
 * - personal, "others": each clip judged against a baseline built from the same speaker's OTHER clips
 *   (same recording condition), all of them;
 * - personal, "skew70": as a call that is mostly one emotion: for every speaker and every emotion e the
 *   speaker has, a pool of 20 of the speaker's clips, 70 % e and 30 % the rest, builds the baseline; the
 *   speaker's clips outside the pool are judged against it. Every emotion takes its turn as the dominant one.
 * Scores: UAR, macro-F1, accuracy over the allowed labels (argmax restricted to them) and Spearman ρ between
 * the arousal head and the label's arousal.
 */
import { CORE_LABELS } from '../../src/signature/labels.js';
import { fitBundle, predictClip, predictPersonal, baselineFrom, LABEL_AV, type Bundle, type BundleConfig, type FitRow } from '../../src/audio/voice-fit.js';
import { scoreClasses, spearman, mulberry32 } from '../../src/audio/trainer.js';
import type { FeatureRow, Variant } from '../voice-features.js';

export const K = CORE_LABELS.length;

export interface Row extends FeatureRow {
  x: Float32Array;
  yi: number;
  va: [number, number];
}

export function toRow(r: FeatureRow): Row {
  const av = LABEL_AV[r.label] ?? LABEL_AV[r.core];
  return { ...r, x: Float32Array.from(r.vector), yi: CORE_LABELS.indexOf(r.core), va: [av.arousal, av.valence] };
}

export const fitRows = (rows: Row[]): FitRow[] => rows.map((r) => ({ x: r.x, y: r.yi, va: r.va, group: `${r.speaker}|${r.variant}`, domain: r.corpus }));

/** 'all': the baseline from all of the speaker's clips, the judged one included (the eGeMAPS + SVM protocol). */
export type Protocol = 'clip' | 'others' | 'skew70' | 'all';
export const PROTOCOLS: Protocol[] = ['clip', 'others', 'skew70'];

export interface Scored {
  truth: number[];
  probs: Float32Array[];
  /** The clip model's probabilities of the same clips (personal protocols: the product blends the two). */
  clipProbs?: Float32Array[];
  arousal: number[];
  trueArousal: number[];
}

const empty = (): Scored => ({ truth: [], probs: [], clipProbs: [], arousal: [], trueArousal: [] });

/** Score `test` (one variant, any speakers) with `b` under a protocol. */
export function scoreProtocol(b: Bundle, test: Row[], protocol: Protocol, seed = 1): Scored {
  const out = empty();
  const push = (rows: Row[], p: { probs: Float32Array[]; va: [number, number][] }, clip?: Float32Array[]) => {
    rows.forEach((r, i) => {
      out.truth.push(r.yi);
      out.probs.push(p.probs[i]);
      out.clipProbs!.push(clip ? clip[i] : p.probs[i]);
      out.arousal.push(p.va[i][0]);
      out.trueArousal.push(r.va[0]);
    });
  };
  if (protocol === 'clip') {
    push(test, predictClip(b, test.map((r) => r.x)));
    return out;
  }
  const bySpk = new Map<string, Row[]>();
  for (const r of test) bySpk.set(`${r.speaker}|${r.variant}`, [...(bySpk.get(`${r.speaker}|${r.variant}`) ?? []), r]);
  const rand = mulberry32(seed);
  for (const rows of bySpk.values()) {
    const xs = rows.map((r) => r.x);
    const cp = predictClip(b, xs);
    const ar = cp.va.map((v) => v[0]);
    if (protocol === 'all') {
      push(rows, predictPersonal(b, xs, baselineFrom(b, xs, ar)), cp.probs);
      continue;
    }
    if (protocol === 'others') {
      rows.forEach((r, i) => {
        const idx = rows.map((_, j) => j).filter((j) => j !== i);
        const base = baselineFrom(b, idx.map((j) => xs[j]), idx.map((j) => ar[j]));
        push([r], predictPersonal(b, [r.x], base), [cp.probs[i]]);
      });
      continue;
    }
    for (const e of [...new Set(rows.map((r) => r.yi))]) {
      const mine = shuffle(rows.map((_, j) => j).filter((j) => rows[j].yi === e), rand);
      const rest = shuffle(rows.map((_, j) => j).filter((j) => rows[j].yi !== e), rand);
      const pool = [...mine.slice(0, 14), ...rest.slice(0, 6)];
      const inPool = new Set(pool);
      const base = baselineFrom(b, pool.map((j) => xs[j]), pool.map((j) => ar[j]));
      const keep = rows.map((_, j) => j).filter((j) => !inPool.has(j));
      push(
        keep.map((j) => rows[j]),
        predictPersonal(b, keep.map((j) => xs[j]), base),
        keep.map((j) => cp.probs[j]),
      );
    }
  }
  return out;
}

function shuffle<T>(a: T[], rand: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export interface Metrics {
  uar: number;
  macroF1: number;
  accuracy: number;
  n: number;
  arousalRho: number;
  confusion?: number[][];
}

/** `w`: weight of the personal model's probabilities against the clip model's (1 = personal alone). */
export function metrics(s: Scored, allowed: number[], withConfusion = false, w = 1): Metrics {
  const keep = s.truth.map((t, i) => i).filter((i) => allowed.includes(s.truth[i]));
  const p = (i: number, k: number) => (w >= 1 || !s.clipProbs?.length ? s.probs[i][k] : w * s.probs[i][k] + (1 - w) * s.clipProbs[i][k]);
  const pred = keep.map((i) => {
    let best = allowed[0];
    for (const k of allowed) if (p(i, k) > p(i, best)) best = k;
    return best;
  });
  const m = scoreClasses(
    keep.map((i) => s.truth[i]),
    pred,
    K,
  );
  return {
    uar: m.uar,
    macroF1: m.macroF1,
    accuracy: m.accuracy,
    n: m.n,
    arousalRho: spearman(s.arousal, s.trueArousal),
    ...(withConfusion ? { confusion: m.confusion } : {}),
  };
}

export const labelsOf = (rows: Row[]): number[] => [...new Set(rows.map((r) => r.yi))].sort((a, b) => a - b);

/** Train on `train`, score each test variant under each protocol. */
export function trainAndScore(cfg: BundleConfig, train: Row[], test: Row[], variants: Variant[], protocols: Protocol[]): { bundle: Bundle; scored: Record<string, Scored> } {
  const bundle = fitBundle(fitRows(train), K, cfg);
  const scored: Record<string, Scored> = {};
  for (const v of variants) {
    const t = test.filter((r) => r.variant === v);
    if (!t.length) continue;
    for (const p of protocols) scored[`${v}/${p}`] = scoreProtocol(bundle, t, p);
  }
  return { bundle, scored };
}

export function mergeScored(a: Scored, b: Scored): Scored {
  return { truth: [...a.truth, ...b.truth], probs: [...a.probs, ...b.probs], clipProbs: [...(a.clipProbs ?? []), ...(b.clipProbs ?? [])], arousal: [...a.arousal, ...b.arousal], trueArousal: [...a.trueArousal, ...b.trueArousal] };
}
