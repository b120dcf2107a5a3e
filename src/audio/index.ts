export {
  analyzeVoice,
  extractVoice,
  scoreVoice,
  buildBaselines,
  type VoiceInput,
  type VoiceOptions,
  type VoiceReading,
  type VoiceSegment,
  type VoiceSummary,
  type VoicePause,
  type VoiceBaseline,
  type ExtractedVoice,
  type ExtractedSegment,
} from './analyze.js';
export { FEATURE_NAMES, LLD_NAMES, FUNCTIONALS, TEMPORAL, FeatureAccumulator, analyseFrames, extractFeatures } from './features.js';
export { openWav, decodeWav, encodeWav, type AudioInfo, type WavReader, type WavEncoding } from './decode.js';
export { Resampler, resample } from './resample.js';
export { SileroVad, SpeechSegmenter, type VadOptions, type SpeechSpan } from './vad.js';
export { loadVoiceModel, type VoiceModel } from './model.js';
