/**
 * Readings → one time-aligned emotional signature. Pure: consumes only the modalities' exported reading
 * types (`VoiceReading`, `FaceReading`, `TextReading`) and the learned reliabilities.
 */
import type { VoiceReading, VoiceSegment } from '../audio/index.js';
import type { FaceReading } from '../vision/index.js';
import type { TextMessageReading, TextReading } from '../text/index.js';
import { CORE_LABELS, dominantLabel, emotionsFromVector, type CoreLabel, type Emotions } from '../signature/labels.js';
import {
  SCHEMA_VERSION,
  type Contribution,
  type EmotionalSignature,
  type Modality,
  type ModalityStatus,
  type Nuance,
  type SignatureMoment,
  type SignatureProblem,
  type SignatureWindow,
  type SpeakerSignature,
} from '../signature/schema.js';
import { dict } from '../runtime/dict.js';
import { EmosigError } from '../errors.js';
import { MAX_TIMELINE_SEC, MIN_HOP_SEC } from '../limits.js';
import { calibrate, incongruence, K, pool, stressOf, vecOf, type Evidence, type ReliabilityFile } from './reliability.js';
import { addFrustration, frustrationOf, MODALITY_ORDER, silenceAfterOthers, SpeakerMoments, SummaryAccumulator, type ChatFrustration } from './moments.js';

export { MODALITY_ORDER, confidentWindow, describeEvidence, incongruenceHit } from './moments.js';


export interface FuseOptions {
  /** Speaker names; the first is the customer (owner of faces and of chat messages without a speaker). */
  speakers: string[];
  /** Who the faces belong to (default: the first speaker). */
  faceSpeaker?: string;
  /** Who chat messages without a speaker belong to (default: the first speaker). */
  chatSpeaker?: string;
  /** Window length and hop in seconds (default 2 and 1). */
  window?: { size?: number; hop?: number };
  /** Seconds added to each modality's times (clock offsets). */
  offsets?: Partial<Record<Modality, number>>;
  /** A pause at least this long is a 'long-pause' moment (default 2 s). */
  longPauseSec?: number;
  /** Stress at or above this counts as stressed (default 0.55). */
  stressedAt?: number;
  /** Keep message text in the signature (default false). */
  keepText?: boolean;
  /** Message texts by index (only used with keepText). */
  messageTexts?: string[];
  /** Status of each modality as decided by the caller (absent reasons, sources). */
  status?: Partial<Record<Modality, Partial<ModalityStatus>>>;
  /** Problems already found (input errors of a modality that was dropped, etc.). */
  problems?: SignatureProblem[];
  /** Length of the video (s), when known, to compare with the audio. */
  videoDurationSec?: number;
  version?: string;
  /** Backends the caller asked the modalities to use, where their readings do not say (text). */
  backends?: Partial<Record<Modality, string>>;
}

export interface Readings {
  voice?: VoiceReading;
  face?: FaceReading;
  text?: TextReading;
}

/** One reading of one modality, placed on the interaction's clock. */
export interface FusionItem {
  modality: Modality;
  speaker: string;
  start: number;
  end: number;
  p: number[];
  valence: number;
  arousal: number;
  stress: number;
  confidence: number;
  /** Seconds of the item (voice) or 1 (frames, messages). */
  mass: number;
  /** Outside the timeline (chat without time or outside the span): interaction level only. */
  offTimeline?: boolean;
}

/** A voice segment as a fusion item (`offset`: the voice clock's offset). */
export function voiceItem(s: VoiceSegment, offset = 0): FusionItem {
  return {
    modality: 'voice',
    speaker: s.speaker,
    start: s.start + offset,
    end: s.end + offset,
    p: vecOf(s.emotions),
    valence: s.valence,
    arousal: s.arousal,
    stress: s.stress,
    confidence: s.confidence,
    mass: s.end - s.start,
  };
}

/** A face reading at `time` lasting `dt` seconds (the frame interval) as a fusion item. */
export function faceItem(pt: { emotions: Emotions; valence: number; arousal: number; confidence: number }, speaker: string, time: number, dt: number): FusionItem {
  return {
    modality: 'face',
    speaker,
    start: time,
    end: time + Math.max(0.04, dt),
    p: vecOf(pt.emotions),
    valence: pt.valence,
    arousal: pt.arousal,
    stress: stressOf(pt.valence, pt.arousal),
    confidence: pt.confidence,
    mass: 1,
  };
}

/** A chat message reading as a fusion item (`time` undefined or `offTimeline`: interaction level only). */
export function textItem(m: TextMessageReading, speaker: string, time: number | undefined, offTimeline = false): FusionItem {
  return {
    modality: 'text',
    speaker,
    start: time ?? 0,
    end: time ?? 0,
    p: vecOf(m.emotions),
    valence: m.valence,
    arousal: m.arousal,
    stress: stressOf(m.valence, m.arousal),
    confidence: m.confidence,
    mass: 1,
    offTimeline,
  };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r4 = (x: number) => Math.round(x * 10000) / 10000;
const clamp = (x: number, lo = 0, hi = 1) => Math.max(lo, Math.min(hi, x));
const clampS = (x: number) => clamp(x, -1, 1);

function emo(p: number[]): Emotions {
  return emotionsFromVector(p.map((v) => clamp(r4(v))));
}

function mean(xs: number[], ws?: number[]): number {
  let s = 0;
  let w = 0;
  xs.forEach((x, i) => {
    const wi = ws ? ws[i] : 1;
    s += x * wi;
    w += wi;
  });
  return w > 0 ? s / w : 0;
}

/** Largest / smallest of many numbers (no spread: a long list would overflow the call stack). */
function maxOf(xs: number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}
function minOf(xs: number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

/** Window and offset options of one fusion, checked against the documented bounds (src/limits.ts). */
function checkFuseOptions(size: number, hop: number, off: Record<Modality, number>): void {
  const bad = (m: string) => {
    throw new EmosigError('INVALID_OPTIONS', m);
  };
  if (!(Number.isFinite(size) && size > 0 && size <= 600)) bad(`window.size must be a number of seconds in (0, 600] (got ${size})`);
  if (!(Number.isFinite(hop) && hop >= MIN_HOP_SEC && hop <= size)) bad(`window.hop must be in [${MIN_HOP_SEC}, window.size] seconds (got ${hop})`);
  for (const [m, v] of Object.entries(off)) {
    if (!(Number.isFinite(v) && Math.abs(v) <= MAX_TIMELINE_SEC)) bad(`offsets.${m} must be a number of seconds within ±${MAX_TIMELINE_SEC} (24 h) (got ${v})`);
  }
}

export function fuseReadings(readings: Readings, rel: ReliabilityFile, o: FuseOptions): EmotionalSignature {
  const size = o.window?.size ?? 2;
  const hop = o.window?.hop ?? 1;
  const off = { voice: o.offsets?.voice ?? 0, face: o.offsets?.face ?? 0, text: o.offsets?.text ?? 0 };
  const problems: SignatureProblem[] = [...(o.problems ?? [])];
  const longPause = o.longPauseSec ?? 2;
  const stressedAt = o.stressedAt ?? 0.55;
  checkFuseOptions(size, hop, off);
  const speakers: string[] = [];
  const known = new Set<string>();
  const byLower = new Map<string, string>();
  const addSpeaker = (s: string) => {
    if (known.has(s)) return;
    known.add(s);
    speakers.push(s);
    if (!byLower.has(s.toLowerCase())) byLower.set(s.toLowerCase(), s);
  };
  for (const s of o.speakers.length ? o.speakers : ['customer']) addSpeaker(s);
  const customer = speakers[0];
  const faceSpeaker = o.faceSpeaker ?? customer;
  addSpeaker(faceSpeaker);
  const chatSpeaker = o.chatSpeaker ?? customer;
  addSpeaker(chatSpeaker);
  const items: FusionItem[] = [];
  const status: Record<Modality, ModalityStatus> = Object.fromEntries(
    MODALITY_ORDER.map((m) => [
      m,
      { present: false, offsetSec: off[m], ...(readings[m] || o.status?.[m] ? {} : { reason: 'not-given', detail: `no ${m} reading was given` }), ...(o.status?.[m] ?? {}) } as ModalityStatus,
    ]),
  ) as Record<Modality, ModalityStatus>;
  const speakerModalities = new Map<string, Set<Modality>>();
  const note = (spk: string, m: Modality) => {
    if (!speakerModalities.has(spk)) speakerModalities.set(spk, new Set());
    speakerModalities.get(spk)!.add(m);
  };
  const models: EmotionalSignature['interaction']['models'] = [];
  const channelOf = new Map<string, number>();

  // ---- voice
  const v = readings.voice;
  let audioEnd = 0;
  if (v) {
    models.push({ modality: 'voice', name: v.model.name, version: v.model.version, backend: v.model.backend, ...(v.model.license ? { license: v.model.license } : {}) });
    audioEnd = v.durationSec + off.voice;
    v.speakers.forEach((s, i) => channelOf.set(s, i));
    for (const s of v.speakers) addSpeaker(s);
    for (const s of v.segments) {
      if (!(s.confidence > 0)) continue;
      items.push(voiceItem(s, off.voice));
      note(s.speaker, 'voice');
    }
    for (const w of v.warnings) problems.push({ code: 'VOICE_WARNING', modality: 'voice', message: w });
    const n = items.filter((i) => i.modality === 'voice').length;
    if (n === 0) Object.assign(status.voice, { present: false, reason: 'no-speech', detail: 'no usable speech was found in the audio' });
    else Object.assign(status.voice, { present: true, items: n, span: { start: r3(off.voice), end: r3(audioEnd) } });
  }

  // ---- face
  const f = readings.face;
  let videoEnd = o.videoDurationSec !== undefined ? o.videoDurationSec + off.face : 0;
  if (f) {
    models.push({ modality: 'face', name: f.model, version: f.detector ? `detector ${f.detector}` : 'assume-face', backend: f.backend });
    const lastFrame = f.frames.length ? maxOf(f.frames.map((fr) => fr.time)) : 0;
    if (o.videoDurationSec === undefined) videoEnd = f.frames.length ? lastFrame + off.face : 0;
    else if (f.frames.length && lastFrame < o.videoDurationSec - Math.max(2, 0.1 * o.videoDurationSec)) {
      problems.push({
        code: 'VIDEO_TRUNCATED',
        modality: 'face',
        message: `frames could be read only up to ${lastFrame.toFixed(1)} s of a video whose header says ${o.videoDurationSec.toFixed(1)} s; the file is probably truncated — the face reading covers only that part`,
      });
    }
    const tracks = [...f.tracks].sort((a, b) => b.timeline.length - a.timeline.length);
    if (tracks.length > 1) {
      const overlapping = tracks.slice(1).filter((t) => t.firstTime <= tracks[0].lastTime && t.lastTime >= tracks[0].firstTime);
      if (overlapping.length)
        problems.push({
          code: 'FACE_SEVERAL',
          modality: 'face',
          message: `${tracks.length} face tracks; the longest (track ${tracks[0].trackId}) and tracks that do not overlap it are read as ${faceSpeaker}, ${overlapping.length} overlapping track(s) are ignored`,
        });
    }
    const used = tracks.filter((t, i) => i === 0 || !(t.firstTime <= tracks[0].lastTime && t.lastTime >= tracks[0].firstTime));
    for (const t of used) {
      const tl = t.timeline;
      tl.forEach((pt, i) => {
        if (!(pt.confidence > 0)) return;
        const dt = i + 1 < tl.length ? Math.min(1, tl[i + 1].time - pt.time) : i > 0 ? Math.min(1, pt.time - tl[i - 1].time) : 0.2;
        items.push(faceItem(pt, faceSpeaker, pt.time + off.face, dt));
      });
    }
    const n = items.filter((i) => i.modality === 'face').length;
    if (n > 0) note(faceSpeaker, 'face');
    if (n === 0)
      Object.assign(status.face, {
        present: false,
        reason: 'no-face',
        detail: f.frames.length ? `no face was found in ${f.frames.length} frame(s)` : 'the input had no frames',
      });
    else {
      const fi = items.filter((i) => i.modality === 'face');
      Object.assign(status.face, { present: true, items: n, span: { start: r3(minOf(fi.map((i) => i.start))), end: r3(maxOf(fi.map((i) => i.end))) } });
      if (o.videoDurationSec === undefined) videoEnd = Math.max(videoEnd, ...fi.map((i) => i.end));
    }
  }

  // ---- interaction length (audio and video), before placing the chat
  let duration = Math.max(audioEnd, videoEnd, 0);
  if (duration > MAX_TIMELINE_SEC) {
    problems.push({
      code: 'TIMELINE_CLAMPED',
      message: `the audio/video span (${duration.toFixed(1)} s) is beyond the longest supported interaction (${MAX_TIMELINE_SEC} s = 24 h); the timeline stops there`,
    });
    duration = MAX_TIMELINE_SEC;
  }
  if (v && (f || o.videoDurationSec !== undefined) && Math.abs(audioEnd - videoEnd) > 1 && videoEnd > 0) {
    problems.push({
      code: 'LENGTH_MISMATCH',
      message: `audio ends at ${audioEnd.toFixed(1)} s and video at ${videoEnd.toFixed(1)} s; the timeline covers ${duration.toFixed(1)} s and each modality only its own span (use offsets to shift one)`,
    });
  }

  // ---- text
  const t = readings.text;
  const kept: { time?: number; speaker: string; text: string }[] = [];
  if (t) {
    models.push({ modality: 'text', name: t.model.name, version: String(t.model.version), backend: o.backends?.text ?? 'unknown' });
    for (const is of t.issues) problems.push({ code: is.code, modality: 'text', message: is.message });
    const live = t.messages.filter((m) => !m.flags.includes('empty') && m.confidence > 0);
    const timed = live.filter((m) => typeof m.time === 'number' && Number.isFinite(m.time));
    // unsorted timestamps
    for (let i = 1; i < timed.length; i++)
      if (timed[i].time! < timed[i - 1].time!) {
        problems.push({ code: 'CHAT_UNSORTED', modality: 'text', message: 'chat timestamps are not in order; messages were placed by their timestamps' });
        break;
      }
    // absolute (epoch) timestamps: rebase
    let base = 0;
    if (timed.length && minOf(timed.map((m) => m.time!)) > 1e8) {
      base = minOf(timed.map((m) => m.time!));
      problems.push({
        code: 'CHAT_ABSOLUTE_TIME',
        modality: 'text',
        message: `chat timestamps are absolute; the first message was placed at 0 s${off.text ? ` (+ offset ${off.text} s)` : ''} — pass offsets.text to align it with the call`,
      });
    }
    if (live.length > timed.length && timed.length > 0)
      problems.push({ code: 'CHAT_MISSING_TIME', modality: 'text', message: `${live.length - timed.length} chat message(s) have no timestamp; they count only in the interaction-level mix` });
    if (timed.length === 0 && live.length > 0)
      problems.push({ code: 'CHAT_NO_TIME', modality: 'text', message: 'the chat has no timestamps; it counts only in the interaction-level mix, not on the timeline' });
    const hasClock = duration > 0;
    let outside = 0;
    let beyondMax = 0;
    const spkName = (s: string | undefined): string => {
      if (!s || !s.trim()) return chatSpeaker;
      const hit = byLower.get(s.trim().toLowerCase());
      if (hit) return hit;
      addSpeaker(s.trim());
      return s.trim();
    };
    for (const m of live) {
      const speaker = spkName(m.speaker);
      const time = typeof m.time === 'number' && Number.isFinite(m.time) ? m.time - base + off.text : undefined;
      const offTl = time === undefined || time < 0 || (hasClock && time > duration) || time > MAX_TIMELINE_SEC;
      if (time !== undefined && offTl) outside++;
      if (time !== undefined && time > MAX_TIMELINE_SEC) beyondMax++;
      items.push(textItem(m, speaker, time, offTl));
      note(speaker, 'text');
      if (o.keepText && o.messageTexts?.[m.index] !== undefined) kept.push({ ...(time !== undefined ? { time: r3(time) } : {}), speaker, text: o.messageTexts[m.index] });
    }
    if (beyondMax)
      problems.push({
        code: 'CHAT_TIME_BEYOND_MAX',
        modality: 'text',
        message: `${beyondMax} chat message(s) have a time beyond the longest supported interaction (${MAX_TIMELINE_SEC} s = 24 h after the first message or the call start); they count only in the interaction-level mix — check the time column's unit`,
      });
    if (outside)
      problems.push({
        code: 'CHAT_OUTSIDE_SPAN',
        modality: 'text',
        message: hasClock
          ? `${outside} chat message(s) fall outside the audio/video span (0–${duration.toFixed(1)} s); they count only in the interaction-level mix`
          : `${outside} chat message(s) fall before 0 s after the offset; they count only in the interaction-level mix`,
      });
    if (!hasClock) {
      const ts = items.filter((i) => i.modality === 'text' && !i.offTimeline).map((i) => i.start);
      if (ts.length) duration = Math.min(MAX_TIMELINE_SEC, ts.reduce((a, b) => Math.max(a, b), 0) + size);
    }
    const ti = items.filter((i) => i.modality === 'text');
    if (ti.length === 0) Object.assign(status.text, { present: false, reason: 'no-messages', detail: 'no message had analysable text' });
    else {
      const on = ti.filter((i) => !i.offTimeline);
      Object.assign(status.text, { present: true, items: ti.length, ...(on.length ? { span: { start: r3(minOf(on.map((i) => i.start))), end: r3(maxOf(on.map((i) => i.start))) } } : {}) });
    }
  }

  // ---- timeline
  const timeline: SignatureWindow[] = [];
  const windowEvidence: { w: SignatureWindow; ev: Evidence[] }[] = [];
  const nWin = duration > 0 ? Math.max(1, Math.ceil((duration - size) / hop + 1e-9) + 1) : 0;
  const itemsOf = new Map<string, FusionItem[]>();
  for (const it of items) {
    if (!itemsOf.has(it.speaker)) itemsOf.set(it.speaker, []);
    itemsOf.get(it.speaker)!.push(it);
  }
  for (const spk of speakers) {
    const mine = (itemsOf.get(spk) ?? []).filter((i) => !i.offTimeline);
    if (!mine.length) continue;
    // bucket the items by the windows they can touch (long interactions stay linear)
    const buckets = new Map<number, FusionItem[]>();
    for (const it of mine) {
      const lo = Math.max(0, Math.floor((it.start - size) / hop));
      const hi = Math.min(nWin - 1, Math.floor(it.end / hop) + 1);
      for (let w = lo; w <= hi; w++) {
        if (!buckets.has(w)) buckets.set(w, []);
        buckets.get(w)!.push(it);
      }
    }
    // only the windows that hold items (a gap in time costs nothing)
    for (const w of [...buckets.keys()].sort((a, b) => a - b)) {
      const near = buckets.get(w)!;
      const start = w * hop;
      const end = Math.max(Math.min(start + size, duration), start + Math.min(hop, size));
      const fw = fuseWindow(near, spk, start, end, size, rel);
      if (!fw) continue;
      timeline.push(fw.w);
      windowEvidence.push(fw);
    }
  }

  // ---- moments (the engine live streams use too: src/fusion/moments.ts)
  const moments: SignatureMoment[] = [];
  const engines = new Map<string, SpeakerMoments>();
  for (const x of windowEvidence) {
    let e = engines.get(x.w.speaker);
    if (!e) engines.set(x.w.speaker, (e = new SpeakerMoments(x.w.speaker, stressedAt, rel)));
    e.push(x.w, x.ev);
  }
  for (const spk of speakers) if (engines.has(spk)) moments.push(...engines.get(spk)!.finish());
  // long pauses (voice)
  if (v) {
    for (const p of v.pauses) {
      if (p.length < longPause) continue;
      moments.push(pauseMoment(p, longPause, customer, off.voice));
    }
  }
  // micro-expressions (face)
  if (f) {
    for (const tr of f.tracks)
      for (const me of tr.microExpressions)
        moments.push({
          time: r3(me.start + off.face),
          end: r3(me.end + off.face),
          speaker: faceSpeaker,
          kind: 'micro-expression',
          label: me.label,
          strength: r3(clamp(me.strength)),
          modalities: ['face'],
          evidence: `${me.label} flashes for ${((me.end - me.start) * 1000).toFixed(0)} ms (+${me.strength.toFixed(2)} over the face's baseline)`,
        });
  }
  moments.sort((a, b) => a.time - b.time || a.kind.localeCompare(b.kind));

  // ---- speakers
  const speakerOut = dict<SpeakerSignature>();
  for (const spk of speakers) {
    const mine = itemsOf.get(spk) ?? [];
    if (!mine.length) continue;
    const ev: Evidence[] = [];
    const mix: SpeakerSignature['modalities'] = {};
    for (const m of MODALITY_ORDER) {
      const its = mine.filter((i) => i.modality === m);
      if (!its.length) continue;
      const ws = its.map((i) => i.confidence * i.mass);
      const W = ws.reduce((a, b) => a + b, 0);
      if (!(W > 0)) continue;
      const p = new Array(K).fill(0);
      its.forEach((i, k) => i.p.forEach((x, j) => (p[j] += (x * ws[k]) / W)));
      const pc = calibrate(p, rel.modalities[m].temperature);
      ev.push({ modality: m, p: pc, confidence: clamp(mean(its.map((i) => i.confidence), its.map((i) => i.mass))) });
      mix[m] = { emotions: emo(pc), weight: 0 };
    }
    const fused = pool(ev, rel);
    if (!fused) continue;
    const wins = timeline.filter((w) => w.speaker === spk);
    let emotions: Emotions;
    let confidence: number;
    if (wins.length) {
      // the interaction-level mix is the confidence-weighted time average of the fused windows; timeless or
      // out-of-span chat messages join it as windows of their own
      const loose = mine.filter((i) => i.offTimeline);
      const parts: { p: number[]; c: number; weights: Partial<Record<Modality, number>> }[] = wins.map((w) => ({
        p: vecOf(w.emotions),
        c: w.confidence,
        weights: Object.fromEntries(MODALITY_ORDER.filter((m) => w.contributions[m]).map((m) => [m, w.contributions[m]!.weight])),
      }));
      for (const it of loose) {
        const r = pool([{ modality: it.modality, p: calibrate(it.p, rel.modalities[it.modality].temperature), confidence: it.confidence }], rel);
        if (r) parts.push({ p: r.p, c: it.confidence, weights: { [it.modality]: 1 } });
      }
      const C = parts.reduce((a, x) => a + Math.max(x.c, 1e-3), 0);
      const p = new Array(K).fill(0);
      const mw: Partial<Record<Modality, number>> = {};
      for (const x of parts) {
        const c = Math.max(x.c, 1e-3) / C;
        x.p.forEach((v, k) => (p[k] += c * v));
        for (const [m, wv] of Object.entries(x.weights)) mw[m as Modality] = (mw[m as Modality] ?? 0) + c * (wv ?? 0);
      }
      const W = Object.values(mw).reduce((a, b) => a + (b ?? 0), 0) || 1;
      for (const m of MODALITY_ORDER) if (mix[m]) mix[m]!.weight = r3((mw[m] ?? 0) / W);
      emotions = emo(p);
      confidence = r3(clamp(parts.reduce((a, x) => a + x.c, 0) / parts.length));
    } else {
      for (const m of MODALITY_ORDER) if (mix[m]) mix[m]!.weight = r3(fused.weights[m] ?? 0);
      emotions = emo(fused.p);
      const inc = ev.length > 1 ? incongruence(ev, rel).score : 0;
      confidence = r3(clamp((1 - ev.reduce((a, e) => a * (1 - e.confidence), 1)) * (1 - 0.5 * inc)));
    }
    speakerOut[spk] = {
      emotions,
      dominant: dominantLabel(emotions),
      confidence,
      modalities: mix,
      summary: speakerSummary(spk, wins, emotions, mine, v, chatSpeaker, stressedAt, longPause, readings.text, off.voice),
    };
  }

  // ---- nuances
  const nuances: Nuance[] = [...textNuances(readings.text, speakers, chatSpeaker), ...voiceNuances(v)];

  const present = MODALITY_ORDER.filter((m) => status[m].present);
  if (!present.length) problems.push({ code: 'NOTHING_USABLE', message: 'no modality produced a usable reading' });

  const interactionSpeakers = speakers
    .filter((s) => speakerModalities.has(s) || o.speakers.includes(s))
    .map((s, i) => ({
      name: s,
      role: (s === customer ? 'customer' : o.speakers.indexOf(s) === 1 ? 'agent' : 'other') as 'customer' | 'agent' | 'other',
      ...(channelOf.has(s) ? { channel: channelOf.get(s)! } : {}),
      modalities: MODALITY_ORDER.filter((m) => speakerModalities.get(s)?.has(m)),
      _i: i,
    }))
    .map(({ _i, ...rest }) => rest);

  return {
    schemaVersion: SCHEMA_VERSION,
    generator: { name: 'emosig', version: o.version ?? '0.0.0', createdAt: new Date().toISOString() },
    interaction: {
      durationSec: r3(duration),
      modalities: status,
      speakers: interactionSpeakers,
      models,
      fusion: { method: rel.method, reliability: rel.version, windowSec: size, hopSec: hop },
      problems,
      kept: { audio: false, frames: false, text: !!o.keepText && kept.length > 0 },
    },
    timeline,
    moments,
    speakers: speakerOut,
    nuances,
    ...(o.keepText && kept.length ? { messages: kept } : {}),
  };
}

/**
 * Fuse one speaker's items that touch the window [start, end) (`size`: the nominal window length, which sets
 * how much coverage counts as full) into a timeline entry, with the per-modality evidence behind it.
 * Undefined when no item gives evidence.
 */
export function fuseWindow(near: FusionItem[], spk: string, start: number, end: number, size: number, rel: ReliabilityFile): { w: SignatureWindow; ev: Evidence[] } | undefined {
  const contributions: SignatureWindow['contributions'] = {};
  const ev: Evidence[] = [];
  const vas: Partial<Record<Modality, { valence: number; arousal: number; stress: number }>> = {};
  for (const m of MODALITY_ORDER) {
    const its = near.filter((i) => i.modality === m && (m === 'text' ? i.start >= start && i.start < end : i.end > start && i.start < end));
    if (!its.length) continue;
    const ov = its.map((i) => (m === 'text' ? 1 : Math.max(1e-3, Math.min(end, i.end) - Math.max(start, i.start))));
    const ws = its.map((i, k) => i.confidence * ov[k]);
    const p = new Array(K).fill(0);
    its.forEach((i, k) => i.p.forEach((x, j) => (p[j] += x * ws[k])));
    const W = ws.reduce((a, b) => a + b, 0);
    if (!(W > 0)) continue;
    for (let j = 0; j < K; j++) p[j] /= W;
    // voice and face: evidence grows with the covered share of the window (half the window = full)
    const cover = m === 'text' ? 1 : Math.sqrt(clamp(ov.reduce((a, b) => a + b, 0) / (0.5 * size)));
    const conf = clamp(mean(its.map((i) => i.confidence), ov) * cover);
    const pc = calibrate(p, rel.modalities[m].temperature);
    ev.push({ modality: m, p: pc, confidence: conf });
    vas[m] = { valence: mean(its.map((i) => i.valence), ws), arousal: mean(its.map((i) => i.arousal), ws), stress: mean(its.map((i) => i.stress), ws) };
    contributions[m] = {
      emotions: emo(pc),
      valence: r3(clampS(vas[m]!.valence)),
      arousal: r3(clampS(vas[m]!.arousal)),
      confidence: r3(conf),
      weight: 0,
      items: its.length,
    } satisfies Contribution;
  }
  const fused = pool(ev, rel);
  if (!fused) return undefined;
  let valence = 0;
  let arousal = 0;
  let stress = 0;
  let stressW = 0;
  for (const m of MODALITY_ORDER) {
    const wm = fused.weights[m];
    if (wm === undefined || !contributions[m]) continue;
    contributions[m]!.weight = r3(wm);
    valence += wm * vas[m]!.valence;
    arousal += wm * vas[m]!.arousal;
    if (m !== 'voice') {
      stress += wm * vas[m]!.stress;
      stressW += wm;
    }
  }
  // stress is physiological: the voice's index (with its pitch/jitter/tremor/loudness cues) when the voice is
  // heard in the window, else the other modalities' valence/arousal-derived index
  if (fused.weights.voice !== undefined && vas.voice) stress = vas.voice.stress;
  else stress = stressW > 0 ? stress / stressW : 0;
  for (const m of MODALITY_ORDER) if (contributions[m] && fused.weights[m] === undefined) delete contributions[m];
  const inc = ev.length > 1 ? incongruence(ev, rel).score : 0;
  const confidence = (1 - ev.reduce((a, e) => a * (1 - e.confidence), 1)) * (1 - 0.5 * inc);
  const emotions = emo(fused.p);
  const win: SignatureWindow = {
    speaker: spk,
    start: r3(start),
    end: r3(end),
    emotions,
    dominant: dominantLabel(emotions),
    valence: r3(clampS(valence)),
    arousal: r3(clampS(arousal)),
    stress: r3(clamp(stress)),
    confidence: r3(clamp(confidence)),
    contributions,
  };
  return { w: win, ev };
}

/** A 'long-pause' moment for a voice pause (`customer`: who it belongs to when nobody spoke around it). */
export function pauseMoment(p: VoiceReading['pauses'][number], longPause: number, customer: string, offset = 0): SignatureMoment {
  return {
    time: r3(p.start + offset),
    end: r3(p.end + offset),
    speaker: p.after ?? p.before ?? customer,
    kind: 'long-pause',
    strength: r3(clamp(p.length / (4 * longPause))),
    modalities: ['voice'],
    evidence: `${p.length.toFixed(1)} s of silence${p.before ? ` after ${p.before}` : ''}${p.after ? `, before ${p.after}` : ' to the end'}`,
  };
}

/**
 * A speaker's summary (mean, peak, end, trend, stressed share, escalation) from their windows; `items` are
 * used only when there are no windows. Exported for live streams, which call it on the windows so far.
 */
export function speakerSummary(
  spk: string,
  wins: SignatureWindow[],
  emotions: Emotions,
  items: FusionItem[],
  v: Pick<VoiceReading, 'pauses'> | undefined,
  chatSpeaker: string,
  stressedAt: number,
  longPause: number,
  text: Pick<TextReading, 'messages'> | undefined,
  voiceOffset: number,
): SpeakerSignature['summary'] {
  const acc = new SummaryAccumulator(stressedAt);
  for (const w of wins) acc.push(w);
  const c = items.map((i) => Math.max(0.05, i.confidence));
  const fallback = { valence: r3(clampS(mean(items.map((i) => i.valence), c))), arousal: r3(clampS(mean(items.map((i) => i.arousal), c))), stress: r3(clamp(mean(items.map((i) => i.stress), c))) };
  let chat: ChatFrustration | undefined;
  if (text) {
    chat = { top: 0, n: 0 };
    for (const mm of text.messages)
      if ((mm.speaker?.trim() ? mm.speaker.trim().toLowerCase() === spk.toLowerCase() : spk === chatSpeaker) && !mm.flags.includes('empty'))
        addFrustration(chat, frustrationOf(mm.nuances as Record<string, number | undefined>));
  }
  const silences = v ? v.pauses.filter((p) => silenceAfterOthers(p, spk, longPause)).map((p) => ({ start: p.start + voiceOffset, length: p.length })) : [];
  return acc.summary(emotions, fallback, chat, silences);
}

/** CX nuances from the text modality's GoEmotions labels (above their dev-tuned thresholds). */
const TEXT_NUANCES: [string, string][] = [
  ['annoyance', 'frustration'],
  ['disappointment', 'disappointment'],
  ['confusion', 'confusion'],
  ['gratitude', 'gratitude'],
  ['nervousness', 'nervousness'],
  ['relief', 'relief'],
  ['disapproval', 'disapproval'],
  ['caring', 'caring'],
  ['curiosity', 'curiosity'],
];

function textNuances(t: TextReading | undefined, speakers: string[], customer: string): Nuance[] {
  if (!t) return [];
  const out: Nuance[] = [];
  const by = new Map<string, typeof t.messages>();
  const lower = new Map<string, string>();
  for (const x of speakers) if (!lower.has(x.toLowerCase())) lower.set(x.toLowerCase(), x);
  for (const m of t.messages) {
    if (m.flags.includes('empty')) continue;
    const s = m.speaker ? lower.get(m.speaker.trim().toLowerCase()) ?? m.speaker.trim() : customer;
    if (!by.has(s)) by.set(s, []);
    by.get(s)!.push(m);
  }
  for (const [spk, msgs] of by) {
    for (const [go, name] of TEXT_NUANCES) {
      const hits = msgs.filter((m) => (m.labels as string[]).includes(go));
      if (!hits.length) continue;
      const top = hits.reduce((a, b) => ((b.nuances as Record<string, number>)[go] > (a.nuances as Record<string, number>)[go] ? b : a));
      const score = (top.nuances as Record<string, number>)[go];
      out.push({
        speaker: spk,
        source: 'text',
        label: name,
        score: r3(clamp(score)),
        evidence: `GoEmotions '${go}' in ${hits.length} of ${msgs.length} message(s), strongest ${score.toFixed(2)} in message ${top.index}${top.time !== undefined ? ` (t=${top.time})` : ''}`,
      });
    }
  }
  return out;
}

/**
 * Voice nuances (rules on the voice reading, documented in docs/fusion.md):
 * calm — share of speech time whose dominant label is neutral with stress < 0.4;
 * boredom — share of speech time with arousal < −0.25 and valence ≤ 0 (flat, low energy);
 * tremor — share of segments whose F0 tremor (feature f0TremorSt) exceeds 1.5 × the speaker's median (≥ 3 segments).
 */
function voiceNuances(v: VoiceReading | undefined): Nuance[] {
  if (!v) return [];
  const out: Nuance[] = [];
  for (const spk of v.speakers) {
    const segs = v.segments.filter((s) => s.speaker === spk && s.confidence > 0);
    if (!segs.length) continue;
    const total = segs.reduce((a, s) => a + (s.end - s.start), 0);
    const share = (f: (s: (typeof segs)[number]) => boolean) => segs.filter(f).reduce((a, s) => a + (s.end - s.start), 0) / total;
    const calm = share((s) => dominantLabel(s.emotions) === 'neutral' && s.stress < 0.4);
    if (calm >= 0.2) out.push({ speaker: spk, source: 'voice', label: 'calm', score: r3(calm), evidence: `calm, neutral voice in ${(calm * 100).toFixed(0)} % of the speech` });
    const bored = share((s) => s.arousal < -0.25 && s.valence <= 0);
    if (bored >= 0.2) out.push({ speaker: spk, source: 'voice', label: 'boredom', score: r3(bored), evidence: `flat, low-energy voice in ${(bored * 100).toFixed(0)} % of the speech` });
    const tr = segs.map((s) => s.features?.f0TremorSt).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    if (tr.length >= 3) {
      const med = [...tr].sort((a, b) => a - b)[Math.floor(tr.length / 2)];
      const hi = tr.filter((x) => med > 0 && x > 1.5 * med).length / tr.length;
      if (hi > 0) out.push({ speaker: spk, source: 'voice', label: 'tremor', score: r3(hi), evidence: `F0 tremor above 1.5 × this speaker's median in ${(hi * 100).toFixed(0)} % of the segments` });
    }
  }
  return out;
}
