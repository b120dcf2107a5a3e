/**
 * Why long reviews read neutral — a diagnosis on LODO TRAINING splits only (issue 10, sixth session).
 *
 *   npx tsx scripts/text-lodo.ts --diag .cache/text-diag.json      # writes the per-item dump (selection sets)
 *   npx tsx scripts/text-length-diagnostic.ts [--diag .cache/text-diag.json] [--out bench/results/text-length-diagnostic]
 *
 * Input: for each held-out domain d, the model trained WITHOUT d scores up to 5,000 training-split items of d
 * (the selection sets of scripts/text-lodo.ts: items that model never saw, and never a test item), as a whole
 * message and sentence by sentence. Output: (A) what the training data teaches about length: label shares by
 * length in every domain's training split; (B) the held-out-domain predictions by length (neutral share
 * predicted vs true); (C) multi-sentence messages: how often a message reads neutral while one of its sentences
 * reads clearly polar, and what simple sentence-level readings (mean, strongest evidence) would give.
 * No test item is read.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { classMetrics } from './lib/metrics.js';
import { DOMAINS, SENT3, loadSentimentDomains } from './lib/text-domains.js';

const { values: a } = parseArgs({ options: { diag: { type: 'string', default: '.cache/text-diag.json' }, out: { type: 'string', default: 'bench/results/text-length-diagnostic' } } });

interface DiagRow { domain: string; set: string; label: number; stars?: number; words: number; sentences: number; whole: number[]; perSentence: number[][]; text: string }
const rows = JSON.parse(readFileSync(a.diag!, 'utf8')) as DiagRow[];

const BINS: [number, number, string][] = [[0, 10, '1–10'], [11, 20, '11–20'], [21, 40, '21–40'], [41, 80, '41–80'], [81, 1e9, '81+']];
const binOf = (w: number): number => BINS.findIndex(([lo, hi]) => w >= lo && w <= hi);
const pct = (x: number, n: number): string => (n ? ((100 * x) / n).toFixed(1) : '–');
const argmax3 = (p: number[]): number => (p[0] >= p[1] && p[0] >= p[2] ? 0 : p[2] >= p[1] ? 2 : 1);
const out: string[] = [`# Length diagnostic on LODO training splits (scripts/text-length-diagnostic.ts)`, ``];
const json: Record<string, unknown> = {};

// (A) training data by length
const train = loadSentimentDomains().filter((x) => x.split === 'train');
out.push(`## A. What training teaches about length: label shares (negative / neutral / positive, %) by words, training splits`, ``);
out.push(`| domain (sets) | ${BINS.map((b) => `${b[2]} words: n, neg / neu / pos`).join(' | ')} |`, `|---|${BINS.map(() => '---').join('|')}|`);
const aJson: Record<string, unknown> = {};
for (const d of DOMAINS) {
  const xs = train.filter((x) => x.domain === d);
  const cells = BINS.map((_, bi) => {
    const ys = xs.filter((x) => binOf(x.text.split(/\s+/).filter(Boolean).length) === bi);
    const c = [0, 0, 0];
    for (const y of ys) c[y.label]++;
    return { n: ys.length, c };
  });
  aJson[d] = cells;
  out.push(`| ${d} (${[...new Set(xs.map((x) => x.set))].join(', ')}) | ${cells.map(({ n, c }) => `${n}: ${pct(c[0], n)} / ${pct(c[1], n)} / ${pct(c[2], n)}`).join(' | ')} |`);
}
json.trainingByLength = aJson;
out.push(``, `(Reddit's training items train through GoEmotions' own labels; the table counts the items whose sentiment group is unambiguous.)`, ``);

// (B) held-out-domain predictions by length
out.push(`## B. The model that never saw the domain, on its training-split items, by length: n, true neutral %, predicted neutral %, macro-F1`, ``);
out.push(`| held-out domain | ${BINS.map((b) => `${b[2]} words`).join(' | ')} | all |`, `|---|${BINS.map(() => '---').join('|')}|---|`);
const bJson: Record<string, unknown> = {};
for (const d of DOMAINS) {
  const xs = rows.filter((r) => r.domain === d);
  if (!xs.length) continue;
  const cell = (ys: DiagRow[]): string => {
    if (!ys.length) return '–';
    const pred = ys.map((y) => argmax3(y.whole));
    const m = classMetrics(ys.map((y) => y.label), pred, SENT3);
    return `${ys.length}: ${pct(ys.filter((y) => y.label === 1).length, ys.length)} / **${pct(pred.filter((p) => p === 1).length, ys.length)}** / ${m.macroF1.toFixed(3)}`;
  };
  bJson[d] = BINS.map((_, bi) => xs.filter((x) => binOf(x.words) === bi).length);
  out.push(`| ${d} | ${BINS.map((_, bi) => cell(xs.filter((x) => binOf(x.words) === bi))).join(' | ')} | ${cell(xs)} |`);
}
json.selectionByLength = bJson;
out.push(``);

// clothing by stars (the failure), training split
const cl = rows.filter((r) => r.set === 'Clothing reviews');
if (cl.length) {
  out.push(`### Clothing reviews, training split, by stars (model without reviews): % negative / neutral / positive, whole message vs its sentences`, ``);
  out.push(`| stars | n | median words | median sentences | whole message | share of its sentences | messages read neutral with ≥ 1 sentence read polar |`, `|---|---:|---:|---:|---|---|---:|`);
  for (const st of [1, 2, 3, 4, 5]) {
    const ys = cl.filter((y) => y.stars === st);
    if (!ys.length) continue;
    const med = (f: (y: DiagRow) => number): number => ys.map(f).sort((p, q) => p - q)[Math.floor(ys.length / 2)];
    const w = [0, 0, 0], s = [0, 0, 0];
    let ns = 0, neuPolar = 0;
    for (const y of ys) {
      w[argmax3(y.whole)]++;
      for (const p of y.perSentence) (s[argmax3(p)]++, ns++);
      if (argmax3(y.whole) === 1 && y.perSentence.some((p) => argmax3(p) !== 1)) neuPolar++;
    }
    out.push(`| ${st}★ | ${ys.length} | ${med((y) => y.words)} | ${med((y) => y.sentences)} | ${pct(w[0], ys.length)} / ${pct(w[1], ys.length)} / ${pct(w[2], ys.length)} | ${pct(s[0], ns)} / ${pct(s[1], ns)} / ${pct(s[2], ns)} | ${pct(neuPolar, ys.length)} % |`);
  }
  out.push(``);
}

// (C) sentence-level readings on multi-sentence messages
/** Readings of a message from its sentences (the whole-message probabilities are the plain rule). */
const RULES: Record<string, (y: DiagRow) => number> = {
  whole: (y) => argmax3(y.whole),
  'sentence mean': (y) => argmax3([0, 1, 2].map((k) => y.perSentence.reduce((s, p) => s + p[k], 0) / y.perSentence.length)),
  // VADER-like: the sentence with the strongest polar evidence |p_pos − p_neg| decides, read on its own
  'strongest sentence': (y) => argmax3(y.perSentence.reduce((b, p) => (Math.abs(p[2] - p[0]) > Math.abs(b[2] - b[0]) ? p : b))),
  // whole message, but a neutral reading is overruled when a sentence reads polar on its own
  'whole, neutral overruled by a polar sentence': (y) => {
    const w = argmax3(y.whole);
    if (w !== 1) return w;
    const s = y.perSentence.reduce((b, p) => (Math.abs(p[2] - p[0]) > Math.abs(b[2] - b[0]) ? p : b));
    const k = argmax3(s);
    return k;
  },
  // polar evidence summed over sentences (log-odds of positive vs negative), neutral from the whole message
  'whole neutral vs summed sentence polarity': (y) => {
    let lo = 0;
    for (const p of y.perSentence) lo += Math.log((p[2] + 1e-6) / (p[0] + 1e-6));
    const pol = lo >= 0 ? 2 : 0;
    const polarMass = 1 - y.whole[1];
    return polarMass >= y.whole[1] ? pol : 1;
  },
};
out.push(`## C. Multi-sentence messages (≥ 2 sentences): macro-F1 / accuracy / predicted neutral % of sentence-level readings, per held-out domain (training-split items)`, ``);
const ruleNames = Object.keys(RULES);
out.push(`| held-out domain | multi-sentence items (share) | true neutral % | ${ruleNames.join(' | ')} |`, `|---|---|---:|${ruleNames.map(() => '---').join('|')}|`);
const cJson: Record<string, Record<string, unknown>> = {};
for (const d of DOMAINS) {
  const all = rows.filter((r) => r.domain === d);
  const xs = all.filter((r) => r.sentences >= 2);
  if (!xs.length) continue;
  cJson[d] = {};
  const cells = ruleNames.map((name) => {
    const pred = xs.map(RULES[name]);
    const m = classMetrics(xs.map((x) => x.label), pred, SENT3);
    // the whole selection set with this rule on its multi-sentence items
    const allPred = all.map((y) => (y.sentences >= 2 ? RULES[name](y) : argmax3(y.whole)));
    const mAll = classMetrics(all.map((x) => x.label), allPred, SENT3);
    cJson[d][name] = { multi: { macroF1: m.macroF1, accuracy: m.accuracy }, all: { macroF1: mAll.macroF1, accuracy: mAll.accuracy } };
    return `${m.macroF1.toFixed(3)} / ${m.accuracy.toFixed(3)} / ${pct(pred.filter((p) => p === 1).length, pred.length)} (all items: ${mAll.macroF1.toFixed(3)})`;
  });
  out.push(`| ${d} | ${xs.length} (${pct(xs.length, all.length)} %) | ${pct(xs.filter((x) => x.label === 1).length, xs.length)} | ${cells.join(' | ')} |`);
}
json.sentenceRules = cJson;
out.push(``);
mkdirSync(dirname(a.out!), { recursive: true });
writeFileSync(`${a.out}.md`, out.join('\n') + '\n');
writeFileSync(`${a.out}.json`, JSON.stringify(json, null, 1) + '\n');
process.stdout.write(out.join('\n') + '\n');
