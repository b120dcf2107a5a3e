import { existsSync, readFileSync } from 'node:fs';
import { MAX_THREADS } from '../limits.js';
import * as ort from 'onnxruntime-node';
import { EmosigError } from '../errors.js';

export interface OnnxOptions {
  /** Threads for one operator (default 1: emosig parallelises across files, not inside a model). */
  intraOpThreads?: number;
  interOpThreads?: number;
}

export interface LoadedSession {
  session: ort.InferenceSession;
  path: string;
  backend: 'onnxruntime-node/cpu';
}

const cache = new Map<string, Promise<LoadedSession>>();

/** Load (once; later calls share the session) an ONNX model from a file path. */
export function loadOnnx(path: string, opts: OnnxOptions = {}, what = 'model'): Promise<LoadedSession> {
  for (const k of ['intraOpThreads', 'interOpThreads'] as const) {
    const n = opts[k];
    if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= MAX_THREADS)) {
      return Promise.reject(new EmosigError('INVALID_OPTIONS', `${k} must be a whole number from 1 to ${MAX_THREADS} (got ${String(n)})`));
    }
  }
  const key = `${path}|${opts.intraOpThreads ?? 1}|${opts.interOpThreads ?? 1}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      if (!existsSync(path)) {
        throw new EmosigError(
          'MODEL_MISSING',
          `the ${what} file is missing. Reinstall emosig (the file ships in the package) or re-run its training script.`,
          { input: path },
        );
      }
      try {
        const session = await ort.InferenceSession.create(readFileSync(path), {
          intraOpNumThreads: opts.intraOpThreads ?? 1,
          interOpNumThreads: opts.interOpThreads ?? 1,
          executionProviders: ['cpu'],
          graphOptimizationLevel: 'all',
        });
        return { session, path, backend: 'onnxruntime-node/cpu' as const };
      } catch (e) {
        throw new EmosigError('MODEL_INVALID', `onnxruntime could not load the ${what}: ${(e as Error).message}`, {
          input: path,
          cause: e,
        });
      }
    })();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

export { ort };
