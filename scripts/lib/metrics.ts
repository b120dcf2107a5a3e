/**
 * Classification metrics for the training scripts and benches: a re-export of src/eval (the one implementation of
 * UAR, macro-F1, accuracy, confusion, bootstrap CI, calibration and Spearman ρ that `emosig eval` uses).
 */
export {
  classMetrics,
  fromConfusion,
  argmax,
  fmt,
  confusionMd,
  bootstrapCI,
  calibration,
  spearman,
  pearson,
  mulberry32,
  type ClassMetrics,
  type PerClass,
  type BootstrapCI,
  type Calibration,
} from '../../src/eval/metrics.js';
