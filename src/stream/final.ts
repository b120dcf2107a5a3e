/**
 * The stream's last stage: what it received becomes the three readings `analyze` builds (the voice segments
 * rescored against whole-call baselines, the face tracks, the chat), fused by `fuseReadings` with the same
 * options, plus the CX block.
 */
import type { EmosigConfig } from '../config.js';
import { errorInfo } from '../errors.js';
import { scoreVoice, type ExtractedSegment, type VoiceChannelStream, type VoiceModel, type VoiceReading } from '../audio/index.js';
import { textReading, type TextMessageReading, type TextModel, type TextReading } from '../text/index.js';
import type { FaceReading } from '../vision/index.js';
import { completeSignature, fuseReadings, packageVersion, type ReliabilityFile } from '../fusion/index.js';
import type { EmotionalSignature, Modality, ModalityStatus, SignatureProblem } from '../signature/schema.js';
import type { StreamFaces } from './faces.js';
import type { StreamEncoding, StreamMessage, StreamOptions } from './types.js';

/** Everything the stream received and kept, as the final stage reads it. */
export interface StreamRecord {
  options: StreamOptions;
  cfg: EmosigConfig;
  speakers: string[];
  window: { size: number; hop: number };
  consent: Record<Modality, boolean>;
  rel: ReliabilityFile;
  problems: SignatureProblem[];
  /** Audio channels that received audio, with their encodings. */
  channels: { index: number; encoding: StreamEncoding; voice: VoiceChannelStream }[];
  extracted: ExtractedSegment[];
  voiceModel?: VoiceModel;
  invalidSamples: number;
  ignoredAudioSec: number;
  frames: { pushed: number; dropped: number; ignored: number; times: number[]; error?: unknown; analyzer: () => Promise<StreamFaces> };
  messages: StreamMessage[];
  textModel?: TextModel;
  textReadings: TextMessageReading[];
  ignoredMessages: number;
}

/** The final signature of a stream: the readings as `analyze` builds them, fused as `analyze` does. */
export async function streamSignature(r: StreamRecord): Promise<EmotionalSignature> {
  const status: Partial<Record<Modality, Partial<ModalityStatus>>> = {};
  const problems: SignatureProblem[] = [...r.problems];
  const readings: { voice?: VoiceReading; face?: FaceReading; text?: TextReading } = {};
  const source = r.options.name ?? 'stream';
  const used = r.channels;
  if (!r.consent.voice) status.voice = { present: false, reason: 'no-consent', detail: `voice consent was withheld; ${r.ignoredAudioSec.toFixed(1)} s of pushed audio were not decoded` };
  else if (!used.length) status.voice = { present: false, reason: 'not-given', detail: 'no audio was pushed' };
  else {
    const n = Math.max(...used.map((c) => c.index)) + 1;
    const names = r.speakers.slice(0, n);
    const first = used[0];
    const warnings: string[] = [];
    if (r.invalidSamples) warnings.push(`${r.invalidSamples} NaN/infinite samples were replaced by silence`);
    const rates = new Set(used.map((c) => c.voice.inputRate));
    readings.voice = await scoreVoice(
      {
        source,
        info: {
          durationSec: Math.max(...used.map((c) => c.voice.receivedSec)),
          sampleRate: first.voice.inputRate,
          encoding: first.encoding === 'pcm16' ? 'pcm' : first.encoding === 'float32' ? 'float' : first.encoding,
          channels: n,
        },
        speakers: names,
        segments: [...r.extracted].sort((a, b) => a.start - b.start || a.speaker.localeCompare(b.speaker)),
        speakerFeatures: Object.fromEntries(used.map((c) => [c.voice.name, c.voice.acc.vector()])),
        warnings: rates.size > 1 ? [...warnings, `channels were pushed at different rates (${[...rates].join(', ')} Hz)`] : warnings,
      },
      { channels: names, includeFeatures: true },
      r.voiceModel,
    );
    status.voice = { source };
  }
  const f = r.frames;
  if (!r.consent.face) status.face = { present: false, reason: 'no-consent', detail: `face consent was withheld; ${f.ignored} frame(s) were not decoded` };
  else if (!f.pushed) status.face = { present: false, reason: 'not-given', detail: 'no frame was pushed' };
  else if (!f.times.length)
    status.face = { present: false, reason: 'unusable', detail: f.error ? errorInfo(f.error).message : `none of ${f.pushed} frame(s) could be analysed`, source };
  else {
    const a = await f.analyzer();
    readings.face = {
      frames: f.times.map((time) => ({ time, source, width: 0, height: 0, faces: [] })),
      tracks: await a.tracks(),
      backend: a.info.backend,
      model: a.info.model,
      detector: a.info.detector,
      ...(a.info.version ? { version: a.info.version } : {}),
      ...(a.info.license ? { license: a.info.license } : {}),
    };
    status.face = { source };
  }
  if (f.dropped)
    problems.push({
      code: 'STREAM_FRAMES_DROPPED',
      modality: 'face',
      message: `${f.dropped} of ${f.pushed} frames were dropped because the face model could not keep up; lower the frame rate to analyse every frame`,
    });
  if (!r.consent.text) status.text = { present: false, reason: 'no-consent', detail: `text consent was withheld; ${r.ignoredMessages} message(s) were not read` };
  else if (!r.messages.length) status.text = { present: false, reason: 'not-given', detail: 'no message was pushed' };
  else {
    // each message was scored as it came (same options as analyzeText's): no second pass
    readings.text = textReading(r.textModel!, r.textReadings);
    status.text = {};
  }
  const o = r.options;
  const sig = fuseReadings(readings, r.rel, {
    speakers: r.speakers,
    faceSpeaker: o.faceSpeaker,
    chatSpeaker: o.chatSpeaker,
    window: r.window,
    longPauseSec: r.cfg.fusion.longPauseSec,
    stressedAt: r.cfg.fusion.stressedAt,
    keepText: r.cfg.text.keepText,
    messageTexts: r.messages.map((m) => m.text),
    status,
    problems,
    version: packageVersion(),
    backends: { text: 'js' },
  });
  return completeSignature(sig, readings, o.cx, r.messages.map((m) => m.text), 'nothing usable in the stream', source);
}
