/**
 * Chat transcript parsing: JSON arrays, JSONL, CSV with a header, or plain lines. Keeps speaker and
 * time (they feed fusion). Malformed lines become `issues` with line numbers; the rest is still parsed.
 */
import { csvRecords } from '../runtime/csv.js';
import { EmosigError } from '../errors.js';

export type ChatFormat = 'json' | 'jsonl' | 'csv' | 'lines';
export const CHAT_FORMATS: ChatFormat[] = ['json', 'jsonl', 'csv', 'lines'];

export interface ChatMessage {
  text: string;
  /** Seconds (as given, or seconds since the Unix epoch for ISO-8601 timestamps). */
  time?: number;
  speaker?: string;
  /**
   * Conversation id: where it changes, conversation context starts afresh (several conversations in one
   * transcript). Read from a `conversation`, `conversation_id`, `thread`, `thread_id`, `session_id` or
   * `dialogue_id` field.
   */
  conversation?: string;
  /** 1-based line in the source where the message starts. */
  line?: number;
}

export interface ChatIssue {
  /** 0-based position of the item in the input (as `index` in readings), when it is an item. */
  index?: number;
  /** 1-based line in the source. */
  line?: number;
  code: 'TEXT_PARSE_ERROR' | 'TEXT_MISSING_FIELD' | 'TEXT_BAD_TIME' | 'TEXT_INVALID_UTF8';
  message: string;
}

export interface ParsedChat {
  format: ChatFormat;
  /** `index` is the 0-based position of the item in the input; skipped items leave a gap. */
  messages: (ChatMessage & { index: number })[];
  issues: ChatIssue[];
}

const TIME_KEYS = ['time', 'ts', 'timestamp', 't', 'start', 'date', 'datetime', 'created_at'];
const SPEAKER_KEYS = ['speaker', 'role', 'author', 'from', 'sender', 'user', 'name', 'channel'];
const CONVERSATION_KEYS = ['conversation', 'conversation_id', 'conversationid', 'thread', 'thread_id', 'threadid', 'session_id', 'sessionid', 'dialogue_id', 'dialog_id'];
const TEXT_KEYS = ['text', 'message', 'content', 'body', 'msg', 'utterance'];

/** Guess the format from the content. */
export function detectChatFormat(src: string): ChatFormat {
  const s = src.replace(/^\uFEFF/, '').trimStart();
  if (/^\[\s*[{"\]]/.test(s) || /^\[\s*$/m.test(s.split('\n', 1)[0])) return 'json';
  if (s.startsWith('{')) {
    const firstLine = s.split('\n', 1)[0].trim();
    try {
      JSON.parse(firstLine);
      return 'jsonl';
    } catch {
      return 'json'; // a pretty-printed object ({ "messages": [...] })
    }
  }
  const header = s.split('\n', 1)[0].toLowerCase();
  const cols = (csvRecords(header)[0]?.fields ?? []).map((c) => c.trim());
  if (cols.length >= 2 && cols.some((c) => TEXT_KEYS.includes(c))) return 'csv';
  return 'lines';
}

/** Parse a transcript. `format` defaults to auto-detection. Throws TEXT_PARSE_ERROR only when nothing can be read. */
export function parseChat(src: string, format?: ChatFormat, opts: { input?: string } = {}): ParsedChat {
  if (typeof src !== 'string') throw new EmosigError('INVALID_OPTIONS', 'parseChat expects the transcript as a string', opts);
  if (format !== undefined && !CHAT_FORMATS.includes(format)) {
    throw new EmosigError('INVALID_OPTIONS', `unknown chat format '${format}'; use one of ${CHAT_FORMATS.join(', ')}`, opts);
  }
  const text = src.replace(/^\uFEFF/, '');
  const fmt = format ?? detectChatFormat(text);
  switch (fmt) {
    case 'json':
      return parseJson(text, opts.input);
    case 'jsonl':
      return parseJsonl(text);
    case 'csv':
      return parseCsv(text, opts.input);
    case 'lines':
      return parseLines(text);
  }
}

// ---------------------------------------------------------------------------------------------

/** Offset of the first character that makes `src` invalid JSON (binary search over prefixes). */
function jsonErrorOffset(src: string): number {
  const validPrefix = (n: number): boolean => {
    try {
      JSON.parse(src.slice(0, n));
      return true;
    } catch (e) {
      const m = (e as Error).message;
      if (/Unexpected end|Unterminated string/.test(m)) return true;
      const at = /position (\d+)/.exec(m);
      return at !== null && Number(at[1]) >= n;
    }
  };
  let lo = 0, hi = src.length; // invariant: prefix lo is valid, prefix hi is not
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (validPrefix(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * What is wrong with a JSON text, without quoting it (V8's messages quote the input, which may be a
 * customer's message or a card number): the kind of problem and its position.
 */
export function jsonProblem(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const pos = /position (\d+)/.exec(m);
  const kind = /Unterminated string/i.test(m)
    ? 'unterminated string'
    : /Unexpected end/i.test(m)
      ? 'unexpected end of input'
      : /Bad control character/i.test(m)
        ? 'control character in a string'
        : /Unexpected non-whitespace/i.test(m)
          ? 'extra text after the JSON value'
          : /Unexpected token|is not valid JSON|Expected/i.test(m)
            ? 'unexpected character'
            : /Maximum call stack|too deep/i.test(m)
              ? 'nested too deeply'
              : 'syntax error';
  return pos ? `${kind} at character ${Number(pos[1]) + 1}` : kind;
}

/** A value described by its type and size, never its content. */
function describeValue(v: unknown): string {
  if (typeof v === 'string') return `a string of ${v.length} characters`;
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'number' ? 'a number that is not finite' : `a ${typeof v}`;
}

function lineOfOffset(src: string, off: number): number {
  let n = 1;
  for (let i = 0; i < off && i < src.length; i++) if (src.charCodeAt(i) === 10) n++;
  return n;
}

function parseJson(src: string, input?: string): ParsedChat {
  let doc: unknown;
  try {
    doc = JSON.parse(src);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = lineOfOffset(src, pos ? Number(pos[1]) : jsonErrorOffset(src));
    throw new EmosigError(
      'TEXT_PARSE_ERROR',
      `not valid JSON${line ? ` (line ${line})` : ''}: ${jsonProblem(e)}. Fix the file, or use --format jsonl (one object per line) so one bad line does not stop the rest.`,
      { input },
    );
  }
  let items: unknown[];
  if (Array.isArray(doc)) items = doc;
  else if (doc && typeof doc === 'object' && Array.isArray((doc as Record<string, unknown>).messages)) items = (doc as { messages: unknown[] }).messages;
  else throw new EmosigError('TEXT_PARSE_ERROR', 'expected a JSON array of messages (or an object with a "messages" array)', { input });
  // line of each top-level item, for messages (best effort: items usually start on their own line)
  const lines = itemLines(src, items.length);
  const out: ParsedChat = { format: 'json', messages: [], issues: [] };
  items.forEach((it, i) => addItem(out, it, i, lines[i]));
  return out;
}

/** 1-based line where each top-level array element starts (scans brackets, skipping strings). */
function itemLines(src: string, n: number): (number | undefined)[] {
  const res: (number | undefined)[] = [];
  let depth = 0, line = 1, inStr = false, expect = false;
  let arrDepth = -1;
  for (let i = 0; i < src.length && res.length < n; i++) {
    const c = src[i];
    if (c === '\n') line++;
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (expect && !/\s/.test(c) && c !== ',' && c !== ']') {
      res.push(line);
      expect = false;
    }
    if (c === '"') inStr = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (c === '[' && arrDepth < 0 && (depth === 1 || src.slice(0, i).includes('"messages"'))) {
        arrDepth = depth;
        expect = true;
      }
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === arrDepth) expect = true;
  }
  return res;
}

function parseJsonl(src: string): ParsedChat {
  const out: ParsedChat = { format: 'jsonl', messages: [], issues: [] };
  const lines = src.split('\n');
  let index = 0;
  lines.forEach((raw, i) => {
    const l = raw.trim();
    if (!l) return;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch (e) {
      out.issues.push({ index, line: i + 1, code: 'TEXT_PARSE_ERROR', message: `line ${i + 1}: not valid JSON (${jsonProblem(e)}); skipped` });
      index++;
      return;
    }
    addItem(out, v, index++, i + 1);
  });
  return out;
}

function addItem(out: ParsedChat, it: unknown, index: number, line: number | undefined): void {
  const where = line !== undefined ? `line ${line}` : `item ${index}`;
  if (typeof it === 'string') {
    out.messages.push({ index, text: it, line });
    return;
  }
  if (!it || typeof it !== 'object' || Array.isArray(it)) {
    out.issues.push({ index, line, code: 'TEXT_PARSE_ERROR', message: `${where}: expected an object with a text field, got ${Array.isArray(it) ? 'an array' : it === null ? 'null' : typeof it}; skipped` });
    return;
  }
  const o = it as Record<string, unknown>;
  const lower = new Map(Object.keys(o).map((k) => [k.toLowerCase(), k]));
  const pick = (keys: string[]): unknown => {
    for (const k of keys) if (lower.has(k)) return o[lower.get(k)!];
    return undefined;
  };
  const text = pick(TEXT_KEYS);
  if (typeof text !== 'string') {
    out.issues.push({
      index,
      line,
      code: 'TEXT_MISSING_FIELD',
      message: `${where}: ${text === undefined ? 'no text field' : `the text field is ${text === null ? 'null' : typeof text}, not a string`} (expected one of ${TEXT_KEYS.join(', ')}); skipped`,
    });
    return;
  }
  const msg: ChatMessage & { index: number } = { index, text, line };
  const sp = pick(SPEAKER_KEYS);
  if (typeof sp === 'string' && sp.trim()) msg.speaker = sp.trim();
  else if (typeof sp === 'number') msg.speaker = String(sp);
  const cv = pick(CONVERSATION_KEYS);
  if ((typeof cv === 'string' && cv.trim()) || (typeof cv === 'number' && Number.isFinite(cv))) msg.conversation = String(cv).trim().slice(0, 200);
  const tv = pick(TIME_KEYS);
  if (tv !== undefined && tv !== null && tv !== '') {
    const t = parseTime(tv);
    if (t === undefined) out.issues.push({ index, line, code: 'TEXT_BAD_TIME', message: `${where}: cannot read the time (${describeValue(tv)}; use seconds, [hh:]mm:ss or ISO-8601); message kept without time` });
    else msg.time = t;
  }
  out.messages.push(msg);
}

/** Seconds from a number, a numeric string, "[hh:]mm:ss[.fff]" or an ISO-8601 date-time. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  const hms = /^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$/.exec(s);
  if (hms) {
    // seconds below 60, and minutes too when hours are given ("99:99" is not a time; "75:30" is 75 min 30 s)
    if (Number(hms[3]) >= 60 || (hms[1] !== undefined && Number(hms[2]) >= 60)) return undefined;
    return Number(hms[1] ?? 0) * 3600 + Number(hms[2]) * 60 + Number(hms[3]);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const ms = Date.parse(s);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180; quoted fields may span lines)

/** CSV records (one parser for all of emosig: csv-parse, in src/runtime/csv.ts). */
export { csvRecords };

function parseCsv(src: string, input?: string): ParsedChat {
  const out: ParsedChat = { format: 'csv', messages: [], issues: [] };
  const recs = csvRecords(src);
  if (recs.length === 0) return out;
  const header = recs[0].fields.map((h) => h.trim().toLowerCase());
  const col = (keys: string[]): number => {
    for (const k of keys) {
      const i = header.indexOf(k);
      if (i >= 0) return i;
    }
    return -1;
  };
  const iText = col(TEXT_KEYS), iSp = col(SPEAKER_KEYS), iT = col(TIME_KEYS), iC = col(CONVERSATION_KEYS);
  if (iText < 0) {
    throw new EmosigError(
      'TEXT_PARSE_ERROR',
      `the CSV header (line 1: ${recs[0].fields.join(',').slice(0, 120)}) has no text column; name one of ${TEXT_KEYS.join(', ')}`,
      { input },
    );
  }
  recs.slice(1).forEach((r, k) => {
    const index = k;
    if (r.error) {
      out.issues.push({ index, line: r.line, code: 'TEXT_PARSE_ERROR', message: `line ${r.line}: ${r.error}; skipped` });
      return;
    }
    if (r.fields.length !== header.length) {
      out.issues.push({
        index,
        line: r.line,
        code: 'TEXT_PARSE_ERROR',
        message: `line ${r.line}: ${r.fields.length} fields but the header has ${header.length} (quote fields that contain commas); skipped`,
      });
      return;
    }
    const obj: Record<string, string> = { text: r.fields[iText] };
    if (iSp >= 0) obj.speaker = r.fields[iSp];
    if (iT >= 0) obj.time = r.fields[iT];
    if (iC >= 0) obj.conversation = r.fields[iC];
    addItem(out, obj, index, r.line);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plain lines: "text", "Speaker: text", "[12:01] Speaker: text" or "12:01 Speaker: text"

const LINE_RE = /^(?:\[([^\]]{1,40})\]\s*|(\d{1,2}:\d{2}(?::\d{2})?)\s+)?(?:([\p{L}][\p{L}\p{N}_. '-]{0,23}):\s+)?(.*)$/u;

function parseLines(src: string): ParsedChat {
  const out: ParsedChat = { format: 'lines', messages: [], issues: [] };
  let index = 0;
  src.split('\n').forEach((raw, i) => {
    const l = raw.replace(/\r$/, '');
    if (!l.trim()) return;
    const m = LINE_RE.exec(l);
    const msg: ChatMessage & { index: number } = { index: index++, text: l, line: i + 1 };
    if (m) {
      const tRaw = m[1] ?? m[2];
      const t = tRaw !== undefined ? parseTime(tRaw) : undefined;
      // only treat the bracket as a time when it reads as one; "[NAME]"-style text stays text
      if (tRaw !== undefined && t === undefined && m[1] !== undefined) {
        /* not a time: keep the whole line as text */
      } else {
        if (t !== undefined) msg.time = t;
        if (m[3] && m[3].trim().split(/\s+/).length <= 2) {
          msg.speaker = m[3].trim();
          msg.text = m[4];
        } else msg.text = tRaw !== undefined ? (m[3] ? `${m[3]}: ${m[4]}` : m[4]) : l;
      }
    }
    out.messages.push(msg);
  });
  return out;
}
