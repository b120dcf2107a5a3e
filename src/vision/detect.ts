/**
 * Face detection (face-api's TinyFaceDetector) and 68-point landmarks on ONNX Runtime, with face-api's
 * own pre- and post-processing re-implemented in JS: the frame is zero-padded to a square (bottom/right)
 * and resized bilinearly (TF.js resizeBilinear, no corner alignment) to `inputSize` (fed planar, NCHW); the 5-anchor YOLO
 * grid is decoded and boxes are merged by non-maximum suppression (IoU 0.4); landmarks come from the
 * detection box, clipped to the image, zero-padded to a centred square and resized to 112×112.
 * Boxes and landmarks are returned in full-frame pixels.
 */
import { ensureNet, runNet, type DetectorName, type LoadedModels } from './models.js';
import { giveBuffer, takeBuffer } from './buffers.js';
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
  /** The landmark net's input: face-api's 112×112 RGB box crop (`boxCrop(img, box, 112)`), with `keepCrops`. */
  crop112?: Float32Array;
}

export interface DetectOptions {
  detector?: DetectorName;
  /** TinyFaceDetector input size (multiple of 32). Default 320. */
  inputSize?: number;
  /** Minimum detector score. Default 0.5. */
  minScore?: number;
  /** 'tiny' (fast) or 'full' 68-point landmark net, or 'none'. Default 'tiny'. */
  landmarks?: 'tiny' | 'full' | 'none';
  maxFaces?: number;
  /**
   * Keep the landmark net's input crops on the detections (`crop112`, views of one reused buffer); the caller
   * must then hand them back with `releaseCrops` when done. Default false.
   */
  keepCrops?: boolean;
}

const ANCHORS: [number, number][] = [
  [1.603231, 2.094468],
  [6.041143, 7.080126],
  [2.882459, 3.518061],
  [4.266906, 5.178857],
  [9.041765, 10.66308],
];
const IOU = 0.4;

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * Sample a region of `img` the way face-api feeds its nets: the region (x, y, w, h; integers inside the
 * image) is placed at (offX, offY) in a zero-filled square of side `side`, which is resized to out×out
 * with TF.js's bilinear resize (align_corners = false, half_pixel_centers = false). Writes RGB (or gray)
 * floats 0..255 into dst at dstOffset; `flip` mirrors the result horizontally.
 */
export function sampleSquare(
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
  planar = false,
): Float32Array {
  const ch = gray ? 1 : 3;
  const res = dst ?? new Float32Array(out * out * ch);
  const { width: W, data } = img;
  const scale = side / out;
  // planar (NCHW, RGB only): R, G and B planes of out×out each; else interleaved (NHWC)
  const plane = planar && !gray ? out * out : 0;
  // Per output column (already in mirrored order when flipping): byte offsets of the two source columns and
  // their weights. A column in the zero padding gets offset 0 and weight 0 — it adds exactly +0, so the sums
  // below are the same floats, bit for bit, as skipping it (test/face-samplers.test.ts).
  const ca = new Int32Array(out);
  const cb = new Int32Array(out);
  const wa = new Float64Array(out);
  const wb = new Float64Array(out);
  let twoCols = false;
  for (let uu = 0; uu < out; uu++) {
    const u = flip ? out - 1 - uu : uu;
    const s = u * scale;
    const i0 = Math.floor(s);
    const fx = Math.fround(s - i0); // float32, as TF.js and the earlier per-pixel sampler weighted it
    const a = i0 - offX;
    const b = Math.min(i0 + 1, side - 1) - offX;
    const aok = a >= 0 && a < region.w;
    const bok = b >= 0 && b < region.w;
    ca[uu] = aok ? (region.x + a) * 3 : 0;
    cb[uu] = bok ? (region.x + b) * 3 : 0;
    wa[uu] = aok ? 1 - fx : 0;
    wb[uu] = bok ? fx : 0;
    if (wb[uu] !== 0) twoCols = true;
  }
  let o = dstOffset;
  for (let v = 0; v < out; v++) {
    const s = v * scale;
    const j0 = Math.floor(s);
    const fy = s - j0;
    const ra = j0 - offY;
    const rb = Math.min(j0 + 1, side - 1) - offY;
    const aok = ra >= 0 && ra < region.h;
    const bok = rb >= 0 && rb < region.h;
    const r0 = aok ? (region.y + ra) * W * 3 : 0;
    const r1 = bok ? (region.y + rb) * W * 3 : 0;
    const wy0 = aok ? 1 - fy : 0;
    const wy1 = bok ? fy : 0;
    if (wy0 === 0 && wy1 === 0) {
      // a padding row
      if (plane) {
        for (let c = 0; c < 3; c++) res.fill(0, o + c * plane, o + c * plane + out);
        o += out;
      } else {
        res.fill(0, o, o + out * ch);
        o += out * ch;
      }
    } else if (wy1 === 0 && !twoCols) {
      // integer scale (e.g. 640 → 320): one source pixel per output pixel
      for (let uu = 0; uu < out; uu++) {
        const w00 = wa[uu] * wy0;
        const p = r0 + ca[uu];
        const R = data[p] * w00;
        const G = data[p + 1] * w00;
        const B = data[p + 2] * w00;
        if (gray) res[o++] = 0.2989 * R + 0.587 * G + 0.114 * B;
        else if (plane) {
          res[o] = R;
          res[o + plane] = G;
          res[o++ + 2 * plane] = B;
        } else {
          res[o++] = R;
          res[o++] = G;
          res[o++] = B;
        }
      }
    } else {
      for (let uu = 0; uu < out; uu++) {
        const fa = wa[uu];
        const fb = wb[uu];
        const w00 = fa * wy0;
        const w01 = fb * wy0;
        const w10 = fa * wy1;
        const w11 = fb * wy1;
        const p00 = r0 + ca[uu];
        const p01 = r0 + cb[uu];
        const p10 = r1 + ca[uu];
        const p11 = r1 + cb[uu];
        const R = data[p00] * w00 + data[p01] * w01 + data[p10] * w10 + data[p11] * w11;
        const G = data[p00 + 1] * w00 + data[p01 + 1] * w01 + data[p10 + 1] * w10 + data[p11 + 1] * w11;
        const B = data[p00 + 2] * w00 + data[p01 + 2] * w01 + data[p10 + 2] * w10 + data[p11 + 2] * w11;
        if (gray) res[o++] = 0.2989 * R + 0.587 * G + 0.114 * B;
        else if (plane) {
          res[o] = R;
          res[o + plane] = G;
          res[o++ + 2 * plane] = B;
        } else {
          res[o++] = R;
          res[o++] = G;
          res[o++] = B;
        }
      }
    }
  }
  return res;
}

/** face-api's face crop: the box clipped to the image and floored (Box.clipAtImageBorders). */
export function clipBox(img: RgbImage, box: readonly number[]): { x: number; y: number; w: number; h: number } {
  const [bx, by, bw, bh] = box;
  const x = Math.max(bx, 0);
  const y = Math.max(by, 0);
  const w = Math.min(bx + bw - x, img.width - x);
  const h = Math.min(by + bh - y, img.height - y);
  return { x: Math.floor(x), y: Math.floor(y), w: Math.floor(w), h: Math.floor(h) };
}

/**
 * A face crop exactly as face-api cuts it for its landmark and expression nets (extractFaceTensors +
 * NetInput.toBatchTensor(out, centred)): the clipped box, zero-padded to a centred square, resized to out×out.
 */
export function boxCrop(img: RgbImage, box: readonly number[], out: number, gray = false, flip = false, dst?: Float32Array, dstOffset = 0): Float32Array {
  const r = clipBox(img, box);
  const ch = gray ? 1 : 3;
  if (r.w <= 0 || r.h <= 0) return (dst ?? new Float32Array(out * out * ch)).fill(0, dstOffset, dstOffset + out * out * ch);
  const side = Math.max(r.w, r.h);
  const diff = Math.abs(r.w - r.h);
  const before = diff - Math.round(diff * 0.5);
  return sampleSquare(img, r, r.w < r.h ? before : 0, r.h < r.w ? before : 0, side, out, gray, flip, dst, dstOffset);
}

/**
 * The detector's input: the frame zero-padded (bottom/right) to a square and resized to size×size, as planar
 * RGB (NCHW, 0..255: the detector graph takes NCHW so onnxruntime need not transpose); `planar: false` gives
 * face-api's interleaved (NHWC) tensor.
 */
export function detectorInput(img: RgbImage, size: number, dst?: Float32Array, planar = true): Float32Array {
  return sampleSquare(img, { x: 0, y: 0, w: img.width, h: img.height }, 0, 0, Math.max(img.width, img.height), size, false, false, dst, 0, planar);
}

/** Decode TinyFaceDetector's output grid into boxes (image pixels) with scores, then NMS, like face-api. */
export function decodeGrid(grid: Float32Array, img: { width: number; height: number }, size: number, minScore: number): { box: [number, number, number, number]; score: number }[] {
  const cells = Math.round(Math.sqrt(grid.length / 25));
  const longest = Math.max(img.width, img.height);
  const rw = Math.round((img.width * size) / longest);
  const rh = Math.round((img.height * size) / longest);
  const cfx = size / rw;
  const cfy = size / rh;
  const cand: { rel: [number, number, number, number]; score: number }[] = [];
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      for (let a = 0; a < 5; a++) {
        const o = ((row * cells + col) * 5 + a) * 5;
        const score = sigmoid(grid[o + 4]);
        if (!(score > minScore)) continue;
        const cx = ((col + sigmoid(grid[o])) / cells) * cfx;
        const cy = ((row + sigmoid(grid[o + 1])) / cells) * cfy;
        const w = ((Math.exp(grid[o + 2]) * ANCHORS[a][0]) / cells) * cfx;
        const h = ((Math.exp(grid[o + 3]) * ANCHORS[a][1]) / cells) * cfy;
        cand.push({ rel: [cx - w / 2, cy - h / 2, w, h], score });
      }
    }
  }
  // face-api's nonMaxSuppression on boxes rescaled to the input size (IoU, threshold 0.4)
  const order = cand.map((_, i) => i).sort((i, j) => cand[i].score - cand[j].score);
  const picked: number[] = [];
  let rest = order;
  while (rest.length) {
    const cur = rest.pop()!;
    picked.push(cur);
    const A = cand[cur].rel;
    rest = rest.filter((i) => {
      const B = cand[i].rel;
      const iw = Math.max(0, Math.min(A[0] + A[2], B[0] + B[2]) - Math.max(A[0], B[0])) * size;
      const ih = Math.max(0, Math.min(A[1] + A[3], B[1] + B[3]) - Math.max(A[1], B[1])) * size;
      const inter = iw * ih;
      return inter / (A[2] * A[3] * size * size + B[2] * B[3] * size * size - inter) <= IOU;
    });
  }
  return picked.map((i) => {
    const [x, y, w, h] = cand[i].rel;
    return { box: [x * img.width, y * img.height, w * img.width, h * img.height], score: cand[i].score };
  });
}

export async function detectFaces(m: LoadedModels, img: RgbImage, o: DetectOptions = {}): Promise<Detection[]> {
  const lm = o.landmarks ?? 'tiny';
  await ensureNet(m, 'detector');
  if (lm !== 'none') await ensureNet(m, lm === 'tiny' ? 'landmarksTiny' : 'landmarks');
  if (img.width < 8 || img.height < 8) return []; // nothing a detector can find
  const size = Math.max(32, Math.round((o.inputSize ?? 320) / 32) * 32);
  // reused input buffers (1.2 MB at 320), not a new one per frame (see buffers.ts)
  const input = takeBuffer(size * size * 3);
  let grid: Float32Array;
  try {
    ({ grid } = await runNet(m, 'detector', detectorInput(img, size, input.subarray(0, size * size * 3)), [1, 3, size, size]));
  } finally {
    giveBuffer(input);
  }
  let dets: Detection[] = decodeGrid(grid, img, size, o.minScore ?? 0.5).filter((d) => {
    const r = clipBox(img, d.box);
    return r.w > 0 && r.h > 0;
  });
  dets.sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
  dets = dets.slice(0, o.maxFaces ?? 20);
  if (lm !== 'none' && dets.length) {
    const per = 112 * 112 * 3;
    const buf = takeBuffer(per * dets.length);
    const batch = buf.subarray(0, per * dets.length);
    let landmarks: Float32Array;
    try {
      dets.forEach((d, i) => boxCrop(img, d.box, 112, false, false, batch, per * i));
      ({ landmarks } = await runNet(m, lm === 'tiny' ? 'landmarksTiny' : 'landmarks', batch, [dets.length, 112, 112, 3]));
    } catch (e) {
      giveBuffer(buf);
      throw e;
    }
    if (!o.keepCrops) giveBuffer(buf);
    dets.forEach((d, i) => {
      // face-api's expression net takes the same 112×112 box crop: handed on, not cut twice
      if (o.keepCrops) d.crop112 = batch.subarray(per * i, per * (i + 1));
      const r = clipBox(img, d.box);
      const side = Math.max(r.w, r.h);
      const padX = r.w < r.h ? (r.h - r.w) / 2 : 0;
      const padY = r.h < r.w ? (r.w - r.h) / 2 : 0;
      d.landmarks = Array.from({ length: 68 }, (_, k) => ({
        x: r.x + landmarks[i * 136 + 2 * k] * side - padX,
        y: r.y + landmarks[i * 136 + 2 * k + 1] * side - padY,
      }));
    });
  }
  return dets;
}

/** Hand back the crops kept by `detectFaces(…, { keepCrops: true })` (the detections lose them). */
export function releaseCrops(dets: Detection[]): void {
  const c = dets.find((d) => d.crop112)?.crop112;
  for (const d of dets) delete d.crop112;
  if (c) giveBuffer(new Float32Array(c.buffer, 0, c.buffer.byteLength / 4));
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
