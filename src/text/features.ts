/**
 * Text normalisation, tokenisation and feature hashing — the ONE module shared by the training
 * script (scripts/train-text.ts) and inference (src/text/model.ts). Anything that changes the
 * features here changes the model's input, so the training script records `FEATURE_VERSION` in
 * models/text/text-model.json and inference refuses a model trained with another version.
 */

export const FEATURE_VERSION = 5;

/** Settings that define the hashed feature space (stored with the model). */
export interface FeatureConfig {
  /** Number of hash buckets (a power of two). */
  buckets: number;
  /** 1 = unigrams only, 2 = unigrams + bigrams. */
  wordNgrams: number;
  /** Character n-grams over `<word>` from charMin to charMax (charMax 0 disables them). */
  charMin: number;
  charMax: number;
  /** Negation-scoped unigrams (`not happy` → NEG_happy). */
  negation: boolean;
  /** Words after a contrast ("but", "however") get an extra feature. */
  contrast: boolean;
  /** Lexical cue features (shouting, elongation, !!, emoji/emoticon/adjective polarity, intensifiers). */
  cues: boolean;
  /** The `#long` cue (≥ 40 words); absent = on (models before issue 10's sixth session). */
  longCue?: boolean;
  /** Weight features by inverse document frequency (models/text/idf.bin). */
  idf: boolean;
  /** Text longer than this many characters is cut (flagged as truncated). */
  maxChars: number;
  /** Scale of each feature namespace. */
  scale: { word: number; bigram: number; char: number; neg: number; contrast: number; cue: number };
}

export const DEFAULT_FEATURES: FeatureConfig = {
  buckets: 1 << 17,
  wordNgrams: 2,
  charMin: 1,
  charMax: 4,
  negation: true,
  contrast: true,
  cues: true,
  idf: false,
  maxChars: 4000,
  scale: { word: 0.6, bigram: 0.5, char: 1.5, neg: 0.5, contrast: 0.4, cue: 0.5 },
};

/** Polarity lexicons used for cue features (built from ../shared/data/text/lexicons by the training script). */
export interface Lexicon {
  /** Emoji (without variation selectors / skin tones) → sentiment score in [-1, 1]. */
  emoji: Record<string, number>;
  /** Adjective → polarity in [-1, 1]. */
  words: Record<string, number>;
}

export const EMPTY_LEXICON: Lexicon = { emoji: {}, words: {} };

/** Word facts in one lookup: bit flags (English function word, negator, intensifier, contrast) + polarity. */
interface WordInfo {
  flags: number;
  pol: number;
}
const F_ENGLISH = 1, F_NEG = 2, F_INTENS = 4, F_CONTRAST = 8, F_MARK = 16, F_PAIR1 = 32;
/** Maps are much faster than object lookups with freshly built string keys; built once per lexicon. */
const LEX_MAPS = new WeakMap<Lexicon, { emoji: Map<string, number>; words: Map<string, WordInfo> }>();
function lexMaps(lex: Lexicon): { emoji: Map<string, number>; words: Map<string, WordInfo> } {
  let m = LEX_MAPS.get(lex);
  if (!m) {
    const words = new Map<string, WordInfo>();
    const info = (w: string): WordInfo => {
      let i = words.get(w);
      if (!i) words.set(w, (i = { flags: 0, pol: 0 }));
      return i;
    };
    for (const [w, p] of Object.entries(lex.words)) info(w).pol = p;
    for (const w of ENGLISH) info(w).flags |= F_ENGLISH;
    for (const w of NEGATORS) info(w).flags |= F_NEG;
    for (const w of INTENSIFIERS) info(w).flags |= F_INTENS;
    for (const w of CONTRASTS) info(w).flags |= F_CONTRAST;
    for (const w of COMPLAINT_MARKERS.words) info(w).flags |= F_MARK;
    for (const p of COMPLAINT_MARKERS.pairs) info(p.slice(0, p.indexOf(' '))).flags |= F_PAIR1;
    LEX_MAPS.set(lex, (m = { emoji: new Map(Object.entries(lex.emoji)), words }));
  }
  return m;
}
const NO_INFO: WordInfo = { flags: 0, pol: 0 };

/**
 * Words and word pairs customers use when they complain without emotion words ("where is my refund",
 * "third time I'm asking", "on hold for an hour"): a hand-written lexicon used as an input feature
 * (`#cxmark`) and as the trigger words of the reading's `complaint` flag. Not derived from any test set.
 */
export const COMPLAINT_MARKERS = {
  words: new Set([
    'refund', 'refunded', 'refunds', 'cancel', 'cancelled', 'canceled', 'cancellation', 'overcharged', 'charged', 'delayed',
    'delay', 'delays', 'broken', 'damaged', 'defective', 'faulty', 'missing', 'lost', 'late', 'waiting', 'waited', 'complaint',
    'complain', 'complained', 'unacceptable', 'ridiculous', 'useless', 'worst', 'escalate', 'disconnected', 'unresolved',
    'stuck', 'scam', 'ripoff', 'rip-off', 'incorrect', 'wrong', 'nobody', 'unhelpful', 'rude', 'disappointed', 'disappointing',
    'compensation', 'chargeback', 'dispute', 'outage', 'overdue', 'ignored', 'again',
  ]),
  pairs: new Set([
    'on hold', 'third time', 'second time', 'fourth time', 'still waiting', 'still no', 'still not', 'no one', 'where is',
    "where's my", 'how long', 'not working', "doesn't work", 'doesnt work', "isn't working", "won't work", 'stopped working',
    'charged twice', 'double charged', 'no response', 'no reply', 'no answer', 'never received', 'never arrived',
    'never got', 'not received', "haven't received", 'not arrived', "hasn't arrived", 'money back', 'speak to', 'a manager',
    'every time', 'keeps crashing', 'keep getting', 'hung up', 'not happy', 'not acceptable', 'fix this', 'any update',
  ]),
};

export type TokenKind = 'word' | 'emoji' | 'emoticon' | 'punct' | 'placeholder';

export interface Token {
  /** Normalised, lower-cased form used for features. */
  norm: string;
  /** The surface form in the (normalised) text, for explanations. */
  surface: string;
  kind: TokenKind;
  caps: boolean;
  elongated: boolean;
  /** Hash bucket of the unigram (set by featurize). */
  bucket?: number;
}

export interface TextStats {
  chars: number;
  words: number;
  letters: number;
  /** Share of letters that are basic Latin a–z. */
  latinShare: number;
  /** Common English function words seen (a cheap "is this English?" signal). */
  englishHits: number;
  capsWords: number;
  elongated: number;
  emoji: number;
  emoticons: number;
  exclaims: number;
  questions: number;
  negations: number;
  intensifiers: number;
  contrast: boolean;
  /** Sum of emoji/emoticon/lexicon-word polarity (negation-flipped). */
  lexPolarity: number;
  /** Lexicon words (and emoji) with positive / negative polarity after negation. */
  lexPosWords: number;
  lexNegWords: number;
  /** Complaint markers seen ("refund", "on hold", "third time", …; see COMPLAINT_MARKERS). */
  complaintMarkers: number;
  truncated: boolean;
  replacementChars: number;
  html: boolean;
}

export interface Features {
  /** Hash bucket of every active feature (unique). */
  idx: Int32Array;
  /** Feature value (same length as idx). */
  val: Float32Array;
  /** Index in `tokens` that produced the feature, or -1 for message-level cues (same length as idx). */
  src: Int32Array;
  tokens: Token[];
  stats: TextStats;
  /** Complaint markers found: [first token index, last token index] of each. */
  markers: [number, number][];
}

// ---------------------------------------------------------------------------------------------
// Normalisation

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const NON_ASCII = /[^\x00-\x7f]/;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', hellip: '…' };

/**
 * NFC, well-formed UTF-16 (lone surrogates → U+FFFD), HTML tags and entities removed, URLs, e-mails,
 * user names, numbers and GoEmotions' masks replaced by placeholders, curly quotes straightened.
 */
export function normalizeText(raw: string, maxChars = DEFAULT_FEATURES.maxChars): { text: string; truncated: boolean; html: boolean } {
  let t = raw;
  let truncated = false;
  if (t.length > maxChars) {
    // a surrogate pair split by the cut becomes U+FFFD below
    t = t.slice(0, maxChars);
    truncated = true;
  }
  if (NON_ASCII.test(t)) t = t.replace(LONE_SURROGATE, '\uFFFD').normalize('NFC');
  let html = false;
  if (t.includes('<') && /<\/?[a-zA-Z][^<>]*>/.test(t)) {
    html = true;
    t = t.replace(/<(script|style)\b[^]*?<\/\1\s*>/gi, ' ').replace(/<\/?[a-zA-Z][^<>]*>/g, ' ');
  }
  if (t.includes('&')) {
    t = t.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return cp > 0 && cp < 0x110000 && !(cp >= 0xd800 && cp < 0xe000) ? String.fromCodePoint(cp) : ' ';
      }
      const v = ENTITIES[e.toLowerCase()];
      if (v !== undefined) html = true;
      return v ?? m;
    });
  }
  // each rewrite runs only when a cheap test says it can match (most chat messages need few of them)
  if (/[\u2018\u2019\u201B\u2032\u00B4`\u201C\u201D\u201E\u2033\u2013\u2014\u2026\u200B\u200C\u2060\uFEFF]/.test(t)) {
    t = t
      .replace(/[\u2018\u2019\u201B\u2032\u00B4`]/g, "'")
      .replace(/[\u201C\u201D\u201E\u2033]/g, '"')
      .replace(/[\u2013\u2014]/g, ' - ')
      .replace(/\u2026/g, '...')
      .replace(/[\u200B\u200C\u2060\uFEFF]/g, '');
  }
  const hasAt = t.includes('@');
  if (/https?:|www\./i.test(t)) t = t.replace(/\b(?:https?:\/\/|www\.)\S+/gi, ' __url__ ');
  if (hasAt) t = t.replace(/[\w.+-]+@[\w-]+\.[\w.-]*[a-z]/gi, ' __email__ ').replace(/(^|[\s(])@\w+/g, '$1 __user__ ');
  if (t.includes('/')) t = t.replace(/(^|[\s(])\/?u\/[\w-]+/g, '$1 __user__ ').replace(/(^|[\s(])\/?r\/[\w-]+/g, '$1 __sub__ ');
  if (t.includes('[')) {
    t = t.replace(/\[NAME\]/g, ' __name__ ').replace(/\[RELIGION\]/g, ' __religion__ ').replace(/\[[A-Z]{1,12}\]/g, ' __name__ ');
  }
  if (/\d/.test(t)) {
    t = t.replace(/[$£€]\s?\d[\d,.]*/g, ' __money__ ').replace(/\b\d+(?:[.,:/]\d+)*(?:st|nd|rd|th|s|k|m|am|pm|%)?\b/gi, ' __num__ ');
  }
  return { text: t, truncated, html };
}

// ---------------------------------------------------------------------------------------------
// Tokenisation

const EMOTICONS: Record<string, number> = {
  ':)': 1, ':-)': 1, ':))': 1, '(:': 1, ':]': 1, '=)': 1, ':D': 1, ':-D': 1, 'xD': 0.7, 'XD': 0.7, ';)': 0.7, ';-)': 0.7,
  ':P': 0.5, ':p': 0.5, ':-P': 0.5, '<3': 1, '^_^': 1, '^^': 0.7, ':3': 0.7,
  ':(': -1, ':-(': -1, ':((': -1, '):': -1, ':[': -1, ":'(": -1, ':/': -0.6, ':-/': -0.6, ':|': -0.3, '-_-': -0.5,
  'T_T': -1, ':@': -1, '>:(': -1, 'D:': -0.8, ':o': 0, ':O': 0, ':-O': 0,
};
const EMOTICON_SRC = Object.keys(EMOTICONS)
  .sort((a, b) => b.length - a.length)
  .map((e) => e.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
  .join('|');

// placeholder | emoji sequence | emoticon | word | punctuation
const TOKEN_RE = new RegExp(
  [
    '(__[a-z]+__)',
    '((?:\\p{Extended_Pictographic}|\\p{Regional_Indicator}{2})(?:\\uFE0F|\\p{Emoji_Modifier}|\\u200D\\p{Extended_Pictographic})*)',
    // (the lookahead on the emoticons' first characters only skips hopeless attempts quickly)
    `((?=[:;=()<>^\\-xXDT])(?<![\\p{L}\\p{N}])(?:${EMOTICON_SRC})(?![\\p{L}\\p{N}]))`,
    "([\\p{L}\\p{M}\\p{N}_]+(?:'[\\p{L}]+)*)",
    '([!?]+|\\.{2,}|[.,;:])',
  ].join('|'),
  'gu',
);

const NEGATORS = new Set([
  'not', 'no', 'never', 'nothing', 'nobody', 'none', 'nor', 'neither', 'nowhere', 'without', 'hardly', 'barely',
  'cannot', 'cant', 'dont', 'doesnt', 'didnt', 'isnt', 'wasnt', 'arent', 'werent', 'wont', 'wouldnt', 'couldnt',
  'shouldnt', 'havent', 'hasnt', 'hadnt', 'aint',
]);
const INTENSIFIERS = new Set([
  'very', 'so', 'really', 'extremely', 'totally', 'absolutely', 'super', 'incredibly', 'seriously', 'truly', 'utterly',
  'completely', 'highly', 'insanely', 'ridiculously', 'awfully', 'terribly', 'too', 'most', 'fucking', 'damn', 'bloody',
]);
const CONTRASTS = new Set(['but', 'however', 'although', 'though', 'yet', 'except']);
const ENGLISH = new Set([
  'the', 'a', 'an', 'and', 'or', 'but', 'is', 'are', 'was', 'were', 'be', 'i', 'you', 'he', 'she', 'it', 'we', 'they',
  'my', 'your', 'me', 'this', 'that', 'to', 'of', 'in', 'on', 'for', 'with', 'not', 'no', 'do', 'have', 'has', 'what',
  'so', 'just', 'at', 'if', 'can', 'will', 'would', 'about', 'all', 'there', 'from', 'how', 'why', 'am', 'been', 'thank',
  'thanks', 'please', 'yes', 'lol', 'ok', 'okay', 'hi', 'hello', "i'm", "it's", "don't", "can't", 'get', 'got', 'still',
]);

/** Strip variation selectors, ZWJ sequences' tails and skin tones so 👍🏽 and 👍 share a token. */
function emojiKey(s: string): string {
  const first = String.fromCodePoint(s.codePointAt(0)!);
  return first;
}

/** Any character three times in a row (cheap pre-check before the Unicode-aware regex). */
function hasTriple(w: string): boolean {
  for (let i = 2; i < w.length; i++) if (w.charCodeAt(i) === w.charCodeAt(i - 1) && w.charCodeAt(i) === w.charCodeAt(i - 2)) return true;
  return false;
}
const ELONG = /(\p{L})\1{2,}/u;
const ELONG_G = /(\p{L})\1{2,}/gu;
const HAS_DIGIT_OR_UNDERSCORE = /[\d_]/;
const LETTER = /\p{L}/u;

/** Letters in a word (ASCII fast path; other characters tested one by one). */
function countLetters(w: string): number {
  let n = 0;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) n++;
    else if (c >= 0xc0 && !(c >= 0xdc00 && c < 0xe000)) {
      const cp = w.codePointAt(i)!;
      if (LETTER.test(String.fromCodePoint(cp))) n++;
    }
  }
  return n;
}

/** The emoticons in the order the token regex tries them (longest first). */
const EMOTICON_LIST = Object.keys(EMOTICONS).sort((a, b) => b.length - a.length);
const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** First characters the emoticon alternative accepts (its lookahead). */
const EMOTICON_START = new Set([':', ';', '=', '(', ')', '<', '>', '^', '-', 'x', 'X', 'D', 'T'].map((c) => c.charCodeAt(0)));

function wordToken(s: string): Token {
  let norm = s.toLowerCase();
  const caps = norm !== s && s.length >= 2 && s === s.toUpperCase() && !HAS_DIGIT_OR_UNDERSCORE.test(s);
  const elongated = norm.length >= 3 && hasTriple(norm) && ELONG.test(norm);
  if (elongated) norm = norm.replace(ELONG_G, '$1$1');
  return { norm, surface: s, kind: 'word', caps, elongated };
}
function punctToken(p: string): Token {
  const norm = p[0] === '.' && p.length > 1 ? '...' : p.length > 1 ? (p.includes('?') ? (p.includes('!') ? '?!' : '??') : '!!') : p;
  return { norm, surface: p, kind: 'punct', caps: false, elongated: false };
}

/**
 * The token regex's result for ASCII-only text, without the regex (a scanner that tries the same
 * alternatives in the same order at each position): placeholder, emoticon, word, punctuation.
 */
function tokenizeAscii(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let p = 0;
  while (p < n) {
    const c = text.charCodeAt(p);
    // 1. __placeholder__
    if (c === 95 && text.charCodeAt(p + 1) === 95) {
      let q = p + 2;
      while (q < n && text.charCodeAt(q) >= 97 && text.charCodeAt(q) <= 122) q++;
      if (q > p + 2 && text.charCodeAt(q) === 95 && text.charCodeAt(q + 1) === 95) {
        const t = text.slice(p, q + 2);
        tokens.push({ norm: t, surface: t, kind: 'placeholder', caps: false, elongated: false });
        p = q + 2;
        continue;
      }
    }
    // 3. emoticon: not after a letter/digit, not followed by one; the first alternative (longest first) that fits
    if (EMOTICON_START.has(c) && !(p > 0 && isAlnum(text.charCodeAt(p - 1)))) {
      let hit = '';
      for (const e of EMOTICON_LIST) {
        if (text.startsWith(e, p) && !(p + e.length < n && isAlnum(text.charCodeAt(p + e.length)))) {
          hit = e;
          break;
        }
      }
      if (hit) {
        tokens.push({ norm: hit, surface: hit, kind: 'emoticon', caps: false, elongated: false });
        p += hit.length;
        continue;
      }
    }
    // 4. word: [A-Za-z0-9_]+ ('[A-Za-z]+)*
    if (isAlnum(c) || c === 95) {
      let q = p + 1;
      while (q < n && (isAlnum(text.charCodeAt(q)) || text.charCodeAt(q) === 95)) q++;
      while (q + 1 < n && text.charCodeAt(q) === 39 && isAlpha(text.charCodeAt(q + 1))) {
        q += 2;
        while (q < n && isAlpha(text.charCodeAt(q))) q++;
      }
      tokens.push(wordToken(text.slice(p, q)));
      p = q;
      continue;
    }
    // 5. punctuation: [!?]+ | \.{2,} | [.,;:]
    if (c === 33 || c === 63) {
      let q = p + 1;
      while (q < n && (text.charCodeAt(q) === 33 || text.charCodeAt(q) === 63)) q++;
      tokens.push(punctToken(text.slice(p, q)));
      p = q;
      continue;
    }
    if (c === 46 && text.charCodeAt(p + 1) === 46) {
      let q = p + 2;
      while (q < n && text.charCodeAt(q) === 46) q++;
      tokens.push(punctToken(text.slice(p, q)));
      p = q;
      continue;
    }
    if (c === 46 || c === 44 || c === 59 || c === 58) {
      tokens.push(punctToken(text[p]));
      p++;
      continue;
    }
    p++;
  }
  return tokens;
}

export function tokenize(text: string): { tokens: Token[] } {
  if (!NON_ASCII.test(text)) return { tokens: tokenizeAscii(text) };
  const tokens: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN_RE.exec(text))) {
    if (m[1]) tokens.push({ norm: m[1], surface: m[1], kind: 'placeholder', caps: false, elongated: false });
    else if (m[2]) tokens.push({ norm: emojiKey(m[2]), surface: m[2], kind: 'emoji', caps: false, elongated: false });
    else if (m[3]) tokens.push({ norm: m[3], surface: m[3], kind: 'emoticon', caps: false, elongated: false });
    else if (m[4]) {
      const s = m[4];
      let norm = s.toLowerCase();
      const caps = norm !== s && s.length >= 2 && s === s.toUpperCase() && !HAS_DIGIT_OR_UNDERSCORE.test(s);
      const elongated = norm.length >= 3 && hasTriple(norm) && ELONG.test(norm);
      if (elongated) norm = norm.replace(ELONG_G, '$1$1');
      tokens.push({ norm, surface: s, kind: 'word', caps, elongated });
    } else if (m[5]) {
      const p = m[5];
      const norm = p[0] === '.' && p.length > 1 ? '...' : p.length > 1 ? (p.includes('?') ? (p.includes('!') ? '?!' : '??') : '!!') : p;
      tokens.push({ norm, surface: p, kind: 'punct', caps: false, elongated: false });
    }
  }
  return { tokens };
}

// ---------------------------------------------------------------------------------------------
// Hashing

/** 32-bit FNV-1a over UTF-16 code units, seeded by a namespace character. */
export function hashString(ns: number, s: string): number {
  let h = (0x811c9dc5 ^ ns) >>> 0;
  h = Math.imul(h, 0x01000193);
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h);
}

/** Same as hashString(ns, a + ' ' + b), without building the string. */
function hashPair(ns: number, a: string, b: string): number {
  let h = (0x811c9dc5 ^ ns) >>> 0;
  h = Math.imul(h, 0x01000193);
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 32, 0x01000193);
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b.charCodeAt(i), 0x01000193);
  return fmix(h);
}

/** Final avalanche (murmur3 fmix32) so the low bits are well mixed for the power-of-two mask. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Message-level cue features (names as hashed, and how explanations show them). */
export const CUE_NAMES: Record<string, string> = {
  '#caps': 'ALL CAPS word', '#shout': 'shouting', '#elong': 'elongated word', '#excl': 'exclamation', '#quest': 'question',
  '#multi!': 'repeated !/?', '#emoji': 'emoji', '#neg': 'negation', '#intens': 'intensifier', '#contrast': 'contrast (but)',
  '#lexpos': 'positive words', '#lexneg': 'negative words', '#short': 'very short', '#long': 'long message',
  '#cxmark': 'complaint marker', '#lexbin0': 'very negative words', '#lexbin1': 'negative words', '#lexbin2': 'slightly negative words',
  '#lexbin4': 'slightly positive words', '#lexbin5': 'positive words', '#lexbin6': 'very positive words',
  '#nneg1': 'a negative word', '#nneg2': 'negative words', '#nneg3': 'many negative words',
  '#npos1': 'a positive word', '#npos2': 'positive words', '#npos3': 'many positive words',
};

/** IDF is stored as one byte per bucket: idf = byte / IDF_SCALE. */
export const IDF_SCALE = 20;
export function encodeIdf(idf: Float32Array): Uint8Array {
  return Uint8Array.from(idf, (x) => Math.max(1, Math.min(255, Math.round(x * IDF_SCALE))));
}
export function decodeIdf(b: Uint8Array): Float32Array {
  return Float32Array.from(b, (x) => x / IDF_SCALE);
}

const CUE_BUCKETS = new Map<number, Map<string, number>>();
/** Bucket of a cue feature. */
export function cueBucket(name: string, buckets: number): number {
  let m = CUE_BUCKETS.get(buckets);
  if (!m) CUE_BUCKETS.set(buckets, (m = new Map()));
  let b = m.get(name);
  if (b === undefined) m.set(name, (b = hashString(NS_CUE, name) & (buckets - 1)));
  return b;
}

const NS_WORD = 1, NS_BIGRAM = 2, NS_CHAR = 3, NS_NEG = 4, NS_CONTRAST = 5, NS_CUE = 6;

/** Bucket of a word unigram (used for the in-vocabulary check at inference). */
export function wordBucket(norm: string, buckets: number): number {
  return hashString(NS_WORD, norm) & (buckets - 1);
}

/** A growable list of (bucket, source token) pairs, reused across calls (featurize is synchronous). */
class IntPairs {
  b = new Int32Array(1024);
  s = new Int32Array(1024);
  n = 0;
  reset(): this {
    this.n = 0;
    return this;
  }
  push(bucket: number, src: number): void {
    if (this.n === this.b.length) {
      const b = new Int32Array(this.n * 2), s = new Int32Array(this.n * 2);
      b.set(this.b);
      s.set(this.s);
      this.b = b;
      this.s = s;
    }
    this.b[this.n] = bucket;
    this.s[this.n++] = src;
  }
}

/** Open-addressing set of buckets; `begin` starts a new empty set in O(1) (generation stamps). */
class StampSet {
  keys = new Int32Array(1 << 12);
  stamp = new Int32Array(1 << 12);
  gen = 0;
  begin(maxItems: number): void {
    if (maxItems * 2 > this.keys.length) {
      let size = this.keys.length;
      while (maxItems * 2 > size) size *= 2;
      this.keys = new Int32Array(size);
      this.stamp = new Int32Array(size);
      this.gen = 0;
    }
    if (++this.gen === 0x7fffffff) (this.stamp.fill(0), (this.gen = 1));
  }
  /** The slot of `key`, inserting it if absent; `fresh` tells whether it was inserted now. */
  slot(key: number): number {
    const mask = this.keys.length - 1;
    let h = Math.imul(key, 0x9e3779b1) >>> 20;
    for (;;) {
      h &= mask;
      if (this.stamp[h] !== this.gen) {
        this.stamp[h] = this.gen;
        this.keys[h] = key;
        this.fresh = true;
        return h;
      }
      if (this.keys[h] === key) {
        this.fresh = false;
        return h;
      }
      h++;
    }
  }
  fresh = false;
  insert(key: number): boolean {
    this.slot(key);
    return this.fresh;
  }
}

/** Accumulates feature values per bucket, remembering first-seen order and source token. */
class Accumulator {
  set = new StampSet();
  val = new Float64Array(1 << 12);
  /** Namespaces that contributed to each slot (bit k: the k-th namespace list). */
  bits = new Int32Array(1 << 12);
  outIdx = new Int32Array(1 << 12);
  outSrc = new Int32Array(1 << 12);
  slotOf = new Int32Array(1 << 12);
  count = 0;
  begin(maxItems: number): this {
    this.set.begin(maxItems);
    if (this.val.length < this.set.keys.length) (this.val = new Float64Array(this.set.keys.length)), (this.bits = new Int32Array(this.set.keys.length));
    if (this.outIdx.length < maxItems) {
      this.outIdx = new Int32Array(maxItems);
      this.outSrc = new Int32Array(maxItems);
      this.slotOf = new Int32Array(maxItems);
    }
    this.count = 0;
    return this;
  }
  add(bucket: number, v: number, src: number): void {
    const h = this.set.slot(bucket);
    if (this.set.fresh) {
      this.val[h] = v;
      this.outIdx[this.count] = bucket;
      this.outSrc[this.count] = src;
      this.slotOf[this.count++] = h;
    } else this.val[h] += v;
  }
}

/**
 * Everything featurize needs about one token form, computed once and cached across messages (words
 * repeat a lot): its unigram bucket, lexicon facts, char n-gram buckets (words only) and its negated /
 * after-contrast buckets (computed on first use). One cache per (config, lexicon), bounded.
 */
interface FormInfo {
  wb: number;
  info: WordInfo;
  /** A negator (lexicon flag or "…n't"). */
  neg: boolean;
  grams: Int32Array | null;
  /** Last message whose char n-grams included this word (presence features: once per message). */
  msg: number;
  negB: number;
  contrB: number;
}
const FORM_CACHE = new WeakMap<FeatureConfig, WeakMap<Lexicon, Map<string, FormInfo>>>();
const MSG_COUNTER = { n: 0 };
const MAX_FORMS = 200_000;
function formCache(cfg: FeatureConfig, lex: Lexicon): Map<string, FormInfo> {
  let byLex = FORM_CACHE.get(cfg);
  if (!byLex) FORM_CACHE.set(cfg, (byLex = new WeakMap()));
  let c = byLex.get(lex);
  if (!c) byLex.set(lex, (c = new Map()));
  return c;
}
function formInfo(cache: Map<string, FormInfo>, n: string, cfg: FeatureConfig, maps: { words: Map<string, WordInfo> }, mask: number): FormInfo {
  let e = cache.get(n);
  if (e) return e;
  const info = maps.words.get(n) ?? NO_INFO;
  e = { wb: hashString(NS_WORD, n) & mask, info, neg: (info.flags & F_NEG) !== 0 || n.endsWith("n't"), grams: null, msg: 0, negB: -1, contrB: -1 };
  if (cache.size >= MAX_FORMS) cache.clear(); // bounded memory
  cache.set(n, e);
  return e;
}
/** Char n-gram buckets of '<' + n + '>' (hashed without building substrings). */
function charGrams(n: string, cfg: FeatureConfig, mask: number): Int32Array {
  const L = n.length + 2;
  const out: number[] = [];
  for (let s = 0; s < L; s++) {
    let h = Math.imul((0x811c9dc5 ^ NS_CHAR) >>> 0, 0x01000193);
    for (let len = 1; len <= cfg.charMax && s + len <= L; len++) {
      const p = s + len - 1;
      h ^= p === 0 ? 60 : p === L - 1 ? 62 : n.charCodeAt(p - 1);
      h = Math.imul(h, 0x01000193);
      if (len < cfg.charMin || (len === L && len > 2)) continue;
      out.push(fmix(h) & mask);
    }
  }
  return Int32Array.from(out);
}

const BUF = { words: new IntPairs(), bigrams: new IntPairs(), chars: new IntPairs(), negs: new IntPairs(), contr: new IntPairs() };
const SEEN = new StampSet();
const NS_UNIQUE = new Int32Array(8);
const NS_VALUE = new Float64Array(8);
/** Message-level cues of the message being featurised (at most ~25). */
class CueList {
  b = new Int32Array(64);
  v = new Float64Array(64);
  n = 0;
  reset(): this {
    this.n = 0;
    return this;
  }
  push(b: number, v: number): void {
    if (this.n < this.b.length) (this.b[this.n] = b), (this.v[this.n++] = v);
  }
}
const CUES = new CueList();
const ACC = new Accumulator();
const LEXBIN = [0, 1, 2, 3, 4, 5, 6].map((b) => `#lexbin${b}`);
const NPOS = [0, 1, 2, 3].map((b) => `#npos${b}`);
const NNEG = [0, 1, 2, 3].map((b) => `#nneg${b}`);

/** Sentence ends: split after . ! ? followed by whitespace. */
const SENTENCE_END = /(?<=[.!?])\s+(?=\S)/;
const HAS_LETTER = /[A-Za-z]/;
/** The sentences of a message that contain a letter (the unit of the long-message sentence rule). */
export function splitSentences(text: string): string[] {
  return text.split(SENTENCE_END).filter((p) => HAS_LETTER.test(p));
}

/**
 * Turn a message into hashed features. Each namespace's features are binary (presence) and scaled
 * by `scale[ns] / sqrt(n_ns)` so long and short messages have comparable norms; with `idf` (per-bucket
 * inverse document frequency, see `decodeIdf`) they are presence × idf, L2-normalised per namespace.
 */
export function featurize(raw: string, cfg: FeatureConfig = DEFAULT_FEATURES, lex: Lexicon = EMPTY_LEXICON, idf?: Float32Array): Features {
  const { text, truncated, html } = normalizeText(raw, cfg.maxChars);
  const { tokens } = tokenize(text);
  const mask = cfg.buckets - 1;

  const stats: TextStats = {
    chars: text.length, words: 0, letters: 0, latinShare: 0, englishHits: 0, capsWords: 0, elongated: 0, emoji: 0,
    emoticons: 0, exclaims: 0, questions: 0, negations: 0, intensifiers: 0, contrast: false, lexPolarity: 0, lexPosWords: 0,
    lexNegWords: 0, complaintMarkers: 0, truncated,
    replacementChars: 0, html,
  };
  let latin = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd) stats.replacementChars++;
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) latin++;
  }

  // per-namespace (bucket, source token) lists in reusable typed buffers
  const words = BUF.words.reset(), bigrams = BUF.bigrams.reset(), chars = BUF.chars.reset();
  const negs = BUF.negs.reset(), contr = BUF.contr.reset();
  const cues = CUES.reset(); // bucket, value (message-level: no source token)

  const maps = lexMaps(lex);
  const forms = formCache(cfg, lex);
  const msgId = ++MSG_COUNTER.n;
  let multiPunct = false;
  let negLeft = 0;
  let afterContrast = false;
  let prev = '<s>';
  let prevIdx = -1;
  let pendingIntens = false;
  // VADER's contrast rule: polarity before "but" counts half, after it 1.5×
  let polBefore = 0, polAfter = 0;
  const markers: [number, number][] = [];
  let prevWord = '', prevWordIdx = -1, prevPair1 = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const n = t.norm;
    const fi = formInfo(forms, n, cfg, maps, mask);
    const wi = t.kind === 'word' ? fi.info : NO_INFO;
    if (t.kind === 'word') {
      const fl = wi.flags;
      if (fl & F_MARK) markers.push([i, i]);
      else if (prevPair1 && prevWordIdx >= 0 && COMPLAINT_MARKERS.pairs.has(`${prevWord} ${n}`)) markers.push([prevWordIdx, i]);
      prevWord = n;
      prevWordIdx = i;
      prevPair1 = (fl & F_PAIR1) !== 0;
    } else if (t.kind === 'punct') prevWordIdx = -1;
    if (t.kind === 'word') {
      stats.words++;
      stats.letters += countLetters(t.surface);
      if (wi.flags & F_ENGLISH) stats.englishHits++;
      if (t.caps) stats.capsWords++;
      if (t.elongated) stats.elongated++;
    }
    if (t.kind === 'punct') {
      if (n === '!!' || n === '?!') multiPunct = true;
      if (n.includes('!')) stats.exclaims++;
      if (n.includes('?')) stats.questions++;
    }
    const wb = fi.wb;
    t.bucket = wb;
    words.push(wb, i);
    if (cfg.wordNgrams >= 2) bigrams.push(hashPair(NS_BIGRAM, prev, n) & mask, prevIdx >= 0 ? prevIdx : i);
    prev = n;
    prevIdx = i;

    if (t.kind === 'word' && cfg.charMax > 0 && n.length < 40) {
      // a word seen earlier in this message adds no new char n-grams (presence features)
      if (fi.msg !== msgId) {
        fi.msg = msgId;
        const grams = fi.grams ?? (fi.grams = charGrams(n, cfg, mask));
        for (let g = 0; g < grams.length; g++) chars.push(grams[g], i);
      }
    }

    // polarity cues
    let pol = 0;
    if (t.kind === 'emoji') {
      stats.emoji++;
      pol = maps.emoji.get(n) ?? 0;
    } else if (t.kind === 'emoticon') {
      stats.emoticons++;
      pol = EMOTICONS[t.surface] ?? 0;
    } else if (t.kind === 'word') {
      pol = wi.pol;
      if (pendingIntens) pol *= 1.5;
    }

    const isNeg = t.kind === 'word' && fi.neg;
    if (t.kind === 'punct' && n !== ',') {
      negLeft = 0;
      afterContrast = false;
    } else if (isNeg) {
      stats.negations++;
      negLeft = 4;
    } else if (negLeft > 0 && t.kind === 'word') {
      negs.push(fi.negB >= 0 ? fi.negB : (fi.negB = hashString(NS_NEG, n) & mask), i);
      pol = -pol * 0.5;
      negLeft--;
    }
    if (t.kind === 'word' && (wi.flags & F_CONTRAST) !== 0) {
      stats.contrast = true;
      afterContrast = true;
      negLeft = 0;
    } else if (afterContrast && t.kind !== 'punct') {
      contr.push(fi.contrB >= 0 ? fi.contrB : (fi.contrB = hashString(NS_CONTRAST, n) & mask), i);
    }
    stats.lexPolarity += pol;
    if (pol > 0.05) stats.lexPosWords++;
    else if (pol < -0.05) stats.lexNegWords++;
    if (stats.contrast) polAfter += pol;
    else polBefore += pol;
    pendingIntens = t.kind === 'word' && (wi.flags & F_INTENS) !== 0;
    if (pendingIntens) stats.intensifiers++;
  }
  if (cfg.wordNgrams >= 2 && tokens.length > 0) bigrams.push(hashPair(NS_BIGRAM, prev, '</s>') & mask, prevIdx);
  stats.latinShare = stats.letters > 0 ? Math.min(1, latin / stats.letters) : 0;

  if (cfg.cues && tokens.length > 0) {
    const cue = (name: string, v: number): void => {
      if (v !== 0) cues.push(cueBucket(name, cfg.buckets), v);
    };
    const capsShare = stats.words > 0 ? stats.capsWords / stats.words : 0;
    cue('#caps', stats.capsWords > 0 ? 1 : 0);
    cue('#shout', capsShare >= 0.5 && stats.capsWords >= 2 ? 1 : 0);
    cue('#elong', stats.elongated > 0 ? 1 : 0);
    cue('#excl', Math.min(stats.exclaims, 3) / 3);
    cue('#quest', Math.min(stats.questions, 3) / 3);
    cue('#multi!', multiPunct ? 1 : 0);
    cue('#emoji', stats.emoji > 0 ? 1 : 0);
    cue('#neg', Math.min(stats.negations, 3) / 3);
    cue('#intens', Math.min(stats.intensifiers, 3) / 3);
    cue('#contrast', stats.contrast ? 1 : 0);
    const p = Math.tanh(stats.lexPolarity);
    cue('#lexpos', p > 0 ? p : 0);
    cue('#lexneg', p < 0 ? -p : 0);
    // lexicon score as VADER computes it (contrast-weighted, normalised), one-hot in 7 bins, + word counts
    const raw = stats.contrast ? 0.5 * polBefore + 1.5 * polAfter : polBefore;
    const norm = raw / Math.sqrt(raw * raw + 1);
    const bin = norm <= -0.6 ? 0 : norm <= -0.3 ? 1 : norm < -0.05 ? 2 : norm <= 0.05 ? 3 : norm < 0.3 ? 4 : norm < 0.6 ? 5 : 6;
    cue(LEXBIN[bin], 1);
    cue(NPOS[Math.min(stats.lexPosWords, 3)], 1);
    cue(NNEG[Math.min(stats.lexNegWords, 3)], 1);
    stats.complaintMarkers = markers.length;
    cue('#cxmark', Math.min(markers.length, 2) / 2);
    cue('#short', stats.words <= 3 ? 1 : 0);
    if (cfg.longCue !== false) cue('#long', stats.words >= 40 ? 1 : 0);
  }

  const nsLists: [IntPairs, number][] = [[words, cfg.scale.word]];
  if (cfg.wordNgrams >= 2) nsLists.push([bigrams, cfg.scale.bigram]);
  if (cfg.charMax > 0) nsLists.push([chars, cfg.scale.char]);
  if (cfg.negation) nsLists.push([negs, cfg.scale.neg]);
  if (cfg.contrast) nsLists.push([contr, cfg.scale.contrast]);

  const acc = ACC.begin(words.n + bigrams.n + chars.n + negs.n + contr.n + cues.n + 1);
  if (!idf) {
    // presence within each namespace, scaled by 1/sqrt(unique count): one probe per feature (a bit per
    // namespace in the slot), then the values in namespace order (the same sums, in the same order, as
    // deduplicating each namespace first and adding it)
    const set = acc.set, bits = acc.bits;
    const nu = NS_UNIQUE;
    for (let k = 0; k < nsLists.length; k++) {
      const [l, scale] = nsLists[k];
      nu[k] = 0;
      if (l.n === 0 || scale === 0) continue;
      const bit = 1 << k;
      let u = 0;
      for (let j = 0; j < l.n; j++) {
        const h = set.slot(l.b[j]);
        if (set.fresh) {
          bits[h] = bit;
          acc.outIdx[acc.count] = l.b[j];
          acc.outSrc[acc.count] = l.s[j];
          acc.slotOf[acc.count++] = h;
          u++;
        } else if ((bits[h] & bit) === 0) {
          bits[h] |= bit;
          u++;
        }
      }
      nu[k] = u;
    }
    const vs = NS_VALUE;
    for (let k = 0; k < nsLists.length; k++) vs[k] = nu[k] > 0 ? nsLists[k][1] / Math.sqrt(nu[k]) : 0;
    for (let j = 0; j < acc.count; j++) {
      const h = acc.slotOf[j];
      const b = bits[h];
      let x = 0, first = true;
      for (let k = 0; k < nsLists.length; k++) {
        if ((b & (1 << k)) === 0) continue;
        x = first ? vs[k] : x + vs[k];
        first = false;
      }
      acc.val[h] = x;
    }
  } else {
    const seen = SEEN;
    for (const [l, scale] of nsLists) {
      if (l.n === 0 || scale === 0) continue;
      // unique within the namespace (presence) …
      seen.begin(l.n);
      let u = 0;
      for (let j = 0; j < l.n; j++) if (seen.insert(l.b[j])) (l.b[u] = l.b[j]), (l.s[u] = l.s[j]), u++;
      // … TF-IDF style: presence × idf, L2-normalised within the namespace
      let ss = 0;
      for (let j = 0; j < u; j++) ss += idf[l.b[j]] * idf[l.b[j]];
      const k = scale / Math.sqrt(ss || 1);
      for (let j = 0; j < u; j++) acc.add(l.b[j], idf[l.b[j]] * k, l.s[j]);
    }
  }
  for (let j = 0; j < cues.n; j++) acc.add(cues.b[j], cues.v[j] * cfg.scale.cue, -1);
  const n = acc.count;
  const idx = acc.outIdx.slice(0, n);
  const src = acc.outSrc.slice(0, n);
  const val = new Float32Array(n);
  for (let j = 0; j < n; j++) val[j] = acc.val[acc.slotOf[j]];
  return { idx, val, src, tokens, stats, markers };
}
