/**
 * A simple multi-face tracker (greedy IoU, then centre distance) and per-track smoothing:
 * - timeline: exponential smoothing of the emotions (time constant `smoothing` s), confidence-weighted;
 * - baseline: a slower running mean (time constant `baseline` s) of the raw readings;
 * - micro-expressions: a label whose raw probability departs from the baseline by ≥ `microThreshold`
 *   for a run lasting between `microMin` and `microMax` seconds (≈ 1/25 to 1/2 s).
 */
import { CORE_LABELS, LABEL_VA, dominantLabel, emotionsFromVector, emotionsToVector, type CoreLabel, type Emotions } from '../signature/labels.js';
import type { FaceResult, FaceTrack, MicroExpression, TimelinePoint } from './types.js';

export interface TrackerOptions {
  /** Minimum IoU to continue a track. Default 0.3. */
  iou?: number;
  /** Seconds a track survives without a detection. Default 1. */
  maxGap?: number;
  /** Smoothing time constant in seconds. Default 0.4. */
  smoothing?: number;
  /** Baseline time constant in seconds. Default 2. */
  baseline?: number;
  microThreshold?: number;
  microMin?: number;
  microMax?: number;
}

/** What a track keeps of each observation: the probabilities and confidence, not the whole face (an hour of live video is ~18,000 of them). */
interface Obs {
  time: number;
  emotions: number[];
  confidence: number;
  frameDt: number;
}

const obsOf = (time: number, f: FaceResult, frameDt: number): Obs => ({ time, emotions: emotionsToVector(f.emotions), confidence: f.confidence, frameDt });

interface TrackState {
  id: number;
  box: [number, number, number, number];
  lastTime: number;
  obs: Obs[];
}

export function iou(a: number[], b: number[]): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const u = a[2] * a[3] + b[2] * b[3] - inter;
  return u > 0 ? inter / u : 0;
}

export class FaceTracker {
  private tracks: TrackState[] = [];
  private done: TrackState[] = [];
  private nextId = 1;
  private lastTime: number | undefined;
  private readonly o: Required<TrackerOptions>;

  constructor(o: TrackerOptions = {}) {
    this.o = { iou: 0.3, maxGap: 1, smoothing: 0.4, baseline: 2, microThreshold: 0.3, microMin: 1 / 25 - 1e-6, microMax: 0.5, ...o };
  }

  /** Assign track ids to the faces of one frame (mutates `face.trackId`). Frames must come in time order. */
  update(time: number, faces: FaceResult[]): void {
    const frameDt = this.lastTime === undefined ? 0 : Math.max(0, time - this.lastTime);
    this.lastTime = time;
    // retire stale tracks
    const alive: TrackState[] = [];
    for (const t of this.tracks) (time - t.lastTime > this.o.maxGap ? this.done : alive).push(t);
    this.tracks = alive;
    const pairs: { t: number; f: number; s: number }[] = [];
    this.tracks.forEach((t, ti) =>
      faces.forEach((f, fi) => {
        const ov = iou(t.box, f.box);
        const cx = t.box[0] + t.box[2] / 2 - (f.box[0] + f.box[2] / 2);
        const cy = t.box[1] + t.box[3] / 2 - (f.box[1] + f.box[3] / 2);
        const dist = Math.hypot(cx, cy) / Math.max(1, Math.max(t.box[2], f.box[2]));
        if (ov >= this.o.iou) pairs.push({ t: ti, f: fi, s: 1 + ov });
        else if (dist < 0.5) pairs.push({ t: ti, f: fi, s: 1 - dist });
      }),
    );
    pairs.sort((a, b) => b.s - a.s);
    const usedT = new Set<number>();
    const usedF = new Set<number>();
    for (const p of pairs) {
      if (usedT.has(p.t) || usedF.has(p.f)) continue;
      usedT.add(p.t);
      usedF.add(p.f);
      const t = this.tracks[p.t];
      const f = faces[p.f];
      f.trackId = t.id;
      t.box = f.box;
      t.lastTime = time;
      t.obs.push(obsOf(time, f, frameDt));
    }
    faces.forEach((f, fi) => {
      if (usedF.has(fi)) return;
      const t: TrackState = { id: this.nextId++, box: f.box, lastTime: time, obs: [obsOf(time, f, frameDt)] };
      f.trackId = t.id;
      this.tracks.push(t);
    });
  }

  /** Smoothed timelines and micro-expressions of every track seen so far. */
  finish(): FaceTrack[] {
    return [...this.done, ...this.tracks].sort((a, b) => a.id - b.id).map((t) => this.summarise(t));
  }

  private summarise(t: TrackState): FaceTrack {
    const { smoothing, baseline } = this.o;
    const timeline: TimelinePoint[] = [];
    let smooth: number[] | undefined;
    let base: number[] | undefined;
    let prevTime = t.obs[0].time;
    const departures: { time: number; dt: number; label: CoreLabel; d: number }[] = [];
    const total = new Array(7).fill(0);
    let totalW = 0;
    for (const o of t.obs) {
      const raw = o.emotions;
      const w = Math.max(0.05, o.confidence);
      const dt = o.time - prevTime;
      prevTime = o.time;
      if (!smooth || !base) {
        smooth = raw.slice();
        base = raw.slice();
      } else {
        // departure from the baseline *before* this frame updates it
        let best = -1;
        let bestD = 0;
        for (let k = 0; k < 7; k++) {
          const d = raw[k] - base[k];
          if (d > bestD) {
            bestD = d;
            best = k;
          }
        }
        if (best >= 0) departures.push({ time: o.time, dt: o.frameDt || dt, label: CORE_LABELS[best], d: bestD });
        const a = 1 - Math.exp(-dt / smoothing) * 1;
        const aw = Math.min(1, a * (0.5 + w)); // confident frames move the timeline more
        const ab = 1 - Math.exp(-dt / baseline);
        for (let k = 0; k < 7; k++) {
          smooth[k] += aw * (raw[k] - smooth[k]);
          base[k] += ab * (raw[k] - base[k]);
        }
      }
      for (let k = 0; k < 7; k++) total[k] += w * raw[k];
      totalW += w;
      const e = emotionsFromVector(normalise(smooth));
      timeline.push({ time: o.time, emotions: roundEmo(e), label: dominantLabel(e), ...va(e), confidence: round3(o.confidence) });
    }
    const summaryE = emotionsFromVector(normalise(total.map((v) => v / (totalW || 1))));
    return {
      trackId: t.id,
      firstTime: t.obs[0].time,
      lastTime: t.obs[t.obs.length - 1].time,
      timeline,
      microExpressions: this.micro(departures),
      summary: { emotions: roundEmo(summaryE), label: dominantLabel(summaryE), ...va(summaryE) },
    };
  }

  private micro(deps: { time: number; dt: number; label: CoreLabel; d: number }[]): MicroExpression[] {
    const { microThreshold, microMin, microMax } = this.o;
    const out: MicroExpression[] = [];
    let i = 0;
    while (i < deps.length) {
      if (deps[i].d < microThreshold) {
        i++;
        continue;
      }
      const label = deps[i].label;
      let j = i;
      let peak = deps[i].d;
      while (j + 1 < deps.length && deps[j + 1].label === label && deps[j + 1].d >= microThreshold) {
        j++;
        peak = Math.max(peak, deps[j].d);
      }
      // the run covers its frames: from its first frame to one frame interval after its last
      const frameDt = deps[j].dt || deps[i].dt || 0;
      const start = deps[i].time;
      const end = deps[j].time + frameDt;
      const dur = end - start;
      if (dur >= microMin && dur <= microMax) out.push({ start: round3(start), end: round3(end), label, strength: round3(peak) });
      i = j + 1;
    }
    return out;
  }
}

function normalise(v: number[]): number[] {
  const s = v.reduce((a, b) => a + b, 0);
  return s > 0 ? v.map((x) => x / s) : v;
}

export function va(e: Emotions): { valence: number; arousal: number } {
  let v = 0;
  let a = 0;
  for (const l of CORE_LABELS) {
    v += e[l] * LABEL_VA[l].valence;
    a += e[l] * LABEL_VA[l].arousal;
  }
  return { valence: round3(v), arousal: round3(a) };
}

export function roundEmo(e: Emotions): Emotions {
  const o = { ...e };
  for (const l of CORE_LABELS) o[l] = Math.round(e[l] * 10000) / 10000;
  return o;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
