/**
 * Outcome log of the hostile suite: every case appends one line to .cache/hostile/<suite>.jsonl, and
 * scripts/hostile-summary.ts turns them into the README's Reliability figures (tried / typed / flagged /
 * crashes / hangs). An outcome is 'typed' (an EmosigError or a typed error line and a non-zero exit),
 * 'flagged' (a result with the problem flagged: a warning, an issue, a problem, a flagged reading), 'ok'
 * (accepted and analysed), 'crash' (an untyped error, a stack trace, a signal) or 'hang' (over its time bound).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { EmosigError } from '../../src/errors.js';

export type Outcome = 'typed' | 'flagged' | 'ok' | 'crash' | 'hang';

const DIR = '.cache/hostile';

export function record(suite: string, name: string, outcome: Outcome, extra: Record<string, unknown> = {}): void {
  mkdirSync(DIR, { recursive: true });
  appendFileSync(`${DIR}/${suite}.jsonl`, JSON.stringify({ suite, name, outcome, at: new Date().toISOString(), ...extra }) + '\n');
}

/** Run `f` with a time bound; classify what it did (typed error / result / crash / hang). */
export async function bounded<T>(ms: number, f: () => Promise<T>): Promise<{ outcome: 'typed' | 'ok' | 'crash' | 'hang'; value?: T; error?: unknown; ms: number }> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((r) => (timer = setTimeout(() => r('hang'), ms)));
  try {
    const v = await Promise.race([f(), hang]);
    if (v === 'hang') return { outcome: 'hang', ms: performance.now() - t0 };
    return { outcome: 'ok', value: v as T, ms: performance.now() - t0 };
  } catch (e) {
    return { outcome: e instanceof EmosigError ? 'typed' : 'crash', error: e, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}
