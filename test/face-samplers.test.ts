/**
 * The fast face samplers (tabulated columns/rows, branch-free padding) return exactly the floats of the
 * straightforward per-pixel samplers they replaced (test/helpers/face-ref-samplers.ts), so detection, landmarks
 * and expression probabilities are unchanged by the speed work.
 */
import { describe, it, expect } from 'vitest';
import { boxCrop, detectorInput, sampleSquare, clipBox } from '../src/vision/detect.js';
import { warpCrop, type CropSpec } from '../src/vision/crop.js';
import { refSampleSquare, refWarpCrop } from './helpers/face-ref-samplers.js';
import type { RgbImage } from '../src/vision/types.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function image(w: number, h: number, r: () => number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
  return { width: w, height: h, data };
}

/** Index of the first differing element (bit for bit, -0 equal to 0), or -1. */
function firstDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('fast face samplers equal the per-pixel reference bit for bit', () => {
  it('sampleSquare / boxCrop / detectorInput over random boxes, sizes, gray and mirror', () => {
    const r = rng(7);
    const imgs = [image(640, 480, r), image(360, 288, r), image(48, 48, r), image(17, 33, r)];
    let n = 0;
    for (const img of imgs) {
      for (const size of [320, 224, 160]) {
        const want = refSampleSquare(img, { x: 0, y: 0, w: img.width, h: img.height }, 0, 0, Math.max(img.width, img.height), size);
        expect(firstDiff(detectorInput(img, size, undefined, false), want)).toBe(-1);
        // planar (the detector's NCHW input): the same floats, one plane per channel
        const planes = new Float32Array(want.length);
        for (let p = 0; p < size * size; p++) for (let c = 0; c < 3; c++) planes[c * size * size + p] = want[p * 3 + c];
        expect(firstDiff(detectorInput(img, size, new Float32Array(want.length).fill(NaN)), planes)).toBe(-1);
      }
      for (let k = 0; k < 40; k++) {
        const box = [r() * img.width - img.width * 0.2, r() * img.height - img.height * 0.2, 4 + r() * img.width, 4 + r() * img.height];
        const rc = clipBox(img, box);
        if (rc.w <= 0 || rc.h <= 0) continue;
        const side = Math.max(rc.w, rc.h);
        const diff = Math.abs(rc.w - rc.h);
        const before = diff - Math.round(diff * 0.5);
        for (const out of [112, 64, 48]) {
          for (const gray of [false, true]) {
            for (const flip of [false, true]) {
              const want = refSampleSquare(img, rc, rc.w < rc.h ? before : 0, rc.h < rc.w ? before : 0, side, out, gray, flip);
              // into a dirty buffer at an offset: every element is written
              const dst = new Float32Array(want.length + 5).fill(NaN);
              boxCrop(img, box, out, gray, flip, dst, 5);
              expect(firstDiff(dst.subarray(5), want)).toBe(-1);
              expect(firstDiff(sampleSquare(img, rc, rc.w < rc.h ? before : 0, rc.h < rc.w ? before : 0, side, out, gray, flip), want)).toBe(-1);
              n++;
            }
          }
        }
      }
    }
    expect(n).toBeGreaterThan(500);
  });

  it('warpCrop with and without rotation, inside and across the image border', () => {
    const r = rng(11);
    const img = image(200, 150, r);
    for (let k = 0; k < 120; k++) {
      const spec: CropSpec = { cx: r() * 240 - 20, cy: r() * 190 - 20, side: 8 + r() * 180, angle: k % 3 === 0 ? 0 : (r() - 0.5) * 1.2 };
      for (const out of [112, 64]) {
        for (const gray of [false, true]) {
          for (const flip of [false, true]) {
            const want = refWarpCrop(img, spec, out, gray, flip);
            const dst = new Float32Array(want.length + 3).fill(NaN);
            warpCrop(img, spec, out, gray, flip, dst, 3);
            expect(firstDiff(dst.subarray(3), want)).toBe(-1);
          }
        }
      }
    }
  });
});
