/**
 * What a channel's audio goes through before scoring, shared by the file reader (`extractVoice`) and the
 * live stream (`VoiceChannelStream`): the 16 kHz resampling queue, the audio history, the noise floor, and a
 * closed speech span's features and quality.
 */
import { Resampler } from './resample.js';
import { VAD_FRAME, VAD_RATE } from './vad.js';
import { FeatureAccumulator, analyseFrames, type FrameAnalysis } from './features.js';
import type { ExtractedSegment } from './analyze.js';

/** Speech spans shorter than this (16 kHz samples) are not scored. */
export const MIN_SEGMENT_SAMPLES = 0.2 * VAD_RATE;

/** Growable window of one channel's 16 kHz audio: absolute sample `start` is at buf[0]. */
export class AudioHistory {
  // starts at 4 s and doubles as needed (a long call settles at 64 s): allocating and zeroing a long buffer up
  // front cost more than a short file's whole analysis takes in GC
  buf = new Float32Array(VAD_RATE * 4);
  start = 0;
  len = 0;
  append(x: Float32Array): void {
    if (this.len + x.length > this.buf.length) {
      const g = new Float32Array(Math.max(this.buf.length * 2, this.len + x.length));
      g.set(this.buf.subarray(0, this.len));
      this.buf = g;
    }
    this.buf.set(x, this.len);
    this.len += x.length;
  }
  /** Samples [a, b) in absolute indices, clamped to what is held. */
  slice(a: number, b: number): Float32Array {
    const s = Math.max(0, a - this.start);
    const e = Math.min(this.len, b - this.start);
    return e > s ? this.buf.slice(s, e) : new Float32Array(0);
  }
  /** Drop everything before absolute sample `a`. */
  trimBefore(a: number): void {
    const k = Math.min(this.len, Math.max(0, a - this.start));
    if (k === 0) return;
    this.buf.copyWithin(0, k, this.len);
    this.len -= k;
    this.start += k;
  }
  get end(): number {
    return this.start + this.len;
  }
}


/** One channel's audio, resampled to 16 kHz as it comes, waiting for the VAD. */
export class VadQueue {
  private readonly resampler: Resampler | null;
  private parts: Float32Array[] = [];
  /** Samples waiting. */
  length = 0;

  constructor(rate: number) {
    this.resampler = rate === VAD_RATE ? null : new Resampler(rate, VAD_RATE);
  }

  /** Samples at the channel's rate. */
  push(x: Float32Array): void {
    this.add(this.resampler ? this.resampler.process(x) : Float32Array.from(x));
  }

  /** End of input: the resampler's tail. */
  end(): void {
    if (this.resampler) this.add(this.resampler.flush());
  }

  private add(y: Float32Array): void {
    if (y.length) {
      this.parts.push(y);
      this.length += y.length;
    }
  }

  /** Take the waiting audio (whole VAD frames unless `all`), at most `max` samples. */
  take(all: boolean, max = Infinity): Float32Array {
    const n = Math.min(max, all ? this.length : this.length - (this.length % VAD_FRAME));
    const out = new Float32Array(n);
    let k = 0;
    const rest: Float32Array[] = [];
    for (const p of this.parts) {
      if (k + p.length <= n) {
        out.set(p, k);
        k += p.length;
      } else if (k < n) {
        out.set(p.subarray(0, n - k), k);
        rest.push(p.subarray(n - k));
        k = n;
      } else rest.push(p);
    }
    this.parts = rest;
    this.length -= n;
    return out;
  }
}


/** A channel's noise floor: the median energy of its recent non-speech VAD frames (a ring of 2,048 frames). */
export class NoiseFloor {
  private readonly noise = new Float32Array(2048);
  private n = 0;
  private i = 0;

  /** Record the energy of the VAD frames of `audio` (16 kHz) whose speech probability is below 0.1. */
  observe(audio: Float32Array, probs: ArrayLike<number>): void {
    for (let f = 0; f < probs.length; f++) {
      if (probs[f] < 0.1) {
        let e = 0;
        const o = f * VAD_FRAME;
        const m = Math.min(audio.length, o + VAD_FRAME);
        for (let j = o; j < m; j++) e += audio[j] * audio[j];
        if (m > o) {
          this.noise[this.i] = e / (m - o);
          this.i = (this.i + 1) % this.noise.length;
          this.n++;
        }
      }
    }
  }

  /** The floor (mean power), or undefined before 8 non-speech frames were seen. */
  floor(): number | undefined {
    if (this.n < 8) return undefined;
    const a = this.noise.slice(0, Math.min(this.n, this.noise.length)).sort();
    return a[Math.floor(a.length / 2)];
  }
}


/**
 * Level, clipping and signal-to-noise of a segment's 16 kHz samples `x`, given the channel's noise floor
 * (mean power of its non-speech frames; without one, the quietest 10 % of the segment's 32 ms frames).
 */
export function segmentQuality(x: Float32Array, noiseFloor: number | undefined, speechProb: number): ExtractedSegment['quality'] {
  let e = 0;
  let clipped = 0;
  for (let i = 0; i < x.length; i++) {
    e += x[i] * x[i];
    if (Math.abs(x[i]) >= 0.985) clipped++;
  }
  const power = e / x.length;
  const rmsDb = 10 * Math.log10(power + 1e-12);
  // noise: the channel's non-speech floor; without one, the quietest 10 % of the segment's 32 ms frames
  let floor = noiseFloor;
  if (floor === undefined) {
    const fr: number[] = [];
    for (let o = 0; o + VAD_FRAME <= x.length; o += VAD_FRAME) {
      let f = 0;
      for (let j = o; j < o + VAD_FRAME; j++) f += x[j] * x[j];
      fr.push(f / VAD_FRAME);
    }
    fr.sort((p, q) => p - q);
    floor = fr.length ? fr[Math.floor(fr.length * 0.1)] : power;
  }
  const snrDb = Math.max(-10, Math.min(60, 10 * Math.log10((power + 1e-12) / (floor + 1e-12))));
  return { rmsDb: round3(rmsDb), clippedFraction: round3(clipped / x.length), snrDb: round3(snrDb), speechProb: round3(speechProb) };
}


/**
 * A closed speech span [start, end) s of `speaker`'s channel: its features over the span's own audio (frames
 * from the span's start), and its quality against the channel's noise floor; undefined when shorter than 0.2 s.
 */
export function segmentFromAudio(
  speaker: string,
  history: AudioHistory,
  start: number,
  end: number,
  noiseFloor: number | undefined,
  speechProb: number,
): { seg: ExtractedSegment; frames: FrameAnalysis } | undefined {
  const x = history.slice(Math.round(start * VAD_RATE), Math.round(end * VAD_RATE));
  if (x.length < MIN_SEGMENT_SAMPLES) return undefined;
  const frames = analyseFrames(x, start);
  return {
    seg: { speaker, start: round3(start), end: round3(end), vector: new FeatureAccumulator().add(frames).vector(), quality: segmentQuality(x, noiseFloor, speechProb) },
    frames,
  };
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
