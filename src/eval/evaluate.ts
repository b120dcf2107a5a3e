/**
 * `evaluate()`: run emosig (or your own predictor) over a labelled manifest and compute the accuracy table —
 * UAR, macro-F1, accuracy, per-class precision/recall, confusion, a hierarchical bootstrap CI, calibration
 * (ECE + reliability bins) and, for voice manifests with arousal/valence columns, Spearman ρ.
 *
 * Missing or corrupt inputs are counted with their error codes and never stop the run. With `out`, every item's
 * result is appended to `<out>/items.jsonl` as it finishes, so an interrupted run resumes where it stopped.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative, dirname, resolve } from 'node:path';
import { EmosigError, errorInfo } from '../errors.js';
import { CORE_LABELS, type CoreLabel, type Emotions } from '../signature/labels.js';
import { packageRoot } from '../runtime/paths.js';
import { analyzeVoice, extractVoice, scoreVoice, buildBaselines, loadVoiceModel, type ExtractedVoice, type VoiceReading } from '../audio/index.js';
import { analyzeFaces, type FaceReading } from '../vision/index.js';
import { analyzeText } from '../text/index.js';
import { bootstrapCI, calibration, classMetrics, spearman, argmax, type BootstrapCI, type Calibration, type ClassMetrics } from './metrics.js';
import { checkClasses, parseLabelMap, readEvalManifest, type EvalItem, type EvalManifest, type EvalModality, type ManifestRowIssue } from './manifest.js';

export interface EvaluateOptions {
  modality: EvalModality;
  /** Path of the CSV manifest. */
  manifest: string;
  /** Extra label mapping: `'calm=neutral,boredom=neutral'` or `{ calm: 'neutral' }`. Targets must be core labels. */
  map?: string | Record<string, string>;
  /** Voice: files of one speaker (manifest `speaker` column) share a personal baseline, as `emosig voice --speakers-manifest`. */
  speakerBaseline?: boolean;
  /** Face: every image is one pre-cropped face (FER-style datasets); no detection. */
  assumeFace?: boolean;
  /** Predict only among the classes present in the corpus (common in cross-corpus papers). Default false: all core labels. */
  restrictToPresent?: boolean;
  /** Folder for items.jsonl (resume cache); `writeEvalOutputs` puts eval.json/.md/.html and predictions.csv there. */
  out?: string;
  /** Bootstrap resamples (default 1000) and seed (default 1). */
  bootstrap?: number;
  seed?: number;
  /** Reliability-diagram bins (default 10). */
  bins?: number;
  /** onnxruntime threads for voice (default 1). */
  threads?: number;
  /** Called after each item (done includes items reused from the cache). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Your own predictor instead of emosig's: probabilities over CORE_LABELS for one item (throw an EmosigError,
   * or any error, for an input it cannot read). Lets researchers score another model with the same harness.
   */
  predict?: (item: EvalItem) => Promise<ItemPrediction>;
}

export interface ItemPrediction {
  emotions: Emotions;
  arousal?: number;
  valence?: number;
  /** Model name/version that produced it. */
  model?: string;
}

/** One line of items.jsonl / predictions.csv. */
export interface ItemResult {
  key: string;
  line: number;
  /** Path relative to the manifest (voice, face) or `line N` (text: the text itself is never stored). */
  input: string;
  status: 'ok' | 'failed';
  /** Probabilities in CORE_LABELS order. */
  probs?: number[];
  arousal?: number;
  valence?: number;
  model?: string;
  code?: string;
  message?: string;
}

export interface EvalFailure {
  line: number;
  input: string;
  code: string;
  message: string;
}

export interface EvalEnvironment {
  emosig: string;
  node: string;
  platform: string;
}

export interface EvalReport {
  schema: 'emosig-eval/1';
  date: string;
  modality: EvalModality;
  manifest: string;
  emosig: string;
  /** Model name/version strings seen in the predictions. */
  models: string[];
  options: { map: Record<string, CoreLabel>; speakerBaseline: boolean; assumeFace: boolean; restrictToPresent: boolean; bootstrap: { iterations: number; seed: number }; bins: number };
  counts: { rows: number; usable: number; evaluated: number; failed: number; unmapped: number; invalidRows: number; reused: number };
  failures: { byCode: Record<string, number>; items: EvalFailure[] };
  /** Labels with no core label (not in --map, not a core label or synonym): label → rows left out. */
  unmapped: Record<string, number>;
  /** How each manifest label was mapped. */
  mapping: Record<string, CoreLabel>;
  invalidRows: ManifestRowIssue[];
  /** Core labels present in the corpus (UAR and macro-F1 average over these). */
  classes: CoreLabel[];
  /** Core labels absent from the corpus: left out of UAR and macro-F1. */
  absentClasses: CoreLabel[];
  metrics: ClassMetrics;
  ci: BootstrapCI;
  calibration: Calibration;
  /** Spearman ρ of predicted vs annotated arousal / valence (voice manifests with those columns). */
  dimensions?: Partial<Record<'arousal' | 'valence', { rho: number; n: number }>>;
  /** The manifest column the bootstrap resamples first (speaker, subject, conversation). */
  groupColumn?: string;
  groups: number;
}

export interface EvalRun {
  report: EvalReport;
  /** Per-item results in manifest order, with the truth attached. */
  items: (ItemResult & { truth: CoreLabel; label: string; group?: string; pred?: CoreLabel; confidence?: number })[];
}

const STATE_FILE = 'eval-state.json';
const ITEMS_FILE = 'items.jsonl';

function emosigVersion(): string {
  try {
    return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** Fingerprint of the shipped model files of a modality (names, sizes, times): a changed model invalidates the cache. */
function modelFingerprint(modality: EvalModality): string {
  const dir = join(packageRoot(), 'models', modality);
  const h = createHash('sha1');
  try {
    for (const f of readdirSync(dir).sort()) {
      const st = statSync(join(dir, f));
      h.update(`${f}:${st.size}:${Math.round(st.mtimeMs)};`);
    }
  } catch {
    h.update('none');
  }
  return h.digest('hex').slice(0, 12);
}

function itemKey(modality: EvalModality, it: EvalItem): string {
  if (modality === 'text') return 't:' + createHash('sha256').update(it.input).digest('hex').slice(0, 24);
  try {
    const st = statSync(it.input);
    return `f:${it.input}:${st.size}:${Math.round(st.mtimeMs)}`;
  } catch {
    return `f:${it.input}:missing`;
  }
}

const probsOf = (e: Emotions): number[] => CORE_LABELS.map((l) => e[l] ?? 0);

/** The item's outcome as an ItemResult (`failed` when the reading has nothing to score). */
function voiceResult(r: VoiceReading): ItemPrediction | { failed: string; message: string } {
  if (r.noSpeech || !(r.overall.speechSec > 0)) return { failed: 'NO_SPEECH', message: 'no speech found in the file' };
  return { emotions: r.overall.emotions, arousal: r.overall.arousal, valence: r.overall.valence, model: `${r.model.name}@${r.model.version}` };
}

function faceResult(r: FaceReading): ItemPrediction | { failed: string; message: string } {
  const sum = new Array<number>(CORE_LABELS.length).fill(0);
  let frames = 0;
  let ar = 0;
  let va = 0;
  for (const f of r.frames) {
    if (!f.faces.length) continue;
    const face = f.faces.reduce((a, b) => (b.box[2] * b.box[3] > a.box[2] * a.box[3] ? b : a));
    probsOf(face.emotions).forEach((p, k) => (sum[k] += p));
    ar += face.arousal;
    va += face.valence;
    frames++;
  }
  if (!frames) return { failed: 'NO_FACE', message: 'no face found' };
  const emotions = Object.fromEntries(CORE_LABELS.map((l, k) => [l, sum[k] / frames])) as Emotions;
  return { emotions, arousal: ar / frames, valence: va / frames, model: r.model };
}

/** Run the evaluation. Throws typed errors for a bad manifest, an unknown --map target or a single-class corpus. */
export async function evaluate(o: EvaluateOptions): Promise<EvalRun> {
  const map = parseLabelMap(o.map);
  const manifest = readEvalManifest(o.manifest, o.modality, map);
  const classes = checkClasses(manifest);
  const iterations = Math.max(1, Math.floor(o.bootstrap ?? 1000));
  const seed = o.seed ?? 1;
  const bins = Math.max(1, Math.floor(o.bins ?? 10));
  const items = manifest.items;
  const keys = items.map((it) => itemKey(o.modality, it));
  const base = dirname(resolve(manifest.source));
  const shown = (it: EvalItem): string => (o.modality === 'text' ? `line ${it.line}` : relative(base, it.input) || it.input);

  // ---- resume cache
  const cached = new Map<string, ItemResult>();
  const state = { schema: 'emosig-eval-state/1', modality: o.modality, model: o.predict ? 'custom' : modelFingerprint(o.modality), speakerBaseline: !!o.speakerBaseline, assumeFace: !!o.assumeFace };
  let append: (r: ItemResult) => void = () => {};
  if (o.out) {
    try {
      mkdirSync(o.out, { recursive: true });
    } catch (e) {
      throw new EmosigError('OUTPUT_WRITE_FAILED', `cannot create the output folder (${(e as Error).message}); pass a writable --out folder`, { input: o.out, cause: e });
    }
    const sp = join(o.out, STATE_FILE);
    const ip = join(o.out, ITEMS_FILE);
    let same = false;
    try {
      same = JSON.stringify(JSON.parse(readFileSync(sp, 'utf8'))) === JSON.stringify(state);
    } catch {
      same = false;
    }
    if (same && existsSync(ip)) {
      for (const line of readFileSync(ip, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const r = JSON.parse(line) as ItemResult;
          if (r.status === 'ok' && Array.isArray(r.probs) && r.probs.length === CORE_LABELS.length) cached.set(r.key, r);
        } catch {
          /* a line cut by a crash: that item runs again */
        }
      }
    } else {
      rmSync(ip, { force: true });
    }
    try {
      writeFileSync(sp, JSON.stringify(state) + '\n');
    } catch (e) {
      throw new EmosigError('OUTPUT_WRITE_FAILED', `cannot write to the output folder (${(e as Error).message})`, { input: o.out, cause: e });
    }
    append = (r) => appendFileSync(ip, JSON.stringify(r) + '\n');
  }

  const results: (ItemResult | undefined)[] = keys.map((k) => cached.get(k));
  const reused = results.filter(Boolean).length;
  let done = reused;
  o.onProgress?.(done, items.length);
  const finish = (i: number, p: ItemPrediction | { failed: string; message: string } | { error: unknown }): void => {
    const it = items[i];
    let r: ItemResult;
    if ('emotions' in p) {
      r = { key: keys[i], line: it.line, input: shown(it), status: 'ok', probs: probsOf(p.emotions).map((x) => Math.round(x * 1e6) / 1e6), ...(p.arousal !== undefined ? { arousal: p.arousal } : {}), ...(p.valence !== undefined ? { valence: p.valence } : {}), ...(p.model ? { model: p.model } : {}) };
      append(r);
    } else if ('failed' in p) {
      r = { key: keys[i], line: it.line, input: shown(it), status: 'failed', code: p.failed, message: p.message };
    } else {
      const e = errorInfo(p.error);
      // never echo user content: for text only the code and a generic message
      r = { key: keys[i], line: it.line, input: shown(it), status: 'failed', code: e.code, message: o.modality === 'text' ? 'the message could not be analysed' : e.message };
    }
    results[i] = r;
    done++;
    o.onProgress?.(done, items.length);
  };
  const pending = items.map((_, i) => i).filter((i) => !results[i]);

  if (o.predict) {
    for (const i of pending) {
      try {
        finish(i, await o.predict(items[i]));
      } catch (e) {
        finish(i, { error: e });
      }
    }
  } else if (o.modality === 'voice') {
    const threads = Math.max(1, o.threads ?? 1);
    if (o.speakerBaseline && manifest.groupColumn) {
      // Files of one speaker share a personal baseline: extract every file of each speaker with pending items.
      const model = await loadVoiceModel({ intraOpThreads: threads });
      const bySpeaker = new Map<string, number[]>();
      items.forEach((it, i) => {
        const g = it.group ?? `#${i}`;
        bySpeaker.set(g, [...(bySpeaker.get(g) ?? []), i]);
      });
      for (const [spk, idx] of bySpeaker) {
        if (!idx.some((i) => !results[i])) continue;
        const ex = new Map<number, ExtractedVoice | { error: unknown }>();
        for (const i of idx) {
          try {
            ex.set(i, await extractVoice(items[i].input, { channels: [spk, 'ch1'], intraOpThreads: threads }));
          } catch (e) {
            ex.set(i, { error: e });
          }
        }
        const ok = [...ex.values()].filter((x): x is ExtractedVoice => !('error' in x));
        const baselines = buildBaselines(ok.map((x) => ({ speaker: spk, segments: x.segments.filter((s) => s.speaker === spk) })));
        for (const i of idx) {
          if (results[i]) continue;
          const x = ex.get(i)!;
          if ('error' in x) finish(i, { error: x.error });
          else {
            try {
              finish(i, voiceResult(await scoreVoice(x, { baselines, intraOpThreads: threads }, model)));
            } catch (e) {
              finish(i, { error: e });
            }
          }
        }
      }
    } else {
      for (const i of pending) {
        try {
          finish(i, voiceResult(await analyzeVoice(items[i].input, { intraOpThreads: threads })));
        } catch (e) {
          finish(i, { error: e });
        }
      }
    }
  } else if (o.modality === 'face') {
    for (const i of pending) {
      try {
        finish(i, faceResult(await analyzeFaces(items[i].input, { assumeFace: !!o.assumeFace, maxFrames: 300 })));
      } catch (e) {
        finish(i, { error: e });
      }
    }
  } else {
    const B = 256;
    for (let c = 0; c < pending.length; c += B) {
      const chunk = pending.slice(c, c + B);
      let reading;
      try {
        reading = await analyzeText(
          chunk.map((i) => items[i].input),
          { explain: false },
        );
      } catch (e) {
        for (const i of chunk) finish(i, { error: e });
        continue;
      }
      const model = `${reading.model.name}@${reading.model.version}`;
      chunk.forEach((i, k) => {
        const m = reading.messages[k];
        if (!m || m.flags.includes('empty')) finish(i, { failed: 'TEXT_EMPTY', message: 'no analysable words in the message' });
        else finish(i, { emotions: m.emotions, arousal: m.arousal, valence: m.valence, model });
      });
    }
  }

  return summarise(o, manifest, classes, results as ItemResult[], { iterations, seed, bins, reused, map });
}

function summarise(o: EvaluateOptions, manifest: EvalManifest, classes: CoreLabel[], results: ItemResult[], s: { iterations: number; seed: number; bins: number; reused: number; map: Record<string, CoreLabel> }): EvalRun {
  const allowed = o.restrictToPresent ? classes.map((c) => CORE_LABELS.indexOf(c)) : undefined;
  const runItems: EvalRun['items'] = manifest.items.map((it, i) => {
    const r = results[i];
    const extra: { pred?: CoreLabel; confidence?: number } = {};
    if (r.status === 'ok' && r.probs) {
      const k = argmax(r.probs, allowed);
      const sum = allowed ? allowed.reduce((a, j) => a + r.probs![j], 0) : r.probs.reduce((a, b) => a + b, 0);
      extra.pred = CORE_LABELS[k];
      extra.confidence = sum > 0 ? r.probs[k] / sum : 0;
    }
    return { ...r, truth: it.truth, label: it.label, ...(it.group !== undefined ? { group: it.group } : {}), ...extra };
  });
  const ok = runItems.filter((r) => r.pred !== undefined);
  const idx = (l: CoreLabel) => CORE_LABELS.indexOf(l);
  const metrics = classMetrics(
    ok.map((r) => idx(r.truth)),
    ok.map((r) => idx(r.pred!)),
    CORE_LABELS,
  );
  const ci = bootstrapCI(
    ok.map((r) => ({ truth: idx(r.truth), pred: idx(r.pred!), group: r.group })),
    CORE_LABELS,
    { iterations: s.iterations, seed: s.seed },
  );
  const cal = calibration(
    ok.map((r) => r.confidence!),
    ok.map((r) => r.pred === r.truth),
    s.bins,
  );
  let dimensions: EvalReport['dimensions'];
  for (const d of manifest.dimensions) {
    const pairs = manifest.items
      .map((it, i) => [it[d], runItems[i].status === 'ok' ? runItems[i][d] : undefined] as const)
      .filter((p): p is readonly [number, number] => p[0] !== undefined && p[1] !== undefined);
    (dimensions ??= {})[d] = { rho: pairs.length >= 3 ? spearman(pairs.map((p) => p[0]), pairs.map((p) => p[1])) : NaN, n: pairs.length };
  }
  const failed = runItems.filter((r) => r.status === 'failed');
  const byCode: Record<string, number> = {};
  for (const f of failed) byCode[f.code!] = (byCode[f.code!] ?? 0) + 1;
  const report: EvalReport = {
    schema: 'emosig-eval/1',
    date: new Date().toISOString(),
    modality: o.modality,
    manifest: manifest.source,
    emosig: emosigVersion(),
    models: [...new Set(ok.map((r) => r.model).filter((m): m is string => !!m))],
    options: { map: s.map, speakerBaseline: !!o.speakerBaseline, assumeFace: !!o.assumeFace, restrictToPresent: !!o.restrictToPresent, bootstrap: { iterations: s.iterations, seed: s.seed }, bins: s.bins },
    counts: {
      rows: manifest.rows,
      usable: manifest.items.length,
      evaluated: ok.length,
      failed: failed.length,
      unmapped: Object.values(manifest.unmapped).reduce((a, b) => a + b, 0),
      invalidRows: manifest.issues.filter((x) => !/ignored for the/.test(x.message)).length,
      reused: s.reused,
    },
    failures: { byCode, items: failed.slice(0, 200).map((f) => ({ line: f.line, input: f.input, code: f.code!, message: f.message ?? '' })) },
    unmapped: manifest.unmapped,
    mapping: manifest.mapping,
    invalidRows: manifest.issues.slice(0, 100),
    classes,
    absentClasses: CORE_LABELS.filter((l) => !classes.includes(l)),
    metrics,
    ci,
    calibration: cal,
    ...(dimensions ? { dimensions } : {}),
    ...(manifest.groupColumn ? { groupColumn: manifest.groupColumn } : {}),
    groups: ci.groups,
  };
  return { report, items: runItems };
}
