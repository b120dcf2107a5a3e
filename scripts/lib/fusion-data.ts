/**
 * Per-item predictions of each modality on the shared dev data, for fitting the fusion reliabilities
 * (scripts/fusion-fit.ts) and for the pseudo-multimodal bench (bench/fusion.ts). Each item is held out from
 * the model that scored it, and every item carries a split: 'fit' items are used to fit the fusion, 'bench'
 * items only to measure it.
 *
 * - voice: RAVDESS (actors 01–18) + EmoDB clean clips, speaker-independent out-of-fold predictions: the
 *   voice recipe (scripts/lib/voice-train.ts: standardised features → MLP, plus the personal-baseline MLP on
 *   speaker-z-scored features, averaged = the voice model's "blend") retrained 5 times, each time without
 *   the held-out speakers (folds as in scripts/train-voice.ts; ensembles of ENSEMBLE_SIZE seeds per mode, as shipped).
 *   Speakers of folds 0–2 → 'fit', 3–4 → 'bench'.
 * - face: FER2013 PrivateTest crops (the face ensemble was fitted on PublicTest), scored by `analyzeFaces`
 *   with `assumeFace`; up to N per label; even rows → 'fit', odd rows → 'bench'.
 * - text: GoEmotions (Ekman regrouping) single-label comments, scored by `analyzeText`; dev.tsv → 'fit',
 *   test.tsv → 'bench' (the text model is trained on train.tsv only); up to N per label and split.
 *
 * Results are cached in .cache/fusion-dev-<modality>-<model>.json, keyed by the modality model's name, version
 * and a hash of its card (`modelTag`), so a retrained modality never reuses old predictions (delete to recompute).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CORE_LABELS, type CoreLabel } from '../../src/signature/labels.js';
import { modelPath, packageRoot } from '../../src/runtime/paths.js';

export const DATA = resolve(packageRoot(), '..', 'shared', 'data');
export const CACHE_DIR = join(packageRoot(), '.cache');
/** The voice feature cache of scripts/voice-features.ts (same path; not imported, so this stays cheap). */
const VOICE_FEATURES = join(CACHE_DIR, 'voice-features-v2.json');

export type Split = 'fit' | 'bench';

export interface DevItem {
  id: string;
  /** Speaker (voice), row (face) or comment id (text). */
  group: string;
  split: Split;
  y: number;
  /** Raw (uncalibrated) probabilities in CORE_LABELS order. */
  p: number[];
  /** The modality's own confidence for the item, as its API would report it. */
  c: number;
}

export interface DevSet {
  modality: 'voice' | 'face' | 'text';
  source: string;
  items: DevItem[];
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

const CARDS: Record<DevSet['modality'], string[]> = {
  voice: ['voice', 'voice.json'],
  text: ['text', 'text-model.json'],
  face: ['face', 'ensemble.json'],
};

/**
 * The model a modality's dev predictions come from: `<name>-<version>-<hash of its card>` (the card is
 * models/voice/voice.json, models/text/text-model.json or models/face/ensemble.json). Voice also hashes the
 * feature cache its out-of-fold models are trained on.
 */
export function modelTag(modality: DevSet['modality']): string {
  const card = modelPath(...CARDS[modality]);
  const raw = readFileSync(card);
  const j = JSON.parse(raw.toString('utf8')) as { name?: string; version?: unknown };
  const h = createHash('sha1').update(raw);
  if (modality === 'voice' && existsSync(VOICE_FEATURES)) {
    const st = statSync(VOICE_FEATURES);
    h.update(`${st.size}:${Math.round(st.mtimeMs)}`);
  }
  return `${j.name ?? modality}-${String(j.version ?? '0')}-${h.digest('hex').slice(0, 8)}`.replace(/[^\w.-]/g, '_');
}

function cacheFile(name: DevSet['modality']): string {
  return join(CACHE_DIR, `fusion-dev-${name}-${modelTag(name)}.json`);
}

function cached(name: DevSet['modality']): DevSet | undefined {
  const f = cacheFile(name);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as DevSet) : undefined;
}

function save(set: DevSet): DevSet {
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(cacheFile(set.modality), JSON.stringify({ ...set, model: modelTag(set.modality) }));
  return set;
}

/** Deterministic shuffle. */
export { mulberry32 as rng } from './random.js';
import { mulberry32 as rng } from './random.js';

export function shuffle<T>(a: T[], rand: () => number): T[] {
  const b = a.slice();
  for (let i = b.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [b[i], b[j]] = [b[j], b[i]];
  }
  return b;
}

function perLabel<T extends { y: number }>(rows: T[], n: number, seed: number): T[] {
  const rand = rng(seed);
  const out: T[] = [];
  for (let k = 0; k < CORE_LABELS.length; k++) out.push(...shuffle(rows.filter((r) => r.y === k), rand).slice(0, n));
  return out;
}

// ---------------------------------------------------------------------------------------------
// text

const EKMAN_FILE_ORDER: CoreLabel[] = ['anger', 'disgust', 'fear', 'joy', 'neutral', 'sadness', 'surprise'];

export async function textDev(perLabelN = 250, log = console.error): Promise<DevSet> {
  const c = cached('text');
  if (c) return c;
  const { analyzeText } = await import('../../src/text/index.js');
  const items: DevItem[] = [];
  for (const [file, split] of [
    ['dev.tsv', 'fit'],
    ['test.tsv', 'bench'],
  ] as const) {
    const rows = readFileSync(join(DATA, 'text', 'goemotions', 'ekman', file), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'))
      .filter((r) => r.length >= 3 && !r[1].includes(','))
      .map((r) => ({ text: r[0], id: r[2], y: CORE_LABELS.indexOf(EKMAN_FILE_ORDER[Number(r[1])]) }))
      .filter((r) => r.y >= 0 && r.text.trim());
    const pick = perLabel(rows, perLabelN, split === 'fit' ? 11 : 12);
    const reading = await analyzeText(pick.map((r) => r.text), { explain: false });
    reading.messages.forEach((m, i) => {
      const r = pick[i];
      items.push({ id: `goemotions/${r.id}`, group: r.id, split, y: r.y, p: CORE_LABELS.map((l) => round4(m.emotions[l])), c: m.confidence });
    });
    log(`fusion-data: text ${split}: ${pick.length} GoEmotions ${file} comments`);
  }
  return save({ modality: 'text', source: 'GoEmotions Ekman single-label comments (dev.tsv → fit, test.tsv → bench)', items });
}

// ---------------------------------------------------------------------------------------------
// face

const FER_LABEL: Record<string, CoreLabel> = { angry: 'anger', disgust: 'disgust', fear: 'fear', happy: 'joy', neutral: 'neutral', sad: 'sadness', surprise: 'surprise' };

export async function faceDev(perLabelN = 120, log = console.error): Promise<DevSet> {
  const c = cached('face');
  if (c) return c;
  const { analyzeFaces } = await import('../../src/vision/index.js');
  const all = readFileSync(join(DATA, 'face', 'fer2013', 'labels.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','))
    .filter((r) => r[3] === 'PrivateTest')
    .map((r, i) => ({ file: r[0], y: CORE_LABELS.indexOf(FER_LABEL[r[1]]), split: (i % 2 === 0 ? 'fit' : 'bench') as Split }));
  const items: DevItem[] = [];
  for (const split of ['fit', 'bench'] as const) {
    const pick = perLabel(all.filter((r) => r.split === split), perLabelN, split === 'fit' ? 21 : 22);
    const B = 64;
    for (let i = 0; i < pick.length; i += B) {
      const batch = pick.slice(i, i + B);
      const r = await analyzeFaces(batch.map((b) => join(DATA, 'face', 'fer2013', b.file)), { assumeFace: true });
      r.frames.forEach((f, k) => {
        const face = f.faces[0];
        if (!face) return;
        items.push({ id: batch[k].file, group: batch[k].file, split, y: batch[k].y, p: CORE_LABELS.map((l) => round4(face.emotions[l])), c: face.confidence });
      });
      log(`fusion-data: face ${split}: ${Math.min(i + B, pick.length)}/${pick.length}`);
    }
  }
  return save({ modality: 'face', source: 'FER2013 PrivateTest crops (even rows → fit, odd rows → bench)', items });
}

// ---------------------------------------------------------------------------------------------
// voice

export async function voiceDev(log = console.error): Promise<DevSet> {
  const c = cached('voice');
  if (c) return c;
  const { CACHE } = await import('../voice-features.js');
  if (!existsSync(CACHE)) throw new Error(`${CACHE} is missing: run \`node dist/scripts/voice-features.js\` first (it extracts the voice features of the shared speech corpora)`);
  const { fitStandardiser, standardise, speakerNormalise, trainEnsemble, ENSEMBLE_SIZE, DEFAULT_MLP, PERSONAL_FEATURES } = await import('../lib/voice-train.js');
  const all = JSON.parse(readFileSync(CACHE, 'utf8')) as { rows: { corpus: string; path: string; speaker: string; core: CoreLabel; variant: string; vector: number[] }[] };
  // the v2 cache also holds TurEV-DB; the dev set keeps its RAVDESS + EmoDB speaker folds
  const data = { rows: all.rows.filter((r) => r.corpus === 'ravdess' || r.corpus === 'emodb') };
  const emodbSpk = [...new Set(data.rows.filter((r) => r.corpus === 'emodb').map((r) => r.speaker))].sort();
  const rows = data.rows.map((r) => ({
    ...r,
    x: Float32Array.from(r.vector),
    y: CORE_LABELS.indexOf(r.core),
    fold: r.corpus === 'ravdess' ? (Number(r.speaker.replace(/\D/g, '')) - 1) % 5 : emodbSpk.indexOf(r.speaker) % 5,
  }));
  const items: DevItem[] = [];
  const cfg = DEFAULT_MLP;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    const train = rows.filter((r) => r.fold !== k);
    const test = rows.filter((r) => r.fold === k && r.variant === 'clean');
    const std = fitStandardiser(train.map((r) => r.x));
    const groups = (rs: typeof rows) => rs.map((r) => `${r.speaker}|${r.variant}`);
    // as scripts/train-voice.ts trains the shipped model: an ensemble of ENSEMBLE_SIZE seeds per mode
    const clip = await trainEnsemble(train.map((r) => standardise(r.x, std)), train.map((r) => r.y), CORE_LABELS.length, cfg, ENSEMBLE_SIZE);
    const personal = await trainEnsemble(speakerNormalise(train.map((r) => r.x), groups(train), std.std, 0.25), train.map((r) => r.y), CORE_LABELS.length, { ...cfg, seed: cfg.seed + 1 }, ENSEMBLE_SIZE, PERSONAL_FEATURES);
    const pc = await clip.predict(test.map((r) => standardise(r.x, std)));
    const pp = await personal.predict(speakerNormalise(test.map((r) => r.x), groups(test), std.std, 0.25));
    test.forEach((r, i) => {
      const p = CORE_LABELS.map((_, j) => round4((pc[i][j] + pp[i][j]) / 2));
      // the voice modality's certainty term (src/audio/analyze.ts confidenceOf) on clean clips (quality ≈ 1)
      let h = 0;
      for (const v of p) if (v > 0) h -= v * Math.log(v);
      const conf = 0.5 + 0.5 * (1 - h / Math.log(p.length));
      items.push({ id: `${r.corpus}/${r.path}`, group: `${r.corpus}/${r.speaker}`, split: k <= 2 ? 'fit' : 'bench', y: r.y, p, c: round4(conf) });
    });
    log(`fusion-data: voice fold ${k}: trained on ${train.length}, scored ${test.length} clean clips (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  return save({
    modality: 'voice',
    source: `RAVDESS actors 01–18 + EmoDB clean clips, speaker-independent 5-fold out-of-fold (voice recipe — ${ENSEMBLE_SIZE}-seed ensembles, clip + personal-baseline blend — retrained per fold; folds 0–2 → fit, 3–4 → bench)`,
    items,
  });
}
