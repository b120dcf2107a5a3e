export {
  analyzeVoice,
  extractVoice,
  scoreVoice,
  scoreLive,
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
export { FEATURE_NAMES, LLD_NAMES, FUNCTIONALS, TEMPORAL, FeatureAccumulator, analyzeFrames, analyseFrames, extractFeatures } from './features.js';
export { openWav, decodeWav, encodeWav, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, type AudioInfo, type WavReader, type WavEncoding } from './decode.js';
export { mulawDecode, alawDecode, mulawEncode, alawEncode } from './g711.js';
export { Resampler, resample } from './resample.js';
export { SileroVad, SpeechSegmenter, VAD_STATE_SIZE, VAD_PIECE_FRAMES, VAD_WARMUP_FRAMES, type VadOptions, type SpeechSpan, type VadLane } from './vad.js';
export { loadVoiceModel, type VoiceModel } from './model.js';
export { VoiceChannelStream, RunningBaseline, type VoiceStreamOptions, type ChannelHooks, type ChannelLane } from './incremental.js';
export { type VoiceModelCard, type VoicePrediction } from './model.js';
export { trainVoiceModel, readTrainingManifest, type TrainVoiceOptions, type TrainVoiceResult, type ManifestRow, type CvMetrics } from './train-custom.js';
