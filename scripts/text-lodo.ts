/**
 * Leave-one-domain-out validation of the text recipe (scripts/lib/text-recipe.ts), with VADER on the
 * same items in the same run.
 *
 *   npx tsx scripts/text-lodo.ts [--epochs 3] [--hidden 64] [--lr 0.05] [--seed 1234] [--lex vader|pattern]
 *                                [--domains reddit,tweets,...] [--out bench/results/text-lodo]
 *
 * For each domain (Reddit, tweets, dialogue, reviews, service, subtitles): train the network on the
 * training items of every OTHER domain (GoEmotions train too unless Reddit is held out; TweetEval irony
 * train always) and score the held-out domain's test items: 3-class sentiment (negative / neutral /
 * positive; argmax of the three sentiment outputs), 2-class for the UCI sentences (argmax of negative vs
 * positive). Nested selection: the only choice made here is the epoch count; the figure reported for
 * domain d uses the epoch that maximises the mean macro-F1 of the OTHER held-out domains, never d's own.
 * VADER: compound ≥ 0.05 positive, ≤ −0.05 negative, else neutral (2-class sets: compound ≥ 0 positive).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FEATURES, featurize, type FeatureConfig } from '../src/text/features.js';
import { buildLexicon, loadGoEmotions } from './lib/text-data.js';
import { DOMAINS, SENT3, loadIrony, loadSentimentDomains, type Domain, type SentItem } from './lib/text-domains.js';
import { classMetrics, confusionMd, type ClassMetrics } from './lib/metrics.js';
import { MlpModel } from './lib/text-mlp.js';
import { CLS, OFF, RECIPE, goExample, ironyExample, sentimentTrainItems } from './lib/text-recipe.js';
import type { Example } from './lib/text-linear.js';
import { vader2, vader3, vaderCompound } from './lib/text-vader.js';

const { values: a } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    hidden: { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.05' },
    seed: { type: 'string', default: '1234' },
    lex: { type: 'string', default: 'vader' },
    domains: { type: 'string', default: DOMAINS.join(',') },
    out: { type: 'string', default: 'bench/results/text-lodo' },
    /** Override RECIPE.weakNeutralWeight (a variant of the recipe, compared on these same splits). */
    'weak-neutral': { type: 'string' },
  },
});
if (a['weak-neutral'] !== undefined) RECIPE.weakNeutralWeight = Number(a['weak-neutral']);
const log = (s: string): void => void process.stderr.write(s + '\n');
const t0 = performance.now();
const secs = (): string => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
const cfg: FeatureConfig = DEFAULT_FEATURES;
const lex = buildLexicon(undefined, a.lex === 'vader');
const seed = Number(a.seed), E = Number(a.epochs), D = Number(a.hidden), lr = Number(a.lr);

const items = loadSentimentDomains();
const goTrain = loadGoEmotions('train').map((it) => goExample(it, cfg, lex));
const irony = loadIrony('train').map((x) => ironyExample(x.text, x.label, cfg, lex));
const feats = new Map<SentItem, { idx: Int32Array; val: Float32Array }>();
for (const it of items) {
  const f = featurize(it.text, cfg, lex);
  feats.set(it, { idx: f.idx, val: f.val });
}
log(`data: ${items.length} sentiment items, GoEmotions train ${goTrain.length}, irony ${irony.length}; features ${secs()}`);

/** Test sets: rows of the tables (a domain may have several). */
const tests = new Map<string, SentItem[]>();
for (const it of items) if (it.split === 'test') (tests.get(it.set.startsWith('USS') ? 'USS (4 sources)' : it.set) ?? tests.set(it.set.startsWith('USS') ? 'USS (4 sources)' : it.set, []).get(it.set.startsWith('USS') ? 'USS (4 sources)' : it.set)!).push(it);
const setDomain = (set: string): Domain => tests.get(set)![0].domain;

function metricsOf(xs: SentItem[], pred: number[]): ClassMetrics {
  return classMetrics(xs.map((x) => x.label), pred, SENT3);
}
/**
 * Variant scored beside the plain rule (fixed in advance, no parameter): a message of several sentences is
 * split at sentence ends, each sentence is scored as its own message (the network was trained on
 * sentence-length utterances) and the softmax of the three sentiment outputs is averaged over sentences.
 */
const SENT_SPLIT = /(?<=[.!?])\s+(?=\S)/;
function predictSentences(m: MlpModel, it: SentItem, z: Float32Array): number {
  const parts = it.text.split(SENT_SPLIT).filter((p) => /[A-Za-z]/.test(p));
  if (parts.length <= 1) return predict(m, it, z);
  const p = [0, 0, 0];
  for (const part of parts) {
    const f = featurize(part, cfg, lex);
    m.logits(f.idx, f.val, z);
    const s = z.subarray(OFF.sentiment, OFF.sentiment + 3);
    const mx = Math.max(s[0], s[1], s[2]);
    const e = [Math.exp(s[0] - mx), Math.exp(s[1] - mx), Math.exp(s[2] - mx)];
    const t = e[0] + e[1] + e[2];
    for (let k = 0; k < 3; k++) p[k] += e[k] / t;
  }
  if (it.binary) return p[2] >= p[0] ? 2 : 0;
  return p[0] >= p[1] && p[0] >= p[2] ? 0 : p[2] >= p[1] ? 2 : 1;
}
const sentenceRule = new Map<string, ClassMetrics>();

function predict(m: MlpModel, it: SentItem, z: Float32Array): number {
  const f = feats.get(it)!;
  m.logits(f.idx, f.val, z);
  const s = z.subarray(OFF.sentiment, OFF.sentiment + 3);
  if (it.binary) return s[2] >= s[0] ? 2 : 0;
  return s[0] >= s[1] && s[0] >= s[2] ? 0 : s[2] >= s[1] ? 2 : 1;
}

// VADER on every test item
const vader = new Map<string, ClassMetrics>();
for (const [set, xs] of tests) vader.set(set, metricsOf(xs, xs.map((x) => (x.binary ? vader2 : vader3)(vaderCompound(x.text)))));
log(`VADER scored ${secs()}`);

/** results[domain][epoch-1][set] */
const results = new Map<Domain, Map<string, ClassMetrics>[]>();
const held = a.domains!.split(',') as Domain[];
for (const d of held) {
  const others = DOMAINS.filter((x) => x !== d);
  const sent = sentimentTrainItems(items, others, seed).map(({ item, weight }) => ({ ...feats.get(item)!, y: sentY(item.label), group: 'cls' as const, ranges: [[OFF.sentiment, OFF.sentiment + 3]] as [number, number][], weight }));
  const train: Example[] = [...(d === 'reddit' ? [] : goTrain), ...sent, ...irony];
  log(`held out ${d}: training on ${train.length} examples (${others.join(', ')}) ${secs()}`);
  const net = new MlpModel(cfg.buckets, D, CLS, seed);
  const perEpoch: Map<string, ClassMetrics>[] = [];
  const z = new Float32Array(CLS);
  net.train(train, {
    epochs: E, lr, seed,
    onEpoch: (ep, m) => {
      const r = new Map<string, ClassMetrics>();
      for (const [set, xs] of tests) if (setDomain(set) === d) r.set(set, metricsOf(xs, xs.map((x) => predict(m, x, z))));
      perEpoch.push(r);
      if (ep === E) for (const [set, xs] of tests) if (setDomain(set) === d) sentenceRule.set(set, metricsOf(xs, xs.map((x) => predictSentences(m, x, z))));
      log(`  epoch ${ep}: ${[...r].map(([s, mm]) => `${s} acc ${mm.accuracy.toFixed(3)} F1 ${mm.macroF1.toFixed(3)} (VADER ${vader.get(s)!.accuracy.toFixed(3)} / ${vader.get(s)!.macroF1.toFixed(3)})`).join('; ')} ${secs()}`);
    },
  });
  results.set(d, perEpoch);
}

function sentY(label: number): Float32Array {
  const y = new Float32Array(CLS + 2);
  y[OFF.sentiment + label] = 1;
  return y;
}

// nested epoch choice: for domain d, the epoch with the best mean macro-F1 over the other held-out domains
const meanF1 = (d: Domain, e: number): number => {
  const r = [...results.get(d)![e].values()];
  return r.reduce((s, m) => s + m.macroF1, 0) / r.length;
};
const chosen = new Map<Domain, number>();
for (const d of held) {
  const others = held.filter((x) => x !== d);
  let best = 0, bv = -1;
  for (let e = 0; e < E; e++) {
    const v = others.length ? others.reduce((s, o) => s + meanF1(o, e), 0) / others.length : 0;
    if (v > bv) (bv = v), (best = e);
  }
  chosen.set(d, best);
}
// the epoch count a model for an unseen domain would get: best mean over all held-out domains
let shipEpoch = 0, sv = -1;
for (let e = 0; e < E; e++) {
  const v = held.reduce((s, o) => s + meanF1(o, e), 0) / held.length;
  if (v > sv) (sv = v), (shipEpoch = e);
}

const f3 = (x: number): string => x.toFixed(3);
const pts = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
const rows: string[] = [];
const confusions: string[] = [];
const json: Record<string, unknown>[] = [];
for (const d of held) {
  const e = chosen.get(d)!;
  for (const [set, m] of results.get(d)![e]) {
    const v = vader.get(set)!;
    const k = tests.get(set)![0].binary ? 2 : 3;
    rows.push(`| ${d} | ${set} | ${k} | ${m.n} | ${e + 1} | **${f3(m.accuracy)}** / ${f3(m.macroF1)} / ${f3(m.uar)} | ${f3(v.accuracy)} / ${f3(v.macroF1)} / ${f3(v.uar)} | ${pts(m.accuracy - v.accuracy)} / ${pts(m.macroF1 - v.macroF1)} |`);
    json.push({ domain: d, set, classes: k, n: m.n, epoch: e + 1, emosig: { accuracy: m.accuracy, macroF1: m.macroF1, uar: m.uar, confusion: m.confusion }, vader: { accuracy: v.accuracy, macroF1: v.macroF1, uar: v.uar, confusion: v.confusion } });
    const sr = sentenceRule.get(set);
    confusions.push(`### ${set} (held out: ${d})`, ``, `emosig:`, ``, confusionMd(m), ``, ...(sr ? [`emosig, per-sentence mean:`, ``, confusionMd(sr), ``] : []), `VADER:`, ``, confusionMd(v), ``);
  }
}
const md = [
  `# Leave-one-domain-out sentiment (scripts/text-lodo.ts)`,
  ``,
  `Network D=${D}, lr ${lr}, seed ${seed}, lexicon ${a.lex}, weak-neutral weight ${RECIPE.weakNeutralWeight}; epochs 1–${E}, the epoch for each held-out domain chosen on the other domains only (nested). Each row: trained without any item of that domain. Figures: accuracy / macro-F1 / UAR.`,
  ``,
  `| held-out domain | test set | classes | n | epoch | emosig recipe | VADER | emosig − VADER (acc / F1, points) |`,
  `|---|---|---:|---:|---:|---|---|---|`,
  ...rows,
  ``,
  `Epoch count for the shipped model (best mean macro-F1 over all held-out domains): ${shipEpoch + 1}.`,
  ``,
  `## Variant: multi-sentence messages scored per sentence (mean of sentence probabilities), last epoch`,
  ``,
  `Evaluation of a decision rule fixed in advance (no parameter fitted); the network is the same as above.`,
  ``,
  `| held-out domain | test set | plain rule (acc / F1 / UAR) | per-sentence mean (acc / F1 / UAR) | VADER | per-sentence − VADER (acc / F1, points) |`,
  `|---|---|---|---|---|---|`,
  ...[...sentenceRule].map(([set, m]) => { const p = results.get(setDomain(set))![E - 1].get(set)!, v = vader.get(set)!; return `| ${setDomain(set)} | ${set} | ${f3(p.accuracy)} / ${f3(p.macroF1)} / ${f3(p.uar)} | **${f3(m.accuracy)}** / ${f3(m.macroF1)} / ${f3(m.uar)} | ${f3(v.accuracy)} / ${f3(v.macroF1)} / ${f3(v.uar)} | ${pts(m.accuracy - v.accuracy)} / ${pts(m.macroF1 - v.macroF1)} |`; }),
  ``,
  `## Confusion matrices (rows truth, columns prediction)`,
  ``,
  ...confusions,
].join('\n');
mkdirSync(dirname(a.out!), { recursive: true });
writeFileSync(`${a.out}.md`, md);
writeFileSync(`${a.out}.json`, JSON.stringify({ settings: { D, lr, seed, epochs: E, lex: a.lex, weakNeutralWeight: RECIPE.weakNeutralWeight }, shipEpoch: shipEpoch + 1, rows: json, perSentenceRule: Object.fromEntries([...sentenceRule].map(([set, m]) => [set, { accuracy: m.accuracy, macroF1: m.macroF1, uar: m.uar, confusion: m.confusion }])) }, null, 1) + '\n');
process.stdout.write(md);
