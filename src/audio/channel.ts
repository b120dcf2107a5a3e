/**
 * Channel simulation for training the voice model: the telephone band (300 Hz high-pass, 8 kHz, G.711 round trip)
 * and additive white/pink noise at a given SNR.
 */
import { resample } from './resample.js';
import { g711RoundTrip } from './g711.js';

/** Second-order Butterworth high-pass (bilinear transform), in place on a copy. */
export function highpass(x: Float32Array, fc: number, fs: number): Float32Array {
  const w = Math.tan((Math.PI * fc) / fs);
  const k = 1 / (1 + Math.SQRT2 * w + w * w);
  const b0 = k;
  const b1 = -2 * k;
  const b2 = k;
  const a1 = 2 * (w * w - 1) * k;
  const a2 = (1 - Math.SQRT2 * w + w * w) * k;
  const y = new Float32Array(x.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x[i];
    y2 = y1;
    y1 = v;
    y[i] = v;
  }
  return y;
}

/** Telephone channel: 300 Hz high-pass, 8 kHz (anti-aliased, so ≤ 3.4–4 kHz), G.711 round trip, back to 16 kHz. */
export function telephone(x16: Float32Array, law: 'mulaw' | 'alaw' = 'mulaw'): Float32Array {
  const x8 = resample(highpass(x16, 300, 16000), 16000, 8000);
  return resample(g711RoundTrip(x8, law), 8000, 16000);
}

/**
 * Telephone band without the codec: 300 Hz high-pass, down to 8 kHz (anti-aliased, so nothing above ~3.6–4 kHz) and
 * back to 16 kHz — the channel of `telephone` minus the G.711 quantisation. Used as a "telephone-band front end"
 * (features always computed on phone-band audio) in scripts/voice-bandlimit.ts; no shipped model uses it yet.
 */
export function telephoneBand(x16: Float32Array): Float32Array {
  return resample(resample(highpass(x16, 300, 16000), 16000, 8000), 8000, 16000);
}

/** Add white/pink noise at `snrDb` relative to the clip's active-speech power. */
export function addNoise(x: Float32Array, snrDb: number, rand: () => number, pink = true): Float32Array {
  // speech power over the loudest half of 20 ms frames (ignores leading/trailing silence)
  const fr = 320;
  const pw: number[] = [];
  for (let i = 0; i + fr <= x.length; i += fr) {
    let s = 0;
    for (let j = 0; j < fr; j++) s += x[i + j] ** 2;
    pw.push(s / fr);
  }
  pw.sort((a, b) => b - a);
  const top = pw.slice(0, Math.max(1, pw.length >> 1));
  const p = top.reduce((a, b) => a + b, 0) / top.length;
  const n = new Float32Array(x.length);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let np = 0;
  for (let i = 0; i < n.length; i++) {
    // Gaussian via Box–Muller
    const g = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    let v = g;
    if (pink) {
      // Paul Kellet's economy pink filter
      b0 = 0.99765 * b0 + g * 0.099046;
      b1 = 0.963 * b1 + g * 0.2965164;
      b2 = 0.57 * b2 + g * 1.0526913;
      v = b0 + b1 + b2 + g * 0.1848;
    }
    n[i] = v;
    np += v * v;
  }
  np /= n.length;
  const gain = np > 0 ? Math.sqrt((p / np) * 10 ** (-snrDb / 10)) : 0;
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = Math.max(-1, Math.min(1, x[i] + gain * n[i]));
  return y;
}
