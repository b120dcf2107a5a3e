/**
 * Fusion: voice, face and chat readings → one time-aligned emotional signature (src/signature/schema.ts).
 */
export { analyze, createAnalyzer, completeSignature, version as packageVersion, type AnalyzeInput, type AnalyzerOptions, type Analyzer } from './analyze.js';
export { fuseReadings, fuseWindow, voiceItem, faceItem, textItem, speakerSummary, pauseMoment, incongruenceHit, confidentWindow, describeEvidence, MODALITY_ORDER, type FuseOptions, type Readings, type FusionItem } from './fuse.js';
export {
  SpeakerMoments,
  SummaryAccumulator,
  addFrustration,
  frustrationOf,
  silenceAfterOthers,
  type ChatFrustration,
  type Silence,
} from './moments.js';
export { loadReliability, calibrate, pool, incongruence, type ReliabilityFile, type ModalityReliability, type Evidence } from './reliability.js';
export { renderReport, type ReportOptions } from './report.js';
