/**
 * Fitting a voice model bundle — a clip classifier and a personal-baseline classifier, each with arousal and
 * valence heads — from labelled feature vectors. Shared by scripts/train-voice.ts (the shipped model) and
 * `emosig train voice` (a business's own recordings).
 */
import type { CoreLabel } from '../signature/labels.js';
import { FEATURE_NAMES } from './features.js';
import type { VoiceModelCard } from './model.js';
import {
  exportVoiceHeads,
  fitVoiceHeads,
  predictVoiceHeads,
  speakerBaseline,
  zScore,
  DEFAULT_HEADS,
  type BaselineOptions,
  type HeadsConfig,
  type Standardiser,
  type VoiceHeadsModel,
} from './trainer.js';

/** Label names a manifest may use, mapped to emosig's core labels. */
export const LABEL_ALIASES: Record<string, CoreLabel> = {
  neutral: 'neutral',
  calm: 'neutral',
  boredom: 'neutral',
  bored: 'neutral',
  joy: 'joy',
  happy: 'joy',
  happiness: 'joy',
  sadness: 'sadness',
  sad: 'sadness',
  anger: 'anger',
  angry: 'anger',
  fear: 'fear',
  fearful: 'fear',
  afraid: 'fear',
  disgust: 'disgust',
  disgusted: 'disgust',
  surprise: 'surprise',
  surprised: 'surprise',
};

/**
 * Arousal and valence (−1…1) of a label as said, so calm and boredom keep their lower arousal when they are
 * merged into "neutral": the targets of the dimensional heads when a manifest gives no valence/arousal.
 */
export const LABEL_AV: Record<string, { arousal: number; valence: number }> = {
  neutral: { arousal: -0.2, valence: 0 },
  calm: { arousal: -0.6, valence: 0.3 },
  boredom: { arousal: -0.7, valence: -0.3 },
  bored: { arousal: -0.7, valence: -0.3 },
  joy: { arousal: 0.5, valence: 0.8 },
  happy: { arousal: 0.5, valence: 0.8 },
  happiness: { arousal: 0.5, valence: 0.8 },
  sadness: { arousal: -0.5, valence: -0.7 },
  sad: { arousal: -0.5, valence: -0.7 },
  anger: { arousal: 0.8, valence: -0.7 },
  angry: { arousal: 0.8, valence: -0.7 },
  fear: { arousal: 0.7, valence: -0.7 },
  fearful: { arousal: 0.7, valence: -0.7 },
  afraid: { arousal: 0.7, valence: -0.7 },
  disgust: { arousal: 0.3, valence: -0.7 },
  disgusted: { arousal: 0.3, valence: -0.7 },
  surprise: { arousal: 0.8, valence: 0.1 },
  surprised: { arousal: 0.8, valence: 0.1 },
};

/**
 * The prosodic, voice-quality and temporal features (F0, loudness, RMS, ZCR, HNR, jitter, shimmer, alpha ratio,
 * Hammarberg index, spectral slope functionals and the temporal measures; no MFCC or spectral-shape statistics).
 */
export const PROSODIC_FEATURE_NAMES: readonly string[] = FEATURE_NAMES.filter(
  (n) => /^(f0|loudness|rms|zcr|hnr|jitter|shimmer|alphaRatio|hammarbergIndex|spectralSlope)_/.test(n) || !n.includes('_'),
);
export const FEATURE_SETS: Record<'all' | 'prosodic', readonly string[]> = { all: FEATURE_NAMES, prosodic: PROSODIC_FEATURE_NAMES };
export type FeatureSet = keyof typeof FEATURE_SETS;
export const featureIndex = (set: FeatureSet): number[] | undefined => (set === 'all' ? undefined : FEATURE_SETS[set].map((n) => FEATURE_NAMES.indexOf(n)));

export interface ModelConfig {
  features: FeatureSet;
  heads: HeadsConfig;
  /**
   * Weigh training rows so that every `domain` (e.g. corpus) counts the same in total, however many rows it has
   * (absent or false: every row counts the same; rows without a domain form one domain).
   */
  balanceDomains?: boolean;
  /**
   * Multiplier of the L2 penalty on the features outside the prosodic/voice-quality subset (MFCC and spectral-shape
   * statistics), so the model leans on prosody unless the spectral features earn their weight (absent = 1).
   */
  spectralL2?: number;
}

/** Per-feature L2 multipliers of a model configuration, over its selected features (undefined when all are 1). */
export function l2Multipliers(c: ModelConfig): Float32Array | undefined {
  if (!c.spectralL2 || c.spectralL2 === 1) return undefined;
  const names = FEATURE_SETS[c.features];
  return Float32Array.from(names, (n) => (PROSODIC_FEATURE_NAMES.includes(n) ? 1 : c.spectralL2!));
}

export interface BundleConfig {
  clip: ModelConfig;
  personal: ModelConfig & { baseline: BaselineOptions; floorFrac: number };
}

export const DEFAULT_BUNDLE: BundleConfig = {
  clip: { features: 'all', heads: DEFAULT_HEADS },
  personal: { features: 'all', heads: { ...DEFAULT_HEADS, seed: 8 }, baseline: { calmFraction: 1, minCalm: 3 }, floorFrac: 0.25 },
};

export interface FitRow {
  x: Float32Array;
  /** Class index in the bundle's label list, or −1 (no label). */
  y: number;
  /** [arousal, valence], NaN where unknown. */
  va: [number, number];
  /** Speaker and recording condition: the rows a personal baseline is built from. */
  group: string;
  /** Where the row comes from (e.g. its corpus), for `balanceDomains`. */
  domain?: string;
}

/** Row weights with every domain's total equal and the mean weight 1. */
export function domainWeights(rows: Pick<FitRow, 'domain'>[]): Float32Array {
  const count = new Map<string, number>();
  for (const r of rows) count.set(r.domain ?? '', (count.get(r.domain ?? '') ?? 0) + 1);
  return Float32Array.from(rows, (r) => rows.length / (count.size * count.get(r.domain ?? '')!));
}

export interface Bundle {
  K: number;
  config: BundleConfig;
  clip: VoiceHeadsModel;
  personal: VoiceHeadsModel;
  /** Per-feature floor of a baseline's deviation (floorFrac × training deviation). */
  floor: Float32Array;
}

/** Train both classifiers; the personal one on vectors z-scored per group against the group's (calm) baseline. */
export function fitBundle(rows: FitRow[], K: number, cfg: BundleConfig = DEFAULT_BUNDLE): Bundle {
  const xs = rows.map((r) => r.x);
  const y = rows.map((r) => r.y);
  const va = rows.map((r) => r.va);
  const w = cfg.clip.balanceDomains || cfg.personal.balanceDomains ? domainWeights(rows) : undefined;
  const clip = fitVoiceHeads(xs, y, va, K, cfg.clip.heads, featureIndex(cfg.clip.features), cfg.clip.balanceDomains ? w : undefined, l2Multipliers(cfg.clip));
  const floor = Float32Array.from(clip.std.std, (s) => s * cfg.personal.floorFrac);
  const z = personalInputs({ clip, floor, config: cfg }, rows.map((r) => r.x), rows.map((r) => r.group));
  const personal = fitVoiceHeads(z, y, va, K, cfg.personal.heads, featureIndex(cfg.personal.features), cfg.personal.balanceDomains ? w : undefined, l2Multipliers(cfg.personal));
  return { K, config: cfg, clip, personal, floor };
}

/** Clip-model arousal of each vector (what picks a baseline's calm segments). */
export function clipArousal(b: Pick<Bundle, 'clip'>, xs: Float32Array[]): number[] {
  return predictVoiceHeads(b.clip, xs).va.map((v) => v[0]);
}

/** z-scored inputs of the personal model: each group against its own baseline. */
export function personalInputs(b: Pick<Bundle, 'clip' | 'floor' | 'config'>, xs: Float32Array[], groups: string[]): Float32Array[] {
  const arousal = b.config.personal.baseline.calmFraction < 1 ? clipArousal(b, xs) : undefined;
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => byGroup.set(g, [...(byGroup.get(g) ?? []), i]));
  const out: Float32Array[] = new Array(xs.length);
  for (const idx of byGroup.values()) {
    const base = speakerBaseline(
      idx.map((i) => xs[i]),
      arousal && idx.map((i) => arousal[i]),
      b.config.personal.baseline,
    );
    for (const i of idx) out[i] = zScore(xs[i], base, b.floor);
  }
  return out;
}

/** A baseline from a speaker's reference vectors (e.g. their other utterances), as the bundle would build it. */
export function baselineFrom(b: Pick<Bundle, 'clip' | 'config'>, ref: Float32Array[], refArousal?: number[]): Standardiser {
  const arousal = b.config.personal.baseline.calmFraction < 1 ? (refArousal ?? clipArousal(b, ref)) : undefined;
  return speakerBaseline(ref, arousal, b.config.personal.baseline);
}

export function predictClip(b: Bundle, xs: Float32Array[]) {
  return predictVoiceHeads(b.clip, xs);
}

export function predictPersonal(b: Bundle, xs: Float32Array[], base: Standardiser) {
  return predictVoiceHeads(
    b.personal,
    xs.map((x) => zScore(x, base, b.floor)),
  );
}

/** What a model folder's voice.json says (read by src/audio/model.ts). */
/** voice.json as the trainers write it: the card `loadVoiceModel` reads, with every optional field filled in. */
export interface VoiceModelFile extends VoiceModelCard {
  license: string;
  personal: VoiceModelCard['personal'] & { features: string[]; stdFloor: number[]; baseline: BaselineOptions; weight: number };
  /** Outputs of both graphs: `probs` [N, labels], `va` [N, 2] (arousal, valence). */
  outputs: string[];
  config: BundleConfig;
  [extra: string]: unknown;
}

/** Write a bundle as a model folder: voice-clip.onnx, voice-personal.onnx and voice.json (the card is the caller's). */
export function bundleFiles(
  b: Bundle,
  meta: { name: string; version: string; license: string; labels: string[]; trainedOn: string; producer: string; personalWeight: number; extra?: Record<string, unknown> },
): { files: Record<string, Uint8Array>; json: VoiceModelFile } {
  const props = { labels: meta.labels.join(','), features: String(FEATURE_NAMES.length), license: meta.license, trainedOn: meta.trainedOn };
  const D = FEATURE_NAMES.length;
  const files = {
    'voice-clip.onnx': exportVoiceHeads(b.clip, D, { producer: meta.producer, doc: `${meta.name} voice emotion, clip mode`, props }),
    'voice-personal.onnx': exportVoiceHeads(b.personal, D, { producer: meta.producer, doc: `${meta.name} voice emotion, personal-baseline mode (speaker z-scored input)`, props }),
  };
  const json: VoiceModelFile = {
    name: meta.name,
    version: meta.version,
    license: meta.license,
    labels: meta.labels,
    featureNames: [...FEATURE_NAMES],
    clip: { file: 'voice-clip.onnx' },
    personal: {
      file: 'voice-personal.onnx',
      minSegments: 4,
      minSpeechSec: 8,
      features: [...FEATURE_SETS[b.config.personal.features]],
      stdFloor: Array.from(b.floor, (v) => Math.fround(v)),
      baseline: b.config.personal.baseline,
      weight: meta.personalWeight,
    },
    outputs: ['probs', 'va'],
    trainedOn: meta.trainedOn,
    config: b.config,
    ...(meta.extra ?? {}),
  };
  return { files, json };
}
