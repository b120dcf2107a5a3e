import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { configFields, DEFAULT_CONFIG, resolveConfig } from '../src/config.js';
import { EmosigError } from '../src/errors.js';

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

  it('the README table lists every field with its default (regenerate: npx tsx scripts/config-table.ts)', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const f of configFields()) expect(readme).toContain(`| \`${f.path}\` | ${JSON.stringify(f.default)} |`);
  });
});
