/**
 * TF.js backend selection for development scripts (voice training). Never imported by src/: the library runs
 * every model on onnxruntime-node.
 *
 * `@tensorflow/tfjs-node` (native TensorFlow) is used when it is installed and loads; it is an
 * optionalDependency whose installer downloads a binary, so it is often absent (offline installs, CI).
 * Otherwise `@tensorflow/tfjs` runs on `@tensorflow/tfjs-backend-wasm`, with the .wasm files loaded
 * from the installed package (nothing is downloaded). Every result reports the backend it ran on.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EmosigError } from '../../src/errors.js';
import { packageRoot } from '../../src/runtime/paths.js';

// TF.js ships as CommonJS; load it through require so face-api (also CommonJS) shares one engine.
const req = createRequire(join(packageRoot(), 'package.json'));

export type TfjsBackendName = 'tensorflow' | 'wasm' | 'cpu';
export type Tf = typeof import('@tensorflow/tfjs');

export interface TfjsRuntime {
  tf: Tf;
  /** The active TF.js backend: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  backend: TfjsBackendName;
  /** Why the preferred backend was not used (e.g. tfjs-node's native binary is missing). */
  fallbackReason?: string;
  /** WASM threads in use (1 = single-threaded), when the backend is wasm. */
  threads?: number;
}

export interface TfjsOptions {
  /** Force a backend. Default: 'auto' (tfjs-node if it loads, else wasm). Env: EMOSIG_TFJS_BACKEND. */
  backend?: 'auto' | TfjsBackendName;
  /** WASM thread count (default 1: one core per process). Env: EMOSIG_WASM_THREADS. */
  threads?: number;
}

let ready: Promise<TfjsRuntime> | undefined;

/** Initialise TF.js once per process and return it with the backend that is active. */
export function getTfjs(opts: TfjsOptions = {}): Promise<TfjsRuntime> {
  if (!ready) {
    ready = init(opts).catch((e) => {
      ready = undefined;
      throw e;
    });
  }
  return ready;
}

async function init(opts: TfjsOptions): Promise<TfjsRuntime> {
  const want = (opts.backend ?? (process.env.EMOSIG_TFJS_BACKEND as TfjsOptions['backend']) ?? 'auto') || 'auto';
  let fallbackReason: string | undefined;
  if (want === 'auto' || want === 'tensorflow') {
    try {
      const tfn = req('@tensorflow/tfjs-node') as Tf;
      await tfn.setBackend('tensorflow');
      await tfn.ready();
      return { tf: tfn, backend: 'tensorflow' };
    } catch (e) {
      fallbackReason = `@tensorflow/tfjs-node not usable (${firstLine(e)})`;
      if (want === 'tensorflow') {
        throw new EmosigError('BACKEND_UNAVAILABLE', `${fallbackReason}; install it with its native binary or use the wasm backend`, { cause: e });
      }
    }
  }
  let tf: Tf;
  try {
    tf = req('@tensorflow/tfjs') as Tf;
  } catch (e) {
    throw new EmosigError('BACKEND_UNAVAILABLE', `@tensorflow/tfjs could not be loaded (${firstLine(e)}); reinstall emosig's dependencies`, { cause: e });
  }
  // Silence the "Hi there 👋. Looks like you are running TensorFlow.js in Node.js" banner.
  tf.env().set('IS_NODE', true);
  if (want === 'cpu') {
    await tf.setBackend('cpu');
    await tf.ready();
    return { tf, backend: 'cpu', fallbackReason };
  }
  try {
    const wasm = req('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    const dir = dirname(req.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(dir.endsWith('/') ? dir : dir + '/');
    const threads = Math.max(1, Math.floor(opts.threads ?? Number(process.env.EMOSIG_WASM_THREADS ?? 1)) || 1);
    wasm.setThreadsCount(threads);
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('tf.setBackend("wasm") returned false');
    await tf.ready();
    return { tf, backend: 'wasm', fallbackReason, threads: wasm.getThreadsCount() };
  } catch (e) {
    if (want === 'wasm') {
      throw new EmosigError('BACKEND_UNAVAILABLE', `the TF.js wasm backend failed to start (${firstLine(e)})`, { cause: e });
    }
    fallbackReason = [fallbackReason, `wasm backend failed (${firstLine(e)})`].filter(Boolean).join('; ');
    await tf.setBackend('cpu');
    await tf.ready();
    return { tf, backend: 'cpu', fallbackReason };
  }
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0].slice(0, 200);
}
