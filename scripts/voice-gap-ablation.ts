/**
 * Diagnostic (no model ships from it): why does the shipped personal path (voice 2.2.0, candidate M's personal model)
 * score ~0.64 on new EmoDB speakers when scripts/voice-mix-diagnostic.py's per-speaker-z logistic model, trained on
 * the same three corpora with corpus-balanced weights, reaches 0.71?
 *
 * Same cached features, same folds for every row: the diagnostic's two folds (the corpus's speakers at even, then
 * odd sorted positions held out) and train-voice's within-corpus folds (speaker i in fold i mod F). Training on every
 * other row of the three corpora. Each row of the table changes ONE thing of the shipped path (emosig's own learner,
 * src/audio/trainer.ts), then the diagnostic's settings all together; scripts/voice-gap-ablation.py adds the
 * scikit-learn logistic model on the same folds and inputs.
 *
 *   npx tsx scripts/voice-gap-ablation.ts [--corpus emodb] [--folds diag|tv|both] [--variant clean|tel] [--only M,N,...]
 * Writes bench/results/voice-gap-ablation-<corpus>[-tel].json (the markdown is written by the .py, which merges both).
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/runtime/paths.js';
import { fitVoiceHeads, fitStandardiser, predictVoiceHeads, scoreClasses, type HeadsConfig } from '../src/audio/trainer.js';
import { zGroups } from './lib/voice-zgroups.js';
import { domainWeights, featureIndex, l2Multipliers, type BundleConfig } from '../src/audio/voice-fit.js';
import { CANDIDATES } from './lib/voice-candidates.js';
import { toRow, K, type Row } from './lib/voice-eval.js';
import { CACHE, type FeatureRow } from './voice-features.js';

const ROOT = packageRoot();
const arg = (k: string, d: string) => {
  const i = process.argv.indexOf(k);
  return i > 0 ? process.argv[i + 1] : d;
};
const target = arg('--corpus', 'emodb');
const foldSet = arg('--folds', 'both');
/** Test copy: 'clean' (as stored; the default) or 'tel' (mu-law phone). */
const testVariant = arg('--variant', 'clean');
/** Comma-separated setting ids to run (default: all). */
const only = arg('--only', '');

type Personal = BundleConfig['personal'];
interface Setting {
  id: string;
  what: string;
  personal: Personal;
  /** Baseline of a judged clip: from the speaker's other clips (train-voice's "others") or all of them, itself included (the diagnostic's). */
  protocol: 'others' | 'all';
  trainVariants?: string[];
  /** Train only on the labels the test corpus has (the diagnostic does). */
  restrictLabels?: boolean;
}

const cand = (id: string) => CANDIDATES.find((c) => c.id === id)!.cfg;
const M = cand('M').personal;
const heads = (h: Partial<HeadsConfig>): Personal => ({ ...M, heads: { ...M.heads, ...h } });
const SETTINGS: Setting[] = [
  { id: 'M', what: 'shipped 2.2.0 personal model (candidate M): all 242 features, linear, floor 0.25, corpus-balanced, all four copies, baseline from the other clips', personal: M, protocol: 'others' },
  { id: 'N', what: 'candidate N\'s personal model (the nested choice reported for EmoDB): prosodic subset, MLP 64', personal: cand('N').personal, protocol: 'others' },
  { id: 'A', what: 'M without corpus-balanced weights (candidate A)', personal: cand('A').personal, protocol: 'others' },
  { id: 'M+all', what: 'M, baseline from all of the speaker\'s clips (the judged one included), as the diagnostic', personal: M, protocol: 'all' },
  { id: 'M+nofloor', what: 'M, no deviation floor (1e-6)', personal: { ...M, floorFrac: 1e-6 }, protocol: 'others' },
  { id: 'M+clean', what: 'M, trained on the as-stored copies only (no phone/noise/level/rate copies)', personal: M, protocol: 'others', trainVariants: ['clean'] },
  { id: 'M+clean+tel', what: 'M, trained on the as-stored and mu-law copies only', personal: M, protocol: 'others', trainVariants: ['clean', 'tel'] },
  { id: 'M+labels', what: 'M, trained on the test corpus\'s labels only (no surprise rows), as the diagnostic', personal: M, protocol: 'others', restrictLabels: true },
  { id: 'M+noLS', what: 'M, no label smoothing and no arousal/valence loss', personal: heads({ labelSmoothing: 0, vaWeight: 0 }), protocol: 'others' },
  { id: 'M+long', what: 'M, optimiser run longer: 100 epochs, batch 256, lr 1e-3', personal: heads({ epochs: 100, batch: 256, lr: 1e-3 }), protocol: 'others' },
  { id: 'M+l2=1e-2', what: 'M, L2 1e-2', personal: heads({ l2: 1e-2 }), protocol: 'others' },
  { id: 'M+l2=1e-4', what: 'M, L2 1e-4', personal: heads({ l2: 1e-4 }), protocol: 'others' },
  // added after train-voice chose them (2.3.0's personal model P, and O), for the phone-copy comparison
  { id: 'O', what: 'candidate O\'s personal model: M with L2 ×10 on the MFCC / spectral-shape features', personal: cand('O').personal, protocol: 'others' },
  { id: 'P', what: 'candidate P\'s personal model (shipped in 2.3.0): M with L2 ×100 on the MFCC / spectral-shape features', personal: cand('P').personal, protocol: 'others' },
  {
    id: 'diag',
    what: 'all of the diagnostic\'s choices together: baseline from all clips, no floor, test labels only, no label smoothing / A-V loss',
    personal: { ...heads({ labelSmoothing: 0, vaWeight: 0 }), floorFrac: 1e-6 },
    protocol: 'all',
    restrictLabels: true,
  },
];

const data = JSON.parse(readFileSync(CACHE, 'utf8')) as { rows: FeatureRow[] };
const rows: Row[] = data.rows.map(toRow);
const spk = [...new Set(rows.filter((r) => r.corpus === target).map((r) => r.speaker))].sort();
const F = target === 'ravdess' ? 6 : target === 'emodb' ? 5 : 3;
const folds: { name: string; held: Set<string>[] }[] = [];
if (foldSet !== 'tv') folds.push({ name: 'diag (even/odd)', held: [0, 1].map((h) => new Set(spk.filter((_, i) => i % 2 === h))) });
if (foldSet !== 'diag') folds.push({ name: `train-voice (${F} folds)`, held: Array.from({ length: F }, (_, f) => new Set(spk.filter((_, i) => i % F === f))) });
const testLabels = [...new Set(rows.filter((r) => r.corpus === target).map((r) => r.yi))].sort((a, b) => a - b);


const results: Record<string, Record<string, { uar: number; macroF1: number; accuracy: number; n: number; s: number }>> = {};
const run = SETTINGS.filter((s) => !only || only.split(',').includes(s.id));
for (const s of run) {
  results[s.id] = {};
  for (const fs of folds) {
    const t0 = performance.now();
    const truth: number[] = [];
    const pred: number[] = [];
    for (const held of fs.held) {
      let train = rows.filter((r) => !held.has(r.speaker));
      if (s.trainVariants) train = train.filter((r) => s.trainVariants!.includes(r.variant));
      if (s.restrictLabels) train = train.filter((r) => testLabels.includes(r.yi));
      const test = rows.filter((r) => r.corpus === target && held.has(r.speaker) && r.variant === testVariant);
      // as fitBundle: the floor is floorFrac × the training set's deviation; the training rows are z-scored per group
      // against all of the group's rows
      const floor = Float32Array.from(fitStandardiser(train.map((r) => r.x)).std, (v) => v * s.personal.floorFrac);
      const w = s.personal.balanceDomains ? domainWeights(train.map((r) => ({ domain: r.corpus }))) : undefined;
      const model = fitVoiceHeads(
        zGroups(train, floor, 'all'),
        train.map((r) => r.yi),
        train.map((r) => r.va),
        K,
        s.personal.heads,
        featureIndex(s.personal.features),
        w,
        l2Multipliers(s.personal),
      );
      const p = predictVoiceHeads(model, zGroups(test, floor, s.protocol)).probs;
      test.forEach((r, i) => {
        truth.push(r.yi);
        let best = testLabels[0];
        for (const k of testLabels) if (p[i][k] > p[i][best]) best = k;
        pred.push(best);
      });
    }
    const m = scoreClasses(truth, pred, K);
    results[s.id][fs.name] = { uar: m.uar, macroF1: m.macroF1, accuracy: m.accuracy, n: m.n, s: Math.round((performance.now() - t0) / 1000) };
    console.error(`${target} ${s.id} ${fs.name}: UAR ${m.uar.toFixed(3)} F1 ${m.macroF1.toFixed(3)} acc ${m.accuracy.toFixed(3)} (${results[s.id][fs.name].s} s)`);
  }
}
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
// merged into an earlier run's file of the same corpus, copy and folds (settings of this run replace theirs)
const file = join(ROOT, 'bench', 'results', `voice-gap-ablation-${target}${testVariant === 'clean' ? '' : `-${testVariant}`}.json`);
const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { folds: string[]; settings: { id: string; what: string }[]; results: typeof results }) : undefined;
const same = prev && prev.folds.join() === folds.map((f) => f.name).join();
const settings = [...(same ? prev.settings.filter((p) => !results[p.id] && p.id !== 'sklearn-LR') : []), ...run.map((s) => ({ id: s.id, what: s.what }))];
const order = (id: string) => (SETTINGS.findIndex((s) => s.id === id) + 1 || 1e9);
settings.sort((a, b) => order(a.id) - order(b.id));
writeFileSync(
  file,
  JSON.stringify(
    { date: new Date().toISOString(), corpus: target, variant: testVariant, folds: folds.map((f) => f.name), settings, results: { ...(same ? prev.results : {}), ...results } },
    null,
    1,
  ),
);
