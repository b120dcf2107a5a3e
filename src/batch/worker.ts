/**
 * The piscina worker script (one per thread): loads the models once, then runs tasks. Built to
 * dist/batch/worker.js; from source it runs as TypeScript through tsx.
 */
import { workerData } from 'node:worker_threads';
import { runTask, type BatchTask } from './task.js';
import type { SummaryRow } from './output.js';

export default function work(task: BatchTask): Promise<SummaryRow> {
  return runTask(task, (workerData as { analyzer?: object } | undefined)?.analyzer ?? {});
}
