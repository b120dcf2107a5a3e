/**
 * Batch outputs: `<out>/<id>.signature.json` written atomically (temporary file + rename, so a crash never leaves
 * a half-written signature under the final name), `<out>/<id>.error.json` for failures, and `summary.csv`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { EmosigError, errorInfo } from '../errors.js';
import { parseSignature, type EmotionalSignature } from '../signature/schema.js';
import { MODALITIES } from '../signature/schema.js';

export const signaturePath = (out: string, id: string): string => join(out, `${id}.signature.json`);
export const errorPath = (out: string, id: string): string => join(out, `${id}.error.json`);

/** Write `text` to `path` via a temporary file in the same folder and a rename (atomic on one file system). */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* nothing was written (e.g. the parent is not a folder) */
    }
    throw new EmosigError('OUTPUT_WRITE_FAILED', `cannot write the output (${(e as Error).message}); check that its folder is writable and has space`, { input: path, cause: e });
  }
}

/** Create the output folder (typed error when impossible). */
export function ensureOutDir(out: string): void {
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new EmosigError('OUTPUT_WRITE_FAILED', `cannot create the output folder (${(e as Error).message}); pass a writable --out folder`, { input: out, cause: e });
  }
}

/** The finished signature of `id` under `out`, or undefined when it is missing or not a valid signature. */
export function readDone(out: string, id: string): EmotionalSignature | undefined {
  const p = signaturePath(out, id);
  if (!existsSync(p)) return undefined;
  try {
    return parseSignature(JSON.parse(readFileSync(p, 'utf8')));
  } catch {
    return undefined;
  }
}

/** Store a finished signature (and drop an error file left by an earlier failed run). */
export function writeSignature(out: string, id: string, sig: EmotionalSignature): void {
  writeAtomic(signaturePath(out, id), JSON.stringify(sig, null, 2) + '\n');
  rmSync(errorPath(out, id), { force: true });
}

/** Store why `id` failed as `<id>.error.json` ({ id, code, message, time }); never throws. */
export function writeError(out: string, id: string, error: { code: string; message: string }): void {
  try {
    writeAtomic(errorPath(out, id), JSON.stringify({ id, ...error, time: new Date().toISOString() }, null, 2) + '\n');
  } catch {
    /* the error is still reported on stderr and in summary.csv */
  }
}

export type RowStatus = 'ok' | 'skipped' | 'error' | 'cancelled';

/** One line of summary.csv. */
export interface SummaryRow {
  id: string;
  status: RowStatus;
  durationSec?: number;
  modalities?: string[];
  speakers?: { name: string; dominant: string; escalation: number }[];
  /** Highest escalation score over the speakers, and whose it is. */
  escalation?: number;
  escalationSpeaker?: string;
  /** The top escalation reasons (by weight) of that speaker. */
  reasons?: string[];
  error?: { code: string; message: string };
}

/** The summary row of a finished signature. */
export function summaryRow(id: string, status: 'ok' | 'skipped', sig: EmotionalSignature): SummaryRow {
  const speakers = Object.entries(sig.speakers).map(([name, s]) => ({ name, dominant: s.dominant, escalation: s.summary.escalation.score }));
  const top = speakers.reduce<(typeof speakers)[number] | undefined>((a, s) => (!a || s.escalation > a.escalation ? s : a), undefined);
  const reasons = top
    ? [...sig.speakers[top.name].summary.escalation.reasons]
        .filter((r) => r.code !== 'calmed-down')
        .sort((a, b) => b.weight - a.weight)
        .slice(0, 3)
        .map((r) => r.text)
    : [];
  return {
    id,
    status,
    durationSec: sig.interaction.durationSec,
    modalities: MODALITIES.filter((m) => sig.interaction.modalities[m].present),
    speakers,
    ...(top ? { escalation: top.escalation, escalationSpeaker: top.name } : {}),
    reasons,
  };
}

export function errorRow(id: string, e: unknown, status: 'error' | 'cancelled' = 'error'): SummaryRow {
  return { id, status, error: errorInfo(e) };
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, line break or edge spaces. */
export function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * summary.csv: `id,status,duration_sec,modalities,<speaker>_dominant,<speaker>_escalation (each speaker seen, in
 * order of first appearance),escalation_max,escalation_speaker,top_reasons,error_code,error_message`.
 * Lists inside a field are joined with '; ' (modalities) or ' | ' (reasons).
 */
export function summaryCsv(rows: SummaryRow[]): string {
  const names: string[] = [];
  for (const r of rows) for (const s of r.speakers ?? []) if (!names.includes(s.name)) names.push(s.name);
  const header = ['id', 'status', 'duration_sec', 'modalities', ...names.flatMap((n) => [`${n}_dominant`, `${n}_escalation`]), 'escalation_max', 'escalation_speaker', 'top_reasons', 'error_code', 'error_message'];
  const lines = [header.map(csvField).join(',')];
  for (const r of rows) {
    const per = names.flatMap((n) => {
      const s = r.speakers?.find((x) => x.name === n);
      return s ? [s.dominant, s.escalation.toFixed(3)] : ['', ''];
    });
    lines.push(
      [
        r.id,
        r.status,
        r.durationSec?.toFixed(2),
        r.modalities?.join('; '),
        ...per,
        r.escalation?.toFixed(3),
        r.escalationSpeaker,
        r.reasons?.join(' | '),
        r.error?.code,
        r.error?.message,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}
