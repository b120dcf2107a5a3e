/**
 * Streaming transcript scoring for line formats (JSONL and one message per line): messages are read,
 * scored and handed out in batches, so memory stays constant however long the transcript is and the first
 * result comes out at once. JSON arrays and CSV need the whole document and are read with the usual cap.
 */
import { EmosigError } from '../errors.js';
import { detectChatFormat, parseChat, type ChatFormat, type ChatIssue, type ChatMessage } from './chat.js';
import { loadTextModel, TextHistory } from './model.js';
import { scoreMessages, type AnalyzeTextOptions, type TextMessageReading } from './index.js';

/** Longest line read (bytes); a longer one is skipped as an issue, without being held in memory. */
export const MAX_LINE_BYTES = 1 << 20;
/** Most bytes one streamed transcript may have (1 GiB; a never-ending stdin stops here). */
export const MAX_STREAM_BYTES = 1 << 30;

export type StreamedItem = { reading: TextMessageReading } | { issue: ChatIssue };

/** Lines of a byte stream, each at most `maxLine` bytes (longer ones come back as `{ tooLong: true }`). */
export async function* boundedLines(src: AsyncIterable<Buffer | string>, name: string, maxLine = MAX_LINE_BYTES, maxTotal = MAX_STREAM_BYTES): AsyncGenerator<{ text: string; line: number; tooLong?: boolean }> {
  let parts: Buffer[] = [];
  let len = 0;
  let line = 1;
  let tooLong = false;
  let total = 0;
  const flush = (): { text: string; line: number; tooLong?: boolean } => {
    const out = tooLong ? { text: '', line, tooLong: true } : { text: Buffer.concat(parts, len).toString('utf8'), line };
    parts = [];
    len = 0;
    tooLong = false;
    line++;
    return out;
  };
  for await (const c of src) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    total += b.length;
    if (total > maxTotal) throw new EmosigError('INPUT_TOO_LARGE', `more than ${maxTotal >> 20} MiB arrived; split the transcript`, { input: name });
    let from = 0;
    for (;;) {
      const nl = b.indexOf(10, from);
      const end = nl < 0 ? b.length : nl;
      if (!tooLong) {
        if (len + (end - from) > maxLine) {
          tooLong = true;
          parts = [];
          len = 0;
        } else if (end > from) {
          parts.push(b.subarray(from, end));
          len += end - from;
        }
      }
      if (nl < 0) break;
      yield flush();
      from = nl + 1;
    }
  }
  if (len > 0 || tooLong) yield flush();
}

/** The format of a streamed transcript, from its first non-empty line(s). */
export function streamFormat(firstLine: string, given?: ChatFormat): ChatFormat {
  return given ?? detectChatFormat(firstLine);
}

/**
 * Score a JSONL or plain-lines transcript as it arrives: yields each message's reading and each skipped
 * line's issue in input order, `batchSize` messages at a time.
 */
export async function* streamTranscript(src: AsyncIterable<Buffer | string>, format: 'jsonl' | 'lines', options: AnalyzeTextOptions & { name?: string } = {}): AsyncGenerator<StreamedItem> {
  const model = await loadTextModel(options.modelDir);
  // one conversation history across batches, so a streamed transcript reads as the whole one would
  options = { ...options, history: options.history ?? new TextHistory() };
  const B = Math.max(1, Math.min(4096, options.batchSize ?? 256));
  let index = 0;
  let pending: (ChatMessage & { index: number })[] = [];
  let issues: ChatIssue[] = [];
  const drain = async function* (): AsyncGenerator<StreamedItem> {
    const readings = pending.length ? await scoreMessages(model, pending, options) : [];
    // interleave by index: issues of skipped items sit where the item was
    let i = 0, j = 0;
    while (i < readings.length || j < issues.length) {
      const ri = i < readings.length ? readings[i].index : Infinity;
      const ij = j < issues.length ? issues[j].index ?? -1 : Infinity;
      if (ij <= ri) yield { issue: issues[j++] };
      else yield { reading: readings[i++] };
    }
    pending = [];
    issues = [];
  };
  for await (const l of boundedLines(src, options.name ?? 'transcript')) {
    if (l.tooLong) {
      issues.push({ index: index++, line: l.line, code: 'TEXT_PARSE_ERROR', message: `line ${l.line}: longer than ${MAX_LINE_BYTES >> 20} MiB; skipped` });
      continue;
    }
    const raw = l.line === 1 ? l.text.replace(/^\uFEFF/, '') : l.text;
    if (!raw.trim()) continue;
    const p = parseChat(raw, format);
    for (const m of p.messages) pending.push({ ...m, index, line: l.line });
    for (const is of p.issues) issues.push({ ...is, index, line: l.line, message: is.message.replace(/^line 1:/, `line ${l.line}:`) });
    index++;
    if (pending.length >= B) yield* drain();
  }
  yield* drain();
}
