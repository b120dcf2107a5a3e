/**
 * Temperament: how this customer tends to react — baseline arousal, volatility, recovery after negative
 * moments, preferred pace — from this interaction and, with consent, their stored profile; and a routing hint
 * with reasons. Rules documented in docs/cx.md (not a trained model: there is no labelled routing data).
 */
import type { ConversationModel } from './build.js';
import type { TemperamentObservation, TemperamentProfile } from './store.js';

export type RoutingSuggestion = 'human-senior' | 'human' | 'automated';

export interface RoutingReason {
  code: string;
  suggests: RoutingSuggestion;
  text: string;
}

export interface Temperament {
  /** 'interaction': from this interaction alone; 'profile': this interaction merged with the stored profile. */
  basis: 'interaction' | 'profile';
  /** Interactions behind the figures (1 without a stored profile). */
  interactions: number;
  baselineArousal: number;
  volatility: number;
  recovery?: { value: number; unit: 'seconds' | 'turns' };
  /** Share of negative moments the customer did not recover from before the end. */
  unrecoveredShare?: number;
  pace: { preferred: 'fast' | 'moderate' | 'slow'; replyLatencySec?: number };
  routing: { suggest: RoutingSuggestion; reasons: RoutingReason[] };
  /** Whether the profile was saved (only with consent and a store). */
  stored: boolean;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const std = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

/** Negative: stress ≥ 0.55 or valence ≤ −0.3. Calm again: stress < 0.45 and valence > −0.1. */
export const NEGATIVE = { stress: 0.55, valence: -0.3 };
export const CALM = { stress: 0.45, valence: -0.1 };

/** This interaction's observation of the customer. */
export function observe(conv: ConversationModel, escalation: number, satisfaction?: number, at = new Date()): TemperamentObservation {
  const tr = conv.trajectory;
  const arousal = mean(tr.map((p) => p.arousal));
  const volatility = Math.min(1, std(tr.map((p) => p.valence)) + std(tr.map((p) => p.stress)));
  // recovery: from each entry into a negative state to the first calm point after it
  const rec: number[] = [];
  let unrecovered = 0;
  let episodes = 0;
  for (let i = 0; i < tr.length; i++) {
    const neg = tr[i].stress >= NEGATIVE.stress || tr[i].valence <= NEGATIVE.valence;
    const prevNeg = i > 0 && (tr[i - 1].stress >= NEGATIVE.stress || tr[i - 1].valence <= NEGATIVE.valence);
    if (!neg || prevNeg) continue;
    episodes++;
    const j = tr.findIndex((p, k) => k > i && p.stress < CALM.stress && p.valence > CALM.valence);
    if (j < 0) unrecovered++;
    else rec.push(tr[j].t - tr[i].t);
  }
  // pace: median gap before the customer's replies
  const turns = conv.voice.length >= 2 ? conv.voice : conv.chatTimed ? conv.chat : [];
  const gaps: number[] = [];
  for (let i = 1; i < turns.length; i++)
    if (turns[i].role === 'customer' && turns[i - 1].role !== 'customer') gaps.push(Math.max(0, turns[i].start! - (turns[i - 1].end ?? turns[i - 1].start!)));
  const lat = gaps.length ? [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] : undefined;
  return {
    at: at.toISOString(),
    arousal: r3(arousal),
    volatility: r3(volatility),
    ...(rec.length ? { recovery: r3(mean(rec)), recoveryUnit: conv.timed ? ('seconds' as const) : ('turns' as const) } : {}),
    unrecovered,
    negativeMoments: episodes,
    ...(lat !== undefined ? { replyLatencySec: r3(lat) } : {}),
    escalation: r3(escalation),
    ...(satisfaction !== undefined ? { satisfaction: r3(satisfaction) } : {}),
  };
}

/** Add an observation to a profile (or start one); keeps the last 20. */
export function mergeProfile(p: TemperamentProfile | undefined, o: TemperamentObservation): TemperamentProfile {
  const history = [...(p?.history ?? []), o].slice(-20);
  return { version: 1, interactions: (p?.interactions ?? 0) + 1, updatedAt: o.at, history };
}

/**
 * The temperament from observations (most recent last; weights favour recent ones), and the routing hint for
 * the current interaction `now` (its escalation and dissatisfaction weigh on the hint directly).
 */
export function temperament(history: TemperamentObservation[], now: { escalation: number; pDissatisfied?: number; voiceOnly: boolean }, basis: Temperament['basis'], stored: boolean, interactions = history.length): Temperament {
  const w = history.map((_, i) => Math.pow(0.8, history.length - 1 - i));
  const W = w.reduce((a, b) => a + b, 0);
  const wm = (f: (o: TemperamentObservation) => number | undefined) => {
    let s = 0;
    let ww = 0;
    history.forEach((o, i) => {
      const v = f(o);
      if (v === undefined || !Number.isFinite(v)) return;
      s += v * w[i];
      ww += w[i];
    });
    return ww > 0 ? s / ww : undefined;
  };
  const arousal = wm((o) => o.arousal) ?? 0;
  const volatility = wm((o) => o.volatility) ?? 0;
  const unit = history.find((o) => o.recoveryUnit)?.recoveryUnit;
  const recovery = unit ? wm((o) => (o.recoveryUnit === unit ? o.recovery : undefined)) : undefined;
  const neg = history.reduce((a, o) => a + o.negativeMoments, 0);
  const unrec = history.reduce((a, o) => a + o.unrecovered, 0);
  const unrecoveredShare = neg > 0 ? unrec / neg : undefined;
  const lat = wm((o) => o.replyLatencySec);
  const fast = now.voiceOnly || history.some((o) => o.replyLatencySec !== undefined && o.replyLatencySec < 5) ? { fast: 0.5, slow: 1.5 } : { fast: 10, slow: 60 };
  const preferred = lat === undefined ? 'moderate' : lat <= fast.fast ? 'fast' : lat >= fast.slow ? 'slow' : 'moderate';
  const sats = history.map((o) => o.satisfaction).filter((x): x is number => x !== undefined);
  void W;

  const reasons: RoutingReason[] = [];
  if (now.escalation >= 0.6) reasons.push({ code: 'escalating-now', suggests: 'human-senior', text: `escalation score ${now.escalation.toFixed(2)} in this interaction (≥ 0.6)` });
  else if (now.escalation >= 0.4) reasons.push({ code: 'escalation-risk', suggests: 'human', text: `escalation score ${now.escalation.toFixed(2)} in this interaction (≥ 0.4)` });
  if (now.pDissatisfied !== undefined && now.pDissatisfied >= 0.5)
    reasons.push({ code: 'dissatisfied-now', suggests: now.escalation >= 0.4 ? 'human-senior' : 'human', text: `predicted dissatisfied (p = ${now.pDissatisfied.toFixed(2)})` });
  if (volatility >= 0.5) reasons.push({ code: 'volatile', suggests: 'human-senior', text: `very volatile (${volatility.toFixed(2)}: swings of valence and stress)` });
  else if (volatility >= 0.3) reasons.push({ code: 'volatile', suggests: 'human', text: `volatile (${volatility.toFixed(2)})` });
  const slowRec = (recovery !== undefined && unit === 'seconds' && recovery >= 20) || (recovery !== undefined && unit === 'turns' && recovery >= 3);
  if (slowRec || (unrecoveredShare !== undefined && unrecoveredShare >= 0.5 && neg >= 1))
    reasons.push({
      code: 'slow-recovery',
      suggests: volatility >= 0.3 ? 'human-senior' : 'human',
      text: slowRec ? `slow to calm after negative moments (${recovery!.toFixed(1)} ${unit})` : `did not calm down after ${unrec} of ${neg} negative moment(s)`,
    });
  if (arousal >= 0.3) reasons.push({ code: 'high-arousal', suggests: 'human', text: `high baseline arousal (${arousal.toFixed(2)})` });
  if (sats.length >= 2 && mean(sats) <= 2.6) reasons.push({ code: 'repeatedly-dissatisfied', suggests: 'human-senior', text: `low predicted satisfaction over ${sats.length} interactions (mean ${mean(sats).toFixed(2)})` });
  const rank: Record<RoutingSuggestion, number> = { automated: 0, human: 1, 'human-senior': 2 };
  let suggest: RoutingSuggestion = 'automated';
  for (const r of reasons) if (rank[r.suggests] > rank[suggest]) suggest = r.suggests;
  if (!reasons.length) reasons.push({ code: 'calm-stable', suggests: 'automated', text: 'calm and stable: no escalation, volatility or slow recovery seen' });
  return {
    basis,
    interactions,
    baselineArousal: r3(arousal),
    volatility: r3(volatility),
    ...(recovery !== undefined && unit ? { recovery: { value: r3(recovery), unit } } : {}),
    ...(unrecoveredShare !== undefined ? { unrecoveredShare: r3(unrecoveredShare) } : {}),
    pace: { preferred, ...(lat !== undefined ? { replyLatencySec: r3(lat) } : {}) },
    routing: { suggest, reasons },
    stored,
  };
}
