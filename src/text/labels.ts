import { CORE_LABELS, type CoreLabel } from '../signature/labels.js';

/** The 28 GoEmotions labels, exactly as in GoEmotions' emotions.txt (this order is the model's output order). */
export const GO_LABELS = [
  'admiration', 'amusement', 'anger', 'annoyance', 'approval', 'caring', 'confusion', 'curiosity', 'desire',
  'disappointment', 'disapproval', 'disgust', 'embarrassment', 'excitement', 'fear', 'gratitude', 'grief', 'joy',
  'love', 'nervousness', 'optimism', 'pride', 'realization', 'relief', 'remorse', 'sadness', 'surprise', 'neutral',
] as const;
export type GoLabel = (typeof GO_LABELS)[number];

/** GoEmotions' official Ekman mapping (ekman_mapping.json), onto emosig's CORE_LABELS. */
export const EKMAN_MAPPING: Record<Exclude<CoreLabel, 'neutral'>, GoLabel[]> = {
  anger: ['anger', 'annoyance', 'disapproval'],
  disgust: ['disgust'],
  fear: ['fear', 'nervousness'],
  joy: ['joy', 'amusement', 'approval', 'excitement', 'gratitude', 'love', 'optimism', 'relief', 'pride', 'admiration', 'desire', 'caring'],
  sadness: ['sadness', 'disappointment', 'embarrassment', 'grief', 'remorse'],
  surprise: ['surprise', 'realization', 'confusion', 'curiosity'],
};

/** GoEmotions' sentiment groups (sentiment_dict.json + neutral). */
export const SENTIMENT_GROUPS = ['negative', 'neutral', 'positive', 'ambiguous'] as const;
export type SentimentGroup = (typeof SENTIMENT_GROUPS)[number];
const SENTIMENT_DICT: Record<Exclude<SentimentGroup, 'neutral'>, GoLabel[]> = {
  positive: ['amusement', 'excitement', 'joy', 'love', 'desire', 'optimism', 'caring', 'pride', 'admiration', 'gratitude', 'relief', 'approval'],
  negative: ['fear', 'nervousness', 'remorse', 'embarrassment', 'disappointment', 'sadness', 'grief', 'disgust', 'anger', 'annoyance', 'disapproval'],
  ambiguous: ['realization', 'surprise', 'curiosity', 'confusion'],
};

/** For each GO_LABELS index, its CORE_LABELS index. */
export const EKMAN_OF: number[] = GO_LABELS.map((g) => {
  if (g === 'neutral') return CORE_LABELS.indexOf('neutral');
  for (const [core, gs] of Object.entries(EKMAN_MAPPING)) if ((gs as string[]).includes(g)) return CORE_LABELS.indexOf(core as CoreLabel);
  throw new Error(`no Ekman group for ${g}`);
});

/** For each GO_LABELS index, its SENTIMENT_GROUPS index. */
export const SENTIMENT_OF: number[] = GO_LABELS.map((g) => {
  if (g === 'neutral') return SENTIMENT_GROUPS.indexOf('neutral');
  for (const [s, gs] of Object.entries(SENTIMENT_DICT)) if ((gs as string[]).includes(g)) return SENTIMENT_GROUPS.indexOf(s as SentimentGroup);
  throw new Error(`no sentiment group for ${g}`);
});

/** Labels a contact centre watches for (a subset of GO_LABELS). */
export const CX_LABELS: GoLabel[] = ['annoyance', 'anger', 'disappointment', 'confusion', 'gratitude', 'nervousness', 'disapproval', 'approval', 'caring', 'remorse'];
