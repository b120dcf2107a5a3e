import { describe, it, expect } from 'vitest';
import { telephoneBand, telephone } from '../src/audio/channel.js';

const sine = (hz: number, sec = 0.5, fs = 16000) => Float32Array.from({ length: Math.round(sec * fs) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / fs));
/** RMS over the middle half (skips filter and resampler edges). */
const rms = (x: Float32Array) => {
  const a = x.length >> 2;
  let s = 0;
  for (let i = a; i < x.length - a; i++) s += x[i] * x[i];
  return Math.sqrt(s / (x.length - 2 * a));
};

describe('telephoneBand (the telephone channel without the codec)', () => {
  it('keeps the speech band, removes what a phone line cannot carry', () => {
    const ref = rms(sine(1000));
    expect(telephoneBand(sine(1000)).length).toBe(8000);
    expect(rms(telephoneBand(sine(1000))) / ref).toBeGreaterThan(0.9);
    expect(rms(telephoneBand(sine(2500))) / ref).toBeGreaterThan(0.9);
    expect(rms(telephoneBand(sine(6000))) / ref).toBeLessThan(0.05);
    expect(rms(telephoneBand(sine(60))) / ref).toBeLessThan(0.1);
  });
  it('is the mu-law phone copy minus the quantisation noise', () => {
    const x = Float32Array.from(sine(700), (v, i) => v + 0.3 * Math.sin(i / 3.1));
    const a = telephoneBand(x);
    const b = telephone(x, 'mulaw');
    const d = Float32Array.from(a, (v, i) => v - b[i]);
    // G.711 mu-law keeps ~38 dB SNR on a loud signal: the two differ only by that
    expect(rms(d) / rms(a)).toBeLessThan(0.05);
  });
});
