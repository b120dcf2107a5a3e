/**
 * emosig — offline emotion signatures from call audio, video frames and chat text.
 * Each modality lives in its own folder and exposes a `Reading`; fusion consumes those readings.
 */
export { EmosigError, isEmosigError, errorInfo, ERROR_CODES, type EmosigErrorCode } from './errors.js';
export * from './signature/labels.js';
export { loadOnnx, modelPath, packageRoot } from './runtime/index.js';
export * from './audio/index.js';
export * from './text/index.js';
export { analyzeFaces, createFaceAnalyzer, extractAudio, probeVideo, videoFrames, type AnalyzeFacesOptions, type FaceAnalyzer, type FaceReading, type FrameReading, type FaceResult, type FaceTrack, type FaceQuality, type MicroExpression as FaceMicroExpression, type TimelinePoint as FaceTimelinePoint, type FaceInput, type RawFrame, type FaceModelName } from './vision/index.js';
export { analyze, createAnalyzer, fuseReadings, renderReport, loadReliability, type AnalyzeInput, type AnalyzerOptions, type Analyzer, type FuseOptions, type Readings, type ReliabilityFile, type ReportOptions } from './fusion/index.js';
export { createStream, EmotionStream, type StreamOptions, type StreamEncoding, type AudioChunk, type AudioChunkOptions, type StreamFrame, type StreamMessage, type StreamEvent, type StreamEventMap, type ReadingEvent, type VoiceReadingEvent, type FaceReadingEvent, type TextReadingEvent, type WindowEvent, type MomentEvent, type EscalationEvent, type WarningEvent, type StreamStats, type LatencySummary } from './stream/index.js';
export { SignatureSchema, signatureJsonSchema, parseSignature, SCHEMA_VERSION, MODALITIES, MOMENT_KINDS, type EmotionalSignature, type SignatureWindow, type SignatureMoment, type SpeakerSignature, type ModalityStatus, type SignatureProblem, type Contribution, type Nuance, type Modality } from './signature/schema.js';
export { readManifest, parseCsvManifest, parseJsonlManifest, scanDirectory, analyzeBatch, createBatchPool, runTask, summaryCsv, summaryRow, signaturePath, errorPath, readDone, createWorker, enqueueManifest, checkJobData, jobIdFor, type Interaction, type InteractionFiles, type Manifest, type ManifestIssue, type BatchOptions, type BatchResult, type BatchPool, type BatchTask, type SummaryRow, type QueueJobData, type QueueConnection, type EnqueueOptions, type WorkerOptions, type QueueWorker, type WorkerEvent } from './batch/index.js';
export { evaluate, writeEvalOutputs, evalMarkdown, evalHtml, predictionsCsv, readEvalManifest, parseEvalManifest, parseLabelMap, classMetrics, bootstrapCI, calibration, spearman, EVAL_MODALITIES, LABEL_SYNONYMS, type EvaluateOptions, type EvalReport, type EvalRun, type ItemResult, type ItemPrediction, type EvalFailure, type EvalModality, type EvalItem, type EvalManifest, type ClassMetrics, type BootstrapCI, type Calibration, type ReliabilityBin } from './eval/index.js';
