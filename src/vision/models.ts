/**
 * The face models, loaded from the installed npm packages (never copied, never downloaded):
 * - `@vladmandic/face-api`: TinyFaceDetector and SSD MobileNet v1 detectors, the 68-point landmark
 *   nets and FaceExpressionNet (112×112 RGB; neutral, happy, sad, angry, fearful, disgusted, surprised).
 * - `@vladmandic/human`: the mini-Xception emotion model (oarriaga, 64×64 gray; angry, disgust, fear,
 *   happy, sad, surprise, neutral), loaded as a TF.js graph model.
 * Both classifiers' outputs are reordered to CORE_LABELS order.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { EmosigError } from '../errors.js';
import { packageFile, packageRoot } from '../runtime/paths.js';
import { getTfjs, type Tf, type TfjsOptions, type TfjsRuntime } from '../runtime/tfjs.js';

const req = createRequire(join(packageRoot(), 'package.json'));

/** Classifier names. */
export type ClassifierName = 'faceapi' | 'human';
export const CLASSIFIERS: readonly ClassifierName[] = ['faceapi', 'human'];
/** Detector names. */
export type DetectorName = 'tiny' | 'ssd';

/** Input side of each classifier. */
export const CLASSIFIER_INPUT: Record<ClassifierName, { size: number; gray: boolean }> = {
  faceapi: { size: 112, gray: false },
  human: { size: 64, gray: true },
};

// face-api: neutral, happy, sad, angry, fearful, disgusted, surprised == CORE_LABELS order.
const FACEAPI_TO_CORE = [0, 1, 2, 3, 4, 5, 6];
// human (oarriaga): angry, disgust, fear, happy, sad, surprise, neutral → core index of each output.
const HUMAN_TO_CORE = [3, 5, 4, 1, 2, 6, 0];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FaceApi = any;
type GraphModel = import('@tensorflow/tfjs').GraphModel;

export interface LoadedModels {
  rt: TfjsRuntime;
  faceapi: FaceApi;
  human: GraphModel;
  loaded: Set<string>;
  /** Milliseconds spent loading (backend start + weights) the first time. */
  loadMs: number;
}

/**
 * Absolute path of a file inside an installed package. Uses `packageFile` and falls back to walking up
 * from the package's entry point for packages whose `exports` hide package.json (e.g. @vladmandic/human).
 */
export function modelFile(pkg: string, file: string): string {
  try {
    return packageFile(pkg, file);
  } catch {
    let dir: string;
    try {
      dir = dirname(req.resolve(pkg));
    } catch (e) {
      throw new EmosigError('MODEL_MISSING', `package ${pkg} is not installed (needed for ${file}); reinstall emosig's dependencies`, { cause: e });
    }
    for (let i = 0; i < 6; i++) {
      const pj = join(dir, 'package.json');
      if (existsSync(pj)) {
        try {
          if (JSON.parse(readFileSync(pj, 'utf8')).name === pkg) return join(dir, file);
        } catch {
          /* keep walking */
        }
      }
      dir = dirname(dir);
    }
    throw new EmosigError('MODEL_MISSING', `cannot locate the folder of package ${pkg}`);
  }
}

let cache: Promise<LoadedModels> | undefined;
const t0 = () => performance.now();

/** Load the TF.js backend, face-api and the human emotion model once per process. */
export function loadModels(opts: TfjsOptions = {}): Promise<LoadedModels> {
  if (!cache) {
    cache = (async () => {
      const start = t0();
      const rt = await getTfjs(opts);
      let faceapi: FaceApi;
      try {
        // The node-wasm build requires @tensorflow/tfjs (+ wasm) — the same engine getTfjs set up.
        faceapi = req(rt.backend === 'tensorflow' ? '@vladmandic/face-api/dist/face-api.node.js' : '@vladmandic/face-api/dist/face-api.node-wasm.js');
      } catch (e) {
        throw new EmosigError('MODEL_MISSING', `@vladmandic/face-api could not be loaded (${(e as Error).message}); reinstall emosig's dependencies`, { cause: e });
      }
      const dir = modelFile('@vladmandic/face-api', 'model');
      try {
        await faceapi.nets.faceExpressionNet.loadFromDisk(dir);
      } catch (e) {
        throw new EmosigError('MODEL_MISSING', `face-api expression model not found in ${dir} (${(e as Error).message})`, { cause: e });
      }
      const human = await loadGraphModel(rt.tf, modelFile('@vladmandic/human', 'models/emotion.json'));
      return { rt, faceapi, human, loaded: new Set(['faceExpressionNet']), loadMs: t0() - start };
    })().catch((e) => {
      cache = undefined;
      throw e;
    });
  }
  return cache;
}

const NET_FOR: Record<string, string> = {
  tiny: 'tinyFaceDetector',
  ssd: 'ssdMobilenetv1',
  landmarks: 'faceLandmark68Net',
  landmarksTiny: 'faceLandmark68TinyNet',
};

/** Make sure a face-api net (detector or landmarks) is loaded. */
export async function ensureNet(m: LoadedModels, which: keyof typeof NET_FOR): Promise<void> {
  const name = NET_FOR[which];
  if (m.loaded.has(name)) return;
  const dir = modelFile('@vladmandic/face-api', 'model');
  try {
    await m.faceapi.nets[name].loadFromDisk(dir);
  } catch (e) {
    throw new EmosigError('MODEL_MISSING', `face-api model ${name} not found in ${dir} (${(e as Error).message})`, { cause: e });
  }
  m.loaded.add(name);
}

/** Load a TF.js graph model (model.json + .bin shards) from disk without tfjs-node's file:// handler. */
export async function loadGraphModel(tf: Tf, jsonPath: string): Promise<GraphModel> {
  let json: {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[] }[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
    userDefinedMetadata?: Record<string, unknown>;
    signature?: object;
  };
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (e) {
    throw new EmosigError('MODEL_MISSING', `model file ${jsonPath} is missing or not JSON (${(e as Error).message})`, { cause: e });
  }
  const base = jsonPath.slice(0, jsonPath.lastIndexOf('/') + 1);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const bufs: Buffer[] = [];
  for (const g of json.weightsManifest) for (const p of g.paths) bufs.push(await readFile(base + p));
  const all = Buffer.concat(bufs);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const handler = {
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs,
      weightData,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      userDefinedMetadata: json.userDefinedMetadata,
      signature: json.signature,
    }),
  };
  try {
    return await tf.loadGraphModel(handler as unknown as import('@tensorflow/tfjs').io.IOHandler);
  } catch (e) {
    throw new EmosigError('MODEL_INVALID', `could not load graph model ${jsonPath} (${(e as Error).message})`, { cause: e });
  }
}

/**
 * Run a classifier on a batch of prepared crops (see `crop.ts`): faceapi takes N×112×112×3 RGB 0..255,
 * human takes N×64×64 gray 0..255. Returns N rows of 7 probabilities in CORE_LABELS order.
 */
export async function classify(m: LoadedModels, name: ClassifierName, crops: Float32Array, n: number): Promise<Float32Array[]> {
  return (await classifyEx(m, name, crops, n, false)).probs;
}

/**
 * Like `classify`; with `embed` (faceapi only) also returns FaceExpressionNet's 256-d feature vector
 * (the input of its last fully connected layer), used by the ensemble's FER-fitted linear head.
 */
export async function classifyEx(
  m: LoadedModels,
  name: ClassifierName,
  crops: Float32Array,
  n: number,
  embed: boolean,
): Promise<{ probs: Float32Array[]; emb?: Float32Array[] }> {
  if (n === 0) return { probs: [], emb: embed ? [] : undefined };
  const { tf } = m.rt;
  const { size, gray } = CLASSIFIER_INPUT[name];
  const ch = gray ? 1 : 3;
  type T = import('@tensorflow/tfjs').Tensor;
  let out: T;
  let feat: T | undefined;
  if (name === 'faceapi') {
    const x = tf.tensor4d(crops, [n, size, size, ch]);
    try {
      [out, feat] = tf.tidy(() => {
        const net = m.faceapi.nets.faceExpressionNet;
        // FaceFeatureExtractor.forwardInput subtracts the mean RGB and divides by 255 itself.
        const input = new m.faceapi.NetInput(tf.unstack(x), true);
        const f = net.faceFeatureExtractor.forwardInput(input) as T;
        const f2 = f.as2D(n, -1);
        const fc = net.params.fc;
        const logits = tf.add(tf.matMul(f2, fc.weights), fc.bias);
        return [tf.softmax(logits), f2] as [T, T];
      });
    } finally {
      x.dispose();
    }
  } else {
    out = tf.tidy(() => {
      const x = tf.tensor4d(crops, [n, size, size, 1]);
      const norm = x.div(255).sub(0.5).mul(2);
      return m.human.execute(norm) as T;
    });
  }
  const data = (await out.data()) as Float32Array;
  out.dispose();
  let emb: Float32Array[] | undefined;
  if (feat) {
    const fd = (await feat.data()) as Float32Array;
    feat.dispose();
    if (embed) emb = Array.from({ length: n }, (_, i) => fd.slice(i * 256, (i + 1) * 256));
  }
  const map = name === 'faceapi' ? FACEAPI_TO_CORE : HUMAN_TO_CORE;
  const probs: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const r = new Float32Array(7);
    for (let k = 0; k < 7; k++) r[map[k]] = data[i * 7 + k];
    probs.push(r);
  }
  return { probs, emb };
}
