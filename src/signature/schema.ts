/**
 * The emotional signature of one interaction — emosig's public contract, defined once here with zod.
 * `schema/signature.v1.json` is generated from `SignatureSchema` by `scripts/fusion-schema.ts` and shipped
 * in the package as `emosig/schema/signature.v1.json`; a test checks the committed file equals the generated one.
 */
import { z } from 'zod';
import { CORE_LABELS } from './labels.js';
import { CxSchema } from './cx-schema.js';
import type { EmotionalSignature, SignatureWindow, SignatureMoment, SpeakerSignature, ModalityStatus, SignatureProblem, Contribution, Nuance, Modality } from './types.js';

export type { EmotionalSignature, SignatureWindow, SignatureMoment, SpeakerSignature, ModalityStatus, SignatureProblem, Contribution, Nuance, Modality };
export type { ModelInfo, SpeakerInfo, MomentKind, AbsentReason, ValenceArousalStress } from './types.js';

/** 1.1 adds the optional `cx` block (docs/cx.md); a 1.0 signature is a valid 1.1 one without it. */
export const SCHEMA_VERSION = '1.1' as const;

const prob = z.number().min(0).max(1);
const signed = z.number().min(-1).max(1);
const seconds = z.number().min(0);

export const CoreLabelSchema = z.enum(CORE_LABELS).describe('One of the core emotion labels.');

export const EmotionsSchema = z
  .object(Object.fromEntries(CORE_LABELS.map((l) => [l, prob])) as Record<(typeof CORE_LABELS)[number], typeof prob>)
  .strict()
  .describe('Probabilities over the core labels; they sum to 1.');

export const MODALITIES = ['voice', 'face', 'text'] as const;
export const ModalitySchema = z.enum(MODALITIES);

export const ABSENT_REASONS = ['not-given', 'no-consent', 'no-speech', 'no-face', 'no-messages', 'unusable'] as const;

export const ModalityStatusSchema = z
  .object({
    present: z.boolean().describe('True when this modality contributed to the signature.'),
    reason: z.enum(ABSENT_REASONS).optional().describe('Why the modality is absent (only when present is false).'),
    detail: z.string().optional().describe('Human-readable detail about the reason or the input.'),
    source: z.string().optional().describe('The file the modality was read from (never its content).'),
    offsetSec: z.number().describe('Clock offset applied to this modality (seconds added to its times).'),
    span: z.object({ start: z.number(), end: z.number() }).strict().optional().describe('Time span covered by the readings, after the offset.'),
    items: z.number().int().min(0).optional().describe('Voice segments, face frames with a face, or chat messages used.'),
  })
  .strict();

export const ModelInfoSchema = z
  .object({
    modality: ModalitySchema,
    name: z.string(),
    version: z.string(),
    backend: z.string(),
    license: z.string().optional().describe('Licence of the model, e.g. research-only when its training data allow no commercial use.'),
  })
  .strict();

export const ProblemSchema = z
  .object({
    code: z.string().describe('Stable code, e.g. AUDIO_TRUNCATED, CHAT_OUTSIDE_SPAN, LENGTH_MISMATCH.'),
    modality: ModalitySchema.optional(),
    message: z.string(),
  })
  .strict();

export const SpeakerInfoSchema = z
  .object({
    name: z.string(),
    role: z.enum(['customer', 'agent', 'other']),
    channel: z.number().int().min(0).optional().describe('Audio channel of this speaker, when the audio has one per speaker.'),
    modalities: z.array(ModalitySchema).describe('Modalities that carry this speaker.'),
  })
  .strict();

export const ContributionSchema = z
  .object({
    emotions: EmotionsSchema.describe("The modality's own (calibrated) reading in this window."),
    valence: signed,
    arousal: signed,
    confidence: prob.describe("The modality's own confidence/quality in this window."),
    weight: prob.describe('Share of the fused evidence this modality got in this window (weights sum to 1).'),
    items: z.number().int().min(1).describe('Readings (segments, frames, messages) that fell in the window.'),
  })
  .strict();

export const WindowSchema = z
  .object({
    speaker: z.string(),
    start: seconds,
    end: seconds,
    emotions: EmotionsSchema,
    dominant: CoreLabelSchema,
    valence: signed,
    arousal: signed,
    stress: prob,
    confidence: prob,
    contributions: z
      .object({ voice: ContributionSchema.optional(), face: ContributionSchema.optional(), text: ContributionSchema.optional() })
      .strict(),
  })
  .strict();

export const MOMENT_KINDS = ['stress-spike', 'emotion-shift', 'peak', 'long-pause', 'micro-expression', 'incongruence'] as const;

export const MomentSchema = z
  .object({
    time: seconds,
    end: seconds.optional(),
    speaker: z.string(),
    kind: z.enum(MOMENT_KINDS),
    label: CoreLabelSchema.optional(),
    strength: prob.describe('How strong the moment is, 0…1 (kind-specific, see docs).'),
    modalities: z.array(ModalitySchema).describe('Modalities that produced the evidence.'),
    evidence: z.string().describe('Human-readable evidence.'),
  })
  .strict();

const VasSchema = z.object({ valence: signed, arousal: signed, stress: prob }).strict();

export const SpeakerSignatureSchema = z
  .object({
    emotions: EmotionsSchema.describe('Interaction-level fused mix over the core labels.'),
    dominant: CoreLabelSchema,
    confidence: prob,
    modalities: z
      .object({
        voice: z.object({ emotions: EmotionsSchema, weight: prob }).strict().optional(),
        face: z.object({ emotions: EmotionsSchema, weight: prob }).strict().optional(),
        text: z.object({ emotions: EmotionsSchema, weight: prob }).strict().optional(),
      })
      .strict()
      .describe("Each present modality's own interaction-level mix and the weight it got in the fused mix."),
    summary: z
      .object({
        mean: VasSchema,
        peak: z.object({ stress: prob, stressAt: seconds, arousal: signed, arousalAt: seconds, lowestValence: signed, lowestValenceAt: seconds }).strict(),
        end: VasSchema.extend({ dominant: CoreLabelSchema }).describe('State over the last windows (peak-end rule).'),
        trend: VasSchema.extend({ stress: z.number().min(-1).max(1) })
          .describe('Last third minus first third of the windows (positive stress = rising).'),
        dominant: CoreLabelSchema,
        stressedShare: prob.describe('Share of the windows with stress ≥ the stressed threshold.'),
        windows: z.number().int().min(0),
        escalation: z
          .object({
            score: prob,
            reasons: z.array(z.object({ code: z.string(), weight: prob, text: z.string() }).strict()),
          })
          .strict(),
      })
      .strict(),
  })
  .strict();

export const NuanceSchema = z
  .object({
    speaker: z.string(),
    source: z.enum(['text', 'voice']),
    label: z.string(),
    score: prob,
    evidence: z.string(),
  })
  .strict();

export const SignatureSchema = z
  .object({
    schemaVersion: z.enum(['1.0', SCHEMA_VERSION]).describe("'1.1' (this version) or '1.0' (before the cx block; still readable)."),
    generator: z.object({ name: z.literal('emosig'), version: z.string(), createdAt: z.string() }).strict(),
    interaction: z
      .object({
        durationSec: seconds,
        modalities: z.object({ voice: ModalityStatusSchema, face: ModalityStatusSchema, text: ModalityStatusSchema }).strict(),
        speakers: z.array(SpeakerInfoSchema),
        models: z.array(ModelInfoSchema),
        fusion: z
          .object({
            method: z.string(),
            reliability: z.string().describe('Version of the learned reliability file used.'),
            windowSec: z.number().positive(),
            hopSec: z.number().positive(),
          })
          .strict(),
        problems: z.array(ProblemSchema),
        kept: z
          .object({ audio: z.literal(false), frames: z.literal(false), text: z.boolean() })
          .strict()
          .describe('What raw content the signature holds: never audio or frames; message text only when asked.'),
      })
      .strict(),
    timeline: z.array(WindowSchema),
    moments: z.array(MomentSchema),
    speakers: z.record(z.string(), SpeakerSignatureSchema),
    nuances: z.array(NuanceSchema),
    messages: z
      .array(z.object({ time: z.number().optional(), speaker: z.string(), text: z.string() }).strict())
      .optional()
      .describe('Chat message text, only when the caller asked to keep it.'),
    cx: CxSchema.optional().describe('CX metrics (schema 1.1): satisfaction estimate, micro-moment impact, depth index, temperament and routing.'),
  })
  .strict();

// The named, documented interfaces (src/signature/types.ts) are what users see; these checks fail to compile
// when they and the schema drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? (Required<Deep<A>> extends Required<Deep<B>> ? (Required<Deep<B>> extends Required<Deep<A>> ? true : false) : false) : false) : false;
// every optional field made required, so that an optional field on one side only is a difference too
type Deep<T> = T extends readonly (infer U)[] ? Deep<U>[] : T extends object ? { [K in keyof T]-?: Deep<Exclude<T[K], undefined>> } : T;
const sameTypes: [
  Same<EmotionalSignature, z.infer<typeof SignatureSchema>>,
  Same<SignatureWindow, z.infer<typeof WindowSchema>>,
  Same<SignatureMoment, z.infer<typeof MomentSchema>>,
  Same<SpeakerSignature, z.infer<typeof SpeakerSignatureSchema>>,
  Same<ModalityStatus, z.infer<typeof ModalityStatusSchema>>,
  Same<SignatureProblem, z.infer<typeof ProblemSchema>>,
  Same<Contribution, z.infer<typeof ContributionSchema>>,
  Same<Nuance, z.infer<typeof NuanceSchema>>,
  Same<Modality, z.infer<typeof ModalitySchema>>,
] = [true, true, true, true, true, true, true, true, true];
void sameTypes;
export { CxSchema, type CxBlock } from './cx-schema.js';

/** The JSON Schema (draft 2020-12) of the signature, as shipped in `schema/signature.v2.json` (v1.json: the 1.0 schema, kept for old consumers). */
export function signatureJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(SignatureSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: s.$schema,
    $id: 'urn:emosig:schema:signature:v2',
    title: 'emosig emotional signature v2 (schemaVersion 1.1)',
    description:
      'One time-aligned emotional signature of a customer interaction (voice, face and chat fused). Generated from src/signature/schema.ts by scripts/fusion-schema.ts.',
    ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$schema')),
  };
}

/** Validate a signature; throws a ZodError describing every problem. */
export function parseSignature(x: unknown): EmotionalSignature {
  const sig = SignatureSchema.parse(x);
  // zod's record drops a '__proto__' key; speakers are user-named, so rebuild them as a null-prototype map
  const raw = (x as { speakers: Record<string, unknown> }).speakers;
  const speakers = Object.create(null) as Record<string, SpeakerSignature>;
  for (const k of Object.keys(raw)) speakers[k] = SpeakerSignatureSchema.parse(raw[k]);
  sig.speakers = speakers;
  return sig as EmotionalSignature;
}
