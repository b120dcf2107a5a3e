/**
 * Argument checks for the public API entry points (zod): a wrong type anywhere is one `INVALID_OPTIONS`
 * error naming the field (e.g. `options.inputSize`, `input.samples`), instead of a TypeError from deep inside.
 * Option objects are checked field by field for the fields we know; unknown fields are left alone.
 */
import { z } from 'zod';
import { EmosigError } from '../errors.js';
import { MAX_FACES, MAX_FPS, MAX_INPUT_SIZE, MAX_THREADS, MAX_TIMELINE_SEC, MIN_FPS, MIN_INPUT_SIZE } from '../limits.js';

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected bytes (Uint8Array / Buffer)' });
const f32 = z.custom<Float32Array>((v) => v instanceof Float32Array, { message: 'expected a Float32Array' });
const path = z.string().min(1, 'expected a non-empty path');
const threads = z.number().int().min(1).max(MAX_THREADS);
const finite = z.number().finite();
const rawFrame = z.looseObject({ data: z.custom<Uint8Array>((v) => v instanceof Uint8Array || v instanceof Uint8ClampedArray, { message: 'expected pixel bytes' }), width: z.number().int().positive(), height: z.number().int().positive() });

/** Turn a zod failure into INVALID_OPTIONS naming the field. */
export function check<T>(schema: z.ZodType<T>, value: unknown, fn: string, root: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  // a union: follow the branch that got furthest (e.g. the array branch for chat[0].speaker)
  let i: z.core.$ZodIssue = r.error.issues[0];
  let path: PropertyKey[] = [...i.path];
  while (i.code === 'invalid_union' && i.errors.length) {
    const best = i.errors.map((b) => b[0]).filter(Boolean).sort((a, b) => b.path.length - a.path.length)[0];
    if (!best || best.path.length === 0) break;
    path = [...path, ...best.path];
    i = best;
  }
  const field = [root, ...path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/\.\[/g, '[');
  const msg = i.code === 'invalid_union' ? 'has the wrong type or shape' : i.message.replace(/^Invalid input: /, '');
  throw new EmosigError('INVALID_OPTIONS', `${fn}: ${field}: ${msg}`);
}

export const VoiceInputSchema = z.union([
  path,
  bytes,
  z.looseObject({ samples: z.union([f32, z.array(f32)]), sampleRate: finite, name: z.string().optional() }),
]);

export const VoiceOptionsSchema = z
  .looseObject({
    channels: z.union([z.array(z.string()), z.record(z.string(), z.string())]).optional(),
    includeFeatures: z.boolean().optional(),
    personalBaseline: z.boolean().optional(),
    baselines: z.record(z.string(), z.unknown()).optional(),
    minPauseSec: z.number().positive().max(3600).optional(),
    intraOpThreads: threads.optional(),
    maxDurationSec: z.number().positive().optional(),
    vad: z.looseObject({}).optional(),
  })
  .optional();

const chatItem = z.union([
  z.string(),
  z.looseObject({
    text: z.unknown(),
    speaker: z.string().optional(),
    time: finite.optional(),
  }),
]);

export const TextInputSchema = z.union([
  z.string(),
  z.array(chatItem),
  z.looseObject({ path }),
  z.looseObject({ content: z.union([z.string(), bytes]), name: z.string().optional() }),
]);

export const TextOptionsSchema = z
  .looseObject({
    format: z.enum(['json', 'jsonl', 'csv', 'lines']).optional(),
    explain: z.boolean().optional(),
    echo: z.boolean().optional(),
    batchSize: z.number().int().min(1).max(4096).optional(),
    backend: z.enum(['js', 'onnx']).optional(),
    modelDir: z.string().optional(),
  })
  .optional();

export const FaceInputSchema = z.union([path, bytes, rawFrame, z.array(z.union([path, bytes, rawFrame])).min(1)]);

export const FaceOptionsSchema = z
  .looseObject({
    model: z.enum(['ensemble', 'faceapi', 'human', 'own']).optional(),
    detector: z.enum(['tiny', 'ssd']).optional(),
    assumeFace: z.boolean().optional(),
    tta: z.boolean().optional(),
    align: z.boolean().optional(),
    margin: z.number().min(0.5).max(4).optional(),
    inputSize: z.number().int().min(MIN_INPUT_SIZE).max(MAX_INPUT_SIZE).multipleOf(32, `must be a multiple of 32 from ${MIN_INPUT_SIZE} to ${MAX_INPUT_SIZE} (e.g. 224, 320, 416)`).optional(),
    minScore: z.number().min(0).max(1).optional(),
    maxFaces: z.number().int().min(1).max(MAX_FACES).optional(),
    fps: z.union([z.literal(0), z.number().min(MIN_FPS).max(MAX_FPS)]).optional(),
    maxFrames: z.number().int().positive().optional(),
    perModel: z.boolean().optional(),
    keepFrames: z.boolean().optional(),
    onFrame: z.custom<(...a: unknown[]) => unknown>((v) => typeof v === 'function', { message: 'expected a function' }).optional(),
    ffmpeg: z.string().optional(),
  })
  .optional();

const modalityRecord = <T extends z.ZodType>(t: T) => z.object({ voice: t.optional(), face: t.optional(), text: t.optional() }).strict();

export const AnalyzeInputSchema = z.looseObject({
  audio: z.union([path, bytes, z.looseObject({ samples: z.union([f32, z.array(f32)]), sampleRate: finite, name: z.string().optional() })]).optional(),
  video: path.optional(),
  frames: z.union([path, z.array(path).min(1)]).optional(),
  chat: TextInputSchema.optional(),
  speakers: z.array(z.string().min(1).max(200)).min(1).max(64).optional(),
  consent: modalityRecord(z.boolean()).optional(),
  window: z.object({ size: finite.optional(), hop: finite.optional() }).strict().optional(),
  offsets: modalityRecord(z.number().finite().min(-MAX_TIMELINE_SEC).max(MAX_TIMELINE_SEC)).optional(),
  fps: z.number().min(MIN_FPS).max(MAX_FPS).optional(),
  faceSpeaker: z.string().min(1).optional(),
  chatSpeaker: z.string().min(1).optional(),
  keepText: z.boolean().optional(),
  longPauseSec: z.number().positive().max(3600).optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, { message: 'expected an AbortSignal' }).optional(),
});
