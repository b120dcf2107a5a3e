/**
 * The one place emosig's tunable defaults live: a zod schema with a default and a description per field.
 * `resolveConfig(partial)` validates once and fills the defaults; `DEFAULT_CONFIG` is `resolveConfig({})`.
 * analyze / createAnalyzer / fuseReadings, createStream, the CX rules and the batch task read their defaults
 * from here (no literal restated elsewhere). The README's configuration table is generated from the
 * descriptions (`npm run docs:config`).
 */
import { z } from 'zod';
import { EmosigError } from './errors.js';
import { MIN_HOP_SEC } from './limits.js';

export const EmosigConfigSchema = z
  .object({
    window: z
      .object({
        size: z.number().positive().max(600).default(2).describe('Fusion window length in seconds: the timeline has one entry per speaker and window.'),
        hop: z.number().min(MIN_HOP_SEC).default(1).describe('Seconds between window starts (≤ window.size; live streams need ≥ 0.25).'),
      })
      .prefault({})
      .refine((w) => w.hop <= w.size, { message: 'window.hop must not exceed window.size' })
      .describe('Time windows of the fused timeline.'),
    fusion: z
      .object({
        longPauseSec: z.number().positive().default(2).describe("A silence at least this long (s) is a 'long-pause' moment and can count as a silence after the other party."),
        stressedAt: z.number().positive().max(1).default(0.55).describe('Window stress at or above this counts as stressed (stress spikes, stressed share).'),
        escalationThreshold: z.number().positive().max(1).default(0.6).describe("A live stream emits an 'escalation' event when a speaker's score reaches this (re-armed 0.1 below)."),
      })
      .prefault({})
      .describe('Thresholds of the moments and escalation rules (docs/fusion.md).'),
    stream: z
      .object({
        highWaterMarkSec: z.number().positive().max(3600).default(2).describe('pushAudio returns false once this many seconds of audio wait to be processed.'),
        maxQueueSec: z.number().positive().max(3600).default(30).describe('Audio queued beyond this many seconds is refused with STREAM_OVERFLOW.'),
        maxPendingFrames: z.number().int().min(1).max(10_000).default(1).describe('Frames waiting for the face model beyond this are dropped (oldest first).'),
      })
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

/** One row per leaf field: path, default and description (what the README's table is generated from). */
export function configFields(): { path: string; default: unknown; description: string }[] {
  const rows: { path: string; default: unknown; description: string }[] = [];
  const shape = EmosigConfigSchema.shape as Record<string, z.ZodType>;
  for (const [group, schema] of Object.entries(shape)) {
    const inner = unwrap(schema) as z.ZodObject;
    for (const [k, f] of Object.entries(inner.shape as Record<string, z.ZodType>))
      rows.push({ path: `${group}.${k}`, default: (DEFAULT_CONFIG as Record<string, Record<string, unknown>>)[group][k], description: f.description ?? '' });
  }
  return rows;
}

function unwrap(s: z.ZodType): z.ZodType {
  let x: z.ZodType = s;
  for (let i = 0; i < 5 && !(x instanceof z.ZodObject); i++) {
    const def = (x as unknown as { def: { innerType?: z.ZodType; in?: z.ZodType; schema?: z.ZodType } }).def;
    x = def.innerType ?? def.in ?? def.schema ?? x;
  }
  return x;
}
