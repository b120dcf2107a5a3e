/**
 * Labelled manifests for `emosig eval`, read by header name (column order is free, names are case-insensitive):
 *   voice, face: path,label[,speaker][,arousal][,valence]   (paths relative to the manifest; face also accepts `subject`)
 *   text:        text,label[,conversation]
 * Labels are mapped to the core labels: `--map calm=neutral,...` first, then the core labels themselves and a few
 * plain synonyms (angry → anger, happy → joy, ...); anything else is reported as unmapped and left out.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { EmosigError } from '../errors.js';
import { CORE_LABELS, type CoreLabel } from '../signature/labels.js';

export type EvalModality = 'voice' | 'face' | 'text';
export const EVAL_MODALITIES: readonly EvalModality[] = ['voice', 'face', 'text'];

/** Synonyms understood without `--map` (lower case). */
export const LABEL_SYNONYMS: Readonly<Record<string, CoreLabel>> = {
  angry: 'anger',
  anger: 'anger',
  happy: 'joy',
  happiness: 'joy',
  joy: 'joy',
  sad: 'sadness',
  sadness: 'sadness',
  fearful: 'fear',
  afraid: 'fear',
  fear: 'fear',
  disgusted: 'disgust',
  disgust: 'disgust',
  surprised: 'surprise',
  surprise: 'surprise',
  neutral: 'neutral',
};

export interface EvalItem {
  /** Line of the manifest the row ends on (the header is line 1). */
  line: number;
  /** Absolute path (voice, face) or the text itself (text). */
  input: string;
  /** The label as written in the manifest. */
  label: string;
  /** Its core label. */
  truth: CoreLabel;
  /** Speaker, subject or conversation (the bootstrap's first level). */
  group?: string;
  arousal?: number;
  valence?: number;
}

export interface ManifestRowIssue {
  line: number;
  code: 'MANIFEST_ROW_INVALID';
  message: string;
}

export interface EvalManifest {
  source: string;
  modality: EvalModality;
  items: EvalItem[];
  /** Column used for grouping (speaker / subject / conversation), if any. */
  groupColumn?: string;
  /** Numeric columns found (voice: arousal, valence). */
  dimensions: ('arousal' | 'valence')[];
  /** Labels with no core label: label → rows. Those rows are left out. */
  unmapped: Record<string, number>;
  /** How each label in the manifest was mapped (label → core label). */
  mapping: Record<string, CoreLabel>;
  /** Rows that could not be used (empty path/text or label). */
  issues: ManifestRowIssue[];
  /** Rows in the manifest (after the header). */
  rows: number;
}

/**
 * Parse `--map calm=neutral,boredom=neutral`. Every target must be a core label: anything else is an
 * `EVAL_UNKNOWN_LABEL` error naming it.
 */
export function parseLabelMap(spec: string | Record<string, string> | undefined): Record<string, CoreLabel> {
  if (spec === undefined) return {};
  const pairs: [string, string][] =
    typeof spec === 'string'
      ? spec
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map((p) => {
            const eq = p.indexOf('=');
            if (eq <= 0 || eq === p.length - 1) throw new EmosigError('INVALID_OPTIONS', `--map entry '${p}' must look like from=to (e.g. calm=neutral)`);
            return [p.slice(0, eq), p.slice(eq + 1)];
          })
      : Object.entries(spec);
  const out: Record<string, CoreLabel> = {};
  for (const [from, to] of pairs) {
    const t = to.trim().toLowerCase();
    if (!(CORE_LABELS as readonly string[]).includes(t))
      throw new EmosigError('EVAL_UNKNOWN_LABEL', `--map ${from.trim()}=${to.trim()}: '${to.trim()}' is not a label emosig predicts; map to one of ${CORE_LABELS.join(', ')}`);
    out[from.trim().toLowerCase()] = t as CoreLabel;
  }
  return out;
}

/** The core label of a manifest label, or undefined when it has none. */
export function mapLabel(label: string, map: Record<string, CoreLabel>): CoreLabel | undefined {
  const l = label.trim().toLowerCase();
  return map[l] ?? LABEL_SYNONYMS[l];
}

const REQUIRED: Record<EvalModality, string[]> = { voice: ['path', 'label'], face: ['path', 'label'], text: ['text', 'label'] };
const GROUP: Record<EvalModality, string[]> = { voice: ['speaker'], face: ['subject', 'speaker'], text: ['conversation'] };

/** Read a labelled manifest file (CSV with a header). */
export function readEvalManifest(path: string, modality: EvalModality, map: Record<string, CoreLabel> = {}): EvalManifest {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new EmosigError('INPUT_IS_DIRECTORY', 'is a folder; pass a CSV manifest file', { input: path });
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof EmosigError) throw e;
    throw new EmosigError('INPUT_NOT_FOUND', `cannot read the manifest (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass a CSV with the header ${REQUIRED[modality].join(',')}`, { input: path, cause: e });
  }
  return parseEvalManifest(text, modality, { source: path, map });
}

/** Parse manifest text; `source` names the file in messages and anchors relative paths. */
export function parseEvalManifest(text: string, modality: EvalModality, opts: { source?: string; map?: Record<string, CoreLabel> } = {}): EvalManifest {
  const source = opts.source ?? '(manifest)';
  const map = opts.map ?? {};
  const required = REQUIRED[modality];
  let records: { record: Record<string, string>; info: { lines: number } }[];
  let header: string[] = [];
  try {
    records = parse(text, {
      columns: (h: string[]) => (header = h.map((c) => String(c).trim().toLowerCase())),
      bom: true,
      info: true,
      skip_empty_lines: true,
      trim: modality !== 'text',
      relax_column_count: true,
    }) as typeof records;
  } catch (e) {
    throw new EmosigError('MANIFEST_INVALID', `not a valid CSV (${(e as Error).message}); write one row per item with the header ${required.join(',')}`, { input: source, cause: e });
  }
  if (header.length === 0) throw new EmosigError('MANIFEST_INVALID', `the manifest is empty; it needs a header row with ${required.join(',')} and one row per item`, { input: source });
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length)
    throw new EmosigError(
      'MANIFEST_INVALID',
      `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (found: ${header.join(', ') || 'none'}); a ${modality} manifest needs the header ${required.join(',')}${modality === 'text' ? '[,conversation]' : '[,speaker][,arousal][,valence]'}`,
      { input: source },
    );
  const groupColumn = GROUP[modality].find((c) => header.includes(c));
  const dimensions = modality === 'text' ? [] : (['arousal', 'valence'] as const).filter((c) => header.includes(c));
  const base = dirname(resolve(source));
  const m: EvalManifest = { source, modality, items: [], groupColumn, dimensions: [...dimensions], unmapped: {}, mapping: {}, issues: [], rows: records.length };
  const key = required[0];
  for (const { record, info } of records) {
    const line = info.lines;
    const value = record[key] ?? '';
    const label = (record.label ?? '').trim();
    if (!value.trim()) {
      m.issues.push({ line, code: 'MANIFEST_ROW_INVALID', message: `line ${line}: empty ${key}; row skipped` });
      continue;
    }
    if (!label) {
      m.issues.push({ line, code: 'MANIFEST_ROW_INVALID', message: `line ${line}: empty label; row skipped` });
      continue;
    }
    const truth = mapLabel(label, map);
    if (!truth) {
      const l = label.toLowerCase();
      m.unmapped[l] = (m.unmapped[l] ?? 0) + 1;
      continue;
    }
    m.mapping[label.toLowerCase()] = truth;
    const item: EvalItem = { line, input: modality === 'text' ? value : resolve(base, value), label, truth };
    const g = groupColumn ? record[groupColumn]?.trim() : undefined;
    if (g) item.group = g;
    for (const d of dimensions) {
      const raw = record[d]?.trim();
      if (!raw) continue;
      const v = Number(raw);
      if (Number.isFinite(v)) item[d] = v;
      else m.issues.push({ line, code: 'MANIFEST_ROW_INVALID', message: `line ${line}: ${d} '${raw.slice(0, 20)}' is not a number; ignored for the ρ table` });
    }
    m.items.push(item);
  }
  return m;
}

/** Throw `EVAL_TOO_FEW_CLASSES` unless the items cover at least two core labels. */
export function checkClasses(m: EvalManifest): CoreLabel[] {
  const present = CORE_LABELS.filter((l) => m.items.some((it) => it.truth === l));
  if (present.length < 2) {
    const um = Object.keys(m.unmapped);
    throw new EmosigError(
      'EVAL_TOO_FEW_CLASSES',
      `the manifest has ${present.length === 0 ? 'no usable class' : `only one usable class (${present[0]}, ${m.items.length} rows)`}: UAR, F1 and the confusion need at least two. ${
        um.length ? `Unmapped labels: ${um.slice(0, 10).join(', ')}; map them with --map label=${CORE_LABELS[0]},... (targets: ${CORE_LABELS.join(', ')}).` : 'Add items of other classes.'
      }`,
      { input: m.source },
    );
  }
  return present;
}
