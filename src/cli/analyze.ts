/**
 * emosig analyze [--audio FILE] [--video FILE | --frames DIR] [--chat FILE] [--speakers customer,agent]
 *                [--json] [--out FILE] [--report FILE] [--window 2] [--hop 1] [--offset-voice S] [--offset-face S] [--offset-text S]
 *                [--no-voice] [--no-face] [--no-text] [--keep-text] [--fps N]
 */
import { speakerNames } from './voice.js';
import { writeAtomic } from '../batch/output.js';
import { parseArgs } from 'node:util';
import { EmosigError, errorInfo } from '../errors.js';
import { analyze, type AnalyzeInput } from '../fusion/analyze.js';
import { renderReport } from '../fusion/report.js';
import type { EmotionalSignature } from '../signature/schema.js';
import { CONFIG_HELP, detectorFlags, readConfigFile, writeOut } from './common.js';
import { cxSummaryLines } from '../cx/summary.js';
import { configOf, DEFAULT_CONFIG } from '../config.js';

export const ANALYZE_OPTIONS = {
  audio: { type: 'string' },
  video: { type: 'string' },
  frames: { type: 'string' },
  chat: { type: 'string' },
  speakers: { type: 'string' },
  channels: { type: 'string' },
  'face-speaker': { type: 'string' },
  'chat-speaker': { type: 'string' },
  window: { type: 'string' },
  hop: { type: 'string' },
  fps: { type: 'string' },
  'offset-voice': { type: 'string' },
  'offset-face': { type: 'string' },
  'offset-text': { type: 'string' },
  'long-pause': { type: 'string' },
  'face-min-score': { type: 'string' },
  'face-input-size': { type: 'string' },
  'face-max-faces': { type: 'string' },
  'voice-model': { type: 'string' },
  'no-voice': { type: 'boolean' },
  'no-face': { type: 'boolean' },
  'no-text': { type: 'boolean' },
  'keep-text': { type: 'boolean' },
  'caller-id': { type: 'string' },
  'profile-store': { type: 'string' },
  'profile-consent': { type: 'boolean' },
  config: { type: 'string' },
  'no-cx': { type: 'boolean' },
  json: { type: 'boolean' },
  out: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const INPUT_HELP = `  --audio FILE             call audio (WAV; one channel per speaker)
  --video FILE             video: frames → face; its audio → voice when --audio is not given
  --frames DIR             a directory of frames (times from the numbers in the names ÷ --fps)
  --chat FILE              chat transcript (JSON, JSONL, CSV or lines)
  --speakers a,b           speaker names in channel order; the first is the customer (default customer,agent)
                           (--channels is the same flag, kept as an alias, as in emosig voice)
  --face-speaker NAME      who the faces belong to (default: the first speaker)
  --chat-speaker NAME      who chat messages without a speaker belong to (default: the first speaker)
  --window S --hop S       timeline windows (default ${DEFAULT_CONFIG.window.size} and ${DEFAULT_CONFIG.window.hop} seconds)
  --fps N                  video sampling rate and frame-folder clock, in [0.01, 60] (default 5, as in face)
  --offset-voice S, --offset-face S, --offset-text S
                           shift a modality's clock by S seconds
  --long-pause S           shortest pause reported as a moment (default ${DEFAULT_CONFIG.fusion.longPauseSec})
  --face-min-score X --face-input-size N --face-max-faces N
                           face detector: score a face must exceed (default ${DEFAULT_CONFIG.face.minScore}), input side in px,
                           a multiple of 32 from 96 to 1024 (default ${DEFAULT_CONFIG.face.inputSize}; larger finds smaller
                           faces and costs time), faces per frame (default ${DEFAULT_CONFIG.face.maxFaces}); as emosig face's flags
  --no-voice, --no-face, --no-text
                           no consent for that modality: it is not decoded at all
  --keep-text              keep chat message text in the signature (off by default: privacy)
  --caller-id ID --profile-store FILE --profile-consent
                           add this interaction to the caller's temperament profile in FILE (only with
                           --profile-consent; nothing is read or kept without it; see docs/cx.md)
  --no-cx                  skip the CX metrics (satisfaction, impact, depth, temperament)
${CONFIG_HELP}`;

const HELP = `Usage: emosig analyze [inputs] [--json] [--out FILE] [--report FILE]

Fuses voice, face and chat into one time-aligned emotional signature (JSON, schema/signature.v2.json).

${INPUT_HELP}
  --json                   print the signature as JSON (default: a short human summary)
  --voice-model DIR        a voice model folder (made by emosig train voice) instead of the shipped one
  -o, --out FILE           also write the signature JSON to FILE
  --report FILE            also write the HTML report (as 'emosig report') to FILE
  -h, --help
`;

type Values = { [K in keyof typeof ANALYZE_OPTIONS]?: (typeof ANALYZE_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

export function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || v.trim() === '') throw new Error(`--${name} must be a number (got '${v}')`);
  return n;
}

/** Turn parsed CLI values into `analyze` input (throws a plain Error with a usage message on bad values). */
export function inputFromArgs(v: Values): AnalyzeInput {
  if (!v.audio && !v.video && !v.frames && !v.chat) throw new Error('give at least one of --audio, --video, --frames, --chat');
  const offsets: AnalyzeInput['offsets'] = {};
  const ov = num(v['offset-voice'], 'offset-voice');
  const of = num(v['offset-face'], 'offset-face');
  const ot = num(v['offset-text'], 'offset-text');
  if (ov !== undefined) offsets.voice = ov;
  if (of !== undefined) offsets.face = of;
  if (ot !== undefined) offsets.text = ot;
  const size = num(v.window, 'window');
  const hop = num(v.hop, 'hop');
  const fps = num(v.fps, 'fps');
  const longPauseSec = num(v['long-pause'], 'long-pause');
  const consent = Object.fromEntries((['voice', 'face', 'text'] as const).filter((m) => v[`no-${m}`]).map((m) => [m, false]));
  // one resolution through EmosigConfig: --config FILE, then the flags over it (a bad value → INVALID_OPTIONS naming the field)
  const config = configOf(
    {
      ...(v.config ? { config: readConfigFile(v.config) } : {}),
      ...((v.speakers ?? v.channels) ? { speakers: speakerNames(v.speakers, v.channels) } : {}),
      ...(size !== undefined || hop !== undefined ? { window: { ...(size !== undefined ? { size } : {}), ...(hop !== undefined ? { hop } : {}) } } : {}),
      ...(fps !== undefined ? { fps } : {}),
      ...(longPauseSec !== undefined ? { longPauseSec } : {}),
      ...(Object.keys(consent).length ? { consent } : {}),
      ...(v['keep-text'] ? { keepText: true } : {}),
    },
    'emosig analyze',
    { face: detectorFlags(v, 'face-') },
  );
  return {
    ...(v.audio ? { audio: v.audio } : {}),
    ...(v.video ? { video: v.video } : {}),
    ...(v.frames ? { frames: v.frames } : {}),
    ...(v.chat ? { chat: { path: v.chat } } : {}),
    ...(v['face-speaker'] ? { faceSpeaker: v['face-speaker'] } : {}),
    ...(v['chat-speaker'] ? { chatSpeaker: v['chat-speaker'] } : {}),
    ...(v['voice-model'] ? { voiceModel: v['voice-model'] } : {}),
    offsets,
    config,
    ...(v['no-cx'] ? { cx: { enabled: false } } : {}),
    ...(v['profile-consent'] || v['caller-id'] || v['profile-store'] ? { cx: cxFromArgs(v) } : {}),
  };
}

function cxFromArgs(v: Values): NonNullable<AnalyzeInput['cx']> {
  if (!v['caller-id'] || !v['profile-store']) throw new Error('--caller-id and --profile-store go together (with --profile-consent when the customer agreed)');
  return { ...(v['no-cx'] ? { enabled: false } : {}), profile: { callerId: v['caller-id'], consent: !!v['profile-consent'], store: v['profile-store'] } };
}

export function summary(sig: EmotionalSignature): string {
  const lines: string[] = [];
  const mods = (['voice', 'face', 'text'] as const).map((m) => {
    const s = sig.interaction.modalities[m];
    return `${m}: ${s.present ? 'yes' : `no (${s.reason})`}`;
  });
  lines.push(`${sig.interaction.durationSec.toFixed(1)} s · ${mods.join(' · ')} · ${sig.timeline.length} windows · ${sig.moments.length} moments`);
  for (const [name, s] of Object.entries(sig.speakers)) {
    const top = Object.entries(s.emotions)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([l, p]) => `${l} ${p.toFixed(2)}`)
      .join(', ');
    lines.push(`${name}: ${top} | stress mean ${s.summary.mean.stress.toFixed(2)} peak ${s.summary.peak.stress.toFixed(2)} | ends ${s.summary.end.dominant} | escalation ${s.summary.escalation.score.toFixed(2)}`);
    for (const r of s.summary.escalation.reasons) lines.push(`    - ${r.text}`);
  }
  lines.push(...cxSummaryLines(sig.cx));
  for (const m of sig.moments) lines.push(`  ${m.time.toFixed(1).padStart(6)} s  ${m.speaker.padEnd(10)} ${m.kind.padEnd(16)} ${m.evidence}`);
  for (const p of sig.interaction.problems) lines.push(`note: ${p.code}: ${p.message}`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs({ args: argv, options: { ...ANALYZE_OPTIONS, report: { type: 'string' } }, allowPositionals: false, strict: true });
  } catch (e) {
    process.stderr.write(`emosig analyze: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const v = a.values as Values & { report?: string };
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let input: AnalyzeInput;
  try {
    input = inputFromArgs(v);
  } catch (e) {
    process.stderr.write(`emosig analyze: ${e instanceof EmosigError ? `${e.code}: ${errorInfo(e).message}` : (e as Error).message}\n\n${HELP}`);
    return 2;
  }
  try {
    const sig = await analyze(input);
    const json = JSON.stringify(sig, null, 2);
    if (v.out) {
      writeAtomic(v.out, json + '\n');
      process.stderr.write(`emosig analyze: wrote ${v.out}\n`);
    }
    if (v.report) {
      writeAtomic(v.report, renderReport(sig));
      process.stderr.write(`emosig analyze: wrote ${v.report}\n`);
    }
    await writeOut(v.json ? json : summary(sig));
    return 0;
  } catch (e) {
    const err = errorInfo(e);
    process.stderr.write(`emosig analyze: ${err.code}: ${err.message}\n`);
    return 1;
  }
}
