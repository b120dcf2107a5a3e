/**
 * A self-contained HTML report of a signature: inline SVG charts and CSS only — no script, no network,
 * no external fonts or images, so it opens offline and under a strict Content-Security-Policy.
 */
import { CORE_LABELS, type CoreLabel } from '../signature/labels.js';
import type { EmotionalSignature, SignatureMoment, SignatureWindow } from '../signature/schema.js';
import { cxSection } from '../cx/report-section.js';

export interface ReportOptions {
  title?: string;
}

export const LABEL_COLORS: Record<CoreLabel, string> = {
  neutral: '#9aa5b1',
  joy: '#f2c14e',
  sadness: '#4a78c2',
  anger: '#d64545',
  fear: '#8e5cc4',
  disgust: '#5a9e4b',
  surprise: '#f08a3c',
};
const LINE_COLORS = { valence: '#2a7f62', arousal: '#c2410c', stress: '#7c3aed' } as const;
const MOMENT_COLORS: Record<SignatureMoment['kind'], string> = {
  'stress-spike': '#7c3aed',
  'emotion-shift': '#0f766e',
  peak: '#b91c1c',
  'long-pause': '#6b7280',
  'micro-expression': '#db2777',
  incongruence: '#ea580c',
};

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const f2 = (x: number) => x.toFixed(2);

const W = 880;
const H = 200;
const PAD = { l: 42, r: 12, t: 12, b: 26 };

function xOf(t: number, dur: number): number {
  return PAD.l + (dur > 0 ? t / dur : 0) * (W - PAD.l - PAD.r);
}

/** Consecutive windows (no gap longer than the hop) as runs. */
function runs(ws: SignatureWindow[], hop: number): SignatureWindow[][] {
  const out: SignatureWindow[][] = [];
  for (const w of ws) {
    const last = out[out.length - 1];
    if (last && w.start - last[last.length - 1].start <= hop + 1e-6) last.push(w);
    else out.push([w]);
  }
  return out;
}

function axis(dur: number, yTicks: { v: number; y: number; label: string }[]): string {
  const ticks: string[] = [];
  const step = dur <= 30 ? 5 : dur <= 120 ? 10 : dur <= 600 ? 60 : 300;
  for (let t = 0; t <= dur + 1e-9; t += step) {
    const x = xOf(t, dur);
    ticks.push(`<line x1="${x}" y1="${H - PAD.b}" x2="${x}" y2="${H - PAD.b + 4}" stroke="#555"/><text x="${x}" y="${H - 8}" text-anchor="middle" class="tick">${t}s</text>`);
  }
  const ys = yTicks.map(
    (k) => `<line x1="${PAD.l}" y1="${k.y}" x2="${W - PAD.r}" y2="${k.y}" stroke="#e5e7eb"/><text x="${PAD.l - 6}" y="${k.y + 4}" text-anchor="end" class="tick">${esc(k.label)}</text>`,
  );
  return `${ys.join('')}<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="#555"/>${ticks.join('')}`;
}

function momentMarks(ms: SignatureMoment[], dur: number): string {
  return ms
    .map((m) => {
      const x = xOf(m.time, dur);
      return `<g class="moment" data-kind="${m.kind}"><line x1="${x}" y1="${PAD.t}" x2="${x}" y2="${H - PAD.b}" stroke="${MOMENT_COLORS[m.kind]}" stroke-dasharray="3 3"/><circle cx="${x}" cy="${PAD.t + 4}" r="4" fill="${MOMENT_COLORS[m.kind]}"><title>${esc(`${m.time.toFixed(1)} s ${m.kind}${m.label ? ` (${m.label})` : ''}: ${m.evidence}`)}</title></circle></g>`;
    })
    .join('');
}

function lineChart(spk: string, ws: SignatureWindow[], ms: SignatureMoment[], dur: number, hop: number): string {
  const y = (v: number) => PAD.t + ((1 - v) / 2) * (H - PAD.t - PAD.b);
  const paths = (['valence', 'arousal', 'stress'] as const)
    .map((k) => {
      const d = runs(ws, hop)
        .map((r) => r.map((w, i) => `${i ? 'L' : 'M'}${xOf((w.start + w.end) / 2, dur).toFixed(1)},${y(w[k]).toFixed(1)}`).join(''))
        .join('');
      return `<path class="series" data-series="${k}" d="${d}" fill="none" stroke="${LINE_COLORS[k]}" stroke-width="2"/>`;
    })
    .join('');
  const dots = ws
    .map((w) => `<circle cx="${xOf((w.start + w.end) / 2, dur).toFixed(1)}" cy="${y(w.stress).toFixed(1)}" r="2" fill="${LINE_COLORS.stress}"><title>${esc(`${w.start}–${w.end} s: valence ${f2(w.valence)}, arousal ${f2(w.arousal)}, stress ${f2(w.stress)}, ${w.dominant}, confidence ${f2(w.confidence)}`)}</title></circle>`)
    .join('');
  return `<svg class="chart" data-chart="lines" data-speaker="${esc(spk)}" role="img" aria-label="${esc(`valence, arousal and stress of ${spk} over time`)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${axis(dur, [
    { v: 1, y: y(1), label: '+1' },
    { v: 0, y: y(0), label: '0' },
    { v: -1, y: y(-1), label: '−1' },
  ])}${paths}${dots}${momentMarks(ms, dur)}</svg>`;
}

function stackChart(spk: string, ws: SignatureWindow[], ms: SignatureMoment[], dur: number, hop: number): string {
  const y = (v: number) => PAD.t + (1 - v) * (H - PAD.t - PAD.b);
  const areas: string[] = [];
  for (const r of runs(ws, hop)) {
    const xs = r.map((w) => (r.length === 1 ? [xOf(w.start, dur), xOf(w.end, dur)] : [xOf((w.start + w.end) / 2, dur)])).flat();
    const rowsOf = (w: SignatureWindow) => (r.length === 1 ? [w, w] : [w]);
    const pts = r.flatMap(rowsOf);
    let lower = pts.map(() => 0);
    for (const l of CORE_LABELS) {
      const upper = pts.map((w, i) => lower[i] + w.emotions[l]);
      const top = xs.map((x, i) => `${x.toFixed(1)},${y(upper[i]).toFixed(1)}`);
      const bottom = xs.map((x, i) => `${x.toFixed(1)},${y(lower[i]).toFixed(1)}`).reverse();
      areas.push(`<path class="area" data-label="${l}" d="M${top.join('L')}L${bottom.join('L')}Z" fill="${LABEL_COLORS[l]}" stroke="none"><title>${l}</title></path>`);
      lower = upper;
    }
  }
  return `<svg class="chart" data-chart="mix" data-speaker="${esc(spk)}" role="img" aria-label="${esc(`emotion mix of ${spk} over time`)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${axis(dur, [
    { v: 1, y: y(1), label: '100%' },
    { v: 0.5, y: y(0.5), label: '50%' },
    { v: 0, y: y(0), label: '0' },
  ])}${areas.join('')}${momentMarks(ms, dur)}</svg>`;
}

function gauge(score: number): string {
  const w = 220;
  const color = score >= 0.6 ? '#b91c1c' : score >= 0.3 ? '#d97706' : '#15803d';
  return `<svg class="gauge" data-chart="escalation" role="img" aria-label="escalation ${f2(score)}" viewBox="0 0 ${w} 28" width="${w}" height="28" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="6" width="${w}" height="14" rx="7" fill="#e5e7eb"/><rect class="bar" x="0" y="6" width="${Math.max(2, score * w).toFixed(1)}" height="14" rx="7" fill="${color}"/></svg>`;
}

function mixBar(e: Record<CoreLabel, number>): string {
  const w = 260;
  let x = 0;
  const parts = CORE_LABELS.map((l) => {
    const pw = e[l] * w;
    const r = `<rect x="${x.toFixed(1)}" y="0" width="${pw.toFixed(1)}" height="14" fill="${LABEL_COLORS[l]}"><title>${l} ${(e[l] * 100).toFixed(0)}%</title></rect>`;
    x += pw;
    return r;
  });
  return `<svg class="mixbar" viewBox="0 0 ${w} 14" width="${w}" height="14" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

export function renderReport(sig: EmotionalSignature, opts: ReportOptions = {}): string {
  const dur = Math.max(sig.interaction.durationSec, 1e-3);
  const hop = sig.interaction.fusion.hopSec;
  const title = opts.title ?? 'emosig report';
  const mods = (['voice', 'face', 'text'] as const)
    .map((m) => {
      const s = sig.interaction.modalities[m];
      return `<li class="${s.present ? 'present' : 'absent'}"><b>${m}</b>: ${s.present ? `present${s.items !== undefined ? ` (${s.items} readings)` : ''}` : `absent — ${esc(s.reason ?? '')}`}${s.detail ? ` <span class="muted">${esc(s.detail)}</span>` : ''}${s.offsetSec ? ` <span class="muted">offset ${s.offsetSec} s</span>` : ''}</li>`;
    })
    .join('');
  const legend = `<div class="legend">${CORE_LABELS.map((l) => `<span><i style="background:${LABEL_COLORS[l]}"></i>${l}</span>`).join('')} · ${(['valence', 'arousal', 'stress'] as const)
    .map((k) => `<span><i style="background:${LINE_COLORS[k]}"></i>${k}</span>`)
    .join('')}</div>`;
  const sections = Object.entries(sig.speakers)
    .map(([spk, s]) => {
      const ws = sig.timeline.filter((w) => w.speaker === spk);
      const ms = sig.moments.filter((m) => m.speaker === spk);
      const modRows = (['voice', 'face', 'text'] as const)
        .filter((m) => s.modalities[m])
        .map((m) => `<tr><td>${m}</td><td>${mixBar(s.modalities[m]!.emotions)}</td><td>${f2(s.modalities[m]!.weight)}</td></tr>`)
        .join('');
      const reasons = s.summary.escalation.reasons.map((r) => `<li><b>${esc(r.code)}</b> (${f2(r.weight)}): ${esc(r.text)}</li>`).join('');
      const sm = s.summary;
      const charts = ws.length
        ? `<h3>Valence, arousal and stress</h3>${lineChart(spk, ws, ms, dur, hop)}<h3>Emotion mix</h3>${stackChart(spk, ws, ms, dur, hop)}`
        : `<p class="muted">No timed readings for ${esc(spk)} (interaction-level only).</p>`;
      return `<section class="speaker" data-speaker="${esc(spk)}"><h2>${esc(spk)} <small>dominant ${esc(s.dominant)} · confidence ${f2(s.confidence)}</small></h2>
<div class="row"><div><h3>Escalation ${f2(sm.escalation.score)}</h3>${gauge(sm.escalation.score)}<ul class="reasons">${reasons || '<li class="muted">no escalation signal</li>'}</ul></div>
<div><h3>Summary</h3><table class="kv"><tr><td>mean</td><td>valence ${f2(sm.mean.valence)}, arousal ${f2(sm.mean.arousal)}, stress ${f2(sm.mean.stress)}</td></tr>
<tr><td>peak</td><td>stress ${f2(sm.peak.stress)} at ${sm.peak.stressAt} s; lowest valence ${f2(sm.peak.lowestValence)} at ${sm.peak.lowestValenceAt} s</td></tr>
<tr><td>end</td><td>${esc(sm.end.dominant)}, valence ${f2(sm.end.valence)}, stress ${f2(sm.end.stress)}</td></tr>
<tr><td>trend</td><td>valence ${f2(sm.trend.valence)}, stress ${f2(sm.trend.stress)}</td></tr>
<tr><td>stressed</td><td>${(sm.stressedShare * 100).toFixed(0)} % of ${sm.windows} windows</td></tr></table></div></div>
<h3>Who said what</h3><table class="mods"><tr><th>modality</th><th>its own mix</th><th>weight</th></tr>${modRows}<tr><td><b>fused</b></td><td>${mixBar(s.emotions)}</td><td></td></tr></table>
${charts}</section>`;
    })
    .join('\n');
  const momentRows = sig.moments
    .map((m) => `<tr data-kind="${m.kind}"><td>${m.time.toFixed(1)}${m.end !== undefined ? `–${m.end.toFixed(1)}` : ''} s</td><td>${esc(m.speaker)}</td><td><i class="dot" style="background:${MOMENT_COLORS[m.kind]}"></i>${m.kind}</td><td>${esc(m.label ?? '')}</td><td>${f2(m.strength)}</td><td>${esc(m.modalities.join(', '))}</td><td>${esc(m.evidence)}</td></tr>`)
    .join('');
  const nuances = sig.nuances.map((n) => `<li><b>${esc(n.speaker)}</b> · ${esc(n.source)} · ${esc(n.label)} ${f2(n.score)} <span class="muted">${esc(n.evidence)}</span></li>`).join('');
  const problems = sig.interaction.problems.map((p) => `<li><code>${esc(p.code)}</code>${p.modality ? ` (${p.modality})` : ''}: ${esc(p.message)}</li>`).join('');
  const models = sig.interaction.models.map((m) => `<li>${m.modality}: ${esc(m.name)} ${esc(m.version)} (${esc(m.backend)})</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;margin:24px auto;max-width:940px;padding:0 12px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}h3{font-size:14px;margin:14px 0 6px}
small,.muted{color:#6b7280;font-weight:normal}.row{display:flex;gap:32px;flex-wrap:wrap}
table{border-collapse:collapse}td,th{padding:3px 8px;text-align:left;vertical-align:top;border-bottom:1px solid #f3f4f6}
.legend span{margin-right:10px;white-space:nowrap}.legend i,.dot{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:middle}
.tick{font-size:10px;fill:#4b5563}li.absent{color:#6b7280}svg.chart{display:block;max-width:100%;height:auto;border:1px solid #f3f4f6}
</style></head><body>
<h1>${esc(title)}</h1>
<p class="muted">${sig.interaction.durationSec.toFixed(1)} s · speakers ${sig.interaction.speakers.map((s) => `${esc(s.name)} (${s.role})`).join(', ')} · windows ${sig.interaction.fusion.windowSec} s, hop ${hop} s · schema ${sig.schemaVersion} · emosig ${esc(sig.generator.version)}</p>
<ul class="modalities">${mods}</ul>
${legend}
${sections}
${cxSection(sig.cx)}
<h2>Moments</h2>
<table class="moments"><tr><th>time</th><th>speaker</th><th>kind</th><th>label</th><th>strength</th><th>from</th><th>evidence</th></tr>${momentRows || '<tr><td colspan="7" class="muted">none</td></tr>'}</table>
<h2>Nuances</h2><ul>${nuances || '<li class="muted">none</li>'}</ul>
<h2>Problems</h2><ul>${problems || '<li class="muted">none</li>'}</ul>
<h2>Models</h2><ul>${models}</ul>
<p class="muted">Fusion: ${esc(sig.interaction.fusion.method)} (reliabilities v${esc(sig.interaction.fusion.reliability)}). This report holds no audio, frames${sig.interaction.kept.text ? '' : ' or message text'}.</p>
</body></html>
`;
}
