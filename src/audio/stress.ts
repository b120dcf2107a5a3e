/**
 * Valence, arousal and the vocal stress index of a segment.
 *
 * valence, arousal: the expectation of each core label's (valence, arousal) under the model's probabilities
 * (LABEL_VA in src/signature/labels.ts), so they are consistent with `emotions`.
 *
 * stress ∈ [0, 1] = 0.5·A + 0.3·N + 0.2·C, where
 *   A = (arousal + 1) / 2                       activation,
 *   N = max(0, −valence)                        negative valence,
 *   C = mean of clamp(z / 2, 0, 1) over the physiological cues F0 mean (pitch rise), jitter, F0 tremor and
 *       loudness, each z-scored against the speaker's own baseline; C = 0 without a baseline.
 * It is a documented index, not a model trained on stress labels (the corpora carry none).
 */
import { CORE_LABELS, LABEL_VA, type Emotions } from '../signature/labels.js';
import { FEATURE_NAMES } from './features.js';

const CUES = ['f0_mean', 'jitter_mean', 'f0TremorSt', 'loudness_mean'].map((n) => FEATURE_NAMES.indexOf(n));

export function valenceArousal(e: Emotions): { valence: number; arousal: number } {
  let v = 0;
  let a = 0;
  let s = 0;
  for (const l of CORE_LABELS) {
    v += e[l] * LABEL_VA[l].valence;
    a += e[l] * LABEL_VA[l].arousal;
    s += e[l];
  }
  return s > 0 ? { valence: v / s, arousal: a / s } : { valence: 0, arousal: 0 };
}

/** `z`: the segment's features z-scored against the speaker baseline (undefined when there is none). */
export function stressIndex(valence: number, arousal: number, z?: Float32Array): number {
  const A = (arousal + 1) / 2;
  const N = Math.max(0, -valence);
  let C = 0;
  if (z) {
    let sum = 0;
    for (const i of CUES) sum += Math.max(0, Math.min(1, z[i] / 2));
    C = sum / CUES.length;
  }
  return Math.max(0, Math.min(1, 0.5 * A + 0.3 * N + 0.2 * C));
}
