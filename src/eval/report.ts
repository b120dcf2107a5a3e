/**
 * Outputs of an evaluation: eval.json, eval.md, one self-contained eval.html (confusion matrix and reliability
 * diagram as inline SVG) and predictions.csv (one row per item: what an independent script needs to recompute UAR).
 */
import { join } from 'node:path';
import { CORE_LABELS } from '../signature/labels.js';
import { writeAtomic } from '../batch/output.js';
import type { EvalReport, EvalRun } from './evaluate.js';
import type { Interval } from './metrics.js';

const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const ci = (i: Interval): string => `${f3(i.low)}–${f3(i.high)}`;

function ciText(r: EvalReport): string {
  const c = r.ci;
  const what = c.scheme === 'hierarchical' ? `${c.groups} ${r.groupColumn ?? 'group'}${c.groups === 1 ? '' : 's'}, then items within each` : `${c.groups} items (no ${r.groupColumn ?? 'speaker/subject/conversation'} column to group by)`;
  return `${Math.round(c.level * 100)} % CI: percentile bootstrap over ${what}; ${c.iterations} resamples, seed ${c.seed}.`;
}

function failureLine(r: EvalReport): string {
  const codes = Object.entries(r.failures.byCode).map(([k, v]) => `${k} × ${v}`);
  return codes.length ? codes.join(', ') : 'none';
}

/** The accuracy table as Markdown. */
export function evalMarkdown(r: EvalReport): string {
  const m = r.metrics;
  const l: string[] = [];
  l.push(`# emosig eval: ${r.modality} on ${r.manifest}`, '');
  l.push(`emosig ${r.emosig}; model ${r.models.join(', ') || 'n/a'}; ${r.date}.`, '');
  l.push('| metric | value | ' + `${Math.round(r.ci.level * 100)} % CI |`, '|---|---:|---:|');
  l.push(`| UAR | ${f3(m.uar)} | ${ci(r.ci.uar)} |`, `| macro-F1 | ${f3(m.macroF1)} | ${ci(r.ci.macroF1)} |`, `| accuracy | ${f3(m.accuracy)} | ${ci(r.ci.accuracy)} |`);
  l.push(`| ECE (${r.calibration.bins.length} bins) | ${f3(r.calibration.ece)} | |`);
  if (r.dimensions) for (const [d, v] of Object.entries(r.dimensions)) l.push(`| ${d} Spearman ρ (n = ${v.n}) | ${f3(v.rho)} | |`);
  l.push('');
  const c = r.counts;
  l.push(
    `Items: ${c.rows} rows, ${c.usable} usable, **${c.evaluated} evaluated**, ${c.failed} failed (${failureLine(r)}), ${c.unmapped} with unmapped labels, ${c.invalidRows} invalid rows${c.reused ? `; ${c.reused} results reused from an earlier run` : ''}.`,
  );
  l.push(`Classes present: ${r.classes.join(', ')}. ${r.absentClasses.length ? `Absent from the corpus, left out of UAR and macro-F1: ${r.absentClasses.join(', ')}.` : ''}`);
  if (r.options.restrictToPresent) l.push('Predictions restricted to the classes present (argmax over those only).');
  const maps = Object.entries(r.mapping).filter(([a, b]) => a !== b);
  if (maps.length) l.push(`Label mapping: ${maps.map(([a, b]) => `${a} → ${b}`).join(', ')}.`);
  if (Object.keys(r.unmapped).length) l.push(`Unmapped labels (rows left out; map them with --map): ${Object.entries(r.unmapped).map(([k, v]) => `${k} (${v})`).join(', ')}.`);
  l.push(ciText(r), '');
  l.push('## Per class', '', '| class | support | recall | precision | F1 | predicted |', '|---|---:|---:|---:|---:|---:|');
  for (const k of CORE_LABELS) {
    const p = m.perClass[k];
    if (!p || (p.support === 0 && p.predicted === 0)) continue;
    l.push(`| ${k}${p.support === 0 ? ' (absent)' : ''} | ${p.support} | ${p.support ? f3(p.recall) : '—'} | ${p.predicted ? f3(p.precision) : '—'} | ${p.support ? f3(p.f1) : '—'} | ${p.predicted} |`);
  }
  l.push('', '## Confusion (rows: truth, columns: prediction)', '');
  const rows = CORE_LABELS.map((_, k) => k).filter((k) => m.perClass[CORE_LABELS[k]].support > 0);
  const cols = CORE_LABELS.map((_, k) => k).filter((k) => rows.includes(k) || m.perClass[CORE_LABELS[k]].predicted > 0);
  l.push(`| truth \\ pred | ${cols.map((k) => CORE_LABELS[k]).join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`);
  for (const t of rows) l.push(`| ${CORE_LABELS[t]} | ${cols.map((p) => m.confusion[t][p]).join(' | ')} |`);
  l.push('', `## Calibration (confidence of the predicted class vs accuracy): ECE ${f3(r.calibration.ece)}, MCE ${f3(r.calibration.mce)}`, '');
  l.push('| confidence | items | mean confidence | accuracy |', '|---|---:|---:|---:|');
  for (const b of r.calibration.bins) if (b.n) l.push(`| ${b.low.toFixed(1)}–${b.high.toFixed(1)} | ${b.n} | ${f3(b.confidence)} | ${f3(b.accuracy)} |`);
  if (r.failures.items.length) {
    l.push('', '## Failed inputs', '', '| line | input | code | message |', '|---:|---|---|---|');
    for (const f of r.failures.items.slice(0, 50)) l.push(`| ${f.line} | ${mdCell(f.input)} | ${f.code} | ${mdCell(f.message)} |`);
    if (r.failures.items.length > 50) l.push(`| … | ${r.counts.failed - 50} more in eval.json | | |`);
  }
  return l.join('\n') + '\n';
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').slice(0, 200);
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Confusion matrix as SVG: cells shaded by the row share, with counts. */
export function confusionSvg(r: EvalReport): string {
  const m = r.metrics;
  const rows = CORE_LABELS.map((_, k) => k).filter((k) => m.perClass[CORE_LABELS[k]].support > 0);
  const cols = CORE_LABELS.map((_, k) => k).filter((k) => rows.includes(k) || m.perClass[CORE_LABELS[k]].predicted > 0);
  const cell = 56;
  const left = 90;
  const top = 80;
  const W = left + cols.length * cell + 50;
  const H = top + rows.length * cell + 20;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img" aria-label="confusion matrix">`];
  parts.push(`<text x="${left + (cols.length * cell) / 2}" y="14" text-anchor="middle" font-weight="bold">predicted</text>`);
  parts.push(`<text x="12" y="${top + (rows.length * cell) / 2}" text-anchor="middle" font-weight="bold" transform="rotate(-90 12 ${top + (rows.length * cell) / 2})">truth</text>`);
  cols.forEach((p, j) => parts.push(`<text x="${left + j * cell + cell / 2 - 6}" y="${top - 6}" text-anchor="start" transform="rotate(-40 ${left + j * cell + cell / 2 - 6} ${top - 6})">${CORE_LABELS[p]}</text>`));
  rows.forEach((t, i) => {
    const support = m.perClass[CORE_LABELS[t]].support;
    parts.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${CORE_LABELS[t]}</text>`);
    cols.forEach((p, j) => {
      const v = m.confusion[t][p];
      const share = support ? v / support : 0;
      const fill = t === p ? `rgba(34,139,34,${(0.08 + 0.85 * share).toFixed(3)})` : `rgba(200,40,40,${(0.04 + 0.85 * share).toFixed(3)})`;
      parts.push(`<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell - 2}" height="${cell - 2}" fill="${fill}" stroke="#ccc"><title>${CORE_LABELS[t]} → ${CORE_LABELS[p]}: ${v} (${(share * 100).toFixed(1)} %)</title></rect>`);
      parts.push(`<text x="${left + j * cell + cell / 2 - 1}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle">${v}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Reliability diagram as SVG: accuracy per confidence bin (bars), the diagonal, and item counts. */
export function reliabilitySvg(r: EvalReport): string {
  const W = 360;
  const H = 360;
  const L = 50;
  const T = 20;
  const S = 280;
  const x = (v: number) => L + v * S;
  const y = (v: number) => T + (1 - v) * S;
  const maxN = Math.max(1, ...r.calibration.bins.map((b) => b.n));
  const p: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11" role="img" aria-label="reliability diagram">`];
  p.push(`<rect x="${L}" y="${T}" width="${S}" height="${S}" fill="none" stroke="#999"/>`);
  for (let v = 0; v <= 1.0001; v += 0.2) {
    p.push(`<line x1="${x(v)}" y1="${y(0)}" x2="${x(v)}" y2="${y(0) + 4}" stroke="#999"/><text x="${x(v)}" y="${y(0) + 16}" text-anchor="middle">${v.toFixed(1)}</text>`);
    p.push(`<line x1="${L - 4}" y1="${y(v)}" x2="${L}" y2="${y(v)}" stroke="#999"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  for (const b of r.calibration.bins) {
    if (!b.n) continue;
    const w = (b.high - b.low) * S;
    // item count as a light bar along the bottom, accuracy as the main bar
    p.push(`<rect x="${x(b.low) + 1}" y="${y(b.accuracy)}" width="${w - 2}" height="${y(0) - y(b.accuracy)}" fill="rgba(30,100,200,0.75)"><title>confidence ${b.low.toFixed(1)}–${b.high.toFixed(1)}: ${b.n} items, mean confidence ${f3(b.confidence)}, accuracy ${f3(b.accuracy)}</title></rect>`);
    p.push(`<rect x="${x(b.low) + 1}" y="${y(0) - 30 * (b.n / maxN)}" width="${w - 2}" height="${30 * (b.n / maxN)}" fill="rgba(0,0,0,0.15)"/>`);
    p.push(`<circle cx="${x(b.confidence)}" cy="${y(b.confidence)}" r="2.5" fill="#c00"/>`);
  }
  p.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#c00" stroke-dasharray="4 3"/>`);
  p.push(`<text x="${L + S / 2}" y="${H - 12}" text-anchor="middle">confidence of the predicted class</text>`);
  p.push(`<text x="14" y="${T + S / 2}" text-anchor="middle" transform="rotate(-90 14 ${T + S / 2})">accuracy</text>`);
  p.push('</svg>');
  return p.join('');
}

/** One self-contained HTML page (no scripts, no external resources). */
export function evalHtml(r: EvalReport): string {
  const md = evalMarkdown(r);
  const m = r.metrics;
  const c = r.counts;
  const table = (head: string[], rows: (string | number)[][]): string =>
    `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((v) => `<td>${esc(String(v))}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const perClass = CORE_LABELS.filter((k) => m.perClass[k].support > 0 || m.perClass[k].predicted > 0).map((k) => {
    const p = m.perClass[k];
    return [k + (p.support ? '' : ' (absent)'), p.support, p.support ? f3(p.recall) : '—', p.predicted ? f3(p.precision) : '—', p.support ? f3(p.f1) : '—', p.predicted];
  });
  const main: (string | number)[][] = [
    ['UAR', f3(m.uar), ci(r.ci.uar)],
    ['macro-F1', f3(m.macroF1), ci(r.ci.macroF1)],
    ['accuracy', f3(m.accuracy), ci(r.ci.accuracy)],
    [`ECE (${r.calibration.bins.length} bins)`, f3(r.calibration.ece), ''],
    ...Object.entries(r.dimensions ?? {}).map(([d, v]) => [`${d} Spearman ρ (n = ${v.n})`, f3(v.rho), '']),
  ];
  const notes = md
    .split('\n')
    .filter((line) => /^(Items:|Classes present:|Label mapping:|Unmapped labels|Predictions restricted|\d+ % CI:)/.test(line))
    .map((line) => `<p>${esc(line.replace(/\*\*/g, ''))}</p>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>emosig eval: ${esc(r.modality)} — ${esc(r.manifest)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}.figs{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}small{color:#666}</style></head>
<body>
<h1>emosig eval: ${esc(r.modality)}</h1>
<p><small>${esc(r.manifest)} · emosig ${esc(r.emosig)} · model ${esc(r.models.join(', ') || 'n/a')} · ${esc(r.date)}</small></p>
${table(['metric', 'value', `${Math.round(r.ci.level * 100)} % CI`], main)}
${notes}
<div class="figs"><figure><figcaption>Confusion matrix (rows: truth; green diagonal, red errors; shade = share of the row)</figcaption>${confusionSvg(r)}</figure>
<figure><figcaption>Reliability diagram (bars: accuracy per confidence bin; grey: item count; dashed: perfect calibration)</figcaption>${reliabilitySvg(r)}</figure></div>
<h2>Per class</h2>
${table(['class', 'support', 'recall', 'precision', 'F1', 'predicted'], perClass)}
<h2>Calibration bins</h2>
${table(['confidence', 'items', 'mean confidence', 'accuracy'], r.calibration.bins.filter((b) => b.n).map((b) => [`${b.low.toFixed(1)}–${b.high.toFixed(1)}`, b.n, f3(b.confidence), f3(b.accuracy)]))}
${c.failed ? `<h2>Failed inputs (${c.failed})</h2>${table(['line', 'input', 'code', 'message'], r.failures.items.slice(0, 200).map((f) => [f.line, f.input, f.code, f.message]))}` : ''}
</body></html>
`;
}

const csvField = (v: string | number | undefined): string => {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** predictions.csv: line,input,group,label,truth,prediction,confidence,status,error_code,p_<label>... */
export function predictionsCsv(run: EvalRun): string {
  const head = ['line', 'input', 'group', 'label', 'truth', 'prediction', 'confidence', 'status', 'error_code', ...CORE_LABELS.map((l) => `p_${l}`)];
  const lines = [head.join(',')];
  for (const it of run.items)
    lines.push(
      [it.line, it.input, it.group, it.label, it.truth, it.pred, it.confidence?.toFixed(6), it.status, it.code, ...CORE_LABELS.map((_, k) => (it.probs ? it.probs[k] : undefined))].map(csvField).join(','),
    );
  return lines.join('\n') + '\n';
}

/** Write eval.json, eval.md, eval.html and predictions.csv into `out` (atomically, typed errors). Returns the paths. */
export function writeEvalOutputs(run: EvalRun, out: string): { json: string; markdown: string; html: string; predictions: string } {
  const paths = { json: join(out, 'eval.json'), markdown: join(out, 'eval.md'), html: join(out, 'eval.html'), predictions: join(out, 'predictions.csv') };
  writeAtomic(paths.json, JSON.stringify(run.report, null, 2) + '\n');
  writeAtomic(paths.markdown, evalMarkdown(run.report));
  writeAtomic(paths.html, evalHtml(run.report));
  writeAtomic(paths.predictions, predictionsCsv(run));
  return paths;
}
