/**
 * A piscina worker script for test/batch.test.ts: the real batch worker, except that interaction ids starting with
 * 'crash' kill their thread (process.exit in a worker thread ends only that thread), as a native crash would.
 */
import work from '../src/batch/worker.js';
import type { BatchTask } from '../src/batch/task.js';

export default function crashy(task: BatchTask) {
  if (task.interaction.id.startsWith('crash')) process.exit(3);
  return work(task);
}
