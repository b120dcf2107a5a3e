/**
 * One way to start emosig's worker threads, used by the batch pool (piscina) and by a live stream's face
 * worker:
 * - `locateWorker` finds the script: `name.ts` next to the calling module when running from source, else the
 *   built `dist/dir/name.js`; a missing script is WORKER_MISSING (not MODEL_MISSING), naming where it looked.
 * - `workerLaunch` checks a script exists and gives the thread options: a TypeScript script runs through tsx
 *   (`--import tsx` in the thread's execArgv), a built one as is. It also loads sharp (libvips) in the main
 *   thread first, once per process: a worker thread that loads it alone can have it unloaded under it.
 * - `spawnWorker` starts a plain `Worker` (a TypeScript one through a loader that registers tsx in the thread);
 *   piscina takes `workerLaunch`'s options as pool options (its own entry imports the script after the hooks).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { EmosigError } from '../errors.js';
import { packageRoot } from './paths.js';

/**
 * A worker-thread script of emosig's, `dir/name`: `name.ts` next to the calling module when running from
 * source (`callerUrl` is its `import.meta.url`), else the built `dist/dir/name.js` (found from the library
 * bundle in dist/, from a CLI chunk in dist/<sub>/, or from the package root). `fix` says what to do when it
 * is missing.
 */
export function locateWorker(callerUrl: string, dir: string, name: string, fix: string): string {
  const here = fileURLToPath(callerUrl);
  const at = dirname(here);
  const candidates = here.endsWith('.ts')
    ? [join(at, `${name}.ts`)]
    : [join(at, dir, `${name}.js`), join(at, '..', dir, `${name}.js`), join(packageRoot(), 'dist', dir, `${name}.js`)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new EmosigError('WORKER_MISSING', `the ${dir}/${name} worker script is missing (looked at ${candidates.join(', ')}); ${fix}`);
  return found;
}

let sharp: Promise<unknown> | undefined;

/** Load sharp in the main thread (once) before any worker thread uses it. */
export function preloadSharp(): Promise<unknown> {
  return (sharp ??= import('sharp').catch(() => undefined));
}

export interface WorkerLaunch {
  /** Absolute path of the script. */
  file: string;
  /** `['--import', 'tsx']` for a TypeScript script (from source), else absent. */
  execArgv?: string[];
}

/** Check the script and prepare the main thread; the options a thread running `file` needs. */
export async function workerLaunch(file: string, what = 'worker script'): Promise<WorkerLaunch> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new EmosigError('WORKER_MISSING', `the ${what} does not exist; check the path, or rebuild emosig (npm run build)`, { input: abs });
  await preloadSharp();
  return { file: abs, ...(abs.endsWith('.ts') ? { execArgv: ['--import', 'tsx'] } : {}) };
}

/** Start a worker thread running `file` (TypeScript through tsx, built JavaScript as is). */
export async function spawnWorker(file: string, opts: WorkerOptions = {}, what?: string): Promise<Worker> {
  const l = await workerLaunch(file, what);
  if (!l.execArgv) return new Worker(l.file, opts);
  // a thread's entry script is loaded before --import hooks apply to it, so the entry is a one-line loader that
  // registers tsx in the thread, then imports the TypeScript file
  let api = 'tsx/esm/api';
  try {
    api = import.meta.resolve(api);
  } catch {
    /* the bare name, resolved from the working directory */
  }
  const boot = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(l.file).href)}); });`;
  return new Worker(boot, { ...opts, eval: true });
}
