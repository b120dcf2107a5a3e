import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { SileroVad, SpeechSegmenter, VAD_FRAME_SEC } from '../src/audio/vad.js';
import { decodeWav } from '../src/audio/decode.js';

const frames = (spec: [number, number][]) => spec.flatMap(([p, n]) => new Array<number>(n).fill(p));

describe('SpeechSegmenter', () => {
  it('opens at the threshold, bridges short dips (hangover), drops blips, pads, and splits long speech', () => {
    const seg = new SpeechSegmenter({ threshold: 0.5, minSilenceMs: 300, minSpeechMs: 250, speechPadMs: 0, maxSegmentSec: 3 });
    // 1 s speech, 0.2 s dip (bridged), 1 s speech, 1 s silence, 0.1 s blip (dropped), 1 s silence, 5 s speech
    const p = frames([[0.9, 31], [0.1, 6], [0.9, 31], [0.05, 31], [0.9, 3], [0.05, 31], [0.9, 156], [0.0, 20]]);
    const out = [...seg.push(p), ...seg.flush()];
    expect(out[0].start).toBeCloseTo(0, 5);
    expect(out[0].end).toBeCloseTo(68 * VAD_FRAME_SEC, 5);
    const rest = out.slice(1);
    expect(rest.every((s) => s.start >= (68 + 31 + 3 + 31) * VAD_FRAME_SEC - 1e-9)).toBe(true); // blip dropped
    expect(rest.length).toBe(2); // 5 s split at 3 s
    expect(rest[0].end - rest[0].start).toBeCloseTo(3, 1);
  });

  it('never overlaps consecutive segments when padding', () => {
    const seg = new SpeechSegmenter({ speechPadMs: 500, minSilenceMs: 100 });
    const out = [...seg.push(frames([[0.9, 20], [0.0, 4], [0.9, 20]])), ...seg.flush()];
    for (let i = 1; i < out.length; i++) expect(out[i].start).toBeGreaterThanOrEqual(out[i - 1].end);
  });
});

describe('Silero VAD v5 (from the @ricky0123/vad-web package)', () => {
  it('finds the annotated turns of the demo call and nothing in digital silence', async () => {
    const vad = await SileroVad.load();
    const { channels } = await decodeWav(join(__dirname, '..', 'fixtures', 'call_stereo.wav'));
    const ann = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'annotation.json'), 'utf8'));
    const [p0, p1] = await vad.probsMany(channels);
    for (const t of ann.call.segments as { channel: number; start: number; end: number }[]) {
      const p = t.channel === 0 ? p0 : p1;
      const a = Math.ceil(t.start / VAD_FRAME_SEC);
      const b = Math.floor(t.end / VAD_FRAME_SEC);
      const speech = Array.from(p.subarray(a, b)).filter((v) => v >= 0.5).length;
      expect(speech / (b - a)).toBeGreaterThan(0.4);
    }
    const silent = await vad.probs(new Float32Array(16000 * 3));
    expect(Math.max(...silent)).toBe(0);
  });

  it('gives each lane the probabilities it gets alone, however its digital silences fall against the other lanes', async () => {
    const vad = await SileroVad.load();
    const { channels } = await decodeWav(join(__dirname, '..', 'fixtures', 'call_stereo.wav'));
    const n = 16000 * 6;
    // three lanes with digital silence at different places (each lane skips its silent frames on its own)
    const lanes = [0, 1, 2].map((i) => {
      const a = channels[i % channels.length].slice(i * 8000, i * 8000 + n);
      a.fill(0, 512 * (20 + 30 * i), 512 * (60 + 30 * i));
      return a;
    });
    const together = await vad.lanes(lanes.map((audio) => ({ audio, warmupFrames: 3 })));
    for (let i = 0; i < lanes.length; i++) {
      const [alone] = await vad.lanes([{ audio: lanes[i], warmupFrames: 3 }]);
      expect(together[i].length).toBe(alone.length);
      let maxDiff = 0;
      for (let k = 0; k < alone.length; k++) maxDiff = Math.max(maxDiff, Math.abs(together[i][k] - alone[k]));
      expect(maxDiff).toBeLessThan(1e-5); // the same frames in the same order (batching only: float rounding)
      expect(Math.max(...alone.subarray(20 + 30 * i - 3, 60 + 30 * i - 3))).toBe(0); // silent frames: 0, model not run
    }
  });
});

