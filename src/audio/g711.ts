/**
 * ITU-T G.711 mu-law and A-law (8-bit telephony companding), as lookup tables.
 *
 * Decoding uses the standard expansion (mu-law 0xFF → 0, 0x00 → −32124; A-law 0xD5 → +8), scaled to
 * [-1, 1) by dividing the 16-bit value by 32768. Encoding takes floats in [-1, 1] (clamped), rounds to
 * 16-bit and compands with the usual CCITT/Sun algorithm (the same one wavefile/alawmulaw use), so
 * `mulawEncode` → `mulawDecode` is the "telephone round trip" used for training-time augmentation.
 */

let ulawToFloat: Float32Array | undefined;
let alawToFloat: Float32Array | undefined;
let int16ToUlaw: Uint8Array | undefined;
let int16ToAlaw: Uint8Array | undefined;

function ulawSampleToInt16(u: number): number {
  u = ~u & 0xff;
  let t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

function alawSampleToInt16(a: number): number {
  a ^= 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else {
    t += 0x108;
    t <<= seg - 1;
  }
  return a & 0x80 ? t : -t;
}

const SEG_UEND = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segment(v: number, table: number[]): number {
  for (let i = 0; i < table.length; i++) if (v <= table[i]) return i;
  return table.length;
}

function int16SampleToUlaw(pcm: number): number {
  let v = pcm >> 2;
  let mask: number;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  } else mask = 0xff;
  if (v > 8159) v = 8159;
  v += 0x84 >> 2;
  const seg = segment(v, SEG_UEND);
  if (seg >= 8) return (0x7f ^ mask) & 0xff;
  return (((seg << 4) | ((v >> (seg + 1)) & 0xf)) ^ mask) & 0xff;
}

function int16SampleToAlaw(pcm: number): number {
  let v = pcm >> 3;
  let mask: number;
  if (v >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    v = -v - 1;
  }
  const seg = segment(v, SEG_AEND);
  if (seg >= 8) return (0x7f ^ mask) & 0xff;
  let a = seg << 4;
  a |= seg < 2 ? (v >> 1) & 0xf : (v >> seg) & 0xf;
  return (a ^ mask) & 0xff;
}

/** 256-entry table: mu-law byte → float in [-1, 1). */
export function mulawDecodeTable(): Float32Array {
  if (!ulawToFloat) {
    ulawToFloat = new Float32Array(256);
    for (let i = 0; i < 256; i++) ulawToFloat[i] = ulawSampleToInt16(i) / 32768;
  }
  return ulawToFloat;
}

/** 256-entry table: A-law byte → float in [-1, 1). */
export function alawDecodeTable(): Float32Array {
  if (!alawToFloat) {
    alawToFloat = new Float32Array(256);
    for (let i = 0; i < 256; i++) alawToFloat[i] = alawSampleToInt16(i) / 32768;
  }
  return alawToFloat;
}

function encodeTable(kind: 'mulaw' | 'alaw'): Uint8Array {
  if (kind === 'mulaw') {
    if (!int16ToUlaw) {
      int16ToUlaw = new Uint8Array(65536);
      for (let i = 0; i < 65536; i++) int16ToUlaw[i] = int16SampleToUlaw(i - 32768);
    }
    return int16ToUlaw;
  }
  if (!int16ToAlaw) {
    int16ToAlaw = new Uint8Array(65536);
    for (let i = 0; i < 65536; i++) int16ToAlaw[i] = int16SampleToAlaw(i - 32768);
  }
  return int16ToAlaw;
}

function toInt16Index(x: number): number {
  // NaN → 0; clamp to the 16-bit range; +32768 to index the table.
  const v = x > 0 ? Math.round(Math.min(x, 1) * 32767) : x < 0 ? Math.round(Math.max(x, -1) * 32768) : 0;
  return v + 32768;
}

function encodeWith(x: Float32Array, table: Uint8Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = table[toInt16Index(x[i])];
  return out;
}

function decodeWith(bytes: Uint8Array, table: Float32Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]];
  return out;
}

/** Floats in [-1, 1] → G.711 mu-law bytes. */
export const mulawEncode = (x: Float32Array): Uint8Array => encodeWith(x, encodeTable('mulaw'));
/** G.711 mu-law bytes → floats in [-1, 1). */
export const mulawDecode = (b: Uint8Array): Float32Array => decodeWith(b, mulawDecodeTable());
/** Floats in [-1, 1] → G.711 A-law bytes. */
export const alawEncode = (x: Float32Array): Uint8Array => encodeWith(x, encodeTable('alaw'));
/** G.711 A-law bytes → floats in [-1, 1). */
export const alawDecode = (b: Uint8Array): Float32Array => decodeWith(b, alawDecodeTable());

/** Telephone round trip (encode + decode) — handy for augmentation. */
export function g711RoundTrip(x: Float32Array, law: 'mulaw' | 'alaw'): Float32Array {
  return law === 'mulaw' ? mulawDecode(mulawEncode(x)) : alawDecode(alawEncode(x));
}
