import { describe, expect, it } from 'vitest';
import { Resampler, resample, resampleBlocks } from '../src/audio/resample.js';
import { encodeWav, openWav } from '../src/audio/decode.js';
import { EmosigError } from '../src/errors.js';
import { mulberry32 as rng } from '../scripts/lib/random.js';

const RATES = [8000, 11025, 16000, 22050, 44100, 48000];

function tone(freq: number, rate: number, sec: number, amp = 0.5): Float32Array {
  const n = Math.round(rate * sec);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

/** RMS in dB relative to a sine of amplitude `amp`, skipping `edge` samples at both ends. */
function levelDb(y: Float32Array, amp: number, edge: number): number {
  let s = 0;
  let n = 0;
  for (let i = edge; i < y.length - edge; i++) {
    s += y[i] * y[i];
    n++;
  }
  return 20 * Math.log10(Math.sqrt(s / n) / (amp / Math.SQRT2));
}


function streamed(x: Float32Array, from: number, to: number, rand: () => number, opts: { quality?: 'fast' | 'best'; simd?: boolean } = {}): Float32Array {
  const r = new Resampler(from, to, opts);
  const parts: Float32Array[] = [];
  let i = 0;
  while (i < x.length) {
    const n = Math.floor(rand() * rand() * 5000); // many small blocks, some empty, a few large
    parts.push(r.process(x.subarray(i, i + n)));
    i += n;
  }
  parts.push(r.flush());
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('resample: anti-aliasing', () => {
  it('a 7 kHz tone 48k → 16k keeps its amplitude', () => {
    const y = resample(tone(7000, 48000, 0.5), 48000, 16000);
    expect(y.length).toBe(8000);
    expect(Math.abs(levelDb(y, 0.5, 200))).toBeLessThan(0.1);
  });

  it('a 7.5 kHz tone 16k → 8k is attenuated by at least 40 dB (no alias at 500 Hz)', () => {
    for (const quality of ['best', 'fast'] as const) {
      const y = resample(tone(7500, 16000, 0.5), 16000, 8000, { quality });
      expect(levelDb(y, 0.5, 200)).toBeLessThan(-40);
    }
    // and content above the new Nyquist from 44.1k / 48k does not fold into the speech band
    expect(levelDb(resample(tone(9000, 48000, 0.5), 48000, 16000), 0.5, 200)).toBeLessThan(-60);
    expect(levelDb(resample(tone(12000, 44100, 0.5), 44100, 16000), 0.5, 200)).toBeLessThan(-60);
  });

  it('a 1 kHz tone passes within 0.5 dB between all common rates', () => {
    for (const from of RATES) {
      for (const to of [8000, 16000, 44100]) {
        if (from === to) continue;
        for (const quality of ['best', 'fast'] as const) {
          const y = resample(tone(1000, from, 0.3), from, to, { quality });
          expect(y.length).toBe(Math.ceil((Math.round(from * 0.3) * to) / from));
          const db = levelDb(y, 0.5, Math.ceil(to * 0.02));
          expect(Math.abs(db), `${from}→${to} ${quality}: ${db.toFixed(3)} dB`).toBeLessThan(0.5);
        }
      }
    }
  });

  it('upsampling removes images (8k → 16k: nothing above 4 kHz)', () => {
    const y = resample(tone(3000, 8000, 0.5), 8000, 16000);
    // the image of 3 kHz would be at 5 kHz: project onto it
    let re = 0;
    let im = 0;
    for (let i = 400; i < y.length - 400; i++) {
      re += y[i] * Math.cos((2 * Math.PI * 5000 * i) / 16000);
      im += y[i] * Math.sin((2 * Math.PI * 5000 * i) / 16000);
    }
    const imageAmp = (2 * Math.hypot(re, im)) / (y.length - 800);
    expect(20 * Math.log10(imageAmp / 0.5)).toBeLessThan(-60);
  });
});

describe('resample: timing and streaming', () => {
  it('is zero-phase: a slow sine lands exactly on the output time grid', () => {
    for (const [from, to] of [
      [44100, 16000],
      [8000, 16000],
      [11025, 16000],
      [48000, 16000],
      [16000, 22050],
    ]) {
      const y = resample(tone(200, from, 0.5, 0.8), from, to);
      let err = 0;
      for (let n = Math.ceil(to * 0.05); n < y.length - Math.ceil(to * 0.05); n++) err = Math.max(err, Math.abs(y[n] - 0.8 * Math.sin((2 * Math.PI * 200 * n) / to)));
      expect(err, `${from}→${to}`).toBeLessThan(1e-3);
    }
  });

  it('streaming in random block sizes equals one-shot (to 1e-6), output length ceil(N·to/from)', () => {
    const rand = rng(7);
    const x = new Float32Array(20_000);
    for (let i = 0; i < x.length; i++) x[i] = rand() * 2 - 1;
    for (const [from, to] of [
      [48000, 16000],
      [8000, 16000],
      [44100, 16000],
      [11025, 16000],
      [22050, 16000],
      [16000, 8000],
      [16000, 44100],
      [44100, 16001], // awkward ratio: interpolated phases
    ]) {
      for (const simd of [true, false]) {
        const one = resample(x, from, to, { simd });
        expect(one.length).toBe(Math.ceil((x.length * to) / from));
        const st = streamed(x, from, to, rand, { simd });
        expect(st.length).toBe(one.length);
        let md = 0;
        for (let i = 0; i < st.length; i++) md = Math.max(md, Math.abs(st[i] - one[i]));
        expect(md, `${from}→${to} simd=${simd}`).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it('the SIMD kernel and the plain-JS path agree; the resampler is reusable after flush', () => {
    const x = tone(440, 44100, 0.2);
    const a = resample(x, 44100, 16000);
    const b = resample(x, 44100, 16000, { simd: false });
    let md = 0;
    for (let i = 0; i < a.length; i++) md = Math.max(md, Math.abs(a[i] - b[i]));
    expect(md).toBeLessThan(1e-5);
    const r = new Resampler(44100, 16000);
    const first = [...r.process(x), ...r.flush()];
    const second = [...r.process(x), ...r.flush()];
    expect(second).toEqual(first);
  });

  it('edge cases: equal rates copy, empty input, tiny input, awkward ratios', () => {
    const x = tone(440, 16000, 0.01);
    const same = resample(x, 16000, 16000);
    expect(Array.from(same)).toEqual(Array.from(x));
    expect(same).not.toBe(x);
    expect(resample(new Float32Array(0), 8000, 16000).length).toBe(0);
    expect(resample(new Float32Array([0.5]), 8000, 16000).length).toBe(2);
    expect(resample(new Float32Array([0.5]), 48000, 16000).length).toBe(1);
    const odd = resample(tone(1000, 44100, 0.3), 44100, 16001);
    expect(Math.abs(levelDb(odd, 0.5, 400))).toBeLessThan(0.5);
    const r = new Resampler(8000, 16000);
    expect(r.process(new Float32Array(0)).length).toBe(0);
    expect(r.flush().length).toBe(0);
  });

  it('rejects bad rates with a typed error', () => {
    for (const [a, b] of [
      [0, 16000],
      [16000, -1],
      [Number.NaN, 16000],
      [16000.5, 16000],
    ]) {
      let e: unknown;
      try {
        new Resampler(a, b);
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(EmosigError);
      expect((e as EmosigError).code).toBe('AUDIO_BAD_SAMPLE_RATE');
    }
  });

  it('is fast: 3 minutes of 8 kHz → 16 kHz in well under a second', () => {
    const x = tone(300, 8000, 180, 0.3);
    const r = new Resampler(8000, 16000);
    const t0 = performance.now();
    let n = 0;
    for (let i = 0; i < x.length; i += 8000) n += r.process(x.subarray(i, i + 8000)).length;
    n += r.flush().length;
    const ms = performance.now() - t0;
    expect(n).toBe(180 * 16000);
    expect(ms).toBeLessThan(r.usesSimd ? 500 : 2500); // measured ≈ 30 ms with SIMD (≈ 0.6 s per hour), ≈ 10× that in plain JS
  });
});

describe('resampleBlocks: a WAV stream to 16 kHz', () => {
  it('streams openWav blocks through per-channel resamplers, equal to one-shot', async () => {
    const a = tone(440, 44100, 1.3, 0.4);
    const b = tone(1200, 44100, 1.3, 0.3);
    const reader = await openWav(encodeWav([a, b], 44100, 'float'));
    const got: Float32Array[] = [new Float32Array(Math.ceil((a.length * 16000) / 44100)), new Float32Array(Math.ceil((a.length * 16000) / 44100))];
    let next = 0;
    for await (const blk of resampleBlocks(reader.blocks(5000), 44100, 16000)) {
      expect(blk.startFrame).toBe(next);
      got[0].set(blk.channels[0], blk.startFrame);
      got[1].set(blk.channels[1], blk.startFrame);
      next += blk.channels[0].length;
    }
    await reader.close();
    expect(next).toBe(got[0].length);
    const ref = [resample(a, 44100, 16000), resample(b, 44100, 16000)];
    let md = 0;
    for (let c = 0; c < 2; c++) for (let i = 0; i < ref[c].length; i++) md = Math.max(md, Math.abs(got[c][i] - ref[c][i]));
    expect(md).toBeLessThanOrEqual(1e-6);
    // equal rates: pass-through
    const r16 = await openWav(encodeWav([tone(440, 16000, 0.5)], 16000));
    let n = 0;
    for await (const blk of resampleBlocks(r16.blocks(3000), 16000, 16000)) n += blk.channels[0].length;
    await r16.close();
    expect(n).toBe(8000);
  });
});
