/**
 * The emotional signature as named TypeScript interfaces, one doc comment per field (what editors show).
 * They are written out by hand from `SignatureSchema` (src/signature/schema.ts, the runtime contract and the
 * source of `schema/signature.v1.json`); schema.ts checks at compile time that both stay identical.
 *
 * Naming scheme (all of emosig's results): times are seconds from the start of the interaction, as `time` for an
 * instant, `start`/`end` for a span and a `Sec` suffix for a duration (`durationSec`, `windowSec`); emotions are
 * always `Emotions` (probabilities over the core labels), with `valence`/`arousal` in −1…1 and `stress`,
 * `confidence` in 0…1; spelling is American (`analyze`, `normalize`).
 */
import type { CoreLabel, Emotions } from './labels.js';
import type { CxBlock } from './cx-schema.js';

/** A modality: 'voice' (call audio), 'face' (video frames) or 'text' (chat). */
export type Modality = 'voice' | 'face' | 'text';

/** Why a modality is absent from the signature. */
export type AbsentReason = 'not-given' | 'no-consent' | 'no-speech' | 'no-face' | 'no-messages' | 'unusable';

/** Whether one modality contributed, and from what. */
export interface ModalityStatus {
  /** True when this modality contributed to the signature. */
  present: boolean;
  /** Why the modality is absent (only when `present` is false). */
  reason?: AbsentReason;
  /** Human-readable detail about the reason or the input. */
  detail?: string;
  /** The file the modality was read from (never its content). */
  source?: string;
  /** Clock offset applied to this modality (seconds added to its times). */
  offsetSec: number;
  /** Time span covered by the readings, after the offset (seconds). */
  span?: { start: number; end: number };
  /** Voice segments, face frames with a face, or chat messages used. */
  items?: number;
}

/** A model that produced a modality's readings. */
export interface ModelInfo {
  modality: Modality;
  name: string;
  version: string;
  /** Where it ran, e.g. 'onnxruntime-node/cpu', 'onnxruntime-web/wasm', 'js'. */
  backend: string;
  /** Licence of the model, e.g. research-only when its training data allow no commercial use. */
  license?: string;
}

/** An input problem that did not stop the analysis. */
export interface SignatureProblem {
  /** Stable code, e.g. AUDIO_TRUNCATED, CHAT_OUTSIDE_SPAN, LENGTH_MISMATCH. */
  code: string;
  /** The modality it concerns, when there is one. */
  modality?: Modality;
  message: string;
}

/** A participant of the interaction. */
export interface SpeakerInfo {
  name: string;
  /** The first speaker is the customer, the second the agent. */
  role: 'customer' | 'agent' | 'other';
  /** Audio channel of this speaker, when the audio has one per speaker. */
  channel?: number;
  /** Modalities that carry this speaker. */
  modalities: Modality[];
}

/** One modality's share of a window. */
export interface Contribution {
  /** The modality's own (calibrated) reading in this window. */
  emotions: Emotions;
  /** −1 (unpleasant) … +1 (pleasant). */
  valence: number;
  /** −1 (calm) … +1 (activated). */
  arousal: number;
  /** The modality's own confidence/quality in this window, 0…1. */
  confidence: number;
  /** Share of the fused evidence this modality got in this window (weights sum to 1). */
  weight: number;
  /** Readings (segments, frames, messages) that fell in the window. */
  items: number;
}

/** One speaker's fused state in one time window. */
export interface SignatureWindow {
  speaker: string;
  /** Window start (seconds). */
  start: number;
  /** Window end (seconds). */
  end: number;
  /** Fused probabilities over the core labels (sum to 1). */
  emotions: Emotions;
  /** The most probable core label. */
  dominant: CoreLabel;
  /** −1 (unpleasant) … +1 (pleasant). */
  valence: number;
  /** −1 (calm) … +1 (activated). */
  arousal: number;
  /** 0…1 (arousal, negative valence and voice stress cues). */
  stress: number;
  /** 0…1: how much evidence the window had and how much the modalities agreed. */
  confidence: number;
  /** What each present modality brought to this window. */
  contributions: { voice?: Contribution; face?: Contribution; text?: Contribution };
}

/** Kinds of moment. */
export type MomentKind = 'stress-spike' | 'emotion-shift' | 'peak' | 'long-pause' | 'micro-expression' | 'incongruence';

/** A notable point or span of the interaction. */
export interface SignatureMoment {
  /** When it happens (seconds). */
  time: number;
  /** When it ends (seconds), for a span. */
  end?: number;
  speaker: string;
  kind: MomentKind;
  /** The core label involved, when there is one. */
  label?: CoreLabel;
  /** How strong the moment is, 0…1 (kind-specific, see docs). */
  strength: number;
  /** Modalities that produced the evidence. */
  modalities: Modality[];
  /** Human-readable evidence. */
  evidence: string;
}

/** Valence, arousal and stress together. */
export interface ValenceArousalStress {
  valence: number;
  arousal: number;
  stress: number;
}

/** One speaker over the whole interaction. */
export interface SpeakerSignature {
  /** Interaction-level fused mix over the core labels. */
  emotions: Emotions;
  dominant: CoreLabel;
  /** 0…1. */
  confidence: number;
  /** Each present modality's own interaction-level mix and the weight it got in the fused mix. */
  modalities: {
    voice?: { emotions: Emotions; weight: number };
    face?: { emotions: Emotions; weight: number };
    text?: { emotions: Emotions; weight: number };
  };
  summary: {
    /** Means over the speaker's windows. */
    mean: ValenceArousalStress;
    /** Extremes and when they happened (seconds). */
    peak: { stress: number; stressAt: number; arousal: number; arousalAt: number; lowestValence: number; lowestValenceAt: number };
    /** State over the last windows (peak-end rule). */
    end: ValenceArousalStress & { dominant: CoreLabel };
    /** Last third minus first third of the windows (positive stress = rising). */
    trend: ValenceArousalStress;
    /** Most frequent dominant label over the windows. */
    dominant: CoreLabel;
    /** Share of the windows with stress ≥ the stressed threshold. */
    stressedShare: number;
    /** Windows of this speaker. */
    windows: number;
    /** 0…1 escalation risk and its reasons (heaviest first). */
    escalation: { score: number; reasons: { code: string; weight: number; text: string }[] };
  };
}

/** A fine-grained label (GoEmotions from text, or a voice cue) found for a speaker. */
export interface Nuance {
  speaker: string;
  source: 'text' | 'voice';
  label: string;
  /** 0…1. */
  score: number;
  evidence: string;
}

/** The emotional signature of one interaction (`schema/signature.v2.json`; 1.0 signatures match `signature.v1.json`). */
export interface EmotionalSignature {
  /** '1.1' (this version, with the optional `cx` block) or '1.0' (older signatures, still readable). */
  schemaVersion: '1.0' | '1.1';
  /** What produced it and when (ISO 8601 `createdAt`). */
  generator: { name: 'emosig'; version: string; createdAt: string };
  interaction: {
    /** Length of the interaction (seconds). */
    durationSec: number;
    /** Which modalities contributed, and why not. */
    modalities: { voice: ModalityStatus; face: ModalityStatus; text: ModalityStatus };
    speakers: SpeakerInfo[];
    models: ModelInfo[];
    fusion: {
      method: string;
      /** Version of the learned reliability file used. */
      reliability: string;
      /** Window length (seconds). */
      windowSec: number;
      /** Hop between windows (seconds). */
      hopSec: number;
    };
    problems: SignatureProblem[];
    /** What raw content the signature holds: never audio or frames; message text only when asked. */
    kept: { audio: false; frames: false; text: boolean };
  };
  /** Per speaker and window, in time order. */
  timeline: SignatureWindow[];
  moments: SignatureMoment[];
  /** Per speaker name. */
  speakers: Record<string, SpeakerSignature>;
  nuances: Nuance[];
  /** Chat message text, only when the caller asked to keep it. */
  messages?: { time?: number; speaker: string; text: string }[];
  /** CX metrics (schema 1.1): satisfaction estimate, micro-moment impact, depth index, temperament and routing (docs/cx.md). */
  cx?: CxBlock;
}
