import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { EmosigError, errorInfo } from '../src/errors.js';
import { CORE_LABELS, averageEmotions, dominantLabel, emotionsFromVector } from '../src/signature/labels.js';
import { loadOnnx } from '../src/runtime/onnx.js';

describe('foundation', () => {
  it('errors carry a stable code and name the input', () => {
    const e = new EmosigError('AUDIO_EMPTY', 'no samples', { input: 'a.wav' });
    expect(e.code).toBe('AUDIO_EMPTY');
    expect(e.message).toBe('a.wav: no samples');
    expect(errorInfo(e)).toEqual({ code: 'AUDIO_EMPTY', message: 'a.wav: no samples' });
    expect(errorInfo(new Error('x')).code).toBe('INTERNAL');
  });

  it('emotion helpers keep every core label', () => {
    const e = emotionsFromVector([0.1, 0.6, 0.1, 0.1, 0.05, 0.05, 0]);
    expect(Object.keys(e)).toEqual([...CORE_LABELS]);
    expect(dominantLabel(e)).toBe('joy');
    const avg = averageEmotions([
      { emotions: e, weight: 1 },
      { emotions: emotionsFromVector([1, 0, 0, 0, 0, 0, 0]), weight: 3 },
    ]);
    expect(avg.neutral).toBeCloseTo((0.1 + 3) / 4);
  });

  it('a missing model file is a typed MODEL_MISSING error', async () => {
    await expect(loadOnnx('/nonexistent/model.onnx')).rejects.toMatchObject({ code: 'MODEL_MISSING' });
  });

  it('the built CLI prints its version and usage', () => {
    const v = execFileSync(process.execPath, ['dist/cli/main.js', '--version'], { encoding: 'utf8' });
    expect(v.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = execFileSync(process.execPath, ['dist/cli/main.js', '--help'], { encoding: 'utf8' });
    expect(h).toContain('emosig voice');
  });
});
