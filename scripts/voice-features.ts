/**
 * Extract the voice feature vectors of every clip in ../shared/data/speech (RAVDESS actors 01–18 and EmoDB),
 * clean and augmented (telephone band + mu-law, noise at 10–30 dB SNR), for training and evaluation.
 * Writes .cache/voice-features.json (re-used by train-voice and the voice bench; delete it to recompute).
 *
 *   npm run build && node dist/scripts/voice-features.js [--limit N]
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav } from '../src/audio/decode.js';
import { SileroVad } from '../src/audio/vad.js';
import { clipsSpeechFeatures } from '../src/audio/speech.js';
import { FEATURE_NAMES } from '../src/audio/features.js';
import { packageRoot } from '../src/runtime/paths.js';
import { readCorpus, haveSpeechData, telephone, addNoise, rng, SPEECH_DIR, type Clip } from './lib/voice-data.js';

export type Variant = 'clean' | 'tel' | 'noise';
export const VARIANTS: Variant[] = ['clean', 'tel', 'noise'];

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

export const CACHE = join(packageRoot(), '.cache', 'voice-features.json');

async function main(): Promise<void> {
  if (!haveSpeechData()) {
    console.error(`voice-features: ${SPEECH_DIR} is missing (it holds the shared speech corpora); nothing to do.`);
    process.exit(2);
  }
  const limitArg = process.argv.indexOf('--limit');
  const limit = limitArg > 0 ? Number(process.argv[limitArg + 1]) : Infinity;
  const clips = [...readCorpus('ravdess'), ...readCorpus('emodb')].filter((_, i) => i < limit);
  const vad = await SileroVad.load();
  const rows: FeatureRow[] = [];
  const rand = rng(20261123);
  const t0 = performance.now();
  let audioSec = 0;
  const B = 32;
  for (let i = 0; i < clips.length; i += B) {
    const batch = clips.slice(i, i + B);
    const audio = await Promise.all(batch.map(async (c) => (await decodeWav(c.path)).channels[0]));
    for (const variant of VARIANTS) {
      const xs = audio.map((x) =>
        variant === 'clean' ? x : variant === 'tel' ? telephone(x, rand() < 0.8 ? 'mulaw' : 'alaw') : addNoise(x, 10 + 20 * rand(), rand, rand() < 0.6),
      );
      const feats = await clipsSpeechFeatures(vad, xs);
      feats.forEach((f, k) => {
        const c = batch[k];
        audioSec += xs[k].length / 16000;
        rows.push({ corpus: c.corpus, path: c.path, speaker: c.speaker, label: c.label, core: c.core, variant, speechSec: f.speechSec, vector: Array.from(f.vector, (v) => Math.fround(v)) });
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
