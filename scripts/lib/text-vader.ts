/**
 * VADER (Hutto & Gilbert 2014; npm `vader-sentiment`, a devDependency) as the baseline every text bench
 * compares against, and its lexicon (MIT) as input features for emosig's own model.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
type Vader = { SentimentIntensityAnalyzer: { polarity_scores(t: string): { compound: number } } };
let vader: Vader | undefined;

/** VADER's compound score in [-1, 1]. */
export function vaderCompound(text: string): number {
  vader ??= require('vader-sentiment') as Vader;
  return vader.SentimentIntensityAnalyzer.polarity_scores(text).compound;
}

/** VADER's usual 3-way rule: compound ≥ 0.05 positive (2), ≤ −0.05 negative (0), else neutral (1). */
export function vader3(compound: number): number {
  return compound >= 0.05 ? 2 : compound <= -0.05 ? 0 : 1;
}

/** Two classes (no neutral): compound ≥ 0 positive (2), else negative (0). */
export function vader2(compound: number): number {
  return compound >= 0 ? 2 : 0;
}

/** VADER's word lexicon: single lower-case words → mean valence / 4 (so in [-1, 1]). */
export function vaderLexicon(): Record<string, number> {
  const file = join(dirname(require.resolve('vader-sentiment/package.json')), 'vader_lexicon.txt');
  const out: Record<string, number> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [w, m] = line.split('\t');
    if (!w || !/^[a-z][a-z'-]*$/.test(w)) continue;
    const v = Number(m) / 4;
    if (Math.abs(v) >= 0.1) out[w] = Math.round(v * 100) / 100;
  }
  return out;
}
