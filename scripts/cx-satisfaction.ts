/**
 * Train and evaluate the satisfaction estimate on the User Satisfaction Simulation dialogues
 * (../shared/data/text/uss_satisfaction: MultiWOZ, SGD, ReDial, CCPE; 3–7 raters per user turn, 1–5).
 *
 *   nice -n 10 npx tsx scripts/cx-satisfaction.ts [--seed 15]
 *
 * 1. Every message is read by the text model through its public API (analyzeText), cached in .cache/cx/.
 * 2. Per user turn: the features of src/cx/satisfaction.ts (affect, the agent's turn before, the dialogue so far).
 * 3. Leave-one-corpus-out: for each held-out corpus, the ridge λ (rating) and the logistic λ (dissatisfied) are
 *    chosen by an inner leave-one-corpus-out over the three training corpora only, then fitted on all three and
 *    scored on the held-out one (Spearman ρ with the mean rating per turn, AUC for "dissatisfied"), beside the
 *    existing escalation score (fuseReadings on the text-only dialogue so far) on the same labels.
 * 4. The shipped model is fitted on all four corpora with λ chosen by leave-one-corpus-out over them; written to
 *    models/cx/satisfaction.json with models/cx/MODEL_CARD.md, and the tables to bench/results/cx-satisfaction.{json,md}.
 * The seed drives the bootstrap intervals only (the fits are closed-form / Newton, deterministic).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, loadTextModel, textReading, type TextMessageReading } from '../src/text/index.js';
import { fuseReadings } from '../src/fusion/fuse.js';
import { loadReliability } from '../src/fusion/reliability.js';
import { modelPath, packageRoot } from '../src/runtime/paths.js';
import {
  AFFECT_FEATURES,
  INTERACTION_FEATURES,
  TEXT_FEATURES,
  applyLinear,
  interactionFeatures,
  sigmoid,
  turnFeatures,
  type SatisfactionHead,
  type SatisfactionHeadName,
  type SatisfactionModel,
} from '../src/cx/satisfaction.js';
import { textTurn, type CxTurn } from '../src/cx/turns.js';
import { auc, bootstrapCi, logistic, ridge, spearman, standardizer } from './lib/cx-fit.js';
import { mulberry32 } from './lib/random.js';

const DATA = join(packageRoot(), '..', 'shared', 'data', 'text', 'uss_satisfaction');
const CORPORA = [
  { id: 'MWOZ', name: 'MultiWOZ', service: true },
  { id: 'SGD', name: 'SGD', service: true },
  { id: 'ReDial', name: 'ReDial', service: false },
  { id: 'CCPE', name: 'CCPE', service: false },
] as const;
type CorpusId = (typeof CORPORA)[number]['id'];
const DIS_BELOW = 2.5;
const RIDGE_GRID = [0.01, 0.1, 0.3, 1, 3, 10];
const LOGIT_GRID = [0.001, 0.01, 0.03, 0.1, 0.3, 1];
const seedArg = process.argv.indexOf('--seed');
const SEED = seedArg > 0 ? Number(process.argv[seedArg + 1]) : 15;

interface Turn {
  role: 'customer' | 'agent';
  text: string;
  ratings?: number[];
}
interface Dialogue {
  corpus: CorpusId;
  id: number;
  turns: Turn[];
  overall?: number;
}

function parseCorpus(id: CorpusId): Dialogue[] {
  const raw = readFileSync(join(DATA, `${id}.txt`), 'utf8');
  const out: Dialogue[] = [];
  for (const block of raw.split(/\r?\n\s*\r?\n/)) {
    const turns: Turn[] = [];
    let overall: number | undefined;
    for (const line of block.split(/\r?\n/)) {
      if (!line.trim()) continue;
      const p = line.split('\t');
      const role = p[0] === 'USER' ? 'customer' : p[0] === 'SYSTEM' ? 'agent' : undefined;
      if (!role) continue;
      const ratings = (p[3] ?? '')
        .split(',')
        .map((x) => Number(x))
        .filter((x) => x >= 1 && x <= 5);
      if (p[1] === 'OVERALL') {
        if (ratings.length) overall = ratings.reduce((a, b) => a + b, 0) / ratings.length;
        continue;
      }
      turns.push({ role, text: p[1] ?? '', ...(role === 'customer' && ratings.length ? { ratings } : {}) });
    }
    if (turns.some((t) => t.ratings)) out.push({ corpus: id, id: out.length, turns, overall });
  }
  return out;
}

type Slim = Pick<TextMessageReading, 'valence' | 'arousal' | 'emotions' | 'confidence' | 'nuances' | 'sentiment' | 'flags' | 'labels'>;

async function readings(id: CorpusId, dialogues: Dialogue[]): Promise<Slim[][]> {
  const model = await loadTextModel();
  const dir = join(packageRoot(), '.cache', 'cx');
  const file = join(dir, `uss-${id}-${model.settings.name}-${model.settings.version}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Slim[][];
  const flat = dialogues.flatMap((d) => d.turns.map((t) => t.text));
  const r = await analyzeText(flat, { explain: false, backend: 'js' });
  const slim: Slim[] = r.messages.map((m) => ({ valence: m.valence, arousal: m.arousal, emotions: m.emotions, confidence: m.confidence, nuances: m.nuances, sentiment: m.sentiment, flags: m.flags, labels: m.labels }));
  const out: Slim[][] = [];
  let k = 0;
  for (const d of dialogues) out.push(d.turns.map(() => slim[k++]));
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(out));
  return out;
}

interface Row {
  corpus: CorpusId;
  dialogue: number;
  x: Record<SatisfactionHeadName, number[]>;
  y: number;
  escalation: number;
}
interface DialogueRow {
  corpus: CorpusId;
  dialogue: number;
  overall: number;
  rows: number[];
  escalation: number;
}

async function build(): Promise<{ rows: Row[]; dias: DialogueRow[]; textModel: { name: string; version: number } }> {
  const model = await loadTextModel();
  const rel = loadReliability();
  const rows: Row[] = [];
  const dias: DialogueRow[] = [];
  for (const c of CORPORA) {
    const ds = parseCorpus(c.id);
    const rs = await readings(c.id, ds);
    const t0 = Date.now();
    ds.forEach((d, di) => {
      const turns: CxTurn[] = d.turns.map((t, i) => textTurn(rs[di][i] as TextMessageReading, t.role, t.role, t.text));
      const ft = turnFeatures(turns, 'text');
      const fa = turnFeatures(turns, 'affect');
      // the escalation score of the dialogue so far (text only, one message every 4 s), at each rated user turn
      const msgs: TextMessageReading[] = d.turns.map((t, i) => ({ ...(rs[di][i] as TextMessageReading), index: i, time: 4 * i, speaker: t.role, cues: [] }));
      const first = rows.length;
      let lastEsc = 0;
      ft.forEach((f, k) => {
        const t = d.turns[f.index];
        const reading = textReading(model, msgs.slice(0, f.index + 1));
        const sig = fuseReadings({ text: reading }, rel, { speakers: ['customer', 'agent'] });
        lastEsc = sig.speakers.customer?.summary.escalation.score ?? 0;
        if (!t.ratings) return;
        rows.push({ corpus: c.id, dialogue: di, x: { text: f.x, affect: fa[k].x }, y: t.ratings.reduce((a, b) => a + b, 0) / t.ratings.length, escalation: lastEsc });
      });
      if (d.overall !== undefined && rows.length > first)
        dias.push({ corpus: c.id, dialogue: di, overall: d.overall, rows: rows.slice(first).map((_, i) => first + i), escalation: lastEsc });
    });
    console.error(`cx-satisfaction: ${c.id}: ${ds.length} dialogues, ${rows.filter((r) => r.corpus === c.id).length} rated user turns (${((Date.now() - t0) / 1000).toFixed(0)} s for features + escalation)`);
  }
  return { rows, dias, textModel: { name: model.settings.name, version: model.settings.version } };
}

function fitHead(rows: Row[], head: SatisfactionHeadName, lr: number, ll: number): SatisfactionHead {
  const X = rows.map((r) => r.x[head]);
  const { mean, std } = standardizer(X);
  const Z = X.map((x) => x.map((v, j) => (v - mean[j]) / std[j]));
  const names = head === 'text' ? TEXT_FEATURES : AFFECT_FEATURES;
  return {
    features: [...names],
    mean,
    std,
    rating: ridge(Z, rows.map((r) => r.y), lr),
    dissatisfied: logistic(Z, rows.map((r) => (r.y < DIS_BELOW ? 1 : 0)), ll),
  };
}

const predRating = (h: SatisfactionHead, x: number[]) => Math.max(1, Math.min(5, applyLinear(h, h.rating, x)));
const predDis = (h: SatisfactionHead, x: number[]) => sigmoid(applyLinear(h, h.dissatisfied, x));

/** λ for each head chosen by leave-one-corpus-out over `train`'s corpora (mean ρ for the rating, mean AUC for dissatisfied). */
function chooseLambdas(train: Row[], head: SatisfactionHeadName): { lr: number; ll: number; inner: string } {
  const cs = [...new Set(train.map((r) => r.corpus))];
  const scoreR = RIDGE_GRID.map((l) => {
    let s = 0;
    for (const c of cs) {
      const tr = train.filter((r) => r.corpus !== c);
      const X = tr.map((r) => r.x[head]);
      const { mean, std } = standardizer(X);
      const w = ridge(X.map((x) => x.map((v, j) => (v - mean[j]) / std[j])), tr.map((r) => r.y), l);
      const te = train.filter((r) => r.corpus === c);
      const h = { mean, std } as SatisfactionHead;
      s += spearman(te.map((r) => applyLinear(h, w, r.x[head])), te.map((r) => r.y)) / cs.length;
    }
    return s;
  });
  const lr = RIDGE_GRID[scoreR.indexOf(Math.max(...scoreR))];
  const scoreL = LOGIT_GRID.map((l) => {
    let s = 0;
    for (const c of cs) {
      const tr = train.filter((r) => r.corpus !== c);
      const X = tr.map((r) => r.x[head]);
      const { mean, std } = standardizer(X);
      const w = logistic(X.map((x) => x.map((v, j) => (v - mean[j]) / std[j])), tr.map((r) => (r.y < DIS_BELOW ? 1 : 0)), l);
      const te = train.filter((r) => r.corpus === c);
      const h = { mean, std } as SatisfactionHead;
      s += auc(te.map((r) => applyLinear(h, w, r.x[head])), te.map((r) => r.y < DIS_BELOW)) / cs.length;
    }
    return s;
  });
  const ll = LOGIT_GRID[scoreL.indexOf(Math.max(...scoreL))];
  return { lr, ll, inner: `inner LOCO over ${cs.join('+')}: ρ ${Math.max(...scoreR).toFixed(3)} (λ=${lr}), AUC ${Math.max(...scoreL).toFixed(3)} (λ=${ll})` };
}

function fitInteraction(dias: DialogueRow[], turnPred: Map<number, { r: number; p: number }>, lr: number, ll: number): SatisfactionHead {
  const X = dias.map((d) => interactionFeatures(d.rows.map((i) => turnPred.get(i)!.r), d.rows.map((i) => turnPred.get(i)!.p)));
  const { mean, std } = standardizer(X);
  const Z = X.map((x) => x.map((v, j) => (v - mean[j]) / std[j]));
  return {
    features: [...INTERACTION_FEATURES],
    mean,
    std,
    rating: ridge(Z, dias.map((d) => d.overall), lr),
    dissatisfied: logistic(Z, dias.map((d) => (d.overall < DIS_BELOW + 0.5 ? 1 : 0)), ll),
  };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

async function main(): Promise<void> {
  if (!existsSync(DATA)) {
    console.error(`cx-satisfaction: ${DATA} is missing (the USS corpus from ../shared/data)`);
    process.exit(2);
  }
  const rand = mulberry32(SEED);
  const { rows, dias, textModel } = await build();
  const results: Record<string, unknown>[] = [];
  const md: string[] = [];
  md.push(
    '| held-out corpus | user turns | dissatisfied turns | head | ρ per turn (95 % CI) | AUC dissatisfied < 2.5 (95 % CI) | AUC mean ≤ 2 | escalation AUC (< 2.5) | escalation AUC (≤ 2) | dialogues | ρ interaction vs overall | AUC interaction dissatisfied (overall < 3) | escalation AUC (overall < 3) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const c of CORPORA) {
    const train = rows.filter((r) => r.corpus !== c.id);
    const test = rows.filter((r) => r.corpus === c.id);
    const groups = new Map<number, number[]>();
    test.forEach((r, i) => {
      if (!groups.has(r.dialogue)) groups.set(r.dialogue, []);
      groups.get(r.dialogue)!.push(i);
    });
    const G = [...groups.values()];
    const yDis = test.map((r) => r.y < DIS_BELOW);
    const yDis2 = test.map((r) => r.y <= 2);
    const esc = test.map((r) => r.escalation);
    for (const head of ['text', 'affect'] as const) {
      const lam = chooseLambdas(train, head);
      const h = fitHead(train, head, lam.lr, lam.ll);
      const pr = test.map((r) => predRating(h, r.x[head]));
      const pd = test.map((r) => predDis(h, r.x[head]));
      const rho = spearman(pr, test.map((r) => r.y));
      const rhoCi = bootstrapCi(G, (ix) => spearman(ix.map((i) => pr[i]), ix.map((i) => test[i].y)), rand);
      const a = auc(pd, yDis);
      const aCi = bootstrapCi(G, (ix) => auc(ix.map((i) => pd[i]), ix.map((i) => yDis[i])), rand);
      const a2 = auc(pd, yDis2);
      const eA = auc(esc, yDis);
      const eA2 = auc(esc, yDis2);
      // interaction level: the turn model's predictions on the training corpora feed the interaction fit
      const trainPred = new Map<number, { r: number; p: number }>();
      const rowIndex = new Map<Row, number>(rows.map((r, i) => [r, i]));
      for (const r of train) trainPred.set(rowIndex.get(r)!, { r: predRating(h, r.x[head]), p: predDis(h, r.x[head]) });
      for (const r of test) trainPred.set(rowIndex.get(r)!, { r: predRating(h, r.x[head]), p: predDis(h, r.x[head]) });
      const dTrain = dias.filter((d) => d.corpus !== c.id);
      const dTest = dias.filter((d) => d.corpus === c.id);
      const hi = fitInteraction(dTrain, trainPred, 0.1, 0.01);
      const xi = dTest.map((d) => interactionFeatures(d.rows.map((i) => trainPred.get(i)!.r), d.rows.map((i) => trainPred.get(i)!.p)));
      const iRho = spearman(xi.map((x) => applyLinear(hi, hi.rating, x)), dTest.map((d) => d.overall));
      const iAuc = auc(xi.map((x) => applyLinear(hi, hi.dissatisfied, x)), dTest.map((d) => d.overall < 3));
      const iEsc = auc(dTest.map((d) => d.escalation), dTest.map((d) => d.overall < 3));
      results.push({
        heldOut: c.name,
        service: c.service,
        head,
        turns: test.length,
        dissatisfied: yDis.filter(Boolean).length,
        dissatisfiedStrict: yDis2.filter(Boolean).length,
        lambdas: lam,
        spearman: rho,
        spearmanCi: rhoCi,
        auc: a,
        aucCi: aCi,
        aucStrict: a2,
        escalationAuc: eA,
        escalationAucStrict: eA2,
        dialogues: dTest.length,
        interactionSpearman: iRho,
        interactionAuc: iAuc,
        interactionDissatisfied: dTest.filter((d) => d.overall < 3).length,
        escalationInteractionAuc: iEsc,
      });
      md.push(
        `| ${c.name}${c.service ? ' (service)' : ''} | ${test.length} | ${yDis.filter(Boolean).length} (≤ 2: ${yDis2.filter(Boolean).length}) | ${head} | ${f3(rho)} (${f3(rhoCi[0])}–${f3(rhoCi[1])}) | ${f3(a)} (${f3(aCi[0])}–${f3(aCi[1])}) | ${f3(a2)} | ${f3(eA)} | ${f3(eA2)} | ${dTest.length} (${dTest.filter((d) => d.overall < 3).length} < 3) | ${f3(iRho)} | ${f3(iAuc)} | ${f3(iEsc)} |`,
      );
      console.error(`cx-satisfaction: held out ${c.id} [${head}]: ρ ${f3(rho)}, AUC ${f3(a)} (≤2: ${f3(a2)}), escalation AUC ${f3(eA)}; interaction ρ ${f3(iRho)} AUC ${f3(iAuc)} — ${lam.inner}`);
    }
  }

  // the shipped model: all four corpora, λ by leave-one-corpus-out over them
  const heads = {} as SatisfactionModel['heads'];
  const allPred = new Map<number, { r: number; p: number }>();
  const lambdas: Record<string, unknown> = {};
  for (const head of ['text', 'affect'] as const) {
    const lam = chooseLambdas(rows, head);
    lambdas[head] = lam;
    heads[head] = fitHead(rows, head, lam.lr, lam.ll);
  }
  rows.forEach((r, i) => allPred.set(i, { r: predRating(heads.text, r.x.text), p: predDis(heads.text, r.x.text) }));
  const interaction = fitInteraction(dias, allPred, 0.1, 0.01);
  const r6 = (v: number) => Math.round(v * 1e6) / 1e6;
  const roundHead = (h: SatisfactionHead): SatisfactionHead => ({
    features: h.features,
    mean: h.mean.map(r6),
    std: h.std.map(r6),
    rating: { bias: r6(h.rating.bias), w: h.rating.w.map(r6) },
    dissatisfied: { bias: r6(h.dissatisfied.bias), w: h.dissatisfied.w.map(r6) },
  });
  const model: SatisfactionModel = {
    name: 'emosig-cx-satisfaction',
    version: 1,
    dissatisfiedBelow: DIS_BELOW,
    textModel,
    heads: { text: roundHead(heads.text), affect: roundHead(heads.affect) },
    interaction: roundHead(interaction),
    trainedOn: CORPORA.map((c) => `${c.name} (${rows.filter((r) => r.corpus === c.id).length} user turns)`),
  };
  const dir = modelPath('cx');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'satisfaction.json'), JSON.stringify(model, null, 1) + '\n');
  const table = md.join('\n');
  mkdirSync(join(packageRoot(), 'bench', 'results'), { recursive: true });
  writeFileSync(join(packageRoot(), 'bench', 'results', 'cx-satisfaction.json'), JSON.stringify({ seed: SEED, textModel, lambdas, results }, null, 1) + '\n');
  writeFileSync(
    join(packageRoot(), 'bench', 'results', 'cx-satisfaction.md'),
    `# Satisfaction estimate, leave-one-corpus-out (scripts/cx-satisfaction.ts, seed ${SEED})\n\nText model ${textModel.name} v${textModel.version}. ` +
      `"dissatisfied" = mean rating < 2.5 (rounds to 1–2); "≤ 2" = mean rating ≤ 2. Intervals: percentile bootstrap over dialogues (200 resamples).\n` +
      `Escalation = the customer's escalation score of the existing fusion on the text-only dialogue so far.\n\n${table}\n`,
  );
  writeFileSync(join(dir, 'MODEL_CARD.md'), modelCard(table, textModel, lambdas));
  console.error(`cx-satisfaction: wrote ${join(dir, 'satisfaction.json')}, MODEL_CARD.md and bench/results/cx-satisfaction.{json,md}`);
}

function modelCard(table: string, textModel: { name: string; version: number }, lambdas: Record<string, unknown>): string {
  return `# emosig CX satisfaction estimate (models/cx/satisfaction.json)

Predicted customer satisfaction (1–5) per customer turn and per interaction, and the probability the customer is
dissatisfied. Read by src/cx/satisfaction.ts (plain JSON weights, evaluated in TypeScript; no runtime dependency).

- **Trained by** \`nice -n 10 npx tsx scripts/cx-satisfaction.ts --seed ${SEED}\` (closed-form ridge regression on the mean
  rating and class-balanced L2 logistic regression for "dissatisfied", on standardised features; deterministic — the
  seed drives the bootstrap intervals only).
- **Data**: User Satisfaction Simulation (Sun et al., SIGIR 2021), \`../shared/data/text/uss_satisfaction\`: MultiWOZ
  (1,000 dialogues), SGD (1,000), ReDial (1,000), CCPE (500); every user turn rated 1–5 by 3–7 raters (target = their
  mean); dialogue-level "OVERALL" ratings for the interaction head. JDDC (Chinese) is not used.
- **Licence of the data**: research use; **no licence is stated by the USS authors**. The weights are derived from it:
  treat them as research-use only until the authors state a licence.
- **Features** (src/cx/satisfaction.ts): two heads.
  *text* — the text model's public reading of the turn (${textModel.name} v${textModel.version}: valence, arousal,
  core emotions, 14 GoEmotions nuances, sentiment, confidence) + lexical cues (length, ? and !, a refusal or
  correction at the start, negations, thanks, goodbye, repeat of an earlier customer turn) + the agent's turn before
  it (apology, failure, empathy phrases, question, length, repeat) + the dialogue so far (turn index, previous /
  mean / minimum valence, corrections so far). *affect* — only what any modality gives (valence, arousal, stress,
  core emotions, the dialogue so far), used for voice-only turns.
- **Split**: leave-one-corpus-out (by corpus, hence by dialogue and speaker). λ is chosen by an inner
  leave-one-corpus-out over the training corpora only; the held-out corpus is never used for any choice.
- **Labels**: "dissatisfied" = mean rating < 2.5 (rounds to 1 or 2; the USS 3-class convention). The strict "mean ≤ 2"
  is reported too. The interaction head is evaluated against the dialogue's OVERALL rating (dissatisfied = < 3).
- **λ of the shipped model**: ${JSON.stringify(lambdas)}
- **Retrain when the text model changes** (its readings are the features): the JSON records the text model it was
  trained with, and emosig reports a CX_MODEL_MISMATCH problem when they differ.

## Leave-one-corpus-out results

${table}

Escalation = the customer's escalation score of the existing (rule-based) fusion on the text-only dialogue so far,
checked against the same labels. "service" = task-oriented booking dialogues (MultiWOZ, SGD); ReDial and CCPE are
movie recommendation / preference elicitation chats.

## Limits
USS dialogues are typed, mostly polite, and most turns are rated 3: the model learns what makes raters dissatisfied
in task-oriented chats (corrections, refusals, failed bookings, repeats), not anger in a call centre. On voice-only
turns the affect head is used; it was trained on text readings, not on voice, so its scale on voice is unvalidated.
`;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
