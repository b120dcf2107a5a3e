/**
 * The worker-thread pool (piscina): `concurrency` threads, each loading the models once, analysing interactions
 * and writing their signatures. The main thread only schedules (at most two tasks per thread in flight, so a
 * manifest of any size never piles up in memory) and collects the small summary rows.
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { AnalyzerOptions } from '../fusion/analyze.js';
import { EmosigError } from '../errors.js';
import { locateWorker, workerLaunch } from '../runtime/worker.js';
import { isValidId, type Interaction, type ManifestIssue } from './manifest.js';
import { ensureOutDir, errorRow, summaryCsv, writeAtomic, writeError, type SummaryRow } from './output.js';
import type { BatchTask } from './task.js';

/** Where the worker script is: next to this file from source (.ts), dist/batch/worker.js from the build. */
export function workerFile(): string {
  return locateWorker(import.meta.url, 'batch', 'worker', 'rebuild emosig (npm run build) or reinstall it');
}

export function defaultConcurrency(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

export interface PoolOptions {
  /** Worker threads (default: the number of CPUs, at most 4). */
  concurrency?: number;
  /** Options for each thread's analyzer (plain data: it is copied to the threads). */
  analyzer?: AnalyzerOptions;
  /** A worker script of your own (default: emosig's). */
  workerFile?: string;
}

export interface BatchPool {
  readonly concurrency: number;
  /** Run one task; a thread that dies is replaced and the task retried once, then it fails as BATCH_WORKER_CRASHED. */
  run(task: BatchTask): Promise<SummaryRow>;
  close(): Promise<void>;
}

/** Start the thread pool. */
export async function createBatchPool(o: PoolOptions = {}): Promise<BatchPool> {
  const concurrency = o.concurrency ?? defaultConcurrency();
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new EmosigError('INVALID_OPTIONS', `concurrency must be a whole number from 1 to 64 (got ${o.concurrency})`);
  const launch = await workerLaunch(o.workerFile ?? workerFile(), 'batch worker script');
  const { Piscina } = await import('piscina');
  const pool = new Piscina({
    filename: launch.file,
    minThreads: concurrency,
    maxThreads: concurrency,
    idleTimeout: 60_000,
    workerData: { analyzer: o.analyzer ?? {} },
    ...(launch.execArgv ? { execArgv: launch.execArgv } : {}),
  });
  let closed = false;
  const fail = (task: BatchTask, code: 'BATCH_WORKER_CRASHED' | 'BATCH_CANCELLED', what: string): SummaryRow => {
    const where = `${task.interaction.origin ?? 'interaction'} (${task.interaction.id})`;
    const row = errorRow(task.interaction.id, new EmosigError(code, `${where}: ${what}`));
    writeError(task.out, task.interaction.id, row.error!);
    return row;
  };
  return {
    concurrency,
    async run(task) {
      for (let tries = 0; ; tries++) {
        try {
          return (await pool.run(task)) as SummaryRow;
        } catch (e) {
          if (closed) return fail(task, 'BATCH_CANCELLED', 'stopped by a shutdown before it finished; run it again (the queue retries it by itself)');
          if (tries >= 1) {
            return fail(task, 'BATCH_WORKER_CRASHED', `the worker thread analysing it died twice (${(e as Error).message}); the other interactions went on — check this input, then re-run (finished ones are skipped)`);
          }
        }
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.destroy();
    },
  };
}

export interface BatchOptions extends PoolOptions {
  /** Output folder: `<id>.signature.json`, `<id>.error.json`, summary.csv. */
  out: string;
  /** Re-analyse interactions that already have a valid signature. */
  force?: boolean;
  /** Stop starting new interactions (running ones finish; the rest are `cancelled` in the summary). */
  signal?: AbortSignal;
  /** Called after each interaction, in completion order. */
  onResult?(row: SummaryRow, finished: number, total: number): void;
  /** Rows of the manifest that could not be used: they become `error` rows. */
  issues?: ManifestIssue[];
  /** Write summary.csv (default true). */
  summary?: boolean;
}

export interface BatchResult {
  /** One row per interaction, in manifest order, then one per unusable manifest row. */
  rows: SummaryRow[];
  ok: number;
  skipped: number;
  failed: number;
  cancelled: number;
  elapsedMs: number;
  summaryPath?: string;
}

/**
 * Analyse many interactions on a thread pool, writing `<out>/<id>.signature.json` atomically. Resumable: an
 * interaction whose signature exists and validates is skipped (status `skipped`); an invalid one is redone. A
 * failed interaction gets `<out>/<id>.error.json` and an `error` row; the others go on.
 */
export async function analyzeBatch(interactions: Interaction[], o: BatchOptions): Promise<BatchResult> {
  const t0 = performance.now();
  const out = resolve(o.out);
  ensureOutDir(out);
  const rows: SummaryRow[] = new Array(interactions.length);
  const total = interactions.length + (o.issues?.length ?? 0);
  let finished = 0;
  const record = (i: number, row: SummaryRow) => {
    rows[i] = row;
    o.onResult?.(row, ++finished, total);
  };
  // a bad row gets <id>.error.json only when its id can name a file and no good row owns that id
  const owned = new Set(interactions.map((it) => it.id.toLowerCase()));
  for (const [k, iss] of (o.issues ?? []).entries()) {
    const row = errorRow(iss.id ?? '', iss.error);
    if (iss.id && isValidId(iss.id) && !owned.has(iss.id.toLowerCase())) writeError(out, iss.id, row.error!);
    record(interactions.length + k, row);
  }
  const pool = interactions.length ? await createBatchPool(o) : undefined;
  try {
    const limit = 2 * (pool?.concurrency ?? 1);
    const running = new Set<Promise<void>>();
    for (const [i, it] of interactions.entries()) {
      if (o.signal?.aborted) {
        record(i, errorRow(it.id, new EmosigError('BATCH_CANCELLED', 'the batch was stopped before this interaction started; re-run it to analyse the rest (finished ones are skipped)'), 'cancelled'));
        continue;
      }
      const p: Promise<void> = pool!.run({ interaction: it, out, force: o.force }).then((row) => {
        running.delete(p);
        record(i, row);
      });
      running.add(p);
      if (running.size >= limit) await Promise.race(running);
    }
    await Promise.all(running);
  } finally {
    await pool?.close();
  }
  const count = (s: SummaryRow['status']) => rows.filter((r) => r.status === s).length;
  const result: BatchResult = { rows, ok: count('ok'), skipped: count('skipped'), failed: count('error'), cancelled: count('cancelled'), elapsedMs: performance.now() - t0 };
  if (o.summary !== false) {
    result.summaryPath = join(out, 'summary.csv');
    writeAtomic(result.summaryPath, summaryCsv(rows));
  }
  return result;
}
