/**
 * Documented bounds on what a caller can ask of emosig. Each is enforced with a typed `EmosigError`
 * (INVALID_OPTIONS, INPUT_TOO_LARGE, STREAM_BAD_MESSAGE, ...) instead of running forever or growing memory.
 */

/** Longest interaction timeline (s): 24 h. Times, offsets and spans beyond it are refused or flagged. */
export const MAX_TIMELINE_SEC = 24 * 3600;
/** Most fusion windows one timeline may have (duration ÷ hop). */
export const MAX_WINDOWS = 200_000;
/** Smallest window hop (s). */
export const MIN_HOP_SEC = 0.05;
/** Frame-rate range for video sampling and frame-directory time bases. */
export const MIN_FPS = 0.01;
export const MAX_FPS = 60;
/** Face detector input side (px, multiple of 32): range the TinyFaceDetector is run at. */
export const MIN_INPUT_SIZE = 96;
export const MAX_INPUT_SIZE = 1024;
/** Most faces classified per frame. */
export const MAX_FACES = 100;
/** Largest chat transcript read from a file or stdin (bytes): 64 MiB. */
export const MAX_TRANSCRIPT_BYTES = 64 << 20;
/** Largest signature JSON read by `report --signature` (bytes): 64 MiB. */
export const MAX_SIGNATURE_BYTES = 64 << 20;
/** Largest batch manifest (bytes): 64 MiB. */
export const MAX_MANIFEST_BYTES = 64 << 20;
/** Most messages one transcript may hold. */
export const MAX_MESSAGES = 2_000_000;
/** Thread counts (onnxruntime intra-op threads, CLI --threads / --concurrency). */
export const MAX_THREADS = 64;
