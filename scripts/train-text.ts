/**
 * Train emosig's text-emotion model on ../shared/data/text and export it to models/text/.
 *
 *   npm run train:text                       # train with the settings below and export
 *   node dist/scripts/train-text.js --dry    # train + report dev figures only (for experiments)
 *   options: --epochs N --lr X --l2 X --pos X (linear models) --hidden D --mlp-epochs N --mlp-lr X (network)
 *            --ens W (network weight in the GoEmotions logits; 1 = network only) --folds K (0: thresholds on dev only)
 *            --buckets BITS --char MIN-MAX|0 --bigrams 0|1 --no-cues --no-neg --no-contrast --seed N --out DIR
 *            --arch linear (the all-linear alternative)
 *
 * Model (src/text/features.ts features: hashed word 1-2-grams, character 1-4-grams, negation/contrast-scoped
 * words, lexical cues): a one-hidden-layer network (AdaGrad, BCE) for the 39 classification outputs (28
 * GoEmotions, 7 Ekman, 4 sentiment groups) whose 28 GoEmotions logits are averaged with a linear model's,
 * and a linear valence/arousal layer trained on EmoBank. The network's epoch is chosen on GoEmotions dev;
 * thresholds are tuned on dev plus out-of-fold scores of GoEmotions train (the same recipe retrained K
 * times); test is only read by the bench.
 */
import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FEATURES, FEATURE_VERSION, decodeIdf, encodeIdf, featurize, wordBucket, type FeatureConfig, type Lexicon } from '../src/text/features.js';
import { GO_LABELS, SENTIMENT_GROUPS } from '../src/text/labels.js';
import { CORE_LABELS } from '../src/signature/labels.js';
import { packageRoot } from '../src/runtime/paths.js';
import { buildLexicon, loadEmoBank, loadGoEmotions, loadTweetEmotion, loadXed, type ExtraItem, type GoItem, type VAItem } from './lib/text-data.js';
import { LinearModel, multiLabelF1, pearson, sigmoid, tuneThresholds, type Example, type HeadLayout } from './lib/text-linear.js';
import { MlpModel } from './lib/text-mlp.js';
import * as R from './lib/text-recipe.js';
import { DOMAINS, loadIrony, loadSentimentDomains } from './lib/text-domains.js';
import { exportTextMlpOnnx, exportTextOnnx, quantizeColumns } from './lib/text-export.js';

// outputs: 28 GoEmotions, 7 Ekman, 4 sentiment groups, the CX outputs (irony), valence/arousal
const { NG, NE, NS, NX, LAYOUT, OFF } = R;

const { values: a } = parseArgs({
  options: {
    epochs: { type: 'string', default: '4' },
    lr: { type: 'string', default: '0.1' },
    l2: { type: 'string', default: '0.00005' },
    pos: { type: 'string', default: '1' },
    reglr: { type: 'string', default: '0.5' },
    buckets: { type: 'string', default: String(Math.log2(DEFAULT_FEATURES.buckets)) },
    char: { type: 'string', default: `${DEFAULT_FEATURES.charMin}-${DEFAULT_FEATURES.charMax}` },
    bigrams: { type: 'string', default: '1' },
    'no-cues': { type: 'boolean', default: false },
    'no-neg': { type: 'boolean', default: false },
    'no-contrast': { type: 'boolean', default: false },
    seed: { type: 'string', default: '1234' },
    dry: { type: 'boolean', default: false },
    idf: { type: 'string', default: DEFAULT_FEATURES.idf ? '1' : '0' },
    seeds: { type: 'string', default: '3' },
    arch: { type: 'string', default: 'mlp' },
    hidden: { type: 'string', default: '64' },
    // one epoch: on the leave-one-domain-out splits (scripts/text-lodo.ts, first run with 3 epochs) epoch 1
    // was best for every held-out domain; more epochs fit the training domains
    'mlp-epochs': { type: 'string', default: '1' },
    /** Train the sentiment outputs on every domain's training items (0: GoEmotions only, the previous recipe). */
    domains: { type: 'string', default: '1' },
    /** Leave these sets out of the sentiment training (comma-separated set-name prefixes, e.g. "DailyDialog,USS,dair" for a model without non-commercial / unlicensed data). */
    exclude: { type: 'string', default: '' },
    'mlp-lr': { type: 'string', default: '0.05' },
    ens: { type: 'string', default: '0.5' },
    folds: { type: 'string', default: '0' },
    scale: { type: 'string', default: '' },
    extra: { type: 'string', default: '' },
    'extra-weight': { type: 'string', default: '0.5' },
    out: { type: 'string' },
  },
});

const cfg: FeatureConfig = {
  ...DEFAULT_FEATURES,
  buckets: 1 << Number(a.buckets),
  wordNgrams: a.bigrams === '1' ? 2 : 1,
  charMin: a.char === '0' ? 0 : Number(a.char!.split('-')[0]),
  charMax: a.char === '0' ? 0 : Number(a.char!.split('-')[1]),
  cues: !a['no-cues'],
  negation: !a['no-neg'],
  contrast: !a['no-contrast'],
  idf: a.idf === '1',
  scale: { ...DEFAULT_FEATURES.scale, ...Object.fromEntries(a.scale!.split(',').filter(Boolean).map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])])) },
};
const seed = Number(a.seed);
const log = (s: string): void => void process.stderr.write(s + '\n');

const t0 = performance.now();
const lex: Lexicon = buildLexicon();
const go = { train: loadGoEmotions('train'), dev: loadGoEmotions('dev') };
const eb = { train: loadEmoBank('train'), dev: loadEmoBank('dev') };
log(`data: GoEmotions ${go.train.length}/${go.dev.length}, EmoBank ${eb.train.length}/${eb.dev.length}, lexicon ${Object.keys(lex.emoji).length} emoji + ${Object.keys(lex.words).length} words`);

// Document frequency of every bucket over the training texts → IDF (quantised exactly as shipped).
let idf: Float32Array | undefined;
let idfBytes: Uint8Array | undefined;
if (cfg.idf) {
  const texts = [...go.train.map((x) => x.text), ...eb.train.map((x) => x.text)];
  const df = new Uint32Array(cfg.buckets);
  for (const t of texts) for (const b of featurize(t, cfg, lex).idx) df[b]++;
  const raw = Float32Array.from(df, (d) => Math.log((texts.length + 1) / (d + 1)) + 1);
  idfBytes = encodeIdf(raw);
  idf = decodeIdf(idfBytes);
}

function goExample(it: GoItem): Example {
  const f = featurize(it.text, cfg, lex, idf);
  const y = new Float32Array(LAYOUT.K);
  for (const l of it.labels) y[OFF.go + l] = 1;
  for (const l of it.ekman) y[OFF.ekman + l] = 1;
  for (const l of it.sentiment) y[OFF.sentiment + l] = 1;
  return { idx: f.idx, val: f.val, y, group: 'cls', ranges: [[0, NG + NE + NS]] };
}
function vaExample(it: VAItem): Example {
  const f = featurize(it.text, cfg, lex, idf);
  const y = new Float32Array(LAYOUT.K);
  y[OFF.va] = it.valence;
  y[OFF.va + 1] = it.arousal;
  return { idx: f.idx, val: f.val, y, group: 'reg' };
}
function extraExample(it: ExtraItem): Example {
  const f = featurize(it.text, cfg, lex, idf);
  const y = new Float32Array(LAYOUT.K);
  for (const l of it.ekman) y[OFF.ekman + l] = 1;
  for (const l of it.sentiment) y[OFF.sentiment + l] = 1;
  return { idx: f.idx, val: f.val, y, group: 'cls', ranges: [[OFF.ekman, OFF.ekman + NE + NS]], weight: Number(a['extra-weight']) };
}
const extras: ExtraItem[] = [];
for (const name of a.extra!.split(',').filter(Boolean)) {
  const items = name === 'xed' ? loadXed() : name === 'tweet' ? loadTweetEmotion('train') : undefined;
  if (!items) throw new Error(`unknown extra corpus ${name} (xed, tweet)`);
  log(`extra: ${name} ${items.length} items (Ekman + sentiment heads only, weight ${a['extra-weight']})`);
  extras.push(...items);
}
// GoEmotions first (the out-of-fold step indexes them), then the other domains' sentiment items and irony
const goEx = go.train.map(goExample);
const excluded = a.exclude!.split(',').filter(Boolean);
const domainItems = a.domains === '1' ? R.sentimentTrainItems(loadSentimentDomains().filter((x) => !excluded.some((e) => x.set.startsWith(e))), [...DOMAINS], seed) : [];
const domainEx = domainItems.map(({ item, weight }) => R.sentExample(item.text, item.label, weight, cfg, lex));
const ironyTrain = loadIrony('train').map((x) => R.ironyExample(x.text, x.label, cfg, lex));
const ironyVal = loadIrony('val');
const ironyValEx = ironyVal.map((x) => R.ironyExample(x.text, x.label, cfg, lex));
log(`domains: ${domainEx.length} sentiment items (${[...new Set(domainItems.map((x) => x.item.set))].join(', ')}), irony ${ironyTrain.length}`);
const train = [...goEx, ...domainEx, ...ironyTrain, ...eb.train.map(vaExample), ...extras.map(extraExample)];
const devGo = go.dev.map(goExample);
const devEb = eb.dev.map(vaExample);
log(`features: ${(train.reduce((s, e) => s + e.idx.length, 0) / train.length).toFixed(0)} per message, ${((performance.now() - t0) / 1000).toFixed(1)} s`);

interface DevEval {
  go: number;
  ekman: number;
  ekmanFromGo: number;
  sentiment: number;
  sentimentFromGo: number;
  valenceR: number;
  arousalR: number;
  thresholds: { go: number[]; ekman: number[]; sentiment: number[] };
  /** TweetEval irony validation: macro-F1 (ironic / not ironic) at its tuned threshold. */
  ironyF1: number;
  ironyThreshold: number;
}

/** Raw outputs of a model for one example: classification logits then valence/arousal. */
type Scorer = (e: Example) => Float32Array;

function scoresOf(m: Scorer, ex: Example[]): Float32Array[] {
  return ex.map((e) => {
    const z = m(e);
    for (let k = LAYOUT.cls[0]; k < LAYOUT.cls[1]; k++) z[k] = sigmoid(z[k]);
    return z;
  });
}

const linearScorer = (m: LinearModel): Scorer => (e) => m.raw(e.idx, e.val, new Float32Array(LAYOUT.K));

function groupMax(s: Float32Array, map: number[], C: number): Float32Array {
  const o = new Float32Array(C);
  for (let l = 0; l < NG; l++) o[map[l]] = Math.max(o[map[l]], s[l]);
  return o;
}

import { EKMAN_OF, SENTIMENT_OF } from '../src/text/labels.js';

/** Out-of-fold classification probabilities for GoEmotions train (from models that never saw them). */
let oof: { scores: Float32Array[]; items: GoItem[] } | undefined;

/**
 * Dev figures of a scorer. Thresholds are tuned on dev — plus the out-of-fold train scores once they
 * exist (far more examples of the rare labels, so thresholds that transfer instead of fitting dev's noise).
 */
function evaluate(m: Scorer): DevEval {
  const s = scoresOf(m, devGo);
  const goS = s.map((x) => x.subarray(OFF.go, OFF.go + NG));
  const ekS = s.map((x) => x.subarray(OFF.ekman, OFF.ekman + NE));
  const seS = s.map((x) => x.subarray(OFF.sentiment, OFF.sentiment + NS));
  const ekD = s.map((x) => groupMax(x, EKMAN_OF, NE));
  const seD = s.map((x) => groupMax(x, SENTIMENT_OF, NS));
  const gGo = go.dev.map((d) => d.labels), gEk = go.dev.map((d) => d.ekman), gSe = go.dev.map((d) => d.sentiment);
  const tune = (o: number, n: number, S: Float32Array[], gold: number[][], key: 'labels' | 'ekman' | 'sentiment'): number[] =>
    oof ? tuneThresholds([...S, ...oof.scores.map((x) => x.subarray(o, o + n))], [...gold, ...oof.items.map((d) => d[key])], n) : tuneThresholds(S, gold, n);
  const th = { go: tune(OFF.go, NG, goS, gGo, 'labels'), ekman: tune(OFF.ekman, NE, ekS, gEk, 'ekman'), sentiment: tune(OFF.sentiment, NS, seS, gSe, 'sentiment') };
  const va = scoresOf(m, devEb);
  const ir = scoresOf(m, ironyValEx).map((x) => x[OFF.cx]);
  let ironyF1 = 0, ironyThreshold = 0.5;
  for (let t = 0.1; t < 0.9; t += 0.02) {
    // macro-F1 over both classes (the F1 of "ironic" alone is maximised by calling everything ironic)
    const tp = [0, 0], fp = [0, 0], fn = [0, 0];
    ir.forEach((p, i) => {
      const y = ironyVal[i].label, yh = p >= t ? 1 : 0;
      if (y === yh) tp[y]++;
      else (fp[yh]++, fn[y]++);
    });
    const f = (tp[0] / Math.max(1, tp[0] + (fp[0] + fn[0]) / 2) + tp[1] / Math.max(1, tp[1] + (fp[1] + fn[1]) / 2)) / 2;
    if (f > ironyF1) (ironyF1 = f), (ironyThreshold = Math.round(t * 100) / 100);
  }
  return {
    ironyF1,
    ironyThreshold,
    go: multiLabelF1(goS, gGo, th.go).macroF1,
    ekman: multiLabelF1(ekS, gEk, th.ekman).macroF1,
    ekmanFromGo: multiLabelF1(ekD, gEk, tuneThresholds(ekD, gEk, NE)).macroF1,
    sentiment: multiLabelF1(seS, gSe, th.sentiment).macroF1,
    sentimentFromGo: multiLabelF1(seD, gSe, tuneThresholds(seD, gSe, NS)).macroF1,
    valenceR: pearson(va.map((x) => x[OFF.va]), eb.dev.map((d) => d.valence)),
    arousalR: pearson(va.map((x) => x[OFF.va + 1]), eb.dev.map((d) => d.arousal)),
    thresholds: th,
  };
}

// Train `--seeds` linear models (different shuffles) for `--epochs` epochs and average their weights:
// for a linear model that is the same as averaging their logits, so it costs nothing at inference.
// With --arch mlp (the default) the linear model only learns valence/arousal (EmoBank) and a
// one-hidden-layer network learns the 39 classification outputs.
const fmt = (x: number): string => x.toFixed(4);
const arch = a.arch as 'mlp' | 'linear';
if (arch !== 'mlp' && arch !== 'linear') throw new Error('--arch must be mlp or linear');
if (arch === 'mlp' && extras.length) throw new Error('--extra is only implemented for --arch linear');
const nSeeds = Number(a.seeds);
const model = new LinearModel(cfg.buckets, LAYOUT);
model.dropOptimizer();
const linTrain = arch === 'linear' ? train : train.filter((e) => e.group === 'reg');
for (let s = 0; s < nSeeds; s++) {
  const m = new LinearModel(cfg.buckets, LAYOUT);
  m.train(linTrain, {
    epochs: Number(a.epochs),
    lr: Number(a.lr),
    l2: Number(a.l2),
    posWeight: Number(a.pos),
    regLr: Number(a.reglr),
    seed: seed + s,
    onEpoch(ep, mm) {
      if (s > 0 && ep < Number(a.epochs)) return;
      const ev = evaluate(linearScorer(mm));
      if (arch === 'mlp') {
        log(`linear (valence/arousal) seed ${seed + s} epoch ${ep}: EmoBank dev r V ${fmt(ev.valenceR)} A ${fmt(ev.arousalR)}`);
        return;
      }
      log(
        `linear seed ${seed + s} epoch ${ep}: dev macro-F1 go28 ${fmt(ev.go)} ekman ${fmt(ev.ekman)} (from28 ${fmt(ev.ekmanFromGo)}) sentiment ${fmt(ev.sentiment)} (from28 ${fmt(ev.sentimentFromGo)}) | EmoBank dev r V ${fmt(ev.valenceR)} A ${fmt(ev.arousalR)} | ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
    },
  });
  for (let i = 0; i < model.W.length; i++) model.W[i] += m.W[i] / nSeeds;
  for (let i = 0; i < model.b.length; i++) model.b[i] += m.b[i] / nSeeds;
}

let scorer: Scorer = linearScorer(model);
let mlp: MlpModel | undefined;
let linGo: LinearModel | undefined;
let mlpEpoch = 0;
const CLS = LAYOUT.cls[1];
const D = Number(a.hidden);
/** Weight of the network in the GoEmotions logits; the rest comes from a linear model (`--ens 1`: network only). */
const ens = Number(a.ens);
const clsTrain = train.filter((e) => e.group === 'cls');
const goSet = new Set<Example>(goEx);
const linGoOptions = { epochs: Number(a.epochs), lr: Number(a.lr), l2: Number(a.l2), posWeight: Number(a.pos), regLr: Number(a.reglr), seed };

/** The shipped classifier: the network's logits, GoEmotions logits averaged with a linear model's (weight `ens`), V/A from `model`. */
function ensembleScorer(net: MlpModel, lin: LinearModel | undefined): Scorer {
  return (e) => {
    const z = net.logits(e.idx, e.val, new Float32Array(LAYOUT.K));
    const lz = model.raw(e.idx, e.val, new Float32Array(LAYOUT.K));
    z[OFF.va] = lz[OFF.va];
    z[OFF.va + 1] = lz[OFF.va + 1];
    if (lin) {
      lin.raw(e.idx, e.val, lz);
      for (let k = OFF.go; k < OFF.go + NG; k++) z[k] = ens * z[k] + (1 - ens) * lz[k];
    }
    return z;
  };
}

/** Train the network (and the linear GoEmotions model it is averaged with) on `data`; `onEpoch` sees the ensemble. */
function trainClassifier(data: Example[], epochs: number, onEpoch?: (ep: number, net: MlpModel, sc: Scorer) => void): { net: MlpModel; lin?: LinearModel } {
  let lin: LinearModel | undefined;
  if (ens < 1) {
    lin = new LinearModel(cfg.buckets, LAYOUT);
    lin.train(data.filter((e) => goSet.has(e)), linGoOptions);
    lin.dropOptimizer();
  }
  const net = new MlpModel(cfg.buckets, D, CLS, seed);
  net.train(data, { epochs, lr: Number(a['mlp-lr']), seed, onEpoch: (ep, mm) => onEpoch?.(ep, mm, ensembleScorer(mm, lin)) });
  return { net, lin };
}

if (arch === 'mlp') {
  let bestScore = -1;
  let bestSnap: ReturnType<MlpModel['snapshot']> | undefined;
  const r = trainClassifier(clsTrain, Number(a['mlp-epochs']), (ep, mm, sc) => {
    const ev = evaluate(sc);
    const score = ev.go + ev.ekman + ev.sentiment;
    log(`mlp D=${D}${ens < 1 ? ` + linear (weight ${1 - ens})` : ''} epoch ${ep}: dev macro-F1 go28 ${fmt(ev.go)} ekman ${fmt(ev.ekman)} sentiment ${fmt(ev.sentiment)} irony macro-F1 ${fmt(ev.ironyF1)} | ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    // with the multi-domain recipe the epoch count is fixed (--mlp-epochs, chosen by scripts/text-lodo.ts
    // on the leave-one-domain-out splits); the GoEmotions-only recipe keeps its dev choice
    if (a.domains === '1' ? ep === Number(a['mlp-epochs']) : score > bestScore) (bestScore = score), (bestSnap = mm.snapshot()), (mlpEpoch = ep);
  });
  mlp = r.net;
  linGo = r.lin;
  mlp.restore(bestSnap!);
  mlp.dropOptimizer();
  // the sentiment decision rule chosen on the leave-one-domain-out splits (scripts/text-lodo.ts)
  R.applySentimentOffsets(mlp.b2);
  scorer = ensembleScorer(mlp, linGo);

  // k-fold: the same recipe (best epoch count) on each 1−1/k of train scores the held-out fold
  const k = Number(a.folds);
  if (k > 1) {
    const scores: Float32Array[] = new Array(go.train.length);
    for (let f = 0; f < k; f++) {
      const sub = clsTrain.filter((_, i) => i % k !== f);
      const { net, lin } = trainClassifier(sub, mlpEpoch);
      R.applySentimentOffsets(net.b2);
      const sc = ensembleScorer(net, lin);
      for (let i = f; i < go.train.length; i += k) scores[i] = scoresOf(sc, [clsTrain[i]])[0];
      log(`fold ${f + 1}/${k} scored (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    oof = { scores, items: go.train };
  }
}
const best = { epoch: arch === 'mlp' ? mlpEpoch : Number(a.epochs), ev: evaluate(scorer) };
log(`final (${arch}${arch === 'mlp' ? `, epoch ${mlpEpoch}` : ''}, linear ${nSeeds} seed${nSeeds > 1 ? 's' : ''} averaged): go28 ${fmt(best.ev.go)} ekman ${fmt(best.ev.ekman)} sentiment ${fmt(best.ev.sentiment)} V r ${fmt(best.ev.valenceR)} A r ${fmt(best.ev.arousalR)}`);

// Valence blend: v = head·a + (p_pos − p_neg)·b + c, least squares on EmoBank dev (3 numbers; the
// sentiment heads learned from 43k GoEmotions comments add polarity knowledge EmoBank alone lacks).
const devS = scoresOf(scorer, devEb);
const polarity = (x: Float32Array): number => {
  const n = x[OFF.sentiment], u = x[OFF.sentiment + 1], p = x[OFF.sentiment + 2];
  return (p - n) / (n + u + p || 1);
};
const valenceBlend = fitLinear(devS.map((x) => [x[OFF.va], polarity(x), 1]), eb.dev.map((d) => d.valence));
const blended = devS.map((x) => Math.max(-1, Math.min(1, valenceBlend[0] * x[OFF.va] + valenceBlend[1] * polarity(x) + valenceBlend[2])));
const blendR = pearson(blended, eb.dev.map((d) => d.valence));
log(`valence blend ${valenceBlend.map((v) => v.toFixed(3)).join(', ')}: EmoBank dev r ${fmt(best.ev.valenceR)} → ${fmt(blendR)}`);

/** Ordinary least squares via the normal equations (tiny systems only). */
function fitLinear(X: number[][], y: number[]): number[] {
  const d = X[0].length;
  const A = Array.from({ length: d }, () => new Array(d + 1).fill(0));
  X.forEach((row, i) => {
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < d; c++) A[r][c] += row[r] * row[c];
      A[r][d] += row[r] * y[i];
    }
  });
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]];
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = A[r][c] / A[c][c];
      for (let k = c; k <= d; k++) A[r][k] -= f * A[c][k];
    }
  }
  return A.map((row, i) => row[d] / row[i]);
}

if (!a.dry) {
  // Words seen at least 3 times in training → "known" buckets (for the out-of-vocabulary confidence signal).
  const counts = new Map<number, number>();
  for (const t of [...go.train.map((x) => x.text), ...eb.train.map((x) => x.text)]) {
    for (const tok of featurize(t, cfg, lex).tokens) if (tok.kind === 'word') {
      const b = wordBucket(tok.norm, cfg.buckets);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
  }
  const known = new Uint8Array(cfg.buckets >> 3);
  for (const [b, c] of counts) if (c >= 3) known[b >> 3] |= 1 << (b & 7);

  const out = a.out ?? join(packageRoot(), 'models', 'text');
  mkdirSync(out, { recursive: true });
  let onnx: Uint8Array;
  let archInfo: Record<string, unknown> = { type: 'linear' };
  if (mlp) {
    // fold the ensemble weights into the network's GoEmotions columns and the linear layer
    const W2 = mlp.W2.slice(), b2 = mlp.b2.slice();
    if (linGo) {
      for (let d = 0; d < D; d++) for (let c = OFF.go; c < OFF.go + NG; c++) W2[d * CLS + c] *= ens;
      for (let c = OFF.go; c < OFF.go + NG; c++) b2[c] *= ens;
    }
    const Lto = [...(linGo ? GO_LABELS.map((_, i) => OFF.go + i) : []), OFF.va, OFF.va + 1];
    const Lk = Lto.length;
    const Lw = new Float32Array(cfg.buckets * Lk);
    for (let r = 0; r < cfg.buckets; r++) {
      Lto.forEach((c, i) => (Lw[r * Lk + i] = c >= OFF.va ? model.W[r * LAYOUT.K + c] : linGo!.W[r * LAYOUT.K + c] * (1 - ens)));
    }
    const Lb = Float32Array.from(Lto, (c) => (c >= OFF.va ? model.b[c] : linGo!.b[c] * (1 - ens)));
    const Eq = quantizeColumns(mlp.E, cfg.buckets, D);
    const Lq = quantizeColumns(Lw, cfg.buckets, Lk);
    onnx = exportTextMlpOnnx({
      E: Eq, b1: mlp.b1, W2, b2, L: Lq, Lb, Lto,
      H: cfg.buckets, D, C: CLS, K: LAYOUT.K, off: OFF, counts: { go: NG, ekman: NE, sentiment: NS, cx: NX },
    });
    archInfo = { type: 'mlp', hidden: D, ...(linGo ? { linear: Lto.slice(0, NG) } : {}) };
    // quantisation check: the dev figures with the int8 weights the ONNX file holds
    for (let i = 0; i < mlp.E.length; i++) mlp.E[i] = Eq.q[i] * Eq.scale[i % D];
    for (let r = 0; r < cfg.buckets; r++) {
      Lto.forEach((c, i) => {
        const w = Lq.q[r * Lk + i] * Lq.scale[i];
        if (c >= OFF.va) model.W[r * LAYOUT.K + c] = w;
        else linGo!.W[r * LAYOUT.K + c] = w / (1 - ens);
      });
    }
    const qev = evaluate(scorer);
    log(`int8 check: dev go28 ${fmt(qev.go)} ekman ${fmt(qev.ekman)} sentiment ${fmt(qev.sentiment)} (float ${fmt(best.ev.go)} / ${fmt(best.ev.ekman)} / ${fmt(best.ev.sentiment)})`);
  } else {
    const q = quantizeColumns(model.W, cfg.buckets, LAYOUT.K);
    onnx = exportTextOnnx({ q, b: model.b, H: cfg.buckets, K: LAYOUT.K, off: OFF, counts: { go: NG, ekman: NE, sentiment: NS } });
  }
  writeFileSync(join(out, 'text-emotion.onnx'), onnx);
  writeFileSync(join(out, 'known-words.bin'), known);
  if (idfBytes) writeFileSync(join(out, 'idf.bin'), idfBytes);
  else if (existsSync(join(out, 'idf.bin'))) unlinkSync(join(out, 'idf.bin'));
  const settings = {
    name: 'emosig-text-emotion',
    version: 2.1, // 2.1: the long-message sentence rule (sentenceRule, issue 10); 2: customer-language sentiment head, CX outputs, irony (issue 10); 1: GoEmotions-only
    license: 'research-only, non-commercial: trained on GoEmotions (Apache-2.0), EmoBank and the Emoji Sentiment Ranking (CC BY-SA 4.0), Pattern (PDDL), DailyDialog (CC BY-NC-SA 4.0), USS (no licence stated), TweetEval and dair-ai emotion (research use)',
    featureVersion: FEATURE_VERSION,
    features: cfg,
    outputs: { go: GO_LABELS, ekman: CORE_LABELS, sentiment: SENTIMENT_GROUPS, regression: ['valence', 'arousal'] },
    arch: archInfo,
    layout: { K: LAYOUT.K, offsets: OFF },
    cxOutputs: [...R.CX_OUTPUTS],
    cxThresholds: { irony: best.ev.ironyThreshold },
    valenceBlend: { head: valenceBlend[0], sentiment: valenceBlend[1], bias: valenceBlend[2] },
    ...(R.RECIPE.sentenceRule ? { sentenceRule: R.RECIPE.sentenceRule } : {}),
    thresholds: {
      go: Object.fromEntries(GO_LABELS.map((l, i) => [l, best!.ev.thresholds.go[i]])),
      ekman: Object.fromEntries(CORE_LABELS.map((l, i) => [l, best!.ev.thresholds.ekman[i]])),
      sentiment: Object.fromEntries(SENTIMENT_GROUPS.map((l, i) => [l, best!.ev.thresholds.sentiment[i]])),
    },
    training: {
      data: {
        classification: 'GoEmotions train (43,410)',
        sentiment: domainItems.length
          ? `GoEmotions train + ${domainItems.length} training items of the other domains (${[...new Set(domainItems.map((x) => x.item.set))].join(', ')}), capped per domain, class-balanced`
          : 'GoEmotions train',
        irony: 'TweetEval irony train (threshold on its validation split)',
        regression: 'EmoBank train split',
        thresholds: oof ? `GoEmotions dev (5,426) + out-of-fold scores of GoEmotions train (${a.folds} folds)` : 'GoEmotions dev (5,426)',
      },
      optimizer: 'AdaGrad, per example',
      sentimentOffsets: { ...R.RECIPE.sentimentOffsets, rule: 'added to the sentiment logits (negative − polarity, neutral + neutral, positive + polarity); chosen by scripts/text-lodo.ts on held-out domains\' training-split items' },
      epochs: best.epoch,
      seeds: nSeeds,
      ...(mlp
        ? {
            mlp: { hidden: D, lr: Number(a['mlp-lr']), epochsTried: Number(a['mlp-epochs']), bestEpoch: mlpEpoch, seed },
            ensemble: linGo ? { networkWeight: ens, linear: 'GoEmotions logits: linear model, one seed, same lr/l2/epochs' } : 'none',
            linear: 'valence/arousal (EmoBank), seeds averaged',
            thresholdFolds: Number(a.folds) > 1 ? Number(a.folds) : 0,
          }
        : {}),
      lr: Number(a.lr),
      l2: Number(a.l2),
      posWeight: Number(a.pos),
      regLr: Number(a.reglr),
      seed,
      knownWordMinCount: 3,
    },
    dev: {
      goMacroF1: best.ev.go,
      ekmanMacroF1: best.ev.ekman,
      sentimentMacroF1: best.ev.sentiment,
      emobankValenceR: blendR,
      emobankValenceHeadR: best.ev.valenceR,
      emobankArousalR: best.ev.arousalR,
      ironyValF1: best.ev.ironyF1,
    },
    lexicon: lex,
  };
  writeFileSync(join(out, 'text-model.json'), JSON.stringify(settings, null, 1) + '\n');
  log(`wrote ${join(out, 'text-emotion.onnx')} (${(onnx.length / 1e6).toFixed(2)} MB), text-model.json, known-words.bin`);
}
