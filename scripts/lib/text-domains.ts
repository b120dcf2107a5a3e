/**
 * Sentiment items from every labelled text set in ../shared/data/text, grouped into the domains the
 * leave-one-domain-out validation holds out: Reddit (GoEmotions), tweets (TweetEval, dair-ai emotion),
 * dialogue (DailyDialog), reviews (UCI sentences, women's clothing reviews), service dialogues (USS
 * satisfaction as a sentiment proxy), subtitles (XED). Labels: 0 negative, 1 neutral, 2 positive.
 *
 * Each item is either `train` (may be trained on when its domain is not held out) or `test` (scored when
 * its domain is held out, and by the bench). Splits are by conversation where there are conversations
 * (DailyDialog's own splits, USS by dialogue), by review (clothing: orig_id) and by line elsewhere; test
 * items are never trained on by any model, the shipped one included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvRecords } from '../../src/text/chat.js';
import { loadDailyDialog, loadGoEmotions, textDataDir } from './text-data.js';

export const DOMAINS = ['reddit', 'tweets', 'dialogue', 'reviews', 'service', 'subtitles'] as const;
export type Domain = (typeof DOMAINS)[number];
export const SENT3 = ['negative', 'neutral', 'positive'] as const;

export interface SentItem {
  text: string;
  /** 0 negative, 1 neutral, 2 positive. */
  label: number;
  domain: Domain;
  /** The labelled set it comes from (what the bench reports per row). */
  set: string;
  split: 'train' | 'test';
  /** Two-class set (no neutral: score positive vs negative only). */
  binary?: boolean;
  /** Conversation id (dialogue sets) and position in it, for context experiments. */
  conv?: string;
  turn?: number;
  /** Weak label (stars, satisfaction, emotion mapped to sentiment) rather than a sentiment annotation. */
  weak?: boolean;
  /** The customer's star rating (reviews with stars), for per-star breakdowns. */
  stars?: number;
}

const csvRows = (src: string): string[][] => csvRecords(src).map((r) => r.fields);
/** Deterministic 32-bit hash of a string (FNV-1a) for splits. */
function h32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** GoEmotions sentiment groups → one label when the item has exactly one of negative/neutral/positive. */
function goSentiment(groups: number[]): number | undefined {
  // SENTIMENT_GROUPS: negative 0, neutral 1, positive 2, ambiguous 3
  const s = groups.filter((g) => g !== 3);
  if (s.length !== 1) return undefined;
  return s[0];
}

function reddit(): SentItem[] {
  const out: SentItem[] = [];
  for (const [split, part] of [['train', 'train'], ['test', 'test']] as const) {
    for (const it of loadGoEmotions(part)) {
      const l = goSentiment(it.sentiment);
      if (l !== undefined) out.push({ text: it.text, label: l, domain: 'reddit', set: 'GoEmotions', split });
    }
  }
  return out;
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n');
}

function tweets(dir: string): SentItem[] {
  const out: SentItem[] = [];
  const te = join(dir, 'tweeteval');
  const clean = (t: string): string => t.replace(/@user/g, '@someone');
  for (const [part, split] of [['val', 'train'], ['test', 'test']] as const) {
    const t = lines(join(te, 'sentiment_partial', `${part}_text.txt`)), l = lines(join(te, 'sentiment_partial', `${part}_labels.txt`));
    for (let i = 0; i < Math.min(t.length, l.length); i++) if (t[i].trim() && l[i].trim()) out.push({ text: clean(t[i]), label: Number(l[i]), domain: 'tweets', set: 'TweetEval sentiment', split });
  }
  // TweetEval emotion (anger, joy, optimism, sadness) → negative / positive (weak), train + val
  const EMO = [0, 2, 2, 0];
  for (const part of ['train', 'val']) {
    const t = lines(join(te, 'emotion', `${part}_text.txt`)), l = lines(join(te, 'emotion', `${part}_labels.txt`));
    for (let i = 0; i < Math.min(t.length, l.length); i++) if (t[i].trim() && l[i].trim()) out.push({ text: clean(t[i]), label: EMO[Number(l[i])], domain: 'tweets', set: 'TweetEval emotion', split: 'train', weak: true });
  }
  // dair-ai emotion (sadness, joy, love, anger, fear, surprise) → negative / positive; surprise dropped
  const DAIR: Record<string, number> = { sadness: 0, anger: 0, fear: 0, joy: 2, love: 2 };
  for (const line of lines(join(dir, 'dair_emotion', 'train.txt'))) {
    const k = line.lastIndexOf(';');
    if (k < 0) continue;
    const l = DAIR[line.slice(k + 1).trim()];
    if (l !== undefined) out.push({ text: line.slice(0, k), label: l, domain: 'tweets', set: 'dair-ai emotion', split: 'train', weak: true });
  }
  return out;
}

/** DailyDialog emotion → sentiment: none → neutral, happiness → positive, anger/disgust/fear/sadness → negative, surprise dropped. */
const DD_SENT: (number | undefined)[] = [1, 0, 0, 0, 2, 0, undefined];
function dialogue(): SentItem[] {
  const out: SentItem[] = [];
  for (const [part, split] of [['train', 'train'], ['test', 'test']] as const) {
    let prev = -1, turn = 0;
    for (const u of loadDailyDialog(part)) {
      turn = u.dialogue === prev ? turn + 1 : 0;
      prev = u.dialogue;
      const l = DD_SENT[u.label];
      if (l !== undefined) out.push({ text: u.text, label: l, domain: 'dialogue', set: 'DailyDialog', split, conv: `${part}-${u.dialogue}`, turn, weak: true });
    }
  }
  return out;
}

function reviews(dir: string): SentItem[] {
  const out: SentItem[] = [];
  // UCI sentences: test only (never trained on), two classes
  const uci = csvRows(readFileSync(join(dir, 'uci_sentiment_sentences', 'sentences.csv'), 'utf8'));
  for (const r of uci.slice(1)) {
    if (r.length < 3 || !r[0].trim()) continue;
    out.push({ text: r[0], label: r[1] === 'positive' ? 2 : 0, domain: 'reviews', set: `UCI ${r[2]}`, split: 'test', binary: true });
  }
  // clothing reviews: the customer's stars (1–2 negative, 3 neutral, 4–5 positive); one review in five (by orig_id) is test
  const cl = csvRows(readFileSync(join(dir, 'womens_clothing_reviews', 'reviews.csv'), 'utf8'));
  const h = cl[0];
  const iT = h.indexOf('text'), iR = h.indexOf('rating'), iId = h.indexOf('orig_id');
  for (const r of cl.slice(1)) {
    if (r.length <= iId || !r[iT].trim()) continue;
    const stars = Number(r[iR]);
    const label = stars <= 2 ? 0 : stars === 3 ? 1 : 2;
    out.push({ text: r[iT], label, domain: 'reviews', set: 'Clothing reviews', split: h32(`clothing${r[iId]}`) % 5 === 0 ? 'test' : 'train', weak: true, stars });
  }
  return out;
}

/** USS: every USER turn, mean of the three raters' satisfaction: < 2.5 negative, ≥ 3.5 positive, else neutral. One dialogue in five is test. */
function service(dir: string): SentItem[] {
  const out: SentItem[] = [];
  for (const src of ['MWOZ', 'SGD', 'ReDial', 'CCPE']) {
    let d = 0, turn = 0;
    for (const line of lines(join(dir, 'uss_satisfaction', `${src}.txt`))) {
      if (!line.trim()) {
        d++;
        turn = 0;
        continue;
      }
      const f = line.split('\t');
      turn++;
      if (f[0] !== 'USER' || !f[1]?.trim() || !f[3]) continue;
      const sats = f[3].split(',').map(Number).filter((x) => x >= 1 && x <= 5);
      if (!sats.length) continue;
      const m = sats.reduce((a, b) => a + b, 0) / sats.length;
      const conv = `${src}-${d}`;
      out.push({
        text: f[1], label: m < 2.5 ? 0 : m >= 3.5 ? 2 : 1, domain: 'service', set: `USS ${src}`,
        split: h32(conv) % 5 === 0 ? 'test' : 'train', conv, turn, weak: true,
      });
    }
  }
  return out;
}

// XED Plutchik: 1 anger, 2 anticipation, 3 disgust, 4 fear, 5 joy, 6 sadness, 7 surprise, 8 trust
const XED_POL: Record<number, number | undefined> = { 1: 0, 3: 0, 4: 0, 6: 0, 5: 2, 8: 2 };
function subtitles(dir: string): SentItem[] {
  const out: SentItem[] = [];
  const add = (text: string, label: number): void => {
    out.push({ text, label, domain: 'subtitles', set: 'XED', split: h32(`xed${text}`) % 5 === 0 ? 'test' : 'train', weak: true });
  };
  for (const line of lines(join(dir, 'xed_en', 'en-annotated.tsv'))) {
    const [text, ids] = line.split('\t');
    if (!text?.trim() || !ids) continue;
    const pols = new Set(ids.split(',').map((s) => XED_POL[Number(s.trim())]).filter((x): x is number => x !== undefined));
    if (pols.size !== 1) continue;
    add(text.replace(/\[PERSON\]/g, '[NAME]'), [...pols][0]);
  }
  for (const line of lines(join(dir, 'xed_en', 'neu_en.txt'))) {
    const text = line.split('\t')[1];
    if (text?.trim()) add(text, 1);
  }
  return out;
}

/** Every sentiment item of every domain. */
export function loadSentimentDomains(dir = textDataDir()): SentItem[] {
  return [...reddit(), ...tweets(dir), ...dialogue(), ...reviews(dir), ...service(dir), ...subtitles(dir)];
}

/** TweetEval irony (0 not ironic, 1 ironic). */
export function loadIrony(split: 'train' | 'val' | 'test', dir = textDataDir()): { text: string; label: number }[] {
  const base = join(dir, 'tweeteval', 'irony');
  const t = lines(join(base, `${split}_text.txt`)), l = lines(join(base, `${split}_labels.txt`));
  const out: { text: string; label: number }[] = [];
  for (let i = 0; i < Math.min(t.length, l.length); i++) if (t[i].trim() && l[i].trim()) out.push({ text: t[i].replace(/@user/g, '@someone'), label: Number(l[i]) });
  return out;
}
