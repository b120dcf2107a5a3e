/**
 * Incremental voice analysis for live audio: one `VoiceChannelStream` per channel (speaker).
 *
 * Audio of any block size goes in (`push`, at the channel's own rate); it is resampled to 16 kHz by the
 * streaming `Resampler`, run through Silero VAD with the LSTM state carried from call to call (`VadLane.state`,
 * so no audio is run twice), segmented by the same `SpeechSegmenter` as `analyzeVoice`, and its frame
 * descriptors (LLDs: spectral, F0, HNR, jitter, shimmer per 10 ms) are computed once, block by block, into a
 * bounded ring. When a segment closes, its functionals come from the ring (`FeatureAccumulator`, as offline)
 * and its quality from the kept audio (`segmentQuality`, as offline). A segment still open can be read
 * "so far" (`provisional`) from the same ring, without touching the audio again.
 *
 * Memory is bounded: the channel keeps `keepSec` (default: the longest segment + 5 s) of 16 kHz audio and of
 * frame descriptors, the VAD state, the segmenter, the noise-floor ring, the speaker's whole-call feature
 * accumulator (fixed reservoirs) and a running baseline (mean and deviation of its segment vectors).
 *
 * Frame descriptors are computed in blocks whose ends fall on `nextBoundary` (default every 0.25 s; a live
 * stream adds its window ends), each with 60 ms of audio before it and 40 ms after it as context, so that
 * the results do not depend on how the audio was chunked.
 */
import { SpeechSegmenter, VAD_FRAME, VAD_RATE, VAD_STATE_SIZE, type SpeechSpan, type VadLane, type VadOptions } from './vad.js';
import { FeatureAccumulator, analyseFrames, LLD_NAMES, FEATURE_NAMES, type FrameAnalysis, type LldName } from './features.js';
import { HOP, WIN } from './spectral.js';
import { AudioHistory, NoiseFloor, VadQueue, scoreSegments, segmentQuality, usableBaseline, type ExtractedSegment, type VoiceBaseline, type VoiceSegment } from './analyze.js';
import type { VoiceModel } from './model.js';

/** Context around each block of frame descriptors (samples at 16 kHz): 60 ms before, 40 ms after. */
const LEFT_CONTEXT = 6 * HOP;
const RIGHT_CONTEXT = 4 * HOP;
/** Segments shorter than this are not scored (as `analyzeVoice`). */
const MIN_SEGMENT_SAMPLES = 0.2 * VAD_RATE;

export interface VoiceStreamOptions {
  vad?: VadOptions;
  /** Seconds of audio and frame descriptors kept behind the newest (default: the longest segment + 5 s). */
  keepSec?: number;
  /** The next block boundary (s) after `t` (default: every 0.25 s). */
  nextBoundary?: (t: number) => number;
  /** Open segments shorter than this (s) are not read provisionally (default 0.5). */
  minProvisionalSec?: number;
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

/** Incremental VAD + segmenter + frame descriptors of one channel (one speaker). */
export class VoiceChannelStream {
  readonly name: string;
  readonly inputRate: number;
  private readonly queue: VadQueue;
  private readonly history = new AudioHistory();
  private readonly vadState = new Float32Array(VAD_STATE_SIZE);
  private readonly segmenter: SpeechSegmenter;
  private readonly noise = new NoiseFloor();
  /** All of this speaker's speech frames, for whole-call functionals. */
  readonly acc = new FeatureAccumulator();
  readonly baseline = new RunningBaseline();
  private readonly ring: LldRing;
  private readonly keep: number;
  private readonly nextBoundary: (t: number) => number;
  private readonly minProvisional: number;
  /** 16 kHz samples through which the VAD has run. */
  private vadPos = 0;
  /** Next frame index without descriptors; the next block end (s); samples whose frames are all done. */
  private lldNext = 0;
  private boundary: number;
  private lldDone = 0;
  /** Closed spans waiting for their frame descriptors. */
  private closed: SpeechSpan[] = [];
  private ended = false;
  private flushed = false;
  /** Input samples received. */
  received = 0;

  constructor(name: string, inputRate: number, opts: VoiceStreamOptions = {}) {
    this.name = name;
    this.inputRate = inputRate;
    this.queue = new VadQueue(inputRate);
    this.segmenter = new SpeechSegmenter(opts.vad);
    const keepSec = opts.keepSec ?? (opts.vad?.maxSegmentSec ?? 15) + 5;
    this.keep = Math.round(keepSec * VAD_RATE);
    this.ring = new LldRing(Math.ceil((keepSec * VAD_RATE) / HOP) + 64);
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

  /** Seconds of input received, processed (VAD and frame descriptors complete), and waiting. */
  get receivedSec(): number {
    return this.received / this.inputRate;
  }
  get clock(): number {
    return this.lldDone / VAD_RATE;
  }
  get queuedSec(): number {
    return Math.max(0, this.receivedSec - this.vadPos / VAD_RATE);
  }
  /** Seconds of 16 kHz audio and of frame descriptors held (bounded by `keepSec` + 1 s). */
  get heldSec(): { audio: number; frames: number } {
    return { audio: (this.history.end - this.history.start) / VAD_RATE, frames: ((this.ring.end - this.ring.start) * HOP) / VAD_RATE };
  }
  /** Start (s) of the speech segment in progress, if any. */
  get openStart(): number | undefined {
    return this.segmenter.openSpan()?.start;
  }
  /** Whether `end()` was called and everything has been processed. */
  get done(): boolean {
    return this.flushed;
  }
  /** Whether `vadLane()` has work: a whole VAD frame, or the final flush after `end()`. */
  get hasWork(): boolean {
    return this.queue.length >= VAD_FRAME || (this.ended && !this.flushed);
  }

  /** The VAD work that is ready: whole 32 ms frames (everything after `end()`), or undefined. */
  vadLane(): VadLane | undefined {
    if (!this.hasWork) return undefined;
    const audio = this.queue.take(this.ended);
    return { audio, warmupFrames: 0, state: this.vadState, context: this.history.slice(this.vadPos - 64, this.vadPos) };
  }

  /**
   * Take the lane's audio and its VAD probabilities one 32 ms frame at a time: segmenter, noise floor,
   * frame-descriptor blocks, closed segments (`onSegment`), then the new clock (`onClock`). After `end()`,
   * the last lane also closes the open segment and computes the remaining frames.
   */
  async advance(lane: VadLane, probs: Float32Array, hooks: ChannelHooks = {}): Promise<void> {
    const { audio } = lane;
    const nFrames = Math.ceil(audio.length / VAD_FRAME);
    for (let f = 0; f < nFrames; f++) {
      const a = audio.subarray(f * VAD_FRAME, Math.min(audio.length, (f + 1) * VAD_FRAME));
      const p = probs.subarray(f, f + 1);
      this.history.append(a);
      this.noise.observe(a, p);
      this.vadPos += a.length;
      this.closed.push(...this.segmenter.push(p));
      await this.settle(false, hooks);
      this.trim();
    }
    if (this.ended && this.queue.length === 0 && !this.flushed) {
      this.flushed = true;
      this.closed.push(...this.segmenter.flush());
      await this.settle(true, hooks);
    }
  }

  /** Frame-descriptor blocks that are due, then the closed segments whose frames are ready, then the clock. */
  private async settle(final: boolean, hooks: ChannelHooks): Promise<void> {
    const before = this.lldDone;
    this.runBlocks(final);
    while (this.closed.length && (final || Math.round(this.closed[0].end * VAD_RATE) <= this.lldDone)) {
      const seg = this.finalise(this.closed.shift()!);
      if (seg && hooks.onSegment) await hooks.onSegment(seg);
    }
    if ((final || this.lldDone > before) && hooks.onClock) await hooks.onClock(this.clock);
  }

  /** Frame descriptors for every block whose end (plus context) has been reached. */
  private runBlocks(final: boolean): void {
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
        this.ring.put(fa, j0, count);
        this.lldNext += count;
      }
      this.lldDone = Math.max(this.lldDone, bEnd);
      if (final && bEnd >= this.vadPos) return;
      this.boundary = this.nextBoundary(this.boundary);
    }
  }

  /** Frames fully inside samples [a, b). */
  private framesOf(a: number, b: number): FrameAnalysis {
    const kA = Math.ceil(a / HOP);
    const kB = b >= WIN ? Math.floor((b - WIN) / HOP) + 1 : 0;
    return this.ring.get(kA, Math.min(kB, this.lldNext));
  }

  private extract(start: number, end: number, prob: number): { seg: ExtractedSegment; frames: FrameAnalysis } | undefined {
    const a = Math.round(start * VAD_RATE);
    const b = Math.round(end * VAD_RATE);
    if (b - a < MIN_SEGMENT_SAMPLES) return undefined;
    const frames = this.framesOf(a, b);
    if (frames.nFrames === 0) return undefined;
    const x = this.history.slice(a, b);
    const r3 = (v: number) => Math.round(v * 1000) / 1000;
    return {
      seg: {
        speaker: this.name,
        start: r3(start),
        end: r3(end),
        vector: new FeatureAccumulator().add(frames).vector(),
        quality: segmentQuality(x, this.noise.floor(), prob),
      },
      frames,
    };
  }

  private finalise(span: SpeechSpan): ExtractedSegment | undefined {
    const r = this.extract(span.start, Math.min(span.end, this.vadPos / VAD_RATE), span.prob);
    if (!r) return undefined;
    this.acc.add(r.frames);
    this.baseline.add(r.seg.vector, r.seg.end - r.seg.start);
    return r.seg;
  }

  /**
   * Speech that has started but is not final yet (the open segment, and closed ones still waiting for their
   * frames), read up to `until` seconds (≤ `clock`) from the frame descriptors already computed.
   */
  provisional(until = this.clock): ExtractedSegment[] {
    const out: ExtractedSegment[] = [];
    const open = this.segmenter.openSpan();
    const spans = [...this.closed, ...(open ? [{ start: open.start, end: until, prob: open.prob }] : [])];
    for (const s of spans) {
      const end = Math.min(s.end, until, this.clock);
      if (end - s.start < this.minProvisional) continue;
      const r = this.extract(s.start, end, s.prob);
      if (r) out.push(r.seg);
    }
    return out;
  }

  /** Score segments of this channel with the model, against the speaker's running baseline when it is usable. */
  score(model: VoiceModel, segs: ExtractedSegment[], personal = true): Promise<VoiceSegment[]> {
    return scoreSegments(model, segs, { [this.name]: personal ? usableBaseline(model, this.baseline.get()) : undefined });
  }

  /** Drop audio nothing can need any more (bounded memory). */
  private trim(): void {
    const open = this.segmenter.openSpan();
    let from = Math.min(this.vadPos - this.keep, this.lldNext * HOP - LEFT_CONTEXT, this.vadPos - 64);
    if (open) from = Math.min(from, Math.floor(open.start * VAD_RATE));
    if (this.closed.length) from = Math.min(from, Math.floor(this.closed[0].start * VAD_RATE));
    // never beyond what the longest segment may need
    from = Math.max(from, this.vadPos - this.keep - VAD_RATE);
    if (from > this.history.start + VAD_RATE) this.history.trimBefore(from);
  }
}
