/**
 * Loaders for the text corpora in ../shared/data/text (training and bench only; never shipped).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { csvRecords } from '../../src/text/chat.js';
import type { Lexicon } from '../../src/text/features.js';
import { vaderLexicon } from './text-vader.js';
import { EKMAN_OF, GO_LABELS, SENTIMENT_GROUPS, SENTIMENT_OF } from '../../src/text/labels.js';

export function textDataDir(): string {
  const env = process.env.EMOSIG_DATA;
  const dir = env ? resolve(env, 'text') : resolve(process.cwd(), '..', 'shared', 'data', 'text');
  if (!existsSync(join(dir, 'goemotions', 'train.tsv'))) {
    throw new Error(`text data not found at ${dir} (set EMOSIG_DATA to the shared/data folder)`);
  }
  return dir;
}

export interface GoItem {
  id: string;
  text: string;
  /** Indices into GO_LABELS. */
  labels: number[];
  /** Indices into CORE_LABELS order of the Ekman file (neutral, joy, …) derived from labels. */
  ekman: number[];
  /** Indices into SENTIMENT_GROUPS. */
  sentiment: number[];
}

export function loadGoEmotions(split: 'train' | 'dev' | 'test', dir = textDataDir()): GoItem[] {
  const names = readFileSync(join(dir, 'goemotions', 'emotions.txt'), 'utf8').trim().split('\n').map((s) => s.trim());
  if (names.join(',') !== GO_LABELS.join(',')) throw new Error('emotions.txt does not match GO_LABELS');
  const out: GoItem[] = [];
  for (const line of readFileSync(join(dir, 'goemotions', `${split}.tsv`), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [text, ids, id] = line.split('\t');
    const labels = ids.split(',').map(Number);
    const ek = new Set<number>();
    const se = new Set<number>();
    for (const l of labels) {
      ek.add(EKMAN_OF[l]);
      se.add(SENTIMENT_OF[l]);
    }
    out.push({ id, text, labels, ekman: [...ek].sort(), sentiment: [...se].sort() });
  }
  return out;
}

/** The official regrouped files (`ekman/`, `sentiment_group/`): id → label names. */
export function loadOfficialGroups(kind: 'ekman' | 'sentiment_group', split: 'train' | 'dev' | 'test', dir = textDataDir()): Map<string, string[]> {
  const names = readFileSync(join(dir, 'goemotions', kind, 'labels.txt'), 'utf8').trim().split('\n').map((s) => s.trim());
  const m = new Map<string, string[]>();
  for (const line of readFileSync(join(dir, 'goemotions', kind, `${split}.tsv`), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [, ids, id] = line.split('\t');
    m.set(id, ids.split(',').map((i) => names[Number(i)]));
  }
  return m;
}

export interface VAItem {
  text: string;
  /** Scaled from 1–5 to [-1, 1]. */
  valence: number;
  arousal: number;
}

/** CSV rows (RFC 4180), parsed as chat transcripts are. */
const csvRows = (src: string): string[][] => csvRecords(src).map((r) => r.fields);

export function loadEmoBank(split: 'train' | 'dev' | 'test', dir = textDataDir()): VAItem[] {
  const rows = csvRows(readFileSync(join(dir, 'emobank', 'emobank.csv'), 'utf8'));
  const h = rows[0];
  const iS = h.indexOf('split'), iV = h.indexOf('V'), iA = h.indexOf('A'), iT = h.indexOf('text');
  return rows
    .slice(1)
    .filter((r) => r.length > iT && r[iS] === split)
    .map((r) => ({ text: r[iT], valence: (Number(r[iV]) - 3) / 2, arousal: (Number(r[iA]) - 3) / 2 }));
}

/** DailyDialog utterances with emotion (0 none … 6 surprise), deduplicated by dialogue text. */
export function loadDailyDialog(split: 'train' | 'validation' | 'test', dir = textDataDir()): { text: string; label: number; dialogue: number }[] {
  const base = join(dir, 'dailydialog', split);
  const dl = readFileSync(join(base, `dialogues_${split}.txt`), 'utf8').split('\n');
  const el = readFileSync(join(base, `dialogues_emotion_${split}.txt`), 'utf8').split('\n');
  const seen = new Set<string>();
  const out: { text: string; label: number; dialogue: number }[] = [];
  for (let d = 0; d < dl.length; d++) {
    if (!dl[d].trim()) continue;
    const key = dl[d].trim().toLowerCase().replace(/\s+/g, ' ');
    if (seen.has(key)) continue;
    seen.add(key);
    const utts = dl[d].split('__eou__').map((s) => s.trim()).filter((s) => s.length > 0);
    const emo = el[d].trim().split(/\s+/).map(Number);
    if (utts.length !== emo.length) continue; // a handful of misaligned dialogues
    for (let i = 0; i < utts.length; i++) out.push({ text: detokenize(utts[i]), label: emo[i], dialogue: d });
  }
  return out;
}

/** DailyDialog is space-tokenised ("I 'm fine ."); undo the most common splits. */
function detokenize(s: string): string {
  return s
    .replace(/\s+([.,!?;:%)])/g, '$1')
    .replace(/([(])\s+/g, '$1')
    .replace(/\s+(['\u2019](?:s|m|re|ve|ll|d|t))\b/gi, '$1')
    .replace(/\s+(n['\u2019]t)\b/gi, '$1');
}

/** TweetEval three-way sentiment (0 negative, 1 neutral, 2 positive); only val/test are stored here. */
export function loadTweetSentiment(split: 'val' | 'test', dir = textDataDir()): { text: string; label: number }[] {
  const base = join(dir, 'tweeteval', 'sentiment_partial');
  const t = readFileSync(join(base, `${split}_text.txt`), 'utf8').split('\n');
  const l = readFileSync(join(base, `${split}_labels.txt`), 'utf8').split('\n');
  const out: { text: string; label: number }[] = [];
  for (let i = 0; i < Math.min(t.length, l.length); i++) if (t[i].trim() && l[i].trim()) out.push({ text: t[i], label: Number(l[i]) });
  return out;
}

/** Emoji Sentiment Ranking (CC BY-SA 4.0) + Pattern adjective polarity (PDDL) → compact lexicon. */
export function buildLexicon(dir = textDataDir(), withVader = true): Lexicon {
  const emoji: Record<string, number> = {};
  const rows = csvRows(readFileSync(join(dir, 'lexicons', 'emoji_sentiment_ranking', 'Emoji_Sentiment_Data_v1.0.csv'), 'utf8'));
  for (const r of rows.slice(1)) {
    if (r.length < 7) continue;
    const n = Number(r[2]), neg = Number(r[4]), pos = Number(r[6]);
    if (!(n >= 5)) continue;
    // Laplace-smoothed (pos - neg) / n, as in the ranking's sentiment score
    const score = (pos - neg) / (n + 3);
    const key = String.fromCodePoint(r[0].codePointAt(0)!);
    if (Math.abs(score) >= 0.05) emoji[key] = Math.round(score * 100) / 100;
  }
  const words: Record<string, number> = {};
  const xml = readFileSync(join(dir, 'lexicons', 'pattern_en_sentiment', 'en-sentiment.xml'), 'utf8');
  const acc = new Map<string, number[]>();
  for (const m of xml.matchAll(/<word form="([^"]+)"[^>]*?polarity="([-0-9.]+)"/g)) {
    const w = m[1].toLowerCase();
    if (/\s/.test(w)) continue;
    const a = acc.get(w) ?? [];
    a.push(Number(m[2]));
    acc.set(w, a);
  }
  for (const [w, ps] of acc) {
    const p = ps.reduce((s, x) => s + x, 0) / ps.length;
    if (Math.abs(p) >= 0.1) words[w] = Math.round(p * 100) / 100;
  }
  // VADER's word lexicon (MIT) for every word Pattern does not rate (adjectives only): verbs, nouns, slang
  if (withVader) for (const [w, v] of Object.entries(vaderLexicon())) if (!(w in words)) words[w] = v;
  return { emoji, words };
}

export { GO_LABELS, SENTIMENT_GROUPS };

/** An extra corpus mapped onto the Ekman (CORE_LABELS indices) and sentiment-group heads only. */
export interface ExtraItem {
  text: string;
  ekman: number[];
  sentiment: number[];
}

// CORE_LABELS: neutral 0, joy 1, sadness 2, anger 3, fear 4, disgust 5, surprise 6
// SENTIMENT_GROUPS: negative 0, neutral 1, positive 2, ambiguous 3
const XED_EKMAN: Record<number, number | undefined> = { 1: 3, 3: 5, 4: 4, 5: 1, 6: 2, 7: 6 }; // anticipation(2), trust(8): no Ekman class
const XED_SENT: Record<number, number> = { 1: 0, 2: 2, 3: 0, 4: 0, 5: 2, 6: 0, 7: 3, 8: 2 };

/** XED English (Plutchik; anticipation/trust-only lines are dropped) + its neutral lines. */
export function loadXed(dir = textDataDir()): ExtraItem[] {
  const out: ExtraItem[] = [];
  for (const line of readFileSync(join(dir, 'xed_en', 'en-annotated.tsv'), 'utf8').split('\n')) {
    const [text, ids] = line.split('\t');
    if (!text || !ids) continue;
    const labels = ids.split(',').map((s) => Number(s.trim()));
    const ek = [...new Set(labels.map((l) => XED_EKMAN[l]).filter((x): x is number => x !== undefined))].sort();
    if (ek.length === 0) continue;
    out.push({ text: text.replace(/\[PERSON\]/g, '[NAME]'), ekman: ek, sentiment: [...new Set(labels.map((l) => XED_SENT[l]))].sort() });
  }
  for (const line of readFileSync(join(dir, 'xed_en', 'neu_en.txt'), 'utf8').split('\n')) {
    const text = line.split('\t')[1];
    if (text && text.trim()) out.push({ text, ekman: [0], sentiment: [1] });
  }
  return out;
}

/** TweetEval emotion train (anger, joy, optimism, sadness). */
export function loadTweetEmotion(split: 'train' | 'val' | 'test' = 'train', dir = textDataDir()): ExtraItem[] {
  const base = join(dir, 'tweeteval', 'emotion');
  const t = readFileSync(join(base, `${split}_text.txt`), 'utf8').split('\n');
  const l = readFileSync(join(base, `${split}_labels.txt`), 'utf8').split('\n');
  const EK = [3, 1, 1, 2], SE = [0, 2, 2, 0];
  const out: ExtraItem[] = [];
  for (let i = 0; i < Math.min(t.length, l.length); i++) {
    if (!t[i].trim() || !l[i].trim()) continue;
    const y = Number(l[i]);
    out.push({ text: t[i].replace(/@user/g, '@someone'), ekman: [EK[y]], sentiment: [SE[y]] });
  }
  return out;
}
