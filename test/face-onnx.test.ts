/**
 * The converted ONNX face models (models/face/*.onnx, scripts/face-convert.ts) against their TF.js
 * originals (@vladmandic/face-api, @vladmandic/human; devDependencies, used here only): same crops in,
 * max abs difference of the outputs. Fixture faces always; ≥ 500 FER2013 faces when ../shared is present.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { loadModels, runNet, classify, FACE_ONNX, HUMAN_TO_CORE, type LoadedModels } from '../src/vision/models.js';
import { boxCrop, detectFaces, detectorInput } from '../src/vision/detect.js';
import { warpCrop, wholeImageSpec } from '../src/vision/crop.js';
import { decodeImage } from '../src/vision/decode.js';
import { modelPath } from '../src/runtime/paths.js';
import { EmosigError } from '../src/errors.js';
import { createFaceAnalyzer } from '../src/vision/index.js';
import { CORE_LABELS } from '../src/signature/labels.js';
import { loadRef, refDetectorGrid, refExpression, refHuman, refLandmarks, faceapiPipeline, type Ref } from '../scripts/lib/face-ref.js';
import { ferItems, FER } from '../scripts/lib/face-data.js';
import type { RgbImage } from '../src/vision/types.js';

const FX = resolve(__dirname, '..', 'fixtures', 'face');
const maxDiff = (a: ArrayLike<number>[], b: ArrayLike<number>[]) => {
  let m = 0;
  a.forEach((r, i) => {
    for (let k = 0; k < r.length; k++) m = Math.max(m, Math.abs(r[k] - b[i][k]));
  });
  return m;
};
const rows = (d: Float32Array, n: number, k: number) => Array.from({ length: n }, (_, i) => d.subarray(i * k, (i + 1) * k));

let m: LoadedModels;
let ref: Ref;
let images: RgbImage[];
beforeAll(async () => {
  m = await loadModels();
  ref = await loadRef();
  const files = ['happy.jpg', 'anger.jpg', ...readdirSync(join(FX, 'frames')).map((f) => join('frames', f))];
  images = await Promise.all(files.map((f) => decodeImage(join(FX, f))));
}, 60_000);

describe('face ONNX models agree with the TF.js originals (fixtures)', () => {
  it('TinyFaceDetector: same output grid and the same boxes as face-api', async () => {
    for (const img of images) {
      // ours takes planar (NCHW) pixels, face-api interleaved (NHWC): the same resized frame
      const { grid } = await runNet(m, 'detector', detectorInput(img, 320), [1, 3, 320, 320]);
      const want = await refDetectorGrid(ref, detectorInput(img, 320, undefined, false), 320);
      expect(maxDiff([grid], [want])).toBeLessThan(1e-3);
      const ours = await detectFaces(m, img, { inputSize: 320, minScore: 0.3, landmarks: 'none' });
      const theirs = await faceapiPipeline(ref, img, 320, 0.3);
      expect(ours.length).toBe(theirs.length);
      for (let i = 0; i < ours.length; i++) {
        const t = theirs.find((f) => Math.abs(f.score - ours[i].score) < 1e-4)!;
        expect(t).toBeDefined();
        for (let k = 0; k < 4; k++) expect(Math.abs(ours[i].box[k] - t.box[k])).toBeLessThan(0.05);
      }
    }
  });

  it('expression, landmark and human nets: max abs difference < 1e-4 on face crops', async () => {
    const n = images.length;
    const rgb = new Float32Array(n * 112 * 112 * 3);
    const gray = new Float32Array(n * 64 * 64);
    for (let i = 0; i < n; i++) {
      const [d] = await detectFaces(m, images[i], { inputSize: 320, minScore: 0.3, landmarks: 'none' });
      expect(d).toBeDefined();
      boxCrop(images[i], d.box, 112, false, false, rgb, i * 112 * 112 * 3);
      boxCrop(images[i], d.box, 64, true, false, gray, i * 64 * 64);
    }
    const ex = await runNet(m, 'faceapi', rgb, [n, 112, 112, 3]);
    expect(maxDiff(rows(ex.probs, n, 7), await refExpression(ref, rgb, n))).toBeLessThan(1e-4);
    for (const tiny of [true, false]) {
      const lm = await runNet(m, tiny ? 'landmarksTiny' : 'landmarks', rgb, [n, 112, 112, 3]);
      expect(maxDiff(rows(lm.landmarks, n, 136), await refLandmarks(ref, rgb, n, tiny))).toBeLessThan(1e-4);
    }
    const hu = await runNet(m, 'human', gray, [n, 64, 64, 1]);
    expect(maxDiff(rows(hu.probs, n, 7), await refHuman(ref, gray, n))).toBeLessThan(1e-4);
  });

  it("`model: 'faceapi'` is face-api's own pipeline: same faces, same probabilities", async () => {
    const a = await createFaceAnalyzer({ model: 'faceapi' });
    for (const img of images) {
      const ours = await a.faces(img);
      const theirs = await faceapiPipeline(ref, img, 320, 0.3);
      expect(ours.length).toBe(theirs.length);
      const t = theirs.sort((x, y) => y.box[2] * y.box[3] - x.box[2] * x.box[3])[0];
      CORE_LABELS.forEach((l, k) => expect(Math.abs(ours[0].emotions[l] - t.probs[k])).toBeLessThan(1e-3));
    }
  });

  it('a missing or corrupt .onnx file is MODEL_MISSING / MODEL_INVALID naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emosig-face-models-'));
    try {
      const e1 = await loadModels({ dir }).catch((e) => e);
      expect(e1).toBeInstanceOf(EmosigError);
      expect(e1.code).toBe('MODEL_MISSING');
      expect(e1.message).toContain(FACE_ONNX.faceapi);
      copyFileSync(modelPath('face', FACE_ONNX.faceapi), join(dir, FACE_ONNX.faceapi));
      writeFileSync(join(dir, FACE_ONNX.human), Buffer.from('not an onnx model'));
      const e2 = await loadModels({ dir }).catch((e) => e);
      expect(e2).toBeInstanceOf(EmosigError);
      expect(e2.code).toBe('MODEL_INVALID');
      expect(e2.message).toContain(FACE_ONNX.human);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const haveFer = existsSync(join(FER, 'labels.csv'));
describe.skipIf(!haveFer && process.env.CI !== 'true')('face ONNX models agree with the TF.js originals on 500 FER2013 faces (needs ../shared/data/face)', () => {
  it('max abs probability difference < 1e-4 for FaceExpressionNet and human emotion', async () => {
    const items = ferItems('PrivateTest', 500);
    expect(items.length).toBe(500);
    let dFa = 0;
    let dHu = 0;
    const B = 50;
    for (let s = 0; s < items.length; s += B) {
      const chunk = await Promise.all(items.slice(s, s + B).map((it) => decodeImage(it.file)));
      const n = chunk.length;
      const rgb = new Float32Array(n * 112 * 112 * 3);
      const gray = new Float32Array(n * 64 * 64);
      chunk.forEach((img, i) => {
        warpCrop(img, wholeImageSpec(img), 112, false, false, rgb, i * 112 * 112 * 3);
        warpCrop(img, wholeImageSpec(img), 64, true, false, gray, i * 64 * 64);
      });
      dFa = Math.max(dFa, maxDiff(await classify(m, 'faceapi', rgb, n), await refExpression(ref, rgb, n)));
      // human's reference is in its own label order; ours is reordered to CORE_LABELS
      const hu = await classify(m, 'human', gray, n);
      const hr = (await refHuman(ref, gray, n)).map((r) => {
        const o = new Float32Array(7);
        for (let k = 0; k < 7; k++) o[HUMAN_TO_CORE[k]] = r[k];
        return o;
      });
      dHu = Math.max(dHu, maxDiff(hu, hr));
    }
    console.log(`FER2013 500 faces: max |Δp| FaceExpressionNet ${dFa.toExponential(2)}, human emotion ${dHu.toExponential(2)}`);
    expect(dFa).toBeLessThan(1e-4);
    expect(dHu).toBeLessThan(1e-4);
  }, 120_000);
});
