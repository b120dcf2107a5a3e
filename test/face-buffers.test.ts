/**
 * The face path reuses its per-frame float buffers (src/vision/buffers.ts): a buffer is taken for one use and
 * given back after it. Frames analysed concurrently by one analyser must read exactly as when analysed one by
 * one (no buffer shared between two calls in flight), and the pool must hand buffers back out.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { takeBuffer, giveBuffer } from '../src/vision/buffers.js';
import { createFaceAnalyzer } from '../src/vision/index.js';
import { decodeImage } from '../src/vision/decode.js';

const FX = resolve(__dirname, '..', 'fixtures', 'face');

describe('face buffer reuse', () => {
  it('takeBuffer hands back a given buffer of sufficient size, else a new one', () => {
    const a = takeBuffer(1000);
    expect(a.length).toBeGreaterThanOrEqual(1000);
    giveBuffer(a);
    expect(takeBuffer(900)).toBe(a);
    const b = takeBuffer(10);
    expect(b).not.toBe(a);
    giveBuffer(a);
    giveBuffer(b);
    // the smallest sufficient one
    expect(takeBuffer(5)).toBe(b);
    expect(takeBuffer(2000)).not.toBe(a);
  });

  it('frames analysed concurrently read exactly as one by one', async () => {
    const files = ['happy.jpg', 'anger.jpg', ...readdirSync(join(FX, 'frames')).map((f) => join('frames', f))];
    const images = await Promise.all(files.map((f) => decodeImage(join(FX, f))));
    for (const opts of [{}, { assumeFace: true }]) {
      const a = await createFaceAnalyzer(opts);
      const one: unknown[] = [];
      for (const img of images) one.push(await a.faces(img));
      const all = await Promise.all(images.map((img) => a.faces(img)));
      expect(all).toEqual(one);
      expect(one.flat().length).toBeGreaterThanOrEqual(images.length);
    }
  }, 60_000);
});
