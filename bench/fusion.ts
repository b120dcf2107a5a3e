/**
 * Fusion benchmark (npm run bench:fusion): pseudo-multimodal triples from the shared dev data.
 *
 * - Triples (voice clip, face image, chat message) with the same label, drawn from different corpora, from the
 *   'bench' splits only (voice: speakers of folds 3–4, out-of-fold; face: FER2013 PrivateTest odd rows; text:
 *   GoEmotions test) — none of them was used to fit the reliabilities (scripts/fusion-fit.ts uses 'fit').
 * - Fused UAR vs each single modality (target: fused ≥ best single + 10 points), pairs, and two untrained
 *   fusion baselines (mean of probabilities; log-linear pooling with all α = 1), with hierarchical-bootstrap
 *   95 % intervals (speakers / images / comments, then items within them).
 * - Incongruence detection: the same triples with one modality's item swapped for another label; ROC-AUC.
 * - End-to-end time of `analyze` on the demo interaction (cold = first call incl. model loading, warm = later).
 * Writes bench/results/fusion.json and bench/results/fusion.md.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { CORE_LABELS } from '../src/signature/labels.js';
import { calibrate, loadReliability, pool, type ReliabilityFile } from '../src/fusion/reliability.js';
import { analyze, createAnalyzer } from '../src/fusion/analyze.js';
import { packageRoot, modelPath } from '../src/runtime/paths.js';
import type { Modality } from '../src/signature/schema.js';
import { faceDev, modelTag, textDev, voiceDev, rng, type DevSet } from '../scripts/lib/fusion-data.js';
import { argmax, evidenceOf, hierarchicalWeights, incongruenceScore, makeTriples, MODS, pct, recallPerLabel, rocAuc, swapTriples, uar, weightedAuc, weightedUar, type Triple } from '../scripts/lib/fusion-triples.js';

const PER_LABEL = 300;
const BOOT = 300;
const ROOT = packageRoot();
const RESULTS = join(ROOT, 'bench', 'results');

type Predictor = (t: Triple) => number;

async function main(): Promise<void> {
  const t0 = performance.now();
  const rel = loadReliability();
  const sets: Record<Modality, DevSet> = { text: await textDev(), face: await faceDev(), voice: await voiceDev() };
  const triples = makeTriples(sets, 'bench', PER_LABEL, 303);
  const truth = triples.map((t) => t.y);

  const flat: ReliabilityFile = { ...rel, modalities: Object.fromEntries(MODS.map((m) => [m, { ...rel.modalities[m], alpha: new Array(7).fill(1) }])) as ReliabilityFile['modalities'] };
  const predictors: Record<string, Predictor> = {
    'voice alone': (t) => argmax(calibrate(t.items.voice.p, rel.modalities.voice.temperature)),
    'face alone': (t) => argmax(calibrate(t.items.face.p, rel.modalities.face.temperature)),
    'text alone': (t) => argmax(calibrate(t.items.text.p, rel.modalities.text.temperature)),
    'voice + face': (t) => argmax(pool(evidenceOf(t, rel, ['voice', 'face']), rel)!.p),
    'voice + text': (t) => argmax(pool(evidenceOf(t, rel, ['voice', 'text']), rel)!.p),
    'face + text': (t) => argmax(pool(evidenceOf(t, rel, ['face', 'text']), rel)!.p),
    'baseline: mean of probabilities': (t) => argmax(CORE_LABELS.map((_, k) => MODS.reduce((s, m) => s + t.items[m].p[k], 0))),
    'baseline: log-linear, α = 1 (untrained)': (t) => argmax(pool(evidenceOf(t, flat), flat)!.p),
    'fused (voice + face + text)': (t) => argmax(pool(evidenceOf(t, rel), rel)!.p),
  };
  const uars: Record<string, { uar: number; ci95: [number, number]; recall: number[] }> = {};
  // incongruent copies of the triples, built here so one set of hierarchical weights serves both measures
  const swapped = swapTriples(sets, triples, 'bench', 404);
  const weights = hierarchicalWeights([triples, swapped], BOOT, 1);
  for (const [name, f] of Object.entries(predictors)) {
    const pred = triples.map(f);
    const boot = Array.from({ length: BOOT }, (_, b) => weightedUar(truth, pred, weights(b)[0]));
    uars[name] = { uar: uar(truth, pred), ci95: pct(boot), recall: recallPerLabel(truth, pred) };
    console.error(`bench:fusion: ${name.padEnd(42)} UAR ${uars[name].uar.toFixed(3)}`);
  }
  // calibration of the probabilities themselves (NLL, expected calibration error over 10 bins of the top probability)
  const dists: Record<string, (t: Triple) => number[]> = {
    'voice alone (calibrated)': (t) => calibrate(t.items.voice.p, rel.modalities.voice.temperature),
    'face alone (calibrated)': (t) => calibrate(t.items.face.p, rel.modalities.face.temperature),
    'text alone (calibrated)': (t) => calibrate(t.items.text.p, rel.modalities.text.temperature),
    'fused': (t) => pool(evidenceOf(t, rel), rel)!.p,
  };
  const calibration = Object.fromEntries(
    Object.entries(dists).map(([name, f]) => {
      const ps = triples.map(f);
      const nll = ps.reduce((a, p, i) => a - Math.log(Math.max(p[triples[i].y], 1e-6)), 0) / ps.length;
      const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, acc: 0 }));
      ps.forEach((p, i) => {
        const k = argmax(p);
        const b = bins[Math.min(9, Math.floor(p[k] * 10))];
        b.n++;
        b.conf += p[k];
        b.acc += k === triples[i].y ? 1 : 0;
      });
      const ece = bins.reduce((a, b) => a + (b.n ? (b.n / ps.length) * Math.abs(b.acc / b.n - b.conf / b.n) : 0), 0);
      return [name, { nll: Math.round(nll * 1000) / 1000, ece: Math.round(ece * 1000) / 1000 }];
    }),
  );
  const bestSingle = Math.max(uars['voice alone'].uar, uars['face alone'].uar, uars['text alone'].uar);
  const fused = uars['fused (voice + face + text)'].uar;

  // incongruence
  const neg = triples.map((t) => incongruenceScore(t, rel));
  const pos = swapped.map((t) => incongruenceScore(t, rel));
  const auc = rocAuc(pos, neg);
  const perSwapped = Object.fromEntries(
    MODS.map((m) => {
      const idx = swapped.map((t, i) => (t.swapped === m ? i : -1)).filter((i) => i >= 0);
      return [m, rocAuc(idx.map((i) => pos[i]), idx.map((i) => neg[i]))];
    }),
  );
  const th = rel.incongruence.threshold;
  const atThreshold = { threshold: th, tpr: pos.filter((s) => s >= th).length / pos.length, fpr: neg.filter((s) => s >= th).length / neg.length };
  console.error(`bench:fusion: incongruence ROC-AUC ${auc.toFixed(3)} (${JSON.stringify(perSwapped)})`);

  // end-to-end analyze on the demo
  const haveVoice = existsSync(modelPath('voice', 'voice.json'));
  const demo = { audio: join(ROOT, 'fixtures', 'call_stereo.wav'), frames: join(ROOT, 'fixtures', 'demo', 'frames'), chat: { path: join(ROOT, 'fixtures', 'demo', 'chat.json') }, speakers: ['customer', 'agent'] };
  let c0 = performance.now();
  const first = await analyze(demo);
  const cold = performance.now() - c0;
  const analyzer = await createAnalyzer({ speakers: ['customer', 'agent'] });
  const warm: number[] = [];
  for (let i = 0; i < 3; i++) {
    c0 = performance.now();
    await analyzer.analyze(demo);
    warm.push(performance.now() - c0);
  }
  warm.sort((a, b) => a - b);
  const present = MODS.filter((m) => first.interaction.modalities[m].present);
  const e2e = {
    input: 'fixtures/call_stereo.wav (28 s stereo) + fixtures/demo/frames (13 frames) + fixtures/demo/chat.json (8 messages)',
    modalitiesPresent: present,
    voiceModelPresent: haveVoice,
    durationSec: first.interaction.durationSec,
    coldMs: Math.round(cold),
    warmMedianMs: Math.round(warm[1]),
    realTimeFactorWarm: Math.round((warm[1] / 1000 / first.interaction.durationSec) * 1000) / 1000,
    problems: first.interaction.problems.map((p) => `${p.code}: ${p.message}`),
  };
  console.error(`bench:fusion: analyze on the demo: cold ${e2e.coldMs} ms, warm ${e2e.warmMedianMs} ms (${present.join('+')})`);

  const counts = Object.fromEntries(MODS.map((m) => [m, sets[m].items.filter((i) => i.split === 'bench').length]));
  const summary = {
    date: new Date().toISOString(),
    machine: `${cpus().length} vCPU (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, shared with other jobs`,
    reliability: rel.version,
    models: Object.fromEntries(MODS.map((m) => [m, modelTag(m)])),
    ciMethod: 'hierarchical bootstrap: groups (voice speakers, face images, text comments), then items within groups',
    triples: { perLabel: PER_LABEL, total: triples.length, split: 'bench', benchItems: counts, sources: Object.fromEntries(MODS.map((m) => [m, sets[m].source])) },
    uar: uars,
    calibration,
    bestSingle,
    fused,
    gainPoints: Math.round((fused - bestSingle) * 1000) / 10,
    targetMet: fused >= bestSingle + 0.1,
    incongruence: { rocAuc: auc, ci95: pct(Array.from({ length: BOOT }, (_, b) => weightedAuc(pos, weights(b)[1], neg, weights(b)[0]))), bySwappedModality: perSwapped, atThreshold, score: rel.incongruence.score },
    endToEnd: e2e,
    benchSeconds: Math.round((performance.now() - t0) / 1000),
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'fusion.json'), JSON.stringify(summary, null, 2) + '\n');
  const f3 = (x: number) => x.toFixed(3);
  const md = `# Fusion bench

${summary.date.slice(0, 10)} · ${summary.machine} · reliabilities v${rel.version} · \`npm run bench:fusion\`

Pseudo-multimodal triples (voice clip, face image, chat message with the same label, from different corpora):
${PER_LABEL} per core label (${triples.length} in all), drawn only from the **bench** splits — voice: ${sets.voice.source};
face: ${sets.face.source}; text: ${sets.text.source}. The reliabilities were fitted on the disjoint 'fit' splits.
Intervals: hierarchical bootstrap (${BOOT} replicates): per modality, speakers (voice), images (face) and comments
(text) resampled with replacement, then the items within each, a triple weighted by how often its items were drawn.
Models: ${MODS.map((m) => `${m} ${modelTag(m)}`).join(', ')}.

## Emotion recognition (7 core labels, UAR with hierarchical-bootstrap 95 % interval)

| predictor | UAR | 95 % CI | recall ${CORE_LABELS.join(' / ')} |
|---|---|---|---|
${Object.entries(uars)
  .map(([k, v]) => `| ${k} | ${f3(v.uar)} | ${f3(v.ci95[0])}–${f3(v.ci95[1])} | ${v.recall.map((r) => r.toFixed(2)).join(' / ')} |`)
  .join('\n')}

Fused ${f3(fused)} vs best single modality ${f3(bestSingle)}: **${summary.gainPoints >= 0 ? '+' : ''}${summary.gainPoints} points** (target +10: ${summary.targetMet ? 'met' : 'not met'}).

Calibration (NLL / expected calibration error, 10 bins): ${Object.entries(calibration)
  .map(([k, v]) => `${k} ${v.nll.toFixed(3)} / ${v.ece.toFixed(3)}`)
  .join('; ')}.

## Incongruence detection

The same triples with one modality's item replaced by an item of another label (positives) vs the originals
(negatives); score: ${rel.incongruence.score}.

- ROC-AUC **${f3(auc)}** (95 % CI ${f3(summary.incongruence.ci95[0])}–${f3(summary.incongruence.ci95[1])})
- by swapped modality: ${MODS.map((m) => `${m} ${f3(perSwapped[m])}`).join(', ')}
- at the shipped threshold ${th}: TPR ${atThreshold.tpr.toFixed(2)}, FPR ${atThreshold.fpr.toFixed(2)}

## End-to-end \`analyze\` on the demo interaction

${e2e.input}; modalities used: ${present.join(', ') || 'none'}${haveVoice ? '' : ' (the voice model was not installed when this ran)'}.

| | time |
|---|---|
| first call (loads the models) | ${e2e.coldMs} ms |
| later calls, \`createAnalyzer\` (median of 3) | ${e2e.warmMedianMs} ms (${e2e.realTimeFactorWarm} × real time) |

## Caveats
Real modalities of one person are correlated; these triples are independent by construction, so the fused gain is
an upper bound of what a real call gets. The voice items are out-of-fold predictions of the voice recipe retrained
without the held-out speakers (the shipped voice model saw all speakers).
`;
  writeFileSync(join(RESULTS, 'fusion.md'), md);
  console.log(md);
}

await main();
