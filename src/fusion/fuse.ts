/**
 * Stage 5 — assemble. Readings → one time-aligned emotional signature: adapters (items.ts) → timeline
 * (window.ts) → moments (moments.ts) → speakers (speakers.ts) → this file puts the signature together. Pure: consumes only the modalities' exported reading
 * types (`VoiceReading`, `FaceReading`, `TextReading`) and the learned reliabilities.
 */
import { DEFAULT_CONFIG } from '../config.js';
import type { VoiceReading } from '../audio/index.js';
import type { FaceReading } from '../vision/index.js';
import type { TextReading } from '../text/index.js';
import { dominantLabel, type Emotions } from '../signature/labels.js';
import {
  SCHEMA_VERSION,
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
import { calibrate, incongruence, K, pool, vecOf, type Evidence, type ReliabilityFile } from './reliability.js';
import { faceItem, textItem, voiceItem, type FusionItem } from './items.js';
import { fuseWindow } from './window.js';
import { pauseMoment, speakerSummary, textNuances, voiceNuances } from './speakers.js';
import { clamp, emo, maxOf, mean, minOf, r3 } from './util.js';
import { MODALITY_ORDER, SpeakerMoments } from './moments.js';

export { MODALITY_ORDER, confidentWindow, describeEvidence, incongruenceHit } from './moments.js';
export { faceItem, textItem, voiceItem, type FusionItem } from './items.js';
export { fuseWindow } from './window.js';
export { pauseMoment, speakerSummary } from './speakers.js';


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
  const size = o.window?.size ?? DEFAULT_CONFIG.window.size;
  const hop = o.window?.hop ?? DEFAULT_CONFIG.window.hop;
  const off = { voice: o.offsets?.voice ?? 0, face: o.offsets?.face ?? 0, text: o.offsets?.text ?? 0 };
  const problems: SignatureProblem[] = [...(o.problems ?? [])];
  const longPause = o.longPauseSec ?? DEFAULT_CONFIG.fusion.longPauseSec;
  const stressedAt = o.stressedAt ?? DEFAULT_CONFIG.fusion.stressedAt;
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
    models.push({ modality: 'face', name: f.model, version: `${f.version ?? 'onnx'}, ${f.detector ? `detector ${f.detector}` : 'assume-face'}`, backend: f.backend, ...(f.license ? { license: f.license } : {}) });
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
    models.push({ modality: 'text', name: t.model.name, version: String(t.model.version), backend: o.backends?.text ?? 'unknown', ...(t.model.license ? { license: t.model.license } : {}) });
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

