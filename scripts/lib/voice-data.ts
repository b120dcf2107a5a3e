/**
 * The labelled speech corpora in ../shared/data/speech (RAVDESS actors 01–18, EmoDB, TurEV-DB as 8 kHz
 * mu-law) and the augmentations the voice model is trained with: telephone band (300–3400 Hz, 8 kHz,
 * mu-law or A-law round trip), additive noise, level (gain and clipping) and speaking rate (speed perturbation).
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../src/runtime/paths.js';
import { resample } from '../../src/audio/resample.js';
import { decodeWav } from '../../src/audio/decode.js';
import { CORE_LABELS, type CoreLabel } from '../../src/signature/labels.js';

export const SPEECH_DIR = resolve(packageRoot(), '..', 'shared', 'data', 'speech');

export type Corpus = 'ravdess' | 'emodb' | 'turev';
export const CORPORA: Corpus[] = ['ravdess', 'emodb', 'turev'];
const FOLDER: Record<Corpus, string> = { ravdess: 'ravdess', emodb: 'emodb', turev: 'turev_db_8k' };
/** Corpus display names and licences (all research-only). */
export const CORPUS_INFO: Record<Corpus, { name: string; language: string; licence: string }> = {
  ravdess: { name: 'RAVDESS speech, actors 01–18', language: 'English', licence: 'CC BY-NC-SA 4.0 (non-commercial)' },
  emodb: { name: 'Berlin EmoDB (2.0 s cut copy)', language: 'German', licence: 'free for research' },
  turev: { name: 'TurEV-DB (8 kHz G.711 mu-law copy)', language: 'Turkish', licence: 'CC BY-NC-ND 4.0 (non-commercial research)' },
};

export interface Clip {
  corpus: Corpus;
  path: string;
  /** Original corpus label (after lower-casing). */
  label: string;
  /** Core label (calm → neutral, happy → joy, boredom → neutral, ...). */
  core: CoreLabel;
  speaker: string;
  gender: string;
}

/** RAVDESS label → emosig core label. */
export const RAVDESS_CORE: Record<string, CoreLabel> = {
  neutral: 'neutral',
  calm: 'neutral',
  happy: 'joy',
  sad: 'sadness',
  angry: 'anger',
  fear: 'fear',
  disgust: 'disgust',
  surprise: 'surprise',
};
/** Any corpus label (RAVDESS, EmoDB, TurEV-DB) → core label. */
const MAP: Record<string, CoreLabel> = { ...RAVDESS_CORE, boredom: 'neutral' };

export function haveSpeechData(corpora: Corpus[] = ['ravdess', 'emodb']): boolean {
  return corpora.every((c) => existsSync(join(SPEECH_DIR, FOLDER[c], 'manifest.csv')));
}

export function readCorpus(corpus: Corpus): Clip[] {
  const dir = join(SPEECH_DIR, FOLDER[corpus]);
  const lines = readFileSync(join(dir, 'manifest.csv'), 'utf8').trim().split(/\r?\n/);
  const head = lines[0].split(',');
  const col = (n: string) => head.indexOf(n);
  return lines.slice(1).map((l) => {
    const c = l.split(',');
    const label = c[col('label')].toLowerCase();
    const core = MAP[label];
    if (!core) throw new Error(`unknown label ${label} in ${corpus}`);
    return { corpus, path: join(dir, c[col('path')]), label, core, speaker: `${corpus}:${c[col('speaker')]}`, gender: col('gender') >= 0 ? c[col('gender')] : '' };
  });
}

/** A clip's first channel at 16 kHz (TurEV-DB's 8 kHz mu-law is decoded and resampled). */
export async function loadClip16k(path: string): Promise<Float32Array> {
  const { info, channels } = await decodeWav(path);
  return info.sampleRate === 16000 ? channels[0] : resample(channels[0], info.sampleRate, 16000);
}

/** Speaking-rate (speed) perturbation: play `factor` times faster (tempo and pitch move together, as in Kaldi). */
export function speedPerturb(x16: Float32Array, factor: number): Float32Array {
  return Math.abs(factor - 1) < 1e-3 ? x16 : resample(x16, 16000, Math.round(16000 / factor));
}

/** Level change by `gainDb`, hard-clipped at full scale (a hot microphone clips). */
export function applyGain(x: Float32Array, gainDb: number): Float32Array {
  const g = 10 ** (gainDb / 20);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = Math.max(-1, Math.min(1, x[i] * g));
  return y;
}

export const labelIndex = (l: CoreLabel) => CORE_LABELS.indexOf(l);

/** Deterministic PRNG (mulberry32), shared with the text training scripts. */
export { mulberry32 as rng } from './random.js';

/** The telephone channel and the noise generator live in src/audio/channel.ts (`emosig train voice` augments with them too). */
export { telephone, addNoise } from '../../src/audio/channel.js';
