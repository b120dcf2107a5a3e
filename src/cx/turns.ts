/**
 * Conversation turns for the CX metrics: one entry per customer or agent turn, with the turn's affect
 * (from a modality's reading or the fused timeline) and a few lexical cues computed from its text.
 * The text itself is used only in memory to compute the cues; it never goes into a turn.
 */
import { CORE_LABELS, emptyEmotions, type Emotions } from '../signature/labels.js';

export type TurnRole = 'customer' | 'agent';

/** Lexical cues of one turn (counts or 0/1), computed by `textCues`. */
export interface TextCues {
  /** Content words (lower-case, ≥ 3 letters, no stop words) for topic persistence and repeats; in memory only. */
  words: string[];
  tokens: number;
  questions: number;
  exclamations: number;
  /** Starts with a refusal or correction ("no", "wrong", "that's not…"). */
  negStart: 0 | 1;
  negations: number;
  apology: number;
  failure: number;
  empathy: number;
  thanks: number;
  bye: number;
}

export interface CxTurn {
  role: TurnRole;
  speaker: string;
  /** Start and end on the interaction clock (s); undefined for chat without timestamps. */
  start?: number;
  end?: number;
  valence: number;
  arousal: number;
  stress: number;
  emotions: Emotions;
  /** GoEmotions probabilities (text turns only). */
  nuances?: Record<string, number>;
  /** Sentiment probabilities (text turns only). */
  sentiment?: { negative: number; neutral: number; positive: number };
  confidence: number;
  /** Where the affect came from. */
  source: 'text' | 'voice';
  cues?: TextCues;
}

const STOP = new Set(
  'the and for you your are was were this that with have has had not but can could would should will what when where which who how why there their they them then than its it\'s i\'m i\'ll i\'d i\'ve you\'re don\'t didn\'t does did doing done from into onto about also just like some any all our out get got yes yeah okay thank thanks please want need looking look find would one two more much very really well sure know think too here now see'.split(
    ' ',
  ),
);
const NEG_START = /^\s*(no\b|nope\b|nah\b|not\b|wrong\b|incorrect\b|negative\b|never\b|that'?s not\b|that is not\b|it'?s not\b|that'?s wrong\b|actually\b)/i;
const NEGATION = /\b(no|not|never|nothing|wrong|incorrect|don'?t|didn'?t|doesn'?t|isn'?t|wasn'?t|can'?t|cannot|won'?t|haven'?t)\b/gi;
const APOLOGY = /\b(sorry|apologi[sz]e|apologies|unfortunately|afraid|regret)\b/gi;
const FAILURE = /\b(unable|could ?n[o']t|can ?n[o']t|cannot|didn'?t go through|not available|unavailable|no results?|impossible|failed|not able|there (are|is) no|not find|couldn'?t find|no (availability|match))\b/gi;
const EMPATHY = /\b(i understand|understand|i see|i hear you|that must|frustrating|happy to help|glad to|of course|certainly|absolutely|no problem|right away|let me (check|help|fix|look))\b/gi;
const THANKS = /\b(thank|thanks|thx|appreciate|appreciated|great|perfect|awesome|wonderful|excellent|helpful)\b/gi;
const BYE = /\b(bye|goodbye|good bye|have a (nice|good|great|lovely) day)\b/gi;

const count = (re: RegExp, s: string) => (s.match(re) ?? []).length;

/** Lexical cues of a turn's text. */
export function textCues(text: string): TextCues {
  const t = text.normalize('NFKC').replace(/[’‘]/g, "'");
  const lower = t.toLowerCase();
  const toks = lower.match(/[a-z][a-z']*|\d+/g) ?? [];
  const words = toks.filter((w) => w.length >= 3 && !STOP.has(w) && !/^\d+$/.test(w)).map((w) => w.replace(/'s$/, '').replace(/s$/, ''));
  return {
    words,
    tokens: toks.length,
    questions: count(/\?/g, t),
    exclamations: count(/!/g, t),
    negStart: NEG_START.test(t) ? 1 : 0,
    negations: count(NEGATION, lower),
    apology: count(APOLOGY, lower),
    failure: count(FAILURE, lower),
    empathy: count(EMPATHY, lower),
    thanks: count(THANKS, lower),
    bye: count(BYE, lower),
  };
}

/** Jaccard overlap of two word lists (0 when either is empty). */
export function overlap(a: string[], b: string[]): number {
  if (!a.length || !b.length) return 0;
  const A = new Set(a);
  const B = new Set(b);
  let n = 0;
  for (const w of A) if (B.has(w)) n++;
  return n / (A.size + B.size - n);
}

/** A turn's affect from a text message reading (only the public fields of `TextMessageReading`). */
export function textTurn(
  m: { valence: number; arousal: number; emotions: Emotions; confidence: number; nuances?: Record<string, number>; sentiment?: { probabilities: Record<string, number> } },
  role: TurnRole,
  speaker: string,
  text: string | undefined,
  time?: number,
  stress?: number,
): CxTurn {
  const p = m.sentiment?.probabilities;
  return {
    role,
    speaker,
    ...(time !== undefined ? { start: time, end: time } : {}),
    valence: m.valence,
    arousal: m.arousal,
    stress: stress ?? stressFrom(m.valence, m.arousal),
    emotions: { ...emptyEmotions(), ...m.emotions },
    nuances: m.nuances ? { ...m.nuances } : undefined,
    sentiment: p ? { negative: p.negative ?? 0, neutral: p.neutral ?? 0, positive: p.positive ?? 0 } : undefined,
    confidence: m.confidence,
    source: 'text',
    ...(text !== undefined ? { cues: textCues(text) } : {}),
  };
}

/** The fusion's valence/arousal-derived stress index (docs/fusion.md), for turns without a voice. */
export function stressFrom(valence: number, arousal: number): number {
  return Math.max(0, Math.min(1, 0.5 * ((arousal + 1) / 2) + 0.3 * Math.max(0, -valence)));
}

export function emotionsVector(e: Emotions): number[] {
  return CORE_LABELS.map((l) => e[l] ?? 0);
}
