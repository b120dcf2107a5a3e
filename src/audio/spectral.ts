/**
 * Spectral low-level descriptors per 10 ms hop / 25 ms Hamming window at 16 kHz.
 *
 * RMS, ZCR, centroid, flatness, rolloff, slope and spread follow Meyda's extractors exactly, computed from one
 * FFT per frame (fft.js) in one fused pass (`meydaSpectral`, equal to Meyda's to the last bit: calling Meyda's
 * seven extractors per frame cost ~9 % of a call's time). MFCC and spectral kurtosis are too slow in Meyda
 * (MFCC allocates its filter bank products on every call, ~70 µs; spectral kurtosis ~25 µs), so we
 * compute those with the same definitions as Meyda (same mel filter bank, log(x+1), DCT-II with scale 2)
 * on a sparse filter bank; `test/voice-features.test.ts` checks all of them against Meyda's own.
 * Meyda 5.6's `spectralFlux` throws, so flux is ours (see `spectralFlux`).
 * Loudness follows eGeMAPS's auditory-spectrum definition (power in 26 Bark-spaced triangular bands,
 * equal-loudness weighting, cube-root compression, summed): Meyda's `loudness` (band magnitude sums to the
 * power 0.23) correlated only r = 0.82 with openSMILE's loudness over the EmoDB files, ours r > 0.9.
 */
import Meyda from 'meyda';
import FFT from 'fft.js';

export const SR = 16000;
export const HOP = 160; // 10 ms
export const WIN = 400; // 25 ms
export const NFFT = 512;
const NBINS = NFFT / 2; // Meyda's amplitude spectrum has bufferSize/2 bins
export const N_MFCC = 13;

export const SPECTRAL_LLD = [
  'rms',
  'loudness',
  'zcr',
  'spectralCentroid',
  'spectralFlatness',
  'spectralRolloff',
  'spectralSlope',
  'spectralSpread',
  'spectralKurtosis',
  'spectralFlux',
  'alphaRatio',
  'hammarbergIndex',
  ...Array.from({ length: N_MFCC }, (_, i) => `mfcc${i + 1}`),
] as const;

type MeydaArgs = Record<string, unknown>;
type Extractor = (args: MeydaArgs) => unknown;

interface MeydaStatic {
  bufferSize: number;
  sampleRate: number;
  melBands: number;
  numberOfMFCCCoefficients: number;
  barkScale: Float32Array;
  melFilterBank: number[][] | Float32Array[];
  featureExtractors: Record<string, Extractor>;
  extract(f: string | string[], s: Float32Array): unknown;
  windowingFunction: string;
}

const M = Meyda as unknown as MeydaStatic;

/** Meyda's bark scale and mel filter bank for our frame size (computed once). */
function meydaBanks(): { barkScale: Float32Array; mel: { lo: number; w: Float32Array }[]; dct: Float32Array; melCount: number } {
  M.bufferSize = NFFT;
  M.sampleRate = SR;
  M.numberOfMFCCCoefficients = N_MFCC;
  M.extract('rms', new Float32Array(NFFT)); // makes Meyda build barkScale and melFilterBank
  const fb = M.melFilterBank as ArrayLike<number>[];
  const mel = fb.map((row) => {
    let lo = -1;
    let hi = -1;
    for (let j = 0; j < NBINS; j++) {
      if (row[j] !== 0) {
        if (lo < 0) lo = j;
        hi = j;
      }
    }
    if (lo < 0) return { lo: 0, w: new Float32Array(0) };
    const w = new Float32Array(hi - lo + 1);
    for (let j = lo; j <= hi; j++) w[j - lo] = row[j];
    return { lo, w };
  });
  const L = fb.length;
  const dct = new Float32Array(N_MFCC * L);
  for (let k = 0; k < N_MFCC; k++) for (let n = 0; n < L; n++) dct[k * L + n] = 2 * Math.cos((Math.PI / L) * (n + 0.5) * k);
  return { barkScale: M.barkScale, mel, dct, melCount: L };
}

let banks: ReturnType<typeof meydaBanks> | undefined;

const hamming = (() => {
  const w = new Float32Array(WIN);
  for (let i = 0; i < WIN; i++) w[i] = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (WIN - 1));
  return w;
})();

/** Column-major output of spectral LLDs: one Float32Array per descriptor, one value per frame. */
export type LldColumns = Record<string, Float32Array>;

/**
 * Spectral LLDs for frames t = 0..nFrames−1, frame t covering samples [t·HOP, t·HOP + WIN) of `x`
 * (zero beyond the ends). `x` is 16 kHz mono in [−1, 1].
 */
export function spectralLlds(x: Float32Array, nFrames: number): LldColumns {
  banks ??= meydaBanks();
  const { mel, dct, melCount } = banks;
  const fft = new FFT(NFFT);
  const buf = new Float32Array(NFFT);
  const raw = new Float32Array(NFFT);
  const spec = fft.createComplexArray() as number[];
  const amp = new Float32Array(NBINS);
  const prevNorm = new Float32Array(NBINS);
  const melE = new Float32Array(melCount);
  const cols: LldColumns = {};
  for (const name of SPECTRAL_LLD) cols[name] = new Float32Array(nFrames);
  const fused = new Float64Array(7);
  const binHz = SR / NFFT;
  const b50 = Math.round(50 / binHz);
  const b1k = Math.round(1000 / binHz);
  const b2k = Math.round(2000 / binHz);
  const b5k = Math.round(5000 / binHz);
  let havePrev = false;
  // Column arrays resolved once (not looked up by name per frame); buf/raw beyond WIN stay zero.
  const cRms = cols.rms;
  const cZcr = cols.zcr;
  const cLoud = cols.loudness;
  const cCentroid = cols.spectralCentroid;
  const cFlat = cols.spectralFlatness;
  const cRolloff = cols.spectralRolloff;
  const cSlope = cols.spectralSlope;
  const cSpread = cols.spectralSpread;
  const cKurt = cols.spectralKurtosis;
  const cFlux = cols.spectralFlux;
  const cAlpha = cols.alphaRatio;
  const cHamm = cols.hammarbergIndex;
  const cMfcc = Array.from({ length: N_MFCC }, (_, k) => cols[`mfcc${k + 1}`]);
  for (let t = 0; t < nFrames; t++) {
    const s0 = t * HOP;
    for (let i = 0; i < WIN; i++) {
      const idx = s0 + i;
      const v = idx < x.length ? x[idx] : 0;
      raw[i] = v;
      buf[i] = v * hamming[i];
    }
    fft.realTransform(spec, buf);
    let sum = 0;
    for (let k = 0; k < NBINS; k++) {
      const re = spec[2 * k];
      const im = spec[2 * k + 1];
      const a = Math.sqrt(re * re + im * im);
      amp[k] = a;
      sum += a;
    }
    // RMS and ZCR on the unwindowed 25 ms frame (Meyda's `signal`); centroid, spread, flatness, rolloff and
    // slope on the amplitude spectrum, all in one pass (`meydaSpectral`: Meyda's formulas and summation order).
    meydaSpectral(raw, WIN, amp, fused);
    cRms[t] = fused[0];
    cZcr[t] = fused[1];
    cLoud[t] = auditoryLoudness(amp);
    cCentroid[t] = finite(fused[2]);
    cFlat[t] = finite(fused[3]);
    cRolloff[t] = finite(fused[4]);
    cSlope[t] = finite(fused[5]);
    cSpread[t] = finite(fused[6]);
    cKurt[t] = spectralKurtosis(amp);
    // Spectral flux (ours): squared L2 distance between consecutive L1-normalised magnitude spectra.
    let flux = 0;
    for (let k = 0; k < NBINS; k++) {
      const n = sum > 0 ? amp[k] / sum : 0;
      if (havePrev) flux += (n - prevNorm[k]) ** 2;
      prevNorm[k] = n;
    }
    havePrev = true;
    cFlux[t] = flux;
    // Alpha ratio (dB of summed magnitude 1–5 kHz over 50 Hz–1 kHz) and Hammarberg index
    // (dB of the strongest magnitude 0–2 kHz over the strongest 2–5 kHz), as in eGeMAPS.
    let lo = 0;
    let hi = 0;
    let max02 = 0;
    let max25 = 0;
    for (let k = 0; k < b5k && k < NBINS; k++) {
      const a = amp[k];
      if (k >= b50 && k < b1k) lo += a;
      else if (k >= b1k) hi += a;
      if (k < b2k) max02 = a > max02 ? a : max02;
      else max25 = a > max25 ? a : max25;
    }
    cAlpha[t] = 20 * Math.log10((hi + 1e-10) / (lo + 1e-10));
    cHamm[t] = 20 * Math.log10((max02 + 1e-10) / (max25 + 1e-10));
    // MFCC 1–13 with Meyda's definition on a sparse copy of Meyda's mel filter bank.
    for (let m = 0; m < melCount; m++) {
      const { lo: l0, w } = mel[m];
      let e = 0;
      for (let j = 0; j < w.length; j++) {
        const a = amp[l0 + j];
        e += w[j] * a * a;
      }
      melE[m] = Math.log(e + 1);
    }
    for (let k = 0; k < N_MFCC; k++) {
      let c = 0;
      for (let n = 0; n < melCount; n++) c += melE[n] * dct[k * melCount + n];
      cMfcc[k][t] = c;
    }
  }
  return cols;
}

/** Σ f and Σ f² over the bin frequencies (i·SR/NFFT), summed in Meyda's order: constants of `spectralSlope`. */
const slopeFreqSums = (() => {
  let freqSum = 0;
  let powFreqSum = 0;
  for (let i = 0; i < NBINS; i++) {
    const f = (i * SR) / NFFT;
    powFreqSum += f * f;
    freqSum += f;
  }
  return { freqSum, powFreqSum };
})();

/**
 * Meyda 5.6's rms and zcr of `signal[0..n)` and its spectralCentroid, spectralFlatness, spectralRolloff,
 * spectralSlope and spectralSpread of `amp`, written to `out` in that order. One pass instead of Meyda's
 * seven (its `mu` calls Math.pow per bin, and spread calls `mu` twice); every sum is accumulated in the
 * same order and with the same operations as Meyda's, so the values are the same to the last bit
 * (`test/voice-features.test.ts` compares them with Meyda's own extractors).
 */
export function meydaSpectral(signal: Float32Array, n: number, amp: Float32Array, out: Float64Array): void {
  let e = 0;
  let zc = 0;
  for (let i = 0; i < n; i++) {
    const v = signal[i];
    e += v * v; // exact in float64 for a float32 value, so equal to Meyda's Math.pow(v, 2)
    if (i > 0) {
      const u = signal[i - 1];
      if ((u >= 0 && v < 0) || (u < 0 && v >= 0)) zc++;
    }
  }
  out[0] = Math.sqrt(e / n);
  out[1] = zc;
  const len = amp.length;
  let sum = 0;
  let m1 = 0;
  let m2 = 0;
  let logSum = 0;
  let ampFreq = 0;
  for (let k = 0; k < len; k++) {
    const a = amp[k];
    const abs = Math.abs(a);
    sum += a;
    m1 += k * abs;
    m2 += k * k * abs;
    logSum += Math.log(a);
    ampFreq += ((k * SR) / NFFT) * a;
  }
  const mu1 = m1 / sum;
  const mu2 = m2 / sum;
  out[2] = mu1;
  out[3] = (Math.exp(logSum / len) * len) / sum;
  // rolloff: drop bins from the top until 99 % of the magnitude sum is left
  let ec = sum;
  const threshold = 0.99 * ec;
  let top = len - 1;
  while (ec > threshold && top >= 0) {
    ec -= amp[top];
    --top;
  }
  out[4] = (top + 1) * (SR / (2 * (len - 1)));
  const { freqSum, powFreqSum } = slopeFreqSums;
  out[5] = (len * ampFreq - freqSum * sum) / (sum * (powFreqSum - Math.pow(freqSum, 2)));
  out[6] = Math.sqrt(mu2 - Math.pow(mu1, 2));
}

/** Meyda's own extractors on the same inputs, for the test that `meydaSpectral` equals them. */
export function meydaSpectralReference(signal: Float32Array, amp: Float32Array): number[] {
  banks ??= meydaBanks();
  const ex = M.featureExtractors;
  const args: MeydaArgs = { ampSpectrum: amp, signal, bufferSize: NFFT, sampleRate: SR };
  return ['rms', 'zcr', 'spectralCentroid', 'spectralFlatness', 'spectralRolloff', 'spectralSlope', 'spectralSpread'].map((k) => ex[k](args) as number);
}

interface AudBand {
  lo: number;
  w: Float32Array;
}
let audBands: AudBand[] | undefined;

/** 26 triangular bands equally spaced on the Bark scale (20 Hz–8 kHz) with Hermansky's equal-loudness weight. */
function auditoryBands(): AudBand[] {
  const bark = (f: number) => 6 * Math.asinh(f / 600);
  const hz = (b: number) => 600 * Math.sinh(b / 6);
  const nb = 26;
  const b0 = bark(20);
  const b1 = bark(8000);
  const centres = Array.from({ length: nb + 2 }, (_, i) => hz(b0 + ((b1 - b0) * i) / (nb + 1)));
  const binHz = SR / NFFT;
  const bands: AudBand[] = [];
  for (let m = 1; m <= nb; m++) {
    const [fl, fc, fh] = [centres[m - 1], centres[m], centres[m + 1]];
    const lo = Math.max(0, Math.ceil(fl / binHz));
    const hi = Math.min(NBINS - 1, Math.floor(fh / binHz));
    const w = new Float32Array(Math.max(0, hi - lo + 1));
    const om2 = (2 * Math.PI * fc) ** 2;
    const eql = ((om2 + 56.8e6) * om2 * om2) / ((om2 + 6.3e6) ** 2 * (om2 + 0.38e9));
    for (let k = lo; k <= hi; k++) {
      const f = k * binHz;
      const tri = f <= fc ? (f - fl) / (fc - fl) : (fh - f) / (fh - fc);
      w[k - lo] = Math.max(0, tri) * eql;
    }
    bands.push({ lo, w });
  }
  return bands;
}

/** eGeMAPS-style loudness of one magnitude spectrum (see the module comment). */
export function auditoryLoudness(amp: Float32Array): number {
  audBands ??= auditoryBands();
  let loud = 0;
  for (const { lo, w } of audBands) {
    let e = 0;
    for (let j = 0; j < w.length; j++) {
      const a = amp[lo + j];
      e += w[j] * a * a;
    }
    loud += Math.cbrt(e);
  }
  return loud;
}

/** Meyda's spectral kurtosis (kurtosis of the amplitude-weighted bin distribution), in one pass. */
export function spectralKurtosis(amp: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  for (let k = 0; k < amp.length; k++) {
    const a = Math.abs(amp[k]);
    const k2 = k * k;
    s0 += amp[k];
    s1 += k * a;
    s2 += k2 * a;
    s3 += k2 * k * a;
    s4 += k2 * k2 * a;
  }
  if (!(s0 > 0)) return 0;
  const m1 = s1 / s0;
  const m2 = s2 / s0;
  const m3 = s3 / s0;
  const m4 = s4 / s0;
  const num = -3 * m1 ** 4 + 6 * m1 * m2 - 4 * m1 * m3 + m4;
  const den = Math.sqrt(m2 - m1 * m1) ** 4;
  return finite(num / den);
}

/** Meyda's MFCC via `Meyda.extract`, for tests that compare our fast path with it. */
export function meydaReference(frame: Float32Array): { mfcc: number[]; spectralKurtosis: number } {
  banks ??= meydaBanks();
  M.windowingFunction = 'rect';
  const r = M.extract(['mfcc', 'spectralKurtosis'], frame) as { mfcc: number[]; spectralKurtosis: number };
  M.windowingFunction = 'hanning';
  return r;
}

function finite(v: number): number {
  return Number.isFinite(v) ? v : 0;
}
