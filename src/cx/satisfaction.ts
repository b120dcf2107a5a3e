/**
 * Satisfaction estimate: a predicted customer satisfaction (1–5) per customer turn and per interaction,
 * from the turn's affect (text or fused reading), the agent turn before it and the conversation so far.
 * The weights are learned by scripts/cx-satisfaction.ts on the User Satisfaction Simulation dialogues
 * (leave-one-corpus-out) and shipped as models/cx/satisfaction.json; this file only reads them.
 */
import { loadModel, readModelJson, recordModel } from '../runtime/registry.js';
import { join } from 'node:path';
import { EmosigError } from '../errors.js';
import { modelPath } from '../runtime/paths.js';
import { CORE_LABELS } from '../signature/labels.js';
import { overlap, type CxTurn } from './turns.js';

const NUANCES = ['annoyance', 'anger', 'disappointment', 'disapproval', 'confusion', 'gratitude', 'approval', 'joy', 'admiration', 'caring', 'curiosity', 'optimism', 'relief', 'sadness'] as const;

/** Modality-agnostic features: what any turn has (voice, face or text affect) plus its place in the dialogue. */
export const AFFECT_FEATURES = [
  'valence',
  'arousal',
  'stress',
  ...CORE_LABELS.map((l) => `emo_${l}`),
  'log_turn',
  'first_turn',
  'prev_valence',
  'mean_valence_so_far',
  'min_valence_so_far',
  'valence_drop',
  'agent_valence',
  'agent_stress',
  'no_agent_turn',
] as const;

/** The text head adds the words' nuances and sentiment and the lexical cues of this and the agent's turn. */
export const TEXT_FEATURES = [
  ...AFFECT_FEATURES,
  ...NUANCES.map((n) => `nu_${n}`),
  'sent_negative',
  'sent_positive',
  'confidence',
  'log_tokens',
  'questions',
  'exclamations',
  'neg_start',
  'negations',
  'thanks',
  'bye',
  'repeat',
  'neg_starts_so_far',
  'agent_apology',
  'agent_failure',
  'agent_empathy',
  'agent_question',
  'agent_log_tokens',
  'agent_repeat',
  'agent_echo',
] as const;

export type SatisfactionHeadName = 'text' | 'affect';

export interface LinearHead {
  bias: number;
  w: number[];
}

export interface SatisfactionHead {
  features: string[];
  mean: number[];
  std: number[];
  /** Ridge regression on the mean rating. */
  rating: LinearHead;
  /** Logistic regression for "dissatisfied" (mean rating < threshold). */
  dissatisfied: LinearHead;
}

export interface SatisfactionModel {
  name: string;
  version: number;
  /** A turn is "dissatisfied" when its mean rating is below this (2.5: rounds to 1 or 2). */
  dissatisfiedBelow: number;
  /** The text model whose readings the weights were trained on. */
  textModel: { name: string; version: number | string };
  heads: Record<SatisfactionHeadName, SatisfactionHead>;
  /** Interaction level: from the turn estimates (mean, min, last, mean of the last three, share dissatisfied, log turns). */
  interaction: SatisfactionHead;
  trainedOn: string[];
}

export const INTERACTION_FEATURES = ['mean_rating', 'min_rating', 'last_rating', 'last3_rating', 'share_dissatisfied', 'log_turns'] as const;

/**
 * Feature vectors of every customer turn of a conversation (in order), for the given head.
 * Only turns before the customer turn are used (a live estimate never looks ahead).
 */
export function turnFeatures(turns: CxTurn[], head: SatisfactionHeadName): { index: number; x: number[] }[] {
  const out: { index: number; x: number[] }[] = [];
  const custVal: number[] = [];
  const custWords: string[][] = [];
  let negStarts = 0;
  let prevAgentWords: string[] | undefined;
  let k = 0;
  for (let i = 0; i < turns.length; i++) {
    const t = turns[i];
    if (t.role !== 'customer') continue;
    // the agent turn(s) since the previous customer turn
    let j = i - 1;
    const agent: CxTurn[] = [];
    while (j >= 0 && turns[j].role === 'agent') agent.unshift(turns[j--]);
    const a = agent.length ? agent : undefined;
    const aVal = a ? a.reduce((s, x) => s + x.valence, 0) / a.length : 0;
    const aStress = a ? a.reduce((s, x) => s + x.stress, 0) / a.length : 0;
    const prevV = custVal.length ? custVal[custVal.length - 1] : t.valence;
    const meanV = custVal.length ? custVal.reduce((s, x) => s + x, 0) / custVal.length : t.valence;
    const minV = custVal.length ? Math.min(...custVal) : t.valence;
    const x: number[] = [
      t.valence,
      t.arousal,
      t.stress,
      ...CORE_LABELS.map((l) => t.emotions[l] ?? 0),
      Math.log1p(k),
      k === 0 ? 1 : 0,
      prevV,
      meanV,
      minV,
      prevV - t.valence,
      aVal,
      aStress,
      a ? 0 : 1,
    ];
    if (head === 'text') {
      const c = t.cues;
      const ac = a?.map((y) => y.cues).filter((y) => !!y) ?? [];
      const sum = (f: (y: NonNullable<CxTurn['cues']>) => number) => ac.reduce((s, y) => s + f(y!), 0);
      const aWords = ac.flatMap((y) => y!.words);
      const repeat = c ? Math.max(0, ...custWords.map((w) => overlap(c.words, w))) : 0;
      x.push(
        ...NUANCES.map((n) => t.nuances?.[n] ?? 0),
        t.sentiment?.negative ?? 0,
        t.sentiment?.positive ?? 0,
        t.confidence,
        Math.log1p(c?.tokens ?? 0),
        Math.min(3, c?.questions ?? 0),
        Math.min(3, c?.exclamations ?? 0),
        c?.negStart ?? 0,
        Math.min(4, c?.negations ?? 0),
        Math.min(3, c?.thanks ?? 0),
        Math.min(2, c?.bye ?? 0),
        repeat,
        Math.log1p(negStarts),
        Math.min(3, sum((y) => y.apology)),
        Math.min(3, sum((y) => y.failure)),
        Math.min(3, sum((y) => y.empathy)),
        Math.min(1, sum((y) => y.questions)),
        Math.log1p(sum((y) => y.tokens)),
        prevAgentWords && aWords.length ? overlap(aWords, prevAgentWords) : 0,
        c && aWords.length ? overlap(c.words, aWords) : 0,
      );
      if (c) {
        negStarts += c.negStart;
        custWords.push(c.words);
      }
      if (aWords.length) prevAgentWords = aWords;
    }
    custVal.push(t.valence);
    out.push({ index: i, x });
    k++;
  }
  return out;
}

export function applyLinear(h: SatisfactionHead, lin: LinearHead, x: number[]): number {
  let z = lin.bias;
  for (let i = 0; i < lin.w.length; i++) z += lin.w[i] * ((x[i] - h.mean[i]) / (h.std[i] || 1));
  return z;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const clampRating = (r: number) => Math.max(1, Math.min(5, r));

export function interactionFeatures(ratings: number[], pDis: number[]): number[] {
  const n = ratings.length;
  const last3 = ratings.slice(-3);
  return [
    ratings.reduce((s, x) => s + x, 0) / n,
    Math.min(...ratings),
    ratings[n - 1],
    last3.reduce((s, x) => s + x, 0) / last3.length,
    pDis.filter((p) => p >= 0.5).length / n,
    Math.log1p(n),
  ];
}

export interface TurnSatisfaction {
  /** Index of the turn in the turn list. */
  turn: number;
  /** Predicted mean rating 1–5. */
  rating: number;
  /** Probability the customer is dissatisfied (rating < 2.5). */
  pDissatisfied: number;
  head: SatisfactionHeadName;
}

/** Predict per customer turn (text head where the turn has text cues, else the affect head) and per interaction. */
export function predictSatisfaction(model: SatisfactionModel, turns: CxTurn[]): { turns: TurnSatisfaction[]; rating?: number; pDissatisfied?: number } {
  const byHead: Record<SatisfactionHeadName, Map<number, number[]>> = {
    text: new Map(turnFeatures(turns, 'text').map((f) => [f.index, f.x])),
    affect: new Map(turnFeatures(turns, 'affect').map((f) => [f.index, f.x])),
  };
  const out: TurnSatisfaction[] = [];
  for (const [i, xa] of byHead.affect) {
    const useText = !!turns[i].cues && turns[i].source === 'text';
    const head: SatisfactionHeadName = useText ? 'text' : 'affect';
    const h = model.heads[head];
    const x = useText ? byHead.text.get(i)! : xa;
    out.push({ turn: i, rating: clampRating(applyLinear(h, h.rating, x)), pDissatisfied: sigmoid(applyLinear(h, h.dissatisfied, x)), head });
  }
  if (!out.length) return { turns: out };
  const xi = interactionFeatures(
    out.map((t) => t.rating),
    out.map((t) => t.pDissatisfied),
  );
  const h = model.interaction;
  return { turns: out, rating: clampRating(applyLinear(h, h.rating, xi)), pDissatisfied: sigmoid(applyLinear(h, h.dissatisfied, xi)) };
}

/** Load models/cx/satisfaction.json (or `path`), checking its shape. */
export function loadSatisfactionModel(path?: string): SatisfactionModel {
  const p = path ?? join(modelPath('cx'), 'satisfaction.json');
  return loadModel({ name: 'cx-satisfaction', path: p }, () => {
    const m = readModelJson<SatisfactionModel>(p, 'satisfaction model', 'run `npm run train:cx` to train it');
    const ok = (h: SatisfactionHead | undefined, n: number) =>
      !!h && h.features?.length === n && h.mean?.length === n && h.std?.length === n && h.rating?.w?.length === n && h.dissatisfied?.w?.length === n;
    if (!ok(m.heads?.text, TEXT_FEATURES.length) || !ok(m.heads?.affect, AFFECT_FEATURES.length) || !ok(m.interaction, INTERACTION_FEATURES.length))
      throw new EmosigError('MODEL_INVALID', 'the satisfaction model does not match this version of emosig (feature lists differ); retrain it with scripts/cx-satisfaction.ts.', { input: p });
    const card = m as unknown as { name?: string; version?: unknown };
    recordModel({ name: 'cx-satisfaction', model: card.name, version: String(card.version ?? '?'), path: p });
    return m;
  });
}
