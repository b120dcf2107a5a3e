/**
 * Extract the voice feature vectors of every clip in ../shared/data/speech (RAVDESS actors 01–18, EmoDB,
 * TurEV-DB), in four variants, for training and evaluation:
 * - `clean`: as stored (TurEV-DB is stored as 8 kHz mu-law telephone audio, so its "clean" is a phone line);
 * - `tel`: 300 Hz high-pass → 8 kHz → G.711 mu-law round trip → 16 kHz (the evaluation's phone-line copy);
 * - `noise`: pink/white noise at 10–30 dB SNR;
 * - `aug`: speaking rate ×0.85–1.15 (speed perturbation), level −20…+8 dB (clipped), noise at 5–30 dB in
 *   half of the clips, then a codec: mu-law (40 %), A-law (30 %) or wide band (30 %).
 * Writes .cache/voice-features-v2.json (re-used by train-voice, voice-eval and the voice bench; --force recomputes).
 *
 *   npm run build && nice -n 10 node dist/scripts/voice-features.js [--limit N] [--force]
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SileroVad } from '../src/audio/vad.js';
import { clipsSpeechFeatures } from '../src/audio/speech.js';
import { FEATURE_NAMES } from '../src/audio/features.js';
import { packageRoot } from '../src/runtime/paths.js';
import { readCorpus, haveSpeechData, telephone, addNoise, rng, loadClip16k, speedPerturb, applyGain, SPEECH_DIR, CORPORA, type Clip } from './lib/voice-data.js';

export type Variant = 'clean' | 'tel' | 'noise' | 'aug';
export const VARIANTS: Variant[] = ['clean', 'tel', 'noise', 'aug'];

export interface FeatureRow {
  corpus: Clip['corpus'];
  path: string;
  speaker: string;
  label: string;
  core: Clip['core'];
  variant: Variant;
  speechSec: number;
  vector: number[];
}

export const CACHE = join(packageRoot(), '.cache', 'voice-features-v2.json');

export function variantOf(x: Float32Array, v: Variant, rand: () => number): Float32Array {
  if (v === 'clean') return x;
  if (v === 'tel') return telephone(x, 'mulaw');
  if (v === 'noise') return addNoise(x, 10 + 20 * rand(), rand, rand() < 0.6);
  let y = speedPerturb(x, 0.85 + 0.3 * rand());
  y = applyGain(y, -20 + 28 * rand());
  if (rand() < 0.5) y = addNoise(y, 5 + 25 * rand(), rand, rand() < 0.6);
  const c = rand();
  return c < 0.4 ? telephone(y, 'mulaw') : c < 0.7 ? telephone(y, 'alaw') : y;
}

async function main(): Promise<void> {
  if (!haveSpeechData(CORPORA)) {
    console.error(`voice-features: ${SPEECH_DIR} is missing a corpus (it holds the shared speech corpora); nothing to do.`);
    process.exit(2);
  }
  const limitArg = process.argv.indexOf('--limit');
  const limit = limitArg > 0 ? Number(process.argv[limitArg + 1]) : Infinity;
  const clips = CORPORA.flatMap((c) => readCorpus(c)).filter((_, i) => i < limit);
  const vad = await SileroVad.load();
  const rows: FeatureRow[] = [];
  const rand = rng(20261203);
  const t0 = performance.now();
  let audioSec = 0;
  const B = 32;
  for (let i = 0; i < clips.length; i += B) {
    const batch = clips.slice(i, i + B);
    const audio = await Promise.all(batch.map((c) => loadClip16k(c.path)));
    for (const variant of VARIANTS) {
      const xs = audio.map((x) => variantOf(x, variant, rand));
      const feats = await clipsSpeechFeatures(vad, xs);
      feats.forEach((f, k) => {
        const c = batch[k];
        audioSec += xs[k].length / 16000;
        rows.push({ corpus: c.corpus, path: c.path, speaker: c.speaker, label: c.label, core: c.core, variant, speechSec: f.speechSec, vector: Array.from(f.vector, (v) => Number(v.toPrecision(7))) });
      });
    }
    process.stderr.write(`\rvoice-features: ${Math.min(i + B, clips.length)}/${clips.length} clips`);
  }
  const sec = (performance.now() - t0) / 1000;
  process.stderr.write(`\nvoice-features: ${rows.length} vectors, ${audioSec.toFixed(0)} s of audio in ${sec.toFixed(1)} s (RTF ${(sec / audioSec).toFixed(4)})\n`);
  mkdirSync(join(packageRoot(), '.cache'), { recursive: true });
  writeFileSync(CACHE, JSON.stringify({ featureNames: FEATURE_NAMES, created: new Date().toISOString(), rows }));
}

if (process.argv[1] && /voice-features\.(js|ts)$/.test(process.argv[1])) {
  if (existsSync(CACHE) && !process.argv.includes('--force')) console.error(`voice-features: ${CACHE} exists (use --force to recompute)`);
  else await main();
}
