/**
 * emosig worker --queue REDIS_URL [--queue-name NAME] [--concurrency N] [--max-down S] [--grace S]
 *               [--lock-duration MS] [--stalled-interval MS]
 */
import { EmosigError, errorInfo } from '../errors.js';
import { configOf } from '../config.js';
import { MAX_THREADS } from '../limits.js';
import { DEFAULT_QUEUE, createWorker, redactUrl, type QueueWorker, type WorkerEvent } from '../batch/queue.js';
import { count } from './batch.js';
import { num } from './analyze.js';
import { CONFIG_HELP, parseCommand, readConfigFile, usageError } from './common.js';

const HELP = `Usage: emosig worker --queue REDIS_URL [options]

Consumes BullMQ jobs { interactionId, files, speakers?, out } from Redis (enqueue them with
'emosig batch MANIFEST --out DIR --enqueue REDIS_URL'), analyses each on a pool of worker threads and writes
<out>/<interactionId>.signature.json atomically before completing the job. A job whose signature already
exists and is valid completes without being analysed again; a worker that dies mid-job has its job retried
by another worker once the job's lock expires.

Options:
  --queue REDIS_URL        Redis, e.g. redis://127.0.0.1:6379 (rediss:// for TLS; user:password@ allowed)
  --queue-name NAME        queue name (default ${DEFAULT_QUEUE})
  -c, --concurrency N      jobs at a time = worker threads (default: CPUs, at most 4)
  --max-down S             exit with QUEUE_UNAVAILABLE when Redis stays unreachable S seconds (default 30)
  --grace S                on SIGTERM / SIGINT, let running jobs finish for up to S seconds (default 60), then
                           hand them back to the queue; a second signal stops at once
  --lock-duration MS       BullMQ job lock (default 30000): a dead worker's job is retried after about this long
  --stalled-interval MS    how often to look for jobs of dead workers (default 30000)
  --allowed-root DIR       read inputs and write signatures only under DIR (repeatable); a job naming a path
                           outside every root (symlinks resolved) fails as QUEUE_JOB_INVALID. Without it every
                           path a job names is used: set it whenever others can enqueue jobs
${CONFIG_HELP}
  -h, --help
Exit code 0 after a signal, 1 when Redis is unreachable, 2 on bad usage.
`;

const OPTIONS = {
  config: { type: 'string' },
  queue: { type: 'string' },
  'queue-name': { type: 'string' },
  concurrency: { type: 'string', short: 'c' },
  'max-down': { type: 'string' },
  grace: { type: 'string' },
  'lock-duration': { type: 'string' },
  'stalled-interval': { type: 'string' },
  'allowed-root': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

const say = (line: string) => process.stderr.write(`emosig worker: ${line}\n`);

function describe(e: WorkerEvent): string {
  switch (e.type) {
    case 'active':
      return `${e.jobId}: started`;
    case 'completed':
      return e.row.status === 'skipped' ? `${e.jobId}: done (already analysed, kept)` : `${e.jobId}: done in ${(e.ms / 1000).toFixed(1)} s`;
    case 'failed':
      return `${e.jobId}: ${e.code}: ${e.message}${e.final ? '' : ' (will be retried)'}`;
    case 'connection':
      return e.up ? 'connected to Redis' : `lost Redis${e.message ? ` (${e.message})` : ''}; reconnecting`;
  }
}

export async function main(argv: string[]): Promise<number> {
  const a = parseCommand('worker', HELP, { args: argv, options: OPTIONS, allowPositionals: false });
  if (typeof a === 'number') return a;
  const v = a.values;
  let opts;
  try {
    if (!v.queue) throw new Error('--queue REDIS_URL is required');
    if (!/^rediss?:\/\//.test(v.queue)) throw new Error(`--queue must be a redis:// or rediss:// URL (got '${v.queue}')`);
    opts = {
      concurrency: count(v.concurrency, 'concurrency', MAX_THREADS),
      allowedRoots: v['allowed-root']?.length ? v['allowed-root'] : undefined,
      maxDownMs: (num(v['max-down'], 'max-down') ?? 30) * 1000,
      graceMs: (num(v.grace, 'grace') ?? 60) * 1000,
      lockDuration: count(v['lock-duration'], 'lock-duration'),
      stalledInterval: count(v['stalled-interval'], 'stalled-interval'),
      // one resolution through EmosigConfig (--config FILE); each job's own speakers go over it
      config: configOf(v.config ? { config: readConfigFile(v.config) } : {}, 'emosig worker'),
    };
  } catch (e) {
    return usageError('worker', e instanceof EmosigError ? `${e.code}: ${errorInfo(e).message}` : (e as Error).message, HELP);
  }
  let w: QueueWorker;
  try {
    w = await createWorker({
      connection: v.queue,
      queue: v['queue-name'],
      ...(opts.allowedRoots ? { allowedRoots: opts.allowedRoots } : {}),
      concurrency: opts.concurrency,
      analyzer: { config: opts.config },
      maxDownMs: opts.maxDownMs,
      lockDuration: opts.lockDuration,
      stalledInterval: opts.stalledInterval,
      onEvent: (e) => say(describe(e)),
    });
  } catch (e) {
    const err = errorInfo(e);
    say(`${err.code}: ${err.message}`);
    return 1;
  }
  say(`waiting for jobs on queue '${v['queue-name'] ?? DEFAULT_QUEUE}' at ${redactUrl(v.queue)} (pid ${process.pid})`);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    say(signals === 1 ? `${sig}: finishing the running jobs (up to ${opts.graceMs / 1000} s), taking no new ones` : `${sig}: stopping now; running jobs go back to the queue`);
    void w.close(signals === 1 ? opts.graceMs : 0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await w.done;
    say('stopped');
    return 0;
  } catch (e) {
    const err = errorInfo(e);
    say(`${err.code}: ${err.message}`);
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
