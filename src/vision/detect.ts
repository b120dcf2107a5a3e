/**
 * Face detection (face-api TinyFaceDetector or SSD MobileNet v1) and 68-point landmarks, run on a
 * frame downscaled to at most `maxSide` pixels; boxes and landmarks are returned in full-frame pixels.
 */
import { downscale } from './decode.js';
import { ensureNet, type DetectorName, type LoadedModels } from './models.js';
import type { RgbImage } from './types.js';

export interface Point {
  x: number;
  y: number;
}

export interface Detection {
  box: [number, number, number, number];
  score: number;
  /** 68 landmarks (iBUG order) in full-frame pixels, when landmarks were requested. */
  landmarks?: Point[];
}

export interface DetectOptions {
  detector: DetectorName;
  /** TinyFaceDetector input size (multiple of 32). Default 320. */
  inputSize?: number;
  /** Minimum detector score. Default 0.5. */
  minScore?: number;
  /** 'tiny' (fast) or 'full' 68-point landmark net, or 'none'. Default 'tiny'. */
  landmarks?: 'tiny' | 'full' | 'none';
  /** Longest side of the frame given to the detector. Default 640. */
  maxSide?: number;
  maxFaces?: number;
}

export async function detectFaces(m: LoadedModels, img: RgbImage, o: DetectOptions): Promise<Detection[]> {
  const { tf } = m.rt;
  const fa = m.faceapi;
  await ensureNet(m, o.detector);
  const lm = o.landmarks ?? 'tiny';
  if (lm !== 'none') await ensureNet(m, lm === 'tiny' ? 'landmarksTiny' : 'landmarks');
  if (img.width < 8 || img.height < 8) return []; // nothing a detector can find; avoids degenerate tensors
  const { img: small, scale } = await downscale(img, o.maxSide ?? 640);
  const t = tf.tensor3d(small.data, [small.height, small.width, 3], 'int32');
  try {
    const options =
      o.detector === 'tiny'
        ? new fa.TinyFaceDetectorOptions({ inputSize: o.inputSize ?? 320, scoreThreshold: o.minScore ?? 0.5 })
        : new fa.SsdMobilenetv1Options({ minConfidence: o.minScore ?? 0.5, maxResults: o.maxFaces ?? 20 });
    let task = fa.detectAllFaces(t, options);
    if (lm !== 'none') task = task.withFaceLandmarks(lm === 'tiny');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const res: any[] = await task;
    const inv = 1 / scale;
    const out: Detection[] = res.map((r) => {
      const det = lm === 'none' ? r : r.detection;
      const b = det.box;
      const d: Detection = {
        box: [b.x * inv, b.y * inv, b.width * inv, b.height * inv],
        score: det.score,
      };
      if (lm !== 'none') d.landmarks = r.landmarks.positions.map((p: Point) => ({ x: p.x * inv, y: p.y * inv }));
      return d;
    });
    out.sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
    return out.slice(0, o.maxFaces ?? 20);
  } finally {
    t.dispose();
  }
}

/** Eye centres, roll (radians) and a yaw proxy from 68 landmarks. */
export function landmarkGeometry(p: Point[]): { leftEye: Point; rightEye: Point; roll: number; yaw: number; eyeDist: number } {
  const mean = (a: number, b: number): Point => {
    let x = 0;
    let y = 0;
    for (let i = a; i <= b; i++) {
      x += p[i].x;
      y += p[i].y;
    }
    return { x: x / (b - a + 1), y: y / (b - a + 1) };
  };
  const leftEye = mean(36, 41); // subject's right eye, image left
  const rightEye = mean(42, 47);
  const roll = Math.atan2(rightEye.y - leftEye.y, rightEye.x - leftEye.x);
  const eyeDist = Math.hypot(rightEye.x - leftEye.x, rightEye.y - leftEye.y);
  // yaw proxy: nose tip (30) offset from the eye midpoint along the eye line, relative to eye distance
  const mid = { x: (leftEye.x + rightEye.x) / 2, y: (leftEye.y + rightEye.y) / 2 };
  const ux = (rightEye.x - leftEye.x) / (eyeDist || 1);
  const uy = (rightEye.y - leftEye.y) / (eyeDist || 1);
  const yaw = ((p[30].x - mid.x) * ux + (p[30].y - mid.y) * uy) / (eyeDist || 1);
  return { leftEye, rightEye, roll, yaw, eyeDist };
}
