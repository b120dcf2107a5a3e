import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadReliability } from '../src/fusion/reliability.js';
import { loadSatisfactionModel } from '../src/cx/satisfaction.js';
import { loadedModels, loadModel, modelInfo, modelKey } from '../src/runtime/registry.js';
import { modelPath } from '../src/runtime/paths.js';
import { EmosigError } from '../src/errors.js';
import { analyze } from '../src/fusion/index.js';
import { loadVoiceModel } from '../src/audio/index.js';

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
  it("a result's models block is what the registry recorded for the models that produced it", async () => {
    const sig = await analyze({ audio: 'fixtures/call_stereo.wav', frames: 'fixtures/demo/frames', chat: { path: 'fixtures/demo/chat.json' } });
    const voice = sig.interaction.models.find((m) => m.modality === 'voice')!;
    const text = sig.interaction.models.find((m) => m.modality === 'text')!;
    const reg = (n: 'voice' | 'text' | 'face') => loadedModels().find((m) => m.name === n)!;
    expect(voice).toMatchObject({ name: reg('voice').model, version: reg('voice').version, license: reg('voice').license, backend: reg('voice').backend });
    expect(text).toMatchObject({ name: reg('text').model, version: reg('text').version, license: reg('text').license });
    expect(text.license).toMatch(/non-commercial/);
    const face = sig.interaction.models.find((m) => m.modality === 'face')!;
    expect(face.version.startsWith(reg('face' as never).version)).toBe(true);
    expect(face.license).toBe(reg('face' as never).license);
    expect(face.license).toMatch(/research/);
    // the loaded model object carries its own record (a custom model's readings name the custom model)
    const m = await loadVoiceModel();
    expect(m.info).toMatchObject({ name: 'voice', model: m.card.name, version: m.card.version, license: m.card.license });
  }, 60_000);
});
