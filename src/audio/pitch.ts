/**
 * Voice-source descriptors per 10 ms frame: F0, voicing, HNR, jitter and shimmer.
 *
 * F0: autocorrelation pitch in the manner of Boersma (1993) — Hann window, the frame's autocorrelation
 * divided by the window's (from one FFT), parabolic peak refinement — on a 50 ms window of the signal
 * band-limited to 8 kHz. Up to five candidates per frame plus an "unvoiced" candidate are tracked by a
 * Viterbi search with an octave cost, an octave-jump cost and a voiced/unvoiced cost: this is what guards
 * against octave errors (one frame at double or half pitch costs more than it gains).
 * HNR: from the normalised autocorrelation peak r at the chosen period, 10·log10(r / (1 − r)) dB.
 * Jitter and shimmer: cycle by cycle on the 16 kHz waveform; each period is found by maximising the
 * normalised cross-correlation of consecutive cycles (±20 % around the F0 track), its amplitude is the
 * cycle's peak-to-peak value; jitter (local) = mean |Tᵢ − Tᵢ₋₁| / mean T and shimmer (local, dB) =
 * mean |20·log10(Aᵢ / Aᵢ₋₁)| over the cycles within ±30 ms of each frame.
 */
import FFT from 'fft.js';
import { resample, Resampler } from './resample.js';

export const PITCH_FLOOR = 60;
export const PITCH_CEILING = 600;

const FS = 8000;
const HOP8 = 80;
const WIN8 = 376; // 47 ms: about three periods of the 60 Hz floor, and short enough for a 512-point FFT
const NFFT = 512; // ≥ WIN8 + the longest lag (134): the circular autocorrelation is exact up to that lag
const SILENCE_THRESHOLD = 0.03;
// Praat's default is 0.45; 0.6 ends voicing earlier at offsets, matching eGeMAPS's voiced frames better.
const VOICING_THRESHOLD = 0.6;
const OCTAVE_COST = 0.01;
const OCTAVE_JUMP_COST = 0.35;
const VOICED_UNVOICED_COST = 0.14;
const MAX_CANDIDATES = 5;
/** A cycle whose best correlation with the next is below this breaks the chain (0: never; openSMILE's eGeMAPS effectively keeps every cycle). */
const MIN_CYCLE_CORR = 0;
/** Onset/offset frames of a voiced run carry transients, not jitter: their jitter and shimmer are left 0. */
const EDGE_FRAMES = 2;
/** Period search range around the F0 track (relative; openSMILE's default 0.1). */
const SEARCH_REL = 0.1;
/** Consecutive periods differing by more than this factor are not a jitter pair (no limit, as openSMILE: irregular phonation is the signal). */
const MAX_PERIOD_FACTOR = Infinity;

export interface VoiceFrames {
  /** F0 in Hz per frame, 0 when unvoiced. */
  f0: Float32Array;
  /** Normalised autocorrelation at the chosen period (0 when unvoiced). */
  voicing: Float32Array;
  /** Harmonics-to-noise ratio in dB (0 when unvoiced). */
  hnr: Float32Array;
  /** Local jitter (fraction) per frame, 0 where fewer than 3 cycles were found. */
  jitter: Float32Array;
  /** Local shimmer in dB per frame, 0 where fewer than 3 cycles were found. */
  shimmer: Float32Array;
}

const hann = (() => {
  const w = new Float32Array(WIN8);
  for (let i = 0; i < WIN8; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / WIN8);
  return w;
})();

const fft = new FFT(NFFT);
const acfSpec = fft.createComplexArray() as number[];
const acfOut = fft.createComplexArray() as number[];
const acfPow = new Float32Array(NFFT);

/** Normalised autocorrelation of the window itself (Boersma's correction). */
const windowAcf = (() => {
  const buf = new Float32Array(NFFT);
  buf.set(hann);
  return acf(buf, WIN8);
})();

/**
 * Autocorrelation r(τ)/r(0) for τ < maxLag of a zero-padded NFFT buffer, via |FFT|² and a second FFT,
 * written into `r` (work buffers are reused: no allocation per frame).
 */
function acf(buf: Float32Array, maxLag: number, r: Float32Array = new Float32Array(maxLag)): Float32Array {
  fft.realTransform(acfSpec, buf);
  for (let k = 0; k <= NFFT / 2; k++) {
    const p = acfSpec[2 * k] ** 2 + acfSpec[2 * k + 1] ** 2;
    acfPow[k] = p;
    if (k > 0 && k < NFFT / 2) acfPow[NFFT - k] = p;
  }
  fft.realTransform(acfOut, acfPow);
  const r0 = acfOut[0];
  if (!(r0 > 0)) {
    r.fill(0);
    return r;
  }
  for (let t = 0; t < maxLag; t++) r[t] = acfOut[2 * t] / r0;
  return r;
}

/** Candidate slots per frame: the unvoiced candidate and up to MAX_CANDIDATES peaks. */
const SLOTS = 1 + MAX_CANDIDATES;

/** Reused 16 → 8 kHz resampler: building one (its WebAssembly memory and kernel instance) per segment cost ~3 % of a call's time. */
let down: Resampler | undefined;
/** Segments up to this many samples go through the reused resampler, so the memory it keeps stays small (4 MB). */
const REUSE_MAX = 60 * 16000;

/** `resample(x, 16000, 8000)`, equal to it sample for sample. */
function downsample(x: Float32Array): Float32Array {
  if (x.length > REUSE_MAX) return resample(x, 16000, FS);
  down ??= new Resampler(16000, FS);
  const a = down.process(x);
  const b = down.flush(); // also resets it for the next segment
  if (b.length === 0) return a;
  const out = new Float32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Voice-source descriptors for frames t = 0..nFrames−1, where frame t is centred at sample
 * t·160 + 200 of the 16 kHz signal `x` (the centre of the 25 ms spectral frame t).
 */
export function voiceFrames(x: Float32Array, nFrames: number): VoiceFrames {
  const f0 = new Float32Array(nFrames);
  const voicing = new Float32Array(nFrames);
  const hnr = new Float32Array(nFrames);
  const jitter = new Float32Array(nFrames);
  const shimmer = new Float32Array(nFrames);
  if (nFrames === 0) return { f0, voicing, hnr, jitter, shimmer };
  const x8 = downsample(x);
  let globalPeak = 0;
  for (let i = 0; i < x8.length; i++) globalPeak = Math.max(globalPeak, Math.abs(x8[i]));
  const minLag = Math.floor(FS / PITCH_CEILING);
  const maxLag = Math.min(Math.ceil(FS / PITCH_FLOOR), WIN8 / 2);
  const buf = new Float32Array(NFFT);
  const rBuf = new Float32Array(maxLag + 2);
  // Candidates in flat arrays (slot 0 of each frame is "unvoiced", f0 = 0), strongest peaks first.
  const cF0 = new Float64Array(nFrames * SLOTS);
  const cR = new Float64Array(nFrames * SLOTS);
  const cStr = new Float64Array(nFrames * SLOTS);
  const cN = new Uint8Array(nFrames);
  for (let t = 0; t < nFrames; t++) {
    const c = t * HOP8 + HOP8 + 20; // centre: (t·160 + 200) / 2
    const s0 = c - WIN8 / 2;
    let mean = 0;
    let n = 0;
    for (let i = 0; i < WIN8; i++) {
      const idx = s0 + i;
      if (idx >= 0 && idx < x8.length) {
        mean += x8[idx];
        n++;
      }
    }
    mean = n > 0 ? mean / n : 0;
    let localPeak = 0;
    buf.fill(0);
    for (let i = 0; i < WIN8; i++) {
      const idx = s0 + i;
      const v = idx >= 0 && idx < x8.length ? x8[idx] - mean : 0;
      localPeak = Math.max(localPeak, Math.abs(v));
      buf[i] = v * hann[i];
    }
    const unvoicedStrength =
      VOICING_THRESHOLD +
      Math.max(0, 2 - (globalPeak > 0 ? localPeak / globalPeak : 0) / (SILENCE_THRESHOLD / (1 + VOICING_THRESHOLD)));
    const base = t * SLOTS;
    cStr[base] = unvoicedStrength;
    let count = 1;
    // Below 1 % of the peak the unvoiced candidate's strength (≥ 1.96) beats any voiced one whatever the
    // path, so the autocorrelation is not needed there.
    if (localPeak > 0.01 * globalPeak) {
      const r = acf(buf, maxLag + 2, rBuf);
      for (let tau = minLag; tau <= maxLag; tau++) {
        const a = r[tau - 1] / windowAcf[tau - 1];
        const b = r[tau] / windowAcf[tau];
        const d = r[tau + 1] / windowAcf[tau + 1];
        if (b > 0.2 && b >= a && b >= d) {
          const den = a - 2 * b + d;
          const off = den < 0 ? (0.5 * (a - d)) / den : 0;
          const lag = tau + Math.max(-0.5, Math.min(0.5, off));
          const peak = Math.min(1, b - 0.25 * (a - d) * off);
          const freq = FS / lag;
          // Praat: strength = R − OctaveCost · log2(MinimumPitch / F)  (favours the higher of equal peaks)
          const strength = peak - OCTAVE_COST * Math.log2(PITCH_FLOOR / freq);
          // keep the MAX_CANDIDATES strongest, ties in lag order (as a stable sort by strength would)
          let at = count;
          while (at > 1 && cStr[base + at - 1] < strength) at--;
          if (at >= SLOTS) continue;
          for (let k = Math.min(count, SLOTS - 1); k > at; k--) {
            cF0[base + k] = cF0[base + k - 1];
            cR[base + k] = cR[base + k - 1];
            cStr[base + k] = cStr[base + k - 1];
          }
          cF0[base + at] = freq;
          cR[base + at] = peak;
          cStr[base + at] = strength;
          if (count < SLOTS) count++;
        }
      }
    }
    cN[t] = count;
  }
  // Viterbi: best path through the candidates.
  const score = new Float64Array(nFrames * SLOTS);
  const back = new Uint8Array(nFrames * SLOTS);
  for (let j = 0; j < cN[0]; j++) score[j] = cStr[j];
  for (let t = 1; t < nFrames; t++) {
    const pb = (t - 1) * SLOTS;
    const cb = t * SLOTS;
    const np = cN[t - 1];
    for (let j = 0; j < cN[t]; j++) {
      const cf = cF0[cb + j];
      let best = -Infinity;
      let arg = 0;
      for (let i = 0; i < np; i++) {
        const pf = cF0[pb + i];
        let cost: number;
        if (pf === 0 && cf === 0) cost = 0;
        else if (pf === 0 || cf === 0) cost = VOICED_UNVOICED_COST;
        else cost = OCTAVE_JUMP_COST * Math.abs(Math.log2(cf / pf));
        const sc = score[pb + i] - cost;
        if (sc > best) {
          best = sc;
          arg = i;
        }
      }
      score[cb + j] = best + cStr[cb + j];
      back[cb + j] = arg;
    }
  }
  const lb = (nFrames - 1) * SLOTS;
  let j = 0;
  for (let k = 1; k < cN[nFrames - 1]; k++) if (score[lb + k] > score[lb + j]) j = k;
  for (let t = nFrames - 1; t >= 0; t--) {
    const cf = cF0[t * SLOTS + j];
    f0[t] = cf;
    voicing[t] = cR[t * SLOTS + j];
    if (cf > 0) {
      const r = Math.min(0.999, Math.max(0.001, periodCorrelation(x, t * 160 + 200, 16000 / cf)));
      hnr[t] = 10 * Math.log10(r / (1 - r));
    }
    j = back[t * SLOTS + j];
  }
  medianSmoothVoiced(f0);
  cycleMeasures(x, f0, jitter, shimmer);
  return { f0, voicing, hnr, jitter, shimmer };
}

const HNR_WIN = 960; // 60 ms at 16 kHz
const gauss = (() => {
  const w = new Float32Array(HNR_WIN);
  const half = (HNR_WIN - 1) / 2;
  for (let i = 0; i < HNR_WIN; i++) w[i] = Math.exp(-0.5 * ((i - half) / (0.4 * half)) ** 2);
  return w;
})();

/**
 * Periodicity for the harmonics-to-noise ratio, defined as openSMILE's HNRdBACF: the autocorrelation of the
 * 60 ms Gaussian-windowed 16 kHz frame at the pitch period, normalised by its value at lag 0 (no window
 * correction, so the measure is full-band and comparable with eGeMAPS). Time domain: only voiced frames pay.
 */
const hnrBuf = new Float32Array(HNR_WIN);

function periodCorrelation(x: Float32Array, centre: number, period: number): number {
  const s0 = Math.round(centre - HNR_WIN / 2);
  const T = Math.round(period);
  const buf = hnrBuf;
  let r0 = 0;
  for (let i = 0; i < HNR_WIN; i++) {
    const idx = s0 + i;
    const v = idx >= 0 && idx < x.length ? Math.fround(x[idx] * gauss[i]) : 0;
    buf[i] = v;
    r0 += v * v;
  }
  if (!(r0 > 0)) return 0;
  // r(T − 1), r(T), r(T + 1) in one pass over the common range, then the one or two products only the
  // shorter lags have (each sum in the same order as three separate loops would take).
  let sa = 0;
  let sb = 0;
  let sd = 0;
  const common = HNR_WIN - T - 1;
  for (let i = 0; i < common; i++) {
    const v = buf[i];
    sa += v * buf[i + T - 1];
    sb += v * buf[i + T];
    sd += v * buf[i + T + 1];
  }
  for (let i = Math.max(0, common); i < HNR_WIN - T + 1; i++) {
    const v = buf[i];
    sa += v * buf[i + T - 1];
    if (i + T < HNR_WIN) sb += v * buf[i + T];
  }
  const a = sa / r0;
  const b = sb / r0;
  const d = sd / r0;
  const den = a - 2 * b + d;
  if (den < 0 && b >= a && b >= d) return b - 0.25 * (a - d) * ((0.5 * (a - d)) / den);
  return Math.max(a, b, d);
}

/** 3-frame median over voiced frames only (openSMILE's F0 is smoothed in the same spirit). */
function medianSmoothVoiced(f0: Float32Array): void {
  const src = Float32Array.from(f0);
  for (let t = 1; t < f0.length - 1; t++) {
    if (src[t - 1] > 0 && src[t] > 0 && src[t + 1] > 0) {
      const a = src[t - 1];
      const b = src[t];
      const c = src[t + 1];
      f0[t] = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }
  }
}

/** Pearson correlation of x[p, p+lag) with x[p+lag, p+2·lag), in one pass (float64 sums). */
function pearsonAt(x: Float32Array, p: number, lag: number): number {
  let sa = 0;
  let sb = 0;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < lag; i++) {
    const a = x[p + i];
    const b = x[p + lag + i];
    sa += a;
    sb += b;
    sab += a * b;
    saa += a * a;
    sbb += b * b;
  }
  const num = sab - (sa * sb) / lag;
  const ea = saa - (sa * sa) / lag;
  const eb = sbb - (sb * sb) / lag;
  // (a constant stretch has no correlation: its variance is 0 up to rounding)
  return ea > 1e-12 * saa && eb > 1e-12 * sbb ? num / Math.sqrt(ea * eb) : 0;
}

let ccBuf = new Float64Array(64);

/** Cycle-to-cycle jitter and shimmer on the 16 kHz waveform, following the frame F0 track. */
function cycleMeasures(x: Float32Array, f0: Float32Array, jitter: Float32Array, shimmer: Float32Array): void {
  const n = f0.length;
  const sumDT = new Float64Array(n);
  const sumT = new Float64Array(n);
  const sumDA = new Float64Array(n);
  const cnt = new Int32Array(n);
  const frameOf = (pos: number) => Math.max(0, Math.min(n - 1, Math.round((pos - 200) / 160)));
  let t = 0;
  while (t < n) {
    if (f0[t] <= 0) {
      t++;
      continue;
    }
    let e = t;
    while (e + 1 < n && f0[e + 1] > 0) e++;
    if (e - t + 1 >= 3) {
      // a voiced run from frame t to e
      const startPos = t * 160 + 200 - 80;
      const endPos = Math.min(x.length, e * 160 + 200 + 80);
      let T0 = 16000 / f0[t];
      let p = startPos;
      // align to the largest peak of the first cycle
      let best = p;
      for (let i = p; i < Math.min(endPos, p + Math.round(T0)); i++) if (x[i] > x[best]) best = i;
      p = best;
      let prevT = 0;
      let prevA = 0;
      while (p + 2.5 * T0 < endPos) {
        T0 = 16000 / Math.max(PITCH_FLOOR, f0[frameOf(p)] || 16000 / T0);
        const L = Math.round(T0);
        const lo = Math.max(2, Math.floor(T0 * (1 - SEARCH_REL)));
        const hi = Math.ceil(T0 * (1 + SEARCH_REL));
        if (p + 2 * (hi + 1) >= x.length) break;
        // Pearson correlation of [p, p+lag) with [p+lag, p+2·lag) for each candidate period `lag`;
        // the best interior local maximum wins (the expected period when there is none).
        const cs = ccBuf.length >= hi - lo + 3 ? ccBuf : (ccBuf = new Float64Array(hi - lo + 3));
        for (let lag = lo - 1; lag <= hi + 1; lag++) cs[lag - lo + 1] = pearsonAt(x, p, lag);
        let bestC = -2;
        let bestLag = -1;
        for (let lag = lo; lag <= hi; lag++) {
          const c = cs[lag - lo + 1];
          if (c > cs[lag - lo] && c > cs[lag - lo + 2] && c > bestC) {
            bestC = c;
            bestLag = lag;
          }
        }
        if (bestLag < 0) {
          prevT = 0;
          p += L;
          continue;
        }
        const a = cs[bestLag - lo];
        const b = cs[bestLag - lo + 1];
        const d = cs[bestLag - lo + 2];
        const den = a - 2 * b + d;
        const period = bestLag + (den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - d)) / den)) : 0);
        if (bestC < MIN_CYCLE_CORR) {
          // lost the cycle chain: restart after this stretch
          prevT = 0;
          p += Math.round(T0);
          continue;
        }
        let mx = -Infinity;
        let mn = Infinity;
        for (let i = 0; i < bestLag; i++) {
          const v = x[p + i];
          if (v > mx) mx = v;
          if (v < mn) mn = v;
        }
        const amp = mx - mn;
        const ratio = prevT > 0 ? period / prevT : 0;
        if (prevT > 0 && prevA > 0 && amp > 0 && ratio < MAX_PERIOD_FACTOR && ratio > 1 / MAX_PERIOD_FACTOR) {
          const center = p;
          const half = 480; // ±30 ms: the cycles around a frame
          const f1 = Math.max(0, Math.ceil((center - half - 200) / 160));
          const f2 = Math.min(n - 1, Math.floor((center + half - 200) / 160));
          const dT = Math.abs(period - prevT);
          const dA = Math.abs(20 * Math.log10(amp / prevA));
          for (let f = f1; f <= f2; f++) {
            sumDT[f] += dT;
            sumT[f] += period;
            sumDA[f] += dA;
            cnt[f]++;
          }
        }
        prevT = period;
        prevA = amp;
        p += bestLag;
      }
    }
    t = e + 1;
  }
  const edge = EDGE_FRAMES;
  {
    // drop the first and last `edge` frames of each voiced run (onsets/offsets: transients, not jitter)
    let i = 0;
    while (i < n) {
      if (f0[i] <= 0) {
        i++;
        continue;
      }
      let e = i;
      while (e + 1 < n && f0[e + 1] > 0) e++;
      for (let f = i; f <= e; f++) if (f < i + edge || f > e - edge) cnt[f] = 0;
      i = e + 1;
    }
  }
  const minCnt = 2;
  for (let f = 0; f < n; f++) {
    if (f0[f] > 0 && cnt[f] >= minCnt) {
      jitter[f] = sumDT[f] / sumT[f];
      shimmer[f] = sumDA[f] / cnt[f];
    }
  }
}
