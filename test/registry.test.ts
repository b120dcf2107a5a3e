import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadReliability } from '../src/fusion/reliability.js';
import { loadSatisfactionModel } from '../src/cx/satisfaction.js';
import { loadedModels, loadModel, modelInfo, modelKey } from '../src/runtime/registry.js';
import { modelPath } from '../src/runtime/paths.js';
import { EmosigError } from '../src/errors.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'emosig-reg-'));

describe('model registry', () => {
  it('loads once per path and version, and reloads a file changed on disk', () => {
    const dir = tmp();
    const f = join(dir, 'reliability.json');
    cpSync(modelPath('fusion', 'reliability.json'), f);
    const a = loadReliability(f);
    expect(loadReliability(f)).toBe(a);
    expect(modelInfo('fusion-reliability')).toMatchObject({ name: 'fusion-reliability', path: f });
    const k1 = modelKey({ name: 'fusion-reliability', path: f });
    writeFileSync(f, JSON.stringify({ ...a, version: '9.9.9' }, null, 2) + '\n');
    expect(modelKey({ name: 'fusion-reliability', path: f })).not.toBe(k1);
    const b = loadReliability(f);
    expect(b).not.toBe(a);
    expect(modelInfo('fusion-reliability')?.version).toBe('9.9.9');
    expect(loadedModels().map((m) => m.name)).toContain('fusion-reliability');
  });

  it('names the file: MODEL_MISSING when absent, MODEL_INVALID when corrupt', () => {
    const dir = tmp();
    const missing = join(dir, 'nope.json');
    expect(() => loadSatisfactionModel(missing)).toThrow(expect.objectContaining({ code: 'MODEL_MISSING', input: missing }));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    let err: unknown;
    try {
      loadReliability(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EmosigError);
    expect(err).toMatchObject({ code: 'MODEL_INVALID', input: bad });
  });

  it('does not cache a failed load', async () => {
    const dir = tmp();
    let calls = 0;
    const ref = { name: 'voice' as const, path: dir, variant: 'test' };
    const fail = () => loadModel(ref, async () => {
      calls++;
      throw new Error('boom');
    });
    await expect(fail()).rejects.toThrow('boom');
    await expect(fail()).rejects.toThrow('boom');
    expect(calls).toBe(2);
  });
});
