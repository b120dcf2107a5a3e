/**
 * Compare emosig's descriptors with openSMILE eGeMAPSv02 on the shared EmoDB files
 * (../shared/reference/opensmile). Used by the validation test and the voice bench.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeWav } from '../../src/audio/decode.js';
import { analyseFrames } from '../../src/audio/features.js';
import { packageRoot } from '../../src/runtime/paths.js';

export const SHARED = resolve(packageRoot(), '..', 'shared');
export const REF_CSV = join(SHARED, 'reference', 'opensmile', 'emodb_egemapsv02_functionals.csv');
export const EMODB_DIR = join(SHARED, 'data', 'speech', 'emodb');

/** Which openSMILE functional each of our file-level measures is compared with. */
export const COMPARED = {
  f0MeanSt: 'F0semitoneFrom27.5Hz_sma3nz_amean',
  loudnessMean: 'loudness_sma3_amean',
  hnrMean: 'HNRdBACF_sma3nz_amean',
  jitterMean: 'jitterLocal_sma3nz_amean',
  shimmerMean: 'shimmerLocaldB_sma3nz_amean',
  alphaRatioMean: 'alphaRatioV_sma3nz_amean',
  hammarbergMean: 'hammarbergIndexV_sma3nz_amean',
  voicedSegPerSec: 'VoicedSegmentsPerSec',
} as const;
export type Measure = keyof typeof COMPARED;

export function haveReference(): boolean {
  return existsSync(REF_CSV) && existsSync(EMODB_DIR);
}

export function readReference(): Map<string, Record<string, number>> {
  const lines = readFileSync(REF_CSV, 'utf8').trim().split(/\r?\n/);
  const head = lines[0].split(';');
  const out = new Map<string, Record<string, number>>();
  for (const line of lines.slice(1)) {
    const cells = line.split(';');
    const name = cells[0].replace(/'/g, '');
    const row: Record<string, number> = {};
    head.forEach((h, i) => i > 0 && (row[h] = Number(cells[i])));
    out.set(name, row);
  }
  return out;
}

/** Our file-level measures, defined as openSMILE defines its functionals (all frames, or voiced frames). */
export async function ourMeasures(file: string): Promise<Record<Measure, number>> {
  const { channels } = await decodeWav(file);
  const fa = analyseFrames(channels[0]);
  const { cols, voiced, nFrames } = fa;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const v: number[] = [];
  for (let t = 0; t < nFrames; t++) if (voiced[t]) v.push(t);
  let runs = 0;
  for (let t = 0; t < nFrames; t++) if (voiced[t] && (t === 0 || !voiced[t - 1])) runs++;
  return {
    f0MeanSt: mean(v.map((t) => cols.f0[t])),
    loudnessMean: mean(Array.from(cols.loudness)),
    hnrMean: mean(v.map((t) => cols.hnr[t])),
    jitterMean: mean(v.map((t) => cols.jitter[t]).filter((x) => x > 0)),
    shimmerMean: mean(v.map((t) => cols.shimmer[t]).filter((x) => x > 0)),
    alphaRatioMean: mean(v.map((t) => cols.alphaRatio[t])),
    hammarbergMean: mean(v.map((t) => cols.hammarbergIndex[t])),
    voicedSegPerSec: runs / (nFrames * 0.01 || 1),
  };
}

export function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (a[i] - ma) * (b[i] - mb);
    da += (a[i] - ma) ** 2;
    db += (b[i] - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

/** Pearson r per measure over the given EmoDB files (every file when `every` = 1). */
export async function compareWithOpenSmile(every = 1): Promise<{ files: number; r: Record<Measure, number> }> {
  const ref = readReference();
  const names = [...ref.keys()].sort().filter((_, i) => i % every === 0);
  const ours: Record<Measure, number>[] = [];
  const theirs: Record<string, number>[] = [];
  for (const name of names) {
    ours.push(await ourMeasures(join(EMODB_DIR, name)));
    theirs.push(ref.get(name)!);
  }
  const r = {} as Record<Measure, number>;
  for (const m of Object.keys(COMPARED) as Measure[]) {
    r[m] = pearson(
      ours.map((o) => o[m]),
      theirs.map((t) => t[COMPARED[m]]),
    );
  }
  return { files: names.length, r };
}
