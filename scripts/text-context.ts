/**
 * Does conversation context help? DailyDialog, split by dialogue (its own train / test dialogues,
 * deduplicated): the same network (D=64, up to --epochs epochs) trained on DailyDialog train to
 * predict each utterance's emotion (7 classes) and sentiment (3), with the message's own features
 * alone, or plus the previous 1 or 2 messages' features (the same hashed features moved to their own
 * bucket range by a salted re-hash, scaled down). Scored on DailyDialog test: macro-F1 and accuracy.
 * The epoch is chosen on DailyDialog validation dialogues (never test).
 *
 *   npx tsx scripts/text-context.ts [--out bench/results/text-context]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_FEATURES, featurize } from '../src/text/features.js';
import { buildLexicon, loadDailyDialog } from './lib/text-data.js';
import { classMetrics } from './lib/metrics.js';
import { MlpModel } from './lib/text-mlp.js';
import type { Example } from './lib/text-linear.js';

const { values: a } = parseArgs({
  options: {
    out: { type: 'string', default: 'bench/results/text-context' },
    seed: { type: 'string', default: '1234' },
    epochs: { type: 'string', default: '2' },
    windows: { type: 'string', default: '0,1,2' },
  },
});
const log = (s: string): void => void process.stderr.write(s + '\n');
const cfg = DEFAULT_FEATURES;
const lex = buildLexicon();
const mask = cfg.buckets - 1;
const DD_SENT = [1, 0, 0, 0, 2, 0, -1];
const EMO = ['none', 'anger', 'disgust', 'fear', 'happiness', 'sadness', 'surprise'];
const K = 10; // 7 emotions, then negative / neutral / positive

type Utt = { text: string; label: number; dialogue: number };
const data = { train: loadDailyDialog('train'), validation: loadDailyDialog('validation'), test: loadDailyDialog('test') };

function examples(us: Utt[], window: number, ctxScale: number): Example[] {
  const fs = us.map((u) => featurize(u.text, cfg, lex));
  return us.map((u, i) => {
    const idx: number[] = Array.from(fs[i].idx), val: number[] = Array.from(fs[i].val);
    for (let k = 1; k <= window; k++) {
      if (i - k < 0 || us[i - k].dialogue !== u.dialogue) break;
      const f = fs[i - k];
      for (let j = 0; j < f.idx.length; j++) {
        idx.push((Math.imul(f.idx[j] ^ (0x9e3779b9 * k), 0x85ebca6b) >>> 0) & mask);
        val.push(f.val[j] * ctxScale);
      }
    }
    const y = new Float32Array(K);
    y[u.label] = 1;
    if (DD_SENT[u.label] >= 0) y[7 + DD_SENT[u.label]] = 1;
    return { idx: Int32Array.from(idx), val: Float32Array.from(val), y, group: 'cls' };
  });
}

function evaluate(m: MlpModel, ex: Example[], us: Utt[]) {
  const z = new Float32Array(K);
  const pe: number[] = [], ps: number[] = [], gs: number[] = [], pss: number[] = [];
  ex.forEach((e, i) => {
    m.logits(e.idx, e.val, z);
    let b = 0;
    for (let k = 1; k < 7; k++) if (z[k] > z[b]) b = k;
    pe.push(b);
    if (DD_SENT[us[i].label] >= 0) {
      gs.push(DD_SENT[us[i].label]);
      pss.push(z[7] >= z[8] && z[7] >= z[9] ? 0 : z[9] >= z[8] ? 2 : 1);
    }
    ps.push(b);
  });
  const em = classMetrics(us.map((u) => u.label), pe, EMO);
  const sm = classMetrics(gs, pss, ['negative', 'neutral', 'positive']);
  return { emotionF1: em.macroF1, emotionAcc: em.accuracy, sentimentF1: sm.macroF1, sentimentAcc: sm.accuracy };
}

const rows: string[] = [];
const json: unknown[] = [];
for (const window of a.windows!.split(',').map(Number)) {
  const scale = 0.5;
  const tr = examples(data.train, window, scale), va = examples(data.validation, window, scale), te = examples(data.test, window, scale);
  const net = new MlpModel(cfg.buckets, 64, K, Number(a.seed));
  let best = { v: -1, ep: 0, test: evaluate(net, te, data.test) };
  net.train(tr, {
    epochs: Number(a.epochs), lr: 0.05, seed: Number(a.seed),
    onEpoch: (ep, mm) => {
      const v = evaluate(mm, va, data.validation);
      const score = v.emotionF1 + v.sentimentF1;
      log(`window ${window}: epoch ${ep} validation emotion F1 ${v.emotionF1.toFixed(3)} sentiment F1 ${v.sentimentF1.toFixed(3)}`);
      if (score > best.v) best = { v: score, ep, test: evaluate(mm, te, data.test) };
    },
  });
  const t = best.test;
  rows.push(`| ${window === 0 ? 'message alone' : `+ previous ${window} message${window > 1 ? 's' : ''} (×${scale})`} | ${best.ep} | ${t.emotionF1.toFixed(3)} / ${t.emotionAcc.toFixed(3)} | ${t.sentimentF1.toFixed(3)} / ${t.sentimentAcc.toFixed(3)} |`);
  json.push({ window, scale, epoch: best.ep, test: t });
}
const md = [
  '# Conversation context on DailyDialog (scripts/text-context.ts)',
  '',
  `Trained on DailyDialog train (${data.train.length} utterances), epoch chosen on validation dialogues, scored on test dialogues (${data.test.length} utterances); deduplicated, split by dialogue.`,
  '',
  '| features | epoch | emotion 7-class macro-F1 / accuracy | sentiment 3-class macro-F1 / accuracy |',
  '|---|---:|---|---|',
  ...rows,
  '',
].join('\n');
mkdirSync('bench/results', { recursive: true });
writeFileSync(`${a.out}.md`, md);
writeFileSync(`${a.out}.json`, JSON.stringify(json, null, 1) + '\n');
process.stdout.write(md);
