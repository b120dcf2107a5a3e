/**
 * Typed errors. Every error emosig throws on purpose is an `EmosigError` with a stable `code`
 * (safe to switch on) and a message that says which input, what is wrong and what to do.
 */
export const ERROR_CODES = [
  // generic input
  'INPUT_NOT_FOUND',
  'INPUT_IS_DIRECTORY',
  'INPUT_UNREADABLE',
  'INPUT_NOT_A_FILE',
  'INPUT_TOO_LARGE',
  'INVALID_OPTIONS',
  // evaluation (emosig eval)
  'EVAL_TOO_FEW_CLASSES',
  'EVAL_UNKNOWN_LABEL',
  // audio
  'AUDIO_UNSUPPORTED_FORMAT',
  'AUDIO_TRUNCATED',
  'AUDIO_EMPTY',
  'AUDIO_INVALID_SAMPLES',
  'AUDIO_BAD_SAMPLE_RATE',
  'AUDIO_TOO_MANY_CHANNELS',
  'AUDIO_TOO_LONG',
  'AUDIO_NO_SPEECH',
  // vision
  'IMAGE_UNSUPPORTED_FORMAT',
  'IMAGE_CORRUPT',
  'IMAGE_TOO_LARGE',
  'VIDEO_UNSUPPORTED',
  'VIDEO_NO_STREAM',
  'FFMPEG_MISSING',
  // text
  'TEXT_PARSE_ERROR',
  'TEXT_EMPTY',
  // models / runtime
  'MODEL_MISSING',
  'MODEL_INVALID',
  'BACKEND_UNAVAILABLE',
  'WORKER_MISSING',
  // training (emosig train voice)
  'TRAIN_TOO_FEW_SPEAKERS',
  'TRAIN_TOO_FEW_CLASSES',
  // fusion / stream
  'NOTHING_USABLE',
  'STREAM_CLOSED',
  'STREAM_BAD_CHUNK',
  'STREAM_RATE_MISMATCH',
  'STREAM_BAD_FRAME',
  'STREAM_BAD_MESSAGE',
  'STREAM_OUT_OF_ORDER',
  'STREAM_OVERFLOW',
  // batch / queue
  'MANIFEST_INVALID',
  'MANIFEST_ROW_INVALID',
  'BATCH_WORKER_CRASHED',
  'BATCH_CANCELLED',
  'OUTPUT_WRITE_FAILED',
  'QUEUE_UNAVAILABLE',
  'QUEUE_JOB_INVALID',
] as const;

export type EmosigErrorCode = (typeof ERROR_CODES)[number];

/**
 * Brand on every EmosigError, registered globally (`Symbol.for`), so that `isEmosigError` and `instanceof` also
 * recognise errors thrown by the other build of emosig (the CommonJS and the ESM bundle are two classes when an
 * app loads both, or two installed copies meet).
 */
const BRAND: unique symbol = Symbol.for('emosig.error') as never;

export class EmosigError extends Error {
  /** Cross-build check: `e instanceof EmosigError` is true for an error of any copy or build of emosig. */
  static override [Symbol.hasInstance](e: unknown): boolean {
    return isEmosigError(e);
  }

  readonly code: EmosigErrorCode;
  /** The file, stream or message the error is about, when there is one. */
  readonly input?: string;
  override readonly cause?: unknown;

  constructor(code: EmosigErrorCode, message: string, opts: { input?: string; cause?: unknown } = {}) {
    super(opts.input ? `${opts.input}: ${message}` : message);
    this.name = 'EmosigError';
    this.code = code;
    this.input = opts.input;
    this.cause = opts.cause;
    Object.defineProperty(this, BRAND, { value: true });
  }

  toJSON(): { code: EmosigErrorCode; message: string; input?: string } {
    return { code: this.code, message: this.message, ...(this.input ? { input: this.input } : {}) };
  }
}

/** True for an error thrown by emosig, whichever build (ESM or CommonJS) or installed copy threw it. */
export function isEmosigError(e: unknown): e is EmosigError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** Turn anything thrown into `{ code, message }` for JSON lines and CLI output. */
export function errorInfo(e: unknown): { code: string; message: string } {
  if (isEmosigError(e)) return { code: e.code, message: e.message };
  if (e instanceof Error) return { code: 'INTERNAL', message: e.message };
  return { code: 'INTERNAL', message: String(e) };
}
