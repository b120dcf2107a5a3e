/**
 * Stage 2 — timeline: one speaker's items that touch a window fused into a timeline entry.
 */
import { dominantLabel } from '../signature/labels.js';
import type { Contribution, Modality, SignatureWindow } from '../signature/schema.js';
import { calibrate, incongruence, K, pool, type Evidence, type ReliabilityFile } from './reliability.js';
import type { FusionItem } from './items.js';
import { MODALITY_ORDER } from './moments.js';
import { clamp, clampS, emo, mean, r3 } from './util.js';

/**
 * Fuse one speaker's items that touch the window [start, end) (`size`: the nominal window length, which sets
 * how much coverage counts as full) into a timeline entry, with the per-modality evidence behind it.
 * Undefined when no item gives evidence.
 */
export function fuseWindow(near: FusionItem[], spk: string, start: number, end: number, size: number, rel: ReliabilityFile): { w: SignatureWindow; ev: Evidence[] } | undefined {
  const contributions: SignatureWindow['contributions'] = {};
  const ev: Evidence[] = [];
  const vas: Partial<Record<Modality, { valence: number; arousal: number; stress: number }>> = {};
  for (const m of MODALITY_ORDER) {
    const its = near.filter((i) => i.modality === m && (m === 'text' ? i.start >= start && i.start < end : i.end > start && i.start < end));
    if (!its.length) continue;
    const ov = its.map((i) => (m === 'text' ? 1 : Math.max(1e-3, Math.min(end, i.end) - Math.max(start, i.start))));
    const ws = its.map((i, k) => i.confidence * ov[k]);
    const p = new Array(K).fill(0);
    its.forEach((i, k) => i.p.forEach((x, j) => (p[j] += x * ws[k])));
    const W = ws.reduce((a, b) => a + b, 0);
    if (!(W > 0)) continue;
    for (let j = 0; j < K; j++) p[j] /= W;
    // voice and face: evidence grows with the covered share of the window (half the window = full)
    const cover = m === 'text' ? 1 : Math.sqrt(clamp(ov.reduce((a, b) => a + b, 0) / (0.5 * size)));
    const conf = clamp(mean(its.map((i) => i.confidence), ov) * cover);
    const pc = calibrate(p, rel.modalities[m].temperature);
    ev.push({ modality: m, p: pc, confidence: conf });
    vas[m] = { valence: mean(its.map((i) => i.valence), ws), arousal: mean(its.map((i) => i.arousal), ws), stress: mean(its.map((i) => i.stress), ws) };
    contributions[m] = {
      emotions: emo(pc),
      valence: r3(clampS(vas[m]!.valence)),
      arousal: r3(clampS(vas[m]!.arousal)),
      confidence: r3(conf),
      weight: 0,
      items: its.length,
    } satisfies Contribution;
  }
  const fused = pool(ev, rel);
  if (!fused) return undefined;
  let valence = 0;
  let arousal = 0;
  let stress = 0;
  let stressW = 0;
  for (const m of MODALITY_ORDER) {
    const wm = fused.weights[m];
    if (wm === undefined || !contributions[m]) continue;
    contributions[m]!.weight = r3(wm);
    valence += wm * vas[m]!.valence;
    arousal += wm * vas[m]!.arousal;
    if (m !== 'voice') {
      stress += wm * vas[m]!.stress;
      stressW += wm;
    }
  }
  // stress is physiological: the voice's index (with its pitch/jitter/tremor/loudness cues) when the voice is
  // heard in the window, else the other modalities' valence/arousal-derived index
  if (fused.weights.voice !== undefined && vas.voice) stress = vas.voice.stress;
  else stress = stressW > 0 ? stress / stressW : 0;
  for (const m of MODALITY_ORDER) if (contributions[m] && fused.weights[m] === undefined) delete contributions[m];
  const inc = ev.length > 1 ? incongruence(ev, rel).score : 0;
  const confidence = (1 - ev.reduce((a, e) => a * (1 - e.confidence), 1)) * (1 - 0.5 * inc);
  const emotions = emo(fused.p);
  const win: SignatureWindow = {
    speaker: spk,
    start: r3(start),
    end: r3(end),
    emotions,
    dominant: dominantLabel(emotions),
    valence: r3(clampS(valence)),
    arousal: r3(clampS(arousal)),
    stress: r3(clamp(stress)),
    confidence: r3(clamp(confidence)),
    contributions,
  };
  return { w: win, ev };
}

