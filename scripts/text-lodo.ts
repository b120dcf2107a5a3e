/**
 * Leave-one-domain-out validation of the text recipe (scripts/lib/text-recipe.ts), with VADER on the
 * same items in the same run.
 *
 *   npx tsx scripts/text-lodo.ts [--epochs 1] [--hidden 64] [--lr 0.05] [--seed 1234] [--lex vader|pattern]
 *                                [--domains reddit,tweets,...] [--out bench/results/text-lodo]
 *                                [--baseline bench/results/text-lodo.json] [--diag .cache/text-diag.json]
 *                                [--plain-rule] [--no-long-cue]
 *
 * For each domain (Reddit, tweets, dialogue, reviews, service, subtitles): train the network on the
 * training items of every OTHER domain (GoEmotions train too unless Reddit is held out; TweetEval irony
 * train always) and score the held-out domain's test items: 3-class sentiment (negative / neutral /
 * positive; argmax of the three sentiment outputs), 2-class for the UCI sentences (argmax of negative vs
 * positive). Nested selection: the only choice made here is the epoch count; the figure reported for
 * domain d uses the epoch that maximises the mean macro-F1 of the OTHER held-out domains, never d's own.
 * VADER: compound ≥ 0.05 positive, ≤ −0.05 negative, else neutral (2-class sets: compound ≥ 0 positive).
 *
 * Candidate decision rule (issue 10, fourth session; declared with its acceptance rule BEFORE the first run):
 * class offsets on the three sentiment logits, negative − p, neutral + n, positive + p (the plain rule is
 * n = p = 0), over the grid n ∈ {−2.0, −1.9, …, 1.0}, p ∈ {−1.0, −0.9, …, 1.0}. Fitted nested, on no test
 * item: each LODO model also scores up to 5,000 TRAINING-split items (seeded sample) of its own held-out
 * domain's labelled sets (GoEmotions, TweetEval sentiment, DailyDialog, clothing reviews, USS, XED: items that
 * model never saw); the offsets reported for held-out domain d are those with the best mean macro-F1 over the
 * OTHER domains' selection sets (each scored by the model that did not see it), never d's own; the offsets
 * a shipped model gets are the best mean over all six. Acceptance rule (fixed before running): ship the
 * offsets only if, over the nine held-out rows, (1) the mean macro-F1 rises, (2) the number of rows at
 * ≥ VADER + 10 points accuracy does not fall and (3) the number of rows at ≥ VADER + 10 points macro-F1
 * does not fall. The script prints the verdict. Result (first run): rejected (bench/results/text-lodo-offsets.md).
 *
 * Candidate 2 (declared with its rule before its run, after candidate 1 was rejected): --domain-balance,
 * every training domain's sentiment items scaled to the same total weight (RECIPE.domainBalance). Same
 * acceptance rule, on the plain-rule rows against the shipped recipe's run (bench/results/text-lodo.md):
 * ship only if the mean macro-F1 over the nine rows rises and neither the number of rows at ≥ VADER + 10
 * accuracy nor at ≥ VADER + 10 macro-F1 falls. Result: rejected (bench/results/text-lodo-domain-balance.md).
 *
 * Candidate 3 (declared with its rule before its run, after 1 and 2 were rejected): --dair-cap 0, every
 * dair-ai emotion training line (15.4k polar "i feel …" lines, weak labels) instead of 4,000: more polar
 * supervision against the neutral over-prediction the per-star table shows. Same acceptance rule against
 * bench/results/text-lodo.md.
 *
 * SIXTH SESSION — noise-aware acceptance rule (declared and committed before any candidate it judges ran;
 * implemented in scripts/lib/text-noise-rule.ts, applied by `--baseline FILE.json`, which must hold the shipped
 * recipe's per-item predictions as this script writes them). The old row count treated a ±1-item move on a
 * 1,000-item row as a loss (UCI Amazon sat at exactly +10.0). Over the nine rows, against the shipped recipe on
 * the same items: (1) the mean macro-F1 over the rows rises (unchanged); (2) for accuracy and for macro-F1
 * separately, the number of rows at ≥ VADER + 10 does not fall, where a row counts as having moved across the
 * VADER + 10 line only when its change exceeds its sampling noise: the 95 % paired-bootstrap interval of
 * (candidate − shipped) on that row's items (resampling conversations for DailyDialog and USS, items elsewhere;
 * 2,000 draws, seed 20261203) lies entirely below 0 for a row that drops out, entirely above 0 for a row that
 * comes in, AND the exact two-sided McNemar test on the row's discordant items (right under one recipe, wrong
 * under the other) gives p < 0.05 (the percentile interval alone calls 4 items lost of 1,000, all in one
 * direction, significant); a crossing that fails either test keeps the shipped status. Ship only if (1) and, per metric,
 * significant entries ≥ significant exits. If several candidates pass, the one shipped is the one with the
 * highest mean macro-F1 over the six domains' selection sets (training-split items, below), never a test row.
 * Candidates 1–3 above stay rejected: they were judged by the rule in force when they ran.
 *
 * SIXTH SESSION — candidates 4–7, declared here (and committed) before their runs, after the length diagnosis on
 * training splits only (scripts/text-length-diagnostic.ts, bench/results/text-length-diagnostic.md): held out,
 * the reviews model reads 9–15 % of ≤ 40-word clothing reviews neutral (true 7–12 %) but 43 % of 41–80-word and
 * 68 % of 81+-word ones (true 14 %), while in every other training domain texts of ≥ 41 words are 85–89 %
 * neutral (DailyDialog, USS): the `#long` cue (≥ 40 words) and long texts in general are learned as "neutral".
 * 35–50 % of the clothing reviews read neutral as a whole have a sentence that reads polar on its own.
 *   4. `--no-long-cue`: the recipe without the `#long` cue feature (FeatureConfig.longCue = false), so length
 *      is no longer a learnable neutral prior.
 *   5. Sentence rule, gated (no parameter fitted): a message of ≥ 40 words (the `#long` threshold) and ≥ 2
 *      sentences whose whole-message reading is neutral takes the reading of its sentence with the strongest
 *      polar evidence |q_pos − q_neg| (q = the three sentiment sigmoids normalised to sum 1, as the product
 *      reports them), scored alone; the shipped network.
 *   6. The same sentence rule on every message of ≥ 2 sentences (no length gate); the shipped network.
 *   7. Candidates 4 and 5 together.
 * Each is judged alone by the noise-aware rule above against bench/results/text-lodo.json (the shipped recipe,
 * re-run with per-item predictions: its table is identical to the README's). Several passing: ship the one with
 * the best mean macro-F1 over the six selection sets.
 * Added after the run of 5 and 6 (both passed) and before the run of 4/7 or any speed measurement: a candidate
 * that passes but misses the product targets (≥ 20,000 messages per CPU-second on one core, `npm run
 * bench:text`; model ≤ 20 MB) is not shipped; the next passing one by selection-set macro-F1 is.
 * Results: 5 and 6 pass (bench/results/text-lodo-sentence-rule.md); 4 and 7 pass
 * (bench/results/text-lodo-no-long-cue.md). Selection-set macro-F1: 6 0.5115 > 5 0.5093 > 7 0.5088 > 4 0.5057 →
 * candidate 6 is the recipe's decision rule (RECIPE.sentenceRule = { minWords: 0 }), if it meets the speed target.
 * The baseline these verdicts used is kept as bench/results/text-lodo-v2-argmax.{md,json}; since then the main
 * table scores the recipe WITH its sentence rule (`--plain-rule`: the argmax alone).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FEATURES, featurize, splitSentences, type FeatureConfig } from '../src/text/features.js';
import { buildLexicon, loadGoEmotions } from './lib/text-data.js';
import { DOMAINS, SENT3, loadIrony, loadSentimentDomains, type Domain, type SentItem } from './lib/text-domains.js';
import { classMetrics, confusionMd, type ClassMetrics } from './lib/metrics.js';
import { MlpModel } from './lib/text-mlp.js';
import { CLS, OFF, RECIPE, goExample, ironyExample, sentimentTrainItems } from './lib/text-recipe.js';
import type { Example } from './lib/text-linear.js';
import { vader2, vader3, vaderCompound } from './lib/text-vader.js';
import { mulberry32 } from './lib/random.js';
import { noiseAwareVerdict, verdictMd, type RowPreds } from './lib/text-noise-rule.js';

const { values: a } = parseArgs({
  options: {
    // 1: the shipped recipe's epoch count (a first run with 3 picked epoch 1 for every held-out domain)
    epochs: { type: 'string', default: '1' },
    hidden: { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.05' },
    seed: { type: 'string', default: '1234' },
    lex: { type: 'string', default: 'vader' },
    domains: { type: 'string', default: DOMAINS.join(',') },
    out: { type: 'string', default: 'bench/results/text-lodo' },
    /** Override RECIPE.weakNeutralWeight (a variant of the recipe, compared on these same splits). */
    'weak-neutral': { type: 'string' },
    /** Set RECIPE.domainBalance (every training domain the same total weight). */
    'domain-balance': { type: 'boolean', default: false },
    /** Override the dair-ai emotion cap (RECIPE.capBySet; 0 = no cap). */
    'dair-cap': { type: 'string' },
    /** Items per held-out domain's selection set for the class-offset rule (training split only). */
    'select-cap': { type: 'string', default: '5000' },
    /** Score the plain argmax even when the recipe has a sentence rule (the shipped v2 recipe before the sixth session). */
    'plain-rule': { type: 'boolean', default: false },
    /** Candidate 4: the recipe without the #long cue. */
    'no-long-cue': { type: 'boolean', default: false },
    /** The shipped recipe's run (JSON with per-item predictions): judge this run by the noise-aware rule against it. */
    baseline: { type: 'string' },
    /** Write per-item diagnostics of the selection sets (training-split items of each held-out domain) here. */
    diag: { type: 'string' },
  },
});
if (a['weak-neutral'] !== undefined) RECIPE.weakNeutralWeight = Number(a['weak-neutral']);
if (a['domain-balance']) RECIPE.domainBalance = true;
if (a['dair-cap'] !== undefined) RECIPE.capBySet['dair-ai emotion'] = Number(a['dair-cap']) || Infinity;
const log = (s: string): void => void process.stderr.write(s + '\n');
const t0 = performance.now();
const secs = (): string => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
const cfg: FeatureConfig = a['no-long-cue'] ? { ...DEFAULT_FEATURES, longCue: false } : DEFAULT_FEATURES;
const lex = buildLexicon(undefined, a.lex === 'vader');
const seed = Number(a.seed), E = Number(a.epochs), D = Number(a.hidden), lr = Number(a.lr);

const items = loadSentimentDomains();
const goTrain = loadGoEmotions('train').map((it) => goExample(it, cfg, lex));
const irony = loadIrony('train').map((x) => ironyExample(x.text, x.label, cfg, lex));
const feats = new Map<SentItem, { idx: Int32Array; val: Float32Array; words: number }>();
for (const it of items) {
  const f = featurize(it.text, cfg, lex);
  feats.set(it, { idx: f.idx, val: f.val, words: f.stats.words });
}
log(`data: ${items.length} sentiment items, GoEmotions train ${goTrain.length}, irony ${irony.length}; features ${secs()}`);

/** Test sets: rows of the tables (a domain may have several). */
const tests = new Map<string, SentItem[]>();
for (const it of items) if (it.split === 'test') (tests.get(it.set.startsWith('USS') ? 'USS (4 sources)' : it.set) ?? tests.set(it.set.startsWith('USS') ? 'USS (4 sources)' : it.set, []).get(it.set.startsWith('USS') ? 'USS (4 sources)' : it.set)!).push(it);
const setDomain = (set: string): Domain => tests.get(set)![0].domain;
const rowOf = (set: string): string => (set.startsWith('USS') ? 'USS (4 sources)' : set);

/**
 * Selection sets of the class-offset rule: per domain, up to --select-cap TRAINING-split items of the sets
 * that are test rows (a seeded sample), scored only by the model that held that domain out.
 */
const selection = new Map<Domain, SentItem[]>();
{
  const rng = mulberry32(seed + 77);
  const cap = Number(a['select-cap']);
  for (const d of DOMAINS) {
    const pool = items.filter((x) => x.domain === d && x.split === 'train' && tests.has(rowOf(x.set)));
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    selection.set(d, pool.slice(0, cap));
  }
}
/** Sentiment logits (negative, neutral, positive) of the last epoch's model: held-out test rows and selection set. */
const testLogits = new Map<string, Float32Array>();
const selLogits = new Map<Domain, Float32Array>();
function logits3(m: MlpModel, xs: SentItem[], z: Float32Array): Float32Array {
  const out = new Float32Array(xs.length * 3);
  xs.forEach((x, i) => {
    const f = feats.get(x)!;
    m.logits(f.idx, f.val, z);
    out.set(z.subarray(OFF.sentiment, OFF.sentiment + 3), i * 3);
  });
  return out;
}
/** The offset rule: argmax of (s0 − p, s1 + n, s2 + p); 2-class sets compare s2 + p with s0 − p. */
function offsetPredict(l: Float32Array, xs: SentItem[], n: number, p: number): number[] {
  return xs.map((x, i) => {
    const s0 = l[i * 3] - p, s1 = l[i * 3 + 1] + n, s2 = l[i * 3 + 2] + p;
    if (x.binary) return s2 >= s0 ? 2 : 0;
    return s0 >= s1 && s0 >= s2 ? 0 : s2 >= s1 ? 2 : 1;
  });
}

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

/** The recipe's decision rule: argmax of the sentiment logits, then RECIPE.sentenceRule when the recipe has one. */
function predict(m: MlpModel, it: SentItem, z: Float32Array): number {
  if (RECIPE.sentenceRule && !a['plain-rule']) return predictStrongest(m, it, z, RECIPE.sentenceRule.minWords);
  const f = feats.get(it)!;
  m.logits(f.idx, f.val, z);
  const s = z.subarray(OFF.sentiment, OFF.sentiment + 3);
  if (it.binary) return s[2] >= s[0] ? 2 : 0;
  return s[0] >= s[1] && s[0] >= s[2] ? 0 : s[2] >= s[1] ? 2 : 1;
}

/** The three sentiment sigmoids normalised to sum 1 (what the product reports as probabilities). */
function q3(s: ArrayLike<number>): [number, number, number] {
  const a0 = 1 / (1 + Math.exp(-s[0])), a1 = 1 / (1 + Math.exp(-s[1])), a2 = 1 / (1 + Math.exp(-s[2]));
  const t = a0 + a1 + a2;
  return [a0 / t, a1 / t, a2 / t];
}
/**
 * Candidates 5/6 (sixth session): a message of ≥ `minWords` words and ≥ 2 sentences whose whole reading is
 * neutral takes the reading of its sentence with the strongest polar evidence |q_pos − q_neg|, scored alone.
 */
function predictStrongest(m: MlpModel, it: SentItem, z: Float32Array, minWords: number): number {
  const f = feats.get(it)!;
  m.logits(f.idx, f.val, z);
  const s = z.subarray(OFF.sentiment, OFF.sentiment + 3);
  const whole = s[0] >= s[1] && s[0] >= s[2] ? 0 : s[2] >= s[1] ? 2 : 1;
  const plain = it.binary ? (s[2] >= s[0] ? 2 : 0) : whole;
  if (whole !== 1 || f.words < minWords) return plain;
  const parts = splitSentences(it.text);
  if (parts.length < 2) return plain;
  let best: [number, number, number] | undefined, bestE = -1;
  for (const p of parts) {
    const g = featurize(p, cfg, lex);
    m.logits(g.idx, g.val, z);
    const q = q3(z.subarray(OFF.sentiment, OFF.sentiment + 3));
    const e = Math.abs(q[2] - q[0]);
    if (e > bestE) (bestE = e), (best = q);
  }
  const q = best!;
  if (it.binary) return q[2] >= q[0] ? 2 : 0;
  return q[0] >= q[1] && q[0] >= q[2] ? 0 : q[2] >= q[1] ? 2 : 1;
}
/** Per-item predictions of the sentence rules (last epoch): rulePreds[variant][set]; selection macro-F1 per domain. */
const RULE_GATES = { gated40: 40, ungated: 0 } as const;
type RuleName = keyof typeof RULE_GATES;
const rulePreds: Record<RuleName, Map<string, number[]>> = { gated40: new Map(), ungated: new Map() };
const selRuleF1 = new Map<Domain, Record<'plain' | RuleName, number>>();

// VADER on every test item
const vader = new Map<string, ClassMetrics>();
for (const [set, xs] of tests) vader.set(set, metricsOf(xs, xs.map((x) => (x.binary ? vader2 : vader3)(vaderCompound(x.text)))));
log(`VADER scored ${secs()}`);

/** Per-item plain-rule predictions: predStore[set][epoch-1][item]. */
const predStore = new Map<string, number[][]>();
/** Selection-set diagnostics (--diag): whole-message and per-sentence sentiment probabilities of each item. */
interface DiagRow { domain: Domain; set: string; label: number; stars?: number; words: number; sentences: number; whole: number[]; perSentence: number[][]; text: string }
const diagRows: DiagRow[] = [];
function softmax3(s: ArrayLike<number>): number[] {
  const mx = Math.max(s[0], s[1], s[2]);
  const e = [Math.exp(s[0] - mx), Math.exp(s[1] - mx), Math.exp(s[2] - mx)];
  const t = e[0] + e[1] + e[2];
  return e.map((v) => v / t);
}
function diagnose(m: MlpModel, d: Domain, z: Float32Array): DiagRow[] {
  return selection.get(d)!.map((it) => {
    const f = feats.get(it)!;
    m.logits(f.idx, f.val, z);
    const whole = softmax3(z.subarray(OFF.sentiment, OFF.sentiment + 3));
    const parts = it.text.split(SENT_SPLIT).filter((p) => /[A-Za-z]/.test(p));
    const perSentence = parts.length <= 1 ? [whole] : parts.map((p) => {
      const g = featurize(p, cfg, lex);
      m.logits(g.idx, g.val, z);
      return softmax3(z.subarray(OFF.sentiment, OFF.sentiment + 3));
    });
    return { domain: d, set: it.set, label: it.label, stars: it.stars, words: it.text.split(/\s+/).filter(Boolean).length, sentences: Math.max(1, parts.length), whole, perSentence, text: it.text };
  });
}

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
      for (const [set, xs] of tests) {
        if (setDomain(set) !== d) continue;
        const pr = xs.map((x) => predict(m, x, z));
        r.set(set, metricsOf(xs, pr));
        (predStore.get(set) ?? predStore.set(set, []).get(set)!).push(pr);
      }
      perEpoch.push(r);
      if (ep === E && a.diag) diagRows.push(...diagnose(m, d, z));
      if (ep === E) {
        for (const [set, xs] of tests) {
          if (setDomain(set) !== d) continue;
          for (const rn of Object.keys(RULE_GATES) as RuleName[]) rulePreds[rn].set(set, xs.map((x) => predictStrongest(m, x, z, RULE_GATES[rn])));
        }
        const sx = selection.get(d)!;
        if (sx.length) {
          const f1 = (pr: number[]): number => metricsOf(sx, pr).macroF1;
          selRuleF1.set(d, { plain: f1(sx.map((x) => predict(m, x, z))), gated40: f1(sx.map((x) => predictStrongest(m, x, z, 40))), ungated: f1(sx.map((x) => predictStrongest(m, x, z, 0))) });
        }
      }
      if (ep === E) for (const [set, xs] of tests) if (setDomain(set) === d) sentenceRule.set(set, metricsOf(xs, xs.map((x) => predictSentences(m, x, z))));
      if (ep === E) {
        for (const [set, xs] of tests) if (setDomain(set) === d) testLogits.set(set, logits3(m, xs, z));
        selLogits.set(d, logits3(m, selection.get(d)!, z));
      }
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

// the class-offset rule, fitted nested on the selection sets
const GRID_N = Array.from({ length: 31 }, (_, i) => Math.round((-2 + i * 0.1) * 10) / 10);
const GRID_P = Array.from({ length: 21 }, (_, i) => Math.round((-1 + i * 0.1) * 10) / 10);
/** selF1[d][gi]: macro-F1 of domain d's selection set under grid point gi. */
const grid: [number, number][] = [[0, 0]];
for (const n of GRID_N) for (const p of GRID_P) if (n !== 0 || p !== 0) grid.push([n, p]);
const selF1 = new Map<Domain, Float64Array>();
for (const d of held) {
  const xs = selection.get(d)!, l = selLogits.get(d);
  if (!l || !xs.length) continue;
  selF1.set(d, Float64Array.from(grid, ([n, p]) => metricsOf(xs, offsetPredict(l, xs, n, p)).macroF1));
}
const bestOffsets = (pool: Domain[]): { n: number; p: number; score: number } => {
  const ds = pool.filter((x) => selF1.has(x));
  let bi = 0, bv = -1;
  grid.forEach((_, gi) => {
    const v = ds.reduce((acc, x) => acc + selF1.get(x)![gi], 0) / Math.max(1, ds.length);
    if (v > bv + 1e-12) (bv = v), (bi = gi);
  });
  return { n: grid[bi][0], p: grid[bi][1], score: bv };
};
const offsetFor = new Map<Domain, { n: number; p: number; score: number }>();
for (const d of held) offsetFor.set(d, bestOffsets(held.filter((x) => x !== d)));
const shipOffsets = bestOffsets(held);
const offsetRows: { set: string; d: Domain; plain: ClassMetrics; rule: ClassMetrics; v: ClassMetrics; n: number; p: number }[] = [];
for (const d of held) {
  for (const set of tests.keys()) {
    if (setDomain(set) !== d || !testLogits.has(set)) continue;
    const xs = tests.get(set)!, o = offsetFor.get(d)!;
    offsetRows.push({ set, d, plain: results.get(d)![E - 1].get(set)!, rule: metricsOf(xs, offsetPredict(testLogits.get(set)!, xs, o.n, o.p)), v: vader.get(set)!, n: o.n, p: o.p });
  }
}
const meanOf = (f: (r: (typeof offsetRows)[number]) => number): number => offsetRows.reduce((acc, r) => acc + f(r), 0) / Math.max(1, offsetRows.length);
const countAt = (k: 'plain' | 'rule', m: 'accuracy' | 'macroF1'): number => offsetRows.filter((r) => r[k][m] - r.v[m] >= 0.1 - 1e-9).length;
const verdict = {
  meanF1: { plain: meanOf((r) => r.plain.macroF1), rule: meanOf((r) => r.rule.macroF1) },
  rowsAcc10: { plain: countAt('plain', 'accuracy'), rule: countAt('rule', 'accuracy') },
  rowsF110: { plain: countAt('plain', 'macroF1'), rule: countAt('rule', 'macroF1') },
  ship: false,
};
verdict.ship = verdict.meanF1.rule > verdict.meanF1.plain && verdict.rowsAcc10.rule >= verdict.rowsAcc10.plain && verdict.rowsF110.rule >= verdict.rowsF110.plain;

/** Per-star breakdown of the held-out predictions (sets with star ratings): share of each predicted class. */
const starRows: string[] = [];
for (const [set, l] of testLogits) {
  const xs = tests.get(set)!;
  if (!xs.some((x) => x.stars !== undefined)) continue;
  const plain = offsetPredict(l, xs, 0, 0);
  const words = xs.map((x) => x.text.split(/\s+/).filter(Boolean).length);
  for (const st of [1, 2, 3, 4, 5]) {
    const ids = xs.map((x, i) => (x.stars === st ? i : -1)).filter((i) => i >= 0);
    if (!ids.length) continue;
    const share = (pred: (i: number) => number, k: number): string => ((100 * ids.filter((i) => pred(i) === k).length) / ids.length).toFixed(1);
    const vz = (i: number): number => vader3(vaderCompound(xs[i].text));
    const med = ids.map((i) => words[i]).sort((p, q) => p - q)[Math.floor(ids.length / 2)];
    starRows.push(`| ${set} | ${st}★ → ${SENT3[xs[ids[0]].label]} | ${ids.length} | ${med} | ${share((i) => plain[i], 0)} / ${share((i) => plain[i], 1)} / ${share((i) => plain[i], 2)} | ${share(vz, 0)} / ${share(vz, 1)} / ${share(vz, 2)} |`);
  }
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
    json.push({ domain: d, set, classes: k, n: m.n, epoch: e + 1, pred: predStore.get(set)![e].join(''), emosig: { accuracy: m.accuracy, macroF1: m.macroF1, uar: m.uar, confusion: m.confusion }, vader: { accuracy: v.accuracy, macroF1: v.macroF1, uar: v.uar, confusion: v.confusion } });
    const sr = sentenceRule.get(set);
    confusions.push(`### ${set} (held out: ${d})`, ``, `emosig:`, ``, confusionMd(m), ``, ...(sr ? [`emosig, per-sentence mean:`, ``, confusionMd(sr), ``] : []), `VADER:`, ``, confusionMd(v), ``);
  }
}
const md = [
  `# Leave-one-domain-out sentiment (scripts/text-lodo.ts)`,
  ``,
  `Network D=${D}, lr ${lr}, seed ${seed}, lexicon ${a.lex}, #long cue ${cfg.longCue === false ? 'off' : 'on'}, decision rule ${RECIPE.sentenceRule && !a['plain-rule'] ? `argmax + sentence rule (messages of ≥ ${RECIPE.sentenceRule.minWords} words and ≥ 2 sentences read neutral take their strongest sentence)` : 'argmax'}, weak-neutral weight ${RECIPE.weakNeutralWeight}, domain balance ${RECIPE.domainBalance ? 'on' : 'off'}, dair-ai cap ${RECIPE.capBySet['dair-ai emotion']}; epochs 1–${E}, the epoch for each held-out domain chosen on the other domains only (nested). Each row: trained without any item of that domain. Figures: accuracy / macro-F1 / UAR.`,
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
  `## Candidate: class offsets on the sentiment logits, fitted nested on held-out domains' training-split items`,
  ``,
  `Rule declared before the run (script header): offsets (neutral + n, positive + p, negative − p) chosen for each held-out domain on the OTHER domains' selection sets (≤ ${a['select-cap']} training-split items per domain, each scored by the model that held that domain out; no test item). Ship only if the mean macro-F1 over the rows rises and neither the number of rows at ≥ VADER + 10 accuracy nor at ≥ VADER + 10 macro-F1 falls. Network: last epoch (${E}).`,
  ``,
  `| held-out domain | test set | offsets n / p | plain rule (acc / F1 / UAR) | class offsets (acc / F1 / UAR) | VADER | − VADER (acc / F1, points): plain → offsets |`,
  `|---|---|---|---|---|---|---|`,
  ...offsetRows.map((r) => `| ${r.d} | ${r.set} | ${r.n.toFixed(1)} / ${r.p.toFixed(1)} | ${f3(r.plain.accuracy)} / ${f3(r.plain.macroF1)} / ${f3(r.plain.uar)} | **${f3(r.rule.accuracy)} / ${f3(r.rule.macroF1)} / ${f3(r.rule.uar)}** | ${f3(r.v.accuracy)} / ${f3(r.v.macroF1)} / ${f3(r.v.uar)} | ${pts(r.plain.accuracy - r.v.accuracy)} / ${pts(r.plain.macroF1 - r.v.macroF1)} → ${pts(r.rule.accuracy - r.v.accuracy)} / ${pts(r.rule.macroF1 - r.v.macroF1)} |`),
  ``,
  `Mean macro-F1 over the ${offsetRows.length} rows: plain ${f3(verdict.meanF1.plain)}, offsets ${f3(verdict.meanF1.rule)}; rows at ≥ VADER + 10 accuracy: ${verdict.rowsAcc10.plain} → ${verdict.rowsAcc10.rule}; rows at ≥ VADER + 10 macro-F1: ${verdict.rowsF110.plain} → ${verdict.rowsF110.rule}. **Verdict: ${verdict.ship ? 'ship' : 'reject'}.** Offsets a shipped model would get (best mean over all ${selF1.size} selection sets): n = ${shipOffsets.n.toFixed(1)}, p = ${shipOffsets.p.toFixed(1)} (mean selection macro-F1 ${f3(shipOffsets.score)}; plain ${f3(held.filter((x) => selF1.has(x)).reduce((acc, x) => acc + selF1.get(x)![0], 0) / Math.max(1, selF1.size))}).`,
  ``,
  `Selection-set macro-F1 (plain → shipped offsets): ${held.filter((x) => selF1.has(x)).map((x) => `${x} (${selection.get(x)!.length}) ${f3(selF1.get(x)![0])} → ${f3(selF1.get(x)![grid.findIndex(([n, p]) => n === shipOffsets.n && p === shipOffsets.p)])}`).join('; ')}.`,
  ``,
  ...(starRows.length
    ? [`## Held-out predictions by star rating (plain rule)`, ``, `| test set | stars → label | n | median words | emosig % negative / neutral / positive | VADER % negative / neutral / positive |`, `|---|---|---:|---:|---|---|`, ...starRows, ``]
    : []),
  `## Confusion matrices (rows truth, columns prediction)`,
  ``,
  ...confusions,
  ...offsetRows.flatMap((r) => [`### ${r.set} (held out: ${r.d}), class offsets n ${r.n.toFixed(1)} / p ${r.p.toFixed(1)}`, ``, confusionMd(r.rule), ``]),
].join('\n');
let noise: ReturnType<typeof noiseAwareVerdict> | undefined;
let ruleVerdicts: Record<string, { name: string; verdict: ReturnType<typeof noiseAwareVerdict>; selectionMeanF1: number }> | undefined;
let noiseMd = '';
if (a.baseline) {
  const base = JSON.parse(readFileSync(a.baseline, 'utf8')) as { rows: { set: string; epoch: number; pred?: string }[] };
  const rowsNA: RowPreds[] = [];
  for (const d of held) {
    for (const set of results.get(d)![chosen.get(d)!].keys()) {
      const b = base.rows.find((r) => r.set === set);
      if (!b?.pred) throw new Error(`--baseline ${a.baseline}: no per-item predictions for ${set} (re-run the shipped recipe with this script)`);
      const xs = tests.get(set)!;
      rowsNA.push({ set, truth: xs.map((x) => x.label), base: [...b.pred].map(Number), cand: predStore.get(set)![chosen.get(d)!], vader: vader.get(set)!, groups: xs.map((x) => x.conv), labels: SENT3 });
    }
  }
  noise = noiseAwareVerdict(rowsNA);
  const self = a['no-long-cue'] ? 'no #long cue (candidate 4)' : 'this run (shipped recipe)';
  const ruleName = (rn: RuleName): string => (a['no-long-cue'] ? (rn === 'gated40' ? 'no #long cue + sentence rule ≥ 40 words (candidate 7)' : 'no #long cue + sentence rule, ungated (not a declared candidate)') : rn === 'gated40' ? 'sentence rule ≥ 40 words (candidate 5)' : 'sentence rule, ungated (candidate 6)');
  const selMean = (k: 'plain' | RuleName): number => [...selRuleF1.values()].reduce((acc, r) => acc + r[k], 0) / Math.max(1, selRuleF1.size);
  const parts = [`## Noise-aware verdicts against ${a.baseline} (rule and candidates in the script header, sixth session)`, ``, `### ${self}`, ``, verdictMd(noise, 'candidate'), ``];
  ruleVerdicts = {};
  for (const rn of Object.keys(RULE_GATES) as RuleName[]) {
    const v = noiseAwareVerdict(rowsNA.map((r) => ({ ...r, cand: rulePreds[rn].get(r.set)! })));
    ruleVerdicts[rn] = { name: ruleName(rn), verdict: v, selectionMeanF1: selMean(rn) };
    parts.push(`### ${ruleName(rn)}`, ``, verdictMd(v, 'candidate'), ``);
  }
  parts.push(`Selection sets (training-split items of each held-out domain, scored by the model without it), macro-F1 plain / sentence rule ≥ 40 words / ungated: ${[...selRuleF1].map(([d, r]) => `${d} ${r.plain.toFixed(3)} / ${r.gated40.toFixed(3)} / ${r.ungated.toFixed(3)}`).join('; ')}; mean ${selMean('plain').toFixed(3)} / ${selMean('gated40').toFixed(3)} / ${selMean('ungated').toFixed(3)}.`, ``);
  noiseMd = parts.join('\n');
}
if (a.diag) {
  mkdirSync(dirname(a.diag), { recursive: true });
  writeFileSync(a.diag, JSON.stringify(diagRows));
}
mkdirSync(dirname(a.out!), { recursive: true });
writeFileSync(`${a.out}.md`, md + (noiseMd ? `\n${noiseMd}` : ''));
writeFileSync(`${a.out}.json`, JSON.stringify({ settings: { D, lr, seed, epochs: E, lex: a.lex, weakNeutralWeight: RECIPE.weakNeutralWeight, domainBalance: RECIPE.domainBalance, dairCap: RECIPE.capBySet['dair-ai emotion'] === Infinity ? null : RECIPE.capBySet['dair-ai emotion'] }, shipEpoch: shipEpoch + 1, rows: json, ...(noise ? { noiseAwareVerdict: { ...noise, baseline: a.baseline, longCue: !a['no-long-cue'], sentenceRules: ruleVerdicts, selectionMacroF1: Object.fromEntries(selRuleF1) } } : {}), perSentenceRule: Object.fromEntries([...sentenceRule].map(([set, m]) => [set, { accuracy: m.accuracy, macroF1: m.macroF1, uar: m.uar, confusion: m.confusion }])), classOffsets: { shipped: shipOffsets, verdict, rows: offsetRows.map((r) => ({ domain: r.d, set: r.set, n: r.n, p: r.p, accuracy: r.rule.accuracy, macroF1: r.rule.macroF1, uar: r.rule.uar, confusion: r.rule.confusion })), selection: Object.fromEntries([...selF1].map(([d, f]) => [d, { items: selection.get(d)!.length, plainMacroF1: f[0] }])) } }, null, 1) + '\n');
process.stdout.write(md + (noiseMd ? `\n${noiseMd}` : ""));
