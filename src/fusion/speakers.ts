/**
 * Stage 4 — speakers: each speaker's summary and escalation (through the moments engine's running sums) and
 * the CX nuances of the text and voice readings. Long-pause moments of the voice reading live here too.
 */
import type { VoiceReading } from '../audio/index.js';
import type { TextReading } from '../text/index.js';
import { dominantLabel, type Emotions } from '../signature/labels.js';
import type { Nuance, SignatureMoment, SignatureWindow, SpeakerSignature } from '../signature/schema.js';
import type { FusionItem } from './items.js';
import { addFrustration, frustrationOf, silenceAfterOthers, SummaryAccumulator, type ChatFrustration } from './moments.js';
import { clamp, clampS, mean, r3 } from './util.js';

/** A 'long-pause' moment for a voice pause (`customer`: who it belongs to when nobody spoke around it). */
export function pauseMoment(p: VoiceReading['pauses'][number], longPause: number, customer: string, offset = 0): SignatureMoment {
  return {
    time: r3(p.start + offset),
    end: r3(p.end + offset),
    speaker: p.after ?? p.before ?? customer,
    kind: 'long-pause',
    strength: r3(clamp(p.length / (4 * longPause))),
    modalities: ['voice'],
    evidence: `${p.length.toFixed(1)} s of silence${p.before ? ` after ${p.before}` : ''}${p.after ? `, before ${p.after}` : ' to the end'}`,
  };
}


/**
 * A speaker's summary (mean, peak, end, trend, stressed share, escalation) from their windows; `items` are
 * used only when there are no windows. Exported for live streams, which call it on the windows so far.
 */
export function speakerSummary(
  spk: string,
  wins: SignatureWindow[],
  emotions: Emotions,
  items: FusionItem[],
  v: Pick<VoiceReading, 'pauses'> | undefined,
  chatSpeaker: string,
  stressedAt: number,
  longPause: number,
  text: Pick<TextReading, 'messages'> | undefined,
  voiceOffset: number,
): SpeakerSignature['summary'] {
  const acc = new SummaryAccumulator(stressedAt);
  for (const w of wins) acc.push(w);
  const c = items.map((i) => Math.max(0.05, i.confidence));
  const fallback = { valence: r3(clampS(mean(items.map((i) => i.valence), c))), arousal: r3(clampS(mean(items.map((i) => i.arousal), c))), stress: r3(clamp(mean(items.map((i) => i.stress), c))) };
  let chat: ChatFrustration | undefined;
  if (text) {
    chat = { top: 0, n: 0 };
    for (const mm of text.messages)
      if ((mm.speaker?.trim() ? mm.speaker.trim().toLowerCase() === spk.toLowerCase() : spk === chatSpeaker) && !mm.flags.includes('empty'))
        addFrustration(chat, frustrationOf(mm.nuances as Record<string, number | undefined>));
  }
  const silences = v ? v.pauses.filter((p) => silenceAfterOthers(p, spk, longPause)).map((p) => ({ start: p.start + voiceOffset, length: p.length })) : [];
  return acc.summary(emotions, fallback, chat, silences);
}

/** CX nuances from the text modality's GoEmotions labels (above their dev-tuned thresholds). */
const TEXT_NUANCES: [string, string][] = [
  ['annoyance', 'frustration'],
  ['disappointment', 'disappointment'],
  ['confusion', 'confusion'],
  ['gratitude', 'gratitude'],
  ['nervousness', 'nervousness'],
  ['relief', 'relief'],
  ['disapproval', 'disapproval'],
  ['caring', 'caring'],
  ['curiosity', 'curiosity'],
];

export function textNuances(t: TextReading | undefined, speakers: string[], customer: string): Nuance[] {
  if (!t) return [];
  const out: Nuance[] = [];
  const by = new Map<string, typeof t.messages>();
  const lower = new Map<string, string>();
  for (const x of speakers) if (!lower.has(x.toLowerCase())) lower.set(x.toLowerCase(), x);
  for (const m of t.messages) {
    if (m.flags.includes('empty')) continue;
    const s = m.speaker ? lower.get(m.speaker.trim().toLowerCase()) ?? m.speaker.trim() : customer;
    if (!by.has(s)) by.set(s, []);
    by.get(s)!.push(m);
  }
  for (const [spk, msgs] of by) {
    for (const [go, name] of TEXT_NUANCES) {
      const hits = msgs.filter((m) => (m.labels as string[]).includes(go));
      if (!hits.length) continue;
      const top = hits.reduce((a, b) => ((b.nuances as Record<string, number>)[go] > (a.nuances as Record<string, number>)[go] ? b : a));
      const score = (top.nuances as Record<string, number>)[go];
      out.push({
        speaker: spk,
        source: 'text',
        label: name,
        score: r3(clamp(score)),
        evidence: `GoEmotions '${go}' in ${hits.length} of ${msgs.length} message(s), strongest ${score.toFixed(2)} in message ${top.index}${top.time !== undefined ? ` (t=${top.time})` : ''}`,
      });
    }
  }
  return out;
}

/**
 * Voice nuances (rules on the voice reading, documented in docs/fusion.md):
 * calm — share of speech time whose dominant label is neutral with stress < 0.4;
 * boredom — share of speech time with arousal < −0.25 and valence ≤ 0 (flat, low energy);
 * tremor — share of segments whose F0 tremor (feature f0TremorSt) exceeds 1.5 × the speaker's median (≥ 3 segments).
 */
export function voiceNuances(v: VoiceReading | undefined): Nuance[] {
  if (!v) return [];
  const out: Nuance[] = [];
  for (const spk of v.speakers) {
    const segs = v.segments.filter((s) => s.speaker === spk && s.confidence > 0);
    if (!segs.length) continue;
    const total = segs.reduce((a, s) => a + (s.end - s.start), 0);
    const share = (f: (s: (typeof segs)[number]) => boolean) => segs.filter(f).reduce((a, s) => a + (s.end - s.start), 0) / total;
    const calm = share((s) => dominantLabel(s.emotions) === 'neutral' && s.stress < 0.4);
    if (calm >= 0.2) out.push({ speaker: spk, source: 'voice', label: 'calm', score: r3(calm), evidence: `calm, neutral voice in ${(calm * 100).toFixed(0)} % of the speech` });
    const bored = share((s) => s.arousal < -0.25 && s.valence <= 0);
    if (bored >= 0.2) out.push({ speaker: spk, source: 'voice', label: 'boredom', score: r3(bored), evidence: `flat, low-energy voice in ${(bored * 100).toFixed(0)} % of the speech` });
    const tr = segs.map((s) => s.features?.f0TremorSt).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    if (tr.length >= 3) {
      const med = [...tr].sort((a, b) => a - b)[Math.floor(tr.length / 2)];
      const hi = tr.filter((x) => med > 0 && x > 1.5 * med).length / tr.length;
      if (hi > 0) out.push({ speaker: spk, source: 'voice', label: 'tremor', score: r3(hi), evidence: `F0 tremor above 1.5 × this speaker's median in ${(hi * 100).toFixed(0)} % of the segments` });
    }
  }
  return out;
}

