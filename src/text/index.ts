/**
 * emosig text modality: chat messages → emotions (core labels), GoEmotions nuances, sentiment,
 * valence/arousal, confidence and cue words per message, plus per-speaker aggregates.
 */
import { statSync } from 'node:fs';
import { readRegularFile } from '../runtime/read.js';
import { MAX_MESSAGES, MAX_TRANSCRIPT_BYTES } from '../limits.js';
import { EmosigError } from '../errors.js';
import { dict } from '../runtime/dict.js';
import { check, TextInputSchema, TextOptionsSchema } from '../runtime/validate.js';
import { CORE_LABELS, emptyEmotions, type Emotions } from '../signature/labels.js';
import { parseChat, type ChatFormat, type ChatIssue, type ChatMessage } from './chat.js';
import { GO_LABELS, type GoLabel } from './labels.js';
import { applyContext, applySentenceRule, contributions, featurizeWith, knownShare, loadTextModel, scoreFeatures, TextHistory, type TextBackend, type TextModel, type RawScores } from './model.js';
import type { Features } from './features.js';
import { guessLanguage } from './language.js';

export { parseChat, detectChatFormat, parseTime, CHAT_FORMATS, type ChatFormat, type ChatMessage, type ChatIssue, type ParsedChat } from './chat.js';
export { GO_LABELS, EKMAN_MAPPING, SENTIMENT_GROUPS, CX_LABELS, type GoLabel } from './labels.js';
export { loadTextModel, TextHistory, type TextModel, type TextBackend } from './model.js';
export { featurize, normalizeText, tokenize, DEFAULT_FEATURES, COMPLAINT_MARKERS, type FeatureConfig } from './features.js';
export { guessLanguage, type LanguageGuess, type LanguageCode } from './language.js';

export type SentimentLabel = 'negative' | 'neutral' | 'positive';

export type TextFlag =
  | 'empty'
  | 'truncated'
  | 'language-unsupported'
  | 'out-of-vocabulary'
  | 'short'
  | 'emoji-only'
  | 'html'
  | 'invalid-text'
  | 'shouting';

export interface TextCue {
  /** A word, emoji or message-level cue ("shouting", "exclamation"). */
  cue: string;
  /** The label it pushed up (a GoEmotions or core label, or 'complaint' / 'urgency' for the CX signals). */
  label: string;
  /** Its share of that label's evidence (logit contribution). */
  weight: number;
}

export interface TextMessageReading {
  /** 0-based position of the message in the input. */
  index: number;
  time?: number;
  speaker?: string;
  /** The message text (only with `echo: true`). */
  text?: string;
  /** Core-label probabilities (GoEmotions' Ekman grouping), summing to 1 (all 0 for an empty message). */
  emotions: Emotions;
  /** The 28 GoEmotions probabilities (independent, multi-label). */
  nuances: Record<GoLabel, number>;
  /** GoEmotions labels above their dev-tuned thresholds, most probable first. */
  labels: GoLabel[];
  sentiment: { label: SentimentLabel; score: number; probabilities: Record<SentimentLabel | 'ambiguous', number> };
  /** Pleasant (+1) … unpleasant (−1). */
  valence: number;
  /** Activated (+1) … calm (−1). */
  arousal: number;
  /** 0…1: low for very short, non-English, out-of-vocabulary or empty text. */
  confidence: number;
  /** Signals a customer-experience team acts on (see {@link TextCx}). */
  cx: TextCx;
  /** Words and cues that drove the top label, the complaint and the urgency (empty unless `explain`). */
  cues: TextCue[];
  flags: TextFlag[];
}

/**
 * Customer-experience signals of one message, each in [0, 1]. frustration = max(annoyance, anger),
 * confusion, disappointment and gratitude are the GoEmotions outputs; urgency is a rule (urgency words
 * such as "asap", "immediately", "right now", plus !!/shouting); irony is a head trained on TweetEval
 * irony; complaintScore is the multi-domain negative-sentiment probability or, when the message has
 * complaint markers ("refund", "on hold", "third time", …), at least (0.5 + 0.25·markers, at most 1) ×
 * (1 − positive probability, discounted by irony); `complaint` = complaintScore ≥ 0.5. The words that
 * triggered the complaint (markers first, then the words that pushed negative sentiment most) and the
 * urgency words are in `cues` with label 'complaint' / 'urgency'.
 */
export interface TextCx {
  frustration: number;
  confusion: number;
  disappointment: number;
  urgency: number;
  gratitude: number;
  irony: number;
  /** irony ≥ its threshold (tuned on TweetEval irony validation). */
  ironic: boolean;
  /** Probability that the message is negative about something (a complaint). */
  complaintScore: number;
  complaint: boolean;
}

export interface SpeakerSummary {
  messages: number;
  emotions: Emotions;
  valence: number;
  arousal: number;
  sentiment: { score: number; negative: number; neutral: number; positive: number };
  /** Mean GoEmotions probability, top 5. */
  topNuances: { label: GoLabel; mean: number }[];
  /** Valence of the last third minus the first third of the speaker's messages (needs ≥ 3 messages). */
  valenceTrend?: number;
  confidence: number;
}

export interface TextReading {
  modality: 'text';
  messages: TextMessageReading[];
  /** Every message together (same shape as `VoiceReading.overall`: the whole interaction). */
  overall: SpeakerSummary;
  /** Per speaker (messages without a speaker count as "unknown"), as `VoiceReading.bySpeaker`. */
  bySpeaker: Record<string, SpeakerSummary>;
  /** Input problems that did not stop the rest (bad lines, missing fields, invalid UTF-8). */
  issues: ChatIssue[];
  /** From the model registry: the loaded model's name, version and (when its card states one) licence. */
  model: { name: string; version: number; license?: string };
}

export interface AnalyzeTextOptions {
  /** Format of a transcript given as `{ path }` or `{ content }` (default: detected). */
  format?: ChatFormat;
  /** Include cue words (default true). */
  explain?: boolean;
  /** Echo each message's text in the reading (default false: privacy). */
  echo?: boolean;
  batchSize?: number;
  /** 'js' (default): evaluate the ONNX file's linear layer in JS; 'onnx': run the graph in onnxruntime. */
  backend?: TextBackend;
  /** Folder with text-emotion.onnx, text-model.json, known-words.bin (default: models/text). */
  modelDir?: string;
  /**
   * Conversation context: a message's sentiment and core emotions also read the previous messages of the
   * same conversation (the model's context window, earlier messages only, so a message's reading never
   * depends on a later one). The messages of one call are one conversation, split where a message's
   * `conversation` id changes. Default: the model's `onByDefault` (off for the shipped model: it helped on
   * DailyDialog but not on service dialogues, see the README); `false` reads every message alone.
   */
  context?: boolean;
  /**
   * The conversation so far, carried from call to call (`scoreMessages` only; the live stream passes one so
   * that scoring message by message gives what scoring the whole list at once gives). Default: a new one per call.
   */
  history?: TextHistory;
}

/**
 * What `analyzeText` (and `analyze({ chat })`) accept. A string is always a transcript **path** (like every emosig
 * input given as a string); messages are an array of strings or `{ text, speaker?, time? }`, or a transcript's
 * `{ content }`.
 */
export type TextInput = string | (string | ChatMessage)[] | { path: string } | { content: string | Uint8Array; name?: string };

/** Decode bytes as UTF-8, replacing invalid sequences and reporting where the first one is. */
export function decodeUtf8(buf: Uint8Array, input?: string): { text: string; issue?: ChatIssue } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf) };
  } catch {
    const text = new TextDecoder('utf-8').decode(buf);
    const at = text.indexOf('\uFFFD');
    const line = at >= 0 ? text.slice(0, at).split('\n').length : undefined;
    return {
      text,
      issue: {
        line,
        code: 'TEXT_INVALID_UTF8',
        message: `${input ? input + ': ' : ''}invalid UTF-8${line ? ` (first at line ${line})` : ''}; bad bytes were replaced by U+FFFD and those messages are flagged`,
      },
    };
  }
}

/** A transcript file: a regular file of at most MAX_TRANSCRIPT_BYTES (FIFOs, devices and folders are refused). */
function readPath(path: string): Uint8Array {
  if (typeof path !== 'string' || !path) throw new EmosigError('INVALID_OPTIONS', 'path must be a non-empty string (the transcript file)');
  let st;
  try {
    st = statSync(path);
  } catch {
    // a string that does not look like a path may be a message passed by mistake: never echo it (privacy)
    const pathLike = path.length <= 260 && !/[\s]{2,}|\n/.test(path) && /[./\\]/.test(path);
    throw new EmosigError(
      'INPUT_NOT_FOUND',
      'no such file. A string is always a transcript path; pass messages as an array (["text", …] or [{ text, speaker }]) or as { content }. On the command line, use - to read stdin.',
      pathLike ? { input: path } : {},
    );
  }
  return readRegularFile(path, { maxBytes: MAX_TRANSCRIPT_BYTES, what: 'a chat transcript (JSON, JSONL, CSV or one message per line)' });
}

/** Normalise any accepted input into messages + issues. */
export function toMessages(input: TextInput, options: AnalyzeTextOptions = {}): { messages: (ChatMessage & { index: number })[]; issues: ChatIssue[] } {
  if (typeof input === 'string') {
    // One rule for every emosig API that takes files: a string is a path. Messages go in an array or { content }.
    if (!input.trim()) throw new EmosigError('TEXT_EMPTY', 'the transcript path is empty; give a file path, or pass messages as an array (analyzeText([\'…\'])).');
    return toMessages({ path: input }, options);
  }
  if (Array.isArray(input)) {
    const messages: (ChatMessage & { index: number })[] = [];
    const issues: ChatIssue[] = [];
    input.forEach((m, index) => {
      if (typeof m === 'string') messages.push({ index, text: m });
      else if (m && typeof m === 'object' && typeof (m as ChatMessage).text === 'string') messages.push({ ...(m as ChatMessage), index });
      else issues.push({ index, code: 'TEXT_MISSING_FIELD', message: `message ${index}: expected a string or { text: string }; skipped` });
    });
    if (messages.length === 0 && issues.length === 0) throw new EmosigError('TEXT_EMPTY', 'no messages given (empty array).');
    return { messages, issues };
  }
  if (input && typeof input === 'object' && ('path' in input || 'content' in input)) {
    const name = 'path' in input ? input.path : input.name;
    const raw = 'path' in input ? readPath(input.path) : input.content;
    if (typeof raw !== 'string' && !(raw instanceof Uint8Array)) throw new EmosigError('INVALID_OPTIONS', 'content must be a string or bytes (Uint8Array / Buffer)', { input: name });
    if (raw.length > MAX_TRANSCRIPT_BYTES) throw new EmosigError('INPUT_TOO_LARGE', `the transcript is larger than the limit (${MAX_TRANSCRIPT_BYTES >> 20} MiB); split it`, { input: name });
    const dec = typeof raw === 'string' ? { text: raw } : decodeUtf8(raw, name);
    if (!dec.text.trim()) throw new EmosigError('TEXT_EMPTY', 'the transcript is empty.', { input: name });
    const parsed = parseChat(dec.text, options.format, { input: name });
    if (parsed.messages.length > MAX_MESSAGES) throw new EmosigError('INPUT_TOO_LARGE', `the transcript has ${parsed.messages.length} messages; the limit is ${MAX_MESSAGES}. Split it`, { input: name });
    const issues = dec.issue ? [dec.issue, ...parsed.issues] : parsed.issues;
    if (parsed.messages.length === 0 && issues.length === 0) throw new EmosigError('TEXT_EMPTY', 'the transcript has no messages.', { input: name });
    return { messages: parsed.messages, issues };
  }
  throw new EmosigError('INVALID_OPTIONS', 'analyzeText expects a string, an array of messages, { path } or { content }.');
}

/** Analyse one message, a list of messages, or a transcript file. */
export async function analyzeText(input: TextInput, options: AnalyzeTextOptions = {}): Promise<TextReading> {
  check(TextInputSchema, input, 'analyzeText', 'input');
  check(TextOptionsSchema, options, 'analyzeText', 'options');
  const { messages, issues } = toMessages(input, options);
  const model = await loadTextModel(options.modelDir);
  return textReading(model, await scoreMessages(model, messages, options), issues);
}

/** A `TextReading` from messages already scored with `model` (per-speaker aggregates added). */
export function textReading(model: TextModel, readings: TextMessageReading[], issues: ChatIssue[] = []): TextReading {
  return {
    modality: 'text',
    messages: readings,
    ...byGroup(summarise(readings)),
    issues,
    model: { name: model.info.model ?? model.settings.name, version: model.settings.version, ...(model.info.license ? { license: model.info.license } : {}) },
  };
}

/** Score already-parsed messages (the CLI and bench use this directly). */
export async function scoreMessages(model: TextModel, messages: (ChatMessage & { index: number })[], options: AnalyzeTextOptions = {}): Promise<TextMessageReading[]> {
  const explain = options.explain ?? true;
  const B = Math.max(1, options.batchSize ?? 256);
  if (options.context !== undefined && typeof options.context !== 'boolean') throw new EmosigError('INVALID_OPTIONS', 'context must be true or false');
  if (options.history !== undefined && !(options.history instanceof TextHistory)) throw new EmosigError('INVALID_OPTIONS', 'history must be a TextHistory (new TextHistory())');
  const useContext = options.context ?? model.context?.onByDefault ?? false;
  const history = !useContext || !model.context ? undefined : (options.history ?? new TextHistory());
  const out: TextMessageReading[] = [];
  // chunk by chunk, so features of a long transcript never pile up in memory
  for (let c = 0; c < messages.length; c += B) {
    const chunk = messages.slice(c, c + B);
    const feats = chunk.map((m) => featurizeWith(model, m.text));
    const live: number[] = [];
    feats.forEach((f, i) => {
      if (f.idx.length > 0 && chunk[i].text.trim()) live.push(i);
    });
    const scores = await scoreFeatures(model, live.map((i) => feats[i]), { explain, batchSize: B, backend: options.backend });
    const byMsg: (RawScores | undefined)[] = new Array(chunk.length);
    live.forEach((i, k) => (byMsg[i] = scores[k]));
    if (history) {
      // in conversation order; empty messages neither read nor enter the context
      for (let i = 0; i < chunk.length; i++) {
        const conv = chunk[i].conversation;
        if (conv !== history.conversation) history.reset(conv);
        if (byMsg[i]) applyContext(model, history, feats[i], byMsg[i]!);
      }
    }
    const rule = model.settings.sentenceRule;
    if (rule) {
      // only long messages can change (checked here, so short ones cost no await)
      for (let i = 0; i < chunk.length; i++) if (byMsg[i] && feats[i].stats.words >= rule.minWords) await applySentenceRule(model, chunk[i].text, feats[i], byMsg[i]!, options.backend);
    }
    for (let i = 0; i < chunk.length; i++) out.push(toReading(model, chunk[i], feats[i], byMsg[i], options.echo ?? false, explain));
  }
  return out;
}

const round = (x: number, d = 4): number => (d === 4 ? Math.round(x * 1e4) / 1e4 : Math.round(x * 1e3) / 1e3);

function toReading(model: TextModel, m: ChatMessage & { index: number }, f: Features, s: RawScores | undefined, echo: boolean, explain: boolean): TextMessageReading {
  const base = {
    index: m.index,
    ...(m.time !== undefined ? { time: m.time } : {}),
    ...(m.speaker !== undefined ? { speaker: m.speaker } : {}),
    ...(echo ? { text: m.text } : {}),
  };
  const flags: TextFlag[] = [];
  const st = f.stats;
  if (st.truncated) flags.push('truncated');
  if (st.html) flags.push('html');
  if (st.replacementChars > 0) flags.push('invalid-text');
  if (!s) {
    flags.unshift('empty');
    return {
      ...base,
      emotions: emptyEmotions(),
      nuances: Object.fromEntries(GO_LABELS.map((l) => [l, 0])) as Record<GoLabel, number>,
      labels: [],
      sentiment: { label: 'neutral', score: 0, probabilities: { negative: 0, neutral: 0, positive: 0, ambiguous: 0 } },
      valence: 0,
      arousal: 0,
      confidence: 0,
      cx: { frustration: 0, confusion: 0, disappointment: 0, urgency: 0, gratitude: 0, irony: 0, ironic: false, complaintScore: 0, complaint: false },
      cues: [],
      flags,
    };
  }

  // core emotions: Ekman sigmoids renormalised to a distribution
  const ek = s.ekman;
  let sum = 0;
  for (let i = 0; i < 7; i++) sum += ek[i];
  const emotions = emptyEmotions();
  for (let i = 0; i < CORE_LABELS.length; i++) emotions[CORE_LABELS[i]] = round(sum > 0 ? ek[i] / sum : 1 / 7);

  const nuances = {} as Record<GoLabel, number>;
  const labels: GoLabel[] = [];
  for (let i = 0; i < GO_LABELS.length; i++) {
    const l = GO_LABELS[i];
    nuances[l] = round(s.go[i]);
    if (s.go[i] >= model.goThresholds[i]) labels.push(l);
  }
  if (labels.length > 1) labels.sort((a, b) => nuances[b] - nuances[a]);

  // sentiment: negative / neutral / positive (+ ambiguous) sigmoids
  const [pNeg, pNeu, pPos, pAmb] = s.sentiment;
  const z3 = pNeg + pNeu + pPos || 1;
  const probs = { negative: pNeg / z3, neutral: pNeu / z3, positive: pPos / z3 };
  const label: SentimentLabel = probs.negative >= probs.neutral && probs.negative >= probs.positive ? 'negative' : probs.positive >= probs.neutral ? 'positive' : 'neutral';
  const sentiment = {
    label,
    score: round(probs.positive - probs.negative),
    probabilities: { negative: round(probs.negative), neutral: round(probs.neutral), positive: round(probs.positive), ambiguous: round(pAmb) },
  };

  const vb = model.settings.valenceBlend;
  const valence = Math.max(-1, Math.min(1, vb ? vb.head * s.va[0] + vb.sentiment * (probs.positive - probs.negative) + vb.bias : s.va[0]));
  const arousal = s.va[1];

  // confidence
  const { words, known } = knownShare(model, f);
  if (st.words === 0 && (st.emoji > 0 || st.emoticons > 0)) flags.push('emoji-only');
  if (st.words > 0 && st.words <= 2) flags.push('short');
  const lang = guessLanguage(f.tokens, st.letters, st.latinShare, m.text);
  const nonEnglish = lang.unsupported || (st.words >= 3 && st.englishHits === 0 && lang.englishHits === 0 && known / Math.max(1, words) < 0.6);
  if (nonEnglish) flags.push('language-unsupported');
  const knownFrac = words > 0 ? known / words : st.emoji + st.emoticons > 0 ? 0.7 : 0;
  if (words >= 2 && knownFrac < 0.5 && !nonEnglish) flags.push('out-of-vocabulary');
  if (st.capsWords >= 2 && st.capsWords / Math.max(1, st.words) >= 0.5) flags.push('shouting');
  const lengthF = st.words > 0 ? Math.min(1, 0.35 + 0.65 * Math.min(1, st.words / 5)) : st.emoji + st.emoticons > 0 ? 0.45 : 0.1;
  const langF = nonEnglish ? 0.15 : 1;
  const vocabF = 0.25 + 0.75 * knownFrac;
  let top = -Infinity;
  for (const l of CORE_LABELS) if (emotions[l] > top) top = emotions[l];
  const certainty = 0.6 + 0.4 * Math.min(1, (top - 1 / 7) / (0.6 - 1 / 7));
  const confidence = round(Math.max(0, Math.min(1, lengthF * langF * vocabF * certainty)), 3);
  const cx = cxOf(model, f, s, probs, explain);

  return {
    ...base,
    emotions,
    nuances,
    labels,
    sentiment,
    valence: round(valence),
    arousal: round(arousal),
    confidence,
    cx: cx.values,
    cues: explain ? [...cuesOf(model, f, s, labels, emotions), ...cx.cues] : [],
    flags,
  };
}

/** Words that make a message urgent (single words and pairs). */
const URGENT_WORDS = new Set(['urgent', 'urgently', 'asap', 'immediately', 'emergency', 'hurry', 'deadline', 'quickly', 'now', 'today', 'tonight', 'critical']);
const URGENT_PAIRS = new Set(['right now', 'right away', 'as soon', 'soon as', 'at once', 'straight away', 'time sensitive', 'by tomorrow', 'this morning', 'end of']);
const COMPLAINT_AT = 0.5;
const GO_INDEX = Object.fromEntries(GO_LABELS.map((l, i) => [l, i])) as Record<GoLabel, number>;

function cxOf(model: TextModel, f: Features, s: RawScores, probs: { negative: number; positive: number }, explain: boolean): { values: TextCx; cues: TextCue[] } {
  const g = (l: GoLabel): number => s.go[GO_INDEX[l]];
  const cues: TextCue[] = [];
  // urgency: rule
  const urgent: string[] = [];
  let prev = '';
  for (const t of f.tokens) {
    if (t.kind !== 'word') {
      prev = '';
      continue;
    }
    if (URGENT_WORDS.has(t.norm) && !(t.norm === 'now' && prev && !['right', 'me', 'it', 'this', 'up'].includes(prev))) urgent.push(t.norm);
    else if (prev && URGENT_PAIRS.has(`${prev} ${t.norm}`)) urgent.push(`${prev} ${t.norm}`);
    prev = t.norm;
  }
  const st = f.stats;
  const shouting = st.capsWords >= 2 && st.capsWords / Math.max(1, st.words) >= 0.5;
  const urgency = Math.min(1, 0.45 * Math.min(urgent.length, 2) + (urgent.length ? 0.1 * Math.min(st.exclaims, 2) : 0) + (shouting ? 0.1 : 0));
  // irony head (models trained with it)
  const ix = model.settings.cxOutputs?.indexOf('irony') ?? -1;
  const irony = ix >= 0 ? s.cx[ix] : 0;
  const ironic = ix >= 0 && irony >= (model.settings.cxThresholds?.irony ?? 0.5);
  // complaint: negative sentiment; with complaint markers ("where is my refund", "on hold again") also
  // any message that is not clearly positive (irony discounts the positive reading)
  const pPos = ironic ? probs.positive * (1 - irony) : probs.positive;
  const nm = f.markers.length;
  const complaintScore = nm > 0 ? Math.max(probs.negative, Math.min(1, 0.5 + 0.25 * nm) * (1 - pPos)) : probs.negative;
  const complaint = complaintScore >= COMPLAINT_AT;
  if (explain) {
    if (complaint) {
      const words = new Map<string, number>();
      for (const [a, b] of f.markers) words.set(f.tokens.slice(a, b + 1).map((t) => t.norm).join(' '), 1);
      const ct = contributions(model, f, s, model.settings.layout.offsets.sentiment);
      const byWord = new Map<string, number>();
      for (let j = 0; j < f.idx.length; j++) {
        const src = f.src[j];
        if (src < 0 || f.tokens[src].kind !== 'word') continue;
        const w = f.tokens[src].norm;
        byWord.set(w, (byWord.get(w) ?? 0) + ct[j]);
      }
      const top = [...byWord].filter(([, v]) => v > 0.1).sort((a, b) => b[1] - a[1]);
      const total = top.reduce((x, [, v]) => x + v, 0) || 1;
      for (const [w, v] of top.slice(0, 4)) if (![...words.keys()].some((k) => k.split(' ').includes(w))) words.set(w, v / total);
      // weights as shares: each marker counts as much as all the contributing words together
      const kept = [...words].slice(0, 5);
      const sum = kept.reduce((x, [, v]) => x + v, 0) || 1;
      for (const [w, v] of kept) cues.push({ cue: w, label: 'complaint', weight: round(v / sum, 3) });
    }
    for (const w of urgent.slice(0, 3)) cues.push({ cue: w, label: 'urgency', weight: round(1 / Math.min(urgent.length, 3), 3) });
  }
  return {
    values: {
      frustration: round(Math.max(g('annoyance'), g('anger'))),
      confusion: round(g('confusion')),
      disappointment: round(g('disappointment')),
      urgency: round(urgency, 3),
      gratitude: round(g('gratitude')),
      irony: round(irony),
      ironic,
      complaintScore: round(complaintScore),
      complaint,
    },
    cues,
  };
}

/** Words/cues with the largest positive contribution to the top label's logit. */
function cuesOf(model: TextModel, f: Features, s: RawScores, labels: GoLabel[], emotions: Emotions): TextCue[] {
  const off = model.settings.layout.offsets;
  let col: number, label: string;
  if (labels.length > 0 && labels[0] !== 'neutral') {
    label = labels[0];
    col = off.go + GO_LABELS.indexOf(labels[0]);
  } else {
    const best = CORE_LABELS.filter((l) => l !== 'neutral').reduce((a, b) => (emotions[b] > emotions[a] ? b : a), 'joy' as (typeof CORE_LABELS)[number]);
    if (labels[0] === 'neutral' && emotions.neutral >= emotions[best]) return [];
    label = best;
    col = off.ekman + CORE_LABELS.indexOf(best);
  }
  const byCue = new Map<string, number>();
  const ct = contributions(model, f, s, col);
  for (let j = 0; j < f.idx.length; j++) {
    const c = ct[j];
    const src = f.src[j];
    let key: string | undefined;
    if (src >= 0) {
      const t = f.tokens[src];
      if (t.kind === 'punct' || t.kind === 'placeholder') continue;
      key = t.kind === 'word' ? t.norm : t.surface;
    } else key = model.cueNames.get(f.idx[j]);
    if (!key) continue;
    byCue.set(key, (byCue.get(key) ?? 0) + c);
  }
  const pos = [...byCue.entries()].filter(([, v]) => v > 0.05).sort((a, b) => b[1] - a[1]);
  const total = pos.reduce((a, [, v]) => a + v, 0) || 1;
  return pos.slice(0, 4).map(([cue, v]) => ({ cue, label, weight: round(v / total, 3) }));
}

/** `overall` (every message) and `bySpeaker`, the shapes of a VoiceReading's. */
function byGroup(s: Record<string, SpeakerSummary>): { overall: SpeakerSummary; bySpeaker: Record<string, SpeakerSummary> } {
  const { all, ...bySpeaker } = s;
  return { overall: all, bySpeaker };
}

function summarise(rs: TextMessageReading[]): Record<string, SpeakerSummary> {
  const groups = new Map<string, TextMessageReading[]>();
  groups.set('all', []);
  for (const r of rs) {
    if (r.flags.includes('empty')) continue;
    groups.get('all')!.push(r);
    const k = r.speaker ?? 'unknown';
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  const out = dict<SpeakerSummary>();
  for (const [k, list] of groups) {
    if (list.length === 0 && k !== 'all') continue;
    const w = list.map((r) => Math.max(0.05, r.confidence));
    const W = w.reduce((a, b) => a + b, 0) || 1;
    const emotions = emptyEmotions();
    for (const l of CORE_LABELS) emotions[l] = round(list.reduce((a, r, i) => a + r.emotions[l] * w[i], 0) / W);
    const mean = (f: (r: TextMessageReading) => number): number => round(list.reduce((a, r, i) => a + f(r) * w[i], 0) / W);
    const share = (l: SentimentLabel): number => round(list.filter((r) => r.sentiment.label === l).length / Math.max(1, list.length), 3);
    const nu = GO_LABELS.map((l) => ({ label: l, mean: round(list.reduce((a, r) => a + r.nuances[l], 0) / Math.max(1, list.length)) }))
      .filter((x) => x.label !== 'neutral')
      .sort((a, b) => b.mean - a.mean)
      .slice(0, 5);
    const third = Math.floor(list.length / 3);
    const trend =
      list.length >= 3
        ? round(list.slice(-third).reduce((a, r) => a + r.valence, 0) / third - list.slice(0, third).reduce((a, r) => a + r.valence, 0) / third)
        : undefined;
    out[k] = {
      messages: list.length,
      emotions,
      valence: mean((r) => r.valence),
      arousal: mean((r) => r.arousal),
      sentiment: { score: mean((r) => r.sentiment.score), negative: share('negative'), neutral: share('neutral'), positive: share('positive') },
      topNuances: nu,
      ...(trend !== undefined ? { valenceTrend: trend } : {}),
      confidence: round(list.reduce((a, r) => a + r.confidence, 0) / Math.max(1, list.length), 3),
    };
  }
  return out;
}
