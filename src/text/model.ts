/**
 * Loads the shipped text model (models/text/) and scores batches of messages.
 *
 * Two backends read the same ONNX file: 'js' (default) evaluates the graph's single linear layer
 * directly from its int8 initializers — no tensor copies, which is what makes ≥ 20k messages/s on one
 * core possible — and 'onnx' runs the graph in onnxruntime (the reference; tests check they agree).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmosigError } from '../errors.js';
import { loadOnnx, ort, type LoadedSession } from '../runtime/onnx.js';
import { loadModel, recordModel, type ModelInfo } from '../runtime/registry.js';
import { modelPath } from '../runtime/paths.js';
import { CUE_NAMES, FEATURE_VERSION, cueBucket, decodeIdf, featurize, splitSentences, wordBucket, type FeatureConfig, type Features, type Lexicon } from './features.js';
import { GO_LABELS, SENTIMENT_GROUPS } from './labels.js';
import { CORE_LABELS } from '../signature/labels.js';
import { readOnnxInitializers } from './onnx-weights.js';

export interface TextModelSettings {
  name: string;
  version: number;
  /** Licence of the trained model (its training data's terms). */
  license?: string;
  featureVersion: number;
  features: FeatureConfig;
  layout: { K: number; offsets: { go: number; ekman: number; sentiment: number; va: number; cx?: number } };
  /** Names of the customer-experience outputs (at `offsets.cx`), e.g. ['irony']. */
  cxOutputs?: string[];
  /** Decision thresholds of the CX outputs (tuned on their own validation split). */
  cxThresholds?: Record<string, number>;
  thresholds: { go: Record<string, number>; ekman: Record<string, number>; sentiment: Record<string, number> };
  valenceBlend?: { head: number; sentiment: number; bias: number };
  /**
   * Long-message sentence rule (issue 10, chosen on the leave-one-domain-out splits): a message of at least
   * `minWords` words and two or more sentences whose sentiment reads neutral takes the sentiment of its sentence
   * with the strongest polar evidence |p(positive) − p(negative)|, scored alone. Absent = off.
   */
  sentenceRule?: { minWords: number };
  /**
   * 'mlp': one hidden layer for the classification outputs + a linear layer for valence/arousal and,
   * when `linear` lists them, extra linear terms added to those classification logits (an ensemble of
   * the network and a linear model folded into one graph); absent = all linear.
   */
  arch?: { type: 'mlp'; hidden: number; linear?: number[] } | { type: 'linear' };
  lexicon: Lexicon;
  dev: Record<string, number>;
}

export type TextBackend = 'js' | 'onnx';

/** The linear layer read from the ONNX initializers (row-major [buckets, K] int8 + per-column scale). */
export interface LinearWeights {
  /** Rows of K int8 weights, each starting at a multiple of `stride` (64: one cache line per row). */
  q: Int8Array;
  stride: number;
  scale: Float32Array;
  bias: Float32Array;
  K: number;
}

/** The network read from the ONNX initializers (see scripts/lib/text-export.ts, exportTextMlpOnnx). */
export interface MlpWeights {
  /**
   * One row per hash bucket: the D embedding values, then the Lk weights of the linear ("wide") layer
   * (interleaved at load time so a feature costs one contiguous read), `stride` int8 weights padded to an
   * even count, stored two per Int32 as 16-bit lanes of (weight + 128): `stride / 2` ints per row. Summing
   * rows then costs one integer add per two weights (up to 127 rows before a lane could overflow).
   */
  P: Int32Array;
  stride: number;
  D: number;
  Es: Float32Array;
  b1: Float32Array;
  /** [D, C] row-major. */
  W2: Float32Array;
  b2: Float32Array;
  C: number;
  /** Columns of the linear layer, their scales and biases, and the logit each one adds to. */
  Lk: number;
  Ls: Float32Array;
  Lb: Float32Array;
  Lto: Int32Array;
}

export interface TextModel {
  dir: string;
  /** What the registry recorded when it was loaded (name, version, licence, backend, path): a reading's `model` block. */
  info: ModelInfo;
  settings: TextModelSettings;
  onnxPath: string;
  /** Set for the linear model. */
  weights?: LinearWeights;
  /** Set for the network. */
  mlp?: MlpWeights;
  /** Bitset over word buckets seen ≥ 3 times in training. */
  known: Uint8Array;
  goThresholds: Float32Array;
  /** Cue-feature bucket → readable name. */
  cueNames: Map<number, string>;
  /** Per-bucket IDF when the model was trained with `features.idf`. */
  idf?: Float32Array;
  /** The conversation-context head (text-context.json), when the folder has one. */
  context?: TextContextHead;
}

/**
 * The conversation-context head (scripts/text-context.ts): message i's logits `outputs` get
 * Σ_{k=1..window} Σ_d (relu(hidden_{i−k})[d] − mean[d]) · W[k−1][d][o] from the hidden layers of the
 * previous `window` non-empty messages of the same conversation (causal: never a later message).
 */
export interface TextContextHead {
  window: number;
  /** Whether `analyzeText` reads context unless told (`context`): set by the held-out rule of scripts/text-context.ts. */
  onByDefault: boolean;
  /** Logit indices (into the K outputs) the head adds to. */
  outputs: number[];
  /** Mean relu(hidden) of the training messages (inputs are centred on it). */
  mean: Float32Array;
  /** [window][D][outputs.length], row-major. */
  W: Float32Array;
  settings: Record<string, unknown>;
}

/**
 * The previous messages of one conversation, as the context head reads them (their centred hidden
 * layers, newest last). One per conversation: `scoreMessages` makes a fresh one per call unless one is
 * passed (`history`), which is how the live stream carries context from message to message.
 */
export class TextHistory {
  /** Centred relu(hidden) of the last non-empty messages, oldest first (at most the head's window). */
  readonly states: Float32Array[] = [];
  /** Conversation id of the last message (a message with another id starts a new history). */
  conversation: string | undefined;
  reset(conversation?: string): void {
    this.states.length = 0;
    this.conversation = conversation;
  }
}

export function defaultTextModelDir(): string {
  return modelPath('text');
}

/** Load (once per folder) the text model: ONNX graph, settings JSON and known-word bitset. */
export function loadTextModel(dir = defaultTextModelDir()): Promise<TextModel> {
  return loadModel({ name: 'text', path: dir, versionFile: join(dir, 'text-model.json') }, async (): Promise<TextModel> => {
      const settingsPath = join(dir, 'text-model.json');
      const onnxPath = join(dir, 'text-emotion.onnx');
      const knownPath = join(dir, 'known-words.bin');
      for (const f of [settingsPath, knownPath]) {
        if (!existsSync(f)) {
          throw new EmosigError('MODEL_MISSING', 'the text model file is missing. Reinstall emosig or run `npm run train:text`.', { input: f });
        }
      }
      let settings: TextModelSettings;
      try {
        settings = JSON.parse(readFileSync(settingsPath, 'utf8'));
      } catch (e) {
        throw new EmosigError('MODEL_INVALID', `text model settings are not valid JSON: ${(e as Error).message}`, { input: settingsPath, cause: e });
      }
      if (settings.featureVersion !== FEATURE_VERSION) {
        throw new EmosigError(
          'MODEL_INVALID',
          `text model was trained with feature version ${settings.featureVersion} but this emosig featurises with version ${FEATURE_VERSION}. Re-run \`npm run train:text\`.`,
          { input: settingsPath },
        );
      }
      const known = new Uint8Array(readFileSync(knownPath));
      if (known.length * 8 !== settings.features.buckets) {
        throw new EmosigError('MODEL_INVALID', 'known-words.bin does not match the hash size in text-model.json', { input: knownPath });
      }
      if (!existsSync(onnxPath)) {
        throw new EmosigError('MODEL_MISSING', 'the text model file is missing. Reinstall emosig or run `npm run train:text`.', { input: onnxPath });
      }
      const inits = readOnnxInitializers(new Uint8Array(readFileSync(onnxPath)), onnxPath);
      const K = settings.layout.K;
      const H = settings.features.buckets;
      const bad = (what: string): never => {
        throw new EmosigError('MODEL_INVALID', `the text model's weights do not match text-model.json (${what})`, { input: onnxPath });
      };
      let weights: LinearWeights | undefined;
      let mlp: MlpWeights | undefined;
      if (settings.arch?.type === 'mlp') {
        const D = settings.arch.hidden, C = settings.layout.offsets.va;
        const E = inits.get('E_q'), Es = inits.get('E_scale'), b1 = inits.get('b1'), W2 = inits.get('W2'), b2 = inits.get('b2');
        const L = inits.get('L_q'), Ls = inits.get('L_scale'), Lb = inits.get('L_bias');
        // the logit each linear column adds to: valence/arousal, preceded by `linear` classification logits
        const Lto = Int32Array.from([...(settings.arch.linear ?? []), settings.layout.offsets.va, settings.layout.offsets.va + 1]);
        const Lk = Lto.length;
        if (!E?.raw || E.dims[0] !== H || E.dims[1] !== D) bad(`expected E_q [${H}, ${D}]`);
        if (!W2?.floats || W2.floats.length !== D * C || !b2?.floats || !b1?.floats || !Es?.floats) bad('hidden layer');
        if (!L?.raw || L.dims[0] !== H || L.dims[1] !== Lk || Ls?.floats?.length !== Lk || Lb?.floats?.length !== Lk) bad(`expected L_q [${H}, ${Lk}]`);
        const stride = (D + Lk + 7) & ~7;
        const S2 = stride >> 1;
        const P = new Int32Array(H * S2);
        const e8 = new Int8Array(E!.raw!.buffer, E!.raw!.byteOffset, E!.raw!.byteLength);
        const l8 = new Int8Array(L!.raw!.buffer, L!.raw!.byteOffset, L!.raw!.byteLength);
        const row = new Int32Array(stride);
        for (let r = 0; r < H; r++) {
          row.fill(0);
          for (let d = 0; d < D; d++) row[d] = e8[r * D + d];
          for (let i = 0; i < Lk; i++) row[D + i] = l8[r * Lk + i];
          for (let q = 0; q < S2; q++) P[r * S2 + q] = (row[2 * q] + 128) | ((row[2 * q + 1] + 128) << 16);
        }
        mlp = { P, stride, D, Es: Es!.floats!, b1: b1!.floats!, W2: W2!.floats!, b2: b2!.floats!, C, Lk, Ls: Ls!.floats!, Lb: Lb!.floats!, Lto };
      } else {
        const W = inits.get('W_q'), sc = inits.get('W_scale'), b = inits.get('bias');
        if (!W?.raw || !sc?.floats || !b?.floats || W.dims[0] !== H || W.dims[1] !== K || sc.floats.length !== K || b.floats.length !== K) {
          bad(`expected W_q [${H}, ${K}]`);
        }
        // re-lay the rows on 64-byte boundaries: a row then costs one cache line instead of ~1.6
        const src = new Int8Array(W!.raw!.buffer, W!.raw!.byteOffset, W!.raw!.byteLength);
        const stride = K <= 64 ? 64 : K;
        const q = new Int8Array(H * stride);
        for (let r = 0; r < H; r++) q.set(src.subarray(r * K, r * K + K), r * stride);
        weights = { q, stride, scale: sc!.floats!, bias: b!.floats!, K };
      }
      const goThresholds = Float32Array.from(GO_LABELS, (l) => settings.thresholds.go[l] ?? 0.5);
      const cueNames = new Map<number, string>();
      for (const [k, v] of Object.entries(CUE_NAMES)) cueNames.set(cueBucket(k, settings.features.buckets), v);
      let idf: Float32Array | undefined;
      if (settings.features.idf) {
        const idfPath = join(dir, 'idf.bin');
        if (!existsSync(idfPath)) throw new EmosigError('MODEL_MISSING', 'the text model IDF table is missing. Reinstall emosig or run `npm run train:text`.', { input: idfPath });
        idf = decodeIdf(new Uint8Array(readFileSync(idfPath)));
        if (idf.length !== settings.features.buckets) throw new EmosigError('MODEL_INVALID', 'idf.bin does not match the hash size in text-model.json', { input: idfPath });
      }
      const context = loadContextHead(dir, settings, mlp);
      const info = recordModel({ name: 'text', model: settings.name, version: String(settings.version), ...(settings.license ? { license: settings.license } : {}), backend: 'onnxruntime-node/cpu', path: dir });
      return { dir, info, settings, onnxPath, weights, mlp, known, goThresholds, cueNames, idf, ...(context ? { context } : {}) };
  });
}

export interface RawScores {
  go: Float32Array; // 28
  ekman: Float32Array; // 7
  sentiment: Float32Array; // 4
  va: Float32Array; // 2
  /** Customer-experience sigmoids in `settings.cxOutputs` order (empty for models without them). */
  cx: Float32Array;
  /** Per-feature contribution to each of the K logits (onnx backend with explain). */
  contrib?: Float32Array; // nnz × K
  /** Hidden pre-activations of the network (js backend), for explanations and the context head. */
  hidden?: Float32Array;
  /** The K raw logits (js backend). */
  logits?: Float32Array;
}

export function featurizeWith(m: TextModel, text: string): Features {
  return featurize(text, m.settings.features, m.settings.lexicon, m.idf);
}

/** Share of word tokens whose unigram bucket was seen in training. */
export function knownShare(m: TextModel, f: Features): { words: number; known: number } {
  let words = 0, known = 0;
  for (const t of f.tokens) {
    if (t.kind !== 'word') continue;
    words++;
    const b = t.bucket ?? wordBucket(t.norm, m.settings.features.buckets);
    if (m.known[b >> 3] & (1 << (b & 7))) known++;
  }
  return { words, known };
}

/**
 * Score featurised messages. `backend: 'onnx'` runs the ONNX graph in onnxruntime (messages sorted by
 * length and batched so padding stays small); the default 'js' evaluates the same weights directly.
 * `explain` (onnx only) also fetches per-feature contributions; the js backend computes them on demand.
 */
export async function scoreFeatures(
  m: TextModel,
  feats: Features[],
  opts: { explain?: boolean; batchSize?: number; backend?: TextBackend } = {},
): Promise<RawScores[]> {
  if ((opts.backend ?? 'js') === 'js') return feats.map((f) => scoreJs(m, f));
  const session: LoadedSession = await loadOnnx(m.onnxPath, { intraOpThreads: 1 }, 'text model');
  const K = m.settings.layout.K;
  const out: RawScores[] = new Array(feats.length);
  const order = Array.from(feats.keys()).sort((a, b) => feats[a].idx.length - feats[b].idx.length);
  const B = Math.max(1, opts.batchSize ?? 256);
  const NX = m.settings.cxOutputs?.length ?? 0;
  const fetches = ['go', 'ekman', 'sentiment', 'va', ...(NX ? ['cx'] : []), ...(opts.explain ? ['contrib'] : [])];
  for (let s = 0; s < order.length; s += B) {
    const ids = order.slice(s, s + B);
    const L = Math.max(1, ...ids.map((i) => feats[i].idx.length));
    const n = ids.length;
    const indices = new BigInt64Array(n * L);
    // buckets are < 2^31: write the low 32-bit words directly (little-endian) instead of BigInt per element
    const lo = new Int32Array(indices.buffer);
    const values = new Float32Array(n * L);
    ids.forEach((id, r) => {
      const f = feats[id];
      for (let j = 0; j < f.idx.length; j++) lo[2 * (r * L + j)] = f.idx[j];
      values.set(f.val, r * L);
    });
    const res = await session.session.run(
      { indices: new ort.Tensor('int64', indices, [n, L]), values: new ort.Tensor('float32', values, [n, L]) },
      fetches,
    );
    const go = res.go.data as Float32Array, ek = res.ekman.data as Float32Array;
    const se = res.sentiment.data as Float32Array, va = res.va.data as Float32Array;
    const ct = opts.explain ? (res.contrib.data as Float32Array) : undefined;
    const cx = NX ? (res.cx.data as Float32Array) : new Float32Array(0);
    ids.forEach((id, r) => {
      const nnz = feats[id].idx.length;
      out[id] = {
        go: go.slice(r * 28, r * 28 + 28),
        ekman: ek.slice(r * 7, r * 7 + 7),
        sentiment: se.slice(r * 4, r * 4 + 4),
        va: va.slice(r * 2, r * 2 + 2),
        cx: cx.slice(r * NX, r * NX + NX),
        contrib: ct ? ct.slice(r * L * K, (r * L + nnz) * K) : undefined,
      };
    });
  }
  return out;
}

const zbuf = new Float64Array(256);
const zbuf2 = new Float64Array(256);

/** The ONNX graph's computation, in JS: z = Σ_j values_j · W_q[idx_j] · scale + bias, then the heads. */
function scoreJs(m: TextModel, f: Features): RawScores {
  if (m.mlp) return scoreMlp(m, m.mlp, f);
  const { q, scale, bias, K, stride } = m.weights!;
  const z = zbuf;
  z.fill(0, 0, K);
  const idx = f.idx, val = f.val, n = idx.length;
  let j = 0;
  // four rows at a time: one load/store of z[k] per four multiply-adds
  for (; j + 3 < n; j += 4) {
    const b0 = idx[j] * stride, b1 = idx[j + 1] * stride, b2 = idx[j + 2] * stride, b3 = idx[j + 3] * stride;
    const v0 = val[j], v1 = val[j + 1], v2 = val[j + 2], v3 = val[j + 3];
    for (let k = 0; k < K; k++) z[k] += q[b0 + k] * v0 + q[b1 + k] * v1 + q[b2 + k] * v2 + q[b3 + k] * v3;
  }
  for (; j < n; j++) {
    const base = idx[j] * stride;
    const v = val[j];
    for (let k = 0; k < K; k++) z[k] += q[base + k] * v;
  }
  for (let k = 0; k < K; k++) z[k] = z[k] * scale[k] + bias[k];
  return heads(m, z, K);
}

const iacc = new Int32Array(256);

/**
 * Σ_j val_j · W[idx_j] over the packed rows (see MlpWeights.P) into `acc` (length `stride`). Features of
 * one namespace share one value, so rows are summed as integers (two 16-bit lanes per add) and multiplied
 * once per run of equal values; a run is flushed every ≤ 127 rows so no lane overflows.
 */
function gatherSum(P: Int32Array, stride: number, idx: Int32Array, val: Float32Array, acc: Float64Array): void {
  const S2 = stride >> 1, ia = iacc;
  acc.fill(0, 0, stride);
  ia.fill(0, 0, S2);
  const n = idx.length;
  let cur = n > 0 ? val[0] : 0;
  let cnt = 0;
  let j = 0;
  while (j < n) {
    const v = val[j];
    if (v !== cur || cnt > 119) {
      if (cnt > 0) {
        const b = 128 * cnt;
        for (let q = 0; q < S2; q++) {
          const x = ia[q];
          acc[2 * q] += ((x & 0xffff) - b) * cur;
          acc[2 * q + 1] += ((x >>> 16) - b) * cur;
          ia[q] = 0;
        }
        cnt = 0;
      }
      cur = v;
    }
    if (j + 7 < n && val[j + 7] === v && val[j + 1] === v && val[j + 2] === v && val[j + 3] === v && val[j + 4] === v && val[j + 5] === v && val[j + 6] === v) {
      // eight rows per pass: one load/store of ia[q] per eight adds
      const b0 = idx[j] * S2, b1 = idx[j + 1] * S2, b2 = idx[j + 2] * S2, b3 = idx[j + 3] * S2;
      const b4 = idx[j + 4] * S2, b5 = idx[j + 5] * S2, b6 = idx[j + 6] * S2, b7 = idx[j + 7] * S2;
      for (let q = 0; q < S2; q++) ia[q] += P[b0 + q] + P[b1 + q] + P[b2 + q] + P[b3 + q] + P[b4 + q] + P[b5 + q] + P[b6 + q] + P[b7 + q];
      j += 8;
      cnt += 8;
    } else {
      const b0 = idx[j] * S2;
      for (let q = 0; q < S2; q++) ia[q] += P[b0 + q];
      j++;
      cnt++;
    }
  }
  const b = 128 * cnt;
  for (let q = 0; q < S2; q++) {
    const x = ia[q];
    acc[2 * q] += ((x & 0xffff) - b) * cur;
    acc[2 * q + 1] += ((x >>> 16) - b) * cur;
  }
}

/** Weight d of packed row r (see MlpWeights.P). */
function weightAt(P: Int32Array, S2: number, r: number, d: number): number {
  const x = P[r * S2 + (d >> 1)];
  return ((d & 1 ? x >>> 16 : x & 0xffff) & 0xffff) - 128;
}

/** The network: hidden = (Σ_j v_j E[idx_j]) · Es + b1; logits = relu(hidden) · W2 + b2 + the linear layer. */
function scoreMlp(m: TextModel, w: MlpWeights, f: Features): RawScores {
  const { P, stride, D, Es, b1, W2, b2, C, Lk, Ls, Lb, Lto } = w;
  const pre = new Float32Array(D);
  const acc = zbuf;
  gatherSum(P, stride, f.idx, f.val, acc);
  const K = m.settings.layout.K;
  const z = zbuf2;
  z.fill(0, 0, K);
  for (let k = 0; k < C; k++) z[k] = b2[k];
  for (let d = 0; d < D; d++) {
    const x = acc[d] * Es[d] + b1[d];
    pre[d] = x;
    if (x <= 0) continue;
    const row = d * C;
    for (let k = 0; k < C; k++) z[k] += x * W2[row + k];
  }
  for (let i = 0; i < Lk; i++) z[Lto[i]] += acc[D + i] * Ls[i] + Lb[i];
  const r = heads(m, z, K);
  r.hidden = pre;
  return r;
}

/** Sigmoid heads and clipped valence/arousal from the K raw logits. */
function heads(m: TextModel, z: Float64Array, K: number): RawScores {
  const o = m.settings.layout.offsets;
  // one allocation: the K outputs, then the K raw logits (the context head adds to them)
  const buf = new Float32Array(2 * K);
  const out = buf.subarray(0, K);
  for (let k = 0; k < K; k++) {
    const x = z[k];
    buf[K + k] = x;
    out[k] = k >= o.va && k < o.va + 2 ? (x < -1 ? -1 : x > 1 ? 1 : x) : 1 / (1 + Math.exp(-x));
  }
  return {
    logits: buf.subarray(K, 2 * K),
    go: out.subarray(o.go, o.go + 28),
    ekman: out.subarray(o.ekman, o.ekman + 7),
    sentiment: out.subarray(o.sentiment, o.sentiment + 4),
    va: out.subarray(o.va, o.va + 2),
    cx: o.cx !== undefined ? out.subarray(o.cx, o.cx + (m.settings.cxOutputs?.length ?? 0)) : new Float32Array(0),
  };
}

/** Contribution of each feature of `f` to logit `col` (from `contrib` when onnx fetched it, else from the weights). */
export function contributions(m: TextModel, f: Features, s: RawScores, col: number): Float32Array {
  const K = m.settings.layout.K;
  const out = new Float32Array(f.idx.length);
  if (s.contrib) {
    for (let j = 0; j < out.length; j++) out[j] = s.contrib[j * K + col];
  } else if (m.mlp) {
    // exact split of a ReLU network's logit for its activation pattern: v_j · Σ_{d active} E[j,d]·Es[d]·W2[d,col]
    const { P, stride, D, Es, W2, C, Lk, Ls, Lto } = m.mlp;
    const S2 = stride >> 1;
    const w = new Float32Array(D);
    if (col < C) for (let d = 0; d < D; d++) w[d] = s.hidden && s.hidden[d] > 0 ? Es[d] * W2[d * C + col] : 0;
    for (let j = 0; j < out.length; j++) {
      const r = f.idx[j];
      let a = 0;
      if (col < C) for (let d = 0; d < D; d++) if (w[d] !== 0) a += weightAt(P, S2, r, d) * w[d];
      for (let i = 0; i < Lk; i++) if (Lto[i] === col) a += weightAt(P, S2, r, D + i) * Ls[i];
      out[j] = a * f.val[j];
    }
  } else {
    const { q, scale, stride } = m.weights!;
    for (let j = 0; j < out.length; j++) out[j] = q[f.idx[j] * stride + col] * scale[col] * f.val[j];
  }
  return out;
}

export const OUTPUT_LABELS = { go: GO_LABELS, ekman: CORE_LABELS, sentiment: SENTIMENT_GROUPS };

/** The context head's file, next to the model (optional: a folder without it reads messages alone). */
export const CONTEXT_FILE = 'text-context.json';

function loadContextHead(dir: string, settings: TextModelSettings, mlp: MlpWeights | undefined): TextContextHead | undefined {
  const path = join(dir, CONTEXT_FILE);
  if (!existsSync(path)) return undefined;
  let j: { window?: unknown; onByDefault?: unknown; outputs?: unknown; mean?: unknown; W?: unknown; settings?: Record<string, unknown> };
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new EmosigError('MODEL_INVALID', `the text context head is not valid JSON: ${(e as Error).message}`, { input: path, cause: e });
  }
  const bad = (what: string): never => {
    throw new EmosigError('MODEL_INVALID', `the text context head does not match the text model (${what}); re-run scripts/text-context.ts --write`, { input: path });
  };
  if (!mlp) bad('the model has no hidden layer');
  const D = mlp!.D, K = settings.layout.K;
  const win = j.window, outs = j.outputs, mean = j.mean, W = j.W;
  if (j.onByDefault !== undefined && typeof j.onByDefault !== 'boolean') bad('onByDefault');
  if (typeof win !== 'number' || !Number.isInteger(win) || win < 1 || win > 8) bad('window');
  if (!Array.isArray(outs) || outs.length === 0 || outs.some((o) => !Number.isInteger(o) || o < 0 || o >= K)) bad('outputs');
  if (!Array.isArray(mean) || mean.length !== D || mean.some((x) => typeof x !== 'number' || !Number.isFinite(x))) bad(`mean of length ${D}`);
  const O = (outs as number[]).length;
  if (!Array.isArray(W) || W.length !== (win as number) * D * O || W.some((x) => typeof x !== 'number' || !Number.isFinite(x))) bad(`W of length ${(win as number) * D * O}`);
  return { window: win as number, onByDefault: j.onByDefault === true, outputs: outs as number[], mean: Float32Array.from(mean as number[]), W: Float32Array.from(W as number[]), settings: j.settings ?? {} };
}

/** The network's hidden pre-activations for `f` (for messages scored by onnxruntime, which does not return them). */
export function hiddenOf(m: TextModel, f: Features): Float32Array {
  const { P, stride, D, Es, b1 } = m.mlp!;
  const acc = zbuf;
  gatherSum(P, stride, f.idx, f.val, acc);
  const pre = new Float32Array(D);
  for (let d = 0; d < D; d++) pre[d] = acc[d] * Es[d] + b1[d];
  return pre;
}

const ctxAdj = new Float64Array(64);

/**
 * Conversation context, causal: adds the context head's term from the messages already in `h` to the
 * scores `s` of the next message (in place), then appends that message's own state to `h`. Call it in
 * conversation order, once per non-empty message.
 */
export function applyContext(m: TextModel, h: TextHistory, f: Features, s: RawScores): void {
  const c = m.context;
  if (!c || !m.mlp) return;
  const D = m.mlp.D, O = c.outputs.length;
  const n = h.states.length;
  if (n > 0) {
    const adj = O <= ctxAdj.length ? ctxAdj : new Float64Array(O);
    adj.fill(0, 0, O);
    const L = Math.min(n, c.window);
    for (let k = 1; k <= L; k++) {
      const x = h.states[n - k];
      const base = (k - 1) * D * O;
      for (let d = 0; d < D; d++) {
        const xd = x[d];
        const row = base + d * O;
        for (let o = 0; o < O; o++) adj[o] += xd * c.W[row + o];
      }
    }
    for (let o = 0; o < O; o++) {
      const at = c.outputs[o];
      let z: number;
      if (s.logits) z = s.logits[at] += adj[o];
      else {
        const p = Math.min(1 - 1e-7, Math.max(1e-7, outputAt(m, s, at)));
        z = Math.log(p / (1 - p)) + adj[o];
      }
      setOutputAt(m, s, at, 1 / (1 + Math.exp(-z)));
    }
  }
  const hid = s.hidden ?? hiddenOf(m, f);
  const st = new Float32Array(D);
  for (let d = 0; d < D; d++) st[d] = (hid[d] > 0 ? hid[d] : 0) - c.mean[d];
  h.states.push(st);
  if (h.states.length > c.window) h.states.shift();
}

/** The output view and position of logit `at` (classification outputs only). */
function viewOf(m: TextModel, s: RawScores, at: number): [Float32Array, number] {
  const o = m.settings.layout.offsets;
  if (at >= o.go && at < o.go + 28) return [s.go, at - o.go];
  if (at >= o.ekman && at < o.ekman + 7) return [s.ekman, at - o.ekman];
  if (at >= o.sentiment && at < o.sentiment + 4) return [s.sentiment, at - o.sentiment];
  if (o.cx !== undefined && at >= o.cx && at < o.cx + s.cx.length) return [s.cx, at - o.cx];
  throw new EmosigError('MODEL_INVALID', `the text context head adds to output ${at}, which is not a classification output`);
}
function outputAt(m: TextModel, s: RawScores, at: number): number {
  const [v, i] = viewOf(m, s, at);
  return v[i];
}
function setOutputAt(m: TextModel, s: RawScores, at: number, p: number): void {
  const [v, i] = viewOf(m, s, at);
  v[i] = p;
}

/**
 * The long-message sentence rule (`settings.sentenceRule`, issue 10): a message of at least `minWords` words
 * whose sentiment reads neutral takes, in place, the sentiment of its sentence with the strongest polar
 * evidence |p(positive) − p(negative)| (probabilities = the three sigmoids normalised to sum 1), each sentence
 * scored alone. Messages with one sentence, or that read negative or positive, are left as they are. A model
 * without the setting is never changed. Resolves to whether the reading changed.
 */
export async function applySentenceRule(m: TextModel, text: string, f: Features, s: RawScores, backend?: TextBackend): Promise<boolean> {
  const rule = m.settings.sentenceRule;
  if (!rule || f.stats.words < rule.minWords) return false;
  const [n0, u0, p0] = s.sentiment;
  if ((n0 >= u0 && n0 >= p0) || p0 >= u0) return false; // reads negative or positive
  // the text the features saw is cut at maxChars (a 10 MB message must not become a million sentences)
  const mc = m.settings.features.maxChars;
  const parts = splitSentences(text.length > mc ? text.slice(0, mc) : text);
  if (parts.length < 2) return false;
  const scored = await scoreFeatures(m, parts.map((p) => featurizeWith(m, p)), { backend });
  let best: RawScores | undefined, bestE = -1;
  for (const r of scored) {
    const [n, u, p] = r.sentiment;
    const e = Math.abs(p - n) / (n + u + p || 1);
    if (e > bestE) (bestE = e), (best = r);
  }
  if (!best) return false;
  for (let k = 0; k < 3; k++) s.sentiment[k] = best.sentiment[k];
  return true;
}
