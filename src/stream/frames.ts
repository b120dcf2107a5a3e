/**
 * The stream's video input: pushed frames are checked, wait for the face model in a queue of `maxPendingFrames`
 * (the oldest waiting frame is dropped and counted when it is full), and are analysed one at a time by the face
 * analyser (a worker thread by default). An image that cannot be decoded is skipped with a warning; a face model
 * that cannot start leaves the stream running without faces.
 */
import { errorInfo } from '../errors.js';
import type { FrameReading } from '../vision/index.js';
import { inProcessFaces, workerFaces, type StreamFaces } from './faces.js';
import { checkFrame, type PendingFrame } from './input.js';
import type { StreamFrame, StreamOptions } from './types.js';

/** What the frame lane needs from its stream. */
export interface FrameHost {
  /** Whether the stream has failed (stop analysing). */
  failed(): boolean;
  /** Run a background loop: a failure stops the stream; `done` runs either way. */
  guarded(body: () => Promise<void>, done: () => void): Promise<void>;
  warn(code: string, message: string): void;
  /** An analysed frame at `time`; `dt` is the time since the previous analysed frame (≤ 1 s; 0.2 for the first). */
  onReading(reading: FrameReading, time: number, dt: number): Promise<void>;
}

export class FrameLane {
  readonly stats = { pushed: 0, analysed: 0, dropped: 0, failed: 0, ignored: 0 };
  /** Times of the analysed frames (the signature's frame clock). */
  readonly times: number[] = [];
  /** Why the face analyser could not start, if it could not. */
  error?: unknown;
  /** The analysis loop while it runs. */
  busy?: Promise<void>;
  private pending: PendingFrame[] = [];
  private lastPushed?: number;
  private lastAnalysed?: number;
  private analyzer?: Promise<StreamFaces>;

  constructor(
    private readonly o: Pick<StreamOptions, 'faceThread' | 'face'>,
    private readonly maxPending: number,
    private readonly host: FrameHost,
  ) {}

  /** The face analyser, started on first use. */
  faces(): Promise<StreamFaces> {
    this.analyzer ??= (this.o.faceThread === false ? inProcessFaces : workerFaces)(this.o.face ?? {});
    return this.analyzer;
  }

  /** The face analyser if it was started (not closed), without starting it. */
  started(): Promise<StreamFaces> | undefined {
    return this.analyzer;
  }

  async close(): Promise<void> {
    const f = this.analyzer;
    this.analyzer = undefined;
    if (f) await f.then((a) => a.close()).catch(() => undefined);
  }

  /**
   * Check a frame and queue it (only counted without consent). Returns whether it was taken without dropping
   * a waiting frame, and whether it was queued at all.
   */
  push(frame: StreamFrame, time: number, consent: boolean): { queued: boolean; dropped: boolean } {
    const pending = checkFrame(frame, time, this.lastPushed);
    this.lastPushed = time;
    this.stats.pushed++;
    if (!consent) {
      this.stats.ignored++;
      return { queued: false, dropped: false };
    }
    let dropped = false;
    this.pending.push(pending);
    while (this.pending.length > this.maxPending) {
      this.pending.shift();
      this.stats.dropped++;
      dropped = true;
    }
    if (!this.busy) this.busy = this.host.guarded(() => this.run(), () => (this.busy = undefined));
    return { queued: true, dropped };
  }

  /** End of the last analysed frame (s), 0 without one. */
  get end(): number {
    return this.times.length ? this.times[this.times.length - 1] + 0.2 : 0;
  }

  private async run(): Promise<void> {
    let analyzer: StreamFaces;
    try {
      analyzer = await this.faces();
    } catch (e) {
      // the face models cannot run here: the stream goes on without faces
      this.error ??= e;
      const n = this.pending.length;
      this.pending = [];
      this.stats.failed += n;
      if (n) this.host.warn(errorInfo(e).code, `the face analyser could not start (${errorInfo(e).message}); frames are not analysed`);
      return;
    }
    while (this.pending.length && !this.host.failed()) {
      const f = this.pending.shift()!;
      let reading: FrameReading;
      try {
        reading = await analyzer.frame({ image: f.image, encoded: f.encoded }, f.time, f.source);
      } catch (e) {
        // an undecodable image: this frame is skipped, the stream goes on
        this.stats.failed++;
        const info = errorInfo(e);
        this.host.warn(info.code, `${f.source}: ${info.message} (frame skipped)`);
        continue;
      }
      this.stats.analysed++;
      this.times.push(f.time);
      const dt = this.lastAnalysed !== undefined ? Math.min(1, f.time - this.lastAnalysed) : 0.2;
      this.lastAnalysed = f.time;
      await this.host.onReading(reading, f.time, dt);
    }
  }
}
