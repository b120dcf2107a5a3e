/** Plain-text lines about the cx block, for the CLI summary. */
import type { CxBlock } from '../signature/cx-schema.js';

export function cxSummaryLines(cx: CxBlock | undefined): string[] {
  if (!cx) return [];
  const out: string[] = [];
  const s = cx.satisfaction;
  if (s) out.push(`satisfaction (predicted): ${s.rating.toFixed(2)} / 5 · P(dissatisfied) ${s.pDissatisfied.toFixed(2)} · ${s.turns.length} customer turn(s)`);
  const parts = Object.entries(cx.depth.parts)
    .filter(([, p]) => p.available)
    .map(([k, p]) => `${k} ${(p.score ?? 0).toFixed(2)}`)
    .join(', ');
  out.push(`depth index: ${cx.depth.score.toFixed(2)} (${parts})`);
  for (const m of cx.impact.helped) out.push(`  helped ${m.impact >= 0 ? '+' : ''}${m.impact.toFixed(2)}  ${fmt(m.time)}  ${m.kind.padEnd(15)} ${m.evidence}`);
  for (const m of cx.impact.hurt) out.push(`  hurt   ${m.impact.toFixed(2)}  ${fmt(m.time)}  ${m.kind.padEnd(15)} ${m.evidence}`);
  const t = cx.temperament;
  if (t)
    out.push(
      `temperament (${t.basis}, ${t.interactions} interaction${t.interactions > 1 ? 's' : ''}${t.stored ? ', stored' : ''}): arousal ${t.baselineArousal.toFixed(2)}, volatility ${t.volatility.toFixed(2)}${t.recovery ? `, recovers in ${t.recovery.value.toFixed(1)} ${t.recovery.unit}` : ''}, pace ${t.pace.preferred} → route: ${t.routing.suggest} (${t.routing.reasons.map((r) => r.code).join(', ')})`,
    );
  return out;
}

const fmt = (t: number) => `${t.toFixed(1).padStart(6)}`;
