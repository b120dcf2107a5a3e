/** A tiny worker thread for test/worker.test.ts: answers each number with that number + 41. */
import { parentPort } from 'node:worker_threads';

const n: number = 41;
parentPort?.on('message', (m: number) => parentPort!.postMessage(m + n));
