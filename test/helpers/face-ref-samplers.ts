/**
 * Reference (straightforward, per-pixel) bilinear samplers: the code the fast samplers in src/vision/detect.ts
 * and src/vision/crop.ts replaced. Tests check the fast ones return the same floats, bit for bit.
 */
import type { RgbImage } from '../../src/vision/types.js';
import type { CropSpec } from '../../src/vision/crop.js';

export function refSampleSquare(
  img: RgbImage,
  region: { x: number; y: number; w: number; h: number },
  offX: number,
  offY: number,
  side: number,
  out: number,
  gray = false,
  flip = false,
  dst?: Float32Array,
  dstOffset = 0,
): Float32Array {
  const ch = gray ? 1 : 3;
  const res = dst ?? new Float32Array(out * out * ch);
  const { width: W, data } = img;
  const scale = side / out;
  // per output column: byte offsets of the two source columns (−1 = zero padding) and the weight
  const cx0 = new Int32Array(out);
  const cx1 = new Int32Array(out);
  const fxs = new Float32Array(out);
  for (let u = 0; u < out; u++) {
    const s = u * scale;
    const i0 = Math.floor(s);
    const a = i0 - offX;
    const b = Math.min(i0 + 1, side - 1) - offX;
    cx0[u] = a >= 0 && a < region.w ? (region.x + a) * 3 : -1;
    cx1[u] = b >= 0 && b < region.w ? (region.x + b) * 3 : -1;
    fxs[u] = s - i0;
  }
  const row = (r: number) => (r >= 0 && r < region.h ? (region.y + r) * W * 3 : -1);
  let o = dstOffset;
  for (let v = 0; v < out; v++) {
    const s = v * scale;
    const j0 = Math.floor(s);
    const r0 = row(j0 - offY);
    const r1 = row(Math.min(j0 + 1, side - 1) - offY);
    const fy = s - j0;
    for (let uu = 0; uu < out; uu++) {
      const u = flip ? out - 1 - uu : uu;
      const a = cx0[u];
      const b = cx1[u];
      const fx = fxs[u];
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      let R = 0;
      let G = 0;
      let B = 0;
      if (r0 >= 0) {
        if (a >= 0) {
          const p = r0 + a;
          R += data[p] * w00;
          G += data[p + 1] * w00;
          B += data[p + 2] * w00;
        }
        if (b >= 0) {
          const p = r0 + b;
          R += data[p] * w01;
          G += data[p + 1] * w01;
          B += data[p + 2] * w01;
        }
      }
      if (r1 >= 0) {
        if (a >= 0) {
          const p = r1 + a;
          R += data[p] * w10;
          G += data[p + 1] * w10;
          B += data[p + 2] * w10;
        }
        if (b >= 0) {
          const p = r1 + b;
          R += data[p] * w11;
          G += data[p + 1] * w11;
          B += data[p + 2] * w11;
        }
      }
      if (gray) res[o++] = 0.2989 * R + 0.587 * G + 0.114 * B;
      else {
        res[o++] = R;
        res[o++] = G;
        res[o++] = B;
      }
    }
  }
  return res;
}

export function refWarpCrop(img: RgbImage, spec: CropSpec, out: number, gray: boolean, flip: boolean, dst?: Float32Array, dstOffset = 0): Float32Array {
  const ch = gray ? 1 : 3;
  const res = dst ?? new Float32Array(out * out * ch);
  const { width: W, height: H, data } = img;
  const scale = spec.side / out;
  const cos = Math.cos(spec.angle) * scale;
  const sin = Math.sin(spec.angle) * scale;
  const half = (out - 1) / 2;
  let o = dstOffset;
  for (let y = 0; y < out; y++) {
    const dy = y - half;
    for (let x0 = 0; x0 < out; x0++) {
      const dx = (flip ? out - 1 - x0 : x0) - half;
      // rotate the crop grid by +angle into the image
      let sx = spec.cx + dx * cos - dy * sin;
      let sy = spec.cy + dx * sin + dy * cos;
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

