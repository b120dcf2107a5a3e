import { describe, expect, it } from 'vitest';
import { spectralLlds, meydaReference, meydaSpectral, meydaSpectralReference, NFFT, WIN, N_MFCC } from '../src/audio/spectral.js';
import { voiceFrames } from '../src/audio/pitch.js';
import { analyseFrames, extractFeatures, FEATURE_NAMES, FeatureAccumulator, frameCount } from '../src/audio/features.js';
import { compareWithOpenSmile, haveReference } from '../scripts/lib/opensmile-ref.js';

const SR = 16000;

/** A glottal-pulse-like voiced signal: harmonics with 1/k amplitudes, optional per-cycle period/amplitude perturbation. */
function voiced(f0: number, sec: number, opts: { jitter?: number; shimmer?: number; noise?: number; seed?: number } = {}): Float32Array {
  const n = Math.round(sec * SR);
  const x = new Float32Array(n);
  let s = opts.seed ?? 1;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296) * 2 - 1;
  let t = 0;
  while (t < n) {
    const T = (SR / f0) * (1 + (opts.jitter ?? 0) * rand());
    const A = 0.3 * (1 + (opts.shimmer ?? 0) * rand());
    for (let i = 0; i < T && t + i < n; i++) {
      let v = 0;
      for (let k = 1; k <= 12; k++) v += Math.sin((2 * Math.PI * k * i) / T) / k;
      x[t + Math.floor(i)] = A * v * 0.5;
    }
    t += Math.round(T);
  }
  if (opts.noise) for (let i = 0; i < n; i++) x[i] += opts.noise * rand();
  return x;
}

describe('spectral descriptors', () => {
  it('MFCC and spectral kurtosis equal Meyda’s own (same definitions, fast path)', () => {
    const x = new Float32Array(WIN);
    for (let i = 0; i < WIN; i++) x[i] = Math.sin(i * 0.3) * 0.4 + Math.sin(i * 1.7) * 0.2 + ((i * 7919) % 13) / 100 - 0.06;
    const ours = spectralLlds(x, 1);
    // Meyda on the same Hamming-windowed, zero-padded frame
    const w = new Float32Array(NFFT);
    for (let i = 0; i < WIN; i++) w[i] = x[i] * (0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (WIN - 1)));
    const ref = meydaReference(w);
    for (let k = 0; k < N_MFCC; k++) expect(ours[`mfcc${k + 1}`][0]).toBeCloseTo(ref.mfcc[k], 3);
    expect(ours.spectralKurtosis[0]).toBeCloseTo(ref.spectralKurtosis, 3);
  });

  it('rms, zcr, centroid, flatness, rolloff, slope and spread equal Meyda’s extractors to the last bit (one-pass fast path)', () => {
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296) * 2 - 1;
    const cases: [Float32Array, Float32Array][] = [];
    for (let c = 0; c < 20; c++) {
      const sig = Float32Array.from({ length: WIN }, (_, i) => 0.3 * Math.sin(i * (0.05 + c * 0.07)) + 0.05 * rand());
      const amp = Float32Array.from({ length: NFFT / 2 }, (_, k) => Math.abs(rand()) / (1 + k * 0.02 * c));
      if (c === 3) amp[5] = 0; // a zero bin: log(0) makes the flatness 0, as in Meyda
      cases.push([sig, amp]);
    }
    cases.push([new Float32Array(WIN), new Float32Array(NFFT / 2)]); // silence: NaN where Meyda gives NaN
    const out = new Float64Array(7);
    for (const [sig, amp] of cases) {
      meydaSpectral(sig, WIN, amp, out);
      expect(Array.from(out)).toEqual(meydaSpectralReference(sig, amp));
    }
  });

  it('loudness grows with level and is 0 for silence', () => {
    const a = voiced(150, 0.2);
    const b = a.map((v) => v * 0.1);
    const la = spectralLlds(a, 5).loudness[2];
    const lb = spectralLlds(b, 5).loudness[2];
    expect(la).toBeGreaterThan(lb * 2);
    expect(spectralLlds(new Float32Array(2000), 5).loudness[2]).toBe(0);
  });
});

describe('F0, HNR, jitter, shimmer', () => {
  it.each([90, 140, 220, 380])('finds F0 = %i Hz within 2 %% without octave errors', (f0) => {
    const x = voiced(f0, 1);
    const v = voiceFrames(x, frameCount(x.length));
    const voicedF0 = Array.from(v.f0).filter((f) => f > 0);
    expect(voicedF0.length).toBeGreaterThan(0.8 * v.f0.length);
    const med = voicedF0.sort((a, b) => a - b)[voicedF0.length >> 1];
    expect(Math.abs(med - f0) / f0).toBeLessThan(0.02);
    // no frame an octave off
    expect(voicedF0.filter((f) => Math.abs(Math.log2(f / f0)) > 0.5).length).toBe(0);
  });

  it('calls silence and white noise unvoiced', () => {
    const sil = new Float32Array(SR);
    expect(Array.from(voiceFrames(sil, frameCount(sil.length)).f0).every((f) => f === 0)).toBe(true);
    let s = 3;
    const noise = new Float32Array(SR).map(() => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296 - 0.5) * 0.5);
    const v = voiceFrames(noise, frameCount(noise.length));
    expect(Array.from(v.f0).filter((f) => f > 0).length).toBeLessThan(0.1 * v.f0.length);
  });

  it('HNR falls when noise is added; jitter and shimmer rise with perturbation', () => {
    const mean = (a: Float32Array) => {
      const nz = Array.from(a).filter((v) => v !== 0);
      return nz.reduce((p, q) => p + q, 0) / Math.max(1, nz.length);
    };
    const clean = voiceFrames(voiced(150, 1), 98);
    const noisy = voiceFrames(voiced(150, 1, { noise: 0.15 }), 98);
    expect(mean(clean.hnr)).toBeGreaterThan(mean(noisy.hnr) + 3);
    const steady = voiceFrames(voiced(150, 1), 98);
    const shaky = voiceFrames(voiced(150, 1, { jitter: 0.03, shimmer: 0.3, seed: 5 }), 98);
    expect(mean(shaky.jitter)).toBeGreaterThan(mean(steady.jitter) + 0.005);
    expect(mean(shaky.shimmer)).toBeGreaterThan(mean(steady.shimmer) + 0.5);
    expect(mean(steady.jitter)).toBeLessThan(0.01);
  });
});

describe('feature vector', () => {
  it('has the published names, is finite, and is deterministic', () => {
    const x = voiced(180, 1.5, { jitter: 0.01 });
    const a = extractFeatures(x);
    expect(a.length).toBe(FEATURE_NAMES.length);
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    expect(Array.from(a).every(Number.isFinite)).toBe(true);
    expect(Array.from(extractFeatures(x))).toEqual(Array.from(a));
    const named = new FeatureAccumulator().add(analyseFrames(x)).named();
    expect(named.f0_mean).toBeCloseTo(12 * Math.log2(180 / 27.5), 0);
    expect(named.voicedRatio).toBeGreaterThan(0.8);
  });

  it('is all zeros (not NaN) for a span shorter than one frame', () => {
    const v = extractFeatures(new Float32Array(100));
    expect(Array.from(v).every((x) => x === 0)).toBe(true);
  });
});

describe.skipIf(!haveReference())('agreement with openSMILE eGeMAPSv02 on the shared EmoDB files', () => {
  it('Pearson r over all 535 files: F0, loudness, HNR ≥ 0.9; shimmer ≥ 0.7; jitter ≥ 0.45 (see README: below the 0.7 goal)', async () => {
    const { files, r } = await compareWithOpenSmile(1);
    console.log(`openSMILE agreement over ${files} files:`, Object.fromEntries(Object.entries(r).map(([k, v]) => [k, +v.toFixed(3)])));
    expect(files).toBe(535);
    expect(r.f0MeanSt).toBeGreaterThanOrEqual(0.9);
    expect(r.loudnessMean).toBeGreaterThanOrEqual(0.9);
    expect(r.hnrMean).toBeGreaterThanOrEqual(0.9);
    expect(r.shimmerMean).toBeGreaterThanOrEqual(0.7);
    expect(r.jitterMean).toBeGreaterThanOrEqual(0.45);
  }, 180_000);
});
if (!haveReference()) console.warn('skipping the openSMILE agreement test: ../shared/reference and ../shared/data/speech/emodb are absent');
