/**
 * Ensemble of the expression classifiers. With `pool` (the default file): log-linear pooling
 *   p ∝ p_faceapi^w_faceapi · p_human^w_human · p_own^w_own,
 * the weights (and a blur gate) chosen across face domains by bench/face-parity.ts (--write3: the declared
 * three-member rule). Without it, the older calibrated stacking layer below (over faceapi and human only).
 * Older stacking: calibrated ensemble of the two expression classifiers. Each model's probabilities (averaged over the
 * image and its mirror when flip test-time augmentation is on) go through log, then a multinomial
 * logistic layer fitted on FER2013 PublicTest (never PrivateTest) by scripts/face-fit.ts:
 *   p = softmax(W · [log p_faceapi, log p_human] + b)
 * With a `head`, a third input is a linear softmax layer over FaceExpressionNet's standardised 256-d
 * features (mirror-averaged), fitted on FER2013 Training: p_head = softmax(Wh · (f − mean) / std + bh).
 * Single-model modes use per-model temperature + class-bias calibration from the same file.
 */
import { loadModel, readModelJson } from '../runtime/registry.js';
import { EmosigError } from '../errors.js';
import { modelPath } from '../runtime/paths.js';
import type { ClassifierName } from './models.js';

export interface EnsembleFile {
  version: 1;
  classes: string[];
  /** Feature order: for each model in `models`, log-probabilities of the 7 core labels. */
  models: ClassifierName[];
  tta: boolean;
  /** Inputs of the stacking layer, in column order (models, then 'head' when present). Default: models. */
  features?: string[];
  /** Linear head over FaceExpressionNet's 256-d features. */
  head?: { mean: number[]; std: number[]; W: number[][]; b: number[] };
  /** 7 × (7·features.length) weights and 7 biases. */
  W: number[][];
  b: number[];
  /** Log-linear pooling weights per model (used instead of W/b when present). */
  pool?: Partial<Record<ClassifierName, number>>;
  /**
   * Gate on a measured input property: faces whose Laplacian variance (64×64 gray crop, 0..255 scale; see
   * laplacianVariance in quality.ts) is below `lapVarBelow` — blurred or upscaled low-resolution faces — use `pool`
   * instead of the main pooling weights (chosen across domains by bench/face-parity.ts).
   */
  gate?: { lapVarBelow: number; pool: Partial<Record<ClassifierName, number>> };
  /** How detected faces are cropped for the classifiers ('box' = face-api's crop). */
  crop?: 'box' | 'landmarks';
  /** Per-model calibration: p = softmax(log p / T + bias). */
  calibration: Partial<Record<ClassifierName, { T: number; bias: number[] }>>;
  fittedOn: string;
  metrics?: Record<string, unknown>;
  /** Licence of the fitted weights (their training data's terms). */
  license?: string;
}

export function ensembleFile(): string {
  return modelPath('face', 'ensemble.json');
}

export function loadEnsemble(path = ensembleFile()): EnsembleFile {
  return loadModel({ name: 'face', path, variant: 'ensemble' }, () => {
    const e = readModelJson<EnsembleFile>(path, 'face ensemble weights file', "run scripts/face-fit.ts or use model 'faceapi'/'human'");
    const nf = (e.features ?? e.models).length;
    const headOk = !e.head || (e.head.W.length === 7 && e.head.W[0].length === 256 && e.head.mean.length === 256 && e.head.std.length === 256);
    const poolValid = (pl: unknown) => !!pl && typeof pl === 'object' && Object.entries(pl).every(([k, w]) => (k === 'faceapi' || k === 'human' || k === 'own') && typeof w === 'number' && w >= 0 && w <= 1);
    const gateOk = !e.gate || (!!e.pool && typeof e.gate.lapVarBelow === 'number' && e.gate.lapVarBelow >= 0 && Number.isFinite(e.gate.lapVarBelow) && poolValid(e.gate.pool));
    const poolOk = (!e.pool || poolValid(e.pool)) && gateOk;
    const modelsOk = Array.isArray(e.models) && e.models.length > 0 && e.models.every((c) => c === 'faceapi' || c === 'human' || c === 'own');
    if (!modelsOk || !poolOk || e.version !== 1 || e.W?.length !== 7 || e.b?.length !== 7 || e.W[0].length !== 7 * nf || !headOk || ((e.features ?? []).includes('head') && !e.head)) {
      throw new EmosigError('MODEL_INVALID', `face ensemble weights ${path} have an unexpected shape`);
    }
    return e;
  });
}

const EPS = 1e-6;

export function softmax(z: ArrayLike<number>): Float32Array {
  let mx = -Infinity;
  for (let i = 0; i < z.length; i++) mx = Math.max(mx, z[i]);
  const out = new Float32Array(z.length);
  let s = 0;
  for (let i = 0; i < z.length; i++) s += out[i] = Math.exp(z[i] - mx);
  for (let i = 0; i < z.length; i++) out[i] /= s;
  return out;
}

/**
 * Combine per-model probability rows (CORE order) into ensemble probabilities. `lapVar` (the face crop's
 * Laplacian variance) selects the gated pooling weights when the file has a gate.
 */
export function combine(e: EnsembleFile, probs: Record<string, ArrayLike<number>>, lapVar?: number): Float32Array {
  const z = new Float64Array(7);
  if (e.pool) {
    const pool = e.gate && lapVar !== undefined && lapVar < e.gate.lapVarBelow ? e.gate.pool : e.pool;
    for (const [name, w] of Object.entries(pool)) {
      const p = probs[name];
      if (!w || !p) continue;
      for (let k = 0; k < 7; k++) z[k] += w * Math.log(p[k] + EPS);
    }
    return softmax(z);
  }
  for (let k = 0; k < 7; k++) {
    let acc = e.b[k];
    (e.features ?? e.models).forEach((name, mi) => {
      const p = probs[name];
      for (let j = 0; j < 7; j++) acc += e.W[k][mi * 7 + j] * Math.log(p[j] + EPS);
    });
    z[k] = acc;
  }
  return softmax(z);
}

/** Per-model calibration (temperature + class bias). */
export function calibrate(e: EnsembleFile, name: ClassifierName, p: ArrayLike<number>): Float32Array {
  const c = e.calibration[name];
  if (!c) throw new EmosigError('MODEL_INVALID', `the face ensemble weights have no calibration for model '${name}'`);
  const z = new Float64Array(7);
  for (let j = 0; j < 7; j++) z[j] = Math.log(p[j] + EPS) / c.T + c.bias[j];
  return softmax(z);
}

/** Probabilities of the linear head from a (mirror-averaged) 256-d FaceExpressionNet feature vector. */
export function headProbs(e: EnsembleFile, emb: ArrayLike<number>): Float32Array {
  const h = e.head;
  if (!h) throw new EmosigError('MODEL_INVALID', 'the face ensemble has no feature head');
  const z = new Float64Array(7);
  for (let k = 0; k < 7; k++) {
    let acc = h.b[k];
    const w = h.W[k];
    for (let j = 0; j < 256; j++) acc += (w[j] * (emb[j] - h.mean[j])) / h.std[j];
    z[k] = acc;
  }
  return softmax(z);
}
