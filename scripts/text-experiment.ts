/**
 * Text model experiments (not shipped): train variants on GoEmotions train and save their dev
 * probabilities (GoEmotions dev 39 outputs, DailyDialog validation and TweetEval val via the Ekman /
 * sentiment heads) to a folder, so ensembles can be compared on dev without retraining.
 *
 *   npx tsx scripts/text-experiment.ts --out /tmp/textexp lin:lr=0.1,l2=5e-5,epochs=4 mlp:D=64,lr=0.05,epochs=4
 *   (mlp options: D, lr, epochs, from (first epoch saved), seed, swa=1; --fold i/k also saves out-of-fold scores)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FEATURES, featurize } from '../src/text/features.js';
import { buildLexicon, loadDailyDialog, loadGoEmotions, loadTweetSentiment, type GoItem } from './lib/text-data.js';
import { LinearModel, multiLabelF1, sigmoid, tuneThresholds, type Example } from './lib/text-linear.js';
import { MlpModel } from './lib/text-mlp.js';

const { values: a, positionals } = parseArgs({ options: { out: { type: 'string', default: '/tmp/textexp' }, seed: { type: 'string', default: '1234' }, fold: { type: 'string', default: '' } }, allowPositionals: true });
const NG = 28, NE = 7, NS = 4, K = NG + NE + NS;
const cfg = DEFAULT_FEATURES;
const lex = buildLexicon();
const log = (s: string): void => void process.stderr.write(s + '\n');
mkdirSync(a.out!, { recursive: true });

const ex = (it: GoItem): Example => {
  const f = featurize(it.text, cfg, lex);
  const y = new Float32Array(K + 2);
  for (const l of it.labels) y[l] = 1;
  for (const l of it.ekman) y[NG + l] = 1;
  for (const l of it.sentiment) y[NG + NE + l] = 1;
  return { idx: f.idx, val: f.val, y, group: 'cls' };
};
const plain = (t: string): Example => {
  const f = featurize(t, cfg, lex);
  return { idx: f.idx, val: f.val, y: new Float32Array(K + 2), group: 'cls' };
};
// --fold i/n: train on the other folds of GoEmotions train and also save the held-out fold's
// (out-of-fold) probabilities, for tuning thresholds on more than dev
const allTrain = loadGoEmotions('train').map(ex);
const [fi, fn] = a.fold ? a.fold.split('/').map(Number) : [-1, 1];
const train = allTrain.filter((_, i) => i % fn !== fi);
const heldOut = allTrain.filter((_, i) => i % fn === fi);
const devItems = loadGoEmotions('dev');
// generalisation checks: DailyDialog validation and TweetEval sentiment val (never trained on)
const evalSet = [...devItems.map(ex), ...loadDailyDialog('validation').map((x) => plain(x.text)), ...loadTweetSentiment('val').map((x) => plain(x.text))];
log(`train ${train.length}, eval ${evalSet.length}`);

function save(file: string, set: Example[], logits: (e: Example) => Float32Array): Float32Array {
  const P = new Float32Array(set.length * K);
  set.forEach((e, i) => {
    const z = logits(e);
    for (let k = 0; k < K; k++) P[i * K + k] = sigmoid(z[k]);
  });
  writeFileSync(join(a.out!, `${file}.f32`), new Uint8Array(P.buffer));
  return P;
}

function report(name: string, logits: (e: Example) => Float32Array): void {
  if (fi >= 0) {
    save(`${name}_oof${fi}`, heldOut, logits);
    if (fi > 0) return;
  }
  const P = save(fi >= 0 ? `${name}_fold${fi}` : name, evalSet, logits);
  const s = devItems.map((_, i) => P.subarray(i * K, i * K + K));
  const part = (o: number, n: number, gold: number[][]): number => {
    const x = s.map((v) => v.subarray(o, o + n));
    return multiLabelF1(x, gold, tuneThresholds(x, gold, n)).macroF1;
  };
  log(`${name}: dev go28 ${part(0, NG, devItems.map((d) => d.labels)).toFixed(4)} ekman ${part(NG, NE, devItems.map((d) => d.ekman)).toFixed(4)} sentiment ${part(NG + NE, NS, devItems.map((d) => d.sentiment)).toFixed(4)}`);
}

const t0 = performance.now();
for (const spec of positionals) {
  const [arch, params = ''] = spec.split(':');
  const p = Object.fromEntries(params.split(',').filter(Boolean).map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]));
  const seed = p.seed ?? Number(a.seed);
  const tag = `${arch}_${params.replace(/[=,]/g, (c) => (c === '=' ? '' : '_'))}`;
  if (arch === 'lin') {
    const m = new LinearModel(cfg.buckets, { K: K + 2, cls: [0, K], reg: [K, K + 2] });
    m.train(train, {
      epochs: p.epochs ?? 4, lr: p.lr ?? 0.1, l2: p.l2 ?? 5e-5, posWeight: p.pos ?? 1, regLr: 1, seed,
      onEpoch(ep, mm) {
        if (ep >= (p.from ?? 1)) report(`${tag}_ep${ep}`, (e) => mm.raw(e.idx, e.val, new Float32Array(K + 2)));
        log(`  ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      },
    });
  } else if (arch === 'mlp') {
    const m = new MlpModel(cfg.buckets, p.D ?? 64, K, seed);
    // swa=1: also report the running average of the weights at the ends of epochs from `from` on
    const avg = new MlpModel(cfg.buckets, p.D ?? 64, K, seed);
    let nAvg = 0;
    m.train(train, {
      epochs: p.epochs ?? 4, lr: p.lr ?? 0.05, seed,
      onEpoch(ep, mm) {
        if (ep >= (p.from ?? 1)) report(`${tag}_ep${ep}`, (e) => mm.logits(e.idx, e.val, new Float32Array(K)));
        if (p.swa && ep >= (p.from ?? 1)) {
          const w = mm.snapshot(), a = avg.snapshot();
          nAvg++;
          for (const k of ['E', 'b1', 'W2', 'b2'] as const) for (let i = 0; i < a[k].length; i++) a[k][i] = nAvg === 1 ? w[k][i] : a[k][i] + (w[k][i] - a[k][i]) / nAvg;
          avg.restore(a);
          if (nAvg > 1) report(`${tag}_swa${ep}`, (e) => avg.logits(e.idx, e.val, new Float32Array(K)));
        }
        log(`  ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      },
    });
  } else throw new Error(`unknown arch ${arch}`);
}
