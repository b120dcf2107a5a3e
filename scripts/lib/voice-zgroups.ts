/** Per-speaker z-scoring shared by the voice diagnostics (scripts/voice-gap-ablation.ts, scripts/voice-bandlimit.ts). */
import { speakerBaseline, zScore } from '../../src/audio/trainer.js';

/** z-score each speaker|variant group of `rs` against its baseline: all its rows ('all'), or all but the judged one ('others'). */
export function zGroups(rs: { speaker: string; variant: string; x: Float32Array }[], floor: Float32Array, protocol: 'others' | 'all'): Float32Array[] {
  const groups = new Map<string, number[]>();
  rs.forEach((r, i) => groups.set(`${r.speaker}|${r.variant}`, [...(groups.get(`${r.speaker}|${r.variant}`) ?? []), i]));
  const out: Float32Array[] = new Array(rs.length);
  for (const idx of groups.values()) {
    if (protocol === 'all') {
      const base = speakerBaseline(idx.map((i) => rs[i].x), undefined);
      for (const i of idx) out[i] = zScore(rs[i].x, base, floor);
    } else {
      for (const i of idx) out[i] = zScore(rs[i].x, speakerBaseline(idx.filter((j) => j !== i).map((j) => rs[j].x), undefined), floor);
    }
  }
  return out;
}
