/**
 * The time base of frames, in one place: a video is sampled at `fps` frames a second, and the frames of a
 * folder are `fps` frames a second apart (times from the numbers in their names ÷ fps, else their order ÷ fps).
 * `analyze`, `analyzeFaces`, `emosig analyze` and `emosig face` all use this default and this check.
 */
import { EmosigError } from '../errors.js';
import { MIN_FPS, MAX_FPS } from '../limits.js';
import { DEFAULT_CONFIG } from '../config.js';

/** Default frame rate (frames per second) of video sampling and of a frame folder's clock (config face.fps). */
export const DEFAULT_FPS = DEFAULT_CONFIG.face.fps;
/** Lowest and highest accepted frame rates (src/limits.ts). */
export { MIN_FPS, MAX_FPS };

/** `fps` if it is a number in [MIN_FPS, MAX_FPS], else `DEFAULT_FPS` when undefined; otherwise an INVALID_OPTIONS error. */
export function checkFps(fps: unknown, where = 'fps'): number {
  if (fps === undefined) return DEFAULT_FPS;
  if (typeof fps !== 'number' || !Number.isFinite(fps) || !(fps >= MIN_FPS && fps <= MAX_FPS)) {
    throw new EmosigError('INVALID_OPTIONS', `${where} must be a number of frames per second in [${MIN_FPS}, ${MAX_FPS}] (got ${String(fps).slice(0, 20)}); the default is ${DEFAULT_FPS}.`);
  }
  return fps;
}
