/**
 * The BullMQ adapter against a real Redis server: each test file starts its own `redis-server` on a free loopback
 * port in a temporary folder. Without the binary the tests are skipped (outside CI) or fail (CI=true: .ci/run
 * installs Debian's redis-server).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { createWorker, enqueueManifest, type QueueJobData, type WorkerEvent } from '../src/batch/queue.js';
import { signaturePath } from '../src/batch/output.js';
import { parseSignature } from '../src/signature/schema.js';
import { main as batchMain } from '../src/cli/batch.js';
import { main as workerMain } from '../src/cli/worker.js';
import type { EmosigError } from '../src/errors.js';

const FX = resolve('fixtures');
const MULAW = join(FX, 'call_mulaw_8k.wav');
const CHAT = join(FX, 'demo', 'chat.json');

function findRedis(): string | undefined {
  for (const p of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (existsSync(p)) return p;
  const w = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return w.status === 0 && w.stdout.trim() ? w.stdout.trim() : undefined;
}
const REDIS = findRedis();
if (!REDIS && process.env.CI === 'true') throw new Error('redis-server is not installed; CI must have it (.ci/run installs Debian redis-server)');
if (!REDIS) console.warn('test/queue.test.ts skipped: no redis-server binary (install it, e.g. apt-get install redis-server)');

const dir = mkdtempSync(join(tmpdir(), 'emosig-queue-'));

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

interface RedisServer {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

async function startRedis(name: string): Promise<RedisServer> {
  const port = await freePort();
  const data = join(dir, name);
  rmSync(data, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', data]);
  const proc = spawn(REDIS!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', data], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((ok, fail) => {
    let log = '';
    const t = setTimeout(() => fail(new Error(`redis-server did not start: ${log}`)), 10_000);
    proc.stdout!.on('data', (b) => {
      log += b;
      if (/Ready to accept connections/.test(log)) (clearTimeout(t), ok());
    });
    proc.once('exit', (c) => (clearTimeout(t), fail(new Error(`redis-server exited (${c}): ${log}`))));
  });
  const stop = () =>
    new Promise<void>((ok) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return ok();
      proc.once('exit', () => ok());
      proc.kill('SIGKILL');
    });
  return { url: `redis://127.0.0.1:${port}`, proc, stop };
}

async function until(what: string, f: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function captureStderr<T>(f: () => Promise<T>): Promise<{ value: T; err: string }> {
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const value = await f();
    return { value, err: spy.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    spy.mockRestore();
  }
}

describe.skipIf(!REDIS)('BullMQ queue (real redis-server on loopback)', () => {
  let redis: RedisServer;
  const queues: Queue[] = [];
  const queue = (name: string) => {
    const q = new Queue<QueueJobData>(name, { connection: { url: redis.url } });
    queues.push(q);
    return q;
  };

  beforeAll(async () => {
    redis = await startRedis('main');
  });
  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enqueue: one job per interaction keyed by its id, absolute paths, no duplicates when enqueued again', async () => {
    const m = join(dir, 'm.jsonl');
    writeFileSync(
      m,
      [
        JSON.stringify({ id: 'p1', audio: MULAW }),
        JSON.stringify({ id: '1001', chat: CHAT, speakers: ['customer', 'agent'] }),
        JSON.stringify({ id: 'lost', audio: 'nowhere.wav' }),
      ].join('\n'),
    );
    const out = join(dir, 'out-a');
    const run = () => captureStderr(() => batchMain([m, '--out', out, '--enqueue', redis.url, '--queue-name', 'qa']));
    const first = await run();
    expect(first.value).toBe(1); // the bad row
    expect(first.err).toMatch(/emosig batch: INPUT_NOT_FOUND: m\.jsonl line 3 \(lost\): the audio file .*nowhere\.wav does not exist/);
    expect(first.err).toMatch(/enqueued 2 job\(s\) on queue 'qa'/);
    expect((await run()).value).toBe(1);
    const q = queue('qa');
    expect(await q.getJobCounts('waiting', 'active', 'completed', 'failed')).toMatchObject({ waiting: 2, active: 0, completed: 0, failed: 0 });
    expect((await q.getJob('p1'))!.data).toEqual({ interactionId: 'p1', files: { audio: MULAW }, out });
    expect((await q.getJob('#1001'))!.data).toEqual({ interactionId: '1001', files: { chat: CHAT }, speakers: ['customer', 'agent'], out });
    expect((await q.getJob('p1'))!.opts).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 5000 } });
  });

  it('worker: analyses jobs, fails bad ones at once with typed codes, completes an already-analysed one without work', async () => {
    const q = queue('qa');
    const out = join(dir, 'out-a');
    await q.add('analyze', { interactionId: 'bad-data', files: {}, out: 'relative/out' }, { jobId: 'bad-data', attempts: 3 });
    await q.add('analyze', { interactionId: 'gone', files: { audio: join(dir, 'gone.wav') }, out }, { jobId: 'gone', attempts: 3 });
    const events: WorkerEvent[] = [];
    const w = await createWorker({ connection: redis.url, queue: 'qa', concurrency: 1, onEvent: (e) => events.push(e) });
    try {
      await until('4 finished jobs', async () => {
        const c = await q.getJobCounts('completed', 'failed');
        return c.completed + c.failed === 4;
      });
      expect(await q.getJobCounts('completed', 'failed')).toEqual({ completed: 2, failed: 2 });
      for (const id of ['p1', '1001']) parseSignature(JSON.parse(readFileSync(signaturePath(out, id), 'utf8')));
      const bad = (await q.getJob('bad-data'))!;
      expect(bad.attemptsMade).toBe(1);
      expect(bad.failedReason).toMatch(/^QUEUE_JOB_INVALID: job bad-data: out must be an absolute folder path/);
      const gone = (await q.getJob('gone'))!;
      expect(gone.attemptsMade).toBe(1);
      expect(gone.failedReason).toMatch(/^INPUT_NOT_FOUND: job gone \(gone\): the audio file .*gone\.wav does not exist/);
      expect(events.filter((e) => e.type === 'failed').map((e) => (e as { code: string }).code).sort()).toEqual(['INPUT_NOT_FOUND', 'QUEUE_JOB_INVALID']);

      // the job is gone from Redis but its signature exists: a new job completes without analysing again
      const mtime = statSync(signaturePath(out, 'p1')).mtimeMs;
      await (await q.getJob('p1'))!.remove();
      await enqueueManifest({ connection: redis.url, queue: 'qa', interactions: [{ id: 'p1', files: { audio: MULAW } }], out });
      await until('p1 again', async () => (await q.getJobState('p1')) === 'completed');
      expect((await q.getJob('p1'))!.returnvalue).toMatchObject({ id: 'p1', status: 'skipped' });
      expect(statSync(signaturePath(out, 'p1')).mtimeMs).toBe(mtime);
    } finally {
      await w.close();
    }
    await expect(w.done).resolves.toBeUndefined();
  });

  it('a Redis connection drop mid-run loses and duplicates nothing', async () => {
    const out = join(dir, 'out-c');
    const ids = ['c1', 'c2', 'c3', 'c4'];
    await enqueueManifest({ connection: redis.url, queue: 'qc', interactions: ids.map((id) => ({ id, files: { audio: MULAW } })), out });
    const q = queue('qc');
    const events: WorkerEvent[] = [];
    let killed = 0;
    const admin = (await q.client) as unknown as { call(...args: string[]): Promise<unknown> };
    const w = await createWorker({
      connection: redis.url,
      queue: 'qc',
      concurrency: 1,
      onEvent: (e) => {
        events.push(e);
        // cut every client connection (the worker's included) while c2 is being analysed and again while c3 is
        if (e.type === 'active' && (e.jobId === 'c2' || e.jobId === 'c3')) {
          killed++;
          void admin.call('CLIENT', 'KILL', 'TYPE', 'normal');
        }
      },
    });
    try {
      await until('4 completed jobs', async () => (await q.getJobCounts('completed')).completed === 4, 45_000);
    } finally {
      await w.close();
    }
    expect(killed).toBeGreaterThanOrEqual(2);
    const completed = events.filter((e): e is Extract<WorkerEvent, { type: 'completed' }> => e.type === 'completed').map((e) => e.jobId);
    expect(completed.sort()).toEqual(ids);
    for (const id of ids) parseSignature(JSON.parse(readFileSync(signaturePath(out, id), 'utf8')));
    expect(readdirSync(out).sort()).toEqual(ids.map((id) => `${id}.signature.json`));
    expect(await q.getJobCounts('waiting', 'active', 'delayed', 'failed')).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  }, 90_000);

  it('a worker killed mid-job: its job is retried by another worker and completed exactly once', async () => {
    const out = join(dir, 'out-d');
    const id = 'demo';
    await enqueueManifest({ connection: redis.url, queue: 'qd', interactions: [{ id, files: { audio: join(FX, 'call_stereo.wav'), frames: join(FX, 'demo', 'frames'), chat: CHAT }, speakers: ['customer', 'agent'] }], out });
    const q = queue('qd');
    const qe = new QueueEvents('qd', { connection: { url: redis.url } });
    await qe.waitUntilReady();
    const completions: string[] = [];
    qe.on('completed', ({ jobId }) => completions.push(jobId));
    const startWorker = () => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--queue', redis.url, '--queue-name', 'qd', '-c', '1', '--lock-duration', '4000', '--stalled-interval', '1000'], { stdio: ['ignore', 'ignore', 'pipe'] });
      const log = { text: '' };
      p.stderr!.on('data', (b) => (log.text += b));
      const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
      return { p, log, exited };
    };
    try {
      const a = startWorker();
      await until('the job to become active', async () => (await q.getJobState(id)) === 'active', 40_000);
      a.p.kill('SIGKILL');
      await a.exited;
      expect(existsSync(signaturePath(out, id))).toBe(false); // it really died mid-job
      expect(await q.getJobState(id)).toBe('active'); // still locked by the dead worker

      const b = startWorker();
      await until('the job to complete', async () => (await q.getJobState(id)) === 'completed', 45_000);
      const job = (await q.getJob(id))!;
      expect(job.returnvalue).toMatchObject({ id, status: 'ok' });
      expect(job.stalledCounter).toBe(1);
      const sig = parseSignature(JSON.parse(readFileSync(signaturePath(out, id), 'utf8')));
      expect(Object.keys(sig.speakers)).toEqual(['customer', 'agent']);
      await until('the completed event', () => completions.length > 0, 5000);
      await new Promise((r) => setTimeout(r, 1500)); // time for a duplicate to show up, if there were one
      expect(completions).toEqual([id]);
      expect(b.log.text.match(/demo: done/g)).toHaveLength(1);

      b.p.kill('SIGTERM'); // graceful shutdown
      expect(await b.exited).toBe(0);
      expect(b.log.text).toMatch(/SIGTERM: finishing the running jobs .*\n.*stopped/);
    } finally {
      await qe.close();
    }
  }, 150_000);

  it('Redis gone: the worker gives up with QUEUE_UNAVAILABLE after the bounded time; enqueue and the CLI too', async () => {
    const r2 = await startRedis('doomed');
    const events: WorkerEvent[] = [];
    const w = await createWorker({ connection: r2.url, queue: 'qe', concurrency: 1, maxDownMs: 1500, onEvent: (e) => events.push(e) });
    await new Promise((r) => setTimeout(r, 600)); // the connection watch polls every 250 ms
    const t0 = Date.now();
    await r2.stop();
    const err = (await w.done.then(() => undefined, (e) => e)) as EmosigError;
    expect(err).toMatchObject({ code: 'QUEUE_UNAVAILABLE', message: expect.stringMatching(/^Redis at redis:\/\/127\.0\.0\.1:\d+\/? has been unreachable for \d+ s.*; start Redis or fix the URL, then restart the worker/) });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(events.some((e) => e.type === 'connection' && !e.up)).toBe(true);

    await expect(enqueueManifest({ connection: r2.url, interactions: [{ id: 'x', files: { chat: CHAT } }], out: dir, timeoutMs: 1000 })).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    const cli = await captureStderr(() => workerMain(['--queue', r2.url, '--max-down', '1', '-c', '1']));
    expect(cli.value).toBe(1);
    expect(cli.err).toMatch(/emosig worker: QUEUE_UNAVAILABLE: Redis at redis:\/\/127\.0\.0\.1:\d+\/? did not answer within 1 s; start Redis or fix the URL, then start the worker again/);
    const usage = await captureStderr(() => workerMain(['--queue', 'http://localhost']));
    expect(usage.value).toBe(2);
  });
});
