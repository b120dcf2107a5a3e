/** Evaluation on labelled corpora: the metrics, manifest reading, `evaluate()` and its report outputs. */
export { classMetrics, fromConfusion, argmax, fmt, confusionMd, bootstrapCI, calibration, spearman, pearson, ranks, quantile, mulberry32, type ClassMetrics, type PerClass, type BootstrapCI, type BootstrapItem, type Interval, type Calibration, type ReliabilityBin } from './metrics.js';
export { readEvalManifest, parseEvalManifest, parseLabelMap, mapLabel, checkClasses, LABEL_SYNONYMS, EVAL_MODALITIES, type EvalModality, type EvalItem, type EvalManifest, type ManifestRowIssue } from './manifest.js';
export { evaluate, type EvaluateOptions, type EvalReport, type EvalRun, type ItemResult, type ItemPrediction, type EvalFailure } from './evaluate.js';
export { evalMarkdown, evalHtml, confusionSvg, reliabilitySvg, predictionsCsv, writeEvalOutputs } from './report.js';
