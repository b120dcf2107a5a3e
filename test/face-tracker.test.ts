import { describe, it, expect } from 'vitest';
import { FaceTracker, iou } from '../src/vision/tracker.js';
import { emotionsFromVector, type CoreLabel, CORE_LABELS } from '../src/signature/labels.js';
import type { FaceResult } from '../src/vision/types.js';

function face(box: [number, number, number, number], label: CoreLabel, p = 0.9): FaceResult {
  const v = CORE_LABELS.map((l) => (l === label ? p : (1 - p) / 6));
  return {
    box,
    score: 0.9,
    emotions: emotionsFromVector(v),
    label,
    valence: 0,
    arousal: 0,
    quality: 1,
    qualityParts: { overall: 1, size: 1, sharpness: 1, exposure: 1, pose: 1 },
    confidence: 0.9,
    roll: 0,
    trackId: -1,
  };
}

describe('face tracker', () => {
  it('computes IoU', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [5, 0, 10, 10])).toBeCloseTo(50 / 150);
    expect(iou([0, 0, 10, 10], [20, 20, 5, 5])).toBe(0);
  });

  it('keeps two moving faces on separate tracks and starts a new track after a long gap', () => {
    const t = new FaceTracker({ maxGap: 1 });
    for (let i = 0; i < 10; i++) {
      const a = face([10 + i * 2, 10, 50, 50], 'neutral');
      const b = face([200 - i * 2, 20, 50, 50], 'joy');
      t.update(i * 0.1, i % 2 ? [b, a] : [a, b]);
      expect(a.trackId).toBe(1);
      expect(b.trackId).toBe(2);
    }
    const late = face([28, 10, 50, 50], 'neutral');
    t.update(3, [late]);
    expect(late.trackId).toBe(3);
    const tracks = t.finish();
    expect(tracks.map((x) => x.trackId)).toEqual([1, 2, 3]);
    expect(tracks[1].summary.label).toBe('joy');
    expect(tracks[0].timeline).toHaveLength(10);
  });

  it('finds a brief departure from the baseline as a micro-expression, not a sustained one', () => {
    const fps = 25;
    const run = (from: number, frames: number) => {
      const t = new FaceTracker();
      for (let i = 0; i < 100; i++) {
        const label: CoreLabel = i >= from && i < from + frames ? 'anger' : 'neutral';
        t.update(i / fps, [face([10, 10, 80, 80], label)]);
      }
      return t.finish()[0];
    };
    const brief = run(50, 4); // 0.16 s
    expect(brief.microExpressions).toHaveLength(1);
    const m = brief.microExpressions[0];
    expect(m.label).toBe('anger');
    expect(m.start).toBeCloseTo(2, 5);
    expect(m.end).toBeCloseTo(2.16, 5);
    expect(m.strength).toBeGreaterThan(0.5);
    // the smoothed timeline damps the blip
    const peak = Math.max(...brief.timeline.map((p) => p.emotions.anger));
    expect(peak).toBeLessThan(0.9);
    expect(peak).toBeGreaterThan(0.2);
    const sustained = run(30, 40); // 1.6 s: an expression, not a micro-expression
    expect(sustained.microExpressions).toHaveLength(0);
    expect(run(0, 0).microExpressions).toHaveLength(0);
  });
});
