/**
 * emosig text [FILE | -] [--format json|jsonl|csv|lines] [--json | --jsonl] [--echo] [--no-cues]
 */
import { createReadStream } from 'node:fs';
import { EmosigError, errorInfo } from '../errors.js';
import { checkRegularFile } from '../runtime/read.js';
import { MAX_STREAM_BYTES, streamTranscript } from '../text/stream.js';
import { readStreamCapped } from '../runtime/read.js';
import { MAX_TRANSCRIPT_BYTES } from '../limits.js';
import { CHAT_FORMATS, analyzeText, detectChatFormat, type AnalyzeTextOptions, type ChatFormat, type TextMessageReading, type TextReading } from '../text/index.js';
import { CONFIG_HELP, parseCommand, commandConfig, writeOut } from './common.js';

const HELP = `Usage: emosig text [FILE | -] [options]

Reads a chat transcript (JSON array, JSONL, CSV with a header, or one message per line;
"Speaker: text" and "[12:01] Speaker: text" lines keep speaker and time) and prints the
emotions, GoEmotions nuances, sentiment, valence/arousal, confidence and cue words of every message.

  FILE | -                 transcript file, or - for stdin (default: stdin)
  --format F               json | jsonl | csv | lines (default: detected)
  --json                   one JSON document (messages, overall, bySpeaker, issues)
  --jsonl                  one JSON line per message: index, time, speaker, ... (errors as { index, line, error })
  --echo                   include each message's text and its cue words (off by default: privacy)
  --no-cues                with --echo, skip cue words (faster)
  --context                read each message with the previous two of its conversation (default: the text
                           model's own choice, off for v2: it helped DailyDialog but not every held-out set)
${CONFIG_HELP}
                           (read here: text.context; text.keepText: true is --echo without cue words)
  -h, --help
`;

/** stdin, streamed with a cap (a transcript larger than MAX_TRANSCRIPT_BYTES is refused as soon as it is exceeded). */
function readStdin(): Promise<Uint8Array> {
  return readStreamCapped(process.stdin, 'stdin', { maxBytes: MAX_TRANSCRIPT_BYTES, what: 'a chat transcript' });
}

function human(r: TextReading): string {
  const lines: string[] = [];
  for (const m of r.messages) {
    const who = [m.time !== undefined ? `t=${m.time}` : '', m.speaker ?? ''].filter(Boolean).join(' ');
    if (m.flags.includes('empty')) {
      lines.push(`#${m.index} ${who} (empty)`);
      continue;
    }
    const top = Object.entries(m.emotions).sort((a, b) => b[1] - a[1])[0];
    lines.push(
      `#${m.index} ${who} ${top[0]} ${top[1].toFixed(2)} | ${m.sentiment.label} ${m.sentiment.score.toFixed(2)} | v ${m.valence.toFixed(2)} a ${m.arousal.toFixed(2)} | conf ${m.confidence.toFixed(2)}` +
        (m.labels.length ? ` | ${m.labels.join(', ')}` : '') +
        (m.cues.length ? ` | cues: ${m.cues.map((c) => c.cue).join(', ')}` : '') +
        (m.flags.length ? ` | flags: ${m.flags.join(', ')}` : '') +
        (m.text !== undefined ? `\n    "${m.text}"` : ''),
    );
  }
  for (const [k, s] of [['all', r.overall] as const, ...Object.entries(r.bySpeaker)]) {
    lines.push(
      `${k}: ${s.messages} messages, sentiment ${s.sentiment.score.toFixed(2)} (neg ${s.sentiment.negative}, pos ${s.sentiment.positive}), valence ${s.valence.toFixed(2)}` +
        (s.valenceTrend !== undefined ? `, trend ${s.valenceTrend >= 0 ? '+' : ''}${s.valenceTrend.toFixed(2)}` : '') +
        `, top: ${s.topNuances.slice(0, 3).map((n) => n.label).join(', ')}`,
    );
  }
  for (const i of r.issues) lines.push(`warning: ${i.message}`);
  return lines.join('\n');
}

/** One line per input item, in input order, as the transcript is read (constant memory for JSONL / lines). */
async function streamJsonl(file: string, opts: AnalyzeTextOptions): Promise<number> {
  const fail = async (e: unknown) => {
    const err = errorInfo(e);
    await writeOut(JSON.stringify({ file, error: err }));
    process.stderr.write(`emosig: ${err.code}: ${err.message}\n`);
    return 1;
  };
  let src: AsyncIterable<Buffer>;
  const name = file === '-' ? 'stdin' : file;
  try {
    if (file === '-') src = process.stdin;
    else {
      checkRegularFile(file, { maxBytes: MAX_STREAM_BYTES, what: 'a chat transcript' });
      src = createReadStream(file);
    }
  } catch (e) {
    return fail(e);
  }
  try {
    // peek at the start to choose the format (JSON arrays and CSV need the whole document)
    const it = src[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headLen = 0;
    let done = false;
    while (headLen < 64 * 1024) {
      const n = await it.next();
      if (n.done) {
        done = true;
        break;
      }
      head.push(n.value);
      headLen += n.value.length;
      if (Buffer.concat(head).toString('utf8').replace(/^\uFEFF/, '').trimStart().includes('\n')) break;
    }
    const rest = async function* (): AsyncGenerator<Buffer> {
      yield* head;
      if (!done) for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
    };
    const start = Buffer.concat(head).toString('utf8');
    if (!start.trim()) throw new EmosigError('TEXT_EMPTY', 'the transcript is empty.', { input: name });
    const format = opts.format ?? detectChatFormat(start);
    if (format === 'jsonl' || format === 'lines') {
      let any = false;
      for await (const item of streamTranscript(rest(), format, { ...opts, name })) {
        any = true;
        if ('reading' in item) await writeOut(JSON.stringify(item.reading));
        else {
          const i = item.issue;
          if (i.index !== undefined && i.code !== 'TEXT_BAD_TIME') await writeOut(JSON.stringify({ index: i.index, ...(i.line !== undefined ? { line: i.line } : {}), error: { code: i.code, message: i.message } }));
          else process.stderr.write(`emosig: warning: ${i.message}\n`);
        }
      }
      if (!any) throw new EmosigError('TEXT_EMPTY', 'the transcript has no messages.', { input: name });
      return 0;
    }
    const content = await readStreamCapped(rest(), name, { maxBytes: MAX_TRANSCRIPT_BYTES, what: 'a chat transcript' });
    const r = await analyzeText({ content, name }, { ...opts, format });
    const rows: { index: number; line: unknown }[] = r.messages.map((m: TextMessageReading) => ({ index: m.index, line: m }));
    const scored = new Set(r.messages.map((m) => m.index));
    const inPlace = r.issues.filter((i) => i.index !== undefined && !scored.has(i.index));
    for (const i of inPlace) rows.push({ index: i.index!, line: { index: i.index, ...(i.line !== undefined ? { line: i.line } : {}), error: { code: i.code, message: i.message } } });
    rows.sort((x, y) => x.index - y.index);
    for (const row of rows) await writeOut(JSON.stringify(row.line));
    for (const i of r.issues) if (!inPlace.includes(i)) process.stderr.write(`emosig: warning: ${i.message}\n`);
    return 0;
  } catch (e) {
    return fail(e);
  }
}

export async function main(argv: string[]): Promise<number> {
  const a = parseCommand('text', HELP, {
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      json: { type: 'boolean', default: false },
      jsonl: { type: 'boolean', default: false },
      echo: { type: 'boolean', default: false },
      'no-cues': { type: 'boolean', default: false },
      context: { type: 'boolean' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof a === 'number') return a;
  const { values: o, positionals } = a;
  if (positionals.length > 1) {
    process.stderr.write(`emosig text: give one transcript (got ${positionals.length}); run it once per file.\n`);
    return 2;
  }
  if (o.json && o.jsonl) {
    process.stderr.write('emosig text: use either --json or --jsonl, not both.\n');
    return 2;
  }
  if (o.format !== undefined && !CHAT_FORMATS.includes(o.format as ChatFormat)) {
    process.stderr.write(`emosig text: --format must be one of ${CHAT_FORMATS.join(', ')} (got '${o.format}').\n`);
    return 2;
  }
  const file = positionals[0] ?? '-';
  // --config FILE: the text fields of an EmosigConfig; the flags override it
  const c = commandConfig('text', o.config);
  if (typeof c === 'number') return c;
  const cfg = c.config;
  const context = o.context ?? cfg?.text.context;
  // cue words are words taken from the messages: user content, shown only with --echo
  const opts = { format: o.format as ChatFormat | undefined, echo: o.echo || !!cfg?.text.keepText, explain: o.echo && !o['no-cues'], ...(context !== undefined ? { context } : {}) };
  if (o.jsonl) return streamJsonl(file, opts);
  let r: TextReading;
  try {
    if (file === '-') {
      if (process.stdin.isTTY) {
        process.stderr.write('emosig text: reading a transcript from stdin (end with Ctrl-D), or pass a FILE.\n');
      }
      r = await analyzeText({ content: await readStdin(), name: 'stdin' }, opts);
    } else r = await analyzeText({ path: file }, opts);
  } catch (e) {
    const err = errorInfo(e);
    if (o.jsonl || o.json) await writeOut(JSON.stringify({ file, error: err }));
    process.stderr.write(`emosig: ${err.code}: ${err.message}\n`);
    return 1;
  }
  if (o.json) {
    await writeOut(JSON.stringify(r, null, 2));
  } else {
    await writeOut(human(r));
  }
  return 0;
}
