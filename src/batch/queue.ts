/**
 * Beyond one machine: a BullMQ (Redis) adapter.
 *
 * - `enqueueManifest` adds one job per interaction: `{ interactionId, files, speakers?, out }`, `jobId` derived from
 *   the interaction id (re-enqueueing never duplicates a job), retried with exponential back-off.
 * - `createWorker` consumes jobs on a worker-thread pool (one model load per thread), writes each signature
 *   atomically and only then completes the job. Idempotent: a job whose signature already exists and validates
 *   completes without being analysed again — so a job retried after its worker died mid-job (BullMQ's stalled-job
 *   check) or after a Redis connection drop yields exactly one result.
 *
 * bullmq and piscina are loaded on first use, so importing emosig does not load them.
 */
import type { Socket } from 'node:net';
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { ConnectionOptions, Job, Worker } from 'bullmq';
import type { AnalyzerOptions } from '../fusion/analyze.js';
import { EmosigError } from '../errors.js';
import { checkId, FILE_KINDS, type Interaction, type InteractionFiles } from './manifest.js';
import { createBatchPool } from './pool.js';
import type { SummaryRow } from './output.js';

/** The data of one queue job. Paths are absolute (the producer resolves them). */
export interface QueueJobData {
  interactionId: string;
  files: InteractionFiles;
  speakers?: string[];
  /** Output folder: the worker writes `<out>/<interactionId>.signature.json`. */
  out: string;
}

export const DEFAULT_QUEUE = 'emosig';

/** `redis://…` or BullMQ/ioredis connection options. */
export type QueueConnection = string | ConnectionOptions;

const connectionOf = (c: QueueConnection): ConnectionOptions => (typeof c === 'string' ? { url: c } : c);

/** A Redis URL without its password, for messages. */
export function redactUrl(c: QueueConnection): string {
  if (typeof c !== 'string') {
    const o = c as { host?: string; port?: number; url?: string };
    return o.url ? redactUrl(o.url) : `${o.host ?? '127.0.0.1'}:${o.port ?? 6379}`;
  }
  try {
    const u = new URL(c);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return c.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** BullMQ refuses integer-like and ':'-containing job ids; ids never contain ':' or '#', so '#' keeps this one-to-one. */
export function jobIdFor(interactionId: string): string {
  return `${parseInt(interactionId, 10)}` === interactionId ? `#${interactionId}` : interactionId;
}

/** Validate job data; throws QUEUE_JOB_INVALID naming the job and the field. */
/** `p` with symlinks resolved (for a path that does not exist yet: its nearest existing parent, resolved, plus the rest). */
function realish(p: string): string {
  const abs = resolve(p);
  let head = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...rest.reverse());
    } catch {
      const up = dirname(head);
      if (up === head) return abs;
      rest.push(basename(head));
      head = up;
    }
  }
}

function inside(p: string, roots: string[]): boolean {
  const r = realish(p);
  return roots.some((root) => r === root || r.startsWith(root.endsWith(sep) ? root : root + sep));
}

export function checkJobData(data: unknown, jobId = '?', opts: { allowedRoots?: string[] } = {}): QueueJobData {
  const bad = (m: string): never => {
    throw new EmosigError('QUEUE_JOB_INVALID', `job ${jobId}: ${m}; enqueue jobs as { interactionId, files: { audio?, video?, frames?, chat? }, speakers?, out } with absolute paths (enqueueManifest does this)`);
  };
  const d = data as Partial<QueueJobData> | null;
  if (!d || typeof d !== 'object') bad('the job data is not an object');
  try {
    checkId(d!.interactionId, `job ${jobId}`);
  } catch (e) {
    bad((e as Error).message.replace(/^job [^:]*: /, ''));
  }
  if (typeof d!.out !== 'string' || !isAbsolute(d!.out)) bad(`out must be an absolute folder path (got ${JSON.stringify(d!.out)})`);
  if (!d!.files || typeof d!.files !== 'object') bad('files is missing');
  for (const [k, v] of Object.entries(d!.files!)) {
    if (!(FILE_KINDS as readonly string[]).includes(k)) bad(`unknown file kind '${k}'`);
    if (v !== undefined && (typeof v !== 'string' || !isAbsolute(v))) bad(`files.${k} must be an absolute path (got ${JSON.stringify(v)})`);
  }
  if (d!.speakers !== undefined && (!Array.isArray(d!.speakers) || d!.speakers.length > 64 || d!.speakers.some((s) => typeof s !== 'string' || !s.trim() || s.length > 200))) bad('speakers must be a list of at most 64 names');
  const roots = opts.allowedRoots;
  if (roots) {
    if (!inside(d!.out!, roots)) bad(`out ${JSON.stringify(d!.out)} is outside the allowed root${roots.length > 1 ? 's' : ''} (${roots.join(', ')})`);
    for (const [k, v] of Object.entries(d!.files!)) {
      if (v !== undefined && !inside(v as string, roots)) bad(`files.${k} ${JSON.stringify(v)} is outside the allowed root${roots.length > 1 ? 's' : ''} (${roots.join(', ')})`);
    }
  }
  return d as QueueJobData;
}

export interface EnqueueOptions {
  connection: QueueConnection;
  /** Queue name (default 'emosig'). */
  queue?: string;
  interactions: Interaction[];
  /** Output folder, made absolute here. */
  out: string;
  /** Tries per job (default 3), with exponential back-off from `backoffMs` (default 5000). */
  attempts?: number;
  backoffMs?: number;
  /** Move this queue's failed jobs back to waiting first (e.g. after fixing their inputs). */
  retryFailed?: boolean;
  /** Fail with QUEUE_UNAVAILABLE when Redis does not answer within this many ms (default 15000). */
  timeoutMs?: number;
}

/** Enqueue one job per interaction (in chunks of 500); returns the job ids. */
export async function enqueueManifest(o: EnqueueOptions): Promise<{ jobIds: string[] }> {
  const { Queue } = await import('bullmq');
  const { resolve } = await import('node:path');
  const out = resolve(o.out);
  await reachable(o.connection, o.timeoutMs ?? 15_000, 'enqueue again');
  const queue = new Queue<QueueJobData>(o.queue ?? DEFAULT_QUEUE, { connection: connectionOf(o.connection) });
  queue.on('error', () => undefined); // connection errors surface from the awaited calls below
  try {
    if (!(await within(queue.waitUntilReady(), o.timeoutMs ?? 15_000))) throw new Error('Redis stopped answering');
    if (o.retryFailed) await queue.retryJobs({ state: 'failed' });
    const jobIds: string[] = [];
    for (let i = 0; i < o.interactions.length; i += 500) {
      const chunk = o.interactions.slice(i, i + 500).map((it) => {
        const jobId = jobIdFor(it.id);
        jobIds.push(jobId);
        return {
          name: 'analyze',
          data: { interactionId: it.id, files: it.files, ...(it.speakers ? { speakers: it.speakers } : {}), out },
          opts: {
            jobId,
            attempts: o.attempts ?? 3,
            backoff: { type: 'exponential', delay: o.backoffMs ?? 5000 },
            removeOnComplete: { age: 7 * 24 * 3600 },
            removeOnFail: { age: 30 * 24 * 3600 },
          },
        };
      });
      await queue.addBulk(chunk);
    }
    return { jobIds };
  } catch (e) {
    if (e instanceof EmosigError) throw e;
    throw new EmosigError('QUEUE_UNAVAILABLE', `enqueueing on Redis at ${redactUrl(o.connection)} failed (${(e as Error).message}); fix Redis and enqueue again — jobs already added are not duplicated`, { cause: e });
  } finally {
    await within(queue.close(), 5000);
  }
}

/** Wait for `p` at most `ms`: true when it settled in time (its rejection counts as settled). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where to probe: host, port and TLS from a URL or plain options; undefined for client instances and clusters. */
function endpoint(c: QueueConnection): { host: string; port: number; tls: boolean } | undefined {
  const o = (typeof c === 'string' ? { url: c } : c) as { url?: string; host?: string; port?: number; tls?: unknown; path?: string; status?: unknown };
  if (o.status !== undefined || o.path) return undefined; // an ioredis instance, or a unix socket
  if (o.url) {
    const u = new URL(o.url);
    return { host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(u.port) || 6379, tls: u.protocol === 'rediss:' };
  }
  return { host: o.host ?? '127.0.0.1', port: o.port ?? 6379, tls: !!o.tls };
}

/** One PING over a plain socket: true when Redis answers (even "-NOAUTH" proves it is up). */
async function ping(c: QueueConnection, ms: number): Promise<boolean> {
  const ep = endpoint(c);
  if (!ep) return true;
  const sock: Socket = ep.tls ? (await import('node:tls')).connect({ host: ep.host, port: ep.port, servername: ep.host }) : (await import('node:net')).connect({ host: ep.host, port: ep.port });
  return new Promise((done) => {
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      done(ok);
    };
    const timer = setTimeout(() => finish(false), ms);
    sock.once(ep.tls ? 'secureConnect' : 'connect', () => sock.write('PING\r\n'));
    sock.once('data', (b: Buffer) => finish(/^[+-]/.test(b.toString('latin1'))));
    sock.once('error', () => finish(false));
  });
}

/**
 * Wait until Redis answers, for at most `ms`; throws QUEUE_UNAVAILABLE otherwise. BullMQ objects are only created
 * once it does: closing one whose connection never came up leaks an unhandled rejection from inside BullMQ.
 */
async function reachable(c: QueueConnection, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await ping(c, Math.max(100, Math.min(2000, end - Date.now())))) return;
    if (Date.now() >= end) throw new EmosigError('QUEUE_UNAVAILABLE', `Redis at ${redactUrl(c)} did not answer within ${Math.round(ms / 1000)} s; start Redis or fix the URL, then ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Error codes worth another try (a crashed thread, a full disk); anything else fails the job at once. */
const RETRYABLE = new Set(['BATCH_WORKER_CRASHED', 'BATCH_CANCELLED', 'OUTPUT_WRITE_FAILED', 'INPUT_UNREADABLE', 'INTERNAL']);

export type WorkerEvent =
  | { type: 'active'; jobId: string; interactionId: string }
  | { type: 'completed'; jobId: string; row: SummaryRow; ms: number }
  | { type: 'failed'; jobId: string; code: string; message: string; final: boolean }
  | { type: 'connection'; up: boolean; message?: string };

export interface WorkerOptions {
  connection: QueueConnection;
  /** Queue name (default 'emosig'). */
  queue?: string;
  /** Jobs at a time = worker threads (default: CPUs, at most 4). */
  concurrency?: number;
  analyzer?: AnalyzerOptions;
  /** Give up with QUEUE_UNAVAILABLE when Redis stays unreachable this long (ms, default 30000). */
  maxDownMs?: number;
  /** BullMQ lock of an active job (ms, default 30000): a dead worker's job is retried after about this long. */
  lockDuration?: number;
  /** How often to look for stalled jobs of dead workers (ms, default 30000). */
  stalledInterval?: number;
  /**
   * Folders the jobs may read from and write to. A job whose input paths or `out` folder (symlinks resolved)
   * lie outside every root fails as QUEUE_JOB_INVALID without being run. Default: no restriction.
   */
  allowedRoots?: string[];
  onEvent?(e: WorkerEvent): void;
}

export interface QueueWorker {
  readonly worker: Worker<QueueJobData, SummaryRow>;
  /** Settles when the worker stops: resolves after `close()`, rejects with QUEUE_UNAVAILABLE when Redis stays away. */
  readonly done: Promise<void>;
  /** Stop taking jobs and let the running ones finish; after `graceMs` (default 60000; 0 = now, also while an earlier close waits) stop them: they go back to the queue (retried with back-off). */
  close(graceMs?: number): Promise<void>;
}

/** Start consuming the queue. */
export async function createWorker(o: WorkerOptions): Promise<QueueWorker> {
  const { Worker, UnrecoverableError } = await import('bullmq');
  const maxDownMs = o.maxDownMs ?? 30_000;
  await reachable(o.connection, maxDownMs, 'start the worker again');
  const roots = o.allowedRoots?.map((r) => {
    if (typeof r !== 'string' || !isAbsolute(r)) throw new EmosigError('INVALID_OPTIONS', `allowedRoots: each root must be an absolute folder path (got ${JSON.stringify(r)})`);
    try {
      return realpathSync(r);
    } catch {
      throw new EmosigError('INPUT_NOT_FOUND', 'the allowed root folder does not exist', { input: r });
    }
  });
  const pool = await createBatchPool({ concurrency: o.concurrency, analyzer: o.analyzer });
  const emit = (e: WorkerEvent) => o.onEvent?.(e);

  const worker = new Worker<QueueJobData, SummaryRow>(
    o.queue ?? DEFAULT_QUEUE,
    async (job: Job<QueueJobData>) => {
      const t0 = performance.now();
      let data: QueueJobData;
      try {
        data = checkJobData(job.data, job.id, { allowedRoots: roots });
      } catch (e) {
        throw new UnrecoverableError(`${(e as EmosigError).code}: ${(e as Error).message}`);
      }
      emit({ type: 'active', jobId: job.id!, interactionId: data.interactionId });
      const interaction: Interaction = { id: data.interactionId, files: data.files, ...(data.speakers ? { speakers: data.speakers } : {}), origin: `job ${job.id}` };
      const row = await pool.run({ interaction, out: data.out });
      if (row.status === 'error') {
        const msg = `${row.error!.code}: ${row.error!.message}`;
        throw RETRYABLE.has(row.error!.code) ? new Error(msg) : new UnrecoverableError(msg);
      }
      emit({ type: 'completed', jobId: job.id!, row, ms: performance.now() - t0 });
      return row;
    },
    {
      connection: connectionOf(o.connection),
      concurrency: pool.concurrency,
      ...(o.lockDuration ? { lockDuration: o.lockDuration } : {}),
      ...(o.stalledInterval ? { stalledInterval: o.stalledInterval } : {}),
    },
  );

  let lastError = '';
  worker.on('error', (e) => {
    lastError = e.message;
  });
  worker.on('failed', (job, e) => {
    if (!job) return;
    const [code, ...rest] = e.message.split(': ');
    const final = e.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    emit({ type: 'failed', jobId: job.id!, code: rest.length ? code : 'INTERNAL', message: rest.length ? rest.join(': ') : e.message, final });
  });

  // Watch the connection: BullMQ (ioredis) reconnects by itself; when Redis stays away too long, give up loudly.
  let settle!: { resolve(): void; reject(e: Error): void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined); // a caller that never awaits `done` must not crash on it
  let client: { status: string } | undefined;
  worker.client.then((c) => (client = c as unknown as { status: string }), () => undefined);
  let downSince: number | undefined = Date.now();
  let closed: Promise<void> | undefined;
  let everUp = false; // report changes after the first connection only
  const watch = setInterval(() => {
    const up = client?.status === 'ready';
    if (up && downSince !== undefined && everUp) emit({ type: 'connection', up: true });
    if (!up && downSince === undefined) emit({ type: 'connection', up: false, message: lastError });
    everUp ||= up;
    downSince = up ? undefined : (downSince ?? Date.now());
    if (downSince !== undefined && Date.now() - downSince > maxDownMs && !closed) {
      const err = new EmosigError(
        'QUEUE_UNAVAILABLE',
        `Redis at ${redactUrl(o.connection)} has been unreachable for ${Math.round((Date.now() - downSince) / 1000)} s${lastError ? ` (${lastError})` : ''}; start Redis or fix the URL, then restart the worker — unfinished jobs are retried, finished signatures are kept`,
      );
      void shutdown(-1).then(() => settle.reject(err));
    }
  }, 250);
  watch.unref();

  let hurry: (() => void) | undefined;
  /** graceMs < 0: Redis is gone, drop everything (the jobs stay active in Redis and are retried once their lock expires). */
  function shutdown(graceMs: number): Promise<void> {
    if (closed) {
      if (graceMs === 0) hurry?.();
      return closed;
    }
    clearInterval(watch);
    closed = (async () => {
      if (graceMs < 0) {
        await within(worker.close(true), 5000);
        await pool.close();
        return;
      }
      const graceful = worker.close(); // waits for the running jobs
      const hurried = new Promise<boolean>((r) => (hurry = () => r(false)));
      if (!(await Promise.race([within(graceful, graceMs), hurried]))) {
        await pool.close(); // the running jobs fail as BATCH_CANCELLED and go back to the queue for a retry
        await within(graceful, 5000);
      }
      await pool.close();
    })();
    return closed;
  }

  await within(worker.waitUntilReady(), maxDownMs); // closing a worker whose connections are still starting leaks rejections in BullMQ
  return {
    worker,
    done,
    async close(graceMs = 60_000) {
      await shutdown(Math.max(0, graceMs));
      settle.resolve();
    },
  };
}
