/**
 * The model registry: every model emosig loads (voice, text, face nets, fusion reliability, VAD, CX
 * satisfaction) goes through `loadModel`, so there is one cache, one way to report a missing or corrupt file,
 * and one place that knows which models are loaded (`loadedModels()`, for a result's `models` block).
 *
 * The cache key is the model's name, its resolved path, and the on-disk version of its description file
 * (size and modification time), plus any loader options that change the loaded object. A custom folder
 * (`analyzeVoice(x, { model: dir })`) gets its own entry; a model retrained in place is loaded again instead
 * of reusing the old one. A failed load is never cached.
 *
 * Adding a model: give it a name in `MODEL_NAMES`, and in its loader wrap the reading code in
 * `loadModel({ name, path, versionFile }, () => ...)`; use `readModelJson` for its JSON description and call
 * `recordModel` with its name/version/licence/backend once loaded.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { EmosigError } from '../errors.js';

export const MODEL_NAMES = ['voice', 'text', 'face', 'fusion-reliability', 'vad', 'cx-satisfaction'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** What a result says about a model it used. */
export interface ModelInfo {
  name: ModelName;
  /** The model's own name (from its card), e.g. "emosig-voice". */
  model?: string;
  version: string;
  license?: string;
  backend?: string;
  /** Resolved file or folder it was loaded from. */
  path: string;
}

export interface ModelRef {
  /** A model's name, or 'onnx-session' for the ONNX Runtime sessions its files open (src/runtime/onnx.ts). */
  name: ModelName | 'onnx-session';
  /** File or folder of the model. */
  path: string;
  /** File whose size/mtime is the on-disk version (default: `path`). */
  versionFile?: string;
  /** Loader options that change the loaded object (e.g. thread count). */
  variant?: string;
}

const cache = new Map<string, unknown>();
const infos = new Map<string, ModelInfo>();

function stamp(file: string): string {
  try {
    const st = statSync(file);
    return `${st.size}:${Math.round(st.mtimeMs)}`;
  } catch {
    return 'absent';
  }
}

/** Cache key of a model: name, resolved path, on-disk version, variant. */
export function modelKey(ref: ModelRef): string {
  const path = resolve(ref.path);
  return `${ref.name}|${path}|${stamp(resolve(ref.versionFile ?? path))}|${ref.variant ?? ''}`;
}

/**
 * Load a model once per key. `load` may return a value or a promise; a throw or a rejected promise leaves
 * nothing in the cache, so the next call tries again.
 */
export function loadModel<T>(ref: ModelRef, load: () => T): T {
  const key = modelKey(ref);
  if (cache.has(key)) return cache.get(key) as T;
  const v = load();
  cache.set(key, v);
  if (v instanceof Promise) v.catch(() => cache.delete(key));
  return v;
}

/** Note the card of a loaded model (the latest load of each name wins in `loadedModels`). */
export function recordModel(info: ModelInfo): ModelInfo {
  const full = { ...info, path: resolve(info.path) };
  infos.set(info.name, full);
  return full;
}

/** The card of the model last loaded under `name`, if any. */
export function modelInfo(name: ModelName): ModelInfo | undefined {
  return infos.get(name);
}

/** Cards of every model loaded so far in this process. */
export function loadedModels(): ModelInfo[] {
  return MODEL_NAMES.flatMap((n) => (infos.has(n) ? [infos.get(n)!] : []));
}

/** Forget every loaded model (tests; after retraining in-process). */
export function clearModelCache(): void {
  cache.clear();
  infos.clear();
}

/**
 * Read a model's JSON description: MODEL_MISSING when the file is absent, MODEL_INVALID when it is not JSON
 * or `check` rejects it (return a reason string to reject). Both name the file; `fix` says what to do.
 */
export function readModelJson<T>(path: string, what: string, fix: string, check?: (v: T) => string | undefined): T {
  if (!existsSync(path)) throw new EmosigError('MODEL_MISSING', `the ${what} is missing; ${fix}`, { input: path });
  let v: T;
  try {
    v = JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new EmosigError('MODEL_INVALID', `the ${what} is not valid JSON (${(e as Error).message}); ${fix}`, { input: path, cause: e });
  }
  const why = check?.(v);
  if (why) throw new EmosigError('MODEL_INVALID', `the ${what} ${why}; ${fix}`, { input: path });
  return v;
}
