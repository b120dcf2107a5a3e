/**
 * Stage 1 — per-modality adapters: each modality's readings as fusion items on the interaction's clock.
 */
import type { VoiceSegment } from '../audio/index.js';
import type { TextMessageReading } from '../text/index.js';
import type { Emotions } from '../signature/labels.js';
import type { Modality } from '../signature/schema.js';
import { stressOf, vecOf } from './reliability.js';

/** One reading of one modality, placed on the interaction's clock. */
export interface FusionItem {
  modality: Modality;
  speaker: string;
  start: number;
  end: number;
  p: number[];
  valence: number;
  arousal: number;
  stress: number;
  confidence: number;
  /** Seconds of the item (voice) or 1 (frames, messages). */
  mass: number;
  /** Outside the timeline (chat without time or outside the span): interaction level only. */
  offTimeline?: boolean;
}

/** A voice segment as a fusion item (`offset`: the voice clock's offset). */
export function voiceItem(s: VoiceSegment, offset = 0): FusionItem {
  return {
    modality: 'voice',
    speaker: s.speaker,
    start: s.start + offset,
    end: s.end + offset,
    p: vecOf(s.emotions),
    valence: s.valence,
    arousal: s.arousal,
    stress: s.stress,
    confidence: s.confidence,
    mass: s.end - s.start,
  };
}

/** A face reading at `time` lasting `dt` seconds (the frame interval) as a fusion item. */
export function faceItem(pt: { emotions: Emotions; valence: number; arousal: number; confidence: number }, speaker: string, time: number, dt: number): FusionItem {
  return {
    modality: 'face',
    speaker,
    start: time,
    end: time + Math.max(0.04, dt),
    p: vecOf(pt.emotions),
    valence: pt.valence,
    arousal: pt.arousal,
    stress: stressOf(pt.valence, pt.arousal),
    confidence: pt.confidence,
    mass: 1,
  };
}

/** A chat message reading as a fusion item (`time` undefined or `offTimeline`: interaction level only). */
export function textItem(m: TextMessageReading, speaker: string, time: number | undefined, offTimeline = false): FusionItem {
  return {
    modality: 'text',
    speaker,
    start: time ?? 0,
    end: time ?? 0,
    p: vecOf(m.emotions),
    valence: m.valence,
    arousal: m.arousal,
    stress: stressOf(m.valence, m.arousal),
    confidence: m.confidence,
    mass: 1,
    offTimeline,
  };
}

