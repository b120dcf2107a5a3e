/**
 * The face model of a live stream, in a worker thread (default) or in-process.
 *
 * Face inference (detection, landmarks, the expression models of every face on onnxruntime-node) takes several
 * ms a frame on one CPU core, far more on a loaded machine or with many faces, and blocks the thread it runs on;
 * on the stream's own thread it would hold up the audio path for that long at every frame. In a worker
 * thread the audio path keeps running and only the faces wait (frames that cannot be analysed in time are
 * dropped by the stream, not queued).
 */
import { getHeapStatistics } from 'node:v8';
import { EmosigError, type EmosigErrorCode, ERROR_CODES } from '../errors.js';
import { locateWorker, spawnWorker } from '../runtime/worker.js';
import { createFaceAnalyzer, decodeImage, type AnalyzeFacesOptions, type FaceReading, type FrameReading, type RgbImage } from '../vision/index.js';

export interface FaceInfo {
  backend: FaceReading['backend'];
  model: string;
  detector: string | null;
  version?: string;
  license?: string;
}

/** What the stream needs from a face analyser. */
export interface StreamFaces {
  readonly info: FaceInfo;
  /** Analyse one frame (raw RGB or encoded bytes) at `time`. */
  frame(input: { image?: RgbImage; encoded?: Uint8Array }, time: number, source: string): Promise<FrameReading>;
  tracks(): Promise<FaceReading['tracks']>;
  /** Diagnostics (bench/stream.ts): the V8 heap of the thread the faces run on, after a full GC there when `gc` and the GC is exposed (node --expose-gc). */
  memory(gc: boolean): Promise<FaceThreadMemory>;
  close(): Promise<void>;
}

/** The face thread's V8 heap (bytes), from v8.getHeapStatistics() of that thread. */
export interface FaceThreadMemory {
  thread: 'worker' | 'main';
  /** Whether a full GC of that thread ran first. */
  collected: boolean;
  heapUsed: number;
  heapTotal: number;
  /** Memory V8 allocated with malloc (outside the heap pages). */
  malloced: number;
  /** Off-heap memory V8 was told about (ArrayBuffers and the like) in that thread. */
  external: number;
}

/** The calling thread's heap, after a full GC when asked and exposed. */
export function threadMemory(thread: FaceThreadMemory['thread'], gc: boolean): FaceThreadMemory {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect) collect();
  const h = getHeapStatistics();
  return { thread, collected: gc && !!collect, heapUsed: h.used_heap_size, heapTotal: h.total_heap_size, malloced: h.malloced_memory, external: h.external_memory };
}

export type FaceOptions = Pick<AnalyzeFacesOptions, 'model' | 'detector' | 'tta' | 'align' | 'margin' | 'inputSize' | 'minScore' | 'maxFaces' | 'tracker' | 'crop'>;

/** Messages between the stream and its face worker. */
export type FaceRequest =
  | { type: 'init'; options: FaceOptions }
  | { type: 'frame'; id: number; time: number; source: string; image?: RgbImage; encoded?: Uint8Array }
  | { type: 'tracks'; id: number }
  | { type: 'memory'; id: number; gc: boolean };
export type FaceReply =
  | { type: 'ready'; info: FaceInfo }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id?: number; code: string; message: string };

/** In-process analyser (blocks the caller's thread while a frame is analysed). */
export async function inProcessFaces(options: FaceOptions): Promise<StreamFaces> {
  const a = await createFaceAnalyzer(options);
  return {
    info: { backend: a.backend, model: a.model, detector: a.detector, ...(a.version ? { version: a.version } : {}), ...(a.license ? { license: a.license } : {}) },
    async frame(input, time, source) {
      const img = input.image ?? (await decodeImage(input.encoded!, source));
      return a.frame(img, time, source);
    },
    tracks: async () => a.tracks(),
    memory: async (gc) => threadMemory('main', gc),
    close: async () => undefined,
  };
}

/** Where the worker script is: next to this file from source, dist/stream/face-worker.js from the build. */
function faceWorkerScript(): string {
  return locateWorker(import.meta.url, 'stream', 'face-worker', 'rebuild emosig (npm run build), or pass faceThread: false');
}

function toError(r: { code: string; message: string }): Error {
  return (ERROR_CODES as readonly string[]).includes(r.code) ? new EmosigError(r.code as EmosigErrorCode, r.message) : new Error(r.message);
}

/** The analyser in a worker thread. */
export async function workerFaces(options: FaceOptions): Promise<StreamFaces> {
  const worker = await spawnWorker(faceWorkerScript(), {}, 'stream face worker script');
  worker.unref();
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | undefined;
  const call = (msg: FaceRequest): Promise<unknown> => {
    if (dead) return Promise.reject(dead);
    return new Promise((resolve, reject) => {
      if ('id' in msg) waiting.set(msg.id, { resolve, reject });
      worker.ref(); // keeps the process alive while a frame is being analysed, not longer
      worker.postMessage(msg);
    });
  };
  return new Promise<StreamFaces>((resolve, reject) => {
    const fail = (e: Error) => {
      dead = e;
      for (const w of waiting.values()) w.reject(e);
      waiting.clear();
      reject(e);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!dead) fail(new EmosigError('BACKEND_UNAVAILABLE', `the face worker thread exited (code ${code})`));
    });
    worker.on('message', (r: FaceReply) => {
      if (r.type === 'ready') {
        resolve({
          info: r.info,
          // pixels are copied to the thread (a caller's buffer is never detached)
          frame: (input, time, source) => call({ type: 'frame', id: nextId++, time, source, ...input }) as Promise<FrameReading>,
          tracks: () => call({ type: 'tracks', id: nextId++ }) as Promise<FaceReading['tracks']>,
          memory: (gc) => call({ type: 'memory', id: nextId++, gc }) as Promise<FaceThreadMemory>,
          close: async () => {
            dead = new EmosigError('STREAM_CLOSED', 'the face worker was closed');
            worker.removeAllListeners('exit');
            await worker.terminate();
          },
        });
      } else if (r.type === 'error' && r.id === undefined) {
        fail(toError(r));
        void worker.terminate();
      } else if (r.id !== undefined) {
        const w = waiting.get(r.id);
        waiting.delete(r.id);
        if (!waiting.size) worker.unref();
        if (r.type === 'result') w?.resolve(r.value);
        else w?.reject(toError(r));
      }
    });
    worker.postMessage({ type: 'init', options } satisfies FaceRequest);
  });
}
