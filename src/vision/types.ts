import type { CoreLabel, Emotions } from '../signature/labels.js';
import type { FaceBackendName } from './models.js';

/** A decoded frame: 8-bit RGB, row-major, no padding. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Raw pixels from a live source (e.g. a video call frame). */
export interface RawFrame {
  data: Uint8Array | Uint8ClampedArray | Buffer;
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA). Default: inferred from data length. */
  channels?: 3 | 4;
  /** Seconds; default 0 (or index / fps in a list). */
  time?: number;
}

export type FaceInput = string | Buffer | Uint8Array | RawFrame | (string | Buffer | RawFrame)[];

export interface FaceQuality {
  /** Overall quality 0..1 (geometric mean of the parts). */
  overall: number;
  /** Face size (shorter box side ≥ 96 px → 1). */
  size: number;
  /** Sharpness from the variance of the Laplacian of the face crop. */
  sharpness: number;
  /** Exposure: mean brightness and contrast of the face crop. */
  exposure: number;
  /** Frontal pose from landmarks (yaw/roll); 1 when no landmarks (assume-face). */
  pose: number;
}

export interface FaceResult {
  /** [x, y, w, h] in pixels of the original (EXIF-rotated) frame. */
  box: [number, number, number, number];
  /** Detector score 0..1 (1 for --assume-face). */
  score: number;
  /** Probabilities over the core labels. */
  emotions: Emotions;
  /** Most probable label. */
  label: CoreLabel;
  /** Expected valence / arousal under `emotions` using LABEL_VA, in [-1, 1]. */
  valence: number;
  arousal: number;
  quality: number;
  qualityParts: FaceQuality;
  /** Classifier certainty (top probability margin) times quality, 0..1. */
  confidence: number;
  /** Roll angle (degrees) used to level the eyes; 0 without landmarks. */
  roll: number;
  /** Set by the tracker across frames. */
  trackId: number;
  /** Per-model probabilities before the ensemble (only with `options.perModel`). */
  models?: Record<string, Emotions>;
}

export interface FrameReading {
  /** Seconds from the start of the input. */
  time: number;
  /** File, `buffer[i]`, `frame[i]` or the video file. */
  source: string;
  width: number;
  height: number;
  faces: FaceResult[];
}

export interface TimelinePoint {
  time: number;
  emotions: Emotions;
  label: CoreLabel;
  valence: number;
  arousal: number;
  confidence: number;
}

export interface MicroExpression {
  start: number;
  end: number;
  label: CoreLabel;
  /** Peak departure of the label's probability from the track's baseline, 0..1. */
  strength: number;
}

export interface FaceTrack {
  trackId: number;
  firstTime: number;
  lastTime: number;
  /** Smoothed expression timeline (one point per frame the face was seen). */
  timeline: TimelinePoint[];
  microExpressions: MicroExpression[];
  /** Confidence-weighted mean over the track. */
  summary: { emotions: Emotions; label: CoreLabel; valence: number; arousal: number };
}

export interface FaceReading {
  frames: FrameReading[];
  tracks: FaceTrack[];
  /** The runtime the face models ran on ('onnxruntime-node/cpu'). */
  backend: FaceBackendName;
  model: string;
  detector: string | null;
  /** Version and licence of the face models, as the model registry recorded them when they were loaded. */
  version?: string;
  license?: string;
}
