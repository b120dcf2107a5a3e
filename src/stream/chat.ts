/**
 * The stream's chat input: pushed messages are checked, wait in a bounded queue (`maxPendingMessages`,
 * STREAM_OVERFLOW beyond) and are scored one at a time with the text model, with one conversation history per
 * stream, so the readings equal `analyzeText` over the whole chat. Everything `end()` needs is kept: the
 * messages and their readings (packed, see pack.ts).
 */
import { performance } from 'node:perf_hooks';
import type { EmosigConfig } from '../config.js';
import { EmosigError } from '../errors.js';
import { scoreMessages, TextHistory, type TextMessageReading, type TextModel } from '../text/index.js';
import { checkMessage } from './input.js';
import { PackedList } from './pack.js';
import type { StreamMessage } from './types.js';

/** What the chat lane needs from its stream. */
export interface ChatHost {
  failed(): boolean;
  guarded(body: () => Promise<void>, done: () => void): Promise<void>;
  /** Resolves with the text model once it is loaded. */
  model(): Promise<TextModel>;
  /** A scored message (`wall`: when it was pushed, performance.now()). */
  onReading(message: StreamMessage, reading: TextMessageReading, wall: number): Promise<void>;
}

export class ChatLane {
  /** Scored messages and their readings, in order (the final signature's text reading). */
  readonly messages: (StreamMessage & { index: number })[] = [];
  /** Packed (pack.ts: exact, ~0.6 KB a reading instead of ~2.1 KB as objects); `readings.all()` rebuilds them. */
  readonly readings = new PackedList<TextMessageReading>();
  ignored = 0;
  busy?: Promise<void>;
  private queue: (StreamMessage & { index: number; wall: number })[] = [];
  private last?: number;
  private readonly history = new TextHistory();

  constructor(
    private readonly cfg: EmosigConfig,
    private readonly maxPending: number,
    private readonly host: ChatHost,
  ) {}

  get waiting(): number {
    return this.queue.length;
  }

  /** Check a message and queue it for scoring (only counted without consent); false when it was not queued. */
  push(message: StreamMessage, consent: boolean): StreamMessage | undefined {
    const index = this.messages.length + this.ignored + this.queue.length;
    const m = checkMessage(message, this.last, index);
    if (!consent) {
      this.ignored++;
      return undefined;
    }
    if (this.queue.length >= this.maxPending) {
      throw new EmosigError('STREAM_OVERFLOW', `${this.queue.length} messages are already waiting to be scored (maxPendingMessages ${this.maxPending}); the message was not taken — push it again shortly`, { input: `message ${index}` });
    }
    this.last = m.time;
    this.queue.push({ ...m, index, wall: performance.now() });
    if (!this.busy) this.busy = this.host.guarded(() => this.run(), () => (this.busy = undefined));
    return m;
  }

  private async run(): Promise<void> {
    const model = await this.host.model();
    while (this.queue.length && !this.host.failed()) {
      const m = this.queue.shift()!;
      const message = { index: m.index, time: m.time, text: m.text, ...(m.speaker ? { speaker: m.speaker } : {}) };
      const [reading] = await scoreMessages(model, [message], {
        explain: false,
        echo: this.cfg.text.keepText,
        backend: 'js',
        history: this.history,
        ...(this.cfg.text.context !== undefined ? { context: this.cfg.text.context } : {}),
      });
      this.messages.push(message);
      this.readings.push(reading);
      await this.host.onReading(message, reading, m.wall);
    }
  }
}
