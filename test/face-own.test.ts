/**
 * emosig's own expression CNN (models/face/own_expression.onnx, trained by scripts/train-face-cnn.py on FER2013
 * Training): it loads through the same loader as the converted nets, returns rows of 7 probabilities in
 * CORE_LABELS order, reads the fixture faces' labels, and a missing or corrupt file is MODEL_MISSING /
 * MODEL_INVALID naming it. With ../shared, its accuracy on 500 FER2013 PrivateTest crops is checked against a floor.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { classify, ensureNet, loadModels, FACE_ONNX, type LoadedModels } from '../src/vision/models.js';
import { boxCrop, detectFaces } from '../src/vision/detect.js';
import { warpCrop, wholeImageSpec } from '../src/vision/crop.js';
import { decodeImage } from '../src/vision/decode.js';
import { modelPath } from '../src/runtime/paths.js';
import { EmosigError } from '../src/errors.js';
import { createFaceAnalyzer } from '../src/vision/index.js';
import { loadEnsemble } from '../src/vision/ensemble.js';
import { laplacianVariance } from '../src/vision/quality.js';
import sharp from 'sharp';
import { CORE_LABELS } from '../src/signature/labels.js';
import { ferItems, FER } from '../scripts/lib/face-data.js';

const FX = resolve(__dirname, '..', 'fixtures', 'face');

let m: LoadedModels;
beforeAll(async () => {
  m = await loadModels();
}, 60_000);

describe('own expression CNN (ONNX)', () => {
  it('loads and returns N rows of 7 probabilities (CORE_LABELS order) for a batch of 64×64 gray crops', async () => {
    const img = await decodeImage(join(FX, 'happy.jpg'));
    const [det] = await detectFaces(m, img, { inputSize: 320, minScore: 0.3 });
    expect(det).toBeDefined();
    const batch = new Float32Array(2 * 64 * 64);
    boxCrop(img, det.box, 64, true, false, batch, 0);
    boxCrop(img, det.box, 64, true, true, batch, 64 * 64);
    const rows = await classify(m, 'own', batch, 2);
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r).toHaveLength(7);
      expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      for (const v of r) expect(v).toBeGreaterThanOrEqual(0);
    }
    // a different picture gives different probabilities (the net is not constant)
    const flat = await classify(m, 'own', new Float32Array(64 * 64).fill(128), 1);
    expect(Math.max(...rows[0].map((v, k) => Math.abs(v - flat[0][k])))).toBeGreaterThan(0.05);
  });

  // (it reads anger.jpg, which face-api and human both read as surprise, as neutral; see MODEL_CARD.md)
  it("`model: 'own'` reads the happiness fixtures' label (happy.jpg and frame 5 of the happiness clip → joy)", async () => {
    const a = await createFaceAnalyzer({ model: 'own' });
    for (const [file, label] of [['happy.jpg', 'joy'], ['frames/frame_0005.jpg', 'joy']] as const) {
      const faces = await a.faces(await decodeImage(join(FX, file)));
      expect(faces.length).toBeGreaterThan(0);
      expect(faces[0].label).toBe(label);
    }
    expect(a.model).toBe('own');
  });

  it("the shipped blur gate pools face-api and the own CNN only (human not run): a blurred face reads as p ∝ p_faceapi^a · p_own^b", async () => {
    const e = loadEnsemble();
    expect(e.gate).toBeDefined();
    const g = e.gate!;
    expect(g.pool.human ?? 0).toBe(0);
    expect(g.pool.own ?? 0).toBeGreaterThan(0);
    // the happy fixture's face shrunk to 16 px and blown up to 96 px: a blurred pre-cropped face
    const img = await decodeImage(join(FX, 'happy.jpg'));
    const [det] = await detectFaces(m, img, { inputSize: 320, minScore: 0.3 });
    const small = Uint8Array.from(boxCrop(img, det.box, 16), (v) => Math.round(v));
    const { data } = await sharp(Buffer.from(small), { raw: { width: 16, height: 16, channels: 3 } }).resize(96, 96, { kernel: 'cubic' }).raw().toBuffer({ resolveWithObject: true });
    const blurred = { width: 96, height: 96, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    const gray = new Float32Array(64 * 64);
    warpCrop(blurred, wholeImageSpec(blurred), 64, true, false, gray, 0);
    expect(laplacianVariance(gray, 64)).toBeLessThan(g.lapVarBelow);
    const read = async (model: 'ensemble' | 'faceapi' | 'own') => (await (await createFaceAnalyzer({ model, assumeFace: true })).faces(blurred))[0].emotions as Record<string, number>;
    const [ens, fa, own] = [await read('ensemble'), await read('faceapi'), await read('own')];
    const z = CORE_LABELS.map((k) => Math.exp((g.pool.faceapi ?? 0) * Math.log(fa[k] + 1e-6) + g.pool.own! * Math.log(own[k] + 1e-6)));
    const sum = z.reduce((a, b) => a + b, 0);
    CORE_LABELS.forEach((k, i) => expect(Math.abs(ens[k] - z[i] / sum)).toBeLessThan(0.02));
    // and it is not the own CNN alone (face-api is weighted in)
    if ((g.pool.faceapi ?? 0) > 0) expect(Math.max(...CORE_LABELS.map((k) => Math.abs(ens[k] - own[k])))).toBeGreaterThan(0.001);
  });

  it('a missing or corrupt own_expression.onnx is MODEL_MISSING / MODEL_INVALID naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emosig-own-model-'));
    try {
      for (const net of ['faceapi', 'human'] as const) copyFileSync(modelPath('face', FACE_ONNX[net]), join(dir, FACE_ONNX[net]));
      const m2 = await loadModels({ dir });
      const e1 = await ensureNet(m2, 'own').catch((e) => e);
      expect(e1).toBeInstanceOf(EmosigError);
      expect(e1.code).toBe('MODEL_MISSING');
      expect(e1.message).toContain(FACE_ONNX.own);
      writeFileSync(join(dir, FACE_ONNX.own), Buffer.from('not an onnx model'));
      const e2 = await ensureNet(m2, 'own').catch((e) => e);
      expect(e2).toBeInstanceOf(EmosigError);
      expect(e2.code).toBe('MODEL_INVALID');
      expect(e2.message).toContain(FACE_ONNX.own);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const haveFer = existsSync(join(FER, 'labels.csv'));
describe.skipIf(!haveFer && process.env.CI !== 'true')('own CNN on FER2013 PrivateTest (needs ../shared/data/face)', () => {
  it('accuracy on 500 PrivateTest crops (even subsample) is at least 0.55 (chance 0.25 for the majority class)', async () => {
    const items = ferItems('PrivateTest', 500);
    expect(items.length).toBe(500);
    let correct = 0;
    const B = 100;
    for (let s = 0; s < items.length; s += B) {
      const chunk = items.slice(s, s + B);
      const imgs = await Promise.all(chunk.map((it) => decodeImage(it.file)));
      const gray = new Float32Array(chunk.length * 64 * 64);
      imgs.forEach((img, i) => warpCrop(img, wholeImageSpec(img), 64, true, false, gray, i * 64 * 64));
      const rows = await classify(m, 'own', gray, chunk.length);
      rows.forEach((r, i) => {
        let best = 0;
        for (let k = 1; k < 7; k++) if (r[k] > r[best]) best = k;
        if (best === chunk[i].y) correct++;
      });
    }
    expect(correct / items.length).toBeGreaterThanOrEqual(0.55);
    expect(CORE_LABELS).toHaveLength(7);
  }, 60_000);
});
