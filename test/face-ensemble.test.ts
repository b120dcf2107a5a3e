/**
 * The face ensemble's log-linear pooling and its blur gate (models/face/ensemble.json, chosen by
 * bench/face-parity.ts): the gate switches the pooling weights on the measured blur (Laplacian variance), and a malformed gate
 * is MODEL_INVALID naming the file.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { combine, ensembleFile, loadEnsemble, type EnsembleFile } from '../src/vision/ensemble.js';
import { EmosigError } from '../src/errors.js';

const fa = [0.7, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05];
const hu = [0.05, 0.7, 0.05, 0.05, 0.05, 0.05, 0.05];

describe('face ensemble pooling gate', () => {
  const base = loadEnsemble();
  const gated: EnsembleFile = { ...base, pool: { faceapi: 0.2, human: 0.8 }, gate: { lapVarBelow: 50, pool: { faceapi: 0.9, human: 0.1 } } };

  it('uses the gate weights below the threshold and the main weights above it (or without a measurement)', () => {
    const low = combine(gated, { faceapi: fa, human: hu }, 20);
    const high = combine(gated, { faceapi: fa, human: hu }, 200);
    const none = combine(gated, { faceapi: fa, human: hu });
    expect(low[0]).toBeGreaterThan(low[1]);
    expect(high[1]).toBeGreaterThan(high[0]);
    expect(Array.from(none)).toEqual(Array.from(high));
    for (const p of [low, high]) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('the shipped file loads, and a malformed gate is MODEL_INVALID naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emosig-face-ens-'));
    try {
      const e = JSON.parse(readFileSync(ensembleFile(), 'utf8'));
      e.gate = { lapVarBelow: -1, pool: { faceapi: 1 } };
      const f = join(dir, 'ensemble.json');
      writeFileSync(f, JSON.stringify(e));
      const err = (() => {
        try {
          loadEnsemble(f);
        } catch (x) {
          return x;
        }
      })() as EmosigError;
      expect(err).toBeInstanceOf(EmosigError);
      expect(err.code).toBe('MODEL_INVALID');
      expect(err.message).toContain(f);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
