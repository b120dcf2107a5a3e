/**
 * The voice-emotion model: a folder with two small ONNX classifiers and voice.json. The shipped one is trained
 * by `scripts/train-voice.ts` on RAVDESS, EmoDB and TurEV-DB (research-only; see models/voice/MODEL_CARD.md);
 * `emosig train voice` writes the same kind of folder from a business's own recordings, and
 * `analyzeVoice(input, { model: dir })` / `emosig voice --model DIR` load it.
 *
 * - `clip`: judges a segment alone; its graph standardises the raw feature vector itself.
 * - `personal`: judges a segment against the speaker's own baseline — the input is the feature vector
 *   z-scored with that speaker's mean and deviation (over the call, or over the files of one speaker).
 * Both output probabilities over the model's labels (core labels; expanded to all seven, absent ones 0) and,
 * in models from version 2, arousal and valence (`va`).
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ort, loadOnnx, type OnnxOptions } from '../runtime/onnx.js';
import { modelPath } from '../runtime/paths.js';
import { loadModel, recordModel, type ModelInfo } from '../runtime/registry.js';
import { EmosigError } from '../errors.js';
import { CORE_LABELS } from '../signature/labels.js';
import { FEATURE_NAMES } from './features.js';

export interface VoiceModelCard {
  name: string;
  version: string;
  /** Licence of the model (from its training data). */
  license?: string;
  /** The model's output labels (core labels), in output order. */
  labels: string[];
  featureNames: string[];
  clip: { file: string };
  personal: {
    file: string;
    minSegments: number;
    minSpeechSec: number;
    stdFloor?: number[];
    /** Baseline mean from the calmest fraction of the speaker's segments (1 or absent = all). */
    baseline?: { calmFraction: number; minCalm: number };
    /** Weight of the personal model's probabilities against the clip model's (absent = 0.5). */
    weight?: number;
  };
  /** Graph outputs: 'probs', and 'va' (arousal, valence) from version 2. */
  outputs?: string[];
  trainedOn: string;
}

export interface VoicePrediction {
  /** Probabilities over CORE_LABELS (labels the model lacks are 0). */
  probs: Float32Array[];
  /** [arousal, valence] per vector when the model has regression heads. */
  va?: [number, number][];
}

export interface VoiceModel {
  card: VoiceModelCard;
  /** What the registry recorded when it was loaded (name, version, licence, backend, path): a reading's `model` block. */
  info: ModelInfo;
  backend: string;
  /** Folder the model was loaded from. */
  dir: string;
  /** Probabilities [n][7] for n feature vectors. `mode` picks the classifier. */
  predict(vectors: Float32Array[], mode: 'clip' | 'personal'): Promise<Float32Array[]>;
  /** Probabilities and (when the model has them) arousal/valence. */
  predictFull(vectors: Float32Array[], mode: 'clip' | 'personal'): Promise<VoicePrediction>;
}

/** Load a voice model folder (default: the shipped models/voice). */
export function loadVoiceModel(opts: OnnxOptions & { dir?: string } = {}): Promise<VoiceModel> {
  const dir = resolve(opts.dir ?? modelPath('voice'));
  return loadModel({ name: 'voice', path: dir, versionFile: `${dir}/voice.json`, variant: String(opts.intraOpThreads ?? 1) }, async () => {
      if (opts.dir !== undefined && (!existsSync(dir) || !statSync(dir).isDirectory())) {
        throw new EmosigError('MODEL_MISSING', 'the voice model folder does not exist; pass the folder `emosig train voice --out DIR` wrote', { input: opts.dir });
      }
      const cardPath = `${dir}/voice.json`;
      if (!existsSync(cardPath)) {
        throw new EmosigError(
          'MODEL_MISSING',
          opts.dir !== undefined
            ? 'this folder has no voice.json, so it is not a voice model folder; pass the folder `emosig train voice --out DIR` wrote'
            : 'the voice model description (voice.json) is missing. Reinstall emosig, or run `npm run train:voice` to train it.',
          { input: cardPath },
        );
      }
      let card: VoiceModelCard;
      try {
        card = JSON.parse(readFileSync(cardPath, 'utf8')) as VoiceModelCard;
      } catch (e) {
        throw new EmosigError('MODEL_INVALID', `voice.json is not valid JSON (${(e as Error).message}); re-train the model`, { input: cardPath, cause: e });
      }
      if (!Array.isArray(card.featureNames) || card.featureNames.length !== FEATURE_NAMES.length || card.featureNames.some((n, i) => n !== FEATURE_NAMES[i])) {
        throw new EmosigError(
          'MODEL_INVALID',
          'the voice model was trained on a different feature set than this version of emosig extracts. Re-train it (`npm run train:voice`, or `emosig train voice` for your own model).',
          { input: cardPath },
        );
      }
      const labelIdx = (card.labels ?? []).map((l) => CORE_LABELS.indexOf(l as never));
      if (labelIdx.length < 2 || labelIdx.some((i) => i < 0) || new Set(labelIdx).size !== labelIdx.length) {
        throw new EmosigError('MODEL_INVALID', `the model's labels must be distinct emosig core labels (${CORE_LABELS.join(', ')}); got ${String(card.labels)}`, { input: cardPath });
      }
      if (!card.clip?.file || !card.personal?.file) throw new EmosigError('MODEL_INVALID', 'voice.json names no clip/personal model files; re-train the model', { input: cardPath });
      const clip = await loadOnnx(`${dir}/${card.clip.file}`, opts, 'voice model (clip)');
      const personal = await loadOnnx(`${dir}/${card.personal.file}`, opts, 'voice model (personal baseline)');
      const D = FEATURE_NAMES.length;
      const hasVa = !!card.outputs?.includes('va');
      const Km = labelIdx.length;
      const K = CORE_LABELS.length;
      const predictFull = async (vectors: Float32Array[], mode: 'clip' | 'personal'): Promise<VoicePrediction> => {
        if (vectors.length === 0) return { probs: [], ...(hasVa ? { va: [] } : {}) };
        const s = mode === 'clip' ? clip.session : personal.session;
        const x = new Float32Array(vectors.length * D);
        vectors.forEach((v, i) => x.set(v, i * D));
        const out = await s.run({ features: new ort.Tensor('float32', x, [vectors.length, D]) });
        const probs = out.probs.data as Float32Array;
        const expanded = vectors.map((_, i) => {
          const p = new Float32Array(K);
          for (let k = 0; k < Km; k++) p[labelIdx[k]] = probs[i * Km + k];
          return p;
        });
        if (!hasVa || !out.va) return { probs: expanded };
        const va = out.va.data as Float32Array;
        return { probs: expanded, va: vectors.map((_, i) => [va[i * 2], va[i * 2 + 1]] as [number, number]) };
      };
      const info = recordModel({ name: 'voice', model: card.name, version: card.version, license: card.license, backend: clip.backend, path: dir });
      return {
        card,
        info,
        backend: clip.backend,
        dir,
        predictFull,
        async predict(vectors, mode) {
          return (await predictFull(vectors, mode)).probs;
        },
      } satisfies VoiceModel;
  });
}
