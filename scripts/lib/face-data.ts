/**
 * Shared helpers for the face fitting script and bench: FER2013 / eNTERFACE loading, per-model feature
 * extraction (raw and mirrored probabilities, cached under .cache/face/), logistic fitting and metrics.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CORE_LABELS, type CoreLabel } from '../../src/signature/labels.js';
import { packageRoot } from '../../src/runtime/paths.js';
import { CLASSIFIER_INPUT, classifyEx, faceModelPath, loadModels, type ClassifierName, type LoadedModels } from '../../src/vision/models.js';
import { decodeImage } from '../../src/vision/decode.js';
import { geoMean, TTA_VIEWS, warpCrop, wholeImageSpec } from '../../src/vision/crop.js';

/** Cache key: the views and the own CNN's weights (retraining it invalidates cached features). */
const VIEWS_KEY = JSON.stringify(TTA_VIEWS) + ownModelHash();

/** Short content hash of models/face/own_expression.onnx ('none' when absent). */
export function ownModelHash(): string {
  const p = faceModelPath('own');
  return existsSync(p) ? createHash('sha1').update(readFileSync(p)).digest('hex').slice(0, 12) : 'none';
}
import { softmax } from '../../src/vision/ensemble.js';

export const SHARED = resolve(packageRoot(), '..', 'shared', 'data', 'face');
export const FER = join(SHARED, 'fer2013');
export const ENTERFACE = join(SHARED, 'enterface05_subset');

export const FER_TO_CORE: Record<string, CoreLabel> = {
  angry: 'anger',
  disgust: 'disgust',
  fear: 'fear',
  happy: 'joy',
  neutral: 'neutral',
  sad: 'sadness',
  surprise: 'surprise',
};
export const ENTERFACE_TO_CORE: Record<string, CoreLabel> = {
  anger: 'anger',
  disgust: 'disgust',
  happiness: 'joy',
  fear: 'fear',
  sadness: 'sadness',
  surprise: 'surprise',
};

export interface Item {
  file: string;
  y: number;
}

/** FER2013 items of one origin_usage (Training / PublicTest / PrivateTest), optionally an even subsample. */
export function ferItems(usage: 'Training' | 'PublicTest' | 'PrivateTest', limit?: number): Item[] {
  const rows = readFileSync(join(FER, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
  const all = rows
    .map((l) => l.split(','))
    .filter((r) => r[3] === usage)
    .map((r) => ({ file: join(FER, r[0]), y: CORE_LABELS.indexOf(FER_TO_CORE[r[1]]) }));
  if (!limit || limit >= all.length) return all;
  const step = all.length / limit;
  return Array.from({ length: limit }, (_, i) => all[Math.floor(i * step)]);
}

export interface Feats {
  /** per model: [n][views][7] raw probabilities for each TTA view of TTA_VIEWS[model] (CORE order); view 0 is the plain crop. */
  faceapi: number[][][];
  human: number[][][];
  /** emosig's own CNN (TTA_VIEWS.own). */
  own: number[][][];
  /** FaceExpressionNet 256-d features, n × 2 (TTA_VIEWS.faceapi: image, mirror) × 256, flat. */
  emb: Float32Array;
}

/**
 * Per-model probabilities and face-api features for whole-image crops (assume-face), batched.
 * Cached in .cache/face/NAME.{json,bin} (ignored by git) so the fit and bench can reuse them.
 */
export async function ferFeatures(m: LoadedModels, items: Item[], cacheName: string, onProgress?: (i: number) => void): Promise<Feats> {
  const dir = join(packageRoot(), '.cache', 'face');
  const cj = join(dir, `${cacheName}.json`);
  const cb = join(dir, `${cacheName}.bin`);
  if (existsSync(cj) && existsSync(cb)) {
    const c = JSON.parse(readFileSync(cj, 'utf8'));
    if (c.n === items.length && c.first === items[0]?.file && c.last === items[items.length - 1]?.file && c.views === VIEWS_KEY) {
      const buf = readFileSync(cb);
      return { faceapi: c.faceapi, human: c.human, own: c.own, emb: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)) };
    }
  }
  const feats: Feats = { faceapi: [], human: [], own: [], emb: new Float32Array(items.length * 2 * 256) };
  const B = 32;
  for (let s = 0; s < items.length; s += B) {
    const chunk = items.slice(s, s + B);
    const imgs = await Promise.all(chunk.map((it) => decodeImage(it.file)));
    for (const name of ['faceapi', 'human', 'own'] as ClassifierName[]) {
      const { size, gray } = CLASSIFIER_INPUT[name];
      const per = size * size * (gray ? 1 : 3);
      const vs = TTA_VIEWS[name];
      const nv = vs.length;
      const batch = new Float32Array(per * chunk.length * nv);
      imgs.forEach((img, i) => {
        const spec = wholeImageSpec(img);
        vs.forEach((v, j) => warpCrop(img, { ...spec, side: spec.side * v.scale }, size, gray, v.flip, batch, per * (nv * i + j)));
      });
      const { probs: rows, emb } = await classifyEx(m, name, batch, chunk.length * nv, name === 'faceapi');
      for (let i = 0; i < chunk.length; i++) feats[name].push(rows.slice(nv * i, nv * (i + 1)).map((r) => Array.from(r)));
      if (emb) emb.forEach((e, j) => feats.emb.set(e, (s * 2 + j) * 256));
    }
    onProgress?.(s + chunk.length);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(cj, JSON.stringify({ views: VIEWS_KEY, n: items.length, first: items[0]?.file, last: items[items.length - 1]?.file, faceapi: feats.faceapi, human: feats.human, own: feats.own }));
  writeFileSync(cb, Buffer.from(feats.emb.buffer));
  return feats;
}

/** Mirror-averaged face-api feature vector of item i. */
export function embRow(f: Feats, i: number): number[] {
  const out = new Array(256);
  for (let j = 0; j < 256; j++) out[j] = (f.emb[i * 512 + j] + f.emb[i * 512 + 256 + j]) / 2;
  return out;
}

export { loadModels };

/** Probabilities of one model: the plain crop, or all its TTA views combined as the library does. */
export function modelProbs(f: Feats, name: ClassifierName, i: number, tta: boolean): number[] {
  return tta ? Array.from(geoMean(f[name][i])) : f[name][i][0];
}

/** Mirror-only TTA (plain + mirrored crop), for comparison with the full TTA. */
export function flipProbs(f: Feats, name: 'faceapi' | 'human', i: number): number[] {
  return Array.from(geoMean(f[name][i].slice(0, 2)));
}

const EPS = 1e-6;

/** Ensemble design row: log-probs of each model (mirror-averaged when flip). */
export function designRow(f: Feats, models: readonly string[], i: number, flip: boolean): number[] {
  return models.flatMap((mname) => modelProbs(f, mname as 'faceapi' | 'human', i, flip).map((v) => Math.log(v + EPS)));
}

/**
 * Multinomial logistic regression with L2 on W (not b), full-batch gradient descent with Adam.
 * Returns W (7 × d) and b (7).
 */
export function fitLogistic(X: number[][], y: number[], l2: number, iters = 1500, init?: { W: number[][]; b: number[] }): { W: number[][]; b: number[] } {
  const n = X.length;
  const d = X[0].length;
  const K = 7;
  const W = init?.W.map((r) => r.slice()) ?? Array.from({ length: K }, () => new Array(d).fill(0));
  const b = init?.b.slice() ?? new Array(K).fill(0);
  const mW = W.map((r) => r.map(() => 0));
  const vW = W.map((r) => r.map(() => 0));
  const mb = new Array(K).fill(0);
  const vb = new Array(K).fill(0);
  const lr = 0.05;
  const z = new Float64Array(K);
  for (let t = 1; t <= iters; t++) {
    const gW = W.map((r) => r.map(() => 0));
    const gb = new Array(K).fill(0);
    for (let i = 0; i < n; i++) {
      const x = X[i];
      for (let k = 0; k < K; k++) {
        let s = b[k];
        const w = W[k];
        for (let j = 0; j < d; j++) s += w[j] * x[j];
        z[k] = s;
      }
      const p = softmax(z);
      for (let k = 0; k < K; k++) {
        const g = p[k] - (y[i] === k ? 1 : 0);
        gb[k] += g;
        const gw = gW[k];
        for (let j = 0; j < d; j++) gw[j] += g * x[j];
      }
    }
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < d; j++) {
        const g = gW[k][j] / n + l2 * W[k][j];
        mW[k][j] = 0.9 * mW[k][j] + 0.1 * g;
        vW[k][j] = 0.999 * vW[k][j] + 0.001 * g * g;
        W[k][j] -= (lr * (mW[k][j] / (1 - 0.9 ** t))) / (Math.sqrt(vW[k][j] / (1 - 0.999 ** t)) + 1e-8);
      }
      const g = gb[k] / n;
      mb[k] = 0.9 * mb[k] + 0.1 * g;
      vb[k] = 0.999 * vb[k] + 0.001 * g * g;
      b[k] -= (lr * (mb[k] / (1 - 0.9 ** t))) / (Math.sqrt(vb[k] / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  return { W, b };
}

export function predictLogistic(W: number[][], b: number[], x: number[]): Float32Array {
  const z = b.map((bk, k) => bk + W[k].reduce((s, w, j) => s + w * x[j], 0));
  return softmax(z);
}

export interface Metrics {
  n: number;
  accuracy: number;
  uar: number;
  macroF1: number;
  recall: Record<string, number>;
  /** confusion[true][pred] in CORE_LABELS order. */
  confusion: number[][];
}

export function metrics(y: number[], pred: number[], classes: readonly string[] = CORE_LABELS): Metrics {
  const K = classes.length;
  const C = Array.from({ length: K }, () => new Array(K).fill(0));
  for (let i = 0; i < y.length; i++) C[y[i]][pred[i]]++;
  const recall: Record<string, number> = {};
  const rec: number[] = [];
  const f1: number[] = [];
  for (let k = 0; k < K; k++) {
    const tp = C[k][k];
    const support = C[k].reduce((a, b) => a + b, 0);
    const predicted = C.reduce((a, r) => a + r[k], 0);
    if (support === 0) continue;
    const r = tp / support;
    const p = predicted ? tp / predicted : 0;
    recall[classes[k]] = round(r);
    rec.push(r);
    f1.push(p + r ? (2 * p * r) / (p + r) : 0);
  }
  const correct = C.reduce((a, r, k) => a + r[k], 0);
  return {
    n: y.length,
    accuracy: round(correct / Math.max(1, y.length)),
    uar: round(rec.reduce((a, b) => a + b, 0) / Math.max(1, rec.length)),
    macroF1: round(f1.reduce((a, b) => a + b, 0) / Math.max(1, f1.length)),
    recall,
    confusion: C,
  };
}

export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

export function round(v: number, d = 4): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}
