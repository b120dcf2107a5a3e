/**
 * Diagnostic (not a selection step; nothing here is shipped): how the personal baseline's score depends on the
 * protocol and on the baseline, leave-one-corpus-out. Trains on two corpora (clean + telephone variants, to keep it
 * under ~10 min on a shared 2-vCPU VM), tests on the third's clean and mu-law copies under four protocols:
 * clip (no baseline), all (baseline = all of the speaker's clips, the judged one included: the issue's per-speaker
 * z-norm + SVM protocol), others (the speaker's other clips), skew70 (a 20-clip pool 70 % one emotion).
 * Personal configurations: per-speaker z-norm of ALL features, baseline mean from all segments (Z-all) or from the
 * calmest 40 % by clip-model arousal (Z-calm), linear heads and RFF 512 (RBF approx.) heads.
 *
 *   npm run build && nice -n 10 node dist/scripts/voice-znorm.js
 * Writes bench/results/voice-znorm.{json,md}.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/runtime/paths.js';
import { DEFAULT_HEADS } from '../src/audio/trainer.js';
import type { BundleConfig } from '../src/audio/voice-fit.js';
import { CORPORA } from './lib/voice-data.js';
import { toRow, trainAndScore, metrics, labelsOf, type Protocol } from './lib/voice-eval.js';
import { CACHE, type FeatureRow, type Variant } from './voice-features.js';

const H = DEFAULT_HEADS;
const CONFIGS: { id: string; cfg: BundleConfig; trainVariants?: Variant[] }[] = [
  { id: 'Z-all linear', cfg: { clip: { features: 'all', heads: H }, personal: { features: 'all', heads: { ...H, seed: 8 }, baseline: { calmFraction: 1, minCalm: 3 }, floorFrac: 0.25 } } },
  { id: 'Z-calm linear', cfg: { clip: { features: 'all', heads: H }, personal: { features: 'all', heads: { ...H, seed: 8 }, baseline: { calmFraction: 0.4, minCalm: 3 }, floorFrac: 0.25 } } },
  { id: 'Z-all linear, no floor', cfg: { clip: { features: 'all', heads: H }, personal: { features: 'all', heads: { ...H, seed: 8 }, baseline: { calmFraction: 1, minCalm: 3 }, floorFrac: 1e-6 } } },
  { id: 'Z-prosodic linear', cfg: { clip: { features: 'prosodic', heads: { ...H, l2: 1e-2 } }, personal: { features: 'prosodic', heads: { ...H, seed: 8 }, baseline: { calmFraction: 1, minCalm: 3 }, floorFrac: 0.25 } } },
  {
    id: 'Z-all linear, all 4 variants',
    cfg: { clip: { features: 'all', heads: H }, personal: { features: 'all', heads: { ...H, seed: 8 }, baseline: { calmFraction: 1, minCalm: 3 }, floorFrac: 0.25 } },
    trainVariants: ['clean', 'tel', 'noise', 'aug'],
  },
  { id: 'Z-all RFF512', cfg: { clip: { features: 'all', heads: H }, personal: { features: 'all', heads: { ...H, rff: 512, epochs: 20, seed: 8 }, baseline: { calmFraction: 1, minCalm: 3 }, floorFrac: 0.25 } } },
];
const TRAIN_VARIANTS: Variant[] = ['clean', 'tel'];
const TEST_VARIANTS: Variant[] = ['clean', 'tel'];
const PROTOCOLS: Protocol[] = ['clip', 'all', 'others', 'skew70'];

const ROOT = packageRoot();
const rows = (JSON.parse(readFileSync(CACHE, 'utf8')).rows as FeatureRow[]).map(toRow);
const out: Record<string, Record<string, { uar: number; macroF1: number; accuracy: number; n: number }>> = {};
const t0 = Date.now();
for (const cfg of CONFIGS) {
  out[cfg.id] = {};
  for (const c of CORPORA) {
    const train = rows.filter((r) => r.corpus !== c && (cfg.trainVariants ?? TRAIN_VARIANTS).includes(r.variant));
    const test = rows.filter((r) => r.corpus === c);
    const allowed = labelsOf(train).filter((k) => labelsOf(test).includes(k));
    const { scored } = trainAndScore(cfg.cfg, train, test, TEST_VARIANTS, PROTOCOLS);
    for (const [key, s] of Object.entries(scored)) {
      const m = metrics(s, allowed);
      out[cfg.id][`${c}/${key}`] = { uar: m.uar, macroF1: m.macroF1, accuracy: m.accuracy, n: m.n };
    }
    console.log(cfg.id, c, `${((Date.now() - t0) / 1000).toFixed(0)} s`, PROTOCOLS.map((p) => `${p} ${out[cfg.id][`${c}/clean/${p}`].uar.toFixed(3)}`).join(' '));
  }
}
writeFileSync(join(ROOT, 'bench', 'results', 'voice-znorm.json'), JSON.stringify({ trainVariants: TRAIN_VARIANTS, results: out }, null, 1));
const f = (x: number) => x.toFixed(3);
const md = [
  '# Voice personal baseline: protocol and baseline diagnostic (scripts/voice-znorm.ts)',
  '',
  `Leave-one-corpus-out, trained on the other two corpora (${TRAIN_VARIANTS.join(' + ')} variants unless the config says otherwise), per clip UAR / macro-F1 over the labels both sides share.`,
  'Protocols: clip = no baseline; all = baseline from all of the speaker\'s clips incl. the judged one (the issue\'s z-norm + SVM protocol);',
  'others = the speaker\'s other clips; skew70 = baseline from a 20-clip pool, 70 % one emotion. Diagnostic only: nothing was selected on it.',
  '',
  `| config | left-out corpus | variant | ${PROTOCOLS.join(' | ')} |`,
  `|---|---|---|${PROTOCOLS.map(() => '---:').join('|')}|`,
  ...CONFIGS.flatMap((cfg) =>
    CORPORA.flatMap((c) => TEST_VARIANTS.map((v) => `| ${cfg.id} | ${c} | ${v} | ${PROTOCOLS.map((p) => { const m = out[cfg.id][`${c}/${v}/${p}`]; return `${f(m.uar)} / ${f(m.macroF1)}`; }).join(' | ')} |`)),
  ),
  '',
];
writeFileSync(join(ROOT, 'bench', 'results', 'voice-znorm.md'), md.join('\n'));
console.log(md.join('\n'));
