/**
 * Micro-moment impact: for each moment (the signature's moments plus agent behaviours found here), how the
 * customer's fused valence, stress and escalation moved in a window after it, against what their trend
 * before it predicted. Positive impact = the customer got better than expected ("helped").
 */
import { DEFAULT_CONFIG } from '../config.js';
import type { SignatureMoment, SignatureWindow } from '../signature/schema.js';
import { speakerSummary } from '../fusion/fuse.js';
import { CORE_LABELS, emptyEmotions } from '../signature/labels.js';
import type { ConversationModel, CxReadings } from './build.js';
import { overlap, type CxTurn } from './turns.js';
import { CX_MOMENT_KIND_VALUES } from '../signature/cx-schema.js';

/** The moment kinds impact is measured for (agent behaviours found here, then the signature's own kinds). */
export const CX_MOMENT_KINDS = CX_MOMENT_KIND_VALUES;
export type CxMomentKind = (typeof CX_MOMENT_KINDS)[number];

export interface MomentImpact {
  time: number;
  end?: number;
  kind: CxMomentKind;
  /** Who did it (the agent for agent behaviours, the interrupter, the speaker of a signature moment). */
  actor: string;
  /** Index into the signature's `moments` when the moment comes from there. */
  moment?: number;
  /** Change of the customer's valence / stress / escalation after the moment minus what the trend predicted, and of their predicted P(dissatisfied). */
  delta: { valence: number; stress: number; escalation?: number; dissatisfaction?: number };
  before: { valence: number; stress: number };
  after: { valence: number; stress: number };
  /** −1 … +1: > 0 the customer got better than expected (helped), < 0 worse (hurt). */
  impact: number;
  effect: 'helped' | 'hurt' | 'none';
  /** 0…1: how much trajectory there was to judge it by. */
  confidence: number;
  evidence: string;
}

export interface ImpactOptions {
  /** Seconds (or turns, for chat without a clock) before/after a moment looked at. Default 6 s / 2 turns. */
  windowSec?: number;
  /** An agent chat reply this much slower than usual is an 'agent-silence' (default: ≥ 20 s and ≥ 3 × the median reply). */
  slowReplySec?: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const clamp = (x: number, lo = -1, hi = 1) => Math.max(lo, Math.min(hi, x));
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

interface Candidate {
  time: number;
  end?: number;
  kind: CxMomentKind;
  actor: string;
  moment?: number;
  evidence: string;
}

/** Agent behaviours and customer repeats found in the turns (no text is ever quoted). */
export function detectBehaviours(conv: ConversationModel, r: CxReadings, o: ImpactOptions = {}): Candidate[] {
  const out: Candidate[] = [];
  const when = (t: CxTurn, i: number) => (conv.timed ? t.start : conv.chatTimed ? t.start : i);
  // chat: every agent message, typed by its cues
  const chat = conv.chat;
  const order = (i: number) => (conv.timed && conv.chatTimed ? chat[i].start! : i);
  const replyGaps: number[] = [];
  const t0 = conv.timed && !conv.chatTimed ? undefined : 0;
  chat.forEach((t, i) => {
    const at = when(t, i);
    if (at === undefined || t0 === undefined) return;
    if (t.role === 'agent') {
      const c = t.cues;
      const kind: CxMomentKind = c && c.apology > 0 ? 'agent-apology' : c && c.empathy > 0 ? 'agent-empathy' : 'agent-reply';
      const what = kind === 'agent-apology' ? 'apologises' : kind === 'agent-empathy' ? 'shows empathy / takes ownership' : 'replies';
      out.push({ time: order(i), kind, actor: t.speaker, evidence: `${t.speaker} ${what} in chat (message at ${fmtT(order(i), conv.chatTimed)})` });
      const prev = chat[i - 1];
      if (conv.chatTimed && prev && prev.role === 'customer') replyGaps.push(t.start! - prev.start!);
    } else if (t.cues) {
      // the customer repeats an earlier message of theirs
      const earlier = chat.slice(0, i).filter((x) => x.role === 'customer' && x.cues);
      const best = Math.max(0, ...earlier.map((x) => overlap(x.cues!.words, t.cues!.words)));
      if (best >= 0.5) out.push({ time: order(i), kind: 'customer-repeat', actor: t.speaker, evidence: `${t.speaker} repeats an earlier message (word overlap ${best.toFixed(2)}) at ${fmtT(order(i), conv.chatTimed)}` });
    }
  });
  // chat: slow agent replies
  if (conv.chatTimed && replyGaps.length) {
    const sorted = [...replyGaps].sort((a, b) => a - b);
    const med = sorted[Math.floor(sorted.length / 2)];
    const slow = o.slowReplySec ?? Math.max(20, 3 * med);
    for (let i = 1; i < chat.length; i++) {
      const a = chat[i - 1];
      const b = chat[i];
      if (a.role !== 'customer') continue;
      // the first agent message after this customer message, or the next customer message if the agent never answered
      const gap = b.start! - a.start!;
      if (gap >= slow && (b.role === 'agent' || b.role === 'customer'))
        out.push({
          time: a.start!,
          end: b.start!,
          kind: 'agent-silence',
          actor: conv.agent ?? 'agent',
          evidence: `no agent reply for ${gap.toFixed(0)} s after the customer wrote at ${fmtT(a.start!, true)}${b.role === 'customer' ? ' (the customer wrote again)' : ''}`,
        });
    }
  }
  // voice: the agent's spoken turns (a turn that carries an agent chat message is that message's moment)
  const agentChat = chat.filter((t) => t.role === 'agent' && t.start !== undefined && conv.chatTimed);
  for (const t of conv.voice) {
    if (t.role !== 'agent' || t.start === undefined) continue;
    if (agentChat.some((c) => c.start! >= t.start! - 1 && c.start! <= (t.end ?? t.start!) + 1)) continue;
    out.push({ time: t.start, end: t.end, kind: 'agent-reply', actor: t.speaker, evidence: `${t.speaker} speaks at ${t.start.toFixed(1)} s for ${((t.end ?? t.start) - t.start).toFixed(1)} s` });
  }
  // voice: interruptions (an overlap where one speaker starts while the other is talking)
  if (r.voice) {
    const segs = r.voice.segments.filter((s) => s.confidence > 0);
    for (const ov of r.voice.overlaps) {
      if (ov.end - ov.start < 0.2) continue;
      const starters = segs.filter((s) => s.start >= ov.start - 0.3 && s.start <= ov.end && ov.speakers.includes(s.speaker));
      const talking = segs.filter((s) => s.start < ov.start - 0.3 && s.end > ov.start && ov.speakers.includes(s.speaker));
      const who = starters.find((s) => talking.some((x) => x.speaker !== s.speaker))?.speaker ?? starters[0]?.speaker ?? ov.speakers[0];
      const whom = ov.speakers.find((s) => s !== who) ?? 'the other speaker';
      out.push({ time: ov.start, end: ov.end, kind: 'interruption', actor: who, evidence: `${who} talks over ${whom} for ${(ov.end - ov.start).toFixed(1)} s at ${ov.start.toFixed(1)} s` });
    }
  }
  return out;
}


const fmtT = (t: number, timed: boolean) => (timed ? `${t.toFixed(1)} s` : `turn ${t + 1}`);

/**
 * Impact of every moment on the customer, most helpful first. `moments`: the signature's moments;
 * `wins`: the customer's timeline windows (for the escalation score before/after).
 */
export function momentImpacts(
  conv: ConversationModel,
  r: CxReadings,
  moments: SignatureMoment[],
  wins: SignatureWindow[],
  o: ImpactOptions = {},
  dissatisfaction: { t: number; p: number }[] = [],
): MomentImpact[] {
  const cands: Candidate[] = detectBehaviours(conv, r, o);
  if (conv.timed)
    moments.forEach((m, i) => {
      cands.push({ time: m.time, end: m.end, kind: m.kind, actor: m.speaker, moment: i, evidence: m.evidence });
    });
  const tr = conv.trajectory;
  if (tr.length < 2) return [];
  const W = o.windowSec ?? (conv.timed ? 6 : 2.5);
  const esc = escalationAt(conv, wins);
  const out: MomentImpact[] = [];
  // the other side's moments (agent behaviours, silences, interruptions): the customer's reaction is read up to
  // the next such moment, so a calm-down is credited to what came just before it, not to everything in the window
  const external = (c: Candidate) => BEHAVIOURS.has(c.kind) && c.actor !== conv.customer || c.kind === 'long-pause' || c.kind === 'agent-silence';
  const extCands = cands.filter(external).sort((a, b) => a.time - b.time);
  const extTimes = extCands.map((c) => c.time);
  for (const c of cands) {
    const t0 = c.time;
    // a moment that lasts (a pause, an overlap) is judged after it ends; a moment of the customer's own is judged from its start
    const own = !external(c);
    const t1 = c.end !== undefined && !own ? Math.max(t0, c.end) : t0;
    const quiet = c.kind === 'long-pause' || c.kind === 'agent-silence';
    let before = tr.filter((p) => (quiet ? p.t <= t0 : p.t < t0) && p.t >= t0 - W);
    if (!before.length) before = tr.filter((p) => (quiet ? p.t <= t0 : p.t < t0)).slice(-1);
    const next = own ? undefined : extTimes.find((x, i) => x >= t1 - 0.05 && x > t0 + 0.05 && extCands[i] !== c);
    const stop = next !== undefined ? Math.min(t1 + W, next + (conv.timed ? 1 : 0)) : t1 + W;
    let after = tr.filter((p) => p.t > t1 && p.t <= stop);
    if (!after.length) {
      // no reaction before the next moment: the first point after counts only when nothing else happened first
      after = tr.filter((p) => p.t > t1).slice(0, 1);
      if (!own && after.length && cands.some((x) => x !== c && external(x) && x.time >= t1 - 0.05 && x.time > t0 && x.time < after[0].t)) continue;
    }
    if (!before.length || !after.length) continue;
    const bV = mean(before.map((p) => p.valence));
    const bS = mean(before.map((p) => p.stress));
    const aV = mean(after.map((p) => p.valence));
    const aS = mean(after.map((p) => p.stress));
    // what the trend before predicted: a damped linear extrapolation of the points in the 3W before the moment
    const pre = tr.filter((p) => p.t < t0 && p.t >= t0 - 3 * W);
    const dt = mean(after.map((p) => p.t)) - mean(before.map((p) => p.t));
    const slopeV = pre.length >= 3 ? slope(pre.map((p) => p.t), pre.map((p) => p.valence)) : 0;
    const slopeS = pre.length >= 3 ? slope(pre.map((p) => p.t), pre.map((p) => p.stress)) : 0;
    const eV = clamp(bV + clamp(0.5 * slopeV * dt, -0.3, 0.3));
    const eS = clamp(bS + clamp(0.5 * slopeS * dt, -0.3, 0.3), 0, 1);
    const dV = aV - eV;
    const dS = aS - eS;
    let dE: number | undefined;
    if (esc) {
      const eb = esc(t0);
      const ea = esc(t1 + W);
      if (eb !== undefined && ea !== undefined) dE = ea - eb;
    }
    // the customer's predicted dissatisfaction (satisfaction model, per customer turn): last turn before vs first after
    let dD: number | undefined;
    const db = dissatisfaction.filter((d) => (quiet ? d.t <= t0 : d.t < t0)).slice(-1)[0];
    const da = dissatisfaction.find((d) => d.t > t1);
    if (db && da && (own || !cands.some((x) => x !== c && external(x) && x.time >= t1 - 0.05 && x.time > t0 && x.time < da.t))) dD = da.p - db.p;
    const raw = 0.4 * dV - 0.3 * dS - 0.15 * (dE ?? 0) - 0.3 * (dD ?? 0);
    const impact = Math.tanh(2.5 * raw);
    const conf = Math.min(1, Math.sqrt((before.length * after.length) / 9));
    out.push({
      time: r3(t0),
      ...(c.end !== undefined ? { end: r3(c.end) } : {}),
      kind: c.kind,
      actor: c.actor,
      ...(c.moment !== undefined ? { moment: c.moment } : {}),
      delta: { valence: r3(dV), stress: r3(dS), ...(dE !== undefined ? { escalation: r3(dE) } : {}), ...(dD !== undefined ? { dissatisfaction: r3(dD) } : {}) },
      before: { valence: r3(bV), stress: r3(bS) },
      after: { valence: r3(aV), stress: r3(aS) },
      impact: r3(impact),
      effect: impact >= 0.1 ? 'helped' : impact <= -0.1 ? 'hurt' : 'none',
      confidence: r3(conf),
      evidence: c.evidence,
    });
  }
  return out.sort((a, b) => b.impact - a.impact || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.time - b.time);
}

function slope(x: number[], y: number[]): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  x.forEach((v, i) => {
    sxy += (v - mx) * (y[i] - my);
    sxx += (v - mx) ** 2;
  });
  return sxx > 0 ? sxy / sxx : 0;
}

/** The customer's escalation score (the fusion's rules on the windows so far) at time t; undefined without a timeline. */
function escalationAt(conv: ConversationModel, wins: SignatureWindow[]): ((t: number) => number | undefined) | undefined {
  if (!conv.timed || !wins.length) return undefined;
  const cache = new Map<number, number>();
  return (t: number) => {
    const so = wins.filter((w) => w.start < t);
    if (!so.length) return 0;
    const key = so.length;
    if (cache.has(key)) return cache.get(key);
    const e = emptyEmotions();
    for (const w of so) for (const l of CORE_LABELS) e[l] += w.emotions[l] / so.length;
    const s = speakerSummary(conv.customer, so, e, [], undefined, conv.customer, DEFAULT_CONFIG.fusion.stressedAt, DEFAULT_CONFIG.fusion.longPauseSec, undefined, 0).escalation.score;
    cache.set(key, s);
    return s;
  };
}

/** Tie-break order: behaviours, then the clearest state moments. */
const KIND_ORDER: CxMomentKind[] = ['agent-apology', 'agent-empathy', 'agent-reply', 'agent-silence', 'interruption', 'long-pause', 'customer-repeat', 'emotion-shift', 'stress-spike', 'peak', 'incongruence', 'micro-expression'];

const BEHAVIOURS = new Set<CxMomentKind>(['agent-apology', 'agent-empathy', 'agent-reply', 'agent-silence', 'interruption', 'customer-repeat', 'long-pause']);

/**
 * The top `n` of `xs` (already ordered, strongest first) with near-duplicates merged: moments starting within
 * 1.5 s of a kept one are dropped; among moments of about the same impact (within 0.1) a behaviour (agent
 * apology, reply, silence, interruption, pause) is preferred to a state moment (peak, shift, spike).
 */
export function rankMoments(xs: MomentImpact[], n = 3): MomentImpact[] {
  const pool = [...xs];
  const out: MomentImpact[] = [];
  while (out.length < n && pool.length) {
    const top = pool[0];
    const near = pool.filter((m) => Math.abs(m.time - top.time) <= 1.5);
    const pick = near.find((m) => BEHAVIOURS.has(m.kind) && Math.abs(m.impact - top.impact) <= 0.1) ?? top;
    out.push(pick);
    const drop = new Set(near);
    for (let i = pool.length - 1; i >= 0; i--) if (drop.has(pool[i])) pool.splice(i, 1);
  }
  return out;
}
