/**
 * Reliability-weighted late fusion.
 *
 * Each modality m reports probabilities p_m over the core labels and a confidence c_m ∈ [0, 1].
 * 1. Calibration: p̃_m ∝ p_m^(1/T_m) (temperature scaling, T_m fitted on the modality's own dev data).
 * 2. Weighted log-linear pooling: log p(l) = Σ_m c_m · α_{m,l} · log p̃_m(l) + const, where α_{m,l} ≥ 0 is the
 *    per-modality, per-label reliability learned on pseudo-multimodal dev triples (scripts/fusion-fit.ts).
 * A missing modality simply drops out of the sum; with nothing present there is no fused reading at all.
 * All numbers come from models/fusion/reliability.json (see models/fusion/MODEL_CARD.md).
 */
import { loadModel, readModelJson, recordModel } from '../runtime/registry.js';
import { EmosigError } from '../errors.js';
import { modelPath } from '../runtime/paths.js';
import { CORE_LABELS, LABEL_VA, type Emotions } from '../signature/labels.js';
import type { Modality } from '../signature/schema.js';

export const K = CORE_LABELS.length;
const EPS = 1e-4;

export interface ModalityReliability {
  /** Temperature fitted on the modality's own dev predictions (NLL). */
  temperature: number;
  /** α_{m,l}: per-label exponent in the log-linear pool (CORE_LABELS order). */
  alpha: number[];
  /** Where the dev predictions came from (for the card). */
  dev: string;
  /** Speaker-/item-independent dev figures of the modality alone (calibrated argmax). */
  devUar: number;
  recall: number[];
}

export interface ReliabilityFile {
  version: string;
  method: string;
  labels: string[];
  modalities: Record<Modality, ModalityReliability>;
  incongruence: { score: string; threshold: number; devAuc: number };
  fittedOn: string;
  createdAt: string;
}

/** Load (once) and check the reliability file. */
export function loadReliability(path = modelPath('fusion', 'reliability.json')): ReliabilityFile {
  return loadModel({ name: 'fusion-reliability', path }, () => {
    const f = readModelJson<ReliabilityFile>(path, 'fusion reliability file', 'run `npm run fit:fusion` to fit it');
    const ok =
      f &&
      Array.isArray(f.labels) &&
      f.labels.join() === CORE_LABELS.join() &&
      (['voice', 'face', 'text'] as const).every((m) => {
        const r = f.modalities?.[m];
        return r && r.temperature > 0 && Array.isArray(r.alpha) && r.alpha.length === K && r.alpha.every((a) => Number.isFinite(a) && a >= 0);
      }) &&
      Number.isFinite(f.incongruence?.threshold);
    if (!ok) throw new EmosigError('MODEL_INVALID', 'the fusion reliability file does not match the core labels or lacks a modality', { input: path });
    recordModel({ name: 'fusion-reliability', model: 'emosig-fusion-reliability', version: String((f as { version?: unknown }).version ?? '?'), path });
    return f;
  });
}

/** Temperature-scale a distribution (vector in CORE_LABELS order). All-zero input stays all-zero. */
export function calibrate(p: ArrayLike<number>, T: number): number[] {
  let s = 0;
  for (let k = 0; k < K; k++) s += p[k] ?? 0;
  if (!(s > 0)) return new Array(K).fill(0);
  const out = new Array<number>(K);
  let z = 0;
  for (let k = 0; k < K; k++) {
    out[k] = Math.exp(Math.log(Math.max((p[k] ?? 0) / s, EPS)) / T);
    z += out[k];
  }
  for (let k = 0; k < K; k++) out[k] /= z;
  return out;
}

export interface Evidence {
  modality: Modality;
  /** Calibrated probabilities (CORE_LABELS order). */
  p: number[];
  confidence: number;
}

export interface Pooled {
  p: number[];
  /** Share of the evidence each modality contributed (sums to 1 over the present ones). */
  weights: Partial<Record<Modality, number>>;
}

/** Weighted log-linear pooling of calibrated evidence. Returns null when nothing carries weight. */
export function pool(ev: Evidence[], rel: ReliabilityFile): Pooled | null {
  const live = ev.filter((e) => e.confidence > 0 && e.p.some((v) => v > 0));
  if (!live.length) return null;
  const logit = new Array(K).fill(0);
  for (const e of live) {
    const a = rel.modalities[e.modality].alpha;
    for (let k = 0; k < K; k++) logit[k] += e.confidence * a[k] * Math.log(Math.max(e.p[k], EPS));
  }
  const mx = Math.max(...logit);
  const p = logit.map((v) => Math.exp(v - mx));
  const z = p.reduce((a, b) => a + b, 0);
  for (let k = 0; k < K; k++) p[k] /= z;
  // a modality's weight: its expected exponent under the fused distribution
  const raw = live.map((e) => {
    const a = rel.modalities[e.modality].alpha;
    let w = 0;
    for (let k = 0; k < K; k++) w += p[k] * a[k];
    return e.confidence * w;
  });
  const W = raw.reduce((s, v) => s + v, 0);
  const weights: Partial<Record<Modality, number>> = {};
  live.forEach((e, i) => (weights[e.modality] = (weights[e.modality] ?? 0) + (W > 0 ? raw[i] / W : 1 / live.length)));
  return { p, weights };
}

/** Bhattacharyya coefficient Σ √(p q) ∈ [0, 1]: 1 for identical distributions. */
export function bhattacharyya(p: number[], q: number[]): number {
  let s = 0;
  for (let k = 0; k < K; k++) s += Math.sqrt(Math.max(0, p[k]) * Math.max(0, q[k]));
  return Math.min(1, s);
}

/**
 * Incongruence ("odd one out"): for each modality m, the probability that it and the pooled reading of the
 * other modalities name the same label, a_m = Σ_l p̃_m(l) · q_{−m}(l); the score is max_m (1 − a_m) ∈ [0, 1]
 * (0 = they agree, 1 = no overlap). `odd` is the modality that disagrees most with the rest.
 * The pooling here ignores the readings' confidences (they gate the moment separately), so the threshold fitted on
 * dev items transfers to windows that a modality only partly covers.
 * Chosen over pairwise Bhattacharyya / dot-product variants by dev ROC-AUC (see models/fusion/MODEL_CARD.md).
 */
export function incongruence(evidence: Evidence[], rel: ReliabilityFile): { score: number; odd?: Evidence; rest?: number[] } {
  if (evidence.length < 2) return { score: 0 };
  const ev = evidence.map((e) => ({ ...e, confidence: 1 }));
  let best = -1;
  let odd: Evidence | undefined;
  let rest: number[] | undefined;
  ev.forEach((e, i) => {
    const others = pool(ev.filter((_, j) => j !== i), rel);
    if (!others) return;
    let a = 0;
    for (let k = 0; k < K; k++) a += e.p[k] * others.p[k];
    const s = 1 - a;
    // with two modalities both sides score alike: call the less confident one the odd one
    if (s > best + 1e-9 || (Math.abs(s - best) <= 1e-9 && odd && evidence[i].confidence < odd.confidence)) (best = s), (odd = evidence[i]), (rest = others.p);
  });
  return { score: Math.max(0, Math.min(1, best)), odd, rest };
}

export function vecOf(e: Emotions): number[] {
  return CORE_LABELS.map((l) => e[l] ?? 0);
}

/** Expected valence / arousal under a distribution (LABEL_VA). */
export function vaOf(p: number[]): { valence: number; arousal: number } {
  let v = 0;
  let a = 0;
  let s = 0;
  CORE_LABELS.forEach((l, k) => {
    v += p[k] * LABEL_VA[l].valence;
    a += p[k] * LABEL_VA[l].arousal;
    s += p[k];
  });
  return s > 0 ? { valence: v / s, arousal: a / s } : { valence: 0, arousal: 0 };
}

/**
 * Stress index without physiological cues — the voice modality's formula (src/audio/stress.ts) with C = 0:
 * 0.5·(arousal + 1)/2 + 0.3·max(0, −valence). Voice readings carry their own stress (with the cues).
 */
export function stressOf(valence: number, arousal: number): number {
  return Math.max(0, Math.min(1, 0.5 * ((arousal + 1) / 2) + 0.3 * Math.max(0, -valence)));
}
