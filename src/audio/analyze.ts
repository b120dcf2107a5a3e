/**
 * `analyzeVoice`: call audio → speech segments per speaker → vocal-stress features → emotion, valence,
 * arousal, stress and confidence per segment, per speaker and for the whole file.
 *
 * Two stages, so that a personal baseline can span several files:
 *   1. `extractVoice` streams the audio (bounded memory: blocks of a few seconds, resampled to 16 kHz,
 *      VAD over ~30 s chunks, features for each segment as soon as it closes) and returns segments with
 *      their feature vectors and quality measures;
 *   2. `scoreVoice` runs the model on those vectors, with each speaker's baseline (from the same recording,
 *      or given by the caller across files) when there is enough speech, and aggregates.
 */
import { stat } from 'node:fs/promises';
import { EmosigError } from '../errors.js';
import { CORE_LABELS, emptyEmotions, emotionsFromVector, type Emotions } from '../signature/labels.js';
import { openWav, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, type AudioInfo, type WavReader, type AudioBlock } from './decode.js';
import { Resampler } from './resample.js';
import { SileroVad, SpeechSegmenter, VAD_FRAME, VAD_FRAME_SEC, VAD_RATE, type VadOptions } from './vad.js';
import { FeatureAccumulator, analyseFrames, FEATURE_NAMES } from './features.js';
import { loadVoiceModel, type VoiceModel, type VoicePrediction } from './model.js';
import { speakerBaseline, DEFAULT_BASELINE } from './trainer.js';
import { stressIndex, valenceArousal } from './stress.js';
import { dict, own as ownKey } from '../runtime/dict.js';
import { check, VoiceInputSchema, VoiceOptionsSchema } from '../runtime/validate.js';

export type VoiceInput =
  | string
  | Uint8Array
  | { samples: Float32Array | Float32Array[]; sampleRate: number; name?: string };

export interface VoiceOptions {
  /** Speaker names per channel, e.g. `['customer', 'agent']` or `{ 0: 'customer', 1: 'agent' }`. Default ch0, ch1. */
  channels?: string[] | Record<number, string>;
  vad?: VadOptions;
  /** Include each segment's named feature vector in the reading (default false). */
  includeFeatures?: boolean;
  /** Judge segments against each speaker's own baseline when there is enough speech (default true). */
  personalBaseline?: boolean;
  /** Baselines from other files of the same speakers (see `buildBaselines`), keyed by speaker name. */
  baselines?: Record<string, VoiceBaseline>;
  /** Gaps of at least this length (s) between speech are reported as pauses (default 0.5). */
  minPauseSec?: number;
  /** onnxruntime threads per model (default 1). */
  intraOpThreads?: number;
  /** Longest accepted input in seconds (default 4 h). */
  maxDurationSec?: number;
  /** A voice model folder (e.g. one written by `emosig train voice`) instead of the shipped model. */
  model?: string;
}

export interface VoiceSummary {
  emotions: Emotions;
  valence: number;
  arousal: number;
  stress: number;
  confidence: number;
  /** Seconds of speech behind the summary. */
  speechSec: number;
  /** Segments behind the summary. */
  segments: number;
  /** Whether the segments were judged against the speaker's own baseline. */
  personalBaseline?: boolean;
  /** Whole-recording feature vector of the speaker (with `includeFeatures`). */
  features?: Record<string, number>;
}

export interface VoiceSegment {
  speaker: string;
  start: number;
  end: number;
  emotions: Emotions;
  valence: number;
  arousal: number;
  stress: number;
  confidence: number;
  /** Level, clipping, signal-to-noise and VAD probability behind `confidence`. */
  quality: { rmsDb: number; clippedFraction: number; snrDb: number; speechProb: number };
  features?: Record<string, number>;
}

export interface VoicePause {
  start: number;
  end: number;
  length: number;
  /** Who spoke last before the pause and who speaks after it (absent at the file's ends). */
  before?: string;
  after?: string;
}

export interface VoiceReading {
  modality: 'voice';
  source: string;
  durationSec: number;
  sampleRate: number;
  encoding: AudioInfo['encoding'] | 'float-array';
  speakers: string[];
  segments: VoiceSegment[];
  pauses: VoicePause[];
  overlaps: { start: number; end: number; speakers: string[] }[];
  overall: VoiceSummary;
  bySpeaker: Record<string, VoiceSummary>;
  /** True when no speech was found anywhere: every summary then has confidence 0 and all-zero emotions. */
  noSpeech: boolean;
  model: { name: string; version: string; backend: string; vad: string; license?: string };
  warnings: string[];
}

/** A segment's raw material before scoring. */
export interface ExtractedSegment {
  speaker: string;
  start: number;
  end: number;
  vector: Float32Array;
  quality: VoiceSegment['quality'];
}

export interface ExtractedVoice {
  source: string;
  info: Pick<AudioInfo, 'durationSec' | 'sampleRate'> & { encoding: VoiceReading['encoding']; channels: number };
  speakers: string[];
  segments: ExtractedSegment[];
  /** Whole-recording functionals per speaker (all of the speaker's speech frames), in FEATURE_NAMES order. */
  speakerFeatures: Record<string, Float32Array>;
  warnings: string[];
}

/** A speaker's baseline: mean and deviation of their segment feature vectors. */
export interface VoiceBaseline {
  mean: Float32Array;
  std: Float32Array;
  segments: number;
  speechSec: number;
}

const VAD_CHUNK_SEC = 32;
const KEEP_SEC = 20; // audio kept behind the VAD position (> longest segment + padding)

function channelNames(n: number, names?: VoiceOptions['channels']): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const given = Array.isArray(names) ? names[i] : names?.[i];
    out.push(given && String(given).trim() ? String(given).trim() : `ch${i}`);
  }
  if (new Set(out).size !== out.length) {
    throw new EmosigError('INVALID_OPTIONS', `channel names must differ (got ${out.join(', ')}); name each channel once, e.g. --channels customer,agent`);
  }
  return out;
}

/** An in-memory `WavReader` over caller-provided samples. */
function arrayReader(input: Extract<VoiceInput, { samples: unknown }>): WavReader {
  const chans = Array.isArray(input.samples) ? input.samples : [input.samples];
  const source = input.name ?? '<samples>';
  if (chans.length === 0 || chans.length > 2) {
    throw new EmosigError('AUDIO_TOO_MANY_CHANNELS', `${chans.length} channels given; pass one Float32Array (mono) or two (one speaker each)`, { input: source });
  }
  const sr = input.sampleRate;
  if (!Number.isFinite(sr) || sr < MIN_SAMPLE_RATE || sr > MAX_SAMPLE_RATE) {
    throw new EmosigError('AUDIO_BAD_SAMPLE_RATE', `sample rate ${sr} Hz is outside ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz; pass the rate the samples were recorded at`, { input: source });
  }
  const frames = Math.min(...chans.map((c) => c.length));
  if (frames === 0) throw new EmosigError('AUDIO_EMPTY', 'no samples were given', { input: source });
  let invalid = 0;
  const clean = chans.map((c) => {
    let bad = 0;
    for (let i = 0; i < frames; i++) if (!Number.isFinite(c[i])) bad++;
    invalid += bad;
    if (!bad) return c.subarray(0, frames);
    const d = Float32Array.from(c.subarray(0, frames));
    for (let i = 0; i < frames; i++) if (!Number.isFinite(d[i])) d[i] = 0;
    return d;
  });
  if (invalid === frames * chans.length) {
    throw new EmosigError('AUDIO_INVALID_SAMPLES', 'every sample is NaN or infinite; check how the samples were produced', { input: source });
  }
  const info: AudioInfo = {
    source,
    encoding: 'float',
    bitDepth: 32,
    sampleRate: sr,
    channels: chans.length,
    frames,
    durationSec: frames / sr,
    truncated: false,
    declaredFrames: frames,
    invalidSamples: invalid,
  };
  return {
    info,
    async *blocks(blockFrames = Math.round(sr)): AsyncGenerator<AudioBlock> {
      for (let s = 0; s < frames; s += blockFrames) {
        yield { startFrame: s, channels: clean.map((c) => c.subarray(s, Math.min(frames, s + blockFrames))) };
      }
    },
    async close() {},
  };
}

/** Growable window of one channel's 16 kHz audio: absolute sample `start` is at buf[0]. */
export class AudioHistory {
  // starts at 4 s and doubles as needed (a long call settles at ~64 s after four doublings): allocating and
  // zeroing the full 54 s (3.5 MB) up front cost more than a short file's whole analysis takes in GC
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

  /** Take the waiting audio (whole VAD frames unless `all`). */
  take(all: boolean): Float32Array {
    const n = all ? this.length : this.length - (this.length % VAD_FRAME);
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

class ChannelState {
  readonly queue: VadQueue;
  readonly history = new AudioHistory();
  /** Absolute 16 kHz sample up to which the VAD has run. */
  vadPos = 0;
  readonly segmenter: SpeechSegmenter;
  /** All of this speaker's speech frames, for whole-recording functionals. */
  readonly acc = new FeatureAccumulator();
  /** Speech probability per VAD frame for the audio held in `history` (aligned to `vadPos`). */
  probs: { start: number; p: Float32Array }[] = [];
  /** Energies of recent non-speech VAD frames (noise floor). */
  readonly noise = new NoiseFloor();

  constructor(
    readonly name: string,
    rate: number,
    vad: VadOptions,
  ) {
    this.queue = new VadQueue(rate);
    this.segmenter = new SpeechSegmenter(vad);
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

async function openInput(input: VoiceInput, opts: VoiceOptions): Promise<WavReader> {
  if (typeof input === 'string') {
    const st = await stat(input).catch(() => undefined);
    if (!st) throw new EmosigError('INPUT_NOT_FOUND', 'no such file; check the path', { input });
    if (st.isDirectory()) throw new EmosigError('INPUT_IS_DIRECTORY', 'is a directory, not an audio file; pass the WAV files inside it', { input });
  }
  if (typeof input === 'string' || input instanceof Uint8Array) return openWav(input, { maxDurationSec: opts.maxDurationSec });
  if (input && typeof input === 'object' && 'samples' in input) return arrayReader(input);
  throw new EmosigError('INVALID_OPTIONS', 'voice input must be a WAV path, WAV bytes or { samples, sampleRate }');
}

/** Stage 1: decode, VAD and features for every speech segment (bounded memory). */
export async function extractVoice(input: VoiceInput, opts: VoiceOptions = {}): Promise<ExtractedVoice> {
  const reader = await openInput(input, opts);
  const { info } = reader;
  const warnings: string[] = [];
  if (typeof input === 'object' && 'samples' in input && Array.isArray(input.samples) && input.samples.length > 1) {
    const lens = input.samples.map((c) => c.length);
    if (Math.max(...lens) !== Math.min(...lens)) {
      warnings.push(`the channels have different lengths (${lens.join(' and ')} samples); all were cut to the shortest (${((Math.max(...lens) - Math.min(...lens)) / info.sampleRate).toFixed(2)} s dropped) — pad the shorter channel with silence to keep everything`);
    }
  }
  try {
    const speakers = channelNames(info.channels, opts.channels);
    const vadOpts = opts.vad ?? {};
    const states = speakers.map((n) => new ChannelState(n, info.sampleRate, vadOpts));
    const vad = await SileroVad.load({ intraOpThreads: opts.intraOpThreads });
    const segments: ExtractedSegment[] = [];
    const chunk = VAD_CHUNK_SEC * VAD_RATE;

    const runVad = async (final: boolean) => {
      const audio = states.map((s) => s.queue.take(final));
      const probs = await vad.probsMany(
        audio.map((a, i) => ({ audio: a, preroll: states[i].history.slice(states[i].vadPos - 16 * VAD_FRAME, states[i].vadPos) })),
        8,
      );
      states.forEach((s, i) => {
        const a = audio[i];
        const p = probs[i];
        s.history.append(a);
        // noise floor from frames the VAD is sure are not speech
        s.noise.observe(a, p);
        s.probs.push({ start: s.vadPos, p });
        s.vadPos += a.length;
        const closed = [...s.segmenter.push(p), ...(final ? s.segmenter.flush() : [])];
        for (const span of closed) {
          const seg = segmentOf(s, span.start, Math.min(span.end, s.history.end / VAD_RATE), span.prob);
          if (seg) segments.push(seg);
        }
        // keep only what an open segment may still need
        const keepFrom = s.vadPos - KEEP_SEC * VAD_RATE;
        s.history.trimBefore(keepFrom);
        while (s.probs.length > 1 && s.probs[1].start <= keepFrom) s.probs.shift();
      });
    };

    for await (const block of reader.blocks(Math.max(1, Math.round(info.sampleRate * 4)))) {
      states.forEach((s, i) => s.queue.push(block.channels[i]));
      if (states.every((s) => s.queue.length >= chunk)) await runVad(false);
    }
    states.forEach((s) => s.queue.end());
    await runVad(true);

    if (info.truncated) warnings.push(`the file is shorter than its header says: ${info.frames} of ${info.declaredFrames} frames were decoded`);
    if (info.invalidSamples > 0) warnings.push(`${info.invalidSamples} NaN/infinite samples were replaced by silence`);
    segments.sort((a, b) => a.start - b.start || a.speaker.localeCompare(b.speaker));
    return {
      source: info.source,
      info: { durationSec: info.durationSec, sampleRate: info.sampleRate, encoding: typeof input === 'object' && 'samples' in input ? 'float-array' : info.encoding, channels: info.channels },
      speakers,
      segments,
      speakerFeatures: Object.fromEntries(states.map((s) => [s.name, s.acc.vector()])),
      warnings,
    };
  } finally {
    await reader.close();
  }
}

/** Features and quality of one closed speech span of a channel. */
function segmentOf(s: ChannelState, start: number, end: number, speechProb: number): ExtractedSegment | undefined {
  const a = Math.round(start * VAD_RATE);
  const b = Math.round(end * VAD_RATE);
  const x = s.history.slice(a, b);
  if (x.length < 0.2 * VAD_RATE) return undefined;
  const frames = analyseFrames(x, start);
  const acc = new FeatureAccumulator().add(frames);
  s.acc.add(frames);
  return {
    speaker: s.name,
    start: round3(start),
    end: round3(end),
    vector: acc.vector(),
    quality: segmentQuality(x, s.noise.floor(), speechProb),
  };
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

/** Per-speaker baselines from extracted recordings (e.g. all files of a `--speakers-manifest`). */
export function buildBaselines(items: { speaker: string; segments: ExtractedSegment[] }[]): Record<string, VoiceBaseline> {
  const groups = new Map<string, ExtractedSegment[]>();
  for (const it of items) groups.set(it.speaker, [...(groups.get(it.speaker) ?? []), ...it.segments]);
  const out = dict<VoiceBaseline>();
  for (const [spk, segs] of groups) {
    const b = baselineOf(segs);
    if (b) out[spk] = b;
  }
  return out;
}

/**
 * Mean and deviation of a speaker's segment vectors. With `arousal` (the clip model's, per segment) and a
 * calm fraction below 1, the mean comes from the calmest segments only (see src/audio/trainer.ts).
 */
function baselineOf(segs: ExtractedSegment[], arousal?: number[], calm?: { calmFraction: number; minCalm: number }): VoiceBaseline | undefined {
  if (segs.length === 0) return undefined;
  const b = speakerBaseline(
    segs.map((s) => s.vector),
    arousal,
    calm ?? DEFAULT_BASELINE,
  );
  return { mean: b.mean, std: b.std, segments: segs.length, speechSec: segs.reduce((a, s) => a + s.end - s.start, 0) };
}

function zScore(x: Float32Array, b: VoiceBaseline, floor: number[]): Float32Array {
  const z = new Float32Array(x.length);
  for (let d = 0; d < x.length; d++) z[d] = Math.max(-5, Math.min(5, (x[d] - b.mean[d]) / Math.max(b.std[d], floor[d] ?? 1e-6, 1e-9)));
  return z;
}

/** Confidence in [0, 1]: the model's certainty times the segment's quality (length, level, clipping, SNR, VAD). */
function confidenceOf(p: Float32Array, seg: ExtractedSegment): number {
  let h = 0;
  for (const v of p) if (v > 0) h -= v * Math.log(v);
  const certainty = 0.5 + 0.5 * (1 - h / Math.log(p.length));
  const dur = seg.end - seg.start;
  const q = seg.quality;
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
  const quality =
    clamp((dur - 0.2) / 1.3, 0.1, 1) * // short speech says little
    clamp((q.rmsDb + 60) / 25, 0.1, 1) * // quiet (below about −35 dBFS)
    clamp(1 - q.clippedFraction * 20, 0.2, 1) * // clipped
    clamp(q.snrDb / 20, 0.15, 1) * // noisy
    clamp((q.speechProb - 0.3) / 0.5, 0.3, 1); // the VAD itself was unsure
  return certainty * quality;
}

function summarise(segs: VoiceSegment[], personal?: boolean): VoiceSummary {
  const speechSec = segs.reduce((a, s) => a + (s.end - s.start), 0);
  if (segs.length === 0) {
    return { emotions: emptyEmotions(), valence: 0, arousal: 0, stress: 0, confidence: 0, speechSec: 0, segments: 0, ...(personal !== undefined ? { personalBaseline: personal } : {}) };
  }
  const emotions = emptyEmotions();
  let w = 0;
  let v = 0;
  let a = 0;
  let st = 0;
  let c = 0;
  for (const s of segs) {
    const wt = (s.end - s.start) * Math.max(s.confidence, 1e-3);
    w += wt;
    for (const l of CORE_LABELS) emotions[l] += s.emotions[l] * wt;
    v += s.valence * wt;
    a += s.arousal * wt;
    st += s.stress * wt;
    c += s.confidence * (s.end - s.start);
  }
  for (const l of CORE_LABELS) emotions[l] = round3(emotions[l] / w);
  const coverage = Math.min(1, speechSec / 5);
  return {
    emotions,
    valence: round3(v / w),
    arousal: round3(a / w),
    stress: round3(st / w),
    confidence: round3((c / speechSec) * coverage),
    speechSec: round3(speechSec),
    segments: segs.length,
    ...(personal !== undefined ? { personalBaseline: personal } : {}),
  };
}

/** `b` when it has enough segments and speech for the model's personal classifier, else undefined. */
export function usableBaseline(m: VoiceModel, b: VoiceBaseline | undefined): VoiceBaseline | undefined {
  return b && b.segments >= m.card.personal.minSegments && b.speechSec >= m.card.personal.minSpeechSec ? b : undefined;
}

/**
 * Run the model on extracted segments: the `clip` classifier, blended with the `personal` one for speakers
 * with a (usable) baseline; valence, arousal, stress index and confidence per segment.
 */
export async function scoreSegments(
  m: VoiceModel,
  segs: ExtractedSegment[],
  baselines: Record<string, VoiceBaseline | undefined>,
  includeFeatures = false,
  clipPrediction?: VoicePrediction,
): Promise<VoiceSegment[]> {
  const floor = m.card.personal.stdFloor ?? [];
  const w = m.card.personal.weight ?? 0.5;
  const clipP = clipPrediction ?? (await m.predictFull(
    segs.map((s) => s.vector),
    'clip',
  ));
  const zs = segs.map((s) => (baselines[s.speaker] ? zScore(s.vector, baselines[s.speaker]!, floor) : undefined));
  const withZ = zs.map((z, i) => [z, i] as const).filter(([z]) => z) as [Float32Array, number][];
  const persP = await m.predictFull(
    withZ.map(([z]) => z),
    'personal',
  );
  const personalByIndex = new Map<number, number>();
  withZ.forEach(([, i], k) => personalByIndex.set(i, k));

  return segs.map((s, i) => {
    const k = personalByIndex.get(i);
    const pp = k !== undefined ? persP.probs[k] : undefined;
    const p = pp ? clipP.probs[i].map((v, j) => (1 - w) * v + w * pp[j]) : clipP.probs[i];
    const emotions = emotionsFromVector(Array.from(p, round3));
    // arousal and valence: the model's regression heads (blended like the probabilities), else from the emotions
    const cva = clipP.va?.[i];
    const pva = k !== undefined ? persP.va?.[k] : undefined;
    const { valence, arousal } = cva
      ? { arousal: pva ? (1 - w) * cva[0] + w * pva[0] : cva[0], valence: pva ? (1 - w) * cva[1] + w * pva[1] : cva[1] }
      : valenceArousal(emotionsFromVector(p));
    const seg: VoiceSegment = {
      speaker: s.speaker,
      start: s.start,
      end: s.end,
      emotions,
      valence: round3(valence),
      arousal: round3(arousal),
      stress: round3(stressIndex(valence, arousal, zs[i])),
      confidence: round3(confidenceOf(p, s)),
      quality: s.quality,
    };
    if (includeFeatures) seg.features = Object.fromEntries(FEATURE_NAMES.map((n, d) => [n, s.vector[d]]));
    return seg;
  });
}

/** Stage 2: score extracted segments with the model and aggregate them into a `VoiceReading`. */
export async function scoreVoice(ex: ExtractedVoice, opts: VoiceOptions = {}, model?: VoiceModel): Promise<VoiceReading> {
  const m = model ?? (await loadVoiceModel({ intraOpThreads: opts.intraOpThreads, dir: opts.model }));
  const usePersonal = opts.personalBaseline !== false;
  const clipP = await m.predictFull(
    ex.segments.map((s) => s.vector),
    'clip',
  );
  const calm = m.card.personal.baseline;
  const baselines = dict<VoiceBaseline | undefined>();
  for (const spk of ex.speakers) {
    const given = ownKey(opts.baselines, spk);
    const idx = ex.segments.map((s, i) => (s.speaker === spk ? i : -1)).filter((i) => i >= 0);
    const own = given
      ? undefined
      : baselineOf(
          idx.map((i) => ex.segments[i]),
          clipP.va ? idx.map((i) => clipP.va![i][0]) : undefined,
          calm,
        );
    baselines[spk] = usePersonal ? usableBaseline(m, given ?? own) : undefined;
  }
  const segments = await scoreSegments(m, ex.segments, baselines, !!opts.includeFeatures, clipP);

  const bySpeaker = dict<VoiceSummary>();
  for (const spk of ex.speakers) {
    bySpeaker[spk] = summarise(segments.filter((s) => s.speaker === spk), !!baselines[spk]);
    const fv = ownKey(ex.speakerFeatures, spk);
    if (opts.includeFeatures && fv) bySpeaker[spk].features = Object.fromEntries(FEATURE_NAMES.map((n, d) => [n, fv[d]]));
  }
  const overall = summarise(segments);
  const warnings = [...ex.warnings];
  if (segments.length === 0) warnings.push('no speech was found: every summary has confidence 0');
  return {
    modality: 'voice',
    source: ex.source,
    durationSec: round3(ex.info.durationSec),
    sampleRate: ex.info.sampleRate,
    encoding: ex.info.encoding,
    speakers: ex.speakers,
    segments,
    pauses: pausesOf(ex.segments, ex.info.durationSec, opts.minPauseSec ?? 0.5),
    overlaps: overlapsOf(ex.segments),
    overall,
    bySpeaker,
    noSpeech: segments.length === 0,
    model: { name: m.card.name, version: m.card.version, backend: m.backend, vad: 'silero-vad-v5 (@ricky0123/vad-web)', ...(m.card.license ? { license: m.card.license } : {}) },
    warnings,
  };
}

/** Silences between speech (of anyone) of at least `minSec`, with who spoke before and after. */
function pausesOf(segs: ExtractedSegment[], duration: number, minSec: number): VoicePause[] {
  const sorted = [...segs].sort((a, b) => a.start - b.start);
  const out: VoicePause[] = [];
  let lastEnd = 0;
  let lastSpeaker: string | undefined;
  for (const s of sorted) {
    if (s.start - lastEnd >= minSec) {
      out.push({ start: round3(lastEnd), end: round3(s.start), length: round3(s.start - lastEnd), before: lastSpeaker, after: s.speaker });
    }
    if (s.end >= lastEnd) {
      lastEnd = s.end;
      lastSpeaker = s.speaker;
    }
  }
  if (sorted.length && duration - lastEnd >= minSec) out.push({ start: round3(lastEnd), end: round3(duration), length: round3(duration - lastEnd), before: lastSpeaker });
  return out;
}

/** Stretches where two speakers talk at once. */
function overlapsOf(segs: ExtractedSegment[]): VoiceReading['overlaps'] {
  const out: VoiceReading['overlaps'] = [];
  for (let i = 0; i < segs.length; i++) {
    for (let j = i + 1; j < segs.length && segs[j].start < segs[i].end; j++) {
      if (segs[j].speaker === segs[i].speaker) continue;
      const s = Math.max(segs[i].start, segs[j].start);
      const e = Math.min(segs[i].end, segs[j].end);
      if (e - s > 0.05) out.push({ start: round3(s), end: round3(e), speakers: [segs[i].speaker, segs[j].speaker] });
    }
  }
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Analyse call audio: a WAV path or bytes (PCM 8/16/24/32, float 32/64, mu-law, A-law; mono or stereo with
 * one speaker per channel), or `{ samples, sampleRate }`.
 */
export async function analyzeVoice(input: VoiceInput, opts: VoiceOptions = {}): Promise<VoiceReading> {
  check(VoiceInputSchema, input, 'analyzeVoice', 'input');
  check(VoiceOptionsSchema, opts, 'analyzeVoice', 'options');
  const model = await loadVoiceModel({ intraOpThreads: opts.intraOpThreads, dir: opts.model });
  return scoreVoice(await extractVoice(input, opts), opts, model);
}

export { VAD_FRAME_SEC };
