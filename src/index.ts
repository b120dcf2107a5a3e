/**
 * emosig — offline emotion signatures from call audio, video frames and chat text.
 *
 * The public API: the entry points of each modality, fusion, streaming and batch, their option and result types,
 * the typed errors and the signature schema. Everything else is internal and may change without notice.
 *
 * Conventions (see README "API conventions"): `analyze*` / `create*` entry points; a string input is always a
 * path; times in seconds (`time`, `start`/`end`, `…Sec` for durations); every reading has `overall` (the whole
 * input) and `bySpeaker`; errors are `EmosigError` with a stable `code`.
 */

// ---- errors
export { EmosigError, isEmosigError, errorInfo, ERROR_CODES, type EmosigErrorCode } from './errors.js';

// ---- labels, time base, runtime
export { CORE_LABELS, LABEL_VA, type CoreLabel, type Emotions } from './signature/labels.js';
export { DEFAULT_FPS } from './signature/time.js';
export { onnxBackend, type OnnxBackendName } from './runtime/onnx.js';
export { loadedModels, type ModelInfo as LoadedModelInfo } from './runtime/registry.js';

// ---- voice
export { FEATURE_NAMES } from './audio/features.js';
export {
  analyzeVoice,
  extractVoice,
  scoreVoice,
  type VoiceInput,
  type VoiceOptions,
  type VoiceReading,
  type VoiceSegment,
  type VoiceSummary,
  type VoicePause,
  type VoiceBaseline,
  type ExtractedVoice,
  type ExtractedSegment,
} from './audio/analyze.js';

// ---- face
export {
  analyzeFaces,
  createFaceAnalyzer,
  extractAudio,
  type AnalyzeFacesOptions,
  type FaceAnalyzer,
  type FaceReading,
  type FrameReading,
  type FaceResult,
  type FaceTrack,
  type FaceQuality,
  type MicroExpression as FaceMicroExpression,
  type TimelinePoint as FaceTimelinePoint,
  type FaceInput,
  type RawFrame,
  type FaceModelName,
} from './vision/index.js';

// ---- text
export {
  analyzeText,
  parseChat,
  CHAT_FORMATS,
  GO_LABELS,
  type AnalyzeTextOptions,
  type TextInput,
  type TextReading,
  type TextMessageReading,
  type SpeakerSummary as TextSpeakerSummary,
  type TextCue,
  type TextFlag,
  type SentimentLabel,
  type ChatFormat,
  type ChatMessage,
  type ChatIssue,
  type ParsedChat,
  type GoLabel,
} from './text/index.js';

// ---- fusion
export { analyze, createAnalyzer, fuseReadings, renderReport, loadReliability, type AnalyzeInput, type AnalyzerOptions, type Analyzer, type FuseOptions, type Readings, type ReliabilityFile, type ReportOptions } from './fusion/index.js';

// ---- streaming
export { createStream, EmotionStream, type StreamOptions, type StreamEncoding, type AudioChunk, type AudioChunkOptions, type StreamFrame, type StreamMessage, type StreamEvent, type StreamEventMap, type ReadingEvent, type VoiceReadingEvent, type FaceReadingEvent, type TextReadingEvent, type WindowEvent, type MomentEvent, type EscalationEvent, type WarningEvent, type StreamStats, type LatencySummary } from './stream/index.js';

// ---- the signature and its schema
export {
  SignatureSchema,
  signatureJsonSchema,
  parseSignature,
  SCHEMA_VERSION,
  MODALITIES,
  MOMENT_KINDS,
  type EmotionalSignature,
  type SignatureWindow,
  type SignatureMoment,
  type SpeakerSignature,
  type ModalityStatus,
  type SignatureProblem,
  type Contribution,
  type Nuance,
  type Modality,
  type ModelInfo,
  type SpeakerInfo,
  type MomentKind,
  type AbsentReason,
  type ValenceArousalStress,
} from './signature/schema.js';

// ---- batch and queue (runTask: for a custom worker script, see docs/batch.md)
export { readManifest, analyzeBatch, createBatchPool, runTask, enqueueManifest, createWorker, type Interaction, type InteractionFiles, type Manifest, type ManifestIssue, type BatchOptions, type BatchResult, type BatchPool, type BatchTask, type SummaryRow, type QueueJobData, type QueueConnection, type EnqueueOptions, type WorkerOptions, type QueueWorker, type WorkerEvent } from './batch/index.js';

// ---- CX metrics (docs/cx.md)
export { computeCx, predictSatisfaction, loadSatisfactionModel, jsonFileStore, deleteProfile, readProfile, type CxOptions, type CxReadings, type DepthIndex, type DepthPart, type MomentImpact, type CxMomentKind, type SatisfactionModel, type TurnSatisfaction, type Temperament, type RoutingSuggestion, type RoutingReason, type ProfileStore, type TemperamentProfile, type TemperamentObservation, type CxTurn } from './cx/index.js';
export { type CxBlock } from './signature/cx-schema.js';

// ---- evaluation (README "For researchers")
export { evaluate, writeEvalOutputs, classMetrics, bootstrapCI, calibration, spearman, type EvaluateOptions, type EvalReport, type EvalRun, type ItemResult, type ItemPrediction, type EvalFailure, type EvalModality, type EvalItem, type EvalManifest, type ClassMetrics, type BootstrapCI, type Calibration, type ReliabilityBin } from './eval/index.js';
export { resolveConfig, EmosigConfigSchema, type EmosigConfig, type EmosigConfigInput } from './config.js';
