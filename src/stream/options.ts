/** createStream's options: checked once, and its share of EmosigConfig resolved once. */
import { configOf, type EmosigConfig } from '../config.js';
import { EmosigError } from '../errors.js';
import { checkCxOptions } from '../cx/index.js';
import { checkRate, ENCODINGS } from './input.js';
import type { StreamOptions } from './types.js';

/** A live stream's windows must hop at least this far (each window costs a fusion and events). */
const LIVE_MIN_HOP_SEC = 0.25;

/** The options no config field covers (encoding, rate, queue sizes, speaker names for faces and chat, CX). */
export function checkOptions(o: StreamOptions): void {
  const bad = (m: string) => {
    throw new EmosigError('INVALID_OPTIONS', m, { input: 'createStream' });
  };
  if (!o || typeof o !== 'object') bad('options must be an object');
  if (o.encoding !== undefined && !ENCODINGS.includes(o.encoding)) bad(`encoding must be one of ${ENCODINGS.join(', ')} (got ${String(o.encoding)})`);
  if (o.sampleRate !== undefined) checkRate(o.sampleRate, 'createStream options.sampleRate');
  const pos = (k: keyof StreamOptions, v: unknown, max = Infinity) => {
    if (v !== undefined && !(typeof v === 'number' && v > 0 && v <= max)) bad(`${k} must be a number in (0, ${max}] (got ${String(v)})`);
  };
  pos('maxPendingMessages', o.maxPendingMessages, 1e6);
  pos('maxEventQueue', o.maxEventQueue, 1e7);
  for (const k of ['faceSpeaker', 'chatSpeaker'] as const) if (o[k] !== undefined && (typeof o[k] !== 'string' || !o[k]!.trim())) bad(`${k} must be a non-empty name`);
  checkCxOptions(o.cx);
}

/** The stream's configuration: EmosigConfig with the stream's shorthand options over `config`, validated once. */
export function streamConfig(o: StreamOptions): EmosigConfig {
  const cfg = configOf(o, 'createStream', {
    stream: { highWaterMarkSec: o.highWaterMarkSec, maxQueueSec: o.maxQueueSec, maxPendingFrames: o.maxPendingFrames },
    voice: o.vad ? { vad: o.vad } : undefined,
  });
  if (cfg.window.hop < LIVE_MIN_HOP_SEC) {
    throw new EmosigError('INVALID_OPTIONS', `window.hop must be at least ${LIVE_MIN_HOP_SEC} s for a live stream (got ${cfg.window.hop})`, { input: 'createStream' });
  }
  return cfg;
}
