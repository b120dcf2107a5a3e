/**
 * `analyze` / `createAnalyzer`: run the modalities the caller gave (and consented to), then fuse their
 * readings into one `EmotionalSignature`. A modality that fails is listed as absent with the problem stated;
 * only when nothing usable is left does `analyze` throw (`NOTHING_USABLE`).
 */
import { configOf, mergeConfigs, type EmosigConfig, type EmosigConfigInput } from '../config.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeVoice, loadVoiceModel, type VoiceReading } from '../audio/index.js';
import { analyzeFaces, extractAudio, probeVideo, type FaceReading } from '../vision/index.js';
import { analyzeText, loadTextModel, type TextInput, type TextReading } from '../text/index.js';
import { EmosigError, errorInfo } from '../errors.js';
import { packageRoot } from '../runtime/paths.js';
import { AnalyzeInputSchema, check } from '../runtime/validate.js';
import { MAX_TIMELINE_SEC } from '../limits.js';
import type { EmotionalSignature, Modality, ModalityStatus, SignatureProblem } from '../signature/schema.js';
import { fuseReadings, MODALITY_ORDER } from './fuse.js';
import { loadReliability, type ReliabilityFile } from './reliability.js';
import { checkCxOptions, computeCx, type CxOptions } from '../cx/index.js';

export interface AnalyzeInput {
  /** Call audio: a WAV path or bytes (one channel per speaker), or samples. */
  audio?: string | Uint8Array | { samples: Float32Array | Float32Array[]; sampleRate: number; name?: string };
  /** A video file: its frames go to the face model; its audio track is used when `audio` is not given. */
  video?: string;
  /** A directory of frames, an image, or raw frames (instead of `video`). */
  frames?: string | string[];
  /** Chat transcript: a path, `{ content }`, or messages. */
  chat?: TextInput;
  /** Speaker names in audio-channel order; the first is the customer. Default ['customer', 'agent']. */
  speakers?: string[];
  /** Per-modality consent; `false` means the modality is not decoded at all. Default: all true. */
  consent?: Partial<Record<Modality, boolean>>;
  /** Window length and hop (s). Default 2 and 1. */
  window?: { size?: number; hop?: number };
  /** Clock offsets (s) added to a modality's times, e.g. `{ text: -3.5 }`. */
  offsets?: Partial<Record<Modality, number>>;
  /** Frame rate for video sampling and the clock of a frame folder (default 5, DEFAULT_FPS; see src/signature/time.ts). */
  fps?: number;
  /** Who the faces belong to (default: the first speaker). */
  faceSpeaker?: string;
  /** Who chat messages without a speaker belong to (default: the first speaker). */
  chatSpeaker?: string;
  /** Keep chat message text in the signature (default false). Audio and frames are never kept. */
  keepText?: boolean;
  /** Minimum pause reported as a 'long-pause' moment (s). Default 2. */
  longPauseSec?: number;
  /** A voice model folder (e.g. from `emosig train voice`) instead of the shipped voice model. */
  voiceModel?: string;
  /** Abort a long analysis. */
  signal?: AbortSignal;
  /**
   * Any part of EmosigConfig (README, "Configuration"): e.g. `{ voice: { vad: { minSilenceMs: 500 } }, fusion:
   * { stressedAt: 0.6 } }`. The shorthand fields above (speakers, consent, window, fps, longPauseSec, keepText)
   * override it. Resolved and validated once per analysis.
   */
  config?: EmosigConfigInput;
  /** CX metrics (the signature's `cx` block): on by default; `profile` keeps a temperament profile only with consent. */
  cx?: CxOptions;
}

export type AnalyzerOptions = Pick<AnalyzeInput, 'speakers' | 'consent' | 'window' | 'fps' | 'longPauseSec' | 'keepText' | 'cx' | 'config'> & {
  /** Path of a reliability file (default models/fusion/reliability.json). */
  reliability?: string;
};

export interface Analyzer {
  analyze(input: AnalyzeInput): Promise<EmotionalSignature>;
  readonly reliability: ReliabilityFile;
}

let pkgVersion: string | undefined;
/** emosig's version (from package.json), written into each signature's `generator`. */
export function version(): string {
  if (!pkgVersion) {
    try {
      pkgVersion = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version as string;
    } catch {
      pkgVersion = '0.0.0';
    }
  }
  return pkgVersion;
}

/** Check the input once and resolve its configuration (EmosigConfig: the one place the defaults live). */
function checkOptions(i: AnalyzeInput): EmosigConfig {
  const bad = (m: string) => {
    throw new EmosigError('INVALID_OPTIONS', m);
  };
  if (!i || typeof i !== 'object') bad('analyze expects an object { audio?, video?, frames?, chat?, ... }');
  check(AnalyzeInputSchema, i, 'analyze', 'input');
  if (i.video !== undefined && i.frames !== undefined) bad('give either video or frames, not both');
  const cfg = configOf(i, 'analyze');
  for (const [m, v] of Object.entries(i.offsets ?? {})) {
    if (!(MODALITY_ORDER as string[]).includes(m)) bad(`offsets: unknown modality '${m}' (use voice, face or text)`);
    if (!(typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_TIMELINE_SEC)) bad(`offsets.${m} must be a number of seconds within ±${MAX_TIMELINE_SEC} (24 h) (got ${v})`);
  }
  for (const k of ['faceSpeaker', 'chatSpeaker'] as const) if (i[k] !== undefined && (typeof i[k] !== 'string' || !i[k]!.trim())) bad(`${k} must be a non-empty name`);
  checkCxOptions(i.cx);
  return cfg;
}

/**
 * Every file the caller named must exist: a typo is an INPUT_NOT_FOUND error, not a signature without that
 * modality. (A file that exists but cannot be used still degrades to a problem in the signature.) Inputs of a
 * modality without consent are not looked at.
 */
function checkNamedInputs(i: AnalyzeInput, consent: Record<Modality, boolean>): void {
  const named: [string, string][] = [];
  const add = (what: string, x: unknown) => {
    if (typeof x === 'string') named.push([what, x]);
    else if (x && typeof x === 'object' && !Array.isArray(x) && typeof (x as { path?: unknown }).path === 'string') named.push([what, (x as { path: string }).path]);
  };
  if (consent.voice || consent.face) add('video', i.video);
  if (consent.voice) add('audio', i.audio);
  if (consent.face) (Array.isArray(i.frames) ? i.frames : [i.frames]).forEach((f) => add('frames', f));
  if (consent.text) add('chat', i.chat);
  for (const [what, p] of named) {
    if (!existsSync(p)) throw new EmosigError('INPUT_NOT_FOUND', `the ${what} file or folder does not exist. Check the path.`, { input: p });
  }
}

/** Load the models once (reliabilities, voice, text; the face models are cached by the face module). */
export async function createAnalyzer(options: AnalyzerOptions = {}): Promise<Analyzer> {
  const reliability = loadReliability(options.reliability);
  const { consent } = configOf(options, 'createAnalyzer').call;
  // warm the model caches; a missing model is reported per analysis, not here
  await Promise.allSettled([consent.voice ? loadVoiceModel() : undefined, consent.text ? loadTextModel() : undefined]);
  return {
    reliability,
    analyze: (input) =>
      runAnalysis(
        {
          ...input,
          speakers: input.speakers ?? options.speakers,
          consent: { ...(options.consent ?? {}), ...(input.consent ?? {}) },
          window: input.window ?? options.window,
          fps: input.fps ?? options.fps,
          longPauseSec: input.longPauseSec ?? options.longPauseSec,
          keepText: input.keepText ?? options.keepText,
          cx: input.cx ?? options.cx,
          config: mergeConfigs(options.config, input.config),
        },
        reliability,
      ),
  };
}

/** Analyse one interaction. */
export async function analyze(input: AnalyzeInput, options: Pick<AnalyzerOptions, 'reliability'> = {}): Promise<EmotionalSignature> {
  checkOptions(input);
  return runAnalysis(input, loadReliability(options.reliability));
}

/** A file name to report as `source` — never content (a string is always a path; messages have no name). */
function label(x: unknown, stringIsPath = true): string | undefined {
  if (typeof x === 'string') return stringIsPath ? x : undefined;
  if (x && typeof x === 'object' && 'path' in x && typeof (x as { path: unknown }).path === 'string') return (x as { path: string }).path;
  if (x && typeof x === 'object' && 'name' in x && typeof (x as { name: unknown }).name === 'string') return (x as { name: string }).name;
  return undefined;
}

async function runAnalysis(input: AnalyzeInput, rel: ReliabilityFile): Promise<EmotionalSignature> {
  const cfg = checkOptions(input);
  const { consent, speakers } = cfg.call;
  checkNamedInputs(input, consent);
  const status: Partial<Record<Modality, Partial<ModalityStatus>>> = {};
  const problems: SignatureProblem[] = [];
  const readings: { voice?: VoiceReading; face?: FaceReading; text?: TextReading } = {};
  const failed = (m: Modality, e: unknown, source?: string) => {
    const info = errorInfo(e);
    problems.push({ code: info.code, modality: m, message: info.message });
    status[m] = { present: false, reason: 'unusable', detail: info.message, ...(source ? { source } : {}) };
  };
  let videoDuration: number | undefined;

  // ---- voice (audio, else the video's audio track)
  const audioGiven = input.audio !== undefined;
  const videoAudio = !audioGiven && typeof input.video === 'string';
  if (!audioGiven && !videoAudio) status.voice = { present: false, reason: 'not-given', detail: 'no audio was given' };
  else if (!consent.voice) status.voice = { present: false, reason: 'no-consent', detail: 'voice consent was withheld; the audio was not decoded' };
  else {
    const src = audioGiven ? label(input.audio) ?? '<audio>' : input.video!;
    try {
      let audio: AnalyzeInput['audio'] = input.audio;
      if (videoAudio) {
        audio = { samples: await extractAudio(input.video!, { signal: input.signal }), sampleRate: 16000, name: input.video };
        problems.push({ code: 'VOICE_FROM_VIDEO', modality: 'voice', message: `the voice was read from the video's audio track (mono: every voice is ${speakers[0]})` });
      }
      readings.voice = await analyzeVoice(audio as never, { channels: speakers, includeFeatures: true, vad: cfg.voice.vad, personalBaseline: cfg.voice.personalBaseline, minPauseSec: cfg.voice.minPauseSec, ...(input.voiceModel ? { model: input.voiceModel } : {}) });
      status.voice = { source: src };
    } catch (e) {
      if (videoAudio && e instanceof EmosigError && e.code === 'AUDIO_EMPTY') status.voice = { present: false, reason: 'not-given', detail: 'the video has no audio track', source: src };
      else failed('voice', e, src);
    }
  }

  // ---- face
  const faceInput = input.video ?? input.frames;
  if (faceInput === undefined) status.face = { present: false, reason: 'not-given', detail: 'no video or frames were given' };
  else if (!consent.face) status.face = { present: false, reason: 'no-consent', detail: 'face consent was withheld; no frame was decoded' };
  else {
    const src = Array.isArray(faceInput) ? `${faceInput.length} images` : faceInput;
    try {
      if (typeof input.video === 'string') {
        try {
          const info = await probeVideo(input.video);
          if (info.duration) videoDuration = info.duration;
        } catch {
          /* analyzeFaces reports the real error */
        }
      }
      const { fps, minScore, inputSize, maxFaces } = cfg.face;
      readings.face = await analyzeFaces(faceInput as never, { fps, minScore, inputSize, maxFaces, signal: input.signal });
      status.face = { source: src };
    } catch (e) {
      failed('face', e, src);
    }
  }

  // ---- text
  if (input.chat === undefined) status.text = { present: false, reason: 'not-given', detail: 'no chat was given' };
  else if (!consent.text) status.text = { present: false, reason: 'no-consent', detail: 'text consent was withheld; the chat was not read' };
  else {
    const src = label(input.chat);
    try {
      // the text stays in memory (CX cues); the signature keeps it only with keepText
      readings.text = await analyzeText(input.chat, { explain: false, echo: true, backend: 'js', ...(cfg.text.context !== undefined ? { context: cfg.text.context } : {}) });
      status.text = src ? { source: src } : {};
    } catch (e) {
      failed('text', e, src);
    }
  }

  const sig = fuseReadings(readings, rel, {
    speakers,
    faceSpeaker: input.faceSpeaker,
    chatSpeaker: input.chatSpeaker,
    window: cfg.window,
    offsets: input.offsets,
    longPauseSec: cfg.fusion.longPauseSec,
    stressedAt: cfg.fusion.stressedAt,
    keepText: cfg.text.keepText,
    messageTexts: readings.text?.messages.map((m) => m.text ?? ''),
    status,
    problems,
    videoDurationSec: videoDuration,
    version: version(),
    backends: { text: 'js' },
  });
  return completeSignature(sig, readings, input.cx, readings.text?.messages.map((m) => m.text), 'nothing usable to analyse');
}

/**
 * The last step of `analyze` and of a stream's `end()`: NOTHING_USABLE (naming each modality's reason) when no
 * modality is present, else the CX block unless it was turned off.
 */
export async function completeSignature(
  sig: EmotionalSignature,
  readings: { voice?: VoiceReading; face?: FaceReading; text?: TextReading },
  cx: CxOptions | undefined,
  texts: (string | undefined)[] | undefined,
  nothing: string,
  source?: string,
): Promise<EmotionalSignature> {
  if (!MODALITY_ORDER.some((m) => sig.interaction.modalities[m].present)) {
    const why = MODALITY_ORDER.map((m) => {
      const s = sig.interaction.modalities[m];
      return `${m}: ${s.reason ?? 'absent'}${s.detail ? ` (${s.detail})` : ''}`;
    }).join('; ');
    throw new EmosigError('NOTHING_USABLE', `${nothing} — ${why}`, source ? { input: source } : {});
  }
  if (cx?.enabled !== false) sig.cx = await computeCx(sig, readings, cx, texts);
  return sig;
}
