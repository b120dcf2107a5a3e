/**
 * Live streaming: push audio chunks, video frames and chat messages; get readings, fused windows, moments
 * and escalations as they happen; `end()` returns the final `EmotionalSignature`.
 */
export { createStream, EmotionStream } from './stream.js';
export type {
  StreamOptions,
  StreamEncoding,
  AudioChunk,
  AudioChunkOptions,
  StreamFrame,
  StreamMessage,
  StreamEvent,
  StreamEventMap,
  ReadingEvent,
  VoiceReadingEvent,
  FaceReadingEvent,
  TextReadingEvent,
  WindowEvent,
  MomentEvent,
  EscalationEvent,
  WarningEvent,
  StreamStats,
  LatencySummary,
} from './types.js';
