/**
 * The face models, as ONNX files in models/face/ run on onnxruntime-node (one thread per model). They are
 * converted once at development time by scripts/face-convert.ts from MIT-licensed npm packages:
 * - `@vladmandic/face-api`: TinyFaceDetector, the 68-point landmark nets (tiny and full) and
 *   FaceExpressionNet (112×112 RGB; neutral, happy, sad, angry, fearful, disgusted, surprised);
 * - `@vladmandic/human`: the mini-Xception emotion model (oarriaga, 64×64 gray; angry, disgust, fear,
 *   happy, sad, surprise, neutral).
 * Plus emosig's own compact expression CNN (`own`; trained on FER2013 Training by scripts/train-face-cnn.py,
 * research use only; 64×64 gray, outputs already in CORE_LABELS order).
 * Each graph takes NHWC float pixels 0..255 and normalises inside. Classifier outputs are reordered to
 * CORE_LABELS order. No TF.js at run time.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadOnnx, ort, type LoadedSession } from '../runtime/onnx.js';
import { loadModel, recordModel } from '../runtime/registry.js';
import { modelPath } from '../runtime/paths.js';

/** Classifier names. */
export type ClassifierName = 'faceapi' | 'human' | 'own';
export const CLASSIFIERS: readonly ClassifierName[] = ['faceapi', 'human', 'own'];
/** Detector names (TinyFaceDetector). */
export type DetectorName = 'tiny';
/** The runtime every face model runs on. */
/** Where the face nets ran: native onnxruntime-node, or onnxruntime-web's wasm backend when the native one is absent. */
export type FaceBackendName = 'onnxruntime-node/cpu' | 'onnxruntime-web/wasm';

/** Input side of each classifier. */
export const CLASSIFIER_INPUT: Record<ClassifierName, { size: number; gray: boolean }> = {
  faceapi: { size: 112, gray: false },
  human: { size: 64, gray: true },
  own: { size: 64, gray: true },
};

/** The ONNX files in models/face/. */
export const FACE_ONNX = {
  detector: 'tiny_face_detector.onnx',
  landmarksTiny: 'face_landmark_68_tiny.onnx',
  landmarks: 'face_landmark_68.onnx',
  faceapi: 'face_expression.onnx',
  human: 'human_emotion.onnx',
  own: 'own_expression.onnx',
} as const;
export type FaceNet = keyof typeof FACE_ONNX;

// face-api: neutral, happy, sad, angry, fearful, disgusted, surprised == CORE_LABELS order.
const FACEAPI_TO_CORE = [0, 1, 2, 3, 4, 5, 6];
// human (oarriaga): angry, disgust, fear, happy, sad, surprise, neutral → core index of each output.
export const HUMAN_TO_CORE = [3, 5, 4, 1, 2, 6, 0];
// own: trained in CORE_LABELS order.
const OWN_TO_CORE = [0, 1, 2, 3, 4, 5, 6];
const TO_CORE: Record<ClassifierName, number[]> = { faceapi: FACEAPI_TO_CORE, human: HUMAN_TO_CORE, own: OWN_TO_CORE };

export interface LoadedModels {
  backend: FaceBackendName;
  /** Folder of the .onnx files (default: emosig's models/face). */
  dir: string;
  sessions: Partial<Record<FaceNet, LoadedSession>>;
  /** Milliseconds spent loading the classifiers the first time. */
  loadMs: number;
}

/** Path of a face model file. */
export function faceModelPath(net: FaceNet, dir = modelPath('face')): string {
  return join(dir, FACE_ONNX[net]);
}

/** Load one face net (once per process; MODEL_MISSING / MODEL_INVALID name the file). */
export async function ensureNet(m: LoadedModels, net: FaceNet): Promise<LoadedSession> {
  const have = m.sessions[net];
  if (have) return have;
  const path = faceModelPath(net, m.dir);
  const s = await loadOnnx(path, { intraOpThreads: 1 }, `face model ${basename(path)}`);
  m.sessions[net] = s;
  return s;
}

/**
 * Load the face-api and human expression classifiers once per process (the detector, landmark nets and the own
 * CNN load on first use).
 * `dir` points at another folder of the same .onnx files (not cached). A missing file is MODEL_MISSING,
 * one onnxruntime cannot read is MODEL_INVALID; both name the file.
 */
export function loadModels(opts: { dir?: string } = {}): Promise<LoadedModels> {
  const load = async () => {
    const start = performance.now();
    const m: LoadedModels = { backend: 'onnxruntime-node/cpu', dir: opts.dir ?? modelPath('face'), sessions: {}, loadMs: 0 };
    m.backend = (await ensureNet(m, 'faceapi')).backend as FaceBackendName;
    await ensureNet(m, 'human');
    m.loadMs = performance.now() - start;
    return m;
  };
  const dir = opts.dir ?? modelPath('face');
  return loadModel({ name: 'face', path: dir, versionFile: faceModelPath('human', dir) }, async () => {
    const m = await load();
    const card = ensembleCard(dir);
    recordModel({ name: 'face', model: 'emosig-face', version: card.version, ...(card.license ? { license: card.license } : {}), backend: m.backend, path: dir });
    return m;
  });
}

/** Version ("onnx" plus the version of its ensemble.json when present) and licence of a face-model folder. */
function ensembleCard(dir: string): { version: string; license?: string } {
  try {
    const e = JSON.parse(readFileSync(join(dir, 'ensemble.json'), 'utf8')) as { version?: unknown; license?: unknown };
    return { version: `onnx/ensemble-${String(e.version)}`, ...(typeof e.license === 'string' ? { license: e.license } : {}) };
  } catch {
    return { version: 'onnx' };
  }
}

/** Run a net on an NHWC batch; returns the named outputs. */
export async function runNet(m: LoadedModels, net: FaceNet, data: Float32Array, dims: number[]): Promise<Record<string, Float32Array>> {
  const s = await ensureNet(m, net);
  const out = await s.session.run({ input: new ort.Tensor('float32', data, dims) });
  const res: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(out)) {
    res[k] = v.data as Float32Array;
    v.dispose?.();
  }
  return res;
}

/**
 * Run a classifier on a batch of prepared crops (see `crop.ts`): faceapi takes N×112×112×3 RGB 0..255,
 * human and own take N×64×64 gray 0..255. Returns N rows of 7 probabilities in CORE_LABELS order.
 */
export async function classify(m: LoadedModels, name: ClassifierName, crops: Float32Array, n: number): Promise<Float32Array[]> {
  return (await classifyEx(m, name, crops, n, false)).probs;
}

/** Like `classify`; with `embed` (faceapi only) also returns FaceExpressionNet's 256-d feature vector. */
export async function classifyEx(
  m: LoadedModels,
  name: ClassifierName,
  crops: Float32Array,
  n: number,
  embed: boolean,
): Promise<{ probs: Float32Array[]; emb?: Float32Array[] }> {
  if (n === 0) return { probs: [], emb: embed ? [] : undefined };
  const { size, gray } = CLASSIFIER_INPUT[name];
  const out = await runNet(m, name, crops.length === n * size * size * (gray ? 1 : 3) ? crops : crops.subarray(0, n * size * size * (gray ? 1 : 3)), [n, size, size, gray ? 1 : 3]);
  const data = out.probs;
  const map = TO_CORE[name];
  const probs: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const r = new Float32Array(7);
    for (let k = 0; k < 7; k++) r[map[k]] = data[i * 7 + k];
    probs.push(r);
  }
  let emb: Float32Array[] | undefined;
  if (embed && out.features) emb = Array.from({ length: n }, (_, i) => out.features.slice(i * 256, (i + 1) * 256));
  return { probs, emb };
}
