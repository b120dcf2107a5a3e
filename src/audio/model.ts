/**
 * The voice-emotion model: two small ONNX classifiers trained by `scripts/train-voice.ts` on RAVDESS
 * (actors 01–18) and EmoDB with telephone-band and noise augmentation (see models/voice/MODEL_CARD.md).
 *
 * - `clip`: judges a segment alone; its graph standardises the raw feature vector itself.
 * - `personal`: judges a segment against the speaker's own baseline — the input is the feature vector
 *   z-scored with that speaker's mean and deviation (over the call, or over the files of one speaker).
 * Both output probabilities over the core labels in CORE_LABELS order.
 */
import { readFileSync, existsSync } from 'node:fs';
import { ort, loadOnnx, type OnnxOptions } from '../runtime/onnx.js';
import { modelPath } from '../runtime/paths.js';
import { EmosigError } from '../errors.js';
import { CORE_LABELS } from '../signature/labels.js';
import { FEATURE_NAMES } from './features.js';

export interface VoiceModelCard {
  name: string;
  version: string;
  labels: string[];
  featureNames: string[];
  clip: { file: string };
  personal: { file: string; minSegments: number; minSpeechSec: number };
  /** Index of features the stress index reads (see stress.ts). */
  trainedOn: string;
}

export interface VoiceModel {
  card: VoiceModelCard;
  backend: string;
  /** Probabilities [n][7] for n feature vectors. `mode` picks the classifier. */
  predict(vectors: Float32Array[], mode: 'clip' | 'personal'): Promise<Float32Array[]>;
}

const cache = new Map<string, Promise<VoiceModel>>();

export function loadVoiceModel(opts: OnnxOptions & { dir?: string } = {}): Promise<VoiceModel> {
  const dir = opts.dir ?? modelPath('voice');
  const key = `${dir}|${opts.intraOpThreads ?? 1}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const cardPath = `${dir}/voice.json`;
      if (!existsSync(cardPath)) {
        throw new EmosigError(
          'MODEL_MISSING',
          'the voice model description (voice.json) is missing. Reinstall emosig, or run `npm run train:voice` to train it.',
          { input: cardPath },
        );
      }
      const card = JSON.parse(readFileSync(cardPath, 'utf8')) as VoiceModelCard;
      if (card.featureNames.length !== FEATURE_NAMES.length || card.featureNames.some((n, i) => n !== FEATURE_NAMES[i])) {
        throw new EmosigError(
          'MODEL_INVALID',
          'the voice model was trained on a different feature set than this version of emosig extracts. Re-run `npm run train:voice`.',
          { input: cardPath },
        );
      }
      if (card.labels.join() !== CORE_LABELS.join()) {
        throw new EmosigError('MODEL_INVALID', `unexpected label order ${card.labels.join(',')}`, { input: cardPath });
      }
      const clip = await loadOnnx(`${dir}/${card.clip.file}`, opts, 'voice model (clip)');
      const personal = await loadOnnx(`${dir}/${card.personal.file}`, opts, 'voice model (personal baseline)');
      const D = FEATURE_NAMES.length;
      return {
        card,
        backend: clip.backend,
        async predict(vectors, mode) {
          if (vectors.length === 0) return [];
          const s = mode === 'clip' ? clip.session : personal.session;
          const x = new Float32Array(vectors.length * D);
          vectors.forEach((v, i) => x.set(v, i * D));
          const out = await s.run({ features: new ort.Tensor('float32', x, [vectors.length, D]) });
          const probs = out.probs.data as Float32Array;
          const K = CORE_LABELS.length;
          return vectors.map((_, i) => probs.slice(i * K, (i + 1) * K));
        },
      } satisfies VoiceModel;
    })();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
