/**
 * One engine for a channel's voice, live and recorded: one `VoiceChannelStream` per channel (speaker).
 *
 * Audio of any block size goes in (`push`, at the channel's own rate); it is resampled to 16 kHz by the
 * streaming `Resampler`, run through Silero VAD in fixed pieces (`VAD_PIECE_FRAMES`: the state carried within a
 * piece, a fresh warmed-up state at each piece boundary, so the probabilities do not depend on how audio arrives),
 * and segmented by `SpeechSegmenter`. When a segment closes, its features come from its own audio and its quality
 * from the noise floor so far (`segmentFromAudio`). `extractVoice` runs this same class over a file (the VAD pieces
 * of both channels batched), so a stream fed a recording finds the same segments with the same features.
 *
 * Live only (`liveFrames`, default on): frame descriptors (LLDs: spectral, F0, HNR, jitter, shimmer per 10 ms)
 * of all audio are computed once, block by block, into a bounded ring, so the segment still open can be read
 * "so far" (`provisional`) without touching the audio again. Blocks end on `nextBoundary` (default every 0.25 s;
 * a live stream adds its window ends), each with 60 ms of audio before it and 40 ms after it as context.
 *
 * Memory is bounded: the channel keeps `keepSec` (default: the longest segment + 5 s, plus a trim step) of 16 kHz
 * audio and of frame descriptors, the VAD state, the segmenter, the noise-floor ring, the speaker's whole-call
 * feature accumulator (fixed reservoirs) and a running baseline (mean and deviation of its segment vectors).
 */
import { SpeechSegmenter, VAD_FRAME, VAD_PIECE_FRAMES, VAD_RATE, VAD_STATE_SIZE, VAD_WARMUP_FRAMES, pieceLanes, type PieceLane, type SpeechSpan, type VadOptions } from './vad.js';
import { FeatureAccumulator, analyseFrames, LLD_NAMES, FEATURE_NAMES, type FrameAnalysis, type LldName } from './features.js';
import { HOP, WIN } from './spectral.js';
import { AudioHistory, NoiseFloor, VadQueue, segmentFromAudio, segmentQuality, round3, MIN_SEGMENT_SAMPLES } from './segment.js';
import type { ExtractedSegment, VoiceBaseline } from './analyze.js';
import { DEFAULT_CONFIG } from '../config.js';

/** Context around each block of frame descriptors (samples at 16 kHz): 60 ms before, 40 ms after. */
const LEFT_CONTEXT = 6 * HOP;
const RIGHT_CONTEXT = 4 * HOP;
/** Audio kept behind the VAD position at least: the warm-up of the next VAD piece. */
const WARM_SAMPLES = VAD_WARMUP_FRAMES * VAD_FRAME;

export interface VoiceStreamOptions {
  vad?: VadOptions;
  /** Seconds of audio and frame descriptors kept behind the newest (default: the longest segment + 5 s). */
  keepSec?: number;
  /** The next block boundary (s) after `t` (default: every 0.25 s). */
  nextBoundary?: (t: number) => number;
  /** Open segments shorter than this (s) are not read provisionally (default 0.5). */
  minProvisionalSec?: number;
  /**
   * Compute frame descriptors of all audio as it comes, for provisional readings of open segments and the
   * `onClock` reports after each block (default true; the file reader turns it off: its clock is the VAD's).
   */
  liveFrames?: boolean;
}

/** One channel's VAD work: a piece lane and whether it is the channel's last (after `end()`). */
export interface ChannelLane extends PieceLane {
  last: boolean;
}

/** Per-frame descriptors of the last `capacity` 10 ms frames of a channel (absolute frame indices). */
class LldRing {
  private readonly cols: Float32Array[];
  private readonly voiced: Uint8Array;
  /** Oldest and next absolute frame index held. */
  start = 0;
  end = 0;

  constructor(private readonly capacity: number) {
    this.cols = LLD_NAMES.map(() => new Float32Array(capacity));
    this.voiced = new Uint8Array(capacity);
  }

  /** Append `count` frames of `fa` starting at its frame `j0`. */
  put(fa: FrameAnalysis, j0: number, count: number): void {
    for (let j = j0; j < j0 + count; j++) {
      const i = this.end % this.capacity;
      LLD_NAMES.forEach((n, k) => (this.cols[k][i] = fa.cols[n][j]));
      this.voiced[i] = fa.voiced[j];
      this.end++;
    }
    if (this.end - this.start > this.capacity) this.start = this.end - this.capacity;
  }

  /** Frames [a, b) (clamped to what is held) as a `FrameAnalysis`. */
  get(a: number, b: number): FrameAnalysis {
    const lo = Math.max(a, this.start);
    const n = Math.max(0, Math.min(b, this.end) - lo);
    const cols = {} as Record<LldName, Float32Array>;
    LLD_NAMES.forEach((name, k) => {
      const c = new Float32Array(n);
      for (let t = 0; t < n; t++) c[t] = this.cols[k][(lo + t) % this.capacity];
      cols[name] = c;
    });
    const voiced = new Uint8Array(n);
    for (let t = 0; t < n; t++) voiced[t] = this.voiced[(lo + t) % this.capacity];
    return { t0: (lo * HOP) / VAD_RATE, nFrames: n, cols, voiced };
  }
}

/** Running mean and deviation of a speaker's segment vectors (Welford), as `buildBaselines` computes them at once. */
export class RunningBaseline {
  private n = 0;
  private sec = 0;
  private readonly mean = new Float64Array(FEATURE_NAMES.length);
  private readonly m2 = new Float64Array(FEATURE_NAMES.length);

  add(v: Float32Array, sec: number): void {
    this.n++;
    this.sec += sec;
    for (let d = 0; d < v.length; d++) {
      const delta = v[d] - this.mean[d];
      this.mean[d] += delta / this.n;
      this.m2[d] += delta * (v[d] - this.mean[d]);
    }
  }

  get(): VoiceBaseline | undefined {
    if (this.n === 0) return undefined;
    const std = new Float32Array(this.m2.length);
    for (let d = 0; d < std.length; d++) std[d] = Math.sqrt(Math.max(0, this.m2[d] / this.n));
    return { mean: Float32Array.from(this.mean), std, segments: this.n, speechSec: this.sec };
  }
}

export interface ChannelHooks {
  /** A speech segment closed and its features are ready. */
  onSegment?(seg: ExtractedSegment): void | Promise<void>;
  /** Frame descriptors (and VAD) are complete up to `clock` seconds. */
  onClock?(clock: number): void | Promise<void>;
}

/**
 * One channel (one speaker): resampling queue → VAD pieces → segmenter → a closed segment's features and quality
 * from its own audio, exactly as `extractVoice` computes them (it runs this same class over a file); plus, live,
 * frame descriptors of all audio as it comes for provisional readings of the segment still open.
 */
export class VoiceChannelStream {
  readonly name: string;
  readonly inputRate: number;
  private readonly queue: VadQueue;
  private readonly history = new AudioHistory();
  /** LSTM state of the VAD piece in progress. */
  private vadState: Float32Array = new Float32Array(VAD_STATE_SIZE);
  private readonly segmenter: SpeechSegmenter;
  private readonly noise = new NoiseFloor();
  /** All of this speaker's speech frames, for whole-call functionals. */
  readonly acc = new FeatureAccumulator();
  readonly baseline = new RunningBaseline();
  private readonly ring?: LldRing;
  private readonly keep: number;
  private readonly nextBoundary: (t: number) => number;
  private readonly minProvisional: number;
  /** Audio is dropped in steps of this many samples (1.5 s live; 16 s for a file, where copying costs more than memory). */
  private readonly trimStep: number;
  /** 16 kHz samples through which the VAD has run. */
  private vadPos = 0;
  /** Next frame index without descriptors; the next block end (s); samples whose frames are all done. */
  private lldNext = 0;
  private boundary: number;
  private lldDone = 0;
  private ended = false;
  private flushed = false;
  /** Input samples received. */
  received = 0;

  constructor(name: string, inputRate: number, opts: VoiceStreamOptions = {}) {
    this.name = name;
    this.inputRate = inputRate;
    this.queue = new VadQueue(inputRate);
    this.segmenter = new SpeechSegmenter(opts.vad);
    const keepSec = opts.keepSec ?? (opts.vad?.maxSegmentSec ?? DEFAULT_CONFIG.voice.vad.maxSegmentSec) + 5;
    this.keep = Math.max(WARM_SAMPLES, Math.round(keepSec * VAD_RATE));
    if (opts.liveFrames !== false) this.ring = new LldRing(Math.ceil((keepSec * VAD_RATE) / HOP) + 64);
    this.trimStep = (this.ring ? 1.5 : 16) * VAD_RATE;
    this.nextBoundary = opts.nextBoundary ?? ((t) => (Math.floor(t * 4 + 1e-9) + 1) / 4);
    this.boundary = this.nextBoundary(0);
    this.minProvisional = opts.minProvisionalSec ?? 0.5;
  }

  /** Feed samples at the channel's input rate. */
  push(x: Float32Array): void {
    if (this.ended) throw new Error('VoiceChannelStream.push after end');
    this.received += x.length;
    this.queue.push(x);
  }

  /** No more input: the resampler's tail joins the pending audio. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.end();
  }

  /** Seconds of input received, processed (VAD and, live, frame descriptors complete), and waiting. */
  get receivedSec(): number {
    return this.received / this.inputRate;
  }
  get clock(): number {
    return (this.ring ? this.lldDone : this.vadPos) / VAD_RATE;
  }
  get queuedSec(): number {
    return Math.max(0, this.receivedSec - this.vadPos / VAD_RATE);
  }
  /** 16 kHz samples waiting for the VAD. */
  get queuedSamples(): number {
    return this.queue.length;
  }
  /** Seconds of 16 kHz audio and of frame descriptors held (bounded by `keepSec` + 2.5 s live). */
  get heldSec(): { audio: number; frames: number } {
    return { audio: (this.history.end - this.history.start) / VAD_RATE, frames: this.ring ? ((this.ring.end - this.ring.start) * HOP) / VAD_RATE : 0 };
  }
  /** Start (s) of the speech segment in progress, if any. */
  get openStart(): number | undefined {
    return this.segmenter.openSpan()?.start;
  }
  /** Whether `end()` was called and everything has been processed. */
  get done(): boolean {
    return this.flushed;
  }
  /** Whether `vadLanes()` has work: a whole VAD frame, or the final flush after `end()`. */
  get hasWork(): boolean {
    return this.queue.length >= VAD_FRAME || (this.ended && !this.flushed);
  }

  /**
   * The VAD work that is ready, one lane per VAD piece it touches (see `VAD_PIECE_FRAMES`): whole 32 ms frames,
   * whole pieces only with `wholePieces` (the file reader), everything after `end()`. Run them with
   * `SileroVad.lanes` (any number of channels' lanes in one batch) and hand each to `advance` in order.
   */
  vadLanes(wholePieces = false): ChannelLane[] {
    if (!this.hasWork) return [];
    const piece = VAD_PIECE_FRAMES * VAD_FRAME;
    const max = wholePieces && !this.ended ? Math.floor((this.vadPos + this.queue.length) / piece) * piece - this.vadPos : Infinity;
    if (max <= 0) return [];
    const audio = this.queue.take(this.ended, max);
    const lanes: ChannelLane[] = pieceLanes(audio, this.vadPos, this.history.slice(this.vadPos - WARM_SAMPLES, this.vadPos), this.vadState).map((l) => ({ ...l, last: false }));
    if (this.ended && this.queue.length === 0) {
      if (!lanes.length) lanes.push({ audio, body: audio, warmupFrames: 0, state: this.vadState, last: true });
      lanes[lanes.length - 1].last = true;
    }
    return lanes;
  }

  /**
   * Take a lane's audio and its VAD probabilities one 32 ms frame at a time: noise floor, segmenter, closed
   * segments (`onSegment`), live frame descriptors and the new clock (`onClock`). The channel's last lane also
   * closes the open segment.
   */
  async advance(lane: ChannelLane, probs: Float32Array, hooks: ChannelHooks = {}): Promise<void> {
    const { body } = lane;
    const nFrames = Math.ceil(body.length / VAD_FRAME);
    for (let f = 0; f < nFrames; f++) {
      const a = body.subarray(f * VAD_FRAME, Math.min(body.length, (f + 1) * VAD_FRAME));
      const p = probs.subarray(f, f + 1);
      this.history.append(a);
      this.noise.observe(a, p);
      this.vadPos += a.length;
      for (const span of this.segmenter.push(p)) await this.close(span, hooks);
      if (this.ring) {
        const before = this.lldDone;
        this.runBlocks(false);
        if (this.lldDone > before && hooks.onClock) await hooks.onClock(this.clock);
      }
      this.trim();
    }
    this.vadState = lane.state;
    if (lane.last && !this.flushed) {
      this.flushed = true;
      for (const span of this.segmenter.flush()) await this.close(span, hooks);
      if (this.ring) this.runBlocks(true);
      if (hooks.onClock) await hooks.onClock(this.clock);
    } else if (!this.ring && nFrames && hooks.onClock) await hooks.onClock(this.clock);
  }

  /** A closed span: features and quality from its audio (as the file reader), then `onSegment`. */
  private async close(span: SpeechSpan, hooks: ChannelHooks): Promise<void> {
    const r = segmentFromAudio(this.name, this.history, span.start, Math.min(span.end, this.vadPos / VAD_RATE), this.noise.floor(), span.prob);
    if (!r) return;
    this.acc.add(r.frames);
    this.baseline.add(r.seg.vector, r.seg.end - r.seg.start);
    if (hooks.onSegment) await hooks.onSegment(r.seg);
  }

  /** Live frame descriptors for every block whose end (plus context) has been reached. */
  private runBlocks(final: boolean): void {
    const ring = this.ring!;
    for (;;) {
      let bEnd = Math.round(this.boundary * VAD_RATE);
      if (!final && this.vadPos < bEnd + RIGHT_CONTEXT) return;
      if (final) bEnd = Math.min(bEnd, this.vadPos);
      const kEnd = bEnd >= WIN ? Math.floor((bEnd - WIN) / HOP) + 1 : 0;
      if (kEnd > this.lldNext) {
        const from = this.lldNext * HOP;
        const xs = Math.max(from - LEFT_CONTEXT, Math.ceil(this.history.start / HOP) * HOP);
        const xe = Math.min(this.vadPos, (kEnd - 1) * HOP + WIN + RIGHT_CONTEXT);
        const fa = analyseFrames(this.history.slice(xs, xe), xs / VAD_RATE);
        const j0 = (from - xs) / HOP;
        const count = Math.min(kEnd - this.lldNext, fa.nFrames - j0);
        ring.put(fa, j0, count);
        this.lldNext += count;
      }
      this.lldDone = Math.max(this.lldDone, bEnd);
      if (final && bEnd >= this.vadPos) return;
      this.boundary = this.nextBoundary(this.boundary);
    }
  }

  /**
   * The segment still open, read "so far" up to `until` seconds (≤ `clock`) from the live frame descriptors
   * (nothing without them, or while it is shorter than `minProvisionalSec`).
   */
  provisional(until = this.clock): ExtractedSegment[] {
    const open = this.segmenter.openSpan();
    if (!open || !this.ring) return [];
    const end = Math.min(until, this.clock);
    if (end - open.start < this.minProvisional) return [];
    const a = Math.round(open.start * VAD_RATE);
    const b = Math.round(end * VAD_RATE);
    if (b - a < MIN_SEGMENT_SAMPLES) return [];
    const kA = Math.ceil(a / HOP);
    const kB = b >= WIN ? Math.floor((b - WIN) / HOP) + 1 : 0;
    const frames = this.ring.get(kA, Math.min(kB, this.lldNext));
    if (frames.nFrames === 0) return [];
    const quality = segmentQuality(this.history.slice(a, b), this.noise.floor(), open.prob);
    return [{ speaker: this.name, start: round3(open.start), end: round3(end), vector: new FeatureAccumulator().add(frames).vector(), quality }];
  }

  /** Drop audio nothing can need any more (bounded memory), in steps (`trimStep`) so that copying stays cheap. */
  private trim(): void {
    let from = Math.min(this.vadPos - this.keep, this.ring ? this.lldNext * HOP - LEFT_CONTEXT : Infinity);
    const open = this.segmenter.openSpan();
    if (open) from = Math.min(from, Math.floor(open.start * VAD_RATE));
    // never beyond what the longest segment may need
    from = Math.max(from, this.vadPos - this.keep - VAD_RATE);
    if (from > this.history.start + this.trimStep) this.history.trimBefore(from);
  }
}
