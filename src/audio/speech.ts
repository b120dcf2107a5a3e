/**
 * Speech-only features of a short mono 16 kHz clip: VAD → speech spans → one feature vector over the
 * frames of all spans. Training (scripts/train-voice.ts) and `analyzeVoice` segment scoring share it.
 */
import { FeatureAccumulator, analyseFrames } from './features.js';
import { SileroVad, SpeechSegmenter, type SpeechSpan, type VadOptions } from './vad.js';

export interface ClipSpeech {
  spans: SpeechSpan[];
  speechSec: number;
  vector: Float32Array;
  acc: FeatureAccumulator;
}

/** Speech spans of one clip from its VAD probabilities. */
export function spansFromProbs(probs: Float32Array, durationSec: number, opts: VadOptions = {}): SpeechSpan[] {
  const seg = new SpeechSegmenter(opts);
  return [...seg.push(probs), ...seg.flush()].map((s) => ({ ...s, end: Math.min(s.end, durationSec) })).filter((s) => s.end > s.start);
}

/** Features over the speech spans (the whole clip when the VAD finds none and `fallbackWhole` is set). */
export function featuresOverSpans(x: Float32Array, spans: SpeechSpan[], fallbackWhole = true): ClipSpeech {
  const acc = new FeatureAccumulator();
  let speechSec = 0;
  const use = spans.length || !fallbackWhole ? spans : [{ start: 0, end: x.length / 16000, prob: 0 }];
  for (const s of use) {
    const a = Math.max(0, Math.floor(s.start * 16000));
    const b = Math.min(x.length, Math.ceil(s.end * 16000));
    if (b - a < 400) continue;
    acc.add(analyseFrames(x.subarray(a, b), s.start));
    speechSec += (b - a) / 16000;
  }
  return { spans, speechSec, vector: acc.vector(), acc };
}

/** VAD + features for many short clips, batching the VAD over clips. */
export async function clipsSpeechFeatures(vad: SileroVad, clips: Float32Array[], opts: VadOptions = {}): Promise<ClipSpeech[]> {
  const out: ClipSpeech[] = [];
  const B = 16;
  for (let i = 0; i < clips.length; i += B) {
    const batch = clips.slice(i, i + B);
    const probs = await vad.lanes(batch.map((audio) => ({ audio, warmupFrames: 0 })));
    batch.forEach((x, k) => out.push(featuresOverSpans(x, spansFromProbs(probs[k], x.length / 16000, opts))));
  }
  return out;
}
