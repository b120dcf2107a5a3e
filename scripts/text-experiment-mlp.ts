/**
 * Experiment (not shipped): does a one-hidden-layer network over the same hashed features (a "deep
 * averaging network"), alone or averaged with the linear model, beat the linear model on GoEmotions dev?
 *
 *   npx tsx scripts/text-experiment-mlp.ts [--dim 64] [--epochs 5] [--lr 0.05]
 */
import { parseArgs } from 'node:util';
import { DEFAULT_FEATURES, featurize } from '../src/text/features.js';
import { GO_LABELS } from '../src/text/labels.js';
import { CORE_LABELS } from '../src/signature/labels.js';
import { buildLexicon, loadGoEmotions, type GoItem } from './lib/text-data.js';
import { LinearModel, mulberry32, multiLabelF1, sigmoid, tuneThresholds, type Example } from './lib/text-linear.js';

const { values: a } = parseArgs({
  options: {
    dim: { type: 'string', default: '64' },
    epochs: { type: 'string', default: '5' },
    lr: { type: 'string', default: '0.05' },
    seed: { type: 'string', default: '1234' },
  },
});
const D = Number(a.dim);
const NG = 28, NE = 7, NS = 4, K = NG + NE + NS;
const cfg = DEFAULT_FEATURES;
const H = cfg.buckets;
const lex = buildLexicon();
const log = (s: string): void => void process.stderr.write(s + '\n');

const ex = (it: GoItem): Example => {
  const f = featurize(it.text, cfg, lex);
  const y = new Float32Array(K);
  for (const l of it.labels) y[l] = 1;
  for (const l of it.ekman) y[NG + l] = 1;
  for (const l of it.sentiment) y[NG + NE + l] = 1;
  return { idx: f.idx, val: f.val, y, group: 'cls' };
};
const train = loadGoEmotions('train').map(ex);
const devItems = loadGoEmotions('dev');
const dev = devItems.map(ex);

// ---- the network
const rng = mulberry32(Number(a.seed));
const E = new Float32Array(H * D).map(() => (rng() - 0.5) * 0.1);
const b1 = new Float32Array(D);
const W2 = new Float32Array(D * K).map(() => (rng() - 0.5) * (2 / Math.sqrt(D)));
const b2 = new Float32Array(K);
const GE = new Float32Array(H * D), Gb1 = new Float32Array(D), GW2 = new Float32Array(D * K), Gb2 = new Float32Array(K);
const pre = new Float32Array(D), h = new Float32Array(D), z = new Float32Array(K), gz = new Float32Array(K), gh = new Float32Array(D);

function forward(e: Example): void {
  pre.set(b1);
  for (let j = 0; j < e.idx.length; j++) {
    const base = e.idx[j] * D, v = e.val[j];
    for (let d = 0; d < D; d++) pre[d] += v * E[base + d];
  }
  for (let d = 0; d < D; d++) h[d] = pre[d] > 0 ? pre[d] : 0;
  z.set(b2);
  for (let d = 0; d < D; d++) {
    const hd = h[d];
    if (hd === 0) continue;
    for (let k = 0; k < K; k++) z[k] += hd * W2[d * K + k];
  }
}

const lr = Number(a.lr), eps = 1e-6;
function step(e: Example): void {
  forward(e);
  for (let k = 0; k < K; k++) gz[k] = sigmoid(z[k]) - e.y[k];
  gh.fill(0);
  for (let d = 0; d < D; d++) {
    const hd = h[d];
    for (let k = 0; k < K; k++) {
      const i = d * K + k;
      gh[d] += gz[k] * W2[i];
      if (hd !== 0) {
        const g = gz[k] * hd;
        GW2[i] += g * g;
        W2[i] -= (lr * g) / Math.sqrt(GW2[i] + eps);
      }
    }
  }
  for (let k = 0; k < K; k++) {
    Gb2[k] += gz[k] * gz[k];
    b2[k] -= (lr * gz[k]) / Math.sqrt(Gb2[k] + eps);
  }
  for (let d = 0; d < D; d++) gh[d] = pre[d] > 0 ? gh[d] : 0;
  for (let d = 0; d < D; d++) {
    Gb1[d] += gh[d] * gh[d];
    b1[d] -= (lr * gh[d]) / Math.sqrt(Gb1[d] + eps);
  }
  for (let j = 0; j < e.idx.length; j++) {
    const base = e.idx[j] * D, v = e.val[j];
    for (let d = 0; d < D; d++) {
      if (gh[d] === 0) continue;
      const g = v * gh[d];
      GE[base + d] += g * g;
      E[base + d] -= (lr * g) / Math.sqrt(GE[base + d] + eps);
    }
  }
}

function evalLogits(logits: Float32Array[]): { go: number; ekman: number; sentiment: number } {
  const p = logits.map((l) => Float32Array.from(l, sigmoid));
  const part = (o: number, n: number, gold: number[][]) => {
    const s = p.map((x) => x.subarray(o, o + n));
    return multiLabelF1(s, gold, tuneThresholds(s, gold, n)).macroF1;
  };
  return {
    go: part(0, NG, devItems.map((d) => d.labels)),
    ekman: part(NG, NE, devItems.map((d) => d.ekman)),
    sentiment: part(NG + NE, NS, devItems.map((d) => d.sentiment)),
  };
}
const fmt = (r: { go: number; ekman: number; sentiment: number }): string => `go28 ${r.go.toFixed(4)} ekman ${r.ekman.toFixed(4)} sentiment ${r.sentiment.toFixed(4)}`;

// linear reference (shipped settings, one seed)
const lin = new LinearModel(H, { K: K + 2, cls: [0, K], reg: [K, K + 2] });
const trainLin = train.map((e) => ({ ...e, y: Float32Array.from([...e.y, 0, 0]) }));
lin.train(trainLin, { epochs: 4, lr: 0.1, l2: 0.00005, posWeight: 1, regLr: 0.5, seed: Number(a.seed) });
const linLogits = dev.map((e) => lin.raw(e.idx, e.val, new Float32Array(K + 2)).slice(0, K));
log(`linear: ${fmt(evalLogits(linLogits))}`);
lin.dropOptimizer();

const order = Int32Array.from(train.keys());
const t0 = performance.now();
for (let ep = 1; ep <= Number(a.epochs); ep++) {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (const n of order) step(train[n]);
  const mlp = dev.map((e) => (forward(e), z.slice()));
  const ens = mlp.map((m, i) => Float32Array.from(m, (x, k) => (x + linLogits[i][k]) / 2));
  log(`epoch ${ep} (${((performance.now() - t0) / 1000).toFixed(0)} s): MLP D=${D} ${fmt(evalLogits(mlp))} | MLP+linear ${fmt(evalLogits(ens))}`);
}
void GO_LABELS;
void CORE_LABELS;
