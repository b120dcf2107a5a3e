import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { readCorpus, haveSpeechData, loadClip16k, SPEECH_DIR } from '../scripts/lib/voice-data.js';
import { trainHeads, fitVoiceHeads, predictVoiceHeads, exportVoiceHeads, speakerBaseline, spearman, scoreClasses, mulberry32, DEFAULT_HEADS } from '../src/audio/trainer.js';

/** Three Gaussian blobs in 6-D; arousal = class index − 1. */
function blobs(n: number, seed: number) {
  const r = mulberry32(seed);
  const g = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const xs: Float32Array[] = [];
  const y: number[] = [];
  const va: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    xs.push(Float32Array.from({ length: 6 }, (_, d) => (d === k ? 3 : 0) + g() + 10 * (d === 5 ? 1 : 0)));
    y.push(k);
    va.push([k - 1, Number.NaN]);
  }
  return { xs, y, va };
}

describe('voice learner (src/audio/trainer.ts)', () => {
  it('learns separable classes and an arousal ranking, linear and with random Fourier features', () => {
    const tr = blobs(300, 1);
    const te = blobs(150, 2);
    for (const [rff, hidden, dropout, ensemble] of [[0, 0, 0, 1], [128, 0, 0, 1], [0, 32, 0, 1], [0, [32, 16], 0.3, 2]] as const) {
      const m = fitVoiceHeads(tr.xs, tr.y, tr.va, 3, { ...DEFAULT_HEADS, rff, hidden: hidden as number | number[], dropout, ensemble, epochs: 20 });
      const p = predictVoiceHeads(m, te.xs);
      const pred = p.probs.map((q) => q.indexOf(Math.max(...q)));
      expect(scoreClasses(te.y, pred, 3).uar).toBeGreaterThan(0.9);
      expect(spearman(p.va.map((v) => v[0]), te.va.map((v) => v[0]))).toBeGreaterThan(0.7);
    }
  });

  it('per-feature L2 multipliers shrink the weights of the features they penalise, linear and in the first hidden layer', () => {
    const tr = blobs(300, 5);
    const rowNorm = (W: Float32Array, width: number, f: number) => Math.hypot(...W.subarray(f * width, (f + 1) * width));
    const cfg = { ...DEFAULT_HEADS, epochs: 60, lr: 0.03 };
    const plain = trainHeads(tr.xs, tr.y, tr.va, 3, cfg);
    const mult = [1, 1, 1000, 1, 1, 1];
    const pen = trainHeads(tr.xs, tr.y, tr.va, 3, cfg, undefined, mult);
    // feature 2 carries class 2: unpenalised it has a large weight row, penalised 1000× it nearly vanishes
    expect(rowNorm(pen.W, 3, 2)).toBeLessThan(0.2 * rowNorm(plain.W, 3, 2));
    expect(rowNorm(pen.W, 3, 0)).toBeGreaterThan(0.5 * rowNorm(plain.W, 3, 0));
    const deep = trainHeads(tr.xs, tr.y, tr.va, 3, { ...cfg, hidden: 8 }, undefined, mult);
    const deepPlain = trainHeads(tr.xs, tr.y, tr.va, 3, { ...cfg, hidden: 8 });
    expect(rowNorm(deep.hidden![0].W, 8, 2)).toBeLessThan(0.2 * rowNorm(deepPlain.hidden![0].W, 8, 2));
    expect(() => trainHeads(tr.xs, tr.y, tr.va, 3, cfg, undefined, [1, 2])).toThrow(/one multiplier per input feature/);
  });

  it('is deterministic for a seed', () => {
    const tr = blobs(60, 3);
    const a = trainHeads(tr.xs, tr.y, tr.va, 3, { ...DEFAULT_HEADS, epochs: 3 });
    const b = trainHeads(tr.xs, tr.y, tr.va, 3, { ...DEFAULT_HEADS, epochs: 3 });
    expect(Array.from(a.W)).toEqual(Array.from(b.W));
  });

  it('the exported ONNX graph computes what the trained model computes (probs and va), with a feature subset, for RFF, deep and ensembled models', async () => {
    const tr = blobs(90, 4);
    for (const extra of [{ rff: 32, hidden: 8 }, { hidden: [8, 4], dropout: 0.3, ensemble: 3 }]) {
    const m = fitVoiceHeads(tr.xs, tr.y, tr.va, 3, { ...DEFAULT_HEADS, ...extra, epochs: 5 }, [0, 1, 2, 4]);
    const bytes = exportVoiceHeads(m, 6, { producer: 'test', doc: '', props: {} });
    const s = await ort.InferenceSession.create(bytes);
    const x = new Float32Array(tr.xs.length * 6);
    tr.xs.forEach((v, i) => x.set(v, i * 6));
    const out = await s.run({ features: new ort.Tensor('float32', x, [tr.xs.length, 6]) });
    const want = predictVoiceHeads(m, tr.xs);
    const probs = out.probs.data as Float32Array;
    const va = out.va.data as Float32Array;
    want.probs.forEach((p, i) => p.forEach((v, k) => expect(Math.abs(v - probs[i * 3 + k])).toBeLessThan(1e-4)));
    want.va.forEach((v, i) => expect(Math.abs(v[0] - va[i * 2])).toBeLessThan(1e-4));
    }
  });

  it('a calm baseline takes its mean from the lowest-arousal segments', () => {
    const xs = [0, 1, 2, 10, 11, 12, 13, 14, 15, 16].map((v) => Float32Array.of(v));
    const arousal = [0, 0.1, 0.2, 1, 1, 1, 1, 1, 1, 1];
    expect(speakerBaseline(xs, arousal, { calmFraction: 0.3, minCalm: 3 }).mean[0]).toBeCloseTo(1, 5);
    expect(speakerBaseline(xs, arousal, { calmFraction: 1, minCalm: 3 }).mean[0]).toBeCloseTo(9.4, 5);
  });

  it('spearman handles ties and perfect rankings', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 6);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 6);
    expect(spearman([1, 1, 2, 2], [1, 1, 2, 2])).toBeCloseTo(1, 6);
  });
});


describe.skipIf(!haveSpeechData(['ravdess', 'emodb', 'turev']) && process.env.CI !== 'true')(`the three speech corpora (${SPEECH_DIR}; skipped when absent)`, () => {
  it('reads RAVDESS, EmoDB and TurEV-DB with core labels; TurEV-DB decodes from 8 kHz mu-law to 16 kHz', async () => {
    expect(existsSync(SPEECH_DIR)).toBe(true);
    const t = readCorpus('turev');
    expect(t.length).toBe(1735);
    expect(new Set(t.map((c) => c.core))).toEqual(new Set(['anger', 'neutral', 'joy', 'sadness']));
    expect(new Set(t.map((c) => c.speaker)).size).toBe(6);
    expect(readCorpus('ravdess').length).toBe(1080);
    expect(readCorpus('emodb').length).toBe(535);
    const x = await loadClip16k(t[0].path);
    expect(x.length).toBeGreaterThan(16000 * 0.3);
  });
});
