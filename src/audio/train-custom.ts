/**
 * `emosig train voice`: train a voice model folder from a business's own labelled recordings, in TypeScript
 * (no Python), cross-validated by speaker, loadable with `analyzeVoice(input, { model: dir })`.
 *
 * Manifest: CSV with a header; columns by name: path, label, speaker and optionally valence, arousal (−1…1).
 * Paths are relative to the manifest's folder. Labels are emosig core labels or common aliases (calm, happy,
 * sad, angry, ...: LABEL_ALIASES). Each recording should hold one speaker (mono, or the first channel is used).
 */
import { readFileSync, readdirSync, existsSync, statSync, mkdirSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, resolve, join, basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { EmosigError } from '../errors.js';
import { CORE_LABELS } from '../signature/labels.js';
import { modelPath } from '../runtime/paths.js';
import { decodeWav } from './decode.js';
import { resample } from './resample.js';
import { SileroVad } from './vad.js';
import { clipsSpeechFeatures } from './speech.js';
import { telephone } from './channel.js';
import { FEATURE_NAMES } from './features.js';
import { bundleFiles, fitBundle, predictClip, predictPersonal, baselineFrom, LABEL_ALIASES, LABEL_AV, DEFAULT_BUNDLE, type BundleConfig, type FitRow } from './voice-fit.js';
import { scoreClasses, spearman, hiddenSizes, type HeadsConfig } from './trainer.js';

export interface TrainVoiceOptions {
  /** CSV manifest: path,label,speaker[,valence,arousal]. */
  manifest: string;
  /** Output folder (created; an existing voice model folder is replaced). */
  out: string;
  /** Licence recorded in the model (default: that of the recordings, as stated by their owner). */
  license?: string;
  /** Model name (default: the output folder's name). */
  name?: string;
  /** Speaker folds for cross-validation (default min(5, speakers)). */
  folds?: number;
  /** Progress messages (default none). */
  onProgress?: (message: string) => void;
}

export interface ManifestRow {
  path: string;
  label: string;
  core: (typeof CORE_LABELS)[number];
  speaker: string;
  valence?: number;
  arousal?: number;
}

export interface CvMetrics {
  uar: number;
  macroF1: number;
  accuracy: number;
  n: number;
  arousalRho?: number;
}

export interface TrainVoiceResult {
  dir: string;
  labels: string[];
  clips: number;
  speakers: number;
  folds: number;
  /** Speaker-independent cross-validation: per clip and with the personal baseline, as recorded and through a phone channel. */
  cv: Record<'clip' | 'personal', Record<'recorded' | 'phone', CvMetrics>>;
  card: string;
}

export const MIN_SPEAKERS = 3;
export const MIN_CLIPS_PER_LABEL = 4;

/** Read and check a training manifest (typed errors name the manifest, the row and what to fix). */
export function readTrainingManifest(path: string): ManifestRow[] {
  if (!existsSync(path)) throw new EmosigError('INPUT_NOT_FOUND', 'the training manifest does not exist; pass a CSV with columns path,label,speaker', { input: path });
  if (statSync(path).isDirectory()) throw new EmosigError('INPUT_IS_DIRECTORY', 'the training manifest is a folder; pass a CSV file with columns path,label,speaker', { input: path });
  let records: Record<string, string>[];
  try {
    records = parse(readFileSync(path), { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  } catch (e) {
    throw new EmosigError('MANIFEST_INVALID', `the manifest is not valid CSV (${(e as Error).message.split('\n')[0]}); save it as comma-separated values with a header row`, { input: path, cause: e });
  }
  if (records.length === 0) throw new EmosigError('MANIFEST_INVALID', 'the manifest lists no recordings; add rows path,label,speaker under the header', { input: path });
  const cols = Object.keys(records[0]);
  const missing = ['path', 'label', 'speaker'].filter((c) => !cols.includes(c));
  if (missing.length) {
    throw new EmosigError('MANIFEST_INVALID', `the header lacks the column(s) ${missing.join(', ')}; the first row must name the columns path,label,speaker[,valence,arousal]`, { input: path });
  }
  const base = dirname(resolve(path));
  return records.map((r, i) => {
    const line = i + 2;
    const bad = (what: string) => new EmosigError('MANIFEST_ROW_INVALID', `row ${line}: ${what}`, { input: path });
    if (!r.path) throw bad('the path is empty; give the recording\'s path (relative to the manifest)');
    if (!r.speaker) throw bad('the speaker is empty; give an id per speaker (cross-validation keeps each speaker on one side)');
    const label = (r.label ?? '').toLowerCase();
    const core = LABEL_ALIASES[label];
    if (!core) throw bad(`the label is not one emosig knows; use one of ${CORE_LABELS.join(', ')} (or calm, happy, sad, angry, fearful, disgusted, surprised, boredom)`);
    const file = resolve(base, r.path);
    if (!existsSync(file) || statSync(file).isDirectory()) throw bad('the recording does not exist (paths are relative to the manifest\'s folder)');
    const num = (k: 'valence' | 'arousal'): number | undefined => {
      const v = r[k];
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < -1 || n > 1) throw bad(`${k} must be a number from -1 to 1 (or empty); rescale e.g. a 1–5 scale with (x − 3) / 2`);
      return n;
    };
    return { path: file, label, core, speaker: r.speaker, valence: num('valence'), arousal: num('arousal') };
  });
}

/** Check there is enough to train and cross-validate by speaker. */
export function checkTrainable(rows: ManifestRow[], manifest: string): void {
  const speakers = new Set(rows.map((r) => r.speaker));
  if (speakers.size < MIN_SPEAKERS) {
    throw new EmosigError('TRAIN_TOO_FEW_SPEAKERS', `${speakers.size} speaker(s) in the manifest; at least ${MIN_SPEAKERS} are needed to train and cross-validate by speaker. Add recordings of more speakers.`, { input: manifest });
  }
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.core, (counts.get(r.core) ?? 0) + 1);
  const usable = [...counts].filter(([, n]) => n >= MIN_CLIPS_PER_LABEL);
  if (usable.length < 2 || usable.length < counts.size) {
    const few = [...counts].filter(([, n]) => n < MIN_CLIPS_PER_LABEL).map(([l, n]) => `${l} (${n})`);
    throw new EmosigError(
      'TRAIN_TOO_FEW_CLASSES',
      usable.length < 2
        ? `the manifest has ${counts.size} label(s) (${[...counts.keys()].join(', ')}) with at least ${MIN_CLIPS_PER_LABEL} recordings each needed for at least 2; add recordings of other emotions`
        : `these labels have fewer than ${MIN_CLIPS_PER_LABEL} recordings: ${few.join(', ')}; add recordings or drop those rows`,
      { input: manifest },
    );
  }
}

async function load16k(path: string): Promise<Float32Array> {
  const { info, channels } = await decodeWav(path);
  return info.sampleRate === 16000 ? channels[0] : resample(channels[0], info.sampleRate, 16000);
}

/**
 * The configuration and personal-model weight the shipped model was selected with, else defaults. A model with
 * hidden layers keeps at least the shipped training's number of optimiser steps on a smaller data set (its epochs
 * scaled by shipped rows / rows, at most 200), so that a few hundred recordings do not leave it barely trained.
 */
function shippedConfig(rows: number): { cfg: BundleConfig; weight: number } {
  try {
    const card = JSON.parse(readFileSync(join(modelPath('voice'), 'voice.json'), 'utf8')) as { config?: BundleConfig; personal?: { weight?: number }; trainingRows?: number };
    const w = card.personal?.weight;
    if (card.config?.clip?.heads && card.config.personal?.heads) {
      const scale = (h: HeadsConfig): HeadsConfig =>
        hiddenSizes(h).length && card.trainingRows && card.trainingRows > rows ? { ...h, epochs: Math.min(200, Math.ceil((h.epochs * card.trainingRows) / Math.max(1, rows))) } : h;
      const c = card.config;
      return { cfg: { clip: { ...c.clip, heads: scale(c.clip.heads) }, personal: { ...c.personal, heads: scale(c.personal.heads) } }, weight: typeof w === 'number' && w >= 0 && w <= 1 ? w : 0.5 };
    }
  } catch {
    // fall through
  }
  return { cfg: DEFAULT_BUNDLE, weight: 0.5 };
}

export async function trainVoiceModel(opts: TrainVoiceOptions): Promise<TrainVoiceResult> {
  const say = opts.onProgress ?? (() => {});
  const rows = readTrainingManifest(opts.manifest);
  checkTrainable(rows, opts.manifest);
  const out = resolve(opts.out);
  if (existsSync(out) && (!statSync(out).isDirectory() || (!existsSync(join(out, 'voice.json')) && readdirSync(out).length > 0))) {
    throw new EmosigError('INVALID_OPTIONS', 'the output exists and is not an (empty or voice model) folder; pass a new folder name', { input: opts.out });
  }
  const labels = CORE_LABELS.filter((l) => rows.some((r) => r.core === l));
  const K = labels.length;
  const speakers = [...new Set(rows.map((r) => r.speaker))].sort();

  // features of every recording, as recorded and through a mu-law phone channel
  say(`features of ${rows.length} recordings…`);
  const vad = await SileroVad.load();
  const data: (FitRow & { variant: 'recorded' | 'phone'; speaker: string; trueArousal: number })[] = [];
  const B = 16;
  for (let i = 0; i < rows.length; i += B) {
    const batch = rows.slice(i, i + B);
    const audio = await Promise.all(batch.map((r) => load16k(r.path)));
    for (const variant of ['recorded', 'phone'] as const) {
      const feats = await clipsSpeechFeatures(vad, variant === 'recorded' ? audio : audio.map((x) => telephone(x, 'mulaw')));
      feats.forEach((f, k) => {
        const r = batch[k];
        const av = LABEL_AV[r.label] ?? LABEL_AV[r.core];
        const va: [number, number] = [r.arousal ?? av.arousal, r.valence ?? av.valence];
        data.push({ x: f.vector, y: labels.indexOf(r.core), va, group: `${r.speaker}|${variant}`, variant, speaker: r.speaker, trueArousal: va[0] });
      });
    }
    say(`features: ${Math.min(i + B, rows.length)}/${rows.length}`);
  }

  // speaker-independent cross-validation
  const { cfg, weight: w } = shippedConfig(data.length);
  const F = Math.max(2, Math.min(opts.folds ?? 5, speakers.length));
  const pooled: Record<string, { truth: number[]; pred: number[]; a: number[]; ta: number[] }> = {};
  const add = (key: string, truth: number, probs: Float32Array, a: number, ta: number) => {
    pooled[key] ??= { truth: [], pred: [], a: [], ta: [] };
    let best = 0;
    for (let k = 1; k < probs.length; k++) if (probs[k] > probs[best]) best = k;
    pooled[key].truth.push(truth);
    pooled[key].pred.push(best);
    pooled[key].a.push(a);
    pooled[key].ta.push(ta);
  };
  for (let f = 0; f < F; f++) {
    const held = new Set(speakers.filter((_, i) => i % F === f));
    const train = data.filter((d) => !held.has(d.speaker));
    if (new Set(train.map((d) => d.y)).size < 2) continue;
    const bundle = fitBundle(train, K, cfg);
    for (const variant of ['recorded', 'phone'] as const) {
      for (const spk of held) {
        const test = data.filter((d) => d.speaker === spk && d.variant === variant);
        if (!test.length) continue;
        const clip = predictClip(
          bundle,
          test.map((d) => d.x),
        );
        test.forEach((d, i) => add(`clip/${variant}`, d.y, clip.probs[i], clip.va[i][0], d.trueArousal));
        // personal: each recording against a baseline of the speaker's other recordings
        test.forEach((d, i) => {
          const others = test.filter((_, j) => j !== i);
          if (others.length < 2) return;
          const base = baselineFrom(
            bundle,
            others.map((o) => o.x),
          );
          const p = predictPersonal(bundle, [d.x], base);
          const probs = p.probs[0].map((v, k) => w * v + (1 - w) * clip.probs[i][k]);
          add(`personal/${variant}`, d.y, probs, w * p.va[0][0] + (1 - w) * clip.va[i][0], d.trueArousal);
        });
      }
    }
    say(`cross-validation fold ${f + 1}/${F}`);
  }
  const cv = {} as TrainVoiceResult['cv'];
  for (const mode of ['clip', 'personal'] as const) {
    cv[mode] = {} as TrainVoiceResult['cv']['clip'];
    for (const variant of ['recorded', 'phone'] as const) {
      const p = pooled[`${mode}/${variant}`] ?? { truth: [], pred: [], a: [], ta: [] };
      const m = scoreClasses(p.truth, p.pred, K);
      cv[mode][variant] = { uar: m.uar, macroF1: m.macroF1, accuracy: m.accuracy, n: m.n, ...(p.a.length > 2 ? { arousalRho: spearman(p.a, p.ta) } : {}) };
    }
  }

  // the final model on everything
  say('training the final model…');
  const bundle = fitBundle(data, K, cfg);
  const name = opts.name ?? (basename(out) || 'custom-voice');
  const license = opts.license ?? 'as licensed by the owner of the training recordings';
  const { files, json } = bundleFiles(bundle, {
    name,
    version: '1.0.0',
    license,
    labels: [...labels],
    trainedOn: `${rows.length} recordings of ${speakers.length} speakers from ${basename(opts.manifest)}, as recorded and through a mu-law phone channel`,
    producer: 'emosig train voice',
    personalWeight: w,
    extra: { trainingRows: data.length, cv },
  });
  const card = customCard(name, license, labels, rows.length, speakers.length, F, cv, basename(opts.manifest), w);
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    for (const [f, bytes] of Object.entries(files)) writeFileSync(join(tmp, f), bytes);
    writeFileSync(join(tmp, 'voice.json'), JSON.stringify(json, null, 1));
    writeFileSync(join(tmp, 'MODEL_CARD.md'), card);
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw new EmosigError('OUTPUT_WRITE_FAILED', `could not write the model folder (${(e as Error).message}); check the path and permissions`, { input: opts.out, cause: e });
  }
  say(`wrote ${out}`);
  return { dir: out, labels: [...labels], clips: rows.length, speakers: speakers.length, folds: F, cv, card };
}

function customCard(name: string, license: string, labels: string[], clips: number, speakers: number, folds: number, cv: TrainVoiceResult['cv'], manifest: string, w: number): string {
  const f3 = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(3));
  const lines = [
    `# Model card: ${name}`,
    '',
    `**Licence:** ${license}.`,
    '',
    `Trained by \`emosig train voice\` on ${clips} recordings of ${speakers} speakers listed in \`${manifest}\`, each as recorded and through a`,
    `mu-law telephone channel. Labels: ${labels.join(', ')}. Features: emosig's ${FEATURE_NAMES.length} vocal features; a clip model and a`,
    'personal-baseline model (features z-scored against the speaker\'s own speech), each with arousal/valence heads;',
    'configuration as selected by leave-one-corpus-out validation for emosig\'s shipped voice model.',
    '',
    `## Accuracy (speaker-independent, ${folds} folds over speakers)`,
    '',
    `Personal: each recording judged against a baseline from the same speaker's other recordings (personal model weighted ${w} against the clip model, as \`personal.weight\` in voice.json).`,
    '',
    '| mode | copy | UAR | macro-F1 | accuracy | arousal ρ | n |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const mode of ['clip', 'personal'] as const)
    for (const v of ['recorded', 'phone'] as const) {
      const m = cv[mode][v];
      lines.push(`| ${mode} | ${v === 'recorded' ? 'as recorded' : 'mu-law phone'} | ${f3(m.uar)} | ${f3(m.macroF1)} | ${f3(m.accuracy)} | ${f3(m.arousalRho)} | ${m.n} |`);
    }
  lines.push('', 'Load it with `analyzeVoice(input, { model: DIR })`, `emosig voice --model DIR` or `emosig analyze --voice-model DIR`.', '');
  return lines.join('\n');
}
