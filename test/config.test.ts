import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { configFields, DEFAULT_CONFIG, resolveConfig } from '../src/config.js';
import { EmosigError } from '../src/errors.js';
import { createStream } from '../src/stream/index.js';

describe('EmosigConfig', () => {
  it('fills defaults into a partial config and keeps what is given', () => {
    const c = resolveConfig({ window: { hop: 0.5 }, fusion: { stressedAt: 0.7 } });
    expect(c.window).toEqual({ size: DEFAULT_CONFIG.window.size, hop: 0.5 });
    expect(c.fusion.stressedAt).toBe(0.7);
    expect(c.fusion.longPauseSec).toBe(DEFAULT_CONFIG.fusion.longPauseSec);
  });

  it('refuses invalid configs with INVALID_OPTIONS naming the field', () => {
    for (const bad of [{ window: { size: 1, hop: 2 } }, { fusion: { stressedAt: 2 } }, { nope: 1 }, { stream: { highWaterMarkSec: 40, maxQueueSec: 30 } }]) {
      let err: unknown;
      try {
        resolveConfig(bad as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EmosigError);
      expect((err as EmosigError).code).toBe('INVALID_OPTIONS');
    }
  });

  it('createStream resolves its options through the same config (same typed error, field named)', () => {
    for (const [bad, field] of [
      [{ stressedAt: 2 }, 'fusion.stressedAt'],
      [{ window: { size: 1, hop: 2 } }, 'window'],
      [{ highWaterMarkSec: 40, maxQueueSec: 30 }, 'stream'],
      [{ maxPendingFrames: 0.5 }, 'stream.maxPendingFrames'],
    ] as const) {
      let err: unknown;
      try {
        createStream({ consent: { voice: false, face: false, text: false }, ...(bad as object) });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EmosigError);
      expect((err as EmosigError).code).toBe('INVALID_OPTIONS');
      expect((err as EmosigError).message).toContain(field);
    }
  });

  it('the README table lists every field with its default (regenerate: npx tsx scripts/config-table.ts)', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const f of configFields()) expect(readme).toContain(`| \`${f.path}\` | ${JSON.stringify(f.default)} |`);
  });
});
