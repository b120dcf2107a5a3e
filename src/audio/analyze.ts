/**
 * `analyzeVoice`: call audio → speech segments per speaker → vocal-stress features → emotion, valence,
 * arousal, stress and confidence per segment, per speaker and for the whole file.
 *
 * Two stages, so that a personal baseline can span several files:
 *   1. `extractVoice` streams the audio through one `VoiceChannelStream` per channel, the engine the live
 *      stream uses (bounded memory: blocks of a few seconds, resampled to 16 kHz, VAD pieces of every channel
 *      batched ~64 s at a time, features for each segment as soon as it closes) and returns segments with
 *      their feature vectors and quality measures;
 *   2. `scoreVoice` runs the model on those vectors, with each speaker's baseline (from the same recording,
 *      or given by the caller across files) when there is enough speech, and aggregates.
 */
import { stat } from 'node:fs/promises';
import { modelInfo } from '../runtime/registry.js';
import { DEFAULT_CONFIG } from '../config.js';
import { EmosigError } from '../errors.js';
import { CORE_LABELS, emptyEmotions, emotionsFromVector, type Emotions } from '../signature/labels.js';
import { openWav, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, type AudioInfo, type WavReader, type AudioBlock } from './decode.js';
import { SileroVad, VAD_FRAME_SEC, VAD_RATE, type VadOptions } from './vad.js';
import { FEATURE_NAMES } from './features.js';
import { VoiceChannelStream } from './incremental.js';
import { round3 } from './segment.js';
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
  /** Judge segments against each speaker's own baseline when there is enough speech (default: config voice.personalBaseline). */
  personalBaseline?: boolean;
  /** Baselines from other files of the same speakers (see `buildBaselines`), keyed by speaker name. */
  baselines?: Record<string, VoiceBaseline>;
  /** Gaps of at least this length (s) between speech are reported as pauses (default: config voice.minPauseSec). */
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

/** The file reader runs the VAD over ~64 s of every channel at a time (8 pieces each, one batch). */
const VAD_CHUNK_SEC = 64;

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
    const chans = speakers.map((n) => new VoiceChannelStream(n, info.sampleRate, { vad: opts.vad, liveFrames: false }));
    const vad = await SileroVad.load({ intraOpThreads: opts.intraOpThreads });
    const segments: ExtractedSegment[] = [];
    const onSegment = (seg: ExtractedSegment) => void segments.push(seg);
    // the VAD pieces of every channel, ~32 s at a time, run as one batch
    const runVad = async () => {
      const lanes = chans.map((c) => c.vadLanes(true));
      const probs = await vad.lanes(lanes.flat());
      let k = 0;
      for (let c = 0; c < chans.length; c++) for (const lane of lanes[c]) await chans[c].advance(lane, probs[k++], { onSegment });
    };
    for await (const block of reader.blocks(Math.max(1, Math.round(info.sampleRate * 4)))) {
      chans.forEach((c, i) => c.push(block.channels[i]));
      if (chans.every((c) => c.queuedSamples >= VAD_CHUNK_SEC * VAD_RATE)) await runVad();
    }
    chans.forEach((c) => c.end());
    while (chans.some((c) => c.hasWork)) await runVad();

    if (info.truncated) warnings.push(`the file is shorter than its header says: ${info.frames} of ${info.declaredFrames} frames were decoded`);
    if (info.invalidSamples > 0) warnings.push(`${info.invalidSamples} NaN/infinite samples were replaced by silence`);
    segments.sort((a, b) => a.start - b.start || a.speaker.localeCompare(b.speaker));
    return {
      source: info.source,
      info: { durationSec: info.durationSec, sampleRate: info.sampleRate, encoding: typeof input === 'object' && 'samples' in input ? 'float-array' : info.encoding, channels: info.channels },
      speakers,
      segments,
      speakerFeatures: Object.fromEntries(chans.map((c) => [c.name, c.acc.vector()])),
      warnings,
    };
  } finally {
    await reader.close();
  }
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

/** Score a live channel's segments against the speaker's running baseline when it is usable (`personal`). */
export function scoreLive(model: VoiceModel, ch: VoiceChannelStream, segs: ExtractedSegment[], personal = true): Promise<VoiceSegment[]> {
  return scoreSegments(model, segs, { [ch.name]: personal ? usableBaseline(model, ch.baseline.get()) : undefined });
}

/** Stage 2: score extracted segments with the model and aggregate them into a `VoiceReading`. */
export async function scoreVoice(ex: ExtractedVoice, opts: VoiceOptions = {}, model?: VoiceModel): Promise<VoiceReading> {
  const m = model ?? (await loadVoiceModel({ intraOpThreads: opts.intraOpThreads, dir: opts.model }));
  const usePersonal = opts.personalBaseline ?? DEFAULT_CONFIG.voice.personalBaseline;
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
    pauses: pausesOf(ex.segments, ex.info.durationSec, opts.minPauseSec ?? DEFAULT_CONFIG.voice.minPauseSec),
    overlaps: overlapsOf(ex.segments),
    overall,
    bySpeaker,
    noSpeech: segments.length === 0,
    model: { name: m.info.model ?? m.card.name, version: m.info.version, backend: m.info.backend ?? m.backend, vad: vadLabel(), ...(m.info.license ? { license: m.info.license } : {}) },
    warnings,
  };
}

/** The VAD as the registry recorded it (e.g. 'silero-vad v5, MIT'). */
function vadLabel(): string {
  const v = modelInfo('vad');
  return v ? `${v.model} v${v.version}${v.license ? `, ${v.license}` : ''}` : 'silero-vad';
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
