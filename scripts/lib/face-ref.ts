/**
 * The TF.js originals of the face models, for agreement tests and the parity bench only (TF.js,
 * @vladmandic/face-api and @vladmandic/human are devDependencies; nothing in src/ imports them).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../src/runtime/paths.js';
import { modelFile } from './face-pkg.js';

const req = createRequire(join(packageRoot(), 'package.json'));
type Tf = typeof import('@tensorflow/tfjs');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FaceApi = any;

export interface Ref {
  tf: Tf;
  faceapi: FaceApi;
  human: import('@tensorflow/tfjs').GraphModel;
  backend: string;
}

let ready: Promise<Ref> | undefined;

/** TF.js on its wasm backend (one thread), face-api's nets and human's emotion graph model. */
export function loadRef(): Promise<Ref> {
  ready ??= (async () => {
    const tf = req('@tensorflow/tfjs') as Tf;
    tf.env().set('IS_NODE', true);
    let backend = 'wasm';
    try {
      const wasm = req('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      const dir = dirname(req.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(dir + '/');
      wasm.setThreadsCount(1);
      if (!(await tf.setBackend('wasm'))) throw new Error('no wasm');
    } catch {
      backend = 'cpu';
      await tf.setBackend('cpu');
    }
    await tf.ready();
    const faceapi = req('@vladmandic/face-api/dist/face-api.node-wasm.js');
    const dir = modelFile('@vladmandic/face-api', 'model');
    for (const net of ['tinyFaceDetector', 'faceLandmark68Net', 'faceLandmark68TinyNet', 'faceExpressionNet']) await faceapi.nets[net].loadFromDisk(dir);
    const human = await loadGraphModel(tf, modelFile('@vladmandic/human', 'models/emotion.json'));
    return { tf, faceapi, human, backend };
  })();
  return ready;
}

async function loadGraphModel(tf: Tf, jsonPath: string): Promise<import('@tensorflow/tfjs').GraphModel> {
  const json = JSON.parse(await readFile(jsonPath, 'utf8'));
  const base = jsonPath.slice(0, jsonPath.lastIndexOf('/') + 1);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const weightSpecs = json.weightsManifest.flatMap((g: any) => g.weights);
  const bufs: Buffer[] = [];
  for (const g of json.weightsManifest) for (const p of g.paths) bufs.push(await readFile(base + p));
  const all = Buffer.concat(bufs);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const handler = { load: async () => ({ modelTopology: json.modelTopology, weightSpecs, weightData, format: json.format, signature: json.signature }) };
  return tf.loadGraphModel(handler as unknown as import('@tensorflow/tfjs').io.IOHandler);
}

type TT = import('@tensorflow/tfjs').Tensor;

async function rows(t: TT, n: number, k: number): Promise<Float32Array[]> {
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return Array.from({ length: n }, (_, i) => d.slice(i * k, (i + 1) * k));
}

/** FaceExpressionNet probabilities (face-api's order) for N×112×112×3 RGB 0..255 crops. */
export async function refExpression(r: Ref, crops: Float32Array, n: number): Promise<Float32Array[]> {
  const { tf } = r;
  const out = tf.tidy(() => {
    const x = tf.tensor4d(crops, [n, 112, 112, 3]);
    const net = r.faceapi.nets.faceExpressionNet;
    return tf.softmax(net.runNet(new r.faceapi.NetInput(tf.unstack(x), true))) as TT;
  });
  return rows(out, n, 7);
}

/** Raw 136 outputs of a landmark net (before face-api's post-processing) for 112×112 crops. */
export async function refLandmarks(r: Ref, crops: Float32Array, n: number, tiny: boolean): Promise<Float32Array[]> {
  const { tf } = r;
  const out = tf.tidy(() => {
    const x = tf.tensor4d(crops, [n, 112, 112, 3]);
    const net = tiny ? r.faceapi.nets.faceLandmark68TinyNet : r.faceapi.nets.faceLandmark68Net;
    return net.runNet(new r.faceapi.NetInput(tf.unstack(x), true)) as TT;
  });
  return rows(out, n, 136);
}

/** TinyFaceDetector's raw output grid (S/32 × S/32 × 25) for one S×S RGB 0..255 input. */
export async function refDetectorGrid(r: Ref, img: Float32Array, size: number): Promise<Float32Array> {
  const { tf } = r;
  const out = tf.tidy(() => {
    const x = tf.tensor4d(img, [1, size, size, 3]);
    return r.faceapi.nets.tinyFaceDetector.forwardInput(new r.faceapi.NetInput(tf.unstack(x), true), size) as TT;
  });
  return (await rows(out, 1, out.size))[0];
}

/** human's emotion model probabilities (its own order: angry, disgust, fear, happy, sad, surprise, neutral) for 64×64 gray 0..255. */
export async function refHuman(r: Ref, crops: Float32Array, n: number): Promise<Float32Array[]> {
  const { tf } = r;
  const out = tf.tidy(() => {
    const x = tf.tensor4d(crops, [n, 64, 64, 1]);
    return r.human.execute(x.div(255).sub(0.5).mul(2)) as TT;
  });
  return rows(out, n, 7);
}

export interface RefFace {
  box: [number, number, number, number];
  score: number;
  /** face-api's expression probabilities, face-api's order (= emosig's core order). */
  probs: number[];
}

/** face-api's own pipeline: detectAllFaces(TinyFaceDetector inputSize, scoreThreshold).withFaceExpressions(). */
export async function faceapiPipeline(r: Ref, img: { width: number; height: number; data: Uint8Array }, inputSize = 320, scoreThreshold = 0.3): Promise<RefFace[]> {
  const t = r.tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
  try {
    const fa = r.faceapi;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const res: any[] = await fa.detectAllFaces(t, new fa.TinyFaceDetectorOptions({ inputSize, scoreThreshold })).withFaceExpressions();
    return res.map((f) => {
      const e = f.expressions;
      return {
        box: [f.detection.box.x, f.detection.box.y, f.detection.box.width, f.detection.box.height],
        score: f.detection.score,
        probs: [e.neutral, e.happy, e.sad, e.angry, e.fearful, e.disgusted, e.surprised],
      };
    });
  } finally {
    t.dispose();
  }
}
