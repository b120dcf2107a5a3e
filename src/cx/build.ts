/**
 * From the fused signature and the modality readings to what the CX metrics need: conversation turns
 * (chat messages and voice turns), the customer's trajectory and the agent behaviours we can detect.
 * Uses only the modalities' public reading types.
 */
import type { VoiceReading } from '../audio/index.js';
import type { TextReading } from '../text/index.js';
import { CORE_LABELS, emptyEmotions, type Emotions } from '../signature/labels.js';
import type { EmotionalSignature } from '../signature/schema.js';
import { textTurn, type CxTurn, type TurnRole } from './turns.js';

export interface CxReadings {
  voice?: Pick<VoiceReading, 'segments' | 'pauses' | 'overlaps' | 'speakers'>;
  text?: Pick<TextReading, 'messages'>;
}

export interface ConversationModel {
  customer: string;
  agent?: string;
  /** Chat turns (messages), in time order where they have times. */
  chat: CxTurn[];
  /** Whether chat turns have times on the interaction clock. */
  chatTimed: boolean;
  /** Voice turns: runs of one speaker's segments (gaps < 1.5 s merged), in time order. */
  voice: CxTurn[];
  /** The customer's fused trajectory: one point per timeline window (or per chat turn when there is no timeline). */
  trajectory: { t: number; valence: number; stress: number; arousal: number; anger: number }[];
  /** Whether the trajectory's `t` is seconds (true) or the turn order (false). */
  timed: boolean;
}

function roleOf(sig: EmotionalSignature, speaker: string, customer: string): TurnRole {
  if (speaker.toLowerCase() === customer.toLowerCase()) return 'customer';
  return 'agent';
}

/** The conversation as the CX metrics see it. `texts`: message texts by reading index (in memory only). */
export function conversation(sig: EmotionalSignature, r: CxReadings, texts?: (string | undefined)[]): ConversationModel {
  const customer = sig.interaction.speakers.find((s) => s.role === 'customer')?.name ?? 'customer';
  const agent = sig.interaction.speakers.find((s) => s.role === 'agent')?.name;
  const st = sig.interaction.modalities;

  // ---- chat turns (same placement as the fusion: offset, epoch rebasing)
  const chat: CxTurn[] = [];
  let chatTimed = false;
  if (r.text && st.text.present) {
    const live = r.text.messages.filter((m) => !m.flags.includes('empty') && m.confidence > 0);
    const times = live.map((m) => m.time).filter((t): t is number => typeof t === 'number' && Number.isFinite(t));
    const base = times.length && Math.min(...times) > 1e8 ? Math.min(...times) : 0;
    chatTimed = times.length === live.length && times.length > 0;
    for (const m of live) {
      const spk = m.speaker?.trim() ? m.speaker.trim() : customer;
      const time = chatTimed ? m.time! - base + (st.text.offsetSec ?? 0) : undefined;
      chat.push(textTurn(m, roleOf(sig, spk, customer), spk, texts?.[m.index] ?? m.text, time));
    }
    if (chatTimed) chat.sort((a, b) => a.start! - b.start!);
  }

  // ---- voice turns
  const voice: CxTurn[] = [];
  if (r.voice && st.voice.present) {
    const off = st.voice.offsetSec ?? 0;
    const segs = r.voice.segments.filter((s) => s.confidence > 0).sort((a, b) => a.start - b.start);
    let cur: (typeof segs)[number][] = [];
    const flush = () => {
      if (!cur.length) return;
      const dur = cur.map((s) => Math.max(1e-3, s.end - s.start));
      const D = dur.reduce((a, b) => a + b, 0);
      const w = (f: (s: (typeof segs)[number]) => number) => cur.reduce((a, s, i) => a + f(s) * dur[i], 0) / D;
      const emotions: Emotions = emptyEmotions();
      for (const l of CORE_LABELS) emotions[l] = w((s) => s.emotions[l]);
      voice.push({
        role: roleOf(sig, cur[0].speaker, customer),
        speaker: cur[0].speaker,
        start: cur[0].start + off,
        end: Math.max(...cur.map((s) => s.end)) + off,
        valence: w((s) => s.valence),
        arousal: w((s) => s.arousal),
        stress: w((s) => s.stress),
        emotions,
        confidence: w((s) => s.confidence),
        source: 'voice',
      });
      cur = [];
    };
    // one speaker's consecutive segments form a turn (segments of the other speaker in between end it)
    const bySpeaker = [...segs];
    for (const s of bySpeaker) {
      const last = cur[cur.length - 1];
      if (last && (s.speaker !== last.speaker || s.start - last.end >= 1.5)) flush();
      cur.push(s);
    }
    flush();
  }

  // ---- the customer's trajectory
  const wins = sig.timeline.filter((w) => w.speaker === customer);
  let trajectory: ConversationModel['trajectory'];
  let timed = true;
  if (wins.length) trajectory = wins.map((w) => ({ t: (w.start + w.end) / 2, valence: w.valence, stress: w.stress, arousal: w.arousal, anger: w.emotions.anger }));
  else {
    timed = false;
    trajectory = chat.map((c, i) => ({ t: i, valence: c.valence, stress: c.stress, arousal: c.arousal, anger: c.emotions.anger })).filter((_, i) => chat[i].role === 'customer');
  }
  return { customer, agent, chat, chatTimed, voice, trajectory, timed };
}
