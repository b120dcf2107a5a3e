/** createStream's options: checked once, and its share of EmosigConfig resolved once. */
import { DEFAULT_CONFIG, resolveConfig, type EmosigConfig } from '../config.js';
import { EmosigError } from '../errors.js';
import { MODALITY_ORDER } from '../fusion/index.js';
import { checkCxOptions } from '../cx/index.js';
import { checkRate, ENCODINGS } from './input.js';
import type { StreamOptions } from './types.js';

export function checkOptions(o: StreamOptions): void {
  const bad = (m: string) => {
    throw new EmosigError('INVALID_OPTIONS', m, { input: 'createStream' });
  };
  if (!o || typeof o !== 'object') bad('options must be an object');
  if (o.speakers !== undefined) {
    if (!Array.isArray(o.speakers) || !o.speakers.length || o.speakers.some((s) => typeof s !== 'string' || !s.trim())) bad('speakers must be a non-empty list of names, e.g. ["customer", "agent"]');
    if (new Set(o.speakers.map((s) => s.trim().toLowerCase())).size !== o.speakers.length) bad(`speaker names must differ (got ${o.speakers.join(', ')})`);
  }
  if (o.encoding !== undefined && !ENCODINGS.includes(o.encoding)) bad(`encoding must be one of ${ENCODINGS.join(', ')} (got ${String(o.encoding)})`);
  if (o.sampleRate !== undefined) checkRate(o.sampleRate, 'createStream options.sampleRate');
  const hop = o.window?.hop ?? DEFAULT_CONFIG.window.hop;
  if (!(hop >= 0.25)) bad(`window.hop must be at least 0.25 s for a live stream (got ${o.window?.hop})`);
  for (const m of Object.keys(o.consent ?? {})) if (!(MODALITY_ORDER as string[]).includes(m)) bad(`consent: unknown modality '${m}' (use voice, face or text)`);
  const pos = (k: keyof StreamOptions, v: unknown, max = Infinity) => {
    if (v !== undefined && !(typeof v === 'number' && v > 0 && v <= max)) bad(`${k} must be a number in (0, ${max}] (got ${String(v)})`);
  };
  pos('maxPendingMessages', o.maxPendingMessages, 1e6);
  pos('maxEventQueue', o.maxEventQueue, 1e7);
  for (const k of ['faceSpeaker', 'chatSpeaker'] as const) if (o[k] !== undefined && (typeof o[k] !== 'string' || !o[k]!.trim())) bad(`${k} must be a non-empty name`);
  checkCxOptions(o.cx);
}

/** The stream's share of EmosigConfig, validated once by resolveConfig (the one place the defaults live). */
export function streamConfig(o: StreamOptions): EmosigConfig {
  return resolveConfig(
    {
      window: o.window,
      fusion: { longPauseSec: o.longPauseSec, stressedAt: o.stressedAt, escalationThreshold: o.escalationThreshold },
      stream: { highWaterMarkSec: o.highWaterMarkSec, maxQueueSec: o.maxQueueSec, maxPendingFrames: o.maxPendingFrames },
    },
    'createStream',
  );
}
