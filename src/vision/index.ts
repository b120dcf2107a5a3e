/**
 * Face modality: images, raw frames, frame directories and video files → faces → expression readings
 * over time (per-frame faces, tracks with a smoothed timeline and micro-expression events).
 */
import { checkFps } from '../signature/time.js';
import { DEFAULT_CONFIG } from '../config.js';
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { EmosigError } from '../errors.js';
import { dominantLabel, emotionsFromVector } from '../signature/labels.js';
import { CLASSIFIER_INPUT, classifyEx, loadModels, type ClassifierName, type DetectorName, type FaceBackendName, type LoadedModels } from './models.js';
import { geoMean, NO_TTA, TTA_VIEWS, warpCrop, wholeImageSpec, type CropSpec } from './crop.js';
import { checkFile, decodeImage, IMAGE_EXTENSIONS, rawToRgb, VIDEO_EXTENSIONS } from './decode.js';
import { boxCrop, detectFaces, landmarkGeometry, releaseCrops, type Detection } from './detect.js';
import { giveBuffer, takeBuffer } from './buffers.js';
import { combine, headProbs, loadEnsemble, type EnsembleFile } from './ensemble.js';
import { faceQuality, laplacianVariance } from './quality.js';
import { FaceTracker, roundEmo, va, type TrackerOptions } from './tracker.js';
import { videoFrames } from './video.js';
import type { FaceInput, FaceReading, FaceResult, FrameReading, RawFrame, RgbImage } from './types.js';
import { check, FaceInputSchema, FaceOptionsSchema } from '../runtime/validate.js';
import { modelInfo } from '../runtime/registry.js';

export * from './types.js';
export { extractAudio, probeVideo, videoFrames, findFfmpeg, type VideoInfo, type VideoFrame } from './video.js';
export { decodeImage, rawToRgb, MAX_IMAGE_PIXELS } from './decode.js';
export type { ClassifierName, DetectorName, FaceBackendName } from './models.js';
export type { TrackerOptions } from './tracker.js';

export type FaceModelName = 'ensemble' | ClassifierName;

export interface AnalyzeFacesOptions {
  /** Expression model: 'ensemble' (default; models/face/ensemble.json), or a single 'faceapi' / 'human' / 'own' model (its own probabilities; 'own' = emosig's CNN trained on FER2013, research use). */
  model?: FaceModelName;
  /** Face detector. Default 'tiny' (TinyFaceDetector). */
  detector?: DetectorName;
  /** Treat each whole image as one face crop (pre-cropped datasets such as FER2013); no detection. */
  assumeFace?: boolean;
  /** Test-time augmentation: mirror (face-api), mirror × 3 crop scales (human). Default true. */
  tta?: boolean;
  /**
   * How a detected face is cut for the classifiers: 'box' = face-api's own crop (the detection box,
   * zero-padded to a square); 'landmarks' = a square around the 68 landmarks, eyes levelled (see `align`).
   */
  crop?: 'box' | 'landmarks';
  /** With crop 'landmarks': level the eyes before classification. Default true. */
  align?: boolean;
  /** Crop side relative to the landmark extent. Default 1.25. */
  margin?: number;
  /** TinyFaceDetector input side (px, multiple of 32, 96–1024). Default 320 (config face.inputSize); larger finds smaller faces. */
  inputSize?: number;
  /** Detector score a face must exceed, in [0, 1]. Default 0.3 (config face.minScore). */
  minScore?: number;
  /** Faces classified per frame, highest score first, 1–100. Default 20 (config face.maxFaces). */
  maxFaces?: number;
  /** Frame sampling rate for videos (default 5; 0 = every frame) and time base for directories (default 5). */
  fps?: number;
  /** Stop a video after this many frames. */
  maxFrames?: number;
  /** Uncalibrated per-model probabilities on each face (`face.models`). */
  perModel?: boolean;
  /** Called as each frame is analysed (streaming output); frames are still returned unless keepFrames is false. */
  onFrame?: (frame: FrameReading) => void | Promise<void>;
  /** Keep per-frame readings in the result. Default true (set false for long videos with onFrame). */
  keepFrames?: boolean;
  tracker?: TrackerOptions;
  ffmpeg?: string;
  signal?: AbortSignal;
}

/** A reusable analyser: feed frames in time order, then read the tracks. */
export interface FaceAnalyzer {
  readonly backend: FaceBackendName;
  readonly model: string;
  readonly detector: string | null;
  /** Version and licence of the loaded face models (from the model registry). */
  readonly version?: string;
  readonly license?: string;
  /** Faces of one decoded frame (no tracking). */
  faces(img: RgbImage): Promise<FaceResult[]>;
  /** Analyse and track one frame. */
  frame(img: RgbImage | RawFrame, time: number, source: string): Promise<FrameReading>;
  tracks(): FaceReading['tracks'];
}

/** The face models' version and licence as the registry recorded them. */
function registryCard(): { version?: string; license?: string } {
  const i = modelInfo('face');
  return i ? { version: i.version, ...(i.license ? { license: i.license } : {}) } : {};
}

export async function createFaceAnalyzer(options: AnalyzeFacesOptions = {}): Promise<FaceAnalyzer> {
  check(FaceOptionsSchema, options, 'createFaceAnalyzer', 'options');
  const o = options;
  const model: FaceModelName = o.model ?? 'ensemble';
  if (!['ensemble', 'faceapi', 'human', 'own'].includes(model)) throw new EmosigError('INVALID_OPTIONS', `unknown face model '${model}' (use ensemble, faceapi, human or own)`);
  const detector: DetectorName = o.detector ?? 'tiny';
  if (detector !== 'tiny') throw new EmosigError('INVALID_OPTIONS', `unknown detector '${detector}' (the only detector is tiny, face-api's TinyFaceDetector)`);
  const ens: EnsembleFile = loadEnsemble();
  const crop = o.crop ?? ens.crop ?? DEFAULT_CROP;
  if (crop !== 'box' && crop !== 'landmarks') throw new EmosigError('INVALID_OPTIONS', `unknown crop '${crop}' (use box or landmarks)`);
  const m = await loadModels();
  // with pooling, a model of weight 0 is not run at all
  const classifiers: ClassifierName[] = model === 'ensemble' ? ens.models.filter((c) => !ens.pool || (ens.pool[c] ?? 0) > 0 || (ens.gate?.pool[c] ?? 0) > 0) : [model];
  const tta = o.tta ?? true;
  const align = o.align ?? true;
  const margin = o.margin ?? 1.25;
  const tracker = new FaceTracker(o.tracker);
  const { inputSize = DEFAULT_INPUT_SIZE, minScore = DEFAULT_MIN_SCORE, maxFaces = DEFAULT_CONFIG.face.maxFaces } = o;

  async function faces(img: RgbImage): Promise<FaceResult[]> {
    if (o.assumeFace) {
      const dets: FaceBox[] = [{ box: [0, 0, img.width, img.height], score: 1, spec: wholeImageSpec(img), pose: null }];
      return classifyCrops(m, img, dets, classifiers, tta, model, ens, o.perModel ?? false);
    }
    const raw = await detectFaces(m, img, { detector, inputSize, minScore, landmarks: 'tiny', maxFaces, keepCrops: true });
    try {
      const dets: FaceBox[] = raw.map((d) => ({ ...d, ...cropFor(d, align, margin), boxCrop: crop === 'box' }));
      if (!dets.length) return [];
      return await classifyCrops(m, img, dets, classifiers, tta, model, ens, o.perModel ?? false);
    } finally {
      releaseCrops(raw);
    }
  }

  return {
    backend: m.backend,
    model: model === 'ensemble' ? `ensemble(${ens.pool ? classifiers.map((c) => `${c}^${ens.pool![c]}`).join('·') : ens.models.join('+')})${tta ? '+tta' : ''}` : `${model}${tta && TTA_VIEWS[model].length > 1 ? '+tta' : ''}`,
    detector: o.assumeFace ? null : detector,
    ...registryCard(),
    faces,
    async frame(input, time, source) {
      // validates the size; RGB Uint8Array data is used as is, RGBA is flattened onto mid-gray
      const img = rawToRgb(input as RawFrame, source);
      const fs = await faces(img);
      tracker.update(time, fs);
      return { time, source, width: img.width, height: img.height, faces: fs };
    },
    tracks: () => tracker.finish(),
  };
}

/** TinyFaceDetector defaults (config face.inputSize / face.minScore: face-api's own 320 and 0.3; see bench/face-parity.ts). */
export const DEFAULT_INPUT_SIZE = DEFAULT_CONFIG.face.inputSize;
export const DEFAULT_MIN_SCORE = DEFAULT_CONFIG.face.minScore;
export const DEFAULT_CROP: 'box' | 'landmarks' = 'box';

type FaceBox = Detection & { spec: CropSpec; pose: { yaw: number; roll: number } | null; boxCrop?: boolean };

/** Crop square from landmarks: centred on the landmark extent (nudged up for the forehead), eyes level. */
export function cropFor(d: Detection, align: boolean, margin: number): { spec: CropSpec; pose: { yaw: number; roll: number } | null } {
  const [x, y, w, h] = d.box;
  if (!d.landmarks || d.landmarks.length < 68) {
    return { spec: { cx: x + w / 2, cy: y + h / 2, side: Math.max(w, h) * margin * 0.85, angle: 0 }, pose: null };
  }
  const g = landmarkGeometry(d.landmarks);
  const angle = align ? g.roll : 0;
  // landmark extent in the face's own (rolled) frame
  const c = Math.cos(-angle);
  const s = Math.sin(-angle);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of d.landmarks) {
    const u = p.x * c - p.y * s;
    const v = p.x * s + p.y * c;
    minX = Math.min(minX, u);
    maxX = Math.max(maxX, u);
    minY = Math.min(minY, v);
    maxY = Math.max(maxY, v);
  }
  const side = Math.max(maxX - minX, (maxY - minY) * 1.15) * margin;
  // centre in the rolled frame, shifted up to include the forehead (landmarks stop at the brows)
  const cu = (minX + maxX) / 2;
  const cv = (minY + maxY) / 2 - 0.06 * side;
  // back to image coordinates
  const ci = Math.cos(angle);
  const si = Math.sin(angle);
  return { spec: { cx: cu * ci - cv * si, cy: cu * si + cv * ci, side, angle }, pose: { yaw: g.yaw, roll: g.roll } };
}

async function classifyCrops(
  m: LoadedModels,
  img: RgbImage,
  dets: FaceBox[],
  classifiers: ClassifierName[],
  tta: boolean,
  model: FaceModelName,
  ens: EnsembleFile,
  perModel: boolean,
): Promise<FaceResult[]> {
  // quality first: the ensemble may gate its pooling weights on the measured blur of the face crop, and a
  // classifier whose weight is 0 for a face is not run on it
  const qbuf = takeBuffer(64 * 64);
  const qgray = qbuf.subarray(0, 64 * 64);
  // each face's plain 64×64 gray crop, cut once and shared by the gray 64-px classifiers (human, own); without a
  // box crop it is the quality crop itself (the same spec, scale 1, not mirrored)
  const plain64: (Float32Array | undefined)[] = [];
  const taken: Float32Array[] = [];
  const keep64 = (src: Float32Array): Float32Array => {
    const b = takeBuffer(64 * 64);
    taken.push(b);
    const v = b.subarray(0, 64 * 64);
    v.set(src);
    return v;
  };
  const shareGray = classifiers.filter((c) => CLASSIFIER_INPUT[c].gray && CLASSIFIER_INPUT[c].size === 64).length > 1;
  const quality = dets.map((d, i) => {
    warpCrop(img, d.spec, 64, true, false, qgray);
    if (shareGray && !d.boxCrop) plain64[i] = keep64(qgray);
    const q = faceQuality(qgray, 64, Math.min(d.box[2], d.box[3]), d.pose);
    const lv = model === 'ensemble' && ens.gate ? laplacianVariance(qgray, 64) : undefined;
    return { q, lv };
  });
  giveBuffer(qbuf);
  const needs = (name: ClassifierName, i: number): boolean => {
    if (perModel || model !== 'ensemble' || !ens.pool) return true;
    const pool = ens.gate && quality[i].lv !== undefined && quality[i].lv! < ens.gate.lapVarBelow ? ens.gate.pool : ens.pool;
    return (pool[name] ?? 0) > 0;
  };
  const probs: Record<string, Float32Array[]> = {};
  const wantHead = model === 'ensemble' && !!ens.head;
  for (const name of classifiers) {
    const { size, gray } = CLASSIFIER_INPUT[name];
    const vs = tta ? TTA_VIEWS[name] : NO_TTA;
    const nv = vs.length;
    const per = size * size * (gray ? 1 : 3);
    const run = dets.map((_, i) => i).filter((i) => needs(name, i));
    if (!run.length) continue;
    const buf = takeBuffer(per * run.length * nv);
    const batch = buf.subarray(0, per * run.length * nv);
    run.forEach((fi, i) => {
      const d = dets[fi];
      vs.forEach((v, j) => {
        const off = per * (i * nv + j);
        // a mirrored view of a scale already cut is that crop's columns reversed (the same floats)
        const twin = v.flip ? vs.findIndex((w, jj) => jj < j && !w.flip && w.scale === v.scale) : -1;
        const plain = gray && size === 64 && v.scale === 1 && !v.flip;
        if (twin >= 0) mirrorInto(batch, per * (i * nv + twin), off, size, gray ? 1 : 3);
        else if (plain && plain64[fi]) batch.set(plain64[fi]!, off);
        else if (d.boxCrop) {
          if (v.scale === 1 && !v.flip && !gray && size === 112 && d.crop112) batch.set(d.crop112, off);
          else {
            const [x, y, w, h] = d.box;
            const sb = [x + (w * (1 - v.scale)) / 2, y + (h * (1 - v.scale)) / 2, w * v.scale, h * v.scale];
            boxCrop(img, sb, size, gray, v.flip, batch, off);
          }
        } else warpCrop(img, { ...d.spec, side: d.spec.side * v.scale }, size, gray, v.flip, batch, off);
        if (plain && shareGray && !plain64[fi]) plain64[fi] = keep64(batch.subarray(off, off + per));
      });
    });
    let out: Awaited<ReturnType<typeof classifyEx>>;
    try {
      out = await classifyEx(m, name, batch, run.length * nv, wantHead && name === 'faceapi');
    } finally {
      giveBuffer(buf);
    }
    const { probs: rows, emb } = out;
    probs[name] = [];
    run.forEach((fi, i) => (probs[name][fi] = geoMean(rows.slice(i * nv, (i + 1) * nv))));
    if (emb) {
      probs.head = [];
      run.forEach((fi, i) => {
        const e = new Float32Array(256);
        for (let v = 0; v < nv; v++) for (let j = 0; j < 256; j++) e[j] += emb[i * nv + v][j] / nv;
        probs.head[fi] = headProbs(ens, e);
      });
    }
  }
  // (on an error above they are simply not reused)
  for (const b of taken) giveBuffer(b);
  return dets.map((d, i) => {
    // single models: their own probabilities (TTA views combined), uncalibrated — `faceapi` is face-api's pipeline
    const { q, lv } = quality[i];
    const p = model === 'ensemble' ? combine(ens, Object.fromEntries(Object.keys(probs).filter((c) => probs[c][i]).map((c) => [c, probs[c][i]])), lv) : probs[model][i];
    const emotions = roundEmo(emotionsFromVector(p));
    const sorted = Array.from(p).sort((a, b) => b - a);
    const certainty = sorted[0];
    const face: FaceResult = {
      box: d.box.map((v) => Math.round(v * 10) / 10) as FaceResult['box'],
      score: Math.round(d.score * 1000) / 1000,
      emotions,
      label: dominantLabel(emotions),
      ...va(emotions),
      quality: q.overall,
      qualityParts: q,
      confidence: Math.round(certainty * q.overall * 1000) / 1000,
      roll: Math.round(((d.pose?.roll ?? 0) * 180) / Math.PI * 10) / 10,
      trackId: -1,
    };
    if (perModel) face.models = Object.fromEntries(Object.keys(probs).map((c) => [c, roundEmo(emotionsFromVector(probs[c][i]))]));
    return face;
  });
}

/** Copy a size×size crop (ch channels) at `from` into `to`, mirrored left–right. */
function mirrorInto(buf: Float32Array, from: number, to: number, size: number, ch: number): void {
  for (let y = 0; y < size; y++) {
    const row = y * size * ch;
    for (let x = 0; x < size; x++) {
      const a = from + row + (size - 1 - x) * ch;
      const b = to + row + x * ch;
      for (let c = 0; c < ch; c++) buf[b + c] = buf[a + c];
    }
  }
}

/** What kind of input a path is. */
export async function inputKind(path: string): Promise<'image' | 'video' | 'dir'> {
  const k = await checkFile(path, true);
  if (k === 'dir') return 'dir';
  const ext = extname(path).toLowerCase();
  if (VIDEO_EXTENSIONS.has(ext)) return 'video';
  return 'image';
}

/** Image files of a directory in natural order, with their times: a number in the name / fps, else index / fps. */
export async function listFrames(dir: string, fps: number): Promise<{ path: string; time: number }[]> {
  const names = (await readdir(dir)).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()));
  names.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const nums = names.map((f) => {
    const all = f.slice(0, -extname(f).length).match(/\d+/g);
    return all ? Number(all[all.length - 1]) : NaN;
  });
  const useNums = nums.length > 0 && nums.every((v) => Number.isFinite(v)) && new Set(nums).size === nums.length;
  return names.map((f, i) => ({ path: join(dir, f), time: Math.round(((useNums ? nums[i] : i) / fps) * 10000) / 10000 }));
}

/**
 * Analyse faces in an image path, encoded image buffer, raw frame, list of those, a directory of frames
 * or a video file. Returns per-frame faces, tracks (smoothed timeline + micro-expressions) and the backend.
 */
export async function analyzeFaces(input: FaceInput, options: AnalyzeFacesOptions = {}): Promise<FaceReading> {
  check(FaceInputSchema, input, 'analyzeFaces', 'input');
  check(FaceOptionsSchema, options, 'analyzeFaces', 'options');
  const a = await createFaceAnalyzer(options);
  const keep = options.keepFrames ?? true;
  const frames: FrameReading[] = [];
  const fps = checkFps(options.fps);
  const emit = async (f: FrameReading) => {
    if (keep) frames.push(f);
    if (options.onFrame) await options.onFrame(f);
  };
  const items = Array.isArray(input) ? input : [input];
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (options.signal?.aborted) throw new EmosigError('STREAM_CLOSED', 'face analysis aborted');
    const baseTime = items.length > 1 ? i / fps : 0;
    if (typeof it === 'string') {
      const kind = await inputKind(it);
      if (kind === 'video') {
        for await (const vf of videoFrames(it, { fps, maxFrames: options.maxFrames, signal: options.signal, ffmpeg: options.ffmpeg })) {
          await emit(await a.frame(vf.image, vf.time, it));
        }
      } else if (kind === 'dir') {
        const list = await listFrames(it, fps);
        if (!list.length) throw new EmosigError('INPUT_NOT_FOUND', 'the directory holds no image files (jpg, png, webp, tiff, gif)', { input: it });
        for (const f of list) {
          if (options.signal?.aborted) throw new EmosigError('STREAM_CLOSED', 'face analysis aborted');
          await emit(await a.frame(await decodeImage(f.path), f.time, f.path));
        }
      } else {
        await emit(await a.frame(await decodeImage(it), baseTime, it));
      }
    } else if (Buffer.isBuffer(it) || it instanceof Uint8Array) {
      await emit(await a.frame(await decodeImage(it, `buffer[${i}]`), baseTime, `buffer[${i}]`));
    } else {
      await emit(await a.frame(rawToRgb(it, `frame[${i}]`), it.time ?? baseTime, `frame[${i}]`));
    }
  }
  return { frames, tracks: a.tracks(), backend: a.backend, model: a.model, detector: a.detector, ...(a.version ? { version: a.version } : {}), ...(a.license ? { license: a.license } : {}) };
}
