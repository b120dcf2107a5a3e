/**
 * Fusion: voice, face and chat readings → one time-aligned emotional signature (src/signature/schema.ts).
 */
export { analyze, createAnalyzer, type AnalyzeInput, type AnalyzerOptions, type Analyzer } from './analyze.js';
export { fuseReadings, type FuseOptions, type Readings } from './fuse.js';
export { loadReliability, calibrate, pool, incongruence, type ReliabilityFile, type ModalityReliability, type Evidence } from './reliability.js';
export { renderReport, type ReportOptions } from './report.js';
