/**
 * The stream's live stages, after the input pump: per speaker, readings become fusion items; every window that
 * the speaker's input has passed is fused (`fuseWindow`, the signature's own) and pushed through the moments
 * engine (`SpeakerMoments`) and the escalation accumulator (`SummaryAccumulator`), the same stages `analyze`
 * runs over the whole timeline; voice pauses become long-pause moments as soon as someone speaks again.
 */
import type { EmosigConfig } from '../config.js';
import {
  addFrustration,
  faceItem,
  frustrationOf,
  fuseWindow,
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
import { r3 } from '../fusion/util.js';
import type { VoicePause, VoiceSegment } from '../audio/index.js';
import type { FrameReading } from '../vision/index.js';
import type { TextMessageReading } from '../text/index.js';
import type { SignatureMoment, SignatureWindow } from '../signature/schema.js';
import type { LatencyKind } from './events.js';
import type { StreamEvent } from './types.js';

/** Escalation events start at a speaker's 5th window: trends of fewer windows say little. */
const ESCALATION_MIN_WINDOWS = 5;

/** What the stream keeps per speaker for live windows, moments and escalation. */
export interface SpeakerLive {
  name: string;
  /** The audio channel of this speaker, once audio came for it. */
  channel?: number;
  nextWin: number;
  items: FusionItem[];
  /** The moments engine (src/fusion/moments.ts) the signature uses too, in its live form (push/flushLive only, constant memory). */
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

/** What the live stages need from the stream. */
export interface LiveSink {
  send(e: StreamEvent, kind?: LatencyKind): void;
  /** Wall-clock latency (ms) of an event about stream time `t` of `channel` (else of any input). */
  latencyOf(t: number, channel?: number): number;
  /** Voice items of `channel`'s speech still open, read so far, for the window [start, end). */
  provisional(channel: number, start: number, end: number): Promise<FusionItem[]>;
}

export class LiveFusion {
  private readonly live = new Map<string, SpeakerLive>();
  /** Voice pauses of at least the long-pause length, in order. */
  readonly pauses: VoicePause[] = [];
  /** End of the last speech of anyone, and who spoke it; pauses before `pauseFrom` are already reported. */
  lastSpeechEnd = 0;
  private lastSpeaker?: string;
  private pauseFrom = -1;
  private readonly size: number;
  private readonly hop: number;

  constructor(
    private readonly cfg: EmosigConfig,
    private readonly rel: ReliabilityFile,
    /** The call's speakers (the first is the customer). */
    private readonly speakers: string[],
    private readonly sink: LiveSink,
  ) {
    this.size = cfg.window.size;
    this.hop = cfg.window.hop;
    for (const s of speakers) this.speaker(s);
  }

  /** Every speaker so far. */
  all(): IterableIterator<SpeakerLive> {
    return this.live.values();
  }

  /** The speaker a name refers to (case-insensitive), new names kept as given. */
  nameOf(name: string): string {
    const hit = [...this.live.keys()].find((x) => x.toLowerCase() === name.trim().toLowerCase());
    return hit ?? name.trim();
  }

  /** The live state of `name`, created on first use. */
  speaker(name: string): SpeakerLive {
    let s = this.live.get(name);
    if (!s) {
      s = {
        name,
        nextWin: 0,
        items: [],
        moments: new SpeakerMoments(name, this.cfg.fusion.stressedAt, this.rel, false), // live only: keeps nothing for finish()
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

  /** A scored voice segment of `spk` (audio channel `channel`): an item, and the pause before it. */
  voice(spk: SpeakerLive, reading: VoiceSegment, channel: number): void {
    if (reading.confidence > 0) spk.items.push(voiceItem(reading));
    // pauses: silence of everyone between the last speech and this segment
    if (reading.start - this.lastSpeechEnd >= 0.5 && reading.start > this.pauseFrom) this.addPause(this.lastSpeechEnd, reading.start, spk.name, channel);
    if (reading.end >= this.lastSpeechEnd) {
      this.lastSpeechEnd = reading.end;
      this.lastSpeaker = spk.name;
    }
  }

  /**
   * Speech of `spk` (channel `channel`) opened at `open` s: a long pause is known as soon as someone speaks again
   * (`earlierOther`: another channel's speech opened before it, so the pause is not this one's to report).
   */
  speechOpened(spk: SpeakerLive, open: number, channel: number, earlierOther: boolean): void {
    if (open - this.lastSpeechEnd >= this.cfg.fusion.longPauseSec && open > this.pauseFrom && !earlierOther) this.addPause(this.lastSpeechEnd, open, spk.name, channel);
  }

  /** The silence from the last speech to the end of the audio, at `end()`. */
  trailingPause(audioEnd: number): void {
    if (this.lastSpeechEnd > 0 && audioEnd - this.lastSpeechEnd >= this.cfg.fusion.longPauseSec && audioEnd > this.pauseFrom) this.addPause(this.lastSpeechEnd, audioEnd, undefined);
  }

  /** A face reading of the frame at `time` (its best face enters `spk`'s windows); `dt` is the time since the last frame. */
  face(spk: SpeakerLive, reading: FrameReading, time: number, dt: number): void {
    const best = reading.faces.reduce<FrameReading['faces'][number] | undefined>((a, b) => (!a || b.confidence > a.confidence ? b : a), undefined);
    if (best && best.confidence > 0) spk.items.push(faceItem(best, spk.name, time, dt));
  }

  /** A scored chat message of `spk` at `time`. */
  text(spk: SpeakerLive, reading: TextMessageReading, time: number): void {
    if (reading.flags.includes('empty')) return;
    addFrustration(spk.chat, frustrationOf(reading.nuances as Record<string, number | undefined>));
    if (reading.confidence > 0) spk.items.push(textItem(reading, spk.name, time));
  }

  private addPause(start: number, end: number, after: string | undefined, channel?: number): void {
    this.pauseFrom = end;
    const p: VoicePause = { start: r3(start), end: r3(end), length: r3(end - start), ...(this.lastSpeaker ? { before: this.lastSpeaker } : {}), ...(after ? { after } : {}) };
    const longPause = this.cfg.fusion.longPauseSec;
    if (p.length < longPause) return;
    this.pauses.push(p);
    this.moment(pauseMoment(p, longPause, this.speakers[0]), end, channel);
  }

  moment(moment: SignatureMoment, t: number, channel?: number): void {
    this.sink.send({ type: 'moment', moment, latencyMs: this.sink.latencyOf(t, channel) }, 'moment');
  }

  /** Emit every window of `spk` that ends by `clock` (at the end, `clock` is the duration: the signature's last windows too). */
  async windows(spk: SpeakerLive, clock: number, final: boolean): Promise<void> {
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
      const extra = spk.channel !== undefined ? await this.sink.provisional(spk.channel, start, end) : [];
      if (extra.length) near = [...near, ...extra];
      // items that no later window can touch are dropped (bounded memory)
      const nextStart = spk.nextWin * this.hop;
      spk.items = spk.items.filter((i) => (i.modality === 'text' ? i.start >= nextStart : i.end > nextStart));
      if (!near.length) {
        // nothing in this window: jump to the first window a remaining item can touch, so a gap in time
        // costs nothing (windows without items emit nothing anyway)
        if (spk.channel === undefined) {
          const first = spk.items.reduce((a, i) => Math.min(a, i.start), clock);
          const skipTo = Math.floor((first - this.size) / this.hop) + 1;
          if (skipTo > spk.nextWin) spk.nextWin = skipTo;
        }
        continue;
      }
      const fw = fuseWindow(near, spk.name, start, end, this.size, this.rel);
      if (!fw) continue;
      this.sink.send({ type: 'window', window: fw.w, provisionalVoice: extra.length, latencyMs: this.sink.latencyOf(end, spk.channel) }, 'window');
      this.moments(spk, fw.w, fw.ev);
    }
  }

  /** Moments still open at the end of the stream. */
  flush(duration: number): void {
    for (const s of this.live.values()) for (const m of s.moments.flushLive()) this.moment(m, duration, s.channel);
  }

  /**
   * Moments and escalation as each window comes: the signature's engine (src/fusion/moments.ts), causally —
   * a run is emitted once the next window shows it has ended, stress spikes against the median so far.
   */
  private moments(spk: SpeakerLive, w: SignatureWindow, ev: Evidence[]): void {
    const t = w.end;
    const ch = spk.channel;
    for (const m of spk.moments.push(w, ev)) this.moment(m, t, ch);
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
      this.sink.send({ type: 'escalation', speaker: spk.name, time: w.end, score, threshold, reasons: summary.escalation.reasons, latencyMs: this.sink.latencyOf(t, ch) });
    } else if (score < threshold - 0.1) spk.escalated = false;
  }
}
