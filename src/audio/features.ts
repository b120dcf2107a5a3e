/**
 * The vocal-stress feature vector: frame-level descriptors (LLDs) → functionals per segment, per speaker
 * or per file, plus temporal measures (speech-rate proxy, pauses, loudness peaks, vocal tremor).
 *
 * The ordered names are public (`FEATURE_NAMES`) and documented in the README; researchers use this vector.
 * Accumulation is streaming: means, deviations and slopes are exact running sums, percentiles come from
 * a fixed-size reservoir per descriptor, so a speaker's features over a one-hour call take bounded memory.
 */
import { HOP, SR, WIN, SPECTRAL_LLD, spectralLlds } from './spectral.js';
import { voiceFrames } from './pitch.js';

/** Voice-source LLDs, defined on voiced frames only (openSMILE's "nz"). */
export const VOICE_LLD = ['f0', 'hnr', 'jitter', 'shimmer'] as const;
export const LLD_NAMES = [...SPECTRAL_LLD, ...VOICE_LLD] as const;
export type LldName = (typeof LLD_NAMES)[number];

export const FUNCTIONALS = ['mean', 'std', 'cv', 'p20', 'p50', 'p80', 'range', 'slope'] as const;

export const TEMPORAL = [
  'voicedRatio', // share of frames that are voiced
  'voicedSegPerSec', // voiced runs (≥ 30 ms) per second: a speech-rate (syllable-rate) proxy
  'voicedSegMeanSec',
  'voicedSegStdSec',
  'unvoicedSegMeanSec', // gaps between voiced runs (< 1 s) inside speech
  'pausesPerSec', // internal pauses (≥ 150 ms of low loudness) per second of speech
  'pauseMeanSec',
  'loudnessPeaksPerSec',
  'f0TremorSt', // RMS of the 4–12 Hz modulation of F0 (semitones) over voiced runs ≥ 300 ms
  'ampTremor', // RMS of the 4–12 Hz modulation of loudness relative to its mean, same runs
] as const;

export const FEATURE_NAMES: readonly string[] = [
  ...LLD_NAMES.flatMap((l) => FUNCTIONALS.map((f) => `${l}_${f}`)),
  ...TEMPORAL,
];

export interface FrameAnalysis {
  /** Time of frame 0's centre is t0 + 0.0125 s; frames are 10 ms apart. */
  t0: number;
  nFrames: number;
  cols: Record<LldName, Float32Array>;
  voiced: Uint8Array;
}

export const FRAME_SEC = HOP / SR;

export function frameCount(samples: number): number {
  return samples < WIN ? 0 : Math.floor((samples - WIN) / HOP) + 1;
}

/** All LLDs for a 16 kHz mono span that starts at `t0` seconds. */
export function analyzeFrames(x: Float32Array, t0 = 0): FrameAnalysis {
  const nFrames = frameCount(x.length);
  const spec = spectralLlds(x, nFrames);
  const v = voiceFrames(x, nFrames);
  const f0st = new Float32Array(nFrames);
  const voiced = new Uint8Array(nFrames);
  for (let t = 0; t < nFrames; t++) {
    if (v.f0[t] > 0) {
      voiced[t] = 1;
      f0st[t] = 12 * Math.log2(v.f0[t] / 27.5); // semitones from 27.5 Hz, as eGeMAPS
    }
  }
  const cols = { ...spec, f0: f0st, hnr: v.hnr, jitter: v.jitter, shimmer: v.shimmer } as Record<LldName, Float32Array>;
  return { t0, nFrames, cols, voiced };
}

/** @deprecated Old spelling of `analyzeFrames` (emosig spells `analyze` the American way everywhere). */
export const analyseFrames = analyzeFrames;

const RESERVOIR = 8192;

/** Deterministic xorshift32, so features are reproducible run to run. */
class Rng {
  private s: number;
  constructor(seed = 0x9e3779b9) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let s = this.s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.s = s >>> 0;
    return this.s / 4294967296;
  }
}

class Stat {
  n = 0;
  sum = 0;
  sumSq = 0;
  sumT = 0;
  sumTT = 0;
  sumTX = 0;
  res = new Float32Array(64);
  resN = 0;

  add(x: number, t: number, rng: Rng): void {
    this.n++;
    this.sum += x;
    this.sumSq += x * x;
    this.sumT += t;
    this.sumTT += t * t;
    this.sumTX += t * x;
    if (this.resN < RESERVOIR) {
      if (this.resN === this.res.length) {
        const g = new Float32Array(Math.min(RESERVOIR, this.res.length * 2));
        g.set(this.res);
        this.res = g;
      }
      this.res[this.resN++] = x;
    } else {
      const j = Math.floor(rng.next() * this.n);
      if (j < RESERVOIR) this.res[j] = x;
    }
  }

  functionals(out: Float32Array, at: number): void {
    if (this.n === 0) return; // zeros
    const mean = this.sum / this.n;
    const variance = Math.max(0, this.sumSq / this.n - mean * mean);
    const std = Math.sqrt(variance);
    const sorted = this.res.slice(0, this.resN).sort();
    const q = (p: number) => {
      const pos = p * (sorted.length - 1);
      const i = Math.floor(pos);
      const f = pos - i;
      return i + 1 < sorted.length ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
    };
    const p20 = q(0.2);
    const p50 = q(0.5);
    const p80 = q(0.8);
    const tDen = this.n * this.sumTT - this.sumT * this.sumT;
    const slope = tDen > 1e-12 ? (this.n * this.sumTX - this.sumT * this.sum) / tDen : 0;
    out[at] = mean;
    out[at + 1] = std;
    out[at + 2] = Math.abs(mean) > 1e-9 ? std / Math.abs(mean) : 0;
    out[at + 3] = p20;
    out[at + 4] = p50;
    out[at + 5] = p80;
    out[at + 6] = p80 - p20;
    out[at + 7] = slope;
  }
}

/**
 * Accumulates frames from one or many spans (segments of one speaker, or a whole file) and gives the
 * feature vector in `FEATURE_NAMES` order.
 */
export class FeatureAccumulator {
  private readonly stats = LLD_NAMES.map(() => new Stat());
  private readonly rng = new Rng();
  frames = 0;
  voicedFrames = 0;
  private voicedRuns = 0;
  private voicedRunSum = 0;
  private voicedRunSumSq = 0;
  private gaps = 0;
  private gapSum = 0;
  private pauses = 0;
  private pauseSum = 0;
  private peaks = 0;
  private tremorF0 = 0;
  private tremorAmp = 0;
  private tremorW = 0;

  add(fa: FrameAnalysis): this {
    const { nFrames, cols, voiced, t0 } = fa;
    if (nFrames === 0) return this;
    this.frames += nFrames;
    for (let k = 0; k < LLD_NAMES.length; k++) {
      const name = LLD_NAMES[k];
      const col = cols[name];
      const st = this.stats[k];
      const voiceOnly = k >= SPECTRAL_LLD.length;
      const nonZero = name === 'jitter' || name === 'shimmer';
      for (let t = 0; t < nFrames; t++) {
        if (voiceOnly && !voiced[t]) continue;
        if (nonZero && col[t] === 0) continue;
        st.add(col[t], t0 + t * FRAME_SEC, this.rng);
      }
    }
    // voiced runs and the gaps between them
    let t = 0;
    let lastRunEnd = -1;
    while (t < nFrames) {
      if (!voiced[t]) {
        t++;
        continue;
      }
      let e = t;
      while (e + 1 < nFrames && voiced[e + 1]) e++;
      const len = e - t + 1;
      this.voicedFrames += len;
      if (len >= 3) {
        const sec = len * FRAME_SEC;
        this.voicedRuns++;
        this.voicedRunSum += sec;
        this.voicedRunSumSq += sec * sec;
        if (lastRunEnd >= 0) {
          const gap = (t - lastRunEnd - 1) * FRAME_SEC;
          if (gap < 1) {
            this.gaps++;
            this.gapSum += gap;
          }
        }
        lastRunEnd = e;
        if (len >= 30) this.tremor(cols.f0.subarray(t, e + 1), cols.loudness.subarray(t, e + 1));
      }
      t = e + 1;
    }
    // internal pauses: ≥ 150 ms below 10 % of the span's 80th-percentile loudness
    const loud = cols.loudness;
    const sorted = Float32Array.from(loud).sort();
    const p80 = sorted[Math.floor(0.8 * (sorted.length - 1))];
    const thr = 0.1 * p80;
    let run = 0;
    for (let i = 0; i <= nFrames; i++) {
      if (i < nFrames && loud[i] < thr) run++;
      else {
        if (run >= 15) {
          this.pauses++;
          this.pauseSum += run * FRAME_SEC;
        }
        run = 0;
      }
    }
    // loudness peaks: local maxima above the span mean, at least 100 ms apart
    let mean = 0;
    for (let i = 0; i < nFrames; i++) mean += loud[i];
    mean /= nFrames;
    let lastPeak = -1000;
    for (let i = 1; i < nFrames - 1; i++) {
      if (loud[i] > mean && loud[i] >= loud[i - 1] && loud[i] > loud[i + 1] && i - lastPeak >= 10) {
        this.peaks++;
        lastPeak = i;
      }
    }
    return this;
  }

  /** 4–12 Hz modulation of the F0 (semitones) and loudness contours of one voiced run (100 Hz frame rate). */
  private tremor(f0: Float32Array, loud: Float32Array): void {
    const n = f0.length;
    const band = (x: Float32Array, relative: boolean) => {
      let m = 0;
      for (let i = 0; i < n; i++) m += x[i];
      m /= n;
      if (relative && !(m > 0)) return 0;
      // remove the mean and a linear trend, then sum DFT power in 4–12 Hz
      let st = 0;
      let stt = 0;
      let stx = 0;
      for (let i = 0; i < n; i++) {
        st += i;
        stt += i * i;
        stx += i * (x[i] - m);
      }
      const b = (n * stx) / (n * stt - st * st);
      const kLo = Math.ceil((4 * n) / 100);
      const kHi = Math.floor((12 * n) / 100);
      let p = 0;
      for (let k = kLo; k <= kHi; k++) {
        let re = 0;
        let im = 0;
        for (let i = 0; i < n; i++) {
          const v = x[i] - m - b * (i - (n - 1) / 2);
          const a = (2 * Math.PI * k * i) / n;
          re += v * Math.cos(a);
          im -= v * Math.sin(a);
        }
        p += (2 * (re * re + im * im)) / (n * n);
      }
      const rms = Math.sqrt(p / 2);
      return relative ? rms / m : rms;
    };
    const w = n;
    this.tremorF0 += band(f0, false) * w;
    this.tremorAmp += band(loud, true) * w;
    this.tremorW += w;
  }

  vector(): Float32Array {
    const out = new Float32Array(FEATURE_NAMES.length);
    this.stats.forEach((s, k) => s.functionals(out, k * FUNCTIONALS.length));
    const sec = this.frames * FRAME_SEC;
    let i = LLD_NAMES.length * FUNCTIONALS.length;
    const runMean = this.voicedRuns ? this.voicedRunSum / this.voicedRuns : 0;
    out[i++] = this.frames ? this.voicedFrames / this.frames : 0;
    out[i++] = sec > 0 ? this.voicedRuns / sec : 0;
    out[i++] = runMean;
    out[i++] = this.voicedRuns ? Math.sqrt(Math.max(0, this.voicedRunSumSq / this.voicedRuns - runMean * runMean)) : 0;
    out[i++] = this.gaps ? this.gapSum / this.gaps : 0;
    out[i++] = sec > 0 ? this.pauses / sec : 0;
    out[i++] = this.pauses ? this.pauseSum / this.pauses : 0;
    out[i++] = sec > 0 ? this.peaks / sec : 0;
    out[i++] = this.tremorW ? this.tremorF0 / this.tremorW : 0;
    out[i++] = this.tremorW ? this.tremorAmp / this.tremorW : 0;
    return out;
  }

  /** The vector as `{ name: value }`. */
  named(): Record<string, number> {
    const v = this.vector();
    return Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, v[i]]));
  }
}

/** Feature vector of one 16 kHz span (all its frames). */
export function extractFeatures(x: Float32Array): Float32Array {
  return new FeatureAccumulator().add(analyseFrames(x)).vector();
}
