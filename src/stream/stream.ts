/**
 * Live streams: push call audio, video frames and chat messages as they happen; get readings, fused windows,
 * moments and escalations as events (EventEmitter and async iterator); `end()` returns the same signature
 * `analyze` would.
 *
 * Audio runs through one `VoiceChannelStream` per channel (incremental resampling, VAD with carried state,
 * segmenter and frame descriptors: nothing is processed twice and only the last ~20 s are kept). Windows are
 * fused with the signature's own `fuseWindow` as soon as the speaker's channel has been processed past the
 * window's end (an open speech segment is read "so far"). Faces run one frame at a time: frames that arrive
 * while one is being analysed wait in a queue of `maxPendingFrames` (default 1), and when it is full the
 * oldest waiting frame is dropped and counted. `end()` rescores the voice segments against each speaker's whole-call
 * baseline and fuses everything with `fuseReadings`, exactly as `analyze` does.
 */
import { DEFAULT_CONFIG, resolveConfig, type EmosigConfig } from '../config.js';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { EmosigError, errorInfo } from '../errors.js';
import { MAX_TIMELINE_SEC } from '../limits.js';
import {
  loadVoiceModel,
  scoreVoice,
  SileroVad,
  VoiceChannelStream,
  type ExtractedSegment,
  type VadLane,
  type VoiceModel,
  type VoicePause,
  type VoiceReading,
} from '../audio/index.js';
import { loadTextModel, scoreMessages, textReading, TextHistory, type TextMessageReading, type TextModel, type TextReading } from '../text/index.js';
import { rawToRgb, type FaceReading, type FrameReading, type RawFrame, type RgbImage } from '../vision/index.js';
import { inProcessFaces, workerFaces, type StreamFaces } from './faces.js';
import {
  addFrustration,
  faceItem,
  frustrationOf,
  fuseReadings,
  fuseWindow,
  loadReliability,
  MODALITY_ORDER,
  packageVersion,
  pauseMoment,
  silenceAfterOthers,
  SpeakerMoments,
  SummaryAccumulator,
  textItem,
  voiceItem,
  type ChatFrustration,
  type Evidence,
  type FusionItem,
  type ReliabilityFile,
  type Silence,
} from '../fusion/index.js';
import type { EmotionalSignature, Modality, ModalityStatus, SignatureMoment, SignatureProblem, SignatureWindow } from '../signature/schema.js';
import { checkMessage, checkRate, decodeChunk, defaultRate, ENCODINGS } from './input.js';
import { checkCxOptions, computeCx } from '../cx/index.js';
import type {
  AudioChunk,
  AudioChunkOptions,
  LatencySummary,
  StreamEncoding,
  StreamEvent,
  StreamEventMap,
  StreamFrame,
  StreamMessage,
  StreamOptions,
  StreamStats,
} from './types.js';

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const LATENCY_RING = 8192;
const ESCALATION_MIN_WINDOWS = 5;

/** Wall-clock arrival of stream time: (time reached, wall ms) marks, pruned behind the clock. */
class Arrivals {
  private t: number[] = [];
  private w: number[] = [];
  private head = 0;

  mark(time: number, wall: number): void {
    if (this.t.length > this.head && time <= this.t[this.t.length - 1]) return;
    this.t.push(time);
    this.w.push(wall);
  }

  /** Wall time at which input first reached `time` (undefined when it has not yet). */
  at(time: number): number | undefined {
    let lo = this.head;
    let hi = this.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.t[mid] >= time - 1e-6) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.t.length ? this.w[lo] : undefined;
  }

  /** Forget marks before `time` (keeps one). */
  prune(time: number): void {
    while (this.head + 1 < this.t.length && this.t[this.head + 1] < time) this.head++;
    if (this.head > 1024) {
      this.t = this.t.slice(this.head);
      this.w = this.w.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.t.length - this.head;
  }
}

class LatencyRing {
  private readonly v = new Float64Array(LATENCY_RING);
  private n = 0;
  add(x: number): void {
    this.v[this.n % LATENCY_RING] = x;
    this.n++;
  }
  summary(): LatencySummary {
    const m = Math.min(this.n, LATENCY_RING);
    if (!m) return { n: 0, medianMs: 0, p95Ms: 0, maxMs: 0 };
    const s = this.v.slice(0, m).sort();
    const q = (p: number) => s[Math.min(m - 1, Math.floor(p * (m - 1) + 0.5))];
    return { n: this.n, medianMs: r3(q(0.5)), p95Ms: r3(q(0.95)), maxMs: r3(s[m - 1]) };
  }
}

/** What the stream keeps per speaker for live windows, moments and escalation. */
interface SpeakerLive {
  name: string;
  channel?: number;
  nextWin: number;
  items: FusionItem[];
  /** The moments engine (src/fusion/moments.ts) the signature uses too. */
  moments: SpeakerMoments;
  /** Running sums of the emitted windows for the escalation score (O(1) per window). */
  summary: SummaryAccumulator;
  /** Running chat frustration of this speaker's messages. */
  chat: ChatFrustration;
  /** Long silences after another party spoke, and how many of the stream's pauses were looked at. */
  silences: Silence[];
  pausesSeen: number;
  escalated: boolean;
}

interface Channel {
  index: number;
  voice: VoiceChannelStream;
  encoding: StreamEncoding;
  arrivals: Arrivals;
}

interface Subscriber {
  queue: StreamEvent[];
  wake?: () => void;
  done: boolean;
}

type PendingFrame = { time: number; image?: RgbImage; encoded?: Uint8Array; source: string };

function checkOptions(o: StreamOptions): void {
  const bad = (m: string) => {
    throw new EmosigError('INVALID_OPTIONS', m, { input: 'createStream' });
  };
  if (!o || typeof o !== 'object') bad('options must be an object');
  if (o.speakers !== undefined) {
    if (!Array.isArray(o.speakers) || !o.speakers.length || o.speakers.some((s) => typeof s !== 'string' || !s.trim())) bad('speakers must be a non-empty list of names, e.g. ["customer", "agent"]');
    if (new Set(o.speakers.map((s) => s.trim().toLowerCase())).size !== o.speakers.length) bad(`speaker names must differ (got ${o.speakers.join(', ')})`);
  }
  if (o.encoding !== undefined && !ENCODINGS.includes(o.encoding)) bad(`encoding must be one of ${ENCODINGS.join(', ')} (got ${String(o.encoding)})`);
  if (o.sampleRate !== undefined) checkRate(o.sampleRate, 'createStream options.sampleRate');
  const hop = o.window?.hop ?? DEFAULT_CONFIG.window.hop;
  if (!(hop >= 0.25)) bad(`window.hop must be at least 0.25 s for a live stream (got ${o.window?.hop})`);
  for (const m of Object.keys(o.consent ?? {})) if (!(MODALITY_ORDER as string[]).includes(m)) bad(`consent: unknown modality '${m}' (use voice, face or text)`);
  const pos = (k: keyof StreamOptions, v: unknown, max = Infinity) => {
    if (v !== undefined && !(typeof v === 'number' && v > 0 && v <= max)) bad(`${k} must be a number in (0, ${max}] (got ${String(v)})`);
  };
  pos('maxPendingMessages', o.maxPendingMessages, 1e6);
  pos('maxEventQueue', o.maxEventQueue, 1e7);
  for (const k of ['faceSpeaker', 'chatSpeaker'] as const) if (o[k] !== undefined && (typeof o[k] !== 'string' || !o[k]!.trim())) bad(`${k} must be a non-empty name`);
  checkCxOptions(o.cx);
}

/** The stream's share of EmosigConfig, validated once by resolveConfig (the one place the defaults live). */
function streamConfig(o: StreamOptions): EmosigConfig {
  return resolveConfig(
    {
      window: o.window,
      fusion: { longPauseSec: o.longPauseSec, stressedAt: o.stressedAt, escalationThreshold: o.escalationThreshold },
      stream: { highWaterMarkSec: o.highWaterMarkSec, maxQueueSec: o.maxQueueSec, maxPendingFrames: o.maxPendingFrames },
    },
    'createStream',
  );
}

export class EmotionStream extends EventEmitter<StreamEventMap> implements AsyncIterable<StreamEvent> {
  /** Resolves once the VAD, voice and text models are loaded (pushes before that are queued). */
  readonly ready: Promise<void>;
  readonly speakers: string[];
  private readonly o: StreamOptions;
  private readonly cfg: EmosigConfig;
  private readonly size: number;
  private readonly hop: number;
  private readonly consent: Record<Modality, boolean>;
  private readonly rel: ReliabilityFile;
  private vad?: SileroVad;
  private voiceModel?: VoiceModel;
  private textModel?: TextModel;
  private faceAnalyzer?: Promise<StreamFaces>;
  private readonly channels: (Channel | undefined)[] = [];
  private readonly live = new Map<string, SpeakerLive>();
  private readonly extracted: ExtractedSegment[] = [];
  private readonly pauses: VoicePause[] = [];
  private lastSpeechEnd = 0;
  private lastSpeaker?: string;
  private pauseFrom = -1;
  private readonly global = new Arrivals();
  private closed = false;
  private failure?: Error;
  private endPromise?: Promise<EmotionalSignature>;
  private endWall = 0;
  private pump?: Promise<void>;
  private needDrain = false;
  private drainWaiter?: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void };
  private maxQueued = 0;
  private invalidSamples = 0;
  private ignoredAudioSec = 0;
  // faces
  private faceBusy?: Promise<void>;
  private pendingFrames: PendingFrame[] = [];
  private lastFrameTime?: number;
  private lastFaceTime?: number;
  private readonly frameTimes: number[] = [];
  private readonly frameStats = { pushed: 0, analysed: 0, dropped: 0, failed: 0, ignored: 0 };
  private faceError?: unknown;
  // text
  private readonly messages: (StreamMessage & { index: number })[] = [];
  private readonly textReadings: TextMessageReading[] = [];
  /** The chat so far, for the text model's conversation context (message by message = analyze's whole list). */
  private readonly textHistory = new TextHistory();
  private messageQueue: (StreamMessage & { index: number; wall: number })[] = [];
  private textBusy?: Promise<void>;
  private lastMessageTime?: number;
  private ignoredMessages = 0;
  private readonly problems: SignatureProblem[] = [];
  // events
  private readonly subscribers = new Set<Subscriber>();
  private spaceWaiters: (() => void)[] = [];
  private readonly counts: Record<StreamEvent['type'], number> = { reading: 0, window: 0, moment: 0, escalation: 0, warning: 0 };
  private readonly latency = { window: new LatencyRing(), reading: new LatencyRing(), moment: new LatencyRing() };

  constructor(options: StreamOptions = {}) {
    super();
    checkOptions(options);
    this.cfg = streamConfig(options);
    this.o = options;
    this.speakers = (options.speakers ?? ['customer', 'agent']).map((s) => s.trim());
    this.size = this.cfg.window.size;
    this.hop = this.cfg.window.hop;
    this.consent = { voice: true, face: true, text: true, ...(options.consent ?? {}) };
    this.rel = loadReliability(options.reliability);
    this.speakers.forEach((s) => this.speakerLive(s));
    for (const s of [options.faceSpeaker, options.chatSpeaker]) if (s) this.speakerLive(this.nameOf(s));
    const consent = this.consent;
    this.ready = (async () => {
      const [vad, vm, tm] = await Promise.all([
        consent.voice ? SileroVad.load() : undefined,
        consent.voice ? loadVoiceModel() : undefined,
        consent.text ? loadTextModel() : undefined,
      ]);
      this.vad = vad;
      this.voiceModel = vm;
      this.textModel = tm;
    })();
    this.ready.catch((e) => this.fail(e));
    if (options.preloadFace && this.consent.face) void this.faces().catch(() => undefined);
  }

  // ------------------------------------------------------------------ input

  /**
   * Push a chunk of one channel's audio (any length; 10 ms to 1 s is typical). Returns false when the
   * channel has `highWaterMarkSec` or more waiting: wait for 'drain' (or `whenDrained()`) before pushing
   * more. Throws STREAM_OVERFLOW, without queueing the chunk, when it would exceed `maxQueueSec`.
   */
  pushAudio(chunk: AudioChunk, opts: AudioChunkOptions = {}): boolean {
    this.checkOpen('pushAudio');
    const index = opts.channel ?? 0;
    const what = `audio channel ${index}`;
    if (!Number.isInteger(index) || index < 0 || index >= this.speakers.length) {
      throw new EmosigError('STREAM_BAD_CHUNK', `channel must be an integer from 0 to ${this.speakers.length - 1} (one a speaker: ${this.speakers.join(', ')}); got ${String(opts.channel)}`, { input: 'pushAudio' });
    }
    let ch = this.channels[index];
    const encoding = opts.encoding ?? ch?.encoding ?? this.o.encoding ?? (chunk instanceof Float32Array ? 'float32' : 'pcm16');
    if (!ENCODINGS.includes(encoding)) throw new EmosigError('STREAM_BAD_CHUNK', `unknown encoding '${String(encoding)}'; use one of ${ENCODINGS.join(', ')}`, { input: what });
    const rate = ch?.voice.inputRate ?? checkRate(opts.sampleRate ?? this.o.sampleRate ?? defaultRate(encoding), what);
    if (opts.sampleRate !== undefined && opts.sampleRate !== rate) {
      checkRate(opts.sampleRate, what);
      throw new EmosigError('STREAM_RATE_MISMATCH', `chunk says ${opts.sampleRate} Hz but this channel's audio is ${rate} Hz (set by its first chunk); resample before pushing, or use a new stream`, { input: what });
    }
    const { samples, invalid } = decodeChunk(chunk, encoding, what);
    if (!this.consent.voice) {
      this.ignoredAudioSec += samples.length / rate;
      return true;
    }
    const sec = samples.length / rate;
    const queued = ch ? ch.voice.queuedSec : 0;
    const max = this.cfg.stream.maxQueueSec;
    if (queued + sec > max) {
      throw new EmosigError(
        'STREAM_OVERFLOW',
        `${queued.toFixed(1)} s of audio are already waiting and this chunk adds ${sec.toFixed(2)} s, over the limit of ${max} s (maxQueueSec); the chunk was not taken — wait for 'drain' when pushAudio returns false, then push it again`,
        { input: what },
      );
    }
    if (!ch) {
      ch = { index, encoding, voice: new VoiceChannelStream(this.speakers[index], rate, { vad: this.o.vad, nextBoundary: (t) => this.nextBoundary(t) }), arrivals: new Arrivals() };
      this.channels[index] = ch;
      this.live.get(this.speakers[index])!.channel = index;
    }
    if (invalid) {
      this.invalidSamples += invalid;
    }
    if (samples.length) {
      ch.voice.push(samples);
      const now = performance.now();
      ch.arrivals.mark(ch.voice.receivedSec, now);
      this.global.mark(ch.voice.receivedSec, now);
      this.maxQueued = Math.max(this.maxQueued, ch.voice.queuedSec);
      this.schedule();
    }
    if (ch.voice.queuedSec >= this.cfg.stream.highWaterMarkSec) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /** Resolves when no channel is over the high-water mark (immediately when none is). */
  whenDrained(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.overHighWater()) return Promise.resolve();
    if (!this.drainWaiter) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((a, b) => {
        resolve = a;
        reject = b;
      });
      promise.catch(() => undefined);
      this.drainWaiter = { promise, resolve, reject };
    }
    return this.drainWaiter.promise;
  }

  /**
   * Push a video frame (raw RGB/RGBA `{ data, width, height }` or an encoded image) at `time` seconds on the
   * stream's clock. Times must increase. Frames wait for the face model in a queue of `maxPendingFrames`
   * (default 1); when it is full the oldest waiting frame is dropped (counted in `stats().frames.dropped`)
   * and this returns false.
   */
  pushFrame(frame: StreamFrame, time: number): boolean {
    this.checkOpen('pushFrame');
    const what = `frame at ${String(time)} s`;
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) throw new EmosigError('STREAM_BAD_FRAME', `time must be seconds ≥ 0 on the stream's clock (got ${String(time)})`, { input: 'pushFrame' });
    if (time > MAX_TIMELINE_SEC) throw new EmosigError('STREAM_BAD_FRAME', `time ${time} s is beyond the longest supported call (${MAX_TIMELINE_SEC} s = 24 h); send seconds since the call started`, { input: 'pushFrame' });
    if (this.lastFrameTime !== undefined && time <= this.lastFrameTime) {
      throw new EmosigError('STREAM_OUT_OF_ORDER', `time ${time} s is not after the previous frame (${this.lastFrameTime} s); push frames in time order, one per timestamp`, { input: what });
    }
    let pending: PendingFrame;
    if (frame && typeof frame === 'object' && !(frame instanceof Uint8Array) && 'width' in frame) {
      pending = { time, image: rawToRgb(frame as RawFrame, what), source: what };
    } else if (frame instanceof Uint8Array) {
      if (frame.length === 0) throw new EmosigError('STREAM_BAD_FRAME', 'the image buffer is empty; push encoded image bytes (JPEG, PNG, WebP…) or { data, width, height }', { input: what });
      pending = { time, encoded: frame, source: what };
    } else {
      throw new EmosigError('STREAM_BAD_FRAME', 'expected raw pixels { data, width, height, channels? } or an encoded image Buffer', { input: what });
    }
    this.lastFrameTime = time;
    this.frameStats.pushed++;
    if (!this.consent.face) {
      this.frameStats.ignored++;
      return true;
    }
    this.global.mark(time, performance.now());
    let dropped = false;
    this.pendingFrames.push(pending);
    while (this.pendingFrames.length > this.cfg.stream.maxPendingFrames) {
      this.pendingFrames.shift();
      this.frameStats.dropped++;
      dropped = true;
    }
    if (!this.faceBusy) this.faceBusy = this.guarded(() => this.runFaces(), () => (this.faceBusy = undefined));
    return !dropped;
  }

  /** Push a chat message `{ time, speaker?, text }` (times must not go back); it is scored at once and emitted as a 'reading'. */
  pushMessage(message: StreamMessage): void {
    this.checkOpen('pushMessage');
    const index = this.messages.length + this.ignoredMessages + this.messageQueue.length;
    const m = checkMessage(message, this.lastMessageTime, index);
    if (!this.consent.text) {
      this.ignoredMessages++;
      return;
    }
    const max = this.o.maxPendingMessages ?? 256;
    if (this.messageQueue.length >= max) {
      throw new EmosigError('STREAM_OVERFLOW', `${this.messageQueue.length} messages are already waiting to be scored (maxPendingMessages ${max}); the message was not taken — push it again shortly`, { input: `message ${index}` });
    }
    this.lastMessageTime = m.time;
    const now = performance.now();
    this.global.mark(m.time, now);
    this.messageQueue.push({ ...m, index, wall: now });
    if (!this.textBusy) this.textBusy = this.guarded(() => this.runText(), () => (this.textBusy = undefined));
  }

  /** Flush everything, emit the remaining events and return the final signature (same schema as `analyze`). */
  end(): Promise<EmotionalSignature> {
    if (this.endPromise) return this.endPromise;
    if (this.failure) return Promise.reject(this.failure);
    this.closed = true;
    this.endWall = performance.now();
    for (const ch of this.channels) ch?.voice.end();
    this.endPromise = this.finish();
    this.endPromise.catch(() => undefined);
    return this.endPromise;
  }

  /** Counters, queue levels and latencies so far. */
  stats(): StreamStats {
    return {
      audio: this.channels.flatMap((c) =>
        c ? [{ channel: c.index, speaker: c.voice.name, sampleRate: c.voice.inputRate, receivedSec: r3(c.voice.receivedSec), processedSec: r3(c.voice.clock), queuedSec: r3(c.voice.queuedSec) }] : [],
      ),
      maxQueuedSec: r3(this.maxQueued),
      frames: { ...this.frameStats },
      messages: { pushed: this.messages.length + this.messageQueue.length + this.ignoredMessages, analysed: this.textReadings.length, ignored: this.ignoredMessages },
      events: { ...this.counts },
      held: {
        audioSec: this.channels.flatMap((c) => (c ? [r3(c.voice.heldSec.audio)] : [])),
        framesSec: this.channels.flatMap((c) => (c ? [r3(c.voice.heldSec.frames)] : [])),
        pendingItems: [...this.live.values()].reduce((a, s) => a + s.items.length, 0),
        arrivalMarks: this.global.size + this.channels.reduce((a, c) => a + (c ? c.arrivals.size : 0), 0),
        segments: this.extracted.length,
        windows: [...this.live.values()].reduce((a, s) => a + s.summary.windows, 0),
        frames: this.frameTimes.length,
        messages: this.messages.length,
      },
      latency: { window: this.latency.window.summary(), reading: this.latency.reading.summary(), moment: this.latency.moment.summary() },
    };
  }

  /** Every event in order, until the stream ends (the iterator throws if the stream fails). */
  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    const sub: Subscriber = { queue: [], done: false };
    this.subscribers.add(sub);
    const release = () => {
      this.subscribers.delete(sub);
      this.wakeProducers();
    };
    return {
      next: async (): Promise<IteratorResult<StreamEvent>> => {
        for (;;) {
          if (sub.queue.length) {
            const value = sub.queue.shift()!;
            this.wakeProducers();
            return { value, done: false };
          }
          if (this.failure) {
            release();
            throw this.failure;
          }
          if (sub.done) {
            release();
            return { value: undefined, done: true };
          }
          await new Promise<void>((r) => (sub.wake = r));
        }
      },
      return: async (): Promise<IteratorResult<StreamEvent>> => {
        release();
        return { value: undefined, done: true };
      },
    };
  }

  // ------------------------------------------------------------------ helpers

  private checkOpen(what: string): void {
    if (this.failure) throw new EmosigError('STREAM_CLOSED', `the stream stopped after an error (${errorInfo(this.failure).code}: ${this.failure.message}); create a new stream`, { input: what, cause: this.failure });
    if (this.closed) throw new EmosigError('STREAM_CLOSED', `called after end(): the stream is closed and its signature is final; create a new stream with createStream() for more input`, { input: what });
  }

  /** Run a background loop; a failure stops the stream; `done` runs either way. */
  private guarded(body: () => Promise<void>, done: () => void): Promise<void> {
    return body()
      .catch((e) => this.fail(e))
      .finally(done);
  }

  private async closeFaces(): Promise<void> {
    const f = this.faceAnalyzer;
    this.faceAnalyzer = undefined;
    if (f) await f.then((a) => a.close()).catch(() => undefined);
  }

  private fail(e: unknown): void {
    if (this.failure) return;
    void this.closeFaces();
    this.failure = e instanceof Error ? e : new Error(String(e));
    this.closed = true;
    for (const s of this.subscribers) s.wake?.();
    this.wakeProducers();
    this.drainWaiter?.reject(this.failure);
    this.drainWaiter = undefined;
    if (this.listenerCount('error') > 0) this.emit('error', this.failure);
  }

  private overHighWater(): boolean {
    const hwm = this.cfg.stream.highWaterMarkSec;
    return this.channels.some((c) => c && c.voice.queuedSec >= hwm);
  }

  /** Block boundaries for frame descriptors: every 0.25 s and every window end. */
  private nextBoundary(t: number): number {
    const q = (Math.floor(t * 4 + 1e-9) + 1) / 4;
    const k = Math.floor((t - this.size) / this.hop + 1e-9) + 1;
    const w = this.size + Math.max(0, k) * this.hop;
    return Math.min(q, w > t + 1e-9 ? w : w + this.hop);
  }

  /** The speaker a name refers to (case-insensitive), creating it for new chat speakers. */
  private nameOf(name: string): string {
    const hit = [...this.live.keys()].find((x) => x.toLowerCase() === name.trim().toLowerCase());
    return hit ?? name.trim();
  }

  private speakerLive(name: string): SpeakerLive {
    let s = this.live.get(name);
    if (!s) {
      s = {
        name,
        nextWin: 0,
        items: [],
        moments: new SpeakerMoments(name, this.cfg.fusion.stressedAt, this.rel),
        summary: new SummaryAccumulator(this.cfg.fusion.stressedAt),
        chat: { top: 0, n: 0 },
        silences: [],
        pausesSeen: 0,
        escalated: false,
      };
      this.live.set(name, s);
    }
    return s;
  }

  private send(e: StreamEvent, latencyKind?: 'window' | 'reading' | 'moment'): void {
    this.counts[e.type]++;
    if (latencyKind && 'latencyMs' in e) this.latency[latencyKind].add(e.latencyMs);
    for (const s of this.subscribers) {
      s.queue.push(e);
      s.wake?.();
    }
    this.emit(e.type as 'window', e as never);
  }

  private warn(code: string, modality: Modality | undefined, message: string): void {
    this.problems.push({ code, ...(modality ? { modality } : {}), message });
    this.send({ type: 'warning', code, ...(modality ? { modality } : {}), message });
  }

  private wakeProducers(): void {
    const w = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const f of w) f();
  }

  /** Back-pressure from async iterators that are not being read. */
  private async waitForReaders(): Promise<void> {
    const max = this.o.maxEventQueue ?? 10_000;
    while (!this.failure && [...this.subscribers].some((s) => s.queue.length >= max)) await new Promise<void>((r) => this.spaceWaiters.push(r));
  }

  /** Wall-clock latency of an event about stream time `t` (for `channel`'s speaker, else any input). */
  private latencyOf(t: number, channel?: number): number {
    const now = performance.now();
    const arrivals = channel !== undefined ? this.channels[channel]?.arrivals : undefined;
    let at = (arrivals ?? this.global).at(t);
    if (at === undefined) at = this.closed ? this.endWall : now;
    return r3(Math.max(0, now - at));
  }

  // ------------------------------------------------------------------ audio

  private schedule(): void {
    if (this.pump || this.failure) return;
    this.pump = (async () => {
      try {
        await this.ready;
        await this.runAudio();
      } catch (e) {
        this.fail(e);
      } finally {
        this.pump = undefined;
      }
      if (!this.failure && this.channels.some((c) => c?.voice.hasWork)) this.schedule();
    })();
  }

  private async runAudio(): Promise<void> {
    for (;;) {
      const lanes: { ch: Channel; lane: VadLane }[] = [];
      for (const ch of this.channels) {
        const lane = ch?.voice.vadLane();
        if (ch && lane) lanes.push({ ch, lane });
      }
      if (!lanes.length) break;
      const probs = await this.vad!.lanes(lanes.map((l) => l.lane));
      for (let i = 0; i < lanes.length; i++) {
        const { ch, lane } = lanes[i];
        await ch.voice.advance(lane, probs[i], {
          onSegment: (seg) => this.onSegment(ch, seg),
          onClock: (clock) => this.onClock(ch, clock),
        });
      }
      if ((this.needDrain || this.drainWaiter) && !this.overHighWater()) {
        this.needDrain = false;
        this.drainWaiter?.resolve();
        this.drainWaiter = undefined;
        this.emit('drain');
      }
      await this.waitForReaders();
    }
  }

  private async onSegment(ch: Channel, seg: ExtractedSegment): Promise<void> {
    this.extracted.push(seg);
    const [reading] = await ch.voice.score(this.voiceModel!, [seg]);
    const spk = this.live.get(ch.voice.name)!;
    if (reading.confidence > 0) spk.items.push(voiceItem(reading));
    this.send({ type: 'reading', modality: 'voice', speaker: spk.name, reading, time: seg.end, latencyMs: this.latencyOf(seg.end, ch.index) }, 'reading');
    // pauses: silence of everyone between the last speech and this segment
    if (seg.start - this.lastSpeechEnd >= 0.5 && seg.start > this.pauseFrom) this.addPause(this.lastSpeechEnd, seg.start, spk.name, ch.index);
    if (seg.end >= this.lastSpeechEnd) {
      this.lastSpeechEnd = seg.end;
      this.lastSpeaker = spk.name;
    }
  }

  private addPause(start: number, end: number, after: string | undefined, channel?: number): void {
    this.pauseFrom = end;
    const p: VoicePause = { start: r3(start), end: r3(end), length: r3(end - start), ...(this.lastSpeaker ? { before: this.lastSpeaker } : {}), ...(after ? { after } : {}) };
    const longPause = this.cfg.fusion.longPauseSec;
    if (p.length < longPause) return;
    this.pauses.push(p);
    this.sendMoment(pauseMoment(p, longPause, this.speakers[0]), end, channel);
  }

  private sendMoment(moment: SignatureMoment, t: number, channel?: number): void {
    this.send({ type: 'moment', moment, latencyMs: this.latencyOf(t, channel) }, 'moment');
  }

  private async onClock(ch: Channel, clock: number): Promise<void> {
    // a long pause is known as soon as someone starts speaking again
    const open = ch.voice.openStart;
    if (open !== undefined && open - this.lastSpeechEnd >= this.cfg.fusion.longPauseSec && open > this.pauseFrom) {
      const others = this.channels.some((c) => c && c !== ch && c.voice.openStart !== undefined && c.voice.openStart < open);
      if (!others) this.addPause(this.lastSpeechEnd, open, ch.voice.name, ch.index);
    }
    const spk = this.live.get(ch.voice.name)!;
    await this.emitWindows(spk, clock, false);
    // speakers without an audio channel (chat-only, face-only) follow the furthest channel
    const far = Math.max(...this.channels.map((c) => (c ? c.voice.clock : 0)));
    for (const s of this.live.values()) if (s.channel === undefined) await this.emitWindows(s, far, false);
    ch.arrivals.prune(clock - 40);
    this.global.prune(Math.min(...this.channels.map((c) => (c ? c.voice.clock : Infinity))) - 40);
    await this.waitForReaders();
  }

  /** Emit every window of `spk` that ends by `clock` (at the end, `clock` is the duration: the signature's last windows too). */
  private async emitWindows(spk: SpeakerLive, clock: number, final: boolean): Promise<void> {
    const nWin = clock > 0 ? Math.max(1, Math.ceil((clock - this.size) / this.hop + 1e-9) + 1) : 0;
    for (;;) {
      const start = spk.nextWin * this.hop;
      let end = start + this.size;
      if (final) {
        if (spk.nextWin >= nWin) return;
        end = Math.max(Math.min(end, clock), start + Math.min(this.hop, this.size));
      } else if (end > clock + 1e-9) return;
      spk.nextWin++;
      let near = spk.items.filter((i) => (i.modality === 'text' ? i.start >= start && i.start < end : i.end > start && i.start < end));
      let provisional = 0;
      const ch = spk.channel !== undefined ? this.channels[spk.channel] : undefined;
      if (ch && this.voiceModel) {
        const open = ch.voice.provisional(end);
        if (open.length) {
          const scored = await ch.voice.score(this.voiceModel, open);
          const extra = scored.filter((s) => s.confidence > 0 && s.end > start).map((s) => voiceItem(s));
          provisional = extra.length;
          near = [...near, ...extra];
        }
      }
      // items that no later window can touch are dropped (bounded memory)
      const nextStart = spk.nextWin * this.hop;
      spk.items = spk.items.filter((i) => (i.modality === 'text' ? i.start >= nextStart : i.end > nextStart));
      if (!near.length) {
        // nothing in this window: jump to the first window a remaining item can touch, so a gap in time
        // costs nothing (windows without items emit nothing anyway)
        if (!ch) {
          const first = spk.items.reduce((a, i) => Math.min(a, i.start), clock);
          const skipTo = Math.floor((first - this.size) / this.hop) + 1;
          if (skipTo > spk.nextWin) spk.nextWin = skipTo;
        }
        continue;
      }
      const fw = fuseWindow(near, spk.name, start, end, this.size, this.rel);
      if (!fw) continue;
      this.send({ type: 'window', window: fw.w, provisionalVoice: provisional, latencyMs: this.latencyOf(end, spk.channel) }, 'window');
      this.liveMoments(spk, fw.w, fw.ev);
    }
  }

  /**
   * Moments and escalation as each window comes: the signature's engine (src/fusion/moments.ts), causally —
   * a run is emitted once the next window shows it has ended, stress spikes against the median so far.
   */
  private liveMoments(spk: SpeakerLive, w: SignatureWindow, ev: Evidence[]): void {
    const t = w.end;
    const ch = spk.channel;
    for (const m of spk.moments.push(w, ev)) this.sendMoment(m, t, ch);
    // escalation: the signature's documented rules on the windows so far (from the 5th window of the speaker:
    // trends of fewer windows say little)
    spk.summary.push(w);
    if (spk.summary.windows < ESCALATION_MIN_WINDOWS) return;
    const longPause = this.cfg.fusion.longPauseSec;
    for (; spk.pausesSeen < this.pauses.length; spk.pausesSeen++) {
      const p = this.pauses[spk.pausesSeen];
      if (silenceAfterOthers(p, spk.name, longPause)) spk.silences.push({ start: p.start, length: p.length });
    }
    const summary = spk.summary.summary(w.emotions, { valence: 0, arousal: 0, stress: 0 }, spk.chat, spk.silences);
    const threshold = this.cfg.fusion.escalationThreshold;
    const score = summary.escalation.score;
    if (score >= threshold && !spk.escalated) {
      spk.escalated = true;
      this.send({ type: 'escalation', speaker: spk.name, time: w.end, score, threshold, reasons: summary.escalation.reasons, latencyMs: this.latencyOf(t, ch) });
    } else if (score < threshold - 0.1) spk.escalated = false;
  }

  // ------------------------------------------------------------------ faces

  private faces(): Promise<StreamFaces> {
    this.faceAnalyzer ??= (this.o.faceThread === false ? inProcessFaces : workerFaces)(this.o.face ?? {});
    return this.faceAnalyzer;
  }

  private async runFaces(): Promise<void> {
    let analyzer: StreamFaces;
    try {
      analyzer = await this.faces();
    } catch (e) {
      // the face models cannot run here: the stream goes on without faces
      this.faceError ??= e;
      const n = this.pendingFrames.length;
      this.pendingFrames = [];
      this.frameStats.failed += n;
      if (n) this.warn(errorInfo(e).code, 'face', `the face analyser could not start (${errorInfo(e).message}); frames are not analysed`);
      return;
    }
    while (this.pendingFrames.length && !this.failure) {
      const f = this.pendingFrames.shift()!;
      let reading: FrameReading;
      try {
        reading = await analyzer.frame({ image: f.image, encoded: f.encoded }, f.time, f.source);
      } catch (e) {
        // an undecodable image: this frame is skipped, the stream goes on
        this.frameStats.failed++;
        const info = errorInfo(e);
        this.warn(info.code, 'face', `${f.source}: ${info.message} (frame skipped)`);
        continue;
      }
      this.frameStats.analysed++;
      this.frameTimes.push(f.time);
      const speaker = this.nameOf(this.o.faceSpeaker ?? this.speakers[0]);
      const spk = this.speakerLive(speaker);
      const best = reading.faces.reduce<FrameReading['faces'][number] | undefined>((a, b) => (!a || b.confidence > a.confidence ? b : a), undefined);
      const dt = this.lastFaceTime !== undefined ? Math.min(1, f.time - this.lastFaceTime) : 0.2;
      this.lastFaceTime = f.time;
      if (best && best.confidence > 0) spk.items.push(faceItem(best, speaker, f.time, dt));
      this.send({ type: 'reading', modality: 'face', speaker, reading, time: f.time, latencyMs: this.latencyOf(f.time) }, 'reading');
      if (!this.channels.some((c) => c)) for (const s of this.live.values()) await this.emitWindows(s, f.time, false);
    }
  }

  // ------------------------------------------------------------------ text

  private async runText(): Promise<void> {
    await this.ready;
    while (this.messageQueue.length && !this.failure) {
      const m = this.messageQueue.shift()!;
      const [reading] = await scoreMessages(this.textModel!, [{ index: m.index, time: m.time, text: m.text, ...(m.speaker ? { speaker: m.speaker } : {}) }], {
        explain: false,
        echo: !!this.o.keepText,
        backend: 'js',
        history: this.textHistory,
      });
      this.messages.push({ index: m.index, time: m.time, text: m.text, ...(m.speaker ? { speaker: m.speaker } : {}) });
      this.textReadings.push(reading);
      const speaker = this.nameOf(m.speaker ?? this.o.chatSpeaker ?? this.speakers[0]);
      const spk = this.speakerLive(speaker);
      if (!reading.flags.includes('empty')) addFrustration(spk.chat, frustrationOf(reading.nuances as Record<string, number | undefined>));
      if (!reading.flags.includes('empty') && reading.confidence > 0) spk.items.push(textItem(reading, speaker, m.time));
      this.send({ type: 'reading', modality: 'text', speaker, reading, time: m.time, latencyMs: r3(performance.now() - m.wall) }, 'reading');
      if (!this.channels.some((c) => c)) for (const s of this.live.values()) await this.emitWindows(s, m.time, false);
    }
  }

  // ------------------------------------------------------------------ end

  private async finish(): Promise<EmotionalSignature> {
    try {
      await this.ready;
      // audio: run the pump until every channel is done
      for (;;) {
        if (this.failure) throw this.failure;
        if (this.pump) await this.pump;
        else if (this.channels.every((c) => !c || c.voice.done)) break;
        else {
          this.schedule();
          await this.pump;
        }
      }
      while (this.faceBusy || this.textBusy) await Promise.all([this.faceBusy, this.textBusy]);
      if (this.failure) throw this.failure;
      // the remaining (partial) windows
      const audioEnd = Math.max(0, ...this.channels.map((c) => (c ? c.voice.receivedSec : 0)));
      const faceEnd = this.frameTimes.length ? this.frameTimes[this.frameTimes.length - 1] + 0.2 : 0;
      let duration = Math.max(audioEnd, faceEnd);
      if (duration === 0 && this.messages.length) duration = this.messages[this.messages.length - 1].time + this.size;
      for (const s of this.live.values()) await this.emitWindows(s, duration, true);
      for (const s of this.live.values()) for (const m of s.moments.flushLive()) this.sendMoment(m, duration, s.channel);
      if (this.lastSpeechEnd > 0 && audioEnd - this.lastSpeechEnd >= this.cfg.fusion.longPauseSec && audioEnd > this.pauseFrom) this.addPause(this.lastSpeechEnd, audioEnd, undefined);
      const sig = await this.signature();
      await this.closeFaces();
      this.emit('end', sig);
      return sig;
    } catch (e) {
      this.fail(e);
      throw e;
    } finally {
      for (const s of this.subscribers) {
        s.done = true;
        s.wake?.();
      }
    }
  }

  /** The final signature: the voice rescored against whole-call baselines and everything fused as `analyze` does. */
  private async signature(): Promise<EmotionalSignature> {
    const status: Partial<Record<Modality, Partial<ModalityStatus>>> = {};
    const problems: SignatureProblem[] = [...this.problems];
    const readings: { voice?: VoiceReading; face?: FaceReading; text?: TextReading } = {};
    const source = this.o.name ?? 'stream';
    const used = this.channels.filter((c): c is Channel => !!c);
    if (!this.consent.voice) status.voice = { present: false, reason: 'no-consent', detail: `voice consent was withheld; ${this.ignoredAudioSec.toFixed(1)} s of pushed audio were not decoded` };
    else if (!used.length) status.voice = { present: false, reason: 'not-given', detail: 'no audio was pushed' };
    else {
      const n = Math.max(...used.map((c) => c.index)) + 1;
      const names = this.speakers.slice(0, n);
      const first = used[0];
      const warnings: string[] = [];
      if (this.invalidSamples) warnings.push(`${this.invalidSamples} NaN/infinite samples were replaced by silence`);
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
          segments: [...this.extracted].sort((a, b) => a.start - b.start || a.speaker.localeCompare(b.speaker)),
          speakerFeatures: Object.fromEntries(used.map((c) => [c.voice.name, c.voice.acc.vector()])),
          warnings: rates.size > 1 ? [...warnings, `channels were pushed at different rates (${[...rates].join(', ')} Hz)`] : warnings,
        },
        { channels: names, includeFeatures: true },
        this.voiceModel,
      );
      status.voice = { source };
    }
    if (!this.consent.face) status.face = { present: false, reason: 'no-consent', detail: `face consent was withheld; ${this.frameStats.ignored} frame(s) were not decoded` };
    else if (!this.frameStats.pushed) status.face = { present: false, reason: 'not-given', detail: 'no frame was pushed' };
    else if (!this.frameTimes.length)
      status.face = { present: false, reason: 'unusable', detail: this.faceError ? errorInfo(this.faceError).message : `none of ${this.frameStats.pushed} frame(s) could be analysed`, source };
    else {
      const a = await this.faces();
      readings.face = {
        frames: this.frameTimes.map((time) => ({ time, source, width: 0, height: 0, faces: [] })),
        tracks: await a.tracks(),
        backend: a.info.backend,
        model: a.info.model,
        detector: a.info.detector,
      };
      status.face = { source };
    }
    if (this.frameStats.dropped)
      problems.push({
        code: 'STREAM_FRAMES_DROPPED',
        modality: 'face',
        message: `${this.frameStats.dropped} of ${this.frameStats.pushed} frames were dropped because the face model could not keep up; lower the frame rate to analyse every frame`,
      });
    if (!this.consent.text) status.text = { present: false, reason: 'no-consent', detail: `text consent was withheld; ${this.ignoredMessages} message(s) were not read` };
    else if (!this.messages.length) status.text = { present: false, reason: 'not-given', detail: 'no message was pushed' };
    else {
      // each message was scored as it came (same options as analyzeText's): no second pass
      readings.text = textReading(this.textModel!, this.textReadings);
      status.text = {};
    }
    const sig = fuseReadings(readings, this.rel, {
      speakers: this.speakers,
      faceSpeaker: this.o.faceSpeaker,
      chatSpeaker: this.o.chatSpeaker,
      window: { size: this.size, hop: this.hop },
      longPauseSec: this.o.longPauseSec,
      stressedAt: this.o.stressedAt,
      keepText: this.o.keepText,
      messageTexts: this.messages.map((m) => m.text),
      status,
      problems,
      version: packageVersion(),
      backends: { text: 'js' },
    });
    if (!MODALITY_ORDER.some((m) => sig.interaction.modalities[m].present)) {
      const why = MODALITY_ORDER.map((m) => `${m}: ${sig.interaction.modalities[m].reason ?? 'absent'}`).join('; ');
      throw new EmosigError('NOTHING_USABLE', `nothing usable in the stream — ${why}`, { input: source });
    }
    if (this.o.cx?.enabled !== false) sig.cx = await computeCx(sig, readings, this.o.cx, this.messages.map((m) => m.text));
    return sig;
  }
}

/**
 * Open a live stream. Models load in the background (`stream.ready`); pushes made before are queued.
 *
 * ```ts
 * const s = createStream({ speakers: ['customer', 'agent'], encoding: 'mulaw', sampleRate: 8000 });
 * s.on('window', (e) => console.log(e.window.speaker, e.window.dominant, e.latencyMs));
 * if (!s.pushAudio(bytes, { channel: 0 })) await s.whenDrained();
 * const signature = await s.end();
 * ```
 */
export function createStream(options: StreamOptions = {}): EmotionStream {
  return new EmotionStream(options);
}
