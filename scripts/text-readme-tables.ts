/**
 * Copy the text tables the scripts produced into README.md and models/text/MODEL_CARD.md, so the figures there are
 * the scripts' own output:
 *   - the leave-one-domain-out table (first table of bench/results/text-lodo.md, `npx tsx scripts/text-lodo.ts`);
 *   - the side-by-side table with VADER (bench/results/text.md, `npm run bench:text`);
 *   - the sixth session's candidate table, from the noise-aware verdicts in bench/results/text-lodo-sentence-rule.json
 *     and text-lodo-no-long-cue.json (`scripts/text-lodo.ts --baseline …`).
 *
 *   npx tsx scripts/text-readme-tables.ts
 *
 * Each table is found in the target file by its header line and replaced with the current one (rows only).
 */
import { readFileSync, writeFileSync } from 'node:fs';

const tableAfter = (src: string, header: string): string[] => {
  const lines = src.split('\n');
  const i = lines.findIndex((l) => l.startsWith(header));
  if (i < 0) throw new Error(`table "${header}" not found`);
  let j = i;
  while (j < lines.length && lines[j].startsWith('|')) j++;
  return lines.slice(i, j);
};
const replaceTable = (doc: string, header: string, table: string[], file: string): string => {
  const lines = doc.split('\n');
  let n = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith(header)) continue;
    let j = i;
    while (j < lines.length && lines[j].startsWith('|')) j++;
    lines.splice(i, j - i, ...table);
    i += table.length;
    n++;
  }
  if (!n) throw new Error(`${file}: no table "${header}"`);
  return lines.join('\n');
};

const LODO_HEADER = '| held-out domain | test set | classes | n | epoch |';
const SIDE_HEADER = '| set | domain | classes | n | emosig';
const lodo = tableAfter(readFileSync('bench/results/text-lodo.md', 'utf8'), LODO_HEADER);
const side = tableAfter(readFileSync('bench/results/text.md', 'utf8'), SIDE_HEADER);
interface Verdict {
  rows: { set: string; base: Record<'accuracy' | 'macroF1', number>; cand: Record<'accuracy' | 'macroF1', number>; vader: Record<'accuracy' | 'macroF1', number> }[];
  meanF1: { base: number; cand: number };
  accuracy: { in: number; out: number };
  macroF1: { in: number; out: number };
  ship: boolean;
}
interface NoiseJson { noiseAwareVerdict: Verdict & { sentenceRules: Record<'gated40' | 'ungated', { verdict: Verdict }>; selectionMacroF1: Record<string, Record<'plain' | 'gated40' | 'ungated', number>> } }
const sr = JSON.parse(readFileSync('bench/results/text-lodo-sentence-rule.json', 'utf8')) as NoiseJson;
const nl = JSON.parse(readFileSync('bench/results/text-lodo-no-long-cue.json', 'utf8')) as NoiseJson;
const pts = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
const selMean = (j: NoiseJson, k: 'plain' | 'gated40' | 'ungated'): string => {
  const v = Object.values(j.noiseAwareVerdict.selectionMacroF1);
  return (v.reduce((acc, r) => acc + r[k], 0) / v.length).toFixed(4);
};
const cands: [string, Verdict, string][] = [
  ['4: no `#long` cue', nl.noiseAwareVerdict, selMean(nl, 'plain')],
  ['5: sentence rule, ≥ 40 words', sr.noiseAwareVerdict.sentenceRules.gated40.verdict, selMean(sr, 'gated40')],
  ['6: sentence rule, every message of ≥ 2 sentences', sr.noiseAwareVerdict.sentenceRules.ungated.verdict, selMean(sr, 'ungated')],
  ['7: 4 + 5', nl.noiseAwareVerdict.sentenceRules.gated40.verdict, selMean(nl, 'gated40')],
];
const CAND_HEADER = '| held-out test set (points over VADER, acc / F1) |';
const base = cands[1][1];
const cand = [
  `${CAND_HEADER} shipped v2 (argmax) | ${cands.map((c) => c[0]).join(' | ')} |`,
  `|---|---|${cands.map(() => '---|').join('')}`,
  ...base.rows.map((b, i) => `| ${b.set} | ${pts(b.base.accuracy - b.vader.accuracy)} / ${pts(b.base.macroF1 - b.vader.macroF1)} | ${cands.map(([, v]) => { const r = v.rows[i]; return `${pts(r.cand.accuracy - r.vader.accuracy)} / ${pts(r.cand.macroF1 - r.vader.macroF1)}`; }).join(' | ')} |`),
  `| mean macro-F1 over the 9 rows | ${base.meanF1.base.toFixed(3)} | ${cands.map(([, v]) => v.meanF1.cand.toFixed(3)).join(' | ')} |`,
  `| significant entries / exits at VADER + 10, accuracy; macro-F1 | – | ${cands.map(([, v]) => `${v.accuracy.in} / ${v.accuracy.out}; ${v.macroF1.in} / ${v.macroF1.out}`).join(' | ')} |`,
  `| mean selection-set macro-F1 (training splits; the tie-break) | ${selMean(sr, 'plain')} | ${cands.map((c) => c[2]).join(' | ')} |`,
  `| verdict (noise-aware rule) | – | ${cands.map(([, v]) => (v.ship ? 'pass' : 'reject')).join(' | ')} |`,
];
for (const file of ['README.md', 'models/text/MODEL_CARD.md']) {
  let doc = readFileSync(file, 'utf8');
  doc = replaceTable(doc, CAND_HEADER, cand, file);
  doc = replaceTable(doc, LODO_HEADER, lodo, file);
  doc = replaceTable(doc, SIDE_HEADER, side, file);
  writeFileSync(file, doc);
  process.stderr.write(`${file}: LODO (${lodo.length - 2} rows) and side-by-side (${side.length - 2} rows) tables written\n`);
}
