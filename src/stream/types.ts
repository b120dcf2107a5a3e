/**
 * Options and events of a live stream (`createStream`).
 */
import type { VadOptions, VoiceSegment } from '../audio/index.js';
import type { AnalyzeFacesOptions, FrameReading, RawFrame } from '../vision/index.js';
import type { TextMessageReading } from '../text/index.js';
import type { EmotionalSignature, Modality, SignatureMoment, SignatureWindow } from '../signature/schema.js';
import type { EmosigConfigInput } from '../config.js';

/** How audio bytes are encoded: 16-bit little-endian PCM, 32-bit little-endian float, or G.711 mu-law / A-law. */
export type StreamEncoding = 'pcm16' | 'float32' | 'mulaw' | 'alaw';

export interface StreamOptions {
  /**
   * Any part of EmosigConfig (README, "Configuration"); the shorthand fields below (speakers, consent, window,
   * keepText, longPauseSec, stressedAt, escalationThreshold, vad, the stream limits) override it. Resolved once.
   */
  config?: EmosigConfigInput;
  /** Speaker names in audio-channel order; the first is the customer. Default ['customer', 'agent']. */
  speakers?: string[];
  /** Encoding of audio given as bytes (Buffer / Uint8Array). Default 'pcm16'. Int16Array is always pcm16, Float32Array float32. */
  encoding?: StreamEncoding;
  /** Sample rate of the audio (Hz). Default 8000 for mu-law / A-law, 16000 otherwise. Fixed per channel by its first chunk. */
  sampleRate?: number;
  /** Window length and hop (s), as `analyze`. Default 2 and 1. */
  window?: { size?: number; hop?: number };
  /** Per-modality consent; input of a modality without consent is not decoded (it is counted and ignored). */
  consent?: Partial<Record<Modality, boolean>>;
  /** Who the faces belong to (default: the first speaker). */
  faceSpeaker?: string;
  /** Who chat messages without a speaker belong to (default: the first speaker). */
  chatSpeaker?: string;
  /** Keep chat message text in the final signature (default false). */
  keepText?: boolean;
  /** CX metrics in the final signature (as `analyze`: on by default; a temperament profile only with consent). */
  cx?: import('../cx/index.js').CxOptions;
  /** Minimum silence reported as a 'long-pause' moment (s). Default 2. */
  longPauseSec?: number;
  /** Window stress at or above this counts as stressed (default 0.55, as the signature). */
  stressedAt?: number;
  /** An 'escalation' event is emitted when a speaker's escalation score reaches this (default 0.6). */
  escalationThreshold?: number;
  /** Voice activity detection settings (as `analyzeVoice`). */
  vad?: VadOptions;
  /** Face analyser options (model, detector, tta, …); inputSize / minScore / maxFaces default to config face.*. */
  face?: Pick<AnalyzeFacesOptions, 'model' | 'detector' | 'tta' | 'align' | 'margin' | 'inputSize' | 'minScore' | 'maxFaces' | 'tracker' | 'crop'>;
  /**
   * Run the face model in a worker thread (default true), so that face inference (detection, landmarks and the
   * expression models of every face: several ms a frame) does not hold up the audio path; false runs it on the
   * stream's own thread.
   */
  faceThread?: boolean;
  /** Load the face models when the stream is created instead of at the first frame (default false). */
  preloadFace?: boolean;
  /** Frames waiting for the face model at most; beyond, the oldest waiting frame is dropped (counted). Default 1. */
  maxPendingFrames?: number;
  /** `pushAudio` returns false once a channel has this much audio (s) waiting to be processed. Default 2. */
  highWaterMarkSec?: number;
  /** A chunk that would leave a channel with more than this much audio (s) waiting is refused (STREAM_OVERFLOW). Default 30. */
  maxQueueSec?: number;
  /** Chat messages waiting to be scored at most (STREAM_OVERFLOW beyond). Default 256. */
  maxPendingMessages?: number;
  /** Events an async iterator may hold before the stream stops processing audio until it is read. Default 10,000. */
  maxEventQueue?: number;
  /** Name reported as the voice `source` in the signature. Default 'stream'. */
  name?: string;
  /** Path of a reliability file (default models/fusion/reliability.json). */
  reliability?: string;
}

/** Options of one audio chunk. */
export interface AudioChunkOptions {
  /** Channel (speaker) index, default 0. */
  channel?: number;
  /** Sample rate of this chunk; must equal the channel's rate (fixed by its first chunk). */
  sampleRate?: number;
  /** Encoding of a byte chunk (default: the stream's). */
  encoding?: StreamEncoding;
}

export type AudioChunk = Buffer | Uint8Array | Int16Array | Float32Array;

/** A video frame: raw RGB / RGBA pixels, or an encoded image (JPEG, PNG, WebP …). */
export type StreamFrame = RawFrame | Buffer | Uint8Array;

export interface StreamMessage {
  /** Seconds on the stream's clock (the audio's). */
  time: number;
  speaker?: string;
  text: string;
}

interface EventBase {
  /**
   * Wall-clock milliseconds from when the stream's input reached the time this event is about (`time`, or a
   * window's `end`) — measured against the audio clock of what was pushed — to when the event was emitted.
   */
  latencyMs: number;
}

export interface VoiceReadingEvent extends EventBase {
  type: 'reading';
  modality: 'voice';
  speaker: string;
  /** The closed speech segment (same shape as `analyzeVoice`'s segments), judged against the speaker's baseline so far. */
  reading: VoiceSegment;
  time: number;
}

export interface FaceReadingEvent extends EventBase {
  type: 'reading';
  modality: 'face';
  speaker: string;
  reading: FrameReading;
  time: number;
}

export interface TextReadingEvent extends EventBase {
  type: 'reading';
  modality: 'text';
  speaker: string;
  reading: TextMessageReading;
  time: number;
}

export type ReadingEvent = VoiceReadingEvent | FaceReadingEvent | TextReadingEvent;

export interface WindowEvent extends EventBase {
  type: 'window';
  /** The fused window (same shape as the signature's `timeline` entries). */
  window: SignatureWindow;
  /** Voice segments that were still open at the window's end and were read up to it. */
  provisionalVoice: number;
}

export interface MomentEvent extends EventBase {
  type: 'moment';
  /** Same shape as the signature's moments: stress-spike, emotion-shift, incongruence, long-pause. */
  moment: SignatureMoment;
}

export interface EscalationEvent extends EventBase {
  type: 'escalation';
  speaker: string;
  /** Stream time (s) of the window that crossed the threshold. */
  time: number;
  score: number;
  threshold: number;
  reasons: { code: string; weight: number; text: string }[];
}

/** Something went wrong with one input that did not stop the stream (an undecodable frame, dropped frames, NaN samples). */
export interface WarningEvent {
  type: 'warning';
  code: string;
  modality?: Modality;
  message: string;
}

export type StreamEvent = ReadingEvent | WindowEvent | MomentEvent | EscalationEvent | WarningEvent;

/** The EventEmitter's events. */
export interface StreamEventMap {
  reading: [ReadingEvent];
  window: [WindowEvent];
  moment: [MomentEvent];
  escalation: [EscalationEvent];
  warning: [WarningEvent];
  /** Audio queues went back below the high-water mark after `pushAudio` returned false. */
  drain: [];
  /** The final signature (also what `end()` resolves to). */
  end: [EmotionalSignature];
  /** A processing failure (a model that cannot load, …); the stream is closed. */
  error: [Error];
}

export interface LatencySummary {
  n: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

export interface StreamStats {
  audio: { channel: number; speaker: string; sampleRate: number; receivedSec: number; processedSec: number; queuedSec: number }[];
  /** The most audio (s) that ever waited in one channel's queue. */
  maxQueuedSec: number;
  frames: { pushed: number; analysed: number; dropped: number; failed: number; ignored: number };
  messages: { pushed: number; analysed: number; ignored: number };
  events: Record<StreamEvent['type'], number>;
  /**
   * What the stream holds. Bounded: `audioSec` / `framesSec` per channel (≤ the longest segment + 6 s),
   * `pendingItems` (readings waiting for windows), `arrivalMarks` (push times of the last ~40 s).
   * Growing with the stream, as the final signature does: `segments` (one feature vector a speech segment,
   * ~1 KB, for the final rescoring), `windows` (one compact window a speaker and hop, for escalation),
   * `frames`, `messages`.
   */
  held: {
    audioSec: number[];
    framesSec: number[];
    pendingItems: number;
    arrivalMarks: number;
    segments: number;
    windows: number;
    frames: number;
    messages: number;
  };
  /** Latencies of the last 8,192 events of each kind. */
  latency: { window: LatencySummary; reading: LatencySummary; moment: LatencySummary };
}
