/**
 * ONNX Runtime for every emosig model, with a fallback so that a plain `npm install emosig` always works:
 *
 * - `onnxruntime-node` (native CPU, fastest) is an *optional* dependency. On Linux x64 its install script tries
 *   to download CUDA files from nuget.org; offline that fails, npm then drops the optional package and the
 *   install still succeeds.
 * - `onnxruntime-web` (a regular dependency) runs the same models on its WebAssembly CPU backend inside Node,
 *   single-threaded, with the .wasm file from the installed package (nothing is downloaded).
 *
 * The backend is picked once per process: `EMOSIG_ORT_BACKEND=node|web` forces one, default `auto` = native if it
 * loads, else wasm. `onnxBackend()` says which one is active and why; every reading reports it (`model.backend`).
 */
import { existsSync, readFileSync } from 'node:fs';
import type * as Ort from 'onnxruntime-common';
import { MAX_THREADS } from '../limits.js';
import { EmosigError } from '../errors.js';
import { loadModel } from './registry.js';

export type OnnxBackendName = 'node' | 'web';

export interface OnnxOptions {
  /** Threads for one operator (default 1: emosig parallelises across files, not inside a model). */
  intraOpThreads?: number;
  interOpThreads?: number;
  /** Run this model on a given backend instead of the process's one (tests and benchmarks). */
  backend?: OnnxBackendName;
}

/** The runtime module of one backend: the `InferenceSession` and `Tensor` of that package. */
export interface OnnxRuntime {
  name: OnnxBackendName;
  /** 'onnxruntime-node/cpu' or 'onnxruntime-web/wasm' (what readings report). */
  label: 'onnxruntime-node/cpu' | 'onnxruntime-web/wasm';
  InferenceSession: typeof Ort.InferenceSession;
  Tensor: typeof Ort.Tensor;
  /** Why the native backend is not used (only on the fallback). */
  fallbackReason?: string;
}

export interface LoadedSession {
  session: Ort.InferenceSession;
  path: string;
  backend: OnnxRuntime['label'];
  /** The Tensor class to feed this session with (tensors of one backend are not accepted by the other). */
  Tensor: typeof Ort.Tensor;
}

type OrtModule = { InferenceSession: typeof Ort.InferenceSession; Tensor: typeof Ort.Tensor; env?: { wasm?: { numThreads?: number } } };

// A variable specifier, so bundlers leave these imports alone (both are resolved from node_modules at run time).
const NODE_PKG: string = 'onnxruntime-node';
const WEB_PKG: string = 'onnxruntime-web';

const runtimes = new Map<OnnxBackendName, Promise<OnnxRuntime>>();

async function importRuntime(name: OnnxBackendName): Promise<OnnxRuntime> {
  const pkg = name === 'node' ? NODE_PKG : WEB_PKG;
  let mod: OrtModule & { default?: OrtModule };
  try {
    mod = (await import(pkg)) as OrtModule & { default?: OrtModule };
  } catch (e) {
    throw new EmosigError(
      'BACKEND_UNAVAILABLE',
      `${pkg} could not be loaded (${(e as Error).message.split('\n')[0]}). ${
        name === 'node'
          ? 'Reinstall with `npm install onnxruntime-node` (offline on Linux x64: set ONNXRUNTIME_NODE_INSTALL=skip first), or unset EMOSIG_ORT_BACKEND to use the wasm fallback.'
          : 'Reinstall emosig (onnxruntime-web is one of its dependencies).'
      }`,
      { cause: e },
    );
  }
  const ort = mod.InferenceSession ? mod : (mod.default as OrtModule);
  if (name === 'web' && ort.env?.wasm) ort.env.wasm.numThreads = 1; // no worker threads; emosig parallelises across files
  return { name, label: name === 'node' ? 'onnxruntime-node/cpu' : 'onnxruntime-web/wasm', InferenceSession: ort.InferenceSession, Tensor: ort.Tensor };
}

function runtimeFor(name: OnnxBackendName): Promise<OnnxRuntime> {
  let p = runtimes.get(name);
  if (!p) {
    p = importRuntime(name);
    runtimes.set(name, p);
    p.catch(() => runtimes.delete(name));
  }
  return p;
}

let active: Promise<OnnxRuntime> | undefined;
let activeSync: OnnxRuntime | undefined;

function wanted(): 'auto' | OnnxBackendName {
  const v = (process.env.EMOSIG_ORT_BACKEND ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'node' || v === 'web') return v;
  throw new EmosigError('INVALID_OPTIONS', `EMOSIG_ORT_BACKEND must be auto, node or web (got "${v.slice(0, 20)}").`);
}

/**
 * The ONNX Runtime backend this process uses (loaded on first call): native onnxruntime-node when it loads,
 * else onnxruntime-web's wasm backend, unless `EMOSIG_ORT_BACKEND` forces one.
 */
export function onnxRuntime(): Promise<OnnxRuntime> {
  if (!active) {
    active = (async () => {
      const want = wanted();
      if (want !== 'auto') return runtimeFor(want);
      try {
        return await runtimeFor('node');
      } catch (e) {
        const web = await runtimeFor('web');
        return { ...web, fallbackReason: `onnxruntime-node is not installed or does not load here (${(e as Error).message.split(' (')[0]}); using the wasm backend` };
      }
    })();
    active.then((r) => (activeSync = r)).catch(() => (active = undefined));
  }
  return active;
}

/** Name and fallback reason of the active backend (loads it if needed). */
export async function onnxBackend(): Promise<{ backend: OnnxRuntime['label']; fallbackReason?: string }> {
  const r = await onnxRuntime();
  return { backend: r.label, ...(r.fallbackReason ? { fallbackReason: r.fallbackReason } : {}) };
}

/**
 * Load (once; later calls share the session) an ONNX model from a file path. Sessions are cached by the model
 * registry under the file's path, on-disk version (size, mtime) and session options, so a file replaced on disk
 * is loaded again; a failed load is not cached.
 */
export function loadOnnx(path: string, opts: OnnxOptions = {}, what = 'model'): Promise<LoadedSession> {
  for (const k of ['intraOpThreads', 'interOpThreads'] as const) {
    const n = opts[k];
    if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= MAX_THREADS)) {
      return Promise.reject(new EmosigError('INVALID_OPTIONS', `${k} must be a whole number from 1 to ${MAX_THREADS} (got ${String(n)})`));
    }
  }
  return loadModel({ name: 'onnx-session', path, variant: `${opts.intraOpThreads ?? 1}|${opts.interOpThreads ?? 1}|${opts.backend ?? ''}` }, async () => {
    if (!existsSync(path)) {
      throw new EmosigError(
        'MODEL_MISSING',
        `the ${what} file is missing. Reinstall emosig (the file ships in the package) or re-run its training script.`,
        { input: path },
      );
    }
    const rt = opts.backend ? await runtimeFor(opts.backend) : await onnxRuntime();
    try {
      const session = await rt.InferenceSession.create(readFileSync(path), {
        intraOpNumThreads: opts.intraOpThreads ?? 1,
        interOpNumThreads: opts.interOpThreads ?? 1,
        executionProviders: [rt.name === 'node' ? 'cpu' : 'wasm'],
        graphOptimizationLevel: 'all',
      });
      return { session, path, backend: rt.label, Tensor: rt.Tensor };
    } catch (e) {
      throw new EmosigError('MODEL_INVALID', `onnxruntime could not load the ${what}: ${(e as Error).message}`, {
        input: path,
        cause: e,
      });
    }
  });
}

/**
 * `ort.Tensor` of the active backend, for code that builds inputs for sessions from `loadOnnx` (which loads the
 * backend first). Prefer `LoadedSession.Tensor` where a session is at hand.
 */
export const ort = {
  get Tensor(): typeof Ort.Tensor {
    if (!activeSync) throw new EmosigError('BACKEND_UNAVAILABLE', 'ONNX Runtime is not loaded yet: load a model with loadOnnx() first.');
    return activeSync.Tensor;
  },
};
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace ort {
  type InferenceSession = Ort.InferenceSession;
  type Tensor = Ort.Tensor;
}
