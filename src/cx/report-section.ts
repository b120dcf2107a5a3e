/** The CX section of the HTML report (inline SVG/CSS only, like the rest of the report). */
import type { CxBlock } from '../signature/cx-schema.js';

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const f2 = (x: number) => x.toFixed(2);

function bar(v: number, w = 160, color = '#2563eb'): string {
  const x = Math.max(0, Math.min(1, v));
  return `<svg class="cxbar" viewBox="0 0 ${w} 12" width="${w}" height="12" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="${w}" height="12" rx="6" fill="#e5e7eb"/><rect x="0" y="0" width="${Math.max(2, x * w).toFixed(1)}" height="12" rx="6" fill="${color}"/></svg>`;
}

/** A diverging bar for an impact in −1…1 (green right = helped, red left = hurt). */
function impactBar(v: number, w = 140): string {
  const mid = w / 2;
  const len = Math.min(1, Math.abs(v)) * mid;
  const x = v >= 0 ? mid : mid - len;
  return `<svg class="impact" viewBox="0 0 ${w} 12" width="${w}" height="12" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="5" width="${w}" height="2" fill="#e5e7eb"/><rect x="${x.toFixed(1)}" y="0" width="${Math.max(1, len).toFixed(1)}" height="12" fill="${v >= 0 ? '#15803d' : '#b91c1c'}"/><line x1="${mid}" y1="0" x2="${mid}" y2="12" stroke="#555"/></svg>`;
}

/** Sparkline of the predicted satisfaction per customer turn (1–5). */
function satSpark(turns: NonNullable<CxBlock['satisfaction']>['turns']): string {
  if (turns.length < 2) return '';
  const w = 300;
  const h = 60;
  const pts = turns.map((t, i) => `${((i / (turns.length - 1)) * (w - 8) + 4).toFixed(1)},${(h - 4 - ((t.rating - 1) / 4) * (h - 8)).toFixed(1)}`).join(' ');
  return `<svg class="cxchart" data-chart="satisfaction" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg"><line x1="0" y1="${h - 4 - (2 / 4) * (h - 8)}" x2="${w}" y2="${h - 4 - (2 / 4) * (h - 8)}" stroke="#e5e7eb"/><polyline points="${pts}" fill="none" stroke="#2563eb" stroke-width="2"/></svg>`;
}

export function cxSection(cx: CxBlock | undefined): string {
  if (!cx) return '';
  const s = cx.satisfaction;
  const sat = s
    ? `<p>Predicted satisfaction <b>${f2(s.rating)}</b> / 5 · P(dissatisfied) ${f2(s.pDissatisfied)} <span class="muted">(${esc(s.model)}; per customer turn below, 3 = neutral)</span></p>${satSpark(s.turns)}`
    : '<p class="muted">No satisfaction estimate (no customer turns, or the model is missing).</p>';
  const parts = Object.entries(cx.depth.parts)
    .map(
      ([k, p]) =>
        `<tr><td>${esc(k)}</td><td>${p.available ? bar(p.score ?? 0) : '<span class="muted">n/a</span>'}</td><td>${p.available ? f2(p.score ?? 0) : ''}</td><td>${p.available ? f2(p.weight) : ''}</td><td class="muted">${esc(p.detail)}</td></tr>`,
    )
    .join('');
  const ranked = (xs: CxBlock['impact']['helped'], label: string) =>
    xs.map((m) => `<tr data-effect="${label}"><td>${label}</td><td>${m.time.toFixed(1)}</td><td>${esc(m.kind)}</td><td>${esc(m.actor)}</td><td>${impactBar(m.impact)} ${f2(m.impact)}</td><td>${esc(m.evidence)}</td></tr>`).join('');
  const all = cx.impact.moments
    .map((m) => `<tr><td>${m.time.toFixed(1)}</td><td>${esc(m.kind)}</td><td>${esc(m.actor)}</td><td>${impactBar(m.impact)} ${f2(m.impact)}</td><td>Δvalence ${f2(m.delta.valence)}, Δstress ${f2(m.delta.stress)}${m.delta.escalation !== undefined ? `, Δescalation ${f2(m.delta.escalation)}` : ''}</td><td>${f2(m.confidence)}</td></tr>`)
    .join('');
  const t = cx.temperament;
  const temper = t
    ? `<p>Route: <b data-route="${t.routing.suggest}">${esc(t.routing.suggest)}</b> <span class="muted">(${t.basis === 'profile' ? `profile of ${t.interactions} interactions` : 'this interaction only'}${t.stored ? ', stored with consent' : ', nothing stored'})</span></p>
<ul>${t.routing.reasons.map((r) => `<li><b>${esc(r.code)}</b> → ${esc(r.suggests)}: ${esc(r.text)}</li>`).join('')}</ul>
<table class="kv"><tr><td>baseline arousal</td><td>${f2(t.baselineArousal)}</td></tr><tr><td>volatility</td><td>${f2(t.volatility)}</td></tr><tr><td>recovery</td><td>${t.recovery ? `${f2(t.recovery.value)} ${t.recovery.unit}` : 'no negative moment'}${t.unrecoveredShare !== undefined ? ` · unrecovered ${(t.unrecoveredShare * 100).toFixed(0)} %` : ''}</td></tr><tr><td>pace</td><td>${esc(t.pace.preferred)}${t.pace.replyLatencySec !== undefined ? ` (replies after ${f2(t.pace.replyLatencySec)} s)` : ''}</td></tr></table>`
    : '';
  const tk = cx.talk;
  return `<section class="cx" data-section="cx"><h2>Customer experience <small>customer: ${esc(cx.customer)}</small></h2>
<div class="row"><div><h3>Satisfaction</h3>${sat}</div><div><h3>Conversation depth ${f2(cx.depth.score)}</h3>${bar(cx.depth.score, 220, '#0f766e')}</div></div>
<h3>Depth index parts</h3><table class="depth"><tr><th>part</th><th></th><th>score</th><th>weight</th><th>measured</th></tr>${parts}</table>
<h3>Moments that helped / hurt</h3><table class="ranking"><tr><th></th><th>time</th><th>kind</th><th>who</th><th>impact</th><th>evidence</th></tr>${ranked(cx.impact.helped, 'helped')}${ranked(cx.impact.hurt, 'hurt') || ''}${cx.impact.helped.length + cx.impact.hurt.length ? '' : '<tr><td colspan="6" class="muted">no moment moved the customer beyond their trend</td></tr>'}</table>
<p class="muted">Talk: customer share ${tk.customerShare !== undefined ? `${(tk.customerShare * 100).toFixed(0)} %` : 'n/a'} · interruptions ${Object.entries(tk.interruptions).map(([k, v]) => `${esc(k)} ${v}`).join(', ') || 'none'} · long silences ${tk.longSilences} · agent apologies ${tk.agentApologies}, empathy ${tk.agentEmpathy} · slow replies ${tk.slowReplies}</p>
<details><summary>Every moment's impact (${cx.impact.moments.length})</summary><table class="impacts"><tr><th>time</th><th>kind</th><th>who</th><th>impact</th><th>vs trend</th><th>confidence</th></tr>${all}</table></details>
${t ? `<h3>Temperament and routing</h3>${temper}` : ''}</section>`;
}
