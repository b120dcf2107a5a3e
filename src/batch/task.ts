/**
 * One batch task: analyse an interaction and store its signature — the unit of work of the worker-thread pool
 * and of the queue worker. Idempotent: when a valid signature is already there it is reused, not recomputed.
 */
import type { Analyzer, AnalyzerOptions } from '../fusion/analyze.js';
import { createAnalyzer } from '../fusion/analyze.js';
import { checkFiles, checkId, type Interaction } from './manifest.js';
import { errorRow, readDone, summaryRow, writeError, writeSignature, type SummaryRow } from './output.js';

export interface BatchTask {
  interaction: Interaction;
  /** Output folder (absolute). */
  out: string;
  /** Re-analyse even when a valid signature exists. */
  force?: boolean;
}

/**
 * The models, loaded once per thread and options: a call with other options than the loaded analyzer's gets a
 * new analyzer for them (it used to keep the first call's options and silently ignore later ones).
 */
let analyzer: { key: string; a: Promise<Analyzer> } | undefined;
export function threadAnalyzer(options: AnalyzerOptions = {}): Promise<Analyzer> {
  const key = JSON.stringify(options, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
  if (analyzer?.key !== key) analyzer = { key, a: createAnalyzer(options) };
  return analyzer.a;
}

/** Analyse one interaction into `<out>/<id>.signature.json`; failures become an error row and `<id>.error.json`. */
export async function runTask(task: BatchTask, options: AnalyzerOptions = {}): Promise<SummaryRow> {
  const { interaction: it, out } = task;
  const origin = it.origin ?? `interaction ${it.id}`;
  try {
    checkId(it.id, origin);
    if (!task.force) {
      const done = readDone(out, it.id);
      if (done) return summaryRow(it.id, 'skipped', done);
    }
    checkFiles(it.files, `${origin} (${it.id})`);
    const a = await threadAnalyzer(options);
    const sig = await a.analyze({
      ...(it.files.audio ? { audio: it.files.audio } : {}),
      ...(it.files.video ? { video: it.files.video } : {}),
      ...(it.files.frames ? { frames: it.files.frames } : {}),
      ...(it.files.chat ? { chat: { path: it.files.chat } } : {}),
      ...(it.speakers ? { speakers: it.speakers } : {}),
    });
    writeSignature(out, it.id, sig);
    return summaryRow(it.id, 'ok', sig);
  } catch (e) {
    const row = errorRow(it.id, e);
    writeError(out, it.id, row.error!);
    return row;
  }
}
