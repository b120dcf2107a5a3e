import { MAX_THREADS } from '../limits.js';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { extractVoice, scoreVoice, buildBaselines, type VoiceOptions, type ExtractedVoice } from '../audio/analyze.js';
import { loadVoiceModel } from '../audio/model.js';
import { readCsvTable } from '../runtime/csv.js';
import { EmosigError, errorInfo } from '../errors.js';
import { CONFIG_HELP, commandConfig, runBatch, fail, parseCommand, progressBar } from './common.js';
import { dominantLabel } from '../signature/labels.js';

const HELP = `emosig voice FILE... [options]

Emotion, valence, arousal and stress per speech segment, per speaker and for the whole file.
Input: WAV (PCM 8/16/24/32-bit, float 32/64, mu-law, A-law; any rate; mono, or stereo with one speaker per channel).

Options:
  --speakers a,b            speaker names in channel order (default ch0,ch1), e.g. --speakers customer,agent
                            (--channels is the same flag, kept as an alias)
  --speakers-manifest FILE  CSV with a header naming the columns path and speaker (any order, other
                            columns ignored; paths relative to FILE): files of one speaker share a
                            personal baseline (mono files)
  --no-baseline             judge every segment alone (no personal baseline)
  --features                include each segment's feature vector
  --json                    one JSON document (one file) or a JSON array (several files)
  --jsonl                   one JSON line per file ({ file, ... } or { file, error: { code, message } })
  --threads N               onnxruntime threads (default 1)
  --model DIR               a voice model folder (made by emosig train voice) instead of the shipped one
${CONFIG_HELP}
                           (read here: call.speakers, i.e. customer,agent unless the file names them,
                           voice.personalBaseline, voice.minPauseSec, voice.vad)
Exit code 1 when any file failed (the others are still analysed), 2 on bad usage.
`;

/** `--speakers` (the documented name, as in `emosig analyze`) or its alias `--channels`: names in channel order. */
export function speakerNames(speakers?: string, channels?: string): string[] | undefined {
  if (speakers !== undefined && channels !== undefined && speakers !== channels) fail('give --speakers or its alias --channels, not both');
  const v = speakers ?? channels;
  return v ? v.split(',').map((s) => s.trim()) : undefined;
}

export async function main(argv: string[]): Promise<number> {
  const a = parseCommand('voice', HELP, {
    args: argv,
    allowPositionals: true,
    options: {
      speakers: { type: 'string' },
      channels: { type: 'string' },
      'speakers-manifest': { type: 'string' },
      'no-baseline': { type: 'boolean' },
      features: { type: 'boolean' },
      json: { type: 'boolean' },
      jsonl: { type: 'boolean' },
      threads: { type: 'string' },
      model: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (typeof a === 'number') return a;
  const v = a.values;
  let files = a.positionals;
  const manifest = v['speakers-manifest'] ? readManifest(v['speakers-manifest']) : undefined;
  if (manifest && files.length === 0) files = manifest.map((m) => m.path);
  if (files.length === 0) fail(`no input files\n\n${HELP}`);
  // --config FILE: the voice fields of an EmosigConfig; the flags override it
  const c = commandConfig('voice', v.config);
  if (typeof c === 'number') return c;
  const cfg = c.config;
  const opts: VoiceOptions = {
    channels: speakerNames(v.speakers, v.channels) ?? cfg?.call.speakers,
    ...(cfg ? { vad: cfg.voice.vad, minPauseSec: cfg.voice.minPauseSec } : {}),
    includeFeatures: !!v.features,
    personalBaseline: v['no-baseline'] ? false : (cfg?.voice.personalBaseline ?? true),
    intraOpThreads: v.threads === undefined ? 1 : threadCount(v.threads),
  };
  const mode = v.jsonl ? 'jsonl' : v.json ? 'json' : 'human';
  let model;
  try {
    model = await loadVoiceModel({ intraOpThreads: opts.intraOpThreads, dir: v.model });
  } catch (e) {
    const err = errorInfo(e);
    process.stderr.write(`emosig voice: ${err.code}: ${err.message}\n`);
    return 1;
  }

  if (!manifest) {
    return runBatch({
      inputs: files,
      label: 'voice',
      mode,
      run: async (f) => scoreVoice(await extractVoice(f, opts), opts, model),
      human: (f, r) => {
        const lines = [`${f}: ${r.durationSec.toFixed(1)} s, ${r.segments.length} speech segments${r.noSpeech ? ' (no speech)' : ''}`];
        for (const [spk, s] of Object.entries(r.bySpeaker)) {
          lines.push(
            `  ${spk.padEnd(10)} ${dominantLabel(s.emotions).padEnd(8)} valence ${s.valence.toFixed(2)} arousal ${s.arousal.toFixed(2)} stress ${s.stress.toFixed(2)} confidence ${s.confidence.toFixed(2)} (${s.speechSec.toFixed(1)} s speech)`,
          );
        }
        for (const w of r.warnings) lines.push(`  warning: ${w}`);
        return lines.join('\n');
      },
    });
  }

  // Personal baseline across files: extract every file, build one baseline per manifest speaker, then score.
  const speakerOf = new Map(manifest.map((m) => [resolve(m.path), m.speaker]));
  const extracted: { file: string; ex?: ExtractedVoice; error?: unknown }[] = [];
  const bar = progressBar(files.length, 'voice (features)');
  for (const f of files) {
    try {
      extracted.push({ file: f, ex: await extractVoice(f, { ...opts, channels: [speakerOf.get(resolve(f)) ?? 'ch0', 'ch1'] }) });
    } catch (e) {
      extracted.push({ file: f, error: e });
    }
    bar.tick();
  }
  bar.stop();
  const baselines = buildBaselines(
    extracted.filter((e) => e.ex).map((e) => ({ speaker: speakerOf.get(resolve(e.file)) ?? 'ch0', segments: e.ex!.segments.filter((s) => s.speaker === (speakerOf.get(resolve(e.file)) ?? 'ch0')) })),
  );
  return runBatch({
    inputs: extracted.map((e) => e.file),
    label: 'voice',
    mode,
    run: async (f) => {
      const e = extracted.find((x) => x.file === f)!;
      if (e.error) throw e.error;
      return scoreVoice(e.ex!, { ...opts, baselines }, model);
    },
  });
}

/** `path,speaker` CSV; paths relative to the manifest's folder. */
export function readManifest(path: string): { path: string; speaker: string }[] {
  if (!existsSync(path) || !statSync(path).isFile()) throw new EmosigError('INPUT_NOT_FOUND', 'speakers manifest not found; pass a CSV file with a header naming the columns path and speaker', { input: path });
  // columns by header name (path,speaker in any order; other columns such as label are ignored)
  const t = readCsvTable(readFileSync(path, 'utf8'), { input: path, required: ['path', 'speaker'], code: 'MANIFEST_INVALID', example: 'path,speaker' });
  if (t.issues.length) throw new EmosigError('MANIFEST_ROW_INVALID', `${t.issues[0].message}; fix the row`, { input: path });
  const out: { path: string; speaker: string }[] = [];
  for (const r of t.rows) {
    const { path: p, speaker: s } = r.values;
    if (!p || !s) throw new EmosigError('MANIFEST_ROW_INVALID', `line ${r.line}: the path or speaker is empty`, { input: path });
    out.push({ path: resolve(dirname(path), p), speaker: s });
  }
  if (out.length === 0) throw new EmosigError('MANIFEST_INVALID', 'the manifest lists no files', { input: path });
  return out;
}


/** --threads: a whole number from 1 to MAX_THREADS, else a usage error (exit 2). */
function threadCount(v: string): number {
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_THREADS)) fail(`voice: --threads must be a whole number from 1 to ${MAX_THREADS} (got '${v}')`);
  return n;
}
