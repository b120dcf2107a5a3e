import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { locateWorker, spawnWorker, workerLaunch } from '../src/runtime/worker.js';
import { createBatchPool } from '../src/batch/pool.js';

describe('spawnWorker / locateWorker', () => {
  it('a missing worker script is WORKER_MISSING naming where it looked, not MODEL_MISSING', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emosig-w-'));
    const caller = pathToFileURL(join(dir, 'caller.ts')).href;
    expect(() => locateWorker(caller, 'stream', 'face-worker', 'rebuild emosig')).toThrow(
      expect.objectContaining({ code: 'WORKER_MISSING', message: expect.stringContaining(join(dir, 'face-worker.ts')) }),
    );
  });

  it('the batch pool refuses a missing worker script with WORKER_MISSING', async () => {
    const missing = join(tmpdir(), 'emosig-no-such-worker.js');
    await expect(createBatchPool({ workerFile: missing, concurrency: 1 })).rejects.toMatchObject({ code: 'WORKER_MISSING', input: missing });
  });

  it('finds both shipped worker scripts from source and runs a TypeScript worker through tsx', async () => {
    expect(locateWorker(pathToFileURL(resolve('src/batch/pool.ts')).href, 'batch', 'worker', '')).toBe(resolve('src/batch/worker.ts'));
    expect(locateWorker(pathToFileURL(resolve('src/stream/faces.ts')).href, 'stream', 'face-worker', '')).toBe(resolve('src/stream/face-worker.ts'));
    expect((await workerLaunch(resolve('src/batch/worker.ts'))).execArgv).toEqual(['--import', 'tsx']);
    const w = await spawnWorker(resolve('test/echo-worker.ts'));
    const got = await new Promise((res, rej) => {
      w.once('message', res);
      w.once('error', rej);
      w.postMessage(1);
    });
    expect(got).toBe(42);
    await w.terminate();
  }, 30_000);
});
