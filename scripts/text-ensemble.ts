/** Experiment helper (not shipped): dev figures of weighted probability averages of saved runs (text-experiment.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDailyDialog, loadGoEmotions, loadTweetSentiment } from './lib/text-data.js';
import { EKMAN_OF, SENTIMENT_OF } from '../src/text/labels.js';
import { multiLabelF1, singleLabelF1, tuneThresholds } from './lib/text-linear.js';

const dir = process.env.EXP ?? '/tmp/textexp';
const NG = 28, NE = 7, NS = 4, K = 39;
const dev = loadGoEmotions('dev');
const dd = loadDailyDialog('validation');
const tw = loadTweetSentiment('val');
const DD_TO_CORE = [0, 3, 5, 4, 1, 2, 6];
const load = (n: string): Float32Array => new Float32Array(new Uint8Array(readFileSync(join(dir, `${n}.f32`))).buffer);
const argmax = (v: ArrayLike<number>, n: number): number => {
  let b = 0;
  for (let i = 1; i < n; i++) if (v[i] > v[b]) b = i;
  return b;
};
/** Weighted mean of probabilities, or (LOGIT=1) the sigmoid of the weighted mean of logits. */
function combine(parts: { P: Float32Array; w: number }[]): Float32Array {
  const W = parts.reduce((s, p) => s + p.w, 0);
  const P = new Float32Array(parts[0].P.length);
  const logit = process.env.LOGIT === '1';
  for (const p of parts) {
    for (let i = 0; i < P.length; i++) {
      const x = Math.min(1 - 1e-7, Math.max(1e-7, p.P[i]));
      P[i] += ((logit ? Math.log(x / (1 - x)) : x) * p.w) / W;
    }
  }
  if (logit) for (let i = 0; i < P.length; i++) P[i] = 1 / (1 + Math.exp(-P[i]));
  return P;
}
const train = Number(process.env.OOF ?? 0) > 0 ? loadGoEmotions('train') : [];

/** Honest threshold check: tune on half of dev (optionally + out-of-fold train scores), score the other half. */
function thresholdCheck(spec: string, P: Float32Array): void {
  const F = Number(process.env.OOF);
  const O = new Float32Array(train.length * K);
  for (let f = 0; f < F; f++) {
    const Pf = combine(spec.split('+').map((s) => {
      const [n, w] = s.split('*');
      return { P: load(`${n}_oof${f}`), w: w ? Number(w) : 1 };
    }));
    let r = 0;
    for (let i = 0; i < train.length; i++) if (i % F === f) O.set(Pf.subarray(r * K, r++ * K + K), i * K);
  }
  const heads: [string, number, number, (x: { labels: number[]; ekman: number[]; sentiment: number[] }) => number[]][] = [
    ['go28', 0, NG, (x) => x.labels], ['ekman', NG, NE, (x) => x.ekman], ['sent', NG + NE, NS, (x) => x.sentiment],
  ];
  const out: string[] = [];
  for (const [name, o, n, gold] of heads) {
    const dS = dev.map((_, i) => P.subarray(i * K + o, i * K + o + n));
    const tS = train.map((_, i) => O.subarray(i * K + o, i * K + o + n));
    const res = [0, 0, 0];
    for (let rep = 0; rep < 10; rep++) {
      const A: number[] = [], B: number[] = [];
      dev.forEach((_, i) => (((i * 7919 + rep * 104729) % 10) < 5 ? A : B).push(i));
      const evalB = (th: number[]): number => multiLabelF1(B.map((i) => dS[i]), B.map((i) => gold(dev[i])), th).macroF1;
      res[0] += evalB(tuneThresholds(A.map((i) => dS[i]), A.map((i) => gold(dev[i])), n)) / 10;
      if (!F) continue;
      res[1] += evalB(tuneThresholds([...A.map((i) => dS[i]), ...tS], [...A.map((i) => gold(dev[i])), ...train.map(gold)], n)) / 10;
      res[2] += evalB(tuneThresholds(tS, train.map(gold), n)) / 10;
    }
    out.push(`${name} half ${res[0].toFixed(4)} half+oof ${res[1].toFixed(4)} oof ${res[2].toFixed(4)}`);
  }
  console.log(`  thresholds on dev halves: ${out.join(' | ')}`);
}

for (const spec of process.argv.slice(2)) {
  // spec: name*w+name*w (weights default 1)
  const parts = spec.split('+').map((s) => {
    const [n, w] = s.split('*');
    return { P: load(n), w: w ? Number(w) : 1 };
  });
  const P = combine(parts);
  const s = dev.map((_, i) => P.subarray(i * K, i * K + K));
  const part = (o: number, n: number, gold: number[][]): number => {
    const x = s.map((v) => v.subarray(o, o + n));
    return multiLabelF1(x, gold, tuneThresholds(x, gold, n)).macroF1;
  };
  const g = part(0, NG, dev.map((d) => d.labels)), e = part(NG, NE, dev.map((d) => d.ekman)), se = part(NG + NE, NS, dev.map((d) => d.sentiment));
  const EK = EKMAN_OF;
  const SE = SENTIMENT_OF;
  const derived = (map: number[], C: number, gold: number[][]): number => {
    const x = s.map((v) => {
      const o = new Float32Array(C);
      for (let l = 0; l < NG; l++) o[map[l]] = Math.max(o[map[l]], v[l]);
      return o;
    });
    return multiLabelF1(x, gold, tuneThresholds(x, gold, C)).macroF1;
  };
  const eD = derived(EK, NE, dev.map((d) => d.ekman)), sD = derived(SE, NS, dev.map((d) => d.sentiment));
  // direct heads averaged with the group maxima of the 28 labels
  const mixed = (map: number[], C: number, o: number, gold: number[][]): number => {
    const x = s.map((v) => {
      const g = new Float32Array(C);
      for (let l = 0; l < NG; l++) g[map[l]] = Math.max(g[map[l]], v[l]);
      return g.map((y, c) => (y + v[o + c]) / 2);
    });
    return multiLabelF1(x, gold, tuneThresholds(x, gold, C)).macroF1;
  };
  const eM = mixed(EK, NE, NG, dev.map((d) => d.ekman)), sM = mixed(SE, NS, NG + NE, dev.map((d) => d.sentiment));
  let o = dev.length * K;
  const ddPred = dd.map((_, i) => argmax(P.subarray(o + i * K + NG, o + i * K + NG + NE), NE));
  const ddF = singleLabelF1(ddPred, dd.map((x) => DD_TO_CORE[x.label]), 7).macroF1;
  o += dd.length * K;
  const twPred = tw.map((_, i) => argmax(P.subarray(o + i * K + NG + NE, o + i * K + NG + NE + 3), 3));
  const twF = singleLabelF1(twPred, tw.map((x) => x.label), 3).macroF1;
  console.log(`${spec}: go28 ${g.toFixed(4)} ekman ${e.toFixed(4)} sent ${se.toFixed(4)} (from28 ${eD.toFixed(4)} / ${sD.toFixed(4)}, mixed ${eM.toFixed(4)} / ${sM.toFixed(4)}) | DDval ${ddF.toFixed(4)} TWval ${twF.toFixed(4)}`);
  if (train.length || process.env.HALF === '1') thresholdCheck(spec, P);
}
