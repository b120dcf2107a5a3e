/**
 * Live streams: push call audio, video frames and chat messages as they happen; get readings, fused windows,
 * moments and escalations as events (EventEmitter and async iterator); `end()` returns the same signature
 * `analyze` would.
 *
 * Audio runs through one `VoiceChannelStream` per channel, the engine `analyzeVoice` runs over files (incremental
 * resampling, VAD pieces, segmenter, features per closed segment; only the last ~20 s are kept). Windows are
 * fused with the signature's own `fuseWindow` as soon as the speaker's channel has been processed past the
 * window's end (an open speech segment is read "so far"). Faces run one frame at a time: frames that arrive
 * while one is being analysed wait in a queue of `maxPendingFrames` (default 1), and when it is full the
 * oldest waiting frame is dropped and counted. `end()` rescores the voice segments against each speaker's whole-call
 * baseline and fuses everything with `fuseReadings`, exactly as `analyze` does.
 *
 * This file is the input pump (video and chat lanes in frames.ts and chat.ts); the stages after it: live.ts
 * (windows, moments, escalation as input comes), final.ts (the signature at `end()`), events.ts (listeners,
 * iterators, back-pressure), clock.ts (latencies).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { EmosigConfig } from '../config.js';
import { EmosigError, errorInfo } from '../errors.js';
import { loadVoiceModel, scoreLive, SileroVad, VoiceChannelStream, type ChannelLane, type ExtractedSegment, type VoiceModel } from '../audio/index.js';
import { loadTextModel, type TextMessageReading, type TextModel } from '../text/index.js';
import type { FrameReading } from '../vision/index.js';
import { loadReliability, voiceItem, type FusionItem, type ReliabilityFile } from '../fusion/index.js';
import { r3 } from '../fusion/util.js';
import type { EmotionalSignature, Modality, SignatureProblem } from '../signature/schema.js';
import { FrameLane } from './frames.js';
import { PackedVectors } from './pack.js';
import type { FaceThreadMemory } from './faces.js';
import { checkRate, decodeChunk, defaultRate, ENCODINGS } from './input.js';
import { ChatLane } from './chat.js';
import { Arrivals } from './clock.js';
import { EventHub } from './events.js';
import { LiveFusion } from './live.js';
import { streamSignature } from './final.js';
import { checkOptions, streamConfig } from './options.js';
import type { AudioChunk, AudioChunkOptions, StreamEncoding, StreamEvent, StreamEventMap, StreamFrame, StreamMessage, StreamOptions, StreamStats } from './types.js';

interface Channel {
  index: number;
  voice: VoiceChannelStream;
  encoding: StreamEncoding;
  arrivals: Arrivals;
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
  private readonly channels: (Channel | undefined)[] = [];
  private readonly live: LiveFusion;
  /** Every closed speech segment, packed (pack.ts), for the final rescoring. */
  private readonly extracted = new PackedVectors<ExtractedSegment>();
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
  private readonly frames: FrameLane;
  // text
  private readonly chat: ChatLane;
  private readonly problems: SignatureProblem[] = [];
  private readonly events: EventHub;

  constructor(options: StreamOptions = {}) {
    super();
    checkOptions(options);
    this.cfg = streamConfig(options);
    this.o = options;
    this.speakers = this.cfg.call.speakers;
    this.size = this.cfg.window.size;
    this.hop = this.cfg.window.hop;
    this.consent = this.cfg.call.consent;
    this.rel = loadReliability(options.reliability);
    this.events = new EventHub((e) => this.emit(e.type as 'window', e as never), () => this.failure, options.maxEventQueue ?? 10_000);
    this.live = new LiveFusion(this.cfg, this.rel, this.speakers, {
      send: (e, kind) => this.events.send(e, kind),
      latencyOf: (t, channel) => this.latencyOf(t, channel),
      provisional: (channel, start, end) => this.provisional(channel, start, end),
    });
    for (const s of [options.faceSpeaker, options.chatSpeaker]) if (s) this.live.speaker(this.live.nameOf(s));
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
    // the detector settings of config face.* unless options.face names its own
    const { minScore, inputSize, maxFaces } = this.cfg.face;
    this.frames = new FrameLane({ faceThread: options.faceThread, face: { minScore, inputSize, maxFaces, ...definedOnly(options.face) } }, this.cfg.stream.maxPendingFrames, {
      failed: () => !!this.failure,
      guarded: (body, done) => this.guarded(body, done),
      warn: (code, message) => this.warn(code, 'face', message),
      onReading: (reading, time, dt) => this.onFrame(reading, time, dt),
    });
    this.chat = new ChatLane(this.cfg, options.maxPendingMessages ?? 256, {
      failed: () => !!this.failure,
      guarded: (body, done) => this.guarded(body, done),
      model: async () => {
        await this.ready;
        return this.textModel!;
      },
      onReading: (message, reading, wall) => this.onMessage(message, reading, wall),
    });
    if (options.preloadFace && this.consent.face) void this.frames.faces().catch(() => undefined);
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
      ch = { index, encoding, voice: new VoiceChannelStream(this.speakers[index], rate, { vad: this.cfg.voice.vad, nextBoundary: (t) => this.nextBoundary(t) }), arrivals: new Arrivals() };
      this.channels[index] = ch;
      this.live.speaker(this.speakers[index]).channel = index;
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
    const { queued, dropped } = this.frames.push(frame, time, this.consent.face);
    if (queued) this.global.mark(time, performance.now());
    return !dropped;
  }

  /** Push a chat message `{ time, speaker?, text }` (times must not go back); it is scored at once and emitted as a 'reading'. */
  pushMessage(message: StreamMessage): void {
    this.checkOpen('pushMessage');
    const m = this.chat.push(message, this.consent.text);
    if (m) this.global.mark(m.time, performance.now());
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
      frames: { ...this.frames.stats },
      messages: { pushed: this.chat.messages.length + this.chat.waiting + this.chat.ignored, analysed: this.chat.readings.length, ignored: this.chat.ignored },
      events: { ...this.events.counts },
      held: {
        audioSec: this.channels.flatMap((c) => (c ? [r3(c.voice.heldSec.audio)] : [])),
        framesSec: this.channels.flatMap((c) => (c ? [r3(c.voice.heldSec.frames)] : [])),
        pendingItems: [...this.live.all()].reduce((a, s) => a + s.items.length, 0),
        arrivalMarks: this.global.size + this.channels.reduce((a, c) => a + (c ? c.arrivals.size : 0), 0),
        segments: this.extracted.length,
        windows: [...this.live.all()].reduce((a, s) => a + s.summary.windows, 0),
        frames: this.frames.times.length,
        messages: this.chat.messages.length,
      },
      latency: this.events.latencies(),
    };
  }

  /**
   * Diagnostics for memory benches (bench/stream.ts): the V8 heap of the thread the face model runs on (its
   * worker thread by default), after a full GC there when `gc` is true and node runs with --expose-gc;
   * undefined when the face analyser has not started or is closed.
   * @internal
   */
  async faceThreadMemory(gc = false): Promise<FaceThreadMemory | undefined> {
    const a = this.frames.started();
    if (!a) return undefined;
    try {
      return await (await a).memory(gc);
    } catch {
      return undefined;
    }
  }

  /** Every event in order, until the stream ends (the iterator throws if the stream fails). */
  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    return this.events.iterator();
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

  private fail(e: unknown): void {
    if (this.failure) return;
    void this.frames.close();
    this.failure = e instanceof Error ? e : new Error(String(e));
    this.closed = true;
    this.events.wakeReaders();
    this.events.wakeProducers();
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

  private warn(code: string, modality: Modality | undefined, message: string): void {
    this.problems.push({ code, ...(modality ? { modality } : {}), message });
    this.events.send({ type: 'warning', code, ...(modality ? { modality } : {}), message });
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
      const lanes: { ch: Channel; lane: ChannelLane }[] = [];
      for (const ch of this.channels) if (ch) for (const lane of ch.voice.vadLanes()) lanes.push({ ch, lane });
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
      await this.events.waitForReaders();
    }
  }

  private async onSegment(ch: Channel, seg: ExtractedSegment): Promise<void> {
    this.extracted.push(seg);
    const [reading] = await scoreLive(this.voiceModel!, ch.voice, [seg]);
    const spk = this.live.speaker(ch.voice.name);
    this.events.send({ type: 'reading', modality: 'voice', speaker: spk.name, reading, time: seg.end, latencyMs: this.latencyOf(seg.end, ch.index) }, 'reading');
    this.live.voice(spk, reading, ch.index);
  }

  private async onClock(ch: Channel, clock: number): Promise<void> {
    const spk = this.live.speaker(ch.voice.name);
    const open = ch.voice.openStart;
    if (open !== undefined) {
      const earlierOther = this.channels.some((c) => c && c !== ch && c.voice.openStart !== undefined && c.voice.openStart < open);
      this.live.speechOpened(spk, open, ch.index, earlierOther);
    }
    await this.live.windows(spk, clock, false);
    // speakers without an audio channel (chat-only, face-only) follow the furthest channel
    const far = Math.max(...this.channels.map((c) => (c ? c.voice.clock : 0)));
    for (const s of this.live.all()) if (s.channel === undefined) await this.live.windows(s, far, false);
    ch.arrivals.prune(clock - 40);
    this.global.prune(Math.min(...this.channels.map((c) => (c ? c.voice.clock : Infinity))) - 40);
    await this.events.waitForReaders();
  }

  /** Voice items of the channel's speech still open, read so far (provisional scoring), for the window [start, end). */
  private async provisional(channel: number, start: number, end: number): Promise<FusionItem[]> {
    const ch = this.channels[channel];
    if (!ch || !this.voiceModel) return [];
    const open = ch.voice.provisional(end);
    if (!open.length) return [];
    const scored = await scoreLive(this.voiceModel, ch.voice, open);
    return scored.filter((x) => x.confidence > 0 && x.end > start).map((x) => voiceItem(x));
  }

  /** Windows of every speaker up to `t` when no audio drives the clock (chat-only, face-only streams). */
  private async followInput(t: number): Promise<void> {
    if (!this.channels.some((c) => c)) for (const s of this.live.all()) await this.live.windows(s, t, false);
  }

  // ------------------------------------------------------------------ faces

  /** An analysed frame: its best face enters the face speaker's windows. */
  private async onFrame(reading: FrameReading, time: number, dt: number): Promise<void> {
    const spk = this.live.speaker(this.live.nameOf(this.o.faceSpeaker ?? this.speakers[0]));
    this.live.face(spk, reading, time, dt);
    this.events.send({ type: 'reading', modality: 'face', speaker: spk.name, reading, time, latencyMs: this.latencyOf(time) }, 'reading');
    await this.followInput(time);
  }

  // ------------------------------------------------------------------ text

  /** A scored chat message: it enters its speaker's windows. */
  private async onMessage(m: StreamMessage, reading: TextMessageReading, wall: number): Promise<void> {
    const spk = this.live.speaker(this.live.nameOf(m.speaker ?? this.o.chatSpeaker ?? this.speakers[0]));
    this.live.text(spk, reading, m.time);
    this.events.send({ type: 'reading', modality: 'text', speaker: spk.name, reading, time: m.time, latencyMs: r3(performance.now() - wall) }, 'reading');
    await this.followInput(m.time);
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
      while (this.frames.busy || this.chat.busy) await Promise.all([this.frames.busy, this.chat.busy]);
      if (this.failure) throw this.failure;
      // the remaining (partial) windows
      const audioEnd = Math.max(0, ...this.channels.map((c) => (c ? c.voice.receivedSec : 0)));
      const faceEnd = this.frames.end;
      let duration = Math.max(audioEnd, faceEnd);
      const msgs = this.chat.messages;
      if (duration === 0 && msgs.length) duration = msgs[msgs.length - 1].time + this.size;
      for (const s of this.live.all()) await this.live.windows(s, duration, true);
      this.live.flush(duration);
      this.live.trailingPause(audioEnd);
      const sig = await streamSignature({
        options: this.o,
        cfg: this.cfg,
        speakers: this.speakers,
        window: { size: this.size, hop: this.hop },
        consent: this.consent,
        rel: this.rel,
        problems: this.problems,
        channels: this.channels.filter((c): c is Channel => !!c),
        extracted: this.extracted.all(),
        voiceModel: this.voiceModel,
        invalidSamples: this.invalidSamples,
        ignoredAudioSec: this.ignoredAudioSec,
        frames: { ...this.frames.stats, times: this.frames.times, error: this.frames.error, analyzer: () => this.frames.faces() },
        messages: this.chat.messages,
        textModel: this.textModel,
        textReadings: this.chat.readings.all(),
        ignoredMessages: this.chat.ignored,
      });
      await this.frames.close();
      this.emit('end', sig);
      return sig;
    } catch (e) {
      this.fail(e);
      throw e;
    } finally {
      this.events.wakeReaders(true);
    }
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

/** The fields of `o` that are set (an explicit `undefined` must not hide a config default). */
function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
