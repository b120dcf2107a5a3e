/**
 * The optional `cx` block of the signature (schema 1.1): satisfaction estimate, micro-moment impact,
 * conversation depth index, talk behaviours and temperament/routing. Computed by src/cx (docs/cx.md).
 */
import { z } from 'zod';

const prob = z.number().min(0).max(1);
const signed = z.number().min(-1).max(1);
const rating = z.number().min(1).max(5);

export const CX_MOMENT_KIND_VALUES = [
  'agent-apology',
  'agent-empathy',
  'agent-reply',
  'agent-silence',
  'interruption',
  'customer-repeat',
  'stress-spike',
  'emotion-shift',
  'peak',
  'long-pause',
  'micro-expression',
  'incongruence',
] as const;

export const CxTurnSatisfactionSchema = z
  .object({
    order: z.number().int().min(0).describe('Position of the customer turn among all turns used (0-based).'),
    time: z.number().optional().describe('Time of the turn on the interaction clock (s), when it has one.'),
    speaker: z.string(),
    rating: rating.describe('Predicted satisfaction 1–5 (the mean rating raters would give after this turn).'),
    pDissatisfied: prob.describe('Probability the customer is dissatisfied (mean rating < 2.5).'),
    head: z.enum(['text', 'affect']).describe("'text': the words and dialogue cues; 'affect': affect only (voice turns)."),
  })
  .strict();

export const CxImpactSchema = z
  .object({
    time: z.number().describe('Start of the moment (s, or the turn number for chat without a clock).'),
    end: z.number().optional(),
    kind: z.enum(CX_MOMENT_KIND_VALUES),
    actor: z.string().describe('Who did it: the agent for agent behaviours, the interrupter, the speaker of a signature moment.'),
    moment: z.number().int().min(0).optional().describe('Index into `moments` when the moment comes from there.'),
    delta: z
      .object({ valence: z.number(), stress: z.number(), escalation: z.number().optional(), dissatisfaction: z.number().optional() })
      .strict()
      .describe("The customer's change after the moment minus what their trend before it predicted (valence, stress, escalation), and the change of their predicted P(dissatisfied) from their last turn before to their first turn after."),
    before: z.object({ valence: signed, stress: prob }).strict(),
    after: z.object({ valence: signed, stress: prob }).strict(),
    impact: signed.describe('> 0 helped (the customer got better than expected), < 0 hurt.'),
    effect: z.enum(['helped', 'hurt', 'none']),
    confidence: prob,
    evidence: z.string(),
  })
  .strict();

const RankedSchema = z
  .object({ kind: z.enum(CX_MOMENT_KIND_VALUES), time: z.number(), actor: z.string(), impact: signed, evidence: z.string() })
  .strict();

const DepthPartSchema = z
  .object({
    score: prob.optional(),
    weight: prob.describe('Weight in the index (renormalised over the available parts).'),
    value: z.number().optional(),
    unit: z.string(),
    available: z.boolean(),
    detail: z.string(),
  })
  .strict();

export const CxDepthSchema = z
  .object({
    score: prob.describe('Conversation depth index 0–1: weighted mean of the available parts.'),
    parts: z
      .object({
        turnTaking: DepthPartSchema,
        customerShare: DepthPartSchema,
        questionAnswer: DepthPartSchema,
        topicPersistence: DepthPartSchema,
        responseLatency: DepthPartSchema,
        emotionalRange: DepthPartSchema,
      })
      .strict(),
  })
  .strict();

const SuggestSchema = z.enum(['human-senior', 'human', 'automated']);

export const CxTemperamentSchema = z
  .object({
    basis: z.enum(['interaction', 'profile']).describe("'profile': merged with the caller's stored profile (only with consent)."),
    interactions: z.number().int().min(1),
    baselineArousal: signed,
    volatility: prob,
    recovery: z.object({ value: z.number().min(0), unit: z.enum(['seconds', 'turns']) }).strict().optional(),
    unrecoveredShare: prob.optional(),
    pace: z.object({ preferred: z.enum(['fast', 'moderate', 'slow']), replyLatencySec: z.number().min(0).optional() }).strict(),
    routing: z
      .object({
        suggest: SuggestSchema,
        reasons: z.array(z.object({ code: z.string(), suggests: SuggestSchema, text: z.string() }).strict()),
      })
      .strict(),
    stored: z.boolean().describe('Whether this interaction was added to the stored profile (consent and a store were given).'),
  })
  .strict();

export const CxSchema = z
  .object({
    customer: z.string(),
    satisfaction: z
      .object({
        model: z.string(),
        rating: rating.describe('Predicted satisfaction of the interaction, 1–5.'),
        pDissatisfied: prob,
        turns: z.array(CxTurnSatisfactionSchema),
      })
      .strict()
      .optional()
      .describe('Absent when the customer has no turns or the model is missing.'),
    impact: z
      .object({
        moments: z.array(CxImpactSchema).describe('Every moment with enough trajectory around it, most helpful first.'),
        helped: z.array(RankedSchema).describe('Up to 3 moments that helped most.'),
        hurt: z.array(RankedSchema).describe('Up to 3 moments that hurt most.'),
      })
      .strict(),
    depth: CxDepthSchema,
    talk: z
      .object({
        customerShare: prob.optional().describe('Customer share of speech time (voice) or of words (chat).'),
        interruptions: z.record(z.string(), z.number().int().min(0)).describe('Interruptions (talking over the other) by speaker.'),
        longSilences: z.number().int().min(0),
        agentApologies: z.number().int().min(0),
        agentEmpathy: z.number().int().min(0),
        slowReplies: z.number().int().min(0),
      })
      .strict(),
    temperament: CxTemperamentSchema.optional(),
  })
  .strict();

export type CxBlock = z.infer<typeof CxSchema>;
