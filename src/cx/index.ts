/**
 * CX metrics for one interaction, from its signature and the modalities' readings: the signature's `cx` block
 * (satisfaction estimate, micro-moment impact, conversation depth index, talk behaviours, temperament and a
 * routing hint). See docs/cx.md.
 */
import { EmosigError, errorInfo } from '../errors.js';
import type { EmotionalSignature } from '../signature/schema.js';
import type { CxBlock } from '../signature/cx-schema.js';
import { conversation, type CxReadings } from './build.js';
import { depthIndex } from './depth.js';
import { momentImpacts, rankMoments, type ImpactOptions } from './impact.js';
import { loadSatisfactionModel, predictSatisfaction, type SatisfactionModel } from './satisfaction.js';
import { mergeProfile, observe, temperament } from './temperament.js';
import { profileKey, resolveStore, type ProfileStore } from './store.js';

export { conversation, type CxReadings, type ConversationModel } from './build.js';
export { depthIndex, DEPTH_PARTS, DEPTH_WEIGHTS, type DepthIndex, type DepthPart } from './depth.js';
export { momentImpacts, rankMoments, detectBehaviours, CX_MOMENT_KINDS, type MomentImpact, type CxMomentKind, type ImpactOptions } from './impact.js';
export { loadSatisfactionModel, predictSatisfaction, turnFeatures, TEXT_FEATURES, AFFECT_FEATURES, type SatisfactionModel, type TurnSatisfaction } from './satisfaction.js';
export { temperament, observe, mergeProfile, type Temperament, type RoutingSuggestion, type RoutingReason } from './temperament.js';
export { jsonFileStore, deleteProfile, readProfile, profileKey, type ProfileStore, type TemperamentProfile, type TemperamentObservation } from './store.js';
export { textCues, textTurn, type CxTurn, type TextCues } from './turns.js';

export interface CxOptions {
  /** Compute the cx block (default true). */
  enabled?: boolean;
  /** Temperament profile across interactions — read and written only when `consent` is true. */
  profile?: {
    /** Your id for the customer; the store keeps only a hash of it. */
    callerId: string;
    /** The customer agreed to a stored profile. Without it nothing is read or kept. */
    consent: boolean;
    /** A JSON file path (the default store) or your own `ProfileStore`. */
    store: string | ProfileStore;
  };
  /** Path of a satisfaction model (default models/cx/satisfaction.json). */
  satisfactionModel?: string;
  impact?: ImpactOptions;
}

/** Check `cx` options; throws INVALID_OPTIONS naming the problem. */
export function checkCxOptions(o: unknown): asserts o is CxOptions | undefined {
  if (o === undefined) return;
  const bad = (m: string) => {
    throw new EmosigError('INVALID_OPTIONS', `cx: ${m}`);
  };
  if (!o || typeof o !== 'object') bad('expected an object { profile?, enabled?, satisfactionModel?, impact? }');
  const x = o as CxOptions;
  if (x.enabled !== undefined && typeof x.enabled !== 'boolean') bad('enabled must be true or false');
  if (x.profile !== undefined) {
    if (!x.profile || typeof x.profile !== 'object') bad('profile must be { callerId, consent, store }');
    if (typeof x.profile.callerId !== 'string' || !x.profile.callerId.trim()) bad('profile.callerId must be a non-empty string');
    if (typeof x.profile.consent !== 'boolean') bad('profile.consent must be true or false (true only when the customer agreed to a stored profile)');
    if (x.profile.consent) resolveStore(x.profile.store);
  }
  if (x.impact?.windowSec !== undefined && !(x.impact.windowSec > 0 && x.impact.windowSec <= 600)) bad(`impact.windowSec must be in (0, 600] (got ${x.impact.windowSec})`);
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The cx block of a signature. `readings`: the voice and text readings the signature was fused from;
 * `texts`: message texts by reading index (used in memory for cues, never stored).
 */
export async function computeCx(sig: EmotionalSignature, readings: CxReadings, options: CxOptions = {}, texts?: (string | undefined)[]): Promise<CxBlock> {
  checkCxOptions(options);
  const conv = conversation(sig, readings, texts);
  const problems = sig.interaction.problems;

  // satisfaction: the chat turns when the customer typed, else the voice turns
  let model: SatisfactionModel | undefined;
  try {
    model = loadSatisfactionModel(options.satisfactionModel);
  } catch (e) {
    problems.push({ code: 'CX_MODEL_MISSING', message: e instanceof Error ? e.message : String(e) });
  }
  const turns = conv.chat.some((t) => t.role === 'customer') ? conv.chat : conv.voice;
  let satisfaction: CxBlock['satisfaction'];
  if (model && turns.some((t) => t.role === 'customer')) {
    const textModel = sig.interaction.models.find((m) => m.modality === 'text');
    if (textModel && (textModel.name !== model.textModel.name || textModel.version !== String(model.textModel.version)))
      problems.push({
        code: 'CX_MODEL_MISMATCH',
        message: `the satisfaction model was trained on text model ${model.textModel.name} v${model.textModel.version}, this signature used ${textModel.name} v${textModel.version}; retrain it (scripts/cx-satisfaction.ts)`,
      });
    const p = predictSatisfaction(model, turns);
    satisfaction = {
      model: `${model.name} v${model.version}`,
      rating: r3(p.rating!),
      pDissatisfied: r3(p.pDissatisfied!),
      turns: p.turns.map((t) => ({
        order: t.turn,
        ...(turns[t.turn].start !== undefined ? { time: r3(turns[t.turn].start!) } : {}),
        speaker: turns[t.turn].speaker,
        rating: r3(t.rating),
        pDissatisfied: r3(t.pDissatisfied),
        head: t.head,
      })),
    };
  }

  // impact
  const wins = sig.timeline.filter((w) => w.speaker === conv.customer);
  const dis = satisfaction ? satisfaction.turns.map((t) => ({ t: conv.timed ? t.time ?? NaN : t.order, p: t.pDissatisfied })).filter((d) => Number.isFinite(d.t)) : [];
  const impacts = momentImpacts(conv, readings, sig.moments, wins, options.impact, turns === conv.chat ? dis : conv.timed ? dis : []);
  const rank = (xs: typeof impacts) => rankMoments(xs).map((m) => ({ kind: m.kind, time: m.time, actor: m.actor, impact: m.impact, evidence: m.evidence }));
  // the ranking names what happened to the customer (the agent's behaviour and displays, silences, the agent's
  // interruptions), not the customer's own moments, which are the outcome being measured (they stay in `moments`)
  const rankable = impacts.filter((m) => m.actor !== conv.customer || m.kind === 'long-pause');
  const helped = rank(rankable.filter((m) => m.effect === 'helped'));
  const hurt = rank(rankable.filter((m) => m.effect === 'hurt').reverse());

  // talk behaviours
  const depth = depthIndex(conv);
  const interruptions: Record<string, number> = {};
  for (const m of impacts) if (m.kind === 'interruption') interruptions[m.actor] = (interruptions[m.actor] ?? 0) + 1;
  const agentTurns = conv.chat.filter((t) => t.role === 'agent' && t.cues);
  const share = depth.parts.customerShare.available ? depth.parts.customerShare.value : undefined;
  const talk: CxBlock['talk'] = {
    ...(share !== undefined ? { customerShare: share } : {}),
    interruptions,
    longSilences: sig.moments.filter((m) => m.kind === 'long-pause').length,
    agentApologies: agentTurns.filter((t) => t.cues!.apology > 0).length,
    agentEmpathy: agentTurns.filter((t) => t.cues!.empathy > 0).length,
    slowReplies: impacts.filter((m) => m.kind === 'agent-silence').length,
  };

  // temperament (+ stored profile with consent)
  const escalation = sig.speakers[conv.customer]?.summary.escalation.score ?? 0;
  let temper: CxBlock['temperament'];
  if (conv.trajectory.length >= 1) {
    const obs = observe(conv, escalation, satisfaction?.rating);
    const now = { escalation, pDissatisfied: satisfaction?.pDissatisfied, voiceOnly: !conv.chat.length };
    const prof = options.profile;
    temper = temperament([obs], now, 'interaction', false, 1);
    if (prof?.consent) {
      try {
        const store = resolveStore(prof.store)!;
        const key = profileKey(prof.callerId);
        const merged = mergeProfile(await store.get(key), obs);
        await store.set(key, merged);
        temper = temperament(merged.history, now, merged.interactions > 1 ? 'profile' : 'interaction', true, merged.interactions);
      } catch (e) {
        // the analysis stands; the profile was not read or updated (the error names the store, never the caller id)
        const info = errorInfo(e);
        problems.push({ code: 'CX_PROFILE_FAILED', message: `the temperament profile was not updated: ${info.code}: ${info.message}` });
      }
    }
  }

  return {
    customer: conv.customer,
    ...(satisfaction ? { satisfaction } : {}),
    impact: { moments: impacts, helped, hurt },
    depth,
    talk,
    ...(temper ? { temperament: temper } : {}),
  };
}
