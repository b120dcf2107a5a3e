/**
 * Face crops for the classifiers, cut from the full-resolution frame with one affine warp
 * (bilinear, pure JS: a 112×112 crop costs well under a millisecond). A crop is a square of side
 * `side` pixels centred at (cx, cy) and rotated by `angle` radians (eyes level when landmarks are known).
 */
import type { RgbImage } from './types.js';

export interface CropSpec {
  cx: number;
  cy: number;
  side: number;
  /** Rotation of the face (radians, image coordinates); the crop is rotated by -angle to level it. */
  angle: number;
}

/**
 * Bilinear sample of an RGB image into an out×out crop; writes RGB (or gray) floats 0..255. The products of
 * the rotation are tabulated per column and row (the same floats as computing them per pixel); an unrotated
 * crop (angle 0) tabulates the source columns and rows once.
 */
export function warpCrop(img: RgbImage, spec: CropSpec, out: number, gray: boolean, flip: boolean, dst?: Float32Array, dstOffset = 0): Float32Array {
  const ch = gray ? 1 : 3;
  const res = dst ?? new Float32Array(out * out * ch);
  const { width: W, height: H, data } = img;
  const scale = spec.side / out;
  const cos = Math.cos(spec.angle) * scale;
  const sin = Math.sin(spec.angle) * scale;
  const half = (out - 1) / 2;
  // dx · cos and dx · sin per output column (mirrored when flipping), dy · sin and dy · cos per row
  const xc = new Float64Array(out);
  const xs = new Float64Array(out);
  for (let x0 = 0; x0 < out; x0++) {
    const dx = (flip ? out - 1 - x0 : x0) - half;
    xc[x0] = dx * cos;
    xs[x0] = dx * sin;
  }
  let o = dstOffset;
  if (sin === 0) {
    // no rotation: sx depends on the column only, sy on the row only
    const ix0 = new Int32Array(out);
    const ix1 = new Int32Array(out);
    const fxs = new Float64Array(out);
    for (let x0 = 0; x0 < out; x0++) {
      let sx = spec.cx + xc[x0];
      if (sx < 0) sx = 0;
      else if (sx > W - 1) sx = W - 1;
      const ix = Math.floor(sx);
      fxs[x0] = sx - ix;
      ix0[x0] = ix * 3;
      ix1[x0] = (ix + 1 < W ? ix + 1 : ix) * 3;
    }
    for (let y = 0; y < out; y++) {
      const dy = y - half;
      let sy = spec.cy + dy * cos;
      if (sy < 0) sy = 0;
      else if (sy > H - 1) sy = H - 1;
      const iy = Math.floor(sy);
      const fy = sy - iy;
      const r0 = iy * W * 3;
      const r1 = (iy + 1 < H ? iy + 1 : iy) * W * 3;
      for (let x0 = 0; x0 < out; x0++) {
        const fx = fxs[x0];
        const p00 = r0 + ix0[x0];
        const p01 = r0 + ix1[x0];
        const p10 = r1 + ix0[x0];
        const p11 = r1 + ix1[x0];
        const w00 = (1 - fx) * (1 - fy);
        const w01 = fx * (1 - fy);
        const w10 = (1 - fx) * fy;
        const w11 = fx * fy;
        const r = data[p00] * w00 + data[p01] * w01 + data[p10] * w10 + data[p11] * w11;
        const g = data[p00 + 1] * w00 + data[p01 + 1] * w01 + data[p10 + 1] * w10 + data[p11 + 1] * w11;
        const b = data[p00 + 2] * w00 + data[p01 + 2] * w01 + data[p10 + 2] * w10 + data[p11 + 2] * w11;
        if (gray) {
          res[o++] = 0.2989 * r + 0.587 * g + 0.114 * b;
        } else {
          res[o++] = r;
          res[o++] = g;
          res[o++] = b;
        }
      }
    }
    return res;
  }
  for (let y = 0; y < out; y++) {
    const dy = y - half;
    const ys = dy * sin;
    const yc = dy * cos;
    for (let x0 = 0; x0 < out; x0++) {
      // rotate the crop grid by +angle into the image
      let sx = spec.cx + xc[x0] - ys;
      let sy = spec.cy + xs[x0] + yc;
      // clamp to the border (replicates edge pixels outside the frame)
      if (sx < 0) sx = 0;
      else if (sx > W - 1) sx = W - 1;
      if (sy < 0) sy = 0;
      else if (sy > H - 1) sy = H - 1;
      const ix = Math.floor(sx);
      const iy = Math.floor(sy);
      const fx = sx - ix;
      const fy = sy - iy;
      const ix1 = ix + 1 < W ? ix + 1 : ix;
      const iy1 = iy + 1 < H ? iy + 1 : iy;
      const p00 = (iy * W + ix) * 3;
      const p01 = (iy * W + ix1) * 3;
      const p10 = (iy1 * W + ix) * 3;
      const p11 = (iy1 * W + ix1) * 3;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const r = data[p00] * w00 + data[p01] * w01 + data[p10] * w10 + data[p11] * w11;
      const g = data[p00 + 1] * w00 + data[p01 + 1] * w01 + data[p10 + 1] * w10 + data[p11 + 1] * w11;
      const b = data[p00 + 2] * w00 + data[p01 + 2] * w01 + data[p10 + 2] * w10 + data[p11 + 2] * w11;
      if (gray) {
        res[o++] = 0.2989 * r + 0.587 * g + 0.114 * b;
      } else {
        res[o++] = r;
        res[o++] = g;
        res[o++] = b;
      }
    }
  }
  return res;
}

/** The whole image as one face (pre-cropped datasets such as FER2013): a centred square. */
export function wholeImageSpec(img: RgbImage): CropSpec {
  return { cx: (img.width - 1) / 2, cy: (img.height - 1) / 2, side: Math.max(img.width, img.height), angle: 0 };
}

/** One test-time-augmentation view: crop side × `scale`, optionally mirrored. */
export interface TtaView {
  scale: number;
  flip: boolean;
}

/**
 * Test-time augmentation per classifier, chosen across six domains by bench/face-parity.ts: human's
 * mini-Xception on its crop and the mirror (three crop scales × mirror were within 0.005 mean UAR and cost
 * three times as much); face-api on its own crop only, so `--model faceapi` is exactly face-api's
 * pipeline (its mirror view did not help the pooled ensemble); emosig's own CNN on its crop only (a second pass
 * would break the 3 ms budget per pre-cropped face).
 */
export const TTA_VIEWS: Record<'faceapi' | 'human' | 'own', TtaView[]> = {
  faceapi: [{ scale: 1, flip: false }],
  own: [{ scale: 1, flip: false }],
  human: [
    { scale: 1, flip: false },
    { scale: 1, flip: true },
  ],
};

export const NO_TTA: TtaView[] = [{ scale: 1, flip: false }];

/** Normalised geometric mean of several probability rows (how TTA views are combined). */
export function geoMean(rows: ArrayLike<number>[]): Float32Array {
  const out = new Float32Array(7);
  if (rows.length === 1) {
    out.set(rows[0] as ArrayLike<number>);
    return out;
  }
  let s = 0;
  for (let k = 0; k < 7; k++) {
    let acc = 0;
    for (const r of rows) acc += Math.log(r[k] + 1e-6);
    out[k] = Math.exp(acc / rows.length);
    s += out[k];
  }
  for (let k = 0; k < 7; k++) out[k] /= s;
  return out;
}
