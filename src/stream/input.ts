/**
 * Validation and decoding of what is pushed into a live stream: audio chunks (PCM 16, float 32, G.711
 * mu-law / A-law), video frames and chat messages. Every problem is an `EmosigError` with a stable code and a message
 * that names the input, says what is wrong and what to do.
 */
import { EmosigError } from '../errors.js';
import { MAX_TIMELINE_SEC } from '../limits.js';
import { alawDecode, mulawDecode, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from '../audio/index.js';
import { rawToRgb, type RawFrame, type RgbImage } from '../vision/index.js';
import type { AudioChunk, StreamEncoding, StreamFrame, StreamMessage } from './types.js';

export const ENCODINGS: readonly StreamEncoding[] = ['pcm16', 'float32', 'mulaw', 'alaw'];

export function defaultRate(encoding: StreamEncoding): number {
  return encoding === 'mulaw' || encoding === 'alaw' ? 8000 : 16000;
}

export function checkRate(rate: unknown, what: string): number {
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
    throw new EmosigError(
      'AUDIO_BAD_SAMPLE_RATE',
      `sample rate ${String(rate)} is not supported; give an integer number of Hz from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} (8000 for telephony mu-law)`,
      { input: what },
    );
  }
  return rate;
}

/** Decode one chunk to float samples in [-1, 1]; `invalid` counts NaN / infinite floats (replaced by 0). */
export function decodeChunk(chunk: AudioChunk, encoding: StreamEncoding, what: string): { samples: Float32Array; invalid: number; encoding: StreamEncoding } {
  const bad = (m: string) => new EmosigError('STREAM_BAD_CHUNK', m, { input: what });
  if (chunk instanceof Float32Array) {
    if (encoding !== 'float32') throw bad(`a Float32Array was pushed but the encoding is '${encoding}'; push float samples with encoding 'float32', or the ${encoding} bytes as a Buffer`);
    return clean(chunk.slice(), 'float32');
  }
  if (chunk instanceof Int16Array) {
    if (encoding !== 'pcm16') throw bad(`an Int16Array was pushed but the encoding is '${encoding}'; push 16-bit samples with encoding 'pcm16', or the ${encoding} bytes as a Buffer`);
    const out = new Float32Array(chunk.length);
    for (let i = 0; i < chunk.length; i++) out[i] = chunk[i] / 32768;
    return { samples: out, invalid: 0, encoding };
  }
  if (!(chunk instanceof Uint8Array)) {
    throw bad(`expected a Buffer, Uint8Array, Int16Array or Float32Array of audio, got ${chunk === null ? 'null' : typeof chunk === 'object' ? (chunk as object).constructor?.name ?? 'an object' : typeof chunk}`);
  }
  const b = chunk;
  switch (encoding) {
    case 'mulaw':
      return { samples: mulawDecode(b), invalid: 0, encoding };
    case 'alaw':
      return { samples: alawDecode(b), invalid: 0, encoding };
    case 'pcm16': {
      if (b.length % 2 !== 0) throw bad(`${b.length} bytes is an odd count for 16-bit PCM (2 bytes a sample); push whole samples — keep the odd byte for the next chunk`);
      const out = new Float32Array(b.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = (((b[2 * i] | (b[2 * i + 1] << 8)) << 16) >> 16) / 32768;
      return { samples: out, invalid: 0, encoding };
    }
    case 'float32': {
      if (b.length % 4 !== 0) throw bad(`${b.length} bytes is not a whole number of 32-bit float samples (4 bytes each); push whole samples`);
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const out = new Float32Array(b.length / 4);
      for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(4 * i, true);
      return clean(out, 'float32');
    }
    default:
      throw bad(`unknown encoding '${String(encoding)}'; use one of ${ENCODINGS.join(', ')}`);
  }
}

function clean(x: Float32Array, encoding: StreamEncoding): { samples: Float32Array; invalid: number; encoding: StreamEncoding } {
  let invalid = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      x[i] = 0;
      invalid++;
    }
  }
  return { samples: x, invalid, encoding };
}

/** Check a chat message; `last`: time of the previous message. */
/** A pushed frame waiting for the face model: decoded raw pixels or the encoded image. */
export type PendingFrame = { time: number; image?: RgbImage; encoded?: Uint8Array; source: string };

/** Check a pushed frame and its time (after `last`, the previous frame's): raw pixels are validated, encoded bytes kept. */
export function checkFrame(frame: StreamFrame, time: number, last: number | undefined): PendingFrame {
  const what = `frame at ${String(time)} s`;
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) throw new EmosigError('STREAM_BAD_FRAME', `time must be seconds ≥ 0 on the stream's clock (got ${String(time)})`, { input: 'pushFrame' });
  if (time > MAX_TIMELINE_SEC) throw new EmosigError('STREAM_BAD_FRAME', `time ${time} s is beyond the longest supported call (${MAX_TIMELINE_SEC} s = 24 h); send seconds since the call started`, { input: 'pushFrame' });
  if (last !== undefined && time <= last) {
    throw new EmosigError('STREAM_OUT_OF_ORDER', `time ${time} s is not after the previous frame (${last} s); push frames in time order, one per timestamp`, { input: what });
  }
  if (frame && typeof frame === 'object' && !(frame instanceof Uint8Array) && 'width' in frame) return { time, image: rawToRgb(frame as RawFrame, what), source: what };
  if (frame instanceof Uint8Array) {
    if (frame.length === 0) throw new EmosigError('STREAM_BAD_FRAME', 'the image buffer is empty; push encoded image bytes (JPEG, PNG, WebP…) or { data, width, height }', { input: what });
    return { time, encoded: frame, source: what };
  }
  throw new EmosigError('STREAM_BAD_FRAME', 'expected raw pixels { data, width, height, channels? } or an encoded image Buffer', { input: what });
}

export function checkMessage(m: unknown, last: number | undefined, index: number): StreamMessage {
  const what = `message ${index}`;
  const bad = (msg: string) => new EmosigError('STREAM_BAD_MESSAGE', msg, { input: what });
  if (!m || typeof m !== 'object') throw bad('expected an object { time, speaker?, text }');
  const { time, speaker, text } = m as Record<string, unknown>;
  if (typeof text !== 'string' || !text.trim()) throw bad('text must be a non-empty string; skip empty messages');
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) throw bad(`time must be seconds ≥ 0 on the stream's clock (got ${String(time)})`);
  if (time > MAX_TIMELINE_SEC) throw bad(`time ${time} s is beyond the longest supported call (${MAX_TIMELINE_SEC} s = 24 h); send seconds since the call started`);
  if (speaker !== undefined && (typeof speaker !== 'string' || !speaker.trim())) throw bad('speaker must be a non-empty name when given');
  if (last !== undefined && time < last) {
    throw new EmosigError('STREAM_OUT_OF_ORDER', `time ${time} s is before the previous message (${last} s); push messages in time order`, { input: what });
  }
  return { time, text, ...(speaker !== undefined ? { speaker: (speaker as string).trim() } : {}) };
}
