/**
 * The stream's event side: every event goes to the EventEmitter listeners and to each async-iterator reader's
 * queue; counts and latencies are kept for `stats()`; a reader that falls `maxEventQueue` events behind holds
 * the producers (back-pressure, no event lost).
 */
import { LatencyRing } from './clock.js';
import type { LatencySummary, StreamEvent } from './types.js';

interface Subscriber {
  queue: StreamEvent[];
  wake?: () => void;
  done: boolean;
}

export type LatencyKind = 'window' | 'reading' | 'moment';

export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  private spaceWaiters: (() => void)[] = [];
  readonly counts: Record<StreamEvent['type'], number> = { reading: 0, window: 0, moment: 0, escalation: 0, warning: 0 };
  private readonly latency: Record<LatencyKind, LatencyRing> = { window: new LatencyRing(), reading: new LatencyRing(), moment: new LatencyRing() };

  /**
   * @param emit hands an event to the EventEmitter listeners
   * @param failure the error that stopped the stream, if any
   * @param maxQueue unread events per reader before producers wait
   */
  constructor(
    private readonly emit: (e: StreamEvent) => void,
    private readonly failure: () => Error | undefined,
    private readonly maxQueue: number,
  ) {}

  send(e: StreamEvent, latencyKind?: LatencyKind): void {
    this.counts[e.type]++;
    if (latencyKind && 'latencyMs' in e) this.latency[latencyKind].add(e.latencyMs);
    for (const s of this.subscribers) {
      s.queue.push(e);
      s.wake?.();
    }
    this.emit(e);
  }

  latencies(): Record<LatencyKind, LatencySummary> {
    return { window: this.latency.window.summary(), reading: this.latency.reading.summary(), moment: this.latency.moment.summary() };
  }

  /** Back-pressure from async iterators that are not being read. */
  async waitForReaders(): Promise<void> {
    while (!this.failure() && [...this.subscribers].some((s) => s.queue.length >= this.maxQueue)) await new Promise<void>((r) => this.spaceWaiters.push(r));
  }

  wakeProducers(): void {
    const w = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const f of w) f();
  }

  /** Wake every reader (the stream failed or ended); with `done`, their iterators finish once drained. */
  wakeReaders(done = false): void {
    for (const s of this.subscribers) {
      if (done) s.done = true;
      s.wake?.();
    }
  }

  /** A reader of every event from now on, until the stream ends (throws if the stream fails). */
  iterator(): AsyncIterator<StreamEvent> {
    const sub: Subscriber = { queue: [], done: false };
    this.subscribers.add(sub);
    const release = () => {
      this.subscribers.delete(sub);
      this.wakeProducers();
    };
    return {
      next: async (): Promise<IteratorResult<StreamEvent>> => {
        for (;;) {
          if (sub.queue.length) {
            const value = sub.queue.shift()!;
            this.wakeProducers();
            return { value, done: false };
          }
          const failure = this.failure();
          if (failure) {
            release();
            throw failure;
          }
          if (sub.done) {
            release();
            return { value: undefined, done: true };
          }
          await new Promise<void>((r) => (sub.wake = r));
        }
      },
      return: async (): Promise<IteratorResult<StreamEvent>> => {
        release();
        return { value: undefined, done: true };
      },
    };
  }
}
