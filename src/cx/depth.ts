/**
 * Conversation depth index (0–1): how much of a two-way conversation took place, from six parts, each scored
 * 0–1 and shown. Parts that the inputs cannot measure (e.g. question–answer exchanges without any text) are
 * marked unavailable and left out of the weighted mean (weights renormalised). Documented in docs/cx.md.
 */
import type { ConversationModel } from './build.js';
import { overlap, type CxTurn } from './turns.js';

export const DEPTH_PARTS = ['turnTaking', 'customerShare', 'questionAnswer', 'topicPersistence', 'responseLatency', 'emotionalRange'] as const;
export type DepthPart = (typeof DEPTH_PARTS)[number];

/** Weights of the parts (sum 1). */
export const DEPTH_WEIGHTS: Record<DepthPart, number> = {
  turnTaking: 0.2,
  customerShare: 0.15,
  questionAnswer: 0.2,
  topicPersistence: 0.15,
  responseLatency: 0.1,
  emotionalRange: 0.2,
};

export interface DepthPartValue {
  /** 0…1 score of the part (absent when unavailable). */
  score?: number;
  weight: number;
  /** The measured quantity behind the score, in its own unit. */
  value?: number;
  unit: string;
  available: boolean;
  detail: string;
}

export interface DepthIndex {
  /** 0…1, the weighted mean of the available parts. */
  score: number;
  parts: Record<DepthPart, DepthPartValue>;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const clamp = (x: number) => Math.max(0, Math.min(1, x));

export function depthIndex(conv: ConversationModel): DepthIndex {
  // turns: the chat when it has text turns of both sides, else the voice turns, else what there is
  const turns: CxTurn[] = conv.voice.length >= 2 ? conv.voice : conv.chat;
  const textTurns = conv.chat.filter((t) => t.cues);
  const parts = {} as Record<DepthPart, DepthPartValue>;
  const na = (unit: string, detail: string): DepthPartValue => ({ weight: 0, unit, available: false, detail });

  // 1. turn-taking: balance of the two sides' turn counts × how many exchanges (speaker changes) there were
  const both = [...conv.voice, ...conv.chat].length ? turns : [];
  if (both.length >= 2) {
    const nc = both.filter((t) => t.role === 'customer').length;
    const na_ = both.length - nc;
    let changes = 0;
    for (let i = 1; i < both.length; i++) if (both[i].role !== both[i - 1].role) changes++;
    const balance = nc + na_ ? 1 - Math.abs(nc - na_) / (nc + na_) : 0;
    const s = balance * (1 - Math.exp(-changes / 4));
    parts.turnTaking = { score: r3(s), weight: 0, value: changes, unit: 'speaker changes', available: true, detail: `${nc} customer / ${na_} agent turns, ${changes} changes of speaker (balance ${balance.toFixed(2)})` };
  } else parts.turnTaking = na('speaker changes', 'fewer than two turns');

  // 2. customer talk share: seconds of speech (voice) or words (chat); best at an even share, 0 when one side is silent
  const vc = conv.voice.filter((t) => t.role === 'customer').reduce((a, t) => a + (t.end! - t.start!), 0);
  const va = conv.voice.filter((t) => t.role === 'agent').reduce((a, t) => a + (t.end! - t.start!), 0);
  const wc = textTurns.filter((t) => t.role === 'customer').reduce((a, t) => a + t.cues!.tokens, 0);
  const wa = textTurns.filter((t) => t.role === 'agent').reduce((a, t) => a + t.cues!.tokens, 0);
  const share = vc + va > 0 ? vc / (vc + va) : wc + wa > 0 ? wc / (wc + wa) : undefined;
  if (share !== undefined)
    parts.customerShare = {
      score: r3(clamp(1 - 2 * Math.abs(share - 0.5))),
      weight: 0,
      value: r3(share),
      unit: vc + va > 0 ? 'share of speech time' : 'share of words',
      available: true,
      detail: vc + va > 0 ? `customer ${vc.toFixed(1)} s, agent ${va.toFixed(1)} s of speech` : `customer ${wc} words, agent ${wa} words`,
    };
  else parts.customerShare = na('share', 'no speech time or words');

  // 3. question–answer exchanges: a turn with a question answered by the other side's next turn
  if (textTurns.length >= 2) {
    let qa = 0;
    for (let i = 0; i + 1 < textTurns.length; i++) if (textTurns[i].cues!.questions > 0 && textTurns[i + 1].role !== textTurns[i].role) qa++;
    parts.questionAnswer = { score: r3(1 - Math.exp(-qa / 3)), weight: 0, value: qa, unit: 'exchanges', available: true, detail: `${qa} question${qa === 1 ? '' : 's'} answered by the other side` };
  } else parts.questionAnswer = na('exchanges', 'needs a chat or transcript (questions are read from the text)');

  // 4. topic persistence: mean content-word overlap between consecutive turns of different sides
  if (textTurns.length >= 2) {
    const ov: number[] = [];
    for (let i = 1; i < textTurns.length; i++) if (textTurns[i].role !== textTurns[i - 1].role) ov.push(overlap(textTurns[i].cues!.words, textTurns[i - 1].cues!.words));
    const m = ov.length ? ov.reduce((a, b) => a + b, 0) / ov.length : 0;
    parts.topicPersistence = { score: r3(clamp(m / 0.15)), weight: 0, value: r3(m), unit: 'word overlap (Jaccard)', available: ov.length > 0, detail: `mean overlap ${m.toFixed(3)} over ${ov.length} replies (0.15 or more scores 1)` };
    if (!ov.length) parts.topicPersistence = na('word overlap (Jaccard)', 'no reply between the two sides in the text');
  } else parts.topicPersistence = na('word overlap (Jaccard)', 'needs a chat or transcript');

  // 5. response latency: median gap from one side's turn to the other side's reply (voice: end → start; chat: time → time)
  const gaps: number[] = [];
  const timedTurns = conv.voice.length >= 2 ? conv.voice : conv.chatTimed ? conv.chat : [];
  for (let i = 1; i < timedTurns.length; i++) {
    const a = timedTurns[i - 1];
    const b = timedTurns[i];
    if (a.role === b.role) continue;
    gaps.push(Math.max(0, b.start! - (a.end ?? a.start!)));
  }
  if (gaps.length) {
    const med = [...gaps].sort((x, y) => x - y)[Math.floor(gaps.length / 2)];
    // 1 at ≤ 1 s, 0 at ≥ 30 s, log-linear in between
    const s = clamp(1 - Math.log(Math.max(1, med)) / Math.log(30));
    parts.responseLatency = { score: r3(s), weight: 0, value: r3(med), unit: 'seconds (median)', available: true, detail: `median reply after ${med.toFixed(1)} s over ${gaps.length} replies (≤ 1 s scores 1, ≥ 30 s scores 0)` };
  } else parts.responseLatency = na('seconds', 'needs timed turns of both sides');

  // 6. emotional range: spread of the customer's valence (10th–90th percentile) and of their arousal
  const tr = conv.trajectory;
  if (tr.length >= 2) {
    const q = (xs: number[], p: number) => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
    };
    const rv = q(tr.map((p) => p.valence), 0.9) - q(tr.map((p) => p.valence), 0.1);
    const ra = q(tr.map((p) => p.arousal), 0.9) - q(tr.map((p) => p.arousal), 0.1);
    const range = Math.max(rv, ra);
    parts.emotionalRange = { score: r3(clamp(range / 0.8)), weight: 0, value: r3(range), unit: 'valence/arousal spread', available: true, detail: `customer valence spread ${rv.toFixed(2)}, arousal spread ${ra.toFixed(2)} (0.8 or more scores 1)` };
  } else parts.emotionalRange = na('valence/arousal spread', 'fewer than two readings of the customer');

  let W = 0;
  let S = 0;
  for (const p of DEPTH_PARTS) if (parts[p].available) W += DEPTH_WEIGHTS[p];
  for (const p of DEPTH_PARTS) {
    if (!parts[p].available) continue;
    parts[p].weight = r3(DEPTH_WEIGHTS[p] / W);
    S += (DEPTH_WEIGHTS[p] / W) * (parts[p].score ?? 0);
  }
  return { score: r3(W > 0 ? S : 0), parts };
}
