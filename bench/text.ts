/**
 * Text bench: accuracy of the shipped model (models/text) on held-out data, speed on one core,
 * model size and cold start. Writes bench/results/text.json and bench/results/text.md.
 *
 *   npm run bench:text        (needs ../shared/data/text; EMOSIG_DATA=/path/to/shared/data overrides)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { CORE_LABELS } from '../src/signature/labels.js';
import { packageRoot } from '../src/runtime/paths.js';
import { GO_LABELS, SENTIMENT_GROUPS } from '../src/text/labels.js';
import { applySentenceRule, loadTextModel, featurizeWith, scoreFeatures } from '../src/text/model.js';
import { scoreMessages } from '../src/text/index.js';
import {
  loadDailyDialog,
  loadEmoBank,
  loadGoEmotions,
  loadOfficialGroups,
  textDataDir,
} from '../scripts/lib/text-data.js';
import { multiLabelF1, pearson, singleLabelF1, type F1 } from '../scripts/lib/text-linear.js';
import { loadIrony, loadSentimentDomains, type SentItem } from '../scripts/lib/text-domains.js';
import { vader2, vader3, vaderCompound } from '../scripts/lib/text-vader.js';
import { classMetrics } from '../scripts/lib/metrics.js';

const log = (s: string): void => void process.stderr.write(s + '\n');
const r4 = (x: number): number => Math.round(x * 10000) / 10000;
const root = packageRoot();
const dataDir = textDataDir();

const m = await loadTextModel();
const st = m.settings;
const thr = {
  go: GO_LABELS.map((l) => st.thresholds.go[l]),
  ekman: CORE_LABELS.map((l) => st.thresholds.ekman[l]),
  sentiment: SENTIMENT_GROUPS.map((l) => st.thresholds.sentiment[l]),
};

async function raw(texts: string[]) {
  return scoreFeatures(m, texts.map((t) => featurizeWith(m, t)), { batchSize: 256 });
}
const perLabel = (names: readonly string[], f: F1[]) =>
  Object.fromEntries(names.map((n, i) => [n, { precision: r4(f[i].precision), recall: r4(f[i].recall), f1: r4(f[i].f1), support: f[i].support }]));

interface Rate {
  wall: number;
  cpu: number;
}
interface SpeedResult {
  featOnly: Rate;
  scoreJsOnly: Rate;
  scoreOrtOnly: Rate;
  modelPath: Rate;
  readingsNoCues: Rate;
  readingsCues: Rate;
  readingsOrt: Rate;
  readingsContext: Rate;
  latency: Record<50 | 90 | 99 | 100, number>;
}

/** Throughput (messages/s by wall clock and per CPU-second) and single-message latency. */
async function measureSpeed(texts: string[]): Promise<SpeedResult> {
  const pool: { index: number; text: string }[] = [];
  for (let i = 0; pool.length < 30000; i++) pool.push({ index: pool.length, text: texts[i % texts.length] });
  await scoreMessages(m, pool.slice(0, 3000), { explain: false }); // warm-up (JIT)
  await scoreMessages(m, pool.slice(0, 1000), { explain: false, backend: 'onnx' });
  /** Messages per second by wall clock and by this process's CPU time (the machine is shared, so CPU time is the fairer "one core" figure). */
  const rate = async (f: () => Promise<unknown> | unknown, n: number): Promise<{ wall: number; cpu: number }> => {
    let best = { wall: 0, cpu: 0 };
    for (let rep = 0; rep < 3; rep++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await f();
      const c = process.cpuUsage(c0);
      const wall = n / ((performance.now() - t0) / 1000);
      const cpu = n / ((c.user + c.system) / 1e6);
      if (cpu > best.cpu) best = { wall: Math.round(wall), cpu: Math.round(cpu) };
    }
    return best;
  };
  const poolTexts = pool.map((p) => p.text);
  const featOnly = await rate(() => poolTexts.map((t) => featurizeWith(m, t)), pool.length);
  const poolFeats = poolTexts.map((t) => featurizeWith(m, t));
  const scoreJsOnly = await rate(() => scoreFeatures(m, poolFeats), pool.length);
  const scoreOrtOnly = await rate(() => scoreFeatures(m, poolFeats, { backend: 'onnx', batchSize: 256 }), pool.length);
  // the model path as a service would run it: featurise and score batches of 256 (with the model's long-message
  // sentence rule when it has one), keep the scores
  const modelPath = await rate(async () => {
    const kept = [];
    for (let c = 0; c < poolTexts.length; c += 256) {
      const ts = poolTexts.slice(c, c + 256);
      const fs = ts.map((t) => featurizeWith(m, t));
      const sc = await scoreFeatures(m, fs);
      if (m.settings.sentenceRule) for (let i = 0; i < sc.length; i++) await applySentenceRule(m, ts[i], fs[i], sc[i]);
      kept.push(...sc);
    }
    return kept;
  }, pool.length);
  const readingsNoCues = await rate(() => scoreMessages(m, pool, { explain: false }), pool.length);
  const readingsCues = await rate(() => scoreMessages(m, pool, { explain: true }), pool.length);
  const readingsOrt = await rate(() => scoreMessages(m, pool, { explain: false, backend: 'onnx', batchSize: 256 }), pool.length);
  // conversation context on: the 30,000 comments read as one long conversation (each message reads the previous ones)
  const readingsContext = await rate(() => scoreMessages(m, pool, { explain: false, context: true }), pool.length);
  // latency of a single message (one at a time, with cues), percentiles in ms
  const lat: number[] = [];
  for (let i = 0; i < 1500; i++) {
    const t = performance.now();
    await scoreMessages(m, [{ index: 0, text: texts[(i * 7) % texts.length] }], { explain: true });
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  const pct = (p: number): number => Math.round(lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] * 1000) / 1000;
  return { featOnly, scoreJsOnly, scoreOrtOnly, modelPath, readingsNoCues, readingsCues, readingsOrt, readingsContext, latency: { 50: pct(50), 90: pct(90), 99: pct(99), 100: pct(100) } };
}

if (process.argv.includes('--speed-child')) {
  process.stdout.write(JSON.stringify(await measureSpeed(loadGoEmotions('test').map((x) => x.text))) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// GoEmotions test (thresholds were tuned by the training script on dev and out-of-fold train scores, never on test)
log('GoEmotions test …');
const test = loadGoEmotions('test');
const s = await raw(test.map((x) => x.text));
const go = multiLabelF1(s.map((x) => x.go), test.map((x) => x.labels), thr.go);
const ekGold = loadOfficialGroups('ekman', 'test');
const seGold = loadOfficialGroups('sentiment_group', 'test');
const ekIdx = (n: string): number => CORE_LABELS.indexOf(n as (typeof CORE_LABELS)[number]);
const seIdx = (n: string): number => SENTIMENT_GROUPS.indexOf(n as (typeof SENTIMENT_GROUPS)[number]);
const ek = multiLabelF1(s.map((x) => x.ekman), test.map((x) => ekGold.get(x.id)!.map(ekIdx)), thr.ekman);
const se = multiLabelF1(s.map((x) => x.sentiment), test.map((x) => seGold.get(x.id)!.map(seIdx)), thr.sentiment);
// sanity: our derived groups equal the official regrouped files
const mism = test.filter((x) => x.ekman.join() !== ekGold.get(x.id)!.map(ekIdx).sort().join()).length;
// top-1 accuracy: the most probable Ekman label is one of the gold labels
const argmax = (v: ArrayLike<number>): number => {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
  return b;
};
const ekTop1 = test.filter((x, i) => ekGold.get(x.id)!.map(ekIdx).includes(argmax(s[i].ekman))).length / test.length;

// ---------------------------------------------------------------------------------------------
log('EmoBank test …');
const eb = loadEmoBank('test');
const ebR = await scoreMessages(m, eb.map((x, index) => ({ index, text: x.text })), { explain: false });
const ebRaw = await raw(eb.map((x) => x.text));
const emobank = {
  n: eb.length,
  valenceR: r4(pearson(ebR.map((r) => r.valence), eb.map((x) => x.valence))),
  valenceHeadOnlyR: r4(pearson(ebRaw.map((x) => x.va[0]), eb.map((x) => x.valence))),
  arousalR: r4(pearson(ebR.map((r) => r.arousal), eb.map((x) => x.arousal))),
};

// ---------------------------------------------------------------------------------------------
log('DailyDialog test …');
const dd = loadDailyDialog('test');
const ddTrain = new Set(loadDailyDialog('train').map((x) => x.text.toLowerCase()));
const ddR = await scoreMessages(m, dd.map((x, index) => ({ index, text: x.text })), { explain: false });
// DailyDialog labels: 0 none, 1 anger, 2 disgust, 3 fear, 4 happiness, 5 sadness, 6 surprise → CORE_LABELS
const DD_TO_CORE = [0, 3, 5, 4, 1, 2, 6];
const ddGold = dd.map((x) => DD_TO_CORE[x.label]);
const ddPred = ddR.map((r) => argmax(CORE_LABELS.map((l) => r.emotions[l])));
const dd7 = singleLabelF1(ddPred, ddGold, 7);
const dd6 = singleLabelF1(ddPred, ddGold, 7, [0]);
// micro-F1 over the emotion classes (neutral excluded), the figure DailyDialog papers usually quote
let tp = 0, fp = 0, fn = 0;
ddPred.forEach((p, i) => {
  const g = ddGold[i];
  if (p !== 0 && p === g) tp++;
  else {
    if (p !== 0) fp++;
    if (g !== 0) fn++;
  }
});
const ddMicro = (2 * tp) / (2 * tp + fp + fn);
const dailydialog = {
  utterances: dd.length,
  dialogues: new Set(dd.map((x) => x.dialogue)).size,
  alsoInTrainUtterances: dd.filter((x) => ddTrain.has(x.text.toLowerCase())).length,
  macroF1_7: r4(dd7.macroF1),
  macroF1_6_emotions: r4(dd6.macroF1),
  microF1_emotions: r4(ddMicro),
  accuracy: r4(dd7.accuracy),
  perLabel: perLabel(CORE_LABELS, dd7.perLabel),
};

// ---------------------------------------------------------------------------------------------
log('TweetEval sentiment test …');
// VADER vs emosig on the test items of every labelled sentiment set (the same items, the same run).
// The shipped model never trained on these items (text-domains.ts: UCI sentences are test-only; the
// other sets' test parts are held out by conversation / review / line).
log('sentiment side by side …');
const SENT3 = ['negative', 'neutral', 'positive'] as const;
const bySet = new Map<string, SentItem[]>();
for (const it of loadSentimentDomains(dataDir)) {
  if (it.split !== 'test') continue;
  const k = it.set.startsWith('USS') ? 'USS (4 sources)' : it.set;
  (bySet.get(k) ?? bySet.set(k, []).get(k)!).push(it);
}
interface SideRow { set: string; domain: string; classes: number; n: number; emosig: { accuracy: number; macroF1: number; uar: number }; vader: { accuracy: number; macroF1: number; uar: number } }
const side: SideRow[] = [];
for (const [set, xs] of bySet) {
  const rs = await scoreMessages(m, xs.map((x, index) => ({ index, text: x.text })), { explain: false });
  const ours = rs.map((r, i) => (xs[i].binary ? (r.sentiment.probabilities.positive >= r.sentiment.probabilities.negative ? 2 : 0) : SENT3.indexOf(r.sentiment.label)));
  const vad = xs.map((x) => (x.binary ? vader2 : vader3)(vaderCompound(x.text)));
  const gold = xs.map((x) => x.label);
  const mo = classMetrics(gold, ours, SENT3), mv = classMetrics(gold, vad, SENT3);
  const pick = (c: typeof mo) => ({ accuracy: r4(c.accuracy), macroF1: r4(c.macroF1), uar: r4(c.uar) });
  side.push({ set, domain: xs[0].domain, classes: xs[0].binary ? 2 : 3, n: xs.length, emosig: pick(mo), vader: pick(mv) });
}
const ebVader = r4(pearson(eb.map((x) => vaderCompound(x.text)), eb.map((x) => x.valence)));
// irony (TweetEval irony test) at the threshold tuned on its validation split
const ir = loadIrony('test', dataDir);
const irR = await scoreMessages(m, ir.map((x, index) => ({ index, text: x.text })), { explain: false });
const irony = classMetrics(ir.map((x) => x.label), irR.map((r) => (r.cx.ironic ? 1 : 0)), ['not ironic', 'ironic']);
const ironyRow = { n: ir.length, accuracy: r4(irony.accuracy), macroF1: r4(irony.macroF1), f1Ironic: r4(irony.perClass.ironic.f1) };
const lodoPath = join(root, 'bench', 'results', 'text-lodo.json');
const lodo = existsSync(lodoPath) ? (JSON.parse(readFileSync(lodoPath, 'utf8')) as { rows: SideRow[] & { epoch: number }[] }) : undefined;

// ---------------------------------------------------------------------------------------------
// Speed on one core. The measurement runs in a child process pinned to one CPU (taskset) with V8's
// helper threads off (--single-threaded), so "one core" means one core even on a shared machine.
log('throughput …');
let speedWhere = 'child process pinned to one CPU with taskset, node --single-threaded';
let sp: SpeedResult;
/** Separate child processes, each best of 3 passes; the figures are the medians over the children (the machine is shared). */
const speedRuns = Math.max(1, Number(process.env.EMOSIG_SPEED_RUNS ?? 5));
const speedLoad: { before: number; after: number }[] = [];
const speedAll: SpeedResult[] = [];
try {
  for (let r = 0; r < speedRuns; r++) {
    const before = loadavg()[0];
    const out = execFileSync('taskset', ['-c', String(cpus().length - 1), process.execPath, '--single-threaded', fileURLToPath(import.meta.url), '--speed-child'], {
      encoding: 'utf8',
      env: process.env,
      maxBuffer: 1 << 24,
    });
    speedAll.push(JSON.parse(out.trim().split('\n').pop()!));
    speedLoad.push({ before: Math.round(before * 100) / 100, after: Math.round(loadavg()[0] * 100) / 100 });
    log(`  speed run ${r + 1}/${speedRuns}: model path ${speedAll[r].modelPath.cpu} msg/CPU-s (load ${before.toFixed(1)})`);
  }
  const med = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
  const medRate = (k: keyof Omit<SpeedResult, 'latency'>): Rate => ({ wall: med(speedAll.map((x) => x[k].wall)), cpu: med(speedAll.map((x) => x[k].cpu)) });
  const keys = ['featOnly', 'scoreJsOnly', 'scoreOrtOnly', 'modelPath', 'readingsNoCues', 'readingsCues', 'readingsOrt', 'readingsContext'] as const;
  sp = {
    ...(Object.fromEntries(keys.map((k) => [k, medRate(k)])) as Omit<SpeedResult, 'latency'>),
    latency: { 50: med(speedAll.map((x) => x.latency[50])), 90: med(speedAll.map((x) => x.latency[90])), 99: med(speedAll.map((x) => x.latency[99])), 100: med(speedAll.map((x) => x.latency[100])) },
  };
} catch (e) {
  speedWhere = `in the bench process (taskset unavailable: ${(e as Error).message.split('\n')[0]}); V8 helper threads may add CPU time`;
  sp = await measureSpeed(test.map((x) => x.text));
}
const { featOnly, scoreJsOnly, scoreOrtOnly, modelPath, readingsNoCues, readingsCues, readingsOrt, readingsContext } = sp;
const pct = (p: 50 | 90 | 99 | 100): number => sp.latency[p];

// cold start: a fresh Node process imports the built package and scores one message
let cold: { processMs: number; loadAndFirstMs: number } | string;
try {
  const script = `const t=performance.now();const e=await import(${JSON.stringify(process.env.EMOSIG_LIB ?? join(root, 'dist', 'index.js'))});const r=await e.analyzeText(['thanks, that fixed it!']);process.stdout.write(JSON.stringify({ms:performance.now()-t,ok:r.messages.length}));`;
  const t1 = performance.now();
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const processMs = performance.now() - t1;
  cold = { processMs: Math.round(processMs), loadAndFirstMs: Math.round(JSON.parse(out).ms) };
} catch (e) {
  cold = `not measured (${(e as Error).message.split('\n')[0]}); run npm run build first`;
}

const size = (f: string): number => statSync(join(m.dir, f)).size;
const results = {
  generated: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? 'unknown', vcpus: cpus().length, note: '2 vCPU shared with other jobs; all timings on one core (1 onnxruntime thread, JS on the main thread)', node: process.version },
  model: {
    name: st.name,
    version: st.version,
    onnxBytes: size('text-emotion.onnx'),
    settingsBytes: size('text-model.json'),
    knownWordsBytes: size('known-words.bin'),
    buckets: st.features.buckets,
    outputs: st.layout.K,
    arch: st.arch ?? { type: 'linear' },
  },
  goemotions: {
    split: 'test (5,427), thresholds tuned on dev (+ out-of-fold train scores when the model was trained with --folds)',
    macroF1_28: r4(go.macroF1),
    microF1_28: r4(go.microF1),
    macroF1_ekman7: r4(ek.macroF1),
    ekmanTop1Accuracy: r4(ekTop1),
    macroF1_sentiment4: r4(se.macroF1),
    derivedVsOfficialEkmanMismatches: mism,
    perLabel28: perLabel(GO_LABELS, go.perLabel),
    perLabelEkman: perLabel(CORE_LABELS, ek.perLabel),
    perLabelSentiment: perLabel(SENTIMENT_GROUPS, se.perLabel),
  },
  emobank,
  dailydialog,
  sentimentVsVader: {
    note: 'test items of every labelled sentiment set; VADER compound ≥ 0.05 positive, ≤ −0.05 negative, else neutral (2-class sets: compound ≥ 0 positive; emosig: P(positive) vs P(negative))',
    rows: side,
    emobankValenceR: { emosig: emobank.valenceR, vaderCompound: ebVader },
  },
  irony: ironyRow,
  speed: {
    note: 'messages/s as { wall, cpu }: wall clock and per CPU-second (one JS thread, onnxruntime with 1 intra-op thread)',
    measuredIn: speedWhere,
    messages: 30000,
    modelFeaturiseAndScore: modelPath,
    fullReadingsNoCues: readingsNoCues,
    fullReadingsWithCues: readingsCues,
    fullReadingsOnnxBackend: readingsOrt,
    fullReadingsContextOn: readingsContext,
    runs: speedAll.length,
    modelPathPerRun: speedAll.map((x) => x.modelPath),
    loadAveragePerRun: speedLoad,
    featuriseOnly: featOnly,
    scoreOnlyJs: scoreJsOnly,
    scoreOnlyOnnxruntime: scoreOrtOnly,
    singleMessageLatencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100) },
    coldStart: cold,
  },
  targets: { macroF1_28: 0.48, macroF1_ekman7: 0.62, macroF1_sentiment4: 0.68, emobankValenceR: 0.55, messagesPerSecond: 20000 },
  loadAverageDuringRun: loadavg(),
  dev: st.dev,
};

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'text.json'), JSON.stringify(results, null, 2) + '\n');

const yes = (ok: boolean): string => (ok ? 'yes' : '**no**');
const f3 = (x: number): string => x.toFixed(3);
const pts = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
const md = [
  '# Text bench',
  '',
  `Generated ${results.generated} by \`npm run bench:text\` on ${results.machine.cpu} (${results.machine.note}), Node ${results.machine.node}.`,
  `Model \`models/text/text-emotion.onnx\`: ${(results.model.onnxBytes / 1e6).toFixed(2)} MB (${
    st.arch?.type === 'mlp'
      ? `int8 embedding of ${results.model.buckets.toLocaleString('en')} hash buckets × ${st.arch.hidden}, one hidden layer → ${st.layout.offsets.va} classification outputs, plus an int8 linear layer over the same buckets for ${
          st.arch.linear?.length ? `the 28 GoEmotions logits (averaged with the network's) and ` : ''
        }valence/arousal`
      : `int8 weights, ${results.model.buckets.toLocaleString('en')} hash buckets × ${results.model.outputs} outputs`
  }).`,
  '',
  '## Accuracy',
  '',
  '| measure | result | target | met |',
  '|---|---|---|---|',
  `| GoEmotions test macro-F1, 28 labels | ${f3(go.macroF1)} | 0.48 | ${yes(go.macroF1 >= 0.48)} |`,
  `| GoEmotions test macro-F1, Ekman-7 | ${f3(ek.macroF1)} | 0.62 | ${yes(ek.macroF1 >= 0.62)} |`,
  `| GoEmotions test macro-F1, sentiment groups (4) | ${f3(se.macroF1)} | 0.68 | ${yes(se.macroF1 >= 0.68)} |`,
  `| EmoBank test valence Pearson r | ${f3(emobank.valenceR)} | 0.55 | ${yes(emobank.valenceR >= 0.55)} |`,
  `| EmoBank test arousal Pearson r | ${f3(emobank.arousalR)} | – | |`,
  `| DailyDialog test (dedup., ${dailydialog.utterances} utt.), macro-F1 7 classes | ${f3(dailydialog.macroF1_7)} | report | |`,
  `| DailyDialog test, macro-F1 6 emotions / micro-F1 emotions | ${f3(dailydialog.macroF1_6_emotions)} / ${f3(dailydialog.microF1_emotions)} | report | |`,
  `| TweetEval irony test: F1 of "ironic" / macro-F1 / accuracy | ${f3(ironyRow.f1Ironic)} / ${f3(ironyRow.macroF1)} / ${f3(ironyRow.accuracy)} | report | |`,
  '',
  `Multi-label macro-F1 as in the GoEmotions paper: a label is predicted when its probability passes its threshold (tuned by the training script on GoEmotions dev${(st as { training?: { thresholdFolds?: number } }).training?.thresholdFolds ? ' plus out-of-fold scores of GoEmotions train' : ''}; test is never used for it). Ekman and sentiment figures use the official regrouped test files. DailyDialog emotions are scored from the argmax of \`emotions\` (the Ekman head never saw DailyDialog labels; the sentiment head trained on its train dialogues, test dialogues are held out).`,
  '',
  '## Sentiment: emosig vs VADER on every labelled set (same items, same run)',
  '',
  'Test items only (UCI sentences are never trained on; the other sets keep a held-out part: DailyDialog test dialogues, USS one dialogue in five, clothing one review in five, XED one line in five, TweetEval sentiment test, GoEmotions test). The shipped model trained on the other parts of these sets, so this table is in-domain for all but UCI; the leave-one-domain-out table below is the out-of-domain figure. VADER: compound ≥ 0.05 positive, ≤ −0.05 negative, else neutral; on the 2-class UCI sets compound ≥ 0 is positive and emosig picks the larger of P(positive), P(negative). Accuracy / macro-F1 / UAR.',
  '',
  '| set | domain | classes | n | emosig | VADER | emosig − VADER (acc / F1, points) |',
  '|---|---|---:|---:|---|---|---|',
  ...side.map((r) => `| ${r.set} | ${r.domain} | ${r.classes} | ${r.n} | **${f3(r.emosig.accuracy)}** / ${f3(r.emosig.macroF1)} / ${f3(r.emosig.uar)} | ${f3(r.vader.accuracy)} / ${f3(r.vader.macroF1)} / ${f3(r.vader.uar)} | ${pts(r.emosig.accuracy - r.vader.accuracy)} / ${pts(r.emosig.macroF1 - r.vader.macroF1)} |`),
  `| EmoBank test valence, Pearson r | – | – | ${eb.length} | **${f3(emobank.valenceR)}** | ${f3(ebVader)} (compound) | |`,
  '',
  ...(lodo
    ? [
        '## Leave-one-domain-out (bench/results/text-lodo.md, `scripts/text-lodo.ts`)',
        '',
        'The same recipe retrained without any item of the held-out domain; epoch count chosen on the other domains only.',
        '',
        '| held-out domain | test set | n | emosig (acc / F1 / UAR) | VADER | emosig − VADER (points) |',
        '|---|---|---:|---|---|---|',
        ...lodo.rows.map((r) => `| ${r.domain} | ${r.set} | ${r.n} | **${f3(r.emosig.accuracy)}** / ${f3(r.emosig.macroF1)} / ${f3(r.emosig.uar)} | ${f3(r.vader.accuracy)} / ${f3(r.vader.macroF1)} / ${f3(r.vader.uar)} | ${pts(r.emosig.accuracy - r.vader.accuracy)} / ${pts(r.emosig.macroF1 - r.vader.macroF1)} |`),
        '',
      ]
    : []),
  '## Speed (one core)',
  '',
  `Measured ${speedWhere}; 30,000 GoEmotions test comments (mean 68 characters); ${speedAll.length || 1} separate child process${speedAll.length > 1 ? 'es' : ''}, each the best of 3 passes, figures are the **median over the processes** (model path per process, msg/CPU-s: ${speedAll.map((x) => x.modelPath.cpu.toLocaleString('en')).join(', ') || '–'}; 1-min load average before each: ${speedLoad.map((l) => l.before.toFixed(1)).join(', ') || loadavg()[0].toFixed(1)}). The VM has 2 vCPUs shared with other jobs, so wall-clock rates drop whenever another job lands on the pinned CPU; with V8's helper threads off, the per-CPU-second rate is what one core does (contention for caches and memory still lowers it).`,
  '',
  '| measure (messages/s: wall clock / per CPU-second) | result | target | met |',
  '|---|---|---|---|',
  `| model: featurise + score (probabilities), batches of 256 | ${modelPath.wall.toLocaleString('en')} / ${modelPath.cpu.toLocaleString('en')} | 20,000 | ${yes(modelPath.cpu >= 20000)} (per CPU-second) |`,
  `| full readings (analyzeText output), no cue words | ${readingsNoCues.wall.toLocaleString('en')} / ${readingsNoCues.cpu.toLocaleString('en')} | – | |`,
  `| full readings with cue words | ${readingsCues.wall.toLocaleString('en')} / ${readingsCues.cpu.toLocaleString('en')} | – | |`,
  `| full readings, no cue words, conversation context on | ${readingsContext.wall.toLocaleString('en')} / ${readingsContext.cpu.toLocaleString('en')} | – | |`,
  `| full readings, onnxruntime backend (batches of 256) | ${readingsOrt.wall.toLocaleString('en')} / ${readingsOrt.cpu.toLocaleString('en')} | – | |`,
  `| featurisation alone | ${featOnly.wall.toLocaleString('en')} / ${featOnly.cpu.toLocaleString('en')} | – | |`,
  `| scoring alone: JS backend / onnxruntime (CPU) | ${scoreJsOnly.cpu.toLocaleString('en')} / ${scoreOrtOnly.cpu.toLocaleString('en')} | – | |`,
  `| single-message latency p50 / p90 / p99 (ms) | ${pct(50)} / ${pct(90)} / ${pct(99)} | – | |`,
  `| cold start: new process, import + load + first message (ms) | ${typeof cold === 'string' ? cold : `${cold.processMs} (in-process ${cold.loadAndFirstMs})`} | – | |`,
  '',
  '## Per-label F1, GoEmotions test (28 labels)',
  '',
  '| label | precision | recall | F1 | support | threshold |',
  '|---|---|---|---|---|---|',
  ...GO_LABELS.map((l, i) => `| ${l} | ${f3(go.perLabel[i].precision)} | ${f3(go.perLabel[i].recall)} | ${f3(go.perLabel[i].f1)} | ${go.perLabel[i].support} | ${thr.go[i]} |`),
  '',
  '## Per-label F1, Ekman-7 and sentiment groups',
  '',
  '| label | F1 | support |',
  '|---|---|---|',
  ...CORE_LABELS.map((l, i) => `| ${l} | ${f3(ek.perLabel[i].f1)} | ${ek.perLabel[i].support} |`),
  ...SENTIMENT_GROUPS.map((l, i) => `| sentiment: ${l} | ${f3(se.perLabel[i].f1)} | ${se.perLabel[i].support} |`),
  '',
  '## DailyDialog per label (Ekman head, never trained on DailyDialog labels)',
  '',
  '| label | F1 | support |',
  '|---|---|---|',
  ...CORE_LABELS.map((l, i) => `| ${l} | ${f3(dd7.perLabel[i].f1)} | ${dd7.perLabel[i].support} |`),
  '',
].join('\n');
writeFileSync(join(root, 'bench', 'results', 'text.md'), md);
log(md);
process.stdout.write(JSON.stringify({ goemotions: { m28: results.goemotions.macroF1_28, ekman: results.goemotions.macroF1_ekman7, sentiment: results.goemotions.macroF1_sentiment4 }, emobank, dd: dailydialog.macroF1_7, speed: results.speed }) + '\n');
