/** The core emotion labels every modality reports, in this fixed order. */
export const CORE_LABELS = ['neutral', 'joy', 'sadness', 'anger', 'fear', 'disgust', 'surprise'] as const;
export type CoreLabel = (typeof CORE_LABELS)[number];

/** Probabilities over the core labels; always has every key, values sum to 1 (or all 0 when unknown). */
export type Emotions = Record<CoreLabel, number>;

/** Valence (pleasant +1 … unpleasant −1) and arousal (activated +1 … calm −1) of each core label. */
export const LABEL_VA: Record<CoreLabel, { valence: number; arousal: number }> = {
  neutral: { valence: 0, arousal: -0.2 },
  joy: { valence: 0.8, arousal: 0.5 },
  sadness: { valence: -0.7, arousal: -0.5 },
  anger: { valence: -0.7, arousal: 0.8 },
  fear: { valence: -0.7, arousal: 0.7 },
  disgust: { valence: -0.7, arousal: 0.3 },
  surprise: { valence: 0.1, arousal: 0.8 },
};

export function emptyEmotions(): Emotions {
  return { neutral: 0, joy: 0, sadness: 0, anger: 0, fear: 0, disgust: 0, surprise: 0 };
}

/** Build an `Emotions` object from a probability vector in CORE_LABELS order. */
export function emotionsFromVector(v: ArrayLike<number>): Emotions {
  const e = emptyEmotions();
  CORE_LABELS.forEach((l, i) => (e[l] = v[i] ?? 0));
  return e;
}

export function emotionsToVector(e: Emotions): number[] {
  return CORE_LABELS.map((l) => e[l]);
}

export function dominantLabel(e: Emotions): CoreLabel {
  let best: CoreLabel = 'neutral';
  for (const l of CORE_LABELS) if (e[l] > e[best]) best = l;
  return best;
}

/** Weighted mean of several `Emotions`; weights need not sum to 1. All-zero weights give all zeros. */
export function averageEmotions(items: { emotions: Emotions; weight: number }[]): Emotions {
  const out = emptyEmotions();
  let w = 0;
  for (const it of items) {
    if (!(it.weight > 0)) continue;
    w += it.weight;
    for (const l of CORE_LABELS) out[l] += it.emotions[l] * it.weight;
  }
  if (w > 0) for (const l of CORE_LABELS) out[l] /= w;
  return out;
}
