/**
 * The one place emosig's tunable defaults live: a zod schema with a default and a description per field.
 * `resolveConfig(partial)` validates once and fills the defaults; `DEFAULT_CONFIG` is `resolveConfig({})`;
 * `configOf(options)` lays the API's shorthand options over a partial `config` and resolves them.
 * analyze / createAnalyzer / fuseReadings, createStream, the CLI, batch and the queue worker, the voice reader's
 * segmenter and pauses, and the CX rules read their defaults from here (no literal restated elsewhere). The README's configuration table is generated from the
 * descriptions (`npm run docs:config`).
 */
import { z } from 'zod';
import { EmosigError } from './errors.js';
import { MAX_FACES, MAX_FPS, MAX_INPUT_SIZE, MIN_FPS, MIN_HOP_SEC, MIN_INPUT_SIZE } from './limits.js';

const MODALITIES = ['voice', 'face', 'text'] as const;
/** TinyFaceDetector defaults: face-api's own (inputSize 320, scoreThreshold 0.3; bench/face-parity.ts) and detect.ts's cap of 20 faces. */
const DEFAULT_INPUT_SIZE = 320;
const DEFAULT_MIN_SCORE = 0.3;
const DEFAULT_MAX_FACES = 20;

export const EmosigConfigSchema = z
  .object({
    call: z
      .object({
        speakers: z
          .array(z.string().trim().min(1).max(200))
          .min(1)
          .max(64)
          .default(['customer', 'agent'])
          .refine((a) => new Set(a.map((x) => x.toLowerCase())).size === a.length, { message: 'speaker names must differ (case-insensitively)' })
          .describe('Speaker names in audio-channel order; the first is the customer.'),
        consent: z
          .object(Object.fromEntries(MODALITIES.map((m) => [m, z.boolean().default(true)])) as Record<(typeof MODALITIES)[number], z.ZodDefault<z.ZodBoolean>>)
          .strict()
          .prefault({})
          .describe('Per-modality consent (voice, face, text); false means that input is not decoded at all.'),
      })
      .strict()
      .prefault({})
      .describe('Who is on the call and what they consented to.'),
    voice: z
      .object({
        personalBaseline: z.boolean().default(true).describe("Judge each segment against the speaker's own baseline when there is enough speech."),
        minPauseSec: z.number().positive().max(3600).default(0.5).describe("Gaps of at least this length (s) between anyone's speech are listed as the voice reading's pauses."),
        vad: z
          .object({
            threshold: z.number().gt(0).lt(1).default(0.5).describe('Speech starts when the Silero speech probability reaches this.'),
            negThreshold: z.number().gt(0).lt(1).optional().describe('Speech may end when the probability falls below this (unset: threshold − 0.15).'),
            minSpeechMs: z.number().min(0).max(10_000).default(250).describe('Speech shorter than this (ms) is dropped.'),
            minSilenceMs: z.number().min(0).max(10_000).default(300).describe('Silence must last this long (ms) to end a segment (hangover).'),
            speechPadMs: z.number().min(0).max(2000).default(60).describe('Padding (ms) added to each side of a segment.'),
            maxSegmentSec: z.number().min(1).max(60).default(15).describe('Longer speech is split into segments of at most this length (s).'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({})
      .describe('Voice segmentation and scoring.'),
    face: z
      .object({
        fps: z.number().min(MIN_FPS).max(MAX_FPS).default(5).describe('Frames per second sampled from a video, and the clock of a frame folder.'),
        minScore: z.number().min(0).max(1).default(DEFAULT_MIN_SCORE).describe('Face detector score a face must exceed (lower finds more small or turned faces, and more false ones).'),
        inputSize: z
          .number()
          .int()
          .min(MIN_INPUT_SIZE)
          .max(MAX_INPUT_SIZE)
          .multipleOf(32, `must be a multiple of 32 from ${MIN_INPUT_SIZE} to ${MAX_INPUT_SIZE} (e.g. 224, 320, 416)`)
          .default(DEFAULT_INPUT_SIZE)
          .describe('Side (px, multiple of 32) the frame is scaled to for face detection: larger finds smaller faces (gallery views) and costs time.'),
        maxFaces: z.number().int().min(1).max(MAX_FACES).default(DEFAULT_MAX_FACES).describe('Faces classified per frame, highest detector score first.'),
      })
      .strict()
      .prefault({})
      .describe('Face sampling.'),
    text: z
      .object({
        keepText: z.boolean().default(false).describe('Keep chat message text in the signature (audio and frames are never kept).'),
        context: z.boolean().optional().describe("Read each message with the previous two of its conversation (unset: the text model's own default, off for v2)."),
      })
      .strict()
      .prefault({})
      .describe('Chat handling.'),
    window: z
      .object({
        size: z.number().positive().max(600).default(2).describe('Fusion window length in seconds: the timeline has one entry per speaker and window.'),
        hop: z.number().min(MIN_HOP_SEC).default(1).describe('Seconds between window starts (≤ window.size; live streams need ≥ 0.25).'),
      })
      .strict()
      .prefault({})
      .refine((w) => w.hop <= w.size, { message: 'window.hop must not exceed window.size' })
      .describe('Time windows of the fused timeline.'),
    fusion: z
      .object({
        longPauseSec: z.number().positive().default(2).describe("A silence at least this long (s) is a 'long-pause' moment and can count as a silence after the other party."),
        stressedAt: z.number().positive().max(1).default(0.55).describe('Window stress at or above this counts as stressed (stress spikes, stressed share).'),
        escalationThreshold: z.number().positive().max(1).default(0.6).describe("A live stream emits an 'escalation' event when a speaker's score reaches this (re-armed 0.1 below)."),
      })
      .strict()
      .prefault({})
      .describe('Thresholds of the moments and escalation rules (docs/fusion.md).'),
    stream: z
      .object({
        highWaterMarkSec: z.number().positive().max(3600).default(2).describe('pushAudio returns false once this many seconds of audio wait to be processed.'),
        maxQueueSec: z.number().positive().max(3600).default(30).describe('Audio queued beyond this many seconds is refused with STREAM_OVERFLOW.'),
        maxPendingFrames: z.number().int().min(1).max(10_000).default(1).describe('Frames waiting for the face model beyond this are dropped (oldest first).'),
      })
      .strict()
      .prefault({})
      .refine((s) => s.highWaterMarkSec <= s.maxQueueSec, { message: 'stream.highWaterMarkSec must not exceed stream.maxQueueSec' })
      .describe('Limits of a live stream (back-pressure and bounded memory).'),
  })
  .strict();

/** A fully resolved configuration (every field present). */
export type EmosigConfig = z.output<typeof EmosigConfigSchema>;
/** What a caller may pass: any subset of the fields. */
export type EmosigConfigInput = z.input<typeof EmosigConfigSchema>;

/** Validate a partial configuration once and fill in the defaults; invalid input → EmosigError INVALID_OPTIONS. */
export function resolveConfig(input: EmosigConfigInput = {}, origin = 'config'): EmosigConfig {
  const r = EmosigConfigSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const what = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new EmosigError('INVALID_OPTIONS', `invalid emosig configuration — ${what}; see the README's configuration table for each field`, { input: origin });
}

/** The defaults (resolveConfig({})). */
export const DEFAULT_CONFIG: EmosigConfig = resolveConfig({});

/** A default as the README's table prints it (JSON; an unset optional field as —). */
export function formatDefault(v: unknown): string {
  return v === undefined ? '—' : JSON.stringify(v);
}

/** One row per leaf field: path, default and description (what the README's table is generated from). */
export function configFields(): { path: string; default: unknown; description: string }[] {
  const rows: { path: string; default: unknown; description: string }[] = [];
  const walk = (schema: z.ZodObject, value: Record<string, unknown>, prefix: string, parentDescription: string) => {
    for (const [k, f] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const inner = unwrap(f);
      const children = inner instanceof z.ZodObject ? Object.values(inner.shape as Record<string, z.ZodType>) : [];
      // an object whose fields are documented one by one is expanded; one documented as a whole (consent) is one row
      if (children.some((x) => x.description || unwrap(x) instanceof z.ZodObject)) walk(inner as z.ZodObject, value[k] as Record<string, unknown>, `${prefix}${k}.`, f.description ?? '');
      else rows.push({ path: `${prefix}${k}`, default: value[k], description: f.description ?? parentDescription });
    }
  };
  walk(EmosigConfigSchema, DEFAULT_CONFIG as unknown as Record<string, unknown>, '', '');
  return rows;
}

/**
 * The shorthand options analyze / createAnalyzer / createStream / the CLI take (`speakers`, `consent`, `window`,
 * `fps`, `longPauseSec`, `keepText`, `vad`…) laid over a partial `config`, then resolved once.
 */
export interface ConfigShorthand {
  config?: EmosigConfigInput;
  speakers?: string[];
  consent?: Partial<Record<'voice' | 'face' | 'text', boolean>>;
  window?: { size?: number; hop?: number };
  fps?: number;
  longPauseSec?: number;
  stressedAt?: number;
  escalationThreshold?: number;
  keepText?: boolean;
}

export function configOf(o: ConfigShorthand, origin: string, extra: EmosigConfigInput = {}): EmosigConfig {
  const shorthand = {
    call: { speakers: o.speakers, consent: o.consent },
    window: o.window,
    fusion: { longPauseSec: o.longPauseSec, stressedAt: o.stressedAt, escalationThreshold: o.escalationThreshold },
    face: { fps: o.fps },
    text: { keepText: o.keepText },
  };
  return resolveConfig(mergeConfigs(o.config, extra, shorthand as EmosigConfigInput), origin);
}

/** Partial configurations laid over each other, later over earlier, field by field (undefined fields do not count). */
export function mergeConfigs(...layers: (EmosigConfigInput | undefined)[]): EmosigConfigInput {
  const plain = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) if (v !== undefined) out[k] = plain(v) && plain(out[k]) ? merge(out[k] as Record<string, unknown>, v) : v;
    return out;
  };
  return layers.reduce<Record<string, unknown>>((acc, l) => (plain(l) ? merge(acc, l) : acc), {}) as EmosigConfigInput;
}

function unwrap(s: z.ZodType): z.ZodType {
  let x: z.ZodType = s;
  for (let i = 0; i < 5 && !(x instanceof z.ZodObject); i++) {
    const def = (x as unknown as { def: { innerType?: z.ZodType; in?: z.ZodType; schema?: z.ZodType } }).def;
    x = def.innerType ?? def.in ?? def.schema ?? x;
  }
  return x;
}
