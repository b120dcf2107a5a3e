/**
 * emosig batch INPUT_DIR|MANIFEST --out DIR [--concurrency N] [--speakers a,b] [--force]
 * emosig batch INPUT_DIR|MANIFEST --out DIR --enqueue REDIS_URL [--queue-name NAME] [--attempts N] [--retry-failed]
 */
import { resolve } from 'node:path';
import { EmosigError, errorInfo } from '../errors.js';
import { configOf, type EmosigConfig } from '../config.js';
import { readManifest, type Manifest } from '../batch/manifest.js';
import { analyzeBatch, defaultConcurrency } from '../batch/pool.js';
import { DEFAULT_QUEUE, enqueueManifest, redactUrl } from '../batch/queue.js';
import { num } from './analyze.js';
import { MAX_THREADS } from '../limits.js';
import { CONFIG_HELP, parseCommand, progressBar, readConfigFile, usageError } from './common.js';

const HELP = `Usage: emosig batch INPUT_DIR|MANIFEST --out DIR [options]

Analyses many interactions, each into DIR/<id>.signature.json, on a pool of worker threads (one model load
per thread), and writes DIR/summary.csv (per interaction: status, duration, modalities, each speaker's dominant
emotion and escalation score, the top escalation reasons, the error if any).

Inputs:
  MANIFEST.csv             header id,audio,video,frames,chat,speakers (paths relative to the manifest's folder;
                           speakers like "customer|agent")
  MANIFEST.jsonl           one {"id", "audio", "video", "frames", "chat", "speakers"} object per line
  INPUT_DIR                files grouped by name: call1.wav (audio), call1.mp4 (video), call1.json / .jsonl /
                           .csv / .txt (chat), call1/ or call1.frames/ (a folder of frames)

Options:
  -o, --out DIR            output folder (created if missing)
  -c, --concurrency N      worker threads (default: CPUs, at most 4; here ${defaultConcurrency()})
  --speakers a,b           speaker names for rows without their own (default customer,agent)
  --force                  analyse again even when a valid signature exists (default: skip it — resumable)
  --enqueue REDIS_URL      do not analyse here: add one BullMQ job per interaction to the queue for
                           'emosig worker --queue REDIS_URL' processes (re-enqueueing never duplicates a job)
  --queue-name NAME        queue name (default ${DEFAULT_QUEUE})
  --attempts N             tries per job (default 3, exponential back-off)
  --retry-failed           with --enqueue: first move the queue's failed jobs back to waiting
${CONFIG_HELP}
  -h, --help

A bad manifest row or a failing interaction prints one error line (code, row, what is wrong, what to do) and
gets DIR/<id>.error.json; the others go on. Exit code 1 if any failed, 2 on bad usage, 130 when interrupted
(Ctrl-C stops starting new interactions; running ones finish; re-run to resume).
`;

const OPTIONS = {
  config: { type: 'string' },
  out: { type: 'string', short: 'o' },
  concurrency: { type: 'string', short: 'c' },
  speakers: { type: 'string' },
  force: { type: 'boolean' },
  enqueue: { type: 'string' },
  'queue-name': { type: 'string' },
  attempts: { type: 'string' },
  'retry-failed': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const say = (line: string) => process.stderr.write(`emosig batch: ${line}\n`);

/** A whole number ≥ 1 from a flag, or undefined (throws a usage message). */
export function count(v: string | undefined, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const n = num(v, name);
  if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= max)) throw new Error(`--${name} must be a whole number from 1 to ${max} (got '${v}')`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const a = parseCommand('batch', HELP, { args: argv, options: OPTIONS, allowPositionals: true });
  if (typeof a === 'number') return a;
  const v = a.values;
  const usage = (message: string) => usageError('batch', message, HELP);
  if (a.positionals.length !== 1) return usage('give one INPUT_DIR or MANIFEST');
  if (!v.out) return usage('--out DIR is required');
  let concurrency: number | undefined, attempts: number | undefined;
  try {
    concurrency = count(v.concurrency, 'concurrency', MAX_THREADS);
    attempts = count(v.attempts, 'attempts');
  } catch (e) {
    return usage((e as Error).message);
  }
  // one resolution through EmosigConfig: --config FILE, then --speakers over it
  let config: EmosigConfig;
  try {
    config = configOf({ ...(v.config ? { config: readConfigFile(v.config) } : {}), ...(v.speakers ? { speakers: v.speakers.split(',').map((s) => s.trim()) } : {}) }, 'emosig batch');
  } catch (e) {
    return usage(e instanceof EmosigError ? `${e.code}: ${errorInfo(e).message}` : (e as Error).message);
  }
  const speakers = v.speakers ? config.call.speakers : undefined;
  const out = resolve(v.out);

  let manifest: Manifest;
  try {
    manifest = readManifest(a.positionals[0], { exclude: [out] });
  } catch (e) {
    const err = errorInfo(e);
    say(`${err.code}: ${err.message}`);
    return 1;
  }
  if (manifest.ignored.length) say(`ignored ${manifest.ignored.length} file(s) of no known kind (e.g. ${manifest.ignored[0]})`);
  const interactions = speakers ? manifest.interactions.map((it) => ({ ...it, speakers: it.speakers ?? speakers })) : manifest.interactions;

  if (v.enqueue) {
    for (const iss of manifest.issues) say(`${iss.error.code}: ${iss.error.message}`);
    try {
      const { jobIds } = await enqueueManifest({ connection: v.enqueue, queue: v['queue-name'], interactions, out, attempts, retryFailed: !!v['retry-failed'] });
      say(`enqueued ${jobIds.length} job(s) on queue '${v['queue-name'] ?? DEFAULT_QUEUE}' at ${redactUrl(v.enqueue)} (output: ${out}); run 'emosig worker --queue URL' to process them`);
    } catch (e) {
      const err = errorInfo(e);
      say(`${err.code}: ${err.message}`);
      return 1;
    }
    return manifest.issues.length ? 1 : 0;
  }

  const bar = progressBar(interactions.length + manifest.issues.length, 'batch');
  const stop = new AbortController();
  const onSignal = () => {
    say('interrupted: finishing the running interactions, starting no new ones (run again to resume)');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  try {
    const r = await analyzeBatch(interactions, {
      out,
      concurrency,
      analyzer: { config },
      force: !!v.force,
      issues: manifest.issues,
      signal: stop.signal,
      onResult: (row) => {
        if (row.status === 'error') say(`${row.error!.code}: ${row.error!.message}`);
        bar.tick();
      },
    });
    bar.stop();
    const analysed = r.ok + r.failed;
    const rate = analysed && r.elapsedMs > 0 ? ` (${((r.ok / r.elapsedMs) * 60_000).toFixed(1)} interactions/min)` : '';
    say(`${r.ok} analysed, ${r.skipped} already done, ${r.failed} failed${r.cancelled ? `, ${r.cancelled} not started` : ''} in ${(r.elapsedMs / 1000).toFixed(1)} s${rate}; summary: ${r.summaryPath}`);
    return r.cancelled ? 130 : r.failed ? 1 : 0;
  } catch (e) {
    bar.stop();
    const err = errorInfo(e);
    say(`${err.code}: ${err.message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
