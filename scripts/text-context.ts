/**
 * Conversation context for the shipped text model: trains the context head (src/text/model.ts,
 * `applyContext`) on top of the frozen network and measures it held out, by conversation.
 *
 *   npx tsx scripts/text-context.ts [--write] [--iters 150] [--out bench/results/text-context]
 *
 * The head adds to message i's 7 core-emotion and 3 sentiment logits a linear function of the previous
 * `window` messages' hidden layers (relu, centred on their training mean); no bias, nothing from later
 * messages. Data with conversations: DailyDialog (its own validation / test dialogues; emotion →
 * core emotion, and sentiment: none → neutral, happiness → positive, anger/disgust/fear/sadness →
 * negative) and User Satisfaction Simulation (every turn, SYSTEM ones too, is context; USER turns are
 * targets: mean rating < 2.5 negative, ≥ 3.5 positive, else neutral; one dialogue in five is test, the
 * same split as scripts/lib/text-domains.ts). Softmax cross-entropy with the frozen logits as offsets,
 * class weights √(inverse frequency) ≤ 3 per corpus and task, L2, full-batch Adam.
 *
 * The head trains on DailyDialog VALIDATION dialogues only: the frozen network never trained on them (on
 * its own training dialogues its logits are too good and a head fitted there learns to ignore context).
 * Selection (fixed in advance): window ∈ {1, 2} × L2 ∈ {1e-4, 1e-3, 1e-2, 1e-1}, the pair with the best
 * mean of the sentiment and emotion macro-F1 in 2-fold cross-validation over those dialogues (by dialogue).
 * Reported (never used for a choice): DailyDialog test dialogues and USS test dialogues (a corpus the head
 * never saw), context off vs on, scored through the product's own `scoreMessages`, so the figures are what
 * `analyzeText` gives. Whether context is on by default follows a rule fixed in advance (see the output).
 * `--write` writes models/text/text-context.json (the head, `onByDefault`, its settings and these figures).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTextModel, scoreMessages, type TextMessageReading } from '../src/text/index.js';
import { featurizeWith, scoreFeatures, CONTEXT_FILE, type TextContextHead, type TextModel } from '../src/text/model.js';
import { CORE_LABELS } from '../src/signature/labels.js';
import { loadDailyDialog, textDataDir } from './lib/text-data.js';
import { classMetrics, type ClassMetrics } from './lib/metrics.js';

const { values: a } = parseArgs({
  options: {
    out: { type: 'string', default: 'bench/results/text-context' },
    iters: { type: 'string', default: '150' },
    write: { type: 'boolean', default: false },
  },
});
const log = (s: string): void => void process.stderr.write(s + '\n');
const t0 = performance.now();
const secs = (): string => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

// ---------------------------------------------------------------- data
/** One message of a conversation; `sent` / `emo` are targets when present. */
interface Msg {
  text: string;
  conv: string;
  corpus: 'dd' | 'uss';
  split: 'train' | 'validation' | 'test';
  sent?: number;
  emo?: number;
}
const DD_SENT: (number | undefined)[] = [1, 0, 0, 0, 2, 0, undefined];
// DailyDialog none, anger, disgust, fear, happiness, sadness, surprise → CORE_LABELS (neutral, joy, sadness, anger, fear, disgust, surprise)
const DD_CORE = [0, 3, 5, 4, 1, 2, 6];
function h32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
const msgs: Msg[] = [];
for (const split of ['train', 'validation', 'test'] as const) {
  for (const u of loadDailyDialog(split)) msgs.push({ text: u.text, conv: `dd-${split}-${u.dialogue}`, corpus: 'dd', split, sent: DD_SENT[u.label], emo: DD_CORE[u.label] });
}
for (const src of ['MWOZ', 'SGD', 'ReDial', 'CCPE']) {
  let d = 0;
  for (const line of readFileSync(join(textDataDir(), 'uss_satisfaction', `${src}.txt`), 'utf8').split('\n')) {
    if (!line.trim()) {
      d++;
      continue;
    }
    const f = line.split('\t');
    if (!f[1]?.trim()) continue;
    const conv = `${src}-${d}`;
    const m: Msg = { text: f[1], conv: `uss-${conv}`, corpus: 'uss', split: h32(conv) % 5 === 0 ? 'test' : 'train' };
    if (f[0] === 'USER' && f[3]) {
      const sats = f[3].split(',').map(Number).filter((x) => x >= 1 && x <= 5);
      if (sats.length) {
        const mean = sats.reduce((x, y) => x + y, 0) / sats.length;
        m.sent = mean < 2.5 ? 0 : mean >= 3.5 ? 2 : 1;
      }
    }
    msgs.push(m);
  }
}
log(`messages: ${msgs.length} (${msgs.filter((m) => m.corpus === 'dd').length} DailyDialog, ${msgs.filter((m) => m.corpus === 'uss').length} USS) ${secs()}`);

// ---------------------------------------------------------------- frozen network
const model = await loadTextModel();
if (!model.mlp) throw new Error('the context head needs the network model');
const D = model.mlp.D;
const off = model.settings.layout.offsets;
const OUTPUTS = [...CORE_LABELS.map((_, i) => off.ekman + i), off.sentiment, off.sentiment + 1, off.sentiment + 2];
const O = OUTPUTS.length; // 10: emotion logits 0..6, sentiment 7..9
/** relu(hidden) per message (null: empty, no features), and the frozen logits of OUTPUTS. */
const relu: (Float32Array | null)[] = [];
const own: (Float32Array | null)[] = [];
for (let s = 0; s < msgs.length; s += 4096) {
  const chunk = msgs.slice(s, s + 4096);
  const feats = chunk.map((m) => featurizeWith(model, m.text));
  const live = feats.map((f, i) => f.idx.length > 0 && chunk[i].text.trim().length > 0);
  const sc = await scoreFeatures(model, feats.filter((_, i) => live[i]), { backend: 'js' });
  let k = 0;
  for (let i = 0; i < chunk.length; i++) {
    if (!live[i]) {
      relu.push(null);
      own.push(null);
      continue;
    }
    const r = sc[k++];
    relu.push(Float32Array.from(r.hidden!, (x) => (x > 0 ? x : 0)));
    own.push(Float32Array.from(OUTPUTS, (o) => r.logits![o]));
  }
}
log(`scored with the frozen network ${secs()}`);

/** Indices of the previous non-empty messages of the same conversation (newest first, up to 4). */
const prev: number[][] = [];
{
  let conv = '';
  let hist: number[] = [];
  msgs.forEach((m, i) => {
    if (m.conv !== conv) (conv = m.conv), (hist = []);
    prev.push(hist.slice(-4).reverse());
    if (relu[i]) hist.push(i);
  });
}

// ---------------------------------------------------------------- head training
interface Ex {
  i: number;
  /** class weight of the sentiment / emotion target (0: none). */
  ws: number;
  we: number;
}
function classWeights(labels: number[], k: number): number[] {
  const n = new Array(k).fill(0);
  for (const l of labels) n[l]++;
  const present = n.filter((c) => c > 0).length;
  return n.map((c) => (c > 0 ? Math.min(3, Math.sqrt(labels.length / present / c)) : 0));
}
function examples(sel: (m: Msg) => boolean): Ex[] {
  const ids = msgs.map((m, i) => i).filter((i) => sel(msgs[i]) && own[i] && prev[i].length > 0 && (msgs[i].sent !== undefined || msgs[i].emo !== undefined));
  const out: Ex[] = ids.map((i) => ({ i, ws: 0, we: 0 }));
  for (const corpus of ['dd', 'uss'] as const) {
    const mine = out.filter((e) => msgs[e.i].corpus === corpus);
    const cs = classWeights(mine.filter((e) => msgs[e.i].sent !== undefined).map((e) => msgs[e.i].sent!), 3);
    const ce = classWeights(mine.filter((e) => msgs[e.i].emo !== undefined).map((e) => msgs[e.i].emo!), 7);
    for (const e of mine) {
      if (msgs[e.i].sent !== undefined) e.ws = cs[msgs[e.i].sent!];
      if (msgs[e.i].emo !== undefined) e.we = ce[msgs[e.i].emo!];
    }
  }
  return out;
}

function meanRelu(ids: number[]): Float32Array {
  const mu = new Float64Array(D);
  let n = 0;
  for (const i of ids) {
    const r = relu[i];
    if (!r) continue;
    for (let d = 0; d < D; d++) mu[d] += r[d];
    n++;
  }
  return Float32Array.from(mu, (x) => x / Math.max(1, n));
}

/** Softmax cross-entropy over logits z[from..to) with target t; adds dL/dz · w into g. */
function ce(z: Float64Array, from: number, to: number, t: number, w: number, g: Float64Array): number {
  let mx = -Infinity;
  for (let k = from; k < to; k++) mx = Math.max(mx, z[k]);
  let s = 0;
  for (let k = from; k < to; k++) s += Math.exp(z[k] - mx);
  for (let k = from; k < to; k++) g[k] += w * (Math.exp(z[k] - mx) / s - (k - from === t ? 1 : 0));
  return w * (Math.log(s) + mx - z[from + t]);
}

function trainHead(ex: Ex[], window: number, l2: number, mean: Float32Array): Float32Array {
  const P = window * D * O;
  const W = new Float64Array(P);
  const m1 = new Float64Array(P), m2 = new Float64Array(P);
  const lr = 0.01, b1 = 0.9, b2 = 0.999;
  const x = new Float64Array(window * D);
  const z = new Float64Array(O), g = new Float64Array(O);
  const wsum = ex.reduce((s, e) => s + e.ws + e.we, 0);
  for (let it = 1; it <= Number(a.iters); it++) {
    const grad = new Float64Array(P);
    let loss = 0;
    for (const e of ex) {
      const ps = prev[e.i];
      x.fill(0);
      for (let k = 0; k < Math.min(window, ps.length); k++) {
        const r = relu[ps[k]]!;
        for (let d = 0; d < D; d++) x[k * D + d] = r[d] - mean[d];
      }
      const o = own[e.i]!;
      for (let q = 0; q < O; q++) z[q] = o[q];
      for (let j = 0; j < window * D; j++) {
        const xj = x[j];
        if (xj === 0) continue;
        const row = j * O;
        for (let q = 0; q < O; q++) z[q] += xj * W[row + q];
      }
      g.fill(0);
      if (e.we > 0) loss += ce(z, 0, 7, msgs[e.i].emo!, e.we, g);
      if (e.ws > 0) loss += ce(z, 7, 10, msgs[e.i].sent!, e.ws, g);
      for (let j = 0; j < window * D; j++) {
        const xj = x[j];
        if (xj === 0) continue;
        const row = j * O;
        for (let q = 0; q < O; q++) grad[row + q] += xj * g[q];
      }
    }
    for (let p = 0; p < P; p++) {
      const gp = grad[p] / wsum + 2 * l2 * W[p];
      m1[p] = b1 * m1[p] + (1 - b1) * gp;
      m2[p] = b2 * m2[p] + (1 - b2) * gp * gp;
      W[p] -= (lr * (m1[p] / (1 - b1 ** it))) / (Math.sqrt(m2[p] / (1 - b2 ** it)) + 1e-8);
    }
    if (it % 50 === 0) log(`    iteration ${it}: loss ${(loss / wsum).toFixed(4)}`);
  }
  return Float32Array.from(W);
}

// ---------------------------------------------------------------- evaluation through the product
const SENT = ['negative', 'neutral', 'positive'];
async function evaluate(head: TextContextHead | undefined, corpus: 'dd' | 'uss', split: 'validation' | 'test', keep: (m: Msg) => boolean = () => true): Promise<{ sentiment: ClassMetrics; emotion?: ClassMetrics }> {
  const ids = msgs.map((_, i) => i).filter((i) => msgs[i].corpus === corpus && msgs[i].split === split && keep(msgs[i]));
  const m: TextModel = { ...model, context: head };
  const rs: TextMessageReading[] = await scoreMessages(m, ids.map((i, index) => ({ index, text: msgs[i].text, conversation: msgs[i].conv })), { explain: false, context: !!head });
  const st: number[] = [], sp: number[] = [], et: number[] = [], ep: number[] = [];
  ids.forEach((i, k) => {
    const r = rs[k];
    if (r.flags.includes('empty')) return;
    if (msgs[i].sent !== undefined) {
      st.push(msgs[i].sent!);
      sp.push(SENT.indexOf(r.sentiment.label));
    }
    if (msgs[i].emo !== undefined) {
      et.push(msgs[i].emo!);
      let b = 0;
      CORE_LABELS.forEach((l, j) => (r.emotions[l] > r.emotions[CORE_LABELS[b]] ? (b = j) : 0));
      ep.push(b);
    }
  });
  return { sentiment: classMetrics(st, sp, SENT), ...(et.length ? { emotion: classMetrics(et, ep, [...CORE_LABELS]) } : {}) };
}
function headOf(W: Float32Array, window: number, mean: Float32Array, settings: Record<string, unknown>): TextContextHead {
  return { window, onByDefault: true, outputs: OUTPUTS, mean, W, settings };
}

const trainIds = (sel: (m: Msg) => boolean): number[] => msgs.map((_, i) => i).filter((i) => sel(msgs[i]));
// the head trains on DailyDialog VALIDATION dialogues: the frozen network never trained on them, so its
// logits there are what it gives on unseen conversations (on its own training dialogues they are too good,
// and a head fitted there learns to ignore the context)
const fold = (m: Msg): number => h32(m.conv) % 2;
const inVal = (k?: number) => (m: Msg): boolean => m.corpus === 'dd' && m.split === 'validation' && (k === undefined || fold(m) === k);
const GRID = { window: [1, 2], l2: [1e-4, 1e-3, 1e-2, 1e-1] };
const base = [await evaluate(undefined, 'dd', 'validation', (m) => fold(m) === 0), await evaluate(undefined, 'dd', 'validation', (m) => fold(m) === 1)];
const meanOf = (xs: { sentiment: ClassMetrics; emotion?: ClassMetrics }[]): { sentiment: number; emotion: number } => ({
  sentiment: xs.reduce((s, x) => s + x.sentiment.macroF1, 0) / xs.length,
  emotion: xs.reduce((s, x) => s + x.emotion!.macroF1, 0) / xs.length,
});
const baseCv = meanOf(base);
const baseScore = (baseCv.sentiment + baseCv.emotion) / 2;
log(`DailyDialog validation (2 folds by dialogue), no context: sentiment F1 ${baseCv.sentiment.toFixed(4)} emotion F1 ${baseCv.emotion.toFixed(4)} ${secs()}`);
const grid: { window: number; l2: number; score: number; sentiment: number; emotion: number }[] = [];
for (const window of GRID.window) {
  for (const l2 of GRID.l2) {
    const folds = [];
    for (const k of [0, 1]) {
      const tr = inVal(1 - k);
      const mu = meanRelu(trainIds(tr));
      folds.push(await evaluate(headOf(trainHead(examples(tr), window, l2, mu), window, mu, {}), 'dd', 'validation', (m) => fold(m) === k));
    }
    const v = meanOf(folds);
    grid.push({ window, l2, score: (v.sentiment + v.emotion) / 2, ...v });
    log(`  window ${window}, L2 ${l2}: cross-validated sentiment F1 ${v.sentiment.toFixed(4)} emotion F1 ${v.emotion.toFixed(4)} ${secs()}`);
  }
}
const best = grid.reduce((x, y) => (y.score > x.score ? y : x));
log(`chosen: window ${best.window}, L2 ${best.l2} (cross-validated ${best.score.toFixed(4)} vs no context ${baseScore.toFixed(4)})`);

// the shipped head: all validation dialogues, the chosen setting
const muShip = meanRelu(trainIds(inVal()));
const W = trainHead(examples(inVal()), best.window, best.l2, muShip);
const shipped = headOf(W, best.window, muShip, {});
const rows = {
  ddOff: await evaluate(undefined, 'dd', 'test'),
  ddOn: await evaluate(shipped, 'dd', 'test'),
  ussOff: await evaluate(undefined, 'uss', 'test'),
  ussOn: await evaluate(shipped, 'uss', 'test'),
};
log(`evaluated ${secs()}`);

const f3 = (x: number): string => x.toFixed(3);
const trip = (m: ClassMetrics): string => `${f3(m.accuracy)} / ${f3(m.macroF1)} / ${f3(m.uar)}`;
const pts = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
const dF1 = (on: ClassMetrics, off: ClassMetrics): string => `${pts(on.accuracy - off.accuracy)} / ${pts(on.macroF1 - off.macroF1)} / ${pts(on.uar - off.uar)}`;
const helps =
  (rows.ddOn.sentiment.macroF1 > rows.ddOff.sentiment.macroF1 || rows.ddOn.emotion!.macroF1 > rows.ddOff.emotion!.macroF1) &&
  rows.ddOn.sentiment.macroF1 >= rows.ddOff.sentiment.macroF1 - 0.002 && rows.ddOn.emotion!.macroF1 >= rows.ddOff.emotion!.macroF1 - 0.002 && rows.ussOn.sentiment.macroF1 >= rows.ussOff.sentiment.macroF1 - 0.002;
const md = [
  '# Conversation context (scripts/text-context.ts)',
  '',
  `Context head on the frozen shipped network (${model.settings.name} v${model.settings.version}): the previous ${best.window} message${best.window > 1 ? 's' : ''} of the same conversation (causal), adding to the 7 core-emotion and 3 sentiment logits. Trained on DailyDialog validation dialogues (${trainIds(inVal()).length} utterances; the network never trained on them); window and L2 chosen by 2-fold cross-validation over those dialogues (grid below). Test dialogues are never used for a choice; USS is never seen by the head (a different corpus: task-oriented service dialogues). Scored through \`scoreMessages\` (what \`analyzeText\` gives); full-batch training, deterministic. Accuracy / macro-F1 / UAR.`,
  '',
  '| test set (held out by conversation) | task | n | context off | context on | on − off (acc / F1 / UAR, points) |',
  '|---|---|---:|---|---|---|',
  `| DailyDialog test dialogues | sentiment, 3 classes | ${rows.ddOff.sentiment.n} | ${trip(rows.ddOff.sentiment)} | **${trip(rows.ddOn.sentiment)}** | ${dF1(rows.ddOn.sentiment, rows.ddOff.sentiment)} |`,
  `| DailyDialog test dialogues | core emotion, 7 classes | ${rows.ddOff.emotion!.n} | ${trip(rows.ddOff.emotion!)} | **${trip(rows.ddOn.emotion!)}** | ${dF1(rows.ddOn.emotion!, rows.ddOff.emotion!)} |`,
  `| USS test dialogues (4 sources, user turns; unseen corpus for the head) | sentiment, 3 classes | ${rows.ussOff.sentiment.n} | ${trip(rows.ussOff.sentiment)} | **${trip(rows.ussOn.sentiment)}** | ${dF1(rows.ussOn.sentiment, rows.ussOff.sentiment)} |`,
  '',
  `Decision rule (fixed in advance): on by default only if it raises DailyDialog test sentiment or emotion macro-F1 and costs none of the three rows more than 0.2 points of macro-F1: **${helps ? 'on by default' : 'off by default'}**.`,
  '',
  '## Selection grid (DailyDialog validation dialogues, 2-fold cross-validation by dialogue, macro-F1)',
  '',
  '| window | L2 | sentiment | emotion | mean |',
  '|---:|---:|---:|---:|---:|',
  `| no context | – | ${f3(baseCv.sentiment)} | ${f3(baseCv.emotion)} | ${f3(baseScore)} |`,
  ...grid.map((g) => `| ${g.window} | ${g.l2} | ${f3(g.sentiment)} | ${f3(g.emotion)} | ${g === best ? '**' : ''}${f3(g.score)}${g === best ? '**' : ''} |`),
  '',
].join('\n');
mkdirSync('bench/results', { recursive: true });
writeFileSync(`${a.out}.md`, md);
const figures = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, { sentiment: { accuracy: v.sentiment.accuracy, macroF1: v.sentiment.macroF1, uar: v.sentiment.uar, n: v.sentiment.n }, ...(v.emotion ? { emotion: { accuracy: v.emotion.accuracy, macroF1: v.emotion.macroF1, uar: v.emotion.uar, n: v.emotion.n } } : {}) }]));
writeFileSync(`${a.out}.json`, JSON.stringify({ chosen: { window: best.window, l2: best.l2 }, onByDefault: helps, grid, validationNoContext: baseCv, test: figures }, null, 1) + '\n');
process.stdout.write(md);
if (a.write) {
  {
    const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
    const file = {
      about: 'emosig text conversation-context head (scripts/text-context.ts): message i adds sum_k sum_d (relu(hidden_{i-k})[d] - mean[d]) * W[k-1][d][o] to logit outputs[o]; W is [window][D][outputs] row-major.',
      model: `${model.settings.name} v${model.settings.version}`,
      window: best.window,
      onByDefault: helps,
      outputs: OUTPUTS,
      outputNames: [...CORE_LABELS.map((l) => `emotion:${l}`), 'sentiment:negative', 'sentiment:neutral', 'sentiment:positive'],
      settings: { l2: best.l2, iterations: Number(a.iters), trainedOn: 'DailyDialog validation dialogues', selectedOn: '2-fold cross-validation over DailyDialog validation dialogues' },
      test: figures,
      mean: Array.from(muShip, r6),
      W: Array.from(W, r6),
    };
    writeFileSync(join('models', 'text', CONTEXT_FILE), JSON.stringify(file) + '\n');
    log(`wrote models/text/${CONTEXT_FILE} (${helps ? 'on' : 'off'} by default)`);
  }
}
