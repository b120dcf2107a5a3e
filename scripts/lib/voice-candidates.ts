/** Candidate configurations of the voice model, compared by leave-one-corpus-out validation (scripts/train-voice.ts). */
import { DEFAULT_HEADS } from '../../src/audio/trainer.js';
import type { BundleConfig } from '../../src/audio/voice-fit.js';

const H = DEFAULT_HEADS;
/** Candidate configurations: each bundle pairs a clip candidate with a personal candidate. */
export const CANDIDATES: { id: string; cfg: BundleConfig }[] = [
  {
    id: 'A',
    cfg: { clip: { features: 'all', heads: H }, personal: { features: 'all', heads: { ...H, seed: 8 }, baseline: { calmFraction: 1, minCalm: 3 }, floorFrac: 0.25 } },
  },
  {
    id: 'B',
    cfg: { clip: { features: 'prosodic', heads: H }, personal: { features: 'prosodic', heads: { ...H, seed: 8 }, baseline: { calmFraction: 1, minCalm: 3 }, floorFrac: 0.25 } },
  },
  {
    id: 'C',
    cfg: {
      clip: { features: 'all', heads: { ...H, rff: 512, epochs: 20 } },
      personal: { features: 'prosodic', heads: { ...H, seed: 8 }, baseline: { calmFraction: 0.4, minCalm: 3 }, floorFrac: 0.25 },
    },
  },
  {
    id: 'D',
    cfg: {
      clip: { features: 'prosodic', heads: { ...H, l2: 1e-2 } },
      personal: { features: 'all', heads: { ...H, seed: 8 }, baseline: { calmFraction: 0.4, minCalm: 3 }, floorFrac: 0.25 },
    },
  },
];

