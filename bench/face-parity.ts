/**
 * Face parity and domain bench: face-api's own pipeline vs ours on the same images, per domain, and the
 * default ensemble chosen by leave-one-domain-out validation.
 *
 * Domains (each a disjoint slice of its source, so no face is in two FER domains):
 * - fer-crops: FER2013 PublicTest 48×48 crops (PrivateTest is kept for bench:face), whole image as the face (in the wild, grayscale, low-res);
 * - fer-frames: other PublicTest crops scaled to 120–200 px and pasted on a 640×480 noisy gray canvas
 *   (full frame with detection; a grayscale face);
 * - fer-lowres: other PublicTest crops shrunk to 16×16, blown up to 100–140 px and pasted likewise;
 * - enterface: eNTERFACE'05 apex frames (second half of each clip, 720×576 colour video, posed);
 * - enterface-gray: the same frames in grayscale; enterface-lowres: the same frames at 180×144.
 *
 * face-api's pipeline = `detectAllFaces(TinyFaceDetectorOptions({ inputSize: 320, scoreThreshold: 0.3 }))
 * .withFaceExpressions()` (FaceExpressionNet on the detection box); on pre-cropped faces, FaceExpressionNet
 * on the whole crop. Our ONNX port reproduces it (checked here against TF.js on the first --check images of
 * each detection domain), so the full sets use the port. Misses count as errors; the largest face is scored.
 * Per-face model outputs are cached under .cache/face-parity/.
 *
 * With emosig's own CNN as a third member, a second selection under a rule declared before its results
 * (candidates3 / pick3 below); `--write3` ships that choice when its gate passes.
 *
 *   npx tsx bench/face-parity.ts [--n 400] [--check 20] [--write | --write3]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { CORE_LABELS } from '../src/signature/labels.js';
import { modelPath, packageRoot } from '../src/runtime/paths.js';
import { cropFor } from '../src/vision/index.js';
import { laplacianVariance } from '../src/vision/quality.js';
import { decodeImage } from '../src/vision/decode.js';
import { calibrate, combine, loadEnsemble } from '../src/vision/ensemble.js';
import { classify, loadModels, CLASSIFIER_INPUT, type ClassifierName, type LoadedModels } from '../src/vision/models.js';
import { boxCrop, detectFaces } from '../src/vision/detect.js';
import { geoMean, TTA_VIEWS, warpCrop, wholeImageSpec, type CropSpec, type TtaView } from '../src/vision/crop.js';
import { videoFrames } from '../src/vision/video.js';
import type { RgbImage } from '../src/vision/types.js';
import { ENTERFACE, ENTERFACE_TO_CORE, FER, ferItems, fitLogistic, ownModelHash, predictLogistic } from '../scripts/lib/face-data.js';
import { mulberry32 } from '../scripts/lib/random.js';
import { classMetrics, type ClassMetrics } from '../scripts/lib/metrics.js';
import { faceapiPipeline, loadRef } from '../scripts/lib/face-ref.js';

export const DOMAINS = ['fer-crops', 'fer-frames', 'fer-lowres', 'enterface', 'enterface-gray', 'enterface-lowres'] as const;
export type Domain = (typeof DOMAINS)[number];
const CACHE_VERSION = 'v6';
/** Views computed for every face (the library runs a subset: TTA_VIEWS). */
const FACEAPI_VIEWS: TtaView[] = [
  { scale: 1, flip: false },
  { scale: 1, flip: true },
];
const OWN_VIEWS: TtaView[] = [
  { scale: 1, flip: false },
  { scale: 1, flip: true },
];
const HUMAN_VIEWS: TtaView[] = [
  { scale: 1, flip: false },
  { scale: 1, flip: true },
  { scale: 0.9, flip: false },
  { scale: 0.9, flip: true },
  { scale: 1.1, flip: false },
  { scale: 1.1, flip: true },
];

/** Per-face raw probabilities (CORE order) of every view we may combine; null when no face was found. */
export interface FaceFeats {
  y: number;
  /** face-api on the box crop: [plain, mirror]. */
  fb: number[][];
  /** face-api on the landmark crop (eyes level, margin 1.25): [plain, mirror]. */
  fl: number[][];
  /** human on the box crop, TTA_VIEWS.human order (3 scales × mirror). */
  hb: number[][];
  /** human on the landmark crop, same views. */
  hl: number[][];
  /** emosig's own CNN on the box crop (64×64 gray, human's crop): [plain, mirror]. */
  ob: number[][];
  /** Measured input property: Laplacian variance of the 64×64 gray crop, as the library computes it. */
  lap: number;
}
export type DomainFeats = { domain: Domain; items: (FaceFeats | { y: number; miss: true })[]; check?: { n: number; sameCount: number; maxAbsDiff: number } };

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

async function views(m: LoadedModels, img: RgbImage, name: ClassifierName, cut: (scale: number, flip: boolean, size: number, gray: boolean, dst: Float32Array, off: number) => void, vs = name === 'faceapi' ? FACEAPI_VIEWS : name === 'own' ? OWN_VIEWS : HUMAN_VIEWS): Promise<number[][]> {
  const { size, gray } = CLASSIFIER_INPUT[name];
  const per = size * size * (gray ? 1 : 3);
  const batch = new Float32Array(per * vs.length);
  vs.forEach((v, j) => cut(v.scale, v.flip, size, gray, batch, per * j));
  return (await classify(m, name, batch, vs.length)).map((r) => Array.from(r, (x) => round(x, 6)));
}

/** All views for one image (assumeFace: the whole image is the face). */
export async function faceFeats(m: LoadedModels, img: RgbImage, y: number, assumeFace: boolean): Promise<FaceFeats | { y: number; miss: true }> {
  let box: number[];
  let spec: CropSpec;
  if (assumeFace) {
    spec = wholeImageSpec(img);
    const warp = (s: CropSpec) => (scale: number, flip: boolean, size: number, gray: boolean, dst: Float32Array, off: number) => warpCrop(img, { ...s, side: s.side * scale }, size, gray, flip, dst, off);
    const fb = await views(m, img, 'faceapi', warp(spec));
    const hb = await views(m, img, 'human', warp(spec));
    const ob = await views(m, img, 'own', warp(spec));
    return { y, fb, fl: fb, hb, hl: hb, ob, lap: lapVarOf(img, spec) };
  }
  const dets = await detectFaces(m, img, { inputSize: 320, minScore: 0.3, landmarks: 'tiny' });
  if (!dets.length) return { y, miss: true };
  const d = dets[0];
  box = d.box;
  const cf = cropFor(d, true, 1.25);
  spec = cf.spec;
  const byBox = (scale: number, flip: boolean, size: number, gray: boolean, dst: Float32Array, off: number) => {
    const [x, yy, w, h] = box;
    boxCrop(img, [x + (w * (1 - scale)) / 2, yy + (h * (1 - scale)) / 2, w * scale, h * scale], size, gray, flip, dst, off);
  };
  const byLm = (scale: number, flip: boolean, size: number, gray: boolean, dst: Float32Array, off: number) => warpCrop(img, { ...spec, side: spec.side * scale }, size, gray, flip, dst, off);
  return {
    y,
    fb: await views(m, img, 'faceapi', byBox),
    fl: await views(m, img, 'faceapi', byLm),
    hb: await views(m, img, 'human', byBox),
    hl: await views(m, img, 'human', byLm),
    ob: await views(m, img, 'own', byBox),
    lap: lapVarOf(img, spec),
  };
}

/** The blur measure the library gates on for a face (src/vision/index.ts classifyCrops). */
function lapVarOf(img: RgbImage, spec: CropSpec): number {
  const g = new Float32Array(64 * 64);
  warpCrop(img, spec, 64, true, false, g);
  return round(laplacianVariance(g, 64), 2);
}

function rgbFromGray(g: Uint8Array, w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = g[i];
  return { width: w, height: h, data };
}

/** A FER crop pasted on a 640×480 noisy gray canvas at a seeded size and place (shrunk to `via` px first when given). */
async function ferFrame(file: string, seed: number, sizeRange: [number, number], via?: number): Promise<RgbImage> {
  const rnd = mulberry32(seed);
  const s = Math.round(sizeRange[0] + rnd() * (sizeRange[1] - sizeRange[0]));
  let p = sharp(file).grayscale();
  if (via) p = sharp(await p.resize(via, via).png().toBuffer()).grayscale();
  const face = await p.resize(s, s, { kernel: 'lanczos3' }).raw().toBuffer();
  const W = 640;
  const H = 480;
  const base = 100 + Math.round(rnd() * 60);
  const g = new Uint8Array(W * H);
  for (let i = 0; i < g.length; i++) g[i] = Math.max(0, Math.min(255, base + Math.round((rnd() - 0.5) * 24)));
  const x0 = Math.floor(rnd() * (W - s));
  const y0 = Math.floor(rnd() * (H - s));
  for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) g[(y0 + y) * W + x0 + x] = face[y * s + x];
  return rgbFromGray(g, W, H);
}

async function enterfaceFrames(): Promise<{ img: RgbImage; y: number }[]> {
  const rows = readFileSync(join(ENTERFACE, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const out: { img: RgbImage; y: number }[] = [];
  for (const [file, label] of rows) {
    const y = CORE_LABELS.indexOf(ENTERFACE_TO_CORE[label]);
    const frames: RgbImage[] = [];
    for await (const f of videoFrames(join(ENTERFACE, file), { fps: 0 })) frames.push(f.image);
    for (const img of frames.slice(Math.floor(frames.length / 2))) out.push({ img, y });
  }
  return out;
}

async function variant(img: RgbImage, kind: 'gray' | 'lowres'): Promise<RgbImage> {
  if (kind === 'gray') {
    const g = new Uint8Array(img.width * img.height);
    for (let i = 0; i < g.length; i++) g[i] = Math.round(0.299 * img.data[3 * i] + 0.587 * img.data[3 * i + 1] + 0.114 * img.data[3 * i + 2]);
    return rgbFromGray(g, img.width, img.height);
  }
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize(180, 144).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Build (or load from .cache) the per-face features of every domain. */
export async function domainFeatures(n: number, nCheck: number, log = (s: string) => process.stderr.write(s + '\n')): Promise<DomainFeats[]> {
  const dir = join(packageRoot(), '.cache', 'face-parity');
  mkdirSync(dir, { recursive: true });
  const m = await loadModels();
  // FER2013 PublicTest: PrivateTest stays untouched for bench:face's headline figure
  const fer = ferItems('PublicTest');
  // labels.csv is grouped by class: take an even subsample of each third
  const slice = (k: number) => {
    const all = fer.filter((_, i) => i % 3 === k);
    const step = all.length / Math.min(n, all.length);
    return Array.from({ length: Math.min(n, all.length) }, (_, i) => all[Math.floor(i * step)]);
  };
  let ef: { img: RgbImage; y: number }[] | undefined;
  const out: DomainFeats[] = [];
  for (const domain of DOMAINS) {
    const cf = join(dir, `${domain}-${n}-${nCheck}-${CACHE_VERSION}-${ownModelHash()}.json`);
    if (existsSync(cf)) {
      out.push(JSON.parse(readFileSync(cf, 'utf8')));
      continue;
    }
    let gen: { get: () => Promise<RgbImage>; y: number }[];
    if (domain === 'fer-crops') gen = slice(0).map((it) => ({ get: () => decodeImage(it.file), y: it.y }));
    else if (domain === 'fer-frames') gen = slice(1).map((it, i) => ({ get: () => ferFrame(it.file, 1000 + i, [120, 200]), y: it.y }));
    else if (domain === 'fer-lowres') gen = slice(2).map((it, i) => ({ get: () => ferFrame(it.file, 5000 + i, [100, 140], 16), y: it.y }));
    else {
      ef ??= await enterfaceFrames();
      const kind = domain === 'enterface-gray' ? 'gray' : domain === 'enterface-lowres' ? 'lowres' : null;
      gen = ef.map((f) => ({ get: async () => (kind ? variant(f.img, kind) : f.img), y: f.y }));
    }
    const t = performance.now();
    const items: DomainFeats['items'] = [];
    let check: DomainFeats['check'];
    const assume = domain === 'fer-crops';
    if (!assume && nCheck > 0) {
      const ref = await loadRef();
      check = { n: 0, sameCount: 0, maxAbsDiff: 0 };
      for (const g of gen.slice(0, nCheck)) {
        const img = await g.get();
        const theirs = await faceapiPipeline(ref, img, 320, 0.3);
        const ours = await detectFaces(m, img, { inputSize: 320, minScore: 0.3, landmarks: 'none' });
        check.n++;
        if (theirs.length === ours.length) check.sameCount++;
        if (ours.length && theirs.length) {
          const big = theirs.sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])[0];
          const [p] = await classify(m, 'faceapi', boxCrop(img, ours[0].box, 112), 1);
          for (let k = 0; k < 7; k++) check.maxAbsDiff = Math.max(check.maxAbsDiff, Math.abs(p[k] - big.probs[k]));
        }
      }
    }
    for (let i = 0; i < gen.length; i++) {
      items.push(await faceFeats(m, await gen[i].get(), gen[i].y, assume));
      if (i % 100 === 99) log(`  ${domain} ${i + 1}/${gen.length}`);
    }
    const df: DomainFeats = { domain, items, ...(check ? { check } : {}) };
    writeFileSync(cf, JSON.stringify(df));
    log(`face-parity: ${domain} ${items.length} images in ${round((performance.now() - t) / 1000, 1)} s`);
    out.push(df);
  }
  return out;
}

/** Laplacian-variance thresholds tried by the gated candidates. */
const GATE_T = [10, 20, 40, 80, 160, 320];

/** Mean-UAR difference treated as a tie (then the cheaper candidate wins). */
export const TIE = 0.005;

/** Network passes per face of a candidate (its cost). */
export function passes(name: string): number {
  const human = /human plain \+ mirror|human, box crop, plain \+ mirror/.test(name) ? 2 : 6;
  const fa = /without mirror|own pipeline/.test(name) ? 1 : 2;
  if (name.startsWith('pooled') || name.startsWith('previous')) return fa + human;
  if (name.startsWith('human')) return human;
  return fa;
}

/** The corpus a domain is made from: domains of one source share faces or frames, so they are held out together. */
export const source = (d: string) => d.split('-')[0];

/** A candidate turns one face's features into 7 probabilities. */
export type Candidate = (f: FaceFeats) => ArrayLike<number>;

/** Log-linear pooling of face-api (box crop + mirror) and human (box crop, 6 views): p ∝ pf^w · ph^(1−w). */
export function pooled(w: number, crop: 'box' | 'lm' = 'box', faceapiMirror = true, humanViews = 6): Candidate {
  return (f) => {
    const a = geoMean((crop === 'box' ? f.fb : f.fl).slice(0, faceapiMirror ? 2 : 1));
    const b = geoMean((crop === 'box' ? f.hb : f.hl).slice(0, humanViews));
    const out = new Float32Array(7);
    let s = 0;
    for (let k = 0; k < 7; k++) s += out[k] = Math.exp(w * Math.log(a[k] + 1e-6) + (1 - w) * Math.log(b[k] + 1e-6));
    for (let k = 0; k < 7; k++) out[k] /= s;
    return out;
  };
}

/** Pooling gated on the measured blur (Laplacian variance of the face crop): weight wLow for face-api below the threshold, wHigh above (face-api plain, human plain + mirror). */
export function gated(t: number, wLow: number, wHigh: number): Candidate {
  const lo = pooled(wLow, 'box', false, 2);
  const hi = pooled(wHigh, 'box', false, 2);
  return (f) => (f.lap < t ? lo(f) : hi(f));
}

/**
 * ---- Three members (emosig's own CNN added), rule DECLARED before any result of that CNN was seen ----
 *
 * Members: face-api (box crop, plain view), human (box crop + mirror, geometric mean), own CNN (box crop, plain
 * view; its mirror is not a candidate: a second pass breaks the 3 ms per-crop budget).
 * Candidates: every two-member candidate above; the own CNN alone; log-linear pools p ∝ pf^a · ph^b · po^c with
 * (a, b, c) on the 0.1 simplex grid and c > 0; and gated pools: Laplacian variance of the face crop below
 * t ∈ {40, 80, 160} → a pool on the 0.25 grid, else a pool on the 0.1 grid (the own CNN weighted in at least one).
 * Selection domains: fer-frames, fer-lowres, enterface, enterface-gray, enterface-lowres (fer-crops is reported
 * only). On a set of selection domains: among the candidates whose accuracy is ≥ face-api's own pipeline's on
 * every one of them (all candidates if none is), the best mean UAR; candidates within TIE of it are tied and
 * the one with the fewest network passes wins (then the higher mean UAR). Held-out estimates: for each selection
 * domain, the rule applied on the selection domains of the other source, scored on the held-out domain. The
 * choice on all five selection domains replaces the shipped default only if, on each of the six domains where the
 * shipped default's accuracy is ≥ face-api's pipeline's, the choice's is too, and the pre-cropped face stays
 * within 3 ms (bench/face-speed.ts); otherwise the shipped default stays and the result is recorded.
 */
export const SELECT_DOMAINS: readonly Domain[] = ['fer-frames', 'fer-lowres', 'enterface', 'enterface-gray', 'enterface-lowres'];
const GATE3_T = [40, 80, 160];
type W3 = [number, number, number];

function simplex(step: number): W3[] {
  const k = Math.round(1 / step);
  const out: W3[] = [];
  for (let a = 0; a <= k; a++) for (let b = 0; b <= k - a; b++) out.push([round(a / k, 4), round(b / k, 4), round((k - a - b) / k, 4)]);
  return out;
}

const LOGS = new WeakMap<FaceFeats, Float64Array>();
/** log p of the three members for a face (face-api plain, human plain + mirror, own plain), memoised. */
function logs3(f: FaceFeats): Float64Array {
  let l = LOGS.get(f);
  if (!l) {
    l = new Float64Array(21);
    const h = geoMean(f.hb.slice(0, 2));
    for (let k = 0; k < 7; k++) {
      l[k] = Math.log(f.fb[0][k] + 1e-6);
      l[7 + k] = Math.log(h[k] + 1e-6);
      l[14 + k] = Math.log(f.ob[0][k] + 1e-6);
    }
    LOGS.set(f, l);
  }
  return l;
}

/** Log-linear pool of the three members (unnormalised log scores are enough for the argmax, but return probabilities). */
export function pool3(w: W3): Candidate {
  return (f) => {
    const l = logs3(f);
    const z = new Float64Array(7);
    for (let k = 0; k < 7; k++) z[k] = w[0] * l[k] + w[1] * l[7 + k] + w[2] * l[14 + k];
    let mx = -Infinity;
    for (let k = 0; k < 7; k++) mx = Math.max(mx, z[k]);
    let sum = 0;
    for (let k = 0; k < 7; k++) sum += z[k] = Math.exp(z[k] - mx);
    for (let k = 0; k < 7; k++) z[k] /= sum;
    return z;
  };
}

const w3name = (w: W3) => `faceapi=${w[0]} human=${w[1]} own=${w[2]}`;

export function candidates3(): Record<string, Candidate> {
  const c: Record<string, Candidate> = { 'own CNN, box crop': (f) => f.ob[0], 'own CNN, box crop + mirror (not a candidate: 2 passes)': (f) => geoMean(f.ob) };
  for (const w of simplex(0.1)) if (w[2] > 0) c[`pool3 ${w3name(w)}`] = pool3(w);
  for (const t of GATE3_T)
    for (const lo of simplex(0.25))
      for (const hi of simplex(0.1)) {
        if (lo[2] === 0 && hi[2] === 0) continue;
        const a = pool3(lo);
        const b = pool3(hi);
        c[`gated3 lapVar<${t}: ${w3name(lo)} else ${w3name(hi)}`] = (f) => (f.lap < t ? a(f) : b(f));
      }
  return c;
}

/** Network passes per face of a three-member candidate (face-api 1, human 2, own 1 for each member weighted anywhere). */
export function passes3(name: string): number {
  if (!/^(pool3|gated3|own CNN)/.test(name)) return passes(name);
  if (name.startsWith('own CNN')) return name.includes('mirror') ? 2 : 1;
  const used = (m: string) => [...name.matchAll(new RegExp(`${m}=([\\d.]+)`, 'g'))].some((x) => Number(x[1]) > 0);
  return (used('faceapi') ? 1 : 0) + (used('human') ? 2 : 0) + (used('own') ? 1 : 0);
}

type Scores = Record<string, Record<string, ClassMetrics & { detectionRate: number }>>;

/** The declared rule on a set of selection domains (see above). */
export function pick3(res: Scores, names: string[], ds: string[]): string {
  const ref = "face-api's own pipeline";
  const mean = (n: string) => ds.reduce((a, d) => a + res[n][d].uar, 0) / ds.length;
  const feasible = names.filter((n) => ds.every((d) => res[n][d].accuracy >= res[ref][d].accuracy));
  const pool = feasible.length ? feasible : names;
  const bv = Math.max(...pool.map(mean));
  return pool.filter((n) => mean(n) >= bv - TIE).sort((a, b) => passes3(a) - passes3(b) || mean(b) - mean(a))[0];
}

export function scoreDomain(d: DomainFeats, c: Candidate): ClassMetrics & { detectionRate: number } {
  const y: number[] = [];
  const p: number[] = [];
  let found = 0;
  for (const it of d.items) {
    y.push(it.y);
    if ('miss' in it) {
      // a miss is an error: predict a class that is never the truth's
      p.push(it.y === 0 ? 1 : 0);
      continue;
    }
    found++;
    const q = c(it);
    let best = 0;
    for (let k = 1; k < 7; k++) if (q[k] > q[best]) best = k;
    p.push(best);
  }
  return { ...classMetrics(y, p, CORE_LABELS), detectionRate: found / Math.max(1, d.items.length) };
}

export function candidates(): Record<string, Candidate> {
  const ens = loadEnsemble();
  const stack = { ...ens, pool: undefined };
  const c: Record<string, Candidate> = {
    "face-api's own pipeline": (f) => f.fb[0],
    'faceapi, box crop + mirror': (f) => geoMean(f.fb),
    'faceapi, landmark crop + mirror (previous default crop)': (f) => geoMean(f.fl),
    'faceapi, landmark crop + mirror, FER-calibrated (previous --model faceapi)': (f) => calibrate(ens, 'faceapi', geoMean(f.fl)),
    'human, box crop, 6-view TTA': (f) => geoMean(f.hb),
    'human, landmark crop, 6-view TTA': (f) => geoMean(f.hl),
    'previous ensemble (FER-fitted stacking), landmark crops': (f) => combine(stack, { faceapi: geoMean(f.fl), human: geoMean(f.hl) }),
    'previous ensemble (FER-fitted stacking), box crops': (f) => combine(stack, { faceapi: geoMean(f.fb), human: geoMean(f.hb) }),
  };
  for (const w of [0.2, 0.35, 0.5, 0.65, 0.8]) c[`pooled w=${w} (box)`] = pooled(w);
  for (const w of [0.2, 0.35, 0.5]) c[`pooled w=${w} (box, face-api without mirror)`] = pooled(w, 'box', false);
  for (const w of [0.2, 0.35, 0.5]) c[`pooled w=${w} (box, face-api without mirror, human plain + mirror)`] = pooled(w, 'box', false, 2);
  c['human, box crop, plain + mirror'] = (f) => geoMean(f.hb.slice(0, 2));
  for (const t of GATE_T) for (const wl of [0.5, 0.65, 0.8, 1]) for (const wh of [0.2, 0.35]) c[`gated lapVar<${t}: w=${wl} else w=${wh} (box, face-api without mirror, human plain + mirror)`] = gated(t, wl, wh);
  return c;
}

/**
 * Leave-one-domain-out selection: for each held-out domain, the candidate with the best mean UAR over the
 * other domains is chosen and scored on the held-out one. Returns the choice per held-out domain and the
 * choice on all domains (what would ship).
 */
export function lodo(feats: DomainFeats[], cands: Record<string, Candidate>, pool: string[]): { heldOut: Record<string, { chosen: string; metrics: ClassMetrics }>; overall: string } {
  const uar: Record<string, Record<string, number>> = {};
  for (const name of pool) {
    uar[name] = {};
    for (const d of feats) uar[name][d.domain] = scoreDomain(d, cands[name]).uar;
  }
  // the best mean UAR; among candidates within TIE of it, the one with the fewest network passes
  const pick = (exclude?: string) => {
    const ds = feats.filter((d) => !exclude || source(d.domain) !== source(exclude));
    const mean = (name: string) => ds.reduce((a, d) => a + uar[name][d.domain], 0) / ds.length;
    const bv = Math.max(...pool.map(mean));
    return pool.filter((n) => mean(n) >= bv - TIE).sort((a, b) => passes(a) - passes(b) || mean(b) - mean(a))[0];
  };
  const heldOut: Record<string, { chosen: string; metrics: ClassMetrics }> = {};
  for (const d of feats) {
    const chosen = pick(d.domain);
    heldOut[d.domain] = { chosen, metrics: scoreDomain(d, cands[chosen]) };
  }
  return { heldOut, overall: pick() };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { n: { type: 'string' }, check: { type: 'string' }, write: { type: 'boolean' }, write3: { type: 'boolean' } } });
  if (!existsSync(FER) || !existsSync(ENTERFACE)) {
    process.stderr.write('face-parity: ../shared/data/face not found; nothing to do\n');
    return 0;
  }
  const n = Number(values.n ?? 400);
  const nCheck = Number(values.check ?? 20);
  const load0 = loadavg().map((v) => round(v, 2));
  const feats = await domainFeatures(n, nCheck);
  const cands = candidates();
  const md: string[] = ['# Face parity and domains', ''];
  md.push(`Machine: ${cpus().length} vCPU (${cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${load0.join(' / ')} at start. Generated by \`npx tsx bench/face-parity.ts --n ${n} --check ${nCheck}\`.`, '');
  md.push("face-api's own pipeline is `detectAllFaces(TinyFaceDetectorOptions({ inputSize: 320, scoreThreshold: 0.3 })).withFaceExpressions()` (on pre-cropped FER faces: FaceExpressionNet on the whole crop). Misses count as errors; the largest face is scored. Accuracy / UAR / macro-F1 over 7 classes.", '');
  md.push('Reproduction check (TF.js face-api vs our ONNX port on the first images of each detection domain):', '');
  md.push('| domain | images | same number of faces | max abs probability difference |', '|---|---:|---:|---:|');
  for (const d of feats) if (d.check) md.push(`| ${d.domain} | ${d.check.n} | ${d.check.sameCount} | ${d.check.maxAbsDiff.toExponential(1)} |`);
  md.push('');
  const res: Record<string, Record<string, ClassMetrics & { detectionRate: number }>> = {};
  for (const [name, c] of Object.entries(cands)) {
    res[name] = {};
    for (const d of feats) res[name][d.domain] = scoreDomain(d, c);
  }
  md.push('## Every candidate on every domain (accuracy / UAR / macro-F1)', '');
  md.push(`| candidate | ${feats.map((d) => `${d.domain} (n=${d.items.length}, det ${round(res["face-api's own pipeline"][d.domain].detectionRate, 2)})`).join(' | ')} |`, `|---|${feats.map(() => '---').join('|')}|`);
  for (const [name, r] of Object.entries(res)) md.push(`| ${name} | ${feats.map((d) => `${round(r[d.domain].accuracy)} / ${round(r[d.domain].uar)} / ${round(r[d.domain].macroF1)}`).join(' | ')} |`);
  md.push('');
  const pool = Object.keys(cands).filter((k) => !k.includes('previous'));
  const lo = lodo(feats, cands, pool);
  md.push('## Leave-one-domain-out choice of the default', '');
  md.push(`Rule: the best mean UAR; candidates within ${TIE} of it count as tied and the one with the fewest network passes wins.`, '');
  md.push('For each held-out domain, the candidate with the best mean UAR on the domains of the *other* source is chosen (FER-derived domains share faces with each other and the eNTERFACE variants share frames, so a held-out domain’s whole source is left out; the held-out domain is never looked at) and scored on the held-out domain.', '');
  md.push(`| held-out domain | chosen on the other source | held-out acc / UAR / macro-F1 | shipped default (chosen on all) | face-api's pipeline = faceapi member | human member (crop + mirror) |`, '|---|---|---|---|---|---|');
  const f = (r: ClassMetrics) => `${round(r.accuracy)} / ${round(r.uar)} / ${round(r.macroF1)}`;
  for (const d of feats) {
    const h = lo.heldOut[d.domain];
    md.push(`| ${d.domain} | ${h.chosen} | ${f(h.metrics)} | ${f(res[lo.overall][d.domain])} | ${f(res["face-api's own pipeline"][d.domain])} | ${f(res['human, box crop, plain + mirror'][d.domain])} |`);
  }
  md.push('', `Chosen on all six domains (mean UAR; what ships): **${lo.overall}**.`, '');
  md.push('### Stacking fitted across domains (leave one domain out)', '');
  md.push('A logistic layer over [log p_faceapi, log p_human] (box crops) fitted on the domains of the other source (200 detected faces each), scored on the held-out one.', '');
  md.push('| held-out domain | LODO stacking acc / UAR / macro-F1 | LODO-chosen candidate | best member on this domain (UAR) |', '|---|---|---|---|');
  const stackRes: Record<string, ClassMetrics> = {};
  for (const d of feats) {
    const st = fitStack(feats.filter((e) => source(e.domain) !== source(d.domain)));
    stackRes[d.domain] = scoreDomain(d, st.cand);
    const best = Math.max(res["face-api's own pipeline"][d.domain].uar, res['human, box crop, plain + mirror'][d.domain].uar);
    md.push(`| ${d.domain} | ${f(stackRes[d.domain])} | ${f(lo.heldOut[d.domain].metrics)} | ${round(best)} |`);
  }
  md.push('');
  // ---- three members: the declared rule (see candidates3 / pick3)
  const c3 = candidates3();
  const all: Scores = { ...res };
  for (const [name, c] of Object.entries(c3)) {
    all[name] = {};
    for (const d of feats) all[name][d.domain] = scoreDomain(d, c);
  }
  const ref = "face-api's own pipeline";
  const names3 = Object.keys(all).filter((k) => !k.includes('previous') && !k.includes('not a candidate'));
  const sel = feats.map((d) => d.domain as string).filter((d) => (SELECT_DOMAINS as readonly string[]).includes(d));
  const held3: Record<string, { chosen: string; metrics: ClassMetrics }> = {};
  for (const d of sel) {
    const ch = pick3(all, names3, sel.filter((e) => source(e) !== source(d)));
    held3[d] = { chosen: ch, metrics: all[ch][d] };
  }
  const choice3 = pick3(all, names3, sel);
  const shipped = lo.overall;
  const gateFails = feats.map((d) => d.domain).filter((d) => all[shipped][d].accuracy >= all[ref][d].accuracy && all[choice3][d].accuracy < all[ref][d].accuracy);
  const ship3 = gateFails.length === 0 && choice3 !== shipped;
  md.push('## Three members: emosig\'s own CNN added (rule declared before its results)', '');
  md.push('Members: face-api (box crop), human (box crop + mirror), the own CNN (`models/face/own_expression.onnx`, trained on FER2013 Training only by `scripts/train-face-cnn.py`; box crop, plain view). Candidates: the two-member ones above, the own CNN alone, log-linear pools p ∝ pf^a · ph^b · po^c on the 0.1 simplex grid, and pools gated on the Laplacian variance (t ∈ {40, 80, 160}; 0.25 grid below t, 0.1 grid above) — ' + `${names3.length} candidates.`, '');
  md.push(`Rule: selection domains ${sel.join(', ')} (fer-crops reported only); among the candidates with accuracy ≥ face-api's own pipeline on every selection domain used (all, if none), the best mean UAR, ties within ${TIE} to the fewest network passes. Held-out: chosen on the other source's selection domains. Ships only if it is not below face-api's pipeline (accuracy) on any domain where the shipped default is not, and a pre-cropped face stays ≤ 3 ms.`, '');
  md.push(`| candidate | ${feats.map((d) => d.domain).join(' | ')} |`, `|---|${feats.map(() => '---').join('|')}|`);
  const row = (label: string, name: string) => md.push(`| ${label} | ${feats.map((d) => f(all[name][d.domain])).join(' | ')} |`);
  row("face-api's own pipeline", ref);
  row('human member (crop + mirror)', 'human, box crop, plain + mirror');
  row('own CNN alone (crop)', 'own CNN, box crop');
  row('own CNN alone (crop + mirror; not a candidate)', 'own CNN, box crop + mirror (not a candidate: 2 passes)');
  row(`shipped two-member default (${shipped})`, shipped);
  row(`**three-member choice on the five selection domains** (${choice3})`, choice3);
  md.push('');
  md.push('| held-out domain | chosen on the other source | held-out acc / UAR / macro-F1 | face-api\'s pipeline | shipped two-member default, held out (above) |', '|---|---|---|---|---|');
  for (const d of sel) md.push(`| ${d} | ${held3[d].chosen} | ${f(held3[d].metrics)} | ${f(all[ref][d])} | ${f(lo.heldOut[d].metrics)} |`);
  md.push('');
  const mean5 = (n: string) => sel.reduce((a, d) => a + all[n][d].uar, 0) / sel.length;
  const top = names3.filter((n) => sel.every((d) => all[n][d].accuracy >= all[ref][d].accuracy)).sort((a, b) => mean5(b) - mean5(a)).slice(0, 10);
  md.push(`Top feasible candidates on the five selection domains (mean UAR; passes): ${top.map((n) => `${n} (${round(mean5(n))}; ${passes3(n)})`).join('; ') || 'none'}.`, '');
  md.push(ship3 ? `Ship gate: passed — the three-member choice replaces the default (subject to the speed check).` : `Ship gate: ${choice3 === shipped ? 'the rule keeps the shipped default' : `failed on ${gateFails.join(', ')}`} — the shipped default stays.`, '');
  if (values.write3) {
    if (!ship3) throw new Error('--write3: the ship gate did not pass; nothing written');
    const parse = (t: string): W3 => {
      const mm = /faceapi=([\d.]+) human=([\d.]+) own=([\d.]+)/.exec(t);
      if (!mm) throw new Error(`cannot ship candidate ${choice3}`);
      return [Number(mm[1]), Number(mm[2]), Number(mm[3])];
    };
    const asPool = (w: W3) => ({ faceapi: w[0], human: w[1], own: w[2] });
    const file = modelPath('face', 'ensemble.json');
    const e = JSON.parse(readFileSync(file, 'utf8'));
    const g3 = /^gated3 lapVar<([\d.]+): (.*) else (.*)$/.exec(choice3);
    if (g3) {
      e.pool = asPool(parse(g3[3]));
      e.gate = { lapVarBelow: Number(g3[1]), pool: asPool(parse(g3[2])) };
    } else if (choice3.startsWith('pool3')) {
      e.pool = asPool(parse(choice3));
      delete e.gate;
    } else throw new Error(`cannot ship candidate ${choice3}`);
    e.models = ['faceapi', 'human', 'own'];
    e.features = ['faceapi', 'human'];
    e.crop = 'box';
    e.poolChosenBy = `bench/face-parity.ts --n ${n} --write3: ${choice3}, the declared three-member rule over five selection domains; leave-one-source-out estimates in bench/results/face-parity.md`;
    writeFileSync(file, JSON.stringify(e, null, 1) + '\n');
    md.push(`Written to models/face/ensemble.json: pool ${JSON.stringify(e.pool)}${e.gate ? `, gate ${JSON.stringify(e.gate)}` : ''}.`, '');
  }
  if (values.write) {
    // ship the choice: pooling weight (or a single member) and the crop, in models/face/ensemble.json
    const gm = /^gated lapVar<([\d.]+): w=([\d.]+) else w=([\d.]+) /.exec(lo.overall);
    const m = gm ? [lo.overall, gm[3], ', face-api without mirror', ', human plain + mirror'] : /^pooled w=([\d.]+) \(box(, face-api without mirror)?(, human plain \+ mirror)?\)$/.exec(lo.overall);
    const single = lo.overall.startsWith('human') ? 'human' : lo.overall.startsWith('faceapi') || lo.overall.startsWith('face-api') ? 'faceapi' : null;
    if (!m && !single) throw new Error(`cannot ship candidate ${lo.overall}`);
    if (m && !m[2]) throw new Error('the library runs face-api without its mirror view; add it to TTA_VIEWS first');
    if (m && !m[3] !== (TTA_VIEWS.human.length === 6)) throw new Error(`the chosen human views differ from TTA_VIEWS.human (${TTA_VIEWS.human.length} views); change crop.ts first`);
    const w = m ? Number(m[1]) : single === 'faceapi' ? 1 : 0;
    const file = modelPath('face', 'ensemble.json');
    const e = JSON.parse(readFileSync(file, 'utf8'));
    e.pool = { faceapi: w, human: round(1 - w, 4) };
    if (gm) e.gate = { lapVarBelow: Number(gm[1]), pool: { faceapi: Number(gm[2]), human: round(1 - Number(gm[2]), 4) } };
    else delete e.gate;
    e.crop = /landmark/.test(lo.overall) ? 'landmarks' : 'box';
    e.poolChosenBy = `bench/face-parity.ts --n ${n}: ${lo.overall}, best mean UAR over six domains; leave-one-source-out estimates in bench/results/face-parity.md`;
    writeFileSync(file, JSON.stringify(e, null, 1) + '\n');
    md.push(`Written to models/face/ensemble.json: pool ${JSON.stringify(e.pool)}${e.gate ? `, gate ${JSON.stringify(e.gate)}` : ''}, crop ${e.crop}.`, '');
  }
  const dir = join(packageRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'face-parity.md'), md.join('\n') + '\n');
  writeFileSync(
    join(dir, 'face-parity.json'),
    JSON.stringify(
      {
        n,
        nCheck,
        checks: Object.fromEntries(feats.map((d) => [d.domain, d.check ?? null])),
        results: Object.fromEntries(Object.entries(res).map(([k, r]) => [k, Object.fromEntries(Object.entries(r).map(([d, mm]) => [d, { n: mm.n, accuracy: round(mm.accuracy, 4), uar: round(mm.uar, 4), macroF1: round(mm.macroF1, 4), detectionRate: round(mm.detectionRate, 4) }]))])),
        three: {
          rule: 'declared before results: see candidates3 / pick3 in bench/face-parity.ts',
          selectionDomains: sel,
          choice: choice3,
          shipGatePassed: ship3,
          gateFails,
          results: Object.fromEntries(["face-api's own pipeline", 'own CNN, box crop', 'own CNN, box crop + mirror (not a candidate: 2 passes)', shipped, choice3].map((k) => [k, Object.fromEntries(feats.map((d) => [d.domain, { accuracy: round(all[k][d.domain].accuracy, 4), uar: round(all[k][d.domain].uar, 4), macroF1: round(all[k][d.domain].macroF1, 4) }]))])),
          heldOut: Object.fromEntries(Object.entries(held3).map(([d, h]) => [d, { chosen: h.chosen, accuracy: round(h.metrics.accuracy, 4), uar: round(h.metrics.uar, 4), macroF1: round(h.metrics.macroF1, 4) }])),
        },
        lodo: { overall: lo.overall, heldOut: Object.fromEntries(Object.entries(lo.heldOut).map(([d, h]) => [d, { chosen: h.chosen, accuracy: round(h.metrics.accuracy, 4), uar: round(h.metrics.uar, 4), macroF1: round(h.metrics.macroF1, 4) }])) },
      },
      null,
      1,
    ) + '\n',
  );
  process.stdout.write(md.join('\n') + '\n');
  return 0;
}

if (process.argv[1] && /face-parity\.(ts|js)$/.test(process.argv[1])) {
  main().then(
    (c) => (process.exitCode = c),
    (e) => {
      process.stderr.write(`face-parity: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

/** Multinomial logistic stacking over [log p_faceapi (box, plain), log p_human (box, TTA)], fitted on the given domains (each subsampled to the same size). */
export function fitStack(train: DomainFeats[], l2 = 1e-3, perDomain = 200): { W: number[][]; b: number[]; cand: Candidate } {
  const X: number[][] = [];
  const y: number[] = [];
  const row = (f: FaceFeats) => [...f.fb[0], ...geoMean(f.hb)].map((v) => Math.log(v + 1e-6));
  for (const d of train) {
    const found = d.items.filter((it): it is FaceFeats => !('miss' in it));
    const step = found.length / Math.min(perDomain, found.length);
    for (let i = 0; i < Math.min(perDomain, found.length); i++) {
      const f = found[Math.floor(i * step)];
      X.push(row(f));
      y.push(f.y);
    }
  }
  const { W, b } = fitLogistic(X, y, l2, 400);
  return { W, b, cand: (f) => predictLogistic(W, b, row(f)) };
}
