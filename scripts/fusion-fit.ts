/**
 * Fit the fusion reliabilities and write models/fusion/reliability.json + models/fusion/MODEL_CARD.md.
 *
 *   npm run fit:fusion      # needs ../shared/data (and .cache/voice-features-v2.json from scripts/voice-features.ts)
 *
 * 1. Per-item predictions of each modality on held-out dev data (scripts/lib/fusion-data.ts, cached in .cache/).
 * 2. Per modality: temperature T_m minimising the NLL on its own 'fit' items.
 * 3. Per modality and label: α_{m,l} of the log-linear pool, fitted on balanced pseudo-multimodal 'fit' triples.
 * 4. Incongruence threshold: the most sensitive one whose false-alarm rate stays ≤ 30 % on 'fit' triples (vs the same
 *    triples with one modality's label swapped). Incongruence is a prompt for a person to look, so sensitivity is
 *    preferred to Youden's balance, which put the threshold above a clear smile over an angry voice.
 * The 'bench' items are never used here (bench/fusion.ts measures on them).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_LABELS } from '../src/signature/labels.js';
import { bhattacharyya, calibrate, type ReliabilityFile } from '../src/fusion/reliability.js';
import { modelPath } from '../src/runtime/paths.js';
import type { Modality } from '../src/signature/schema.js';
import { faceDev, modelTag, textDev, voiceDev, type DevSet } from './lib/fusion-data.js';
import { argmax, evidenceOf, fitAlpha, fusedPred, type Triple, fitTemperature, incongruenceScore, makeTriples, MODS, nll, recallPerLabel, rocAuc, swapTriples, uar, fprThreshold } from './lib/fusion-triples.js';

/** Largest false-alarm rate of the incongruence flag on the fit triples (fixed before fitting). */
const MAX_FALSE_ALARMS = 0.3;

export const FIT_TRIPLES_PER_LABEL = 400;

async function main(): Promise<void> {
  const sets: Record<Modality, DevSet> = { text: await textDev(), face: await faceDev(), voice: await voiceDev() };
  const temps = {} as Record<Modality, number>;
  const modInfo = {} as ReliabilityFile['modalities'];
  for (const m of MODS) {
    const fit = sets[m].items.filter((i) => i.split === 'fit');
    temps[m] = fitTemperature(fit);
    const pred = fit.map((i) => argmax(calibrate(i.p, temps[m])));
    const truth = fit.map((i) => i.y);
    modInfo[m] = {
      temperature: temps[m],
      alpha: [],
      dev: `${sets[m].source}; ${fit.length} fit items`,
      devUar: Math.round(uar(truth, pred) * 1000) / 1000,
      recall: recallPerLabel(truth, pred),
    };
    console.error(`fusion-fit: ${m}: T=${temps[m]} (NLL ${nll(fit, 1).toFixed(3)} → ${nll(fit, temps[m]).toFixed(3)}), dev UAR ${modInfo[m].devUar}`);
  }
  const triples = makeTriples(sets, 'fit', FIT_TRIPLES_PER_LABEL, 101);
  const alpha = fitAlpha(triples, temps);
  for (const m of MODS) modInfo[m].alpha = alpha[m];
  const rel: ReliabilityFile = {
    // 1.1.0: refitted on voice 2.1.0, text v2 and the ONNX face pooling; 1.2.0: on voice 2.2.0 (corpus-balanced) and
    // the three-member face pooling; 1.3.0: on voice 2.3.0, text 2.1 and the own CNN v2 face gate (the modality
    // models are named in fittedOn)
    version: '1.3.0',
    method: 'temperature-calibrated, confidence- and reliability-weighted log-linear pooling',
    labels: [...CORE_LABELS],
    modalities: modInfo,
    incongruence: { score: 'odd one out: max over modalities of 1 − Σ_l p̃_m(l)·q_−m(l), q_−m = pooled reading of the other modalities (confidences not used)', threshold: 0, devAuc: 0 },
    fittedOn: `${FIT_TRIPLES_PER_LABEL} pseudo-multimodal triples per label from the 'fit' splits (voice speakers of folds 0–2, FER2013 PrivateTest even rows, GoEmotions dev); modality models ${MODS.map((m) => `${m} ${modelTag(m)}`).join(', ')}`,
    createdAt: new Date().toISOString().slice(0, 10),
  };
  const fusedUar = uar(
    triples.map((t) => t.y),
    triples.map((t) => fusedPred(t, rel)),
  );
  const swapped = swapTriples(sets, triples, 'fit', 202);
  const pos = swapped.map((t) => incongruenceScore(t, rel));
  const neg = triples.map((t) => incongruenceScore(t, rel));
  const auc = rocAuc(pos, neg);
  // the score was chosen among these variants by their AUC on the fit triples
  const dot = (p: number[], q: number[]) => p.reduce((a, x, i) => a + x * q[i], 0);
  const pairwise = (f: (p: number[], q: number[]) => number) => (t: Triple) => {
    const ev = evidenceOf(t, rel);
    let s = 0;
    for (let i = 0; i < ev.length; i++) for (let j = i + 1; j < ev.length; j++) s = Math.max(s, 1 - f(ev[i].p, ev[j].p));
    return s;
  };
  const variants: Record<string, (t: Triple) => number> = {
    'pairwise 1 − Bhattacharyya': pairwise(bhattacharyya),
    'pairwise 1 − Σ p·q': pairwise(dot),
    'odd one out 1 − Σ p̃_m·q_−m (used)': (t) => incongruenceScore(t, rel),
  };
  const variantAuc = Object.fromEntries(Object.entries(variants).map(([k, f]) => [k, Math.round(rocAuc(swapped.map(f), triples.map(f)) * 1000) / 1000]));
  console.error(`fusion-fit: incongruence variants (fit AUC): ${JSON.stringify(variantAuc)}`);
  const th = fprThreshold(pos, neg, MAX_FALSE_ALARMS);
  rel.incongruence.threshold = th.threshold;
  rel.incongruence.devAuc = Math.round(auc * 1000) / 1000;
  console.error(`fusion-fit: fused dev UAR ${fusedUar.toFixed(3)}; incongruence dev AUC ${auc.toFixed(3)}, threshold ${th.threshold} (TPR ${th.tpr.toFixed(2)}, FPR ${th.fpr.toFixed(2)})`);
  mkdirSync(modelPath('fusion'), { recursive: true });
  writeFileSync(modelPath('fusion', 'reliability.json'), JSON.stringify(rel, null, 1) + '\n');
  writeFileSync(join(modelPath('fusion'), 'MODEL_CARD.md'), card(rel, fusedUar, th, variantAuc));
  console.error(`fusion-fit: wrote ${modelPath('fusion', 'reliability.json')}`);
}

function card(rel: ReliabilityFile, fusedUar: number, th: { tpr: number; fpr: number }, variantAuc: Record<string, number>): string {
  const f3 = (x: number) => x.toFixed(3);
  const rows = MODS.map((m) => `| ${m} | ${rel.modalities[m].temperature} | ${f3(rel.modalities[m].devUar)} | ${rel.modalities[m].alpha.map((a) => a.toFixed(2)).join(' / ')} | ${rel.modalities[m].recall.map((a) => a.toFixed(2)).join(' / ')} |`);
  return `# Fusion reliabilities (models/fusion/reliability.json)

Version ${rel.version}, fitted ${rel.createdAt} by \`scripts/fusion-fit.ts\` (re-run it to reproduce; it reads
\`../shared/data\` and caches per-item predictions in \`.cache/fusion-dev-*.json\`). Nothing in this file is
hand-set: every number below comes out of that script.

## Method
${rel.method}: log p(l) = Σ_m c_m · α_{m,l} · log p̃_m(l) + const, with p̃_m = p_m^(1/T_m) renormalised and c_m the
modality's own confidence (voice: certainty × signal quality; face: top probability × face quality; text: length,
vocabulary and language factors × certainty). A missing modality drops out of the sum.

## Data (held out from the model that produced each prediction)
- **voice** — ${rel.modalities.voice.dev}. The voice model ships trained on all speakers, so its dev figures
  come from the same recipe retrained per fold (speaker-independent out-of-fold predictions).
- **face** — ${rel.modalities.face.dev}.
- **text** — ${rel.modalities.text.dev}.

The 'bench' halves (voice speakers of folds 3–4, FER2013 PrivateTest odd rows, GoEmotions test) are never used
here; \`bench/fusion.ts\` reports on them.

## Fitted values
Labels in order ${CORE_LABELS.join(' / ')}.

| modality | T | dev UAR alone (calibrated) | α per label | dev recall per label |
|---|---|---|---|---|
${rows.join('\n')}

α is fitted by projected gradient descent (Adam, 3000 steps, L2 1e-3 towards 1, α ≥ 0) on the mean NLL of the fused
distribution over ${rel.fittedOn}. Fused UAR on those fit triples: ${f3(fusedUar)} (in-sample; see the bench for held-out figures).

**Incongruence**: ${rel.incongruence.score}. Threshold ${rel.incongruence.threshold}: the highest true-positive rate with at most
${MAX_FALSE_ALARMS * 100} % false alarms on the fit triples against the same triples with one modality replaced by an item of another label
(a flag for a person to look at, so sensitivity is preferred to Youden's balance) (dev ROC-AUC ${f3(rel.incongruence.devAuc)},
TPR ${th.tpr.toFixed(2)}, FPR ${th.fpr.toFixed(2)}). The score was chosen among these by ROC-AUC on the fit triples:
${Object.entries(variantAuc).map(([k, v]) => `- ${k}: ${f3(v)}`).join('\n')}

## Limits
The triples pair acted speech (RAVDESS, EmoDB), web face crops (FER2013) and Reddit comments (GoEmotions): real
modalities of one person are correlated, these are independent, so fused gains here are an upper bound of what a
real call gets. Text and face dev predictions come from the models as committed when this was fitted; refit after
retraining a modality. Licences: RAVDESS CC BY-NC-SA 4.0, EmoDB and FER2013 research use, GoEmotions Apache-2.0 —
only derived numbers are stored here.
`;
}

await main();
