/**
 * Face quality from the 64×64 gray crop and landmarks. Each part is 0..1; `overall` is their geometric
 * mean, so one bad part (tiny, blurred, dark, turned away) pulls the whole down.
 */
import type { FaceQuality } from './types.js';

export function faceQuality(gray: Float32Array, side: number, boxMinSide: number, pose: { yaw: number; roll: number } | null): FaceQuality {
  // size: a face whose shorter box side is ≥ 96 px is "big enough"; 24 px → 0.25.
  const size = clamp01(boxMinSide / 96);
  // sharpness: variance of the 4-neighbour Laplacian (0..255 scale) over the inner crop.
  const lapVar = laplacianVariance(gray, side);
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < side * side; i++) {
    const v = gray[i];
    mean += v;
    m2 += v * v;
  }
  const sharpness = clamp01(1 - Math.exp(-lapVar / 60));
  const px = side * side;
  mean /= px;
  const std = Math.sqrt(Math.max(0, m2 / px - mean * mean));
  // exposure: mean brightness within 50..205 and contrast (std) ≥ 25 are fine.
  const bright = mean < 50 ? mean / 50 : mean > 205 ? (255 - mean) / 50 : 1;
  const contrast = clamp01(std / 25);
  const exposure = clamp01(bright) * contrast;
  // pose: yaw proxy (nose offset / eye distance) 0 frontal, ±0.5 strongly turned; roll beyond 30° penalised.
  let poseQ = 1;
  if (pose) {
    const yawQ = clamp01(1 - Math.abs(pose.yaw) / 0.6);
    const rollDeg = Math.abs((pose.roll * 180) / Math.PI);
    const rollQ = rollDeg <= 30 ? 1 : clamp01(1 - (rollDeg - 30) / 40);
    poseQ = yawQ * rollQ;
  }
  const parts = [size, sharpness, exposure, poseQ].map((v) => Math.max(v, 1e-3));
  const overall = Math.pow(parts.reduce((a, b) => a * b, 1), 1 / parts.length);
  return { overall: round3(overall), size: round3(size), sharpness: round3(sharpness), exposure: round3(exposure), pose: round3(poseQ) };
}

export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : Number.isFinite(v) ? v : 0;
}

export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Variance of the 4-neighbour Laplacian (0..255 gray scale) over the inner part of a side×side crop. */
export function laplacianVariance(gray: Float32Array, side: number): number {
  let sum = 0;
  let sum2 = 0;
  let n = 0;
  for (let y = 1; y < side - 1; y++) {
    for (let x = 1; x < side - 1; x++) {
      const i = y * side + x;
      const lap = gray[i - side] + gray[i + side] + gray[i - 1] + gray[i + 1] - 4 * gray[i];
      sum += lap;
      sum2 += lap * lap;
      n++;
    }
  }
  return n ? sum2 / n - (sum / n) ** 2 : 0;
}
