import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { analyzeFaces, createFaceAnalyzer, extractAudio, probeVideo, videoFrames, type FaceReading } from '../src/vision/index.js';
import { decodeImage } from '../src/vision/decode.js';
import { EmosigError } from '../src/errors.js';

const FX = resolve(__dirname, '..', 'fixtures', 'face');
const fx = (f: string) => join(FX, f);

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EmosigError);
    return (e as EmosigError).code;
  }
  return 'NO_ERROR';
}

describe('face: images', () => {
  let happy: FaceReading;
  beforeAll(async () => {
    happy = await analyzeFaces(fx('happy.jpg'));
  });

  it('reports the runtime it ran on (ONNX Runtime, no TF.js)', () => {
    expect(happy.backend).toBe('onnxruntime-node/cpu');
    expect(happy.model).toMatch(/ensemble/);
  });

  it('finds the face in a real frame and reads a smile as joy', () => {
    expect(happy.frames).toHaveLength(1);
    const [f] = happy.frames[0].faces;
    expect(happy.frames[0].faces).toHaveLength(1);
    const [x, y, w, h] = f.box;
    // the face is roughly in the middle third of the 360×288 frame
    expect(x + w / 2).toBeGreaterThan(100);
    expect(x + w / 2).toBeLessThan(260);
    expect(y + h / 2).toBeGreaterThan(60);
    expect(y + h / 2).toBeLessThan(230);
    expect(w).toBeGreaterThan(40);
    expect(f.label).toBe('joy');
    expect(f.valence).toBeGreaterThan(0.3);
    const sum = Object.values(f.emotions).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 2);
    expect(f.quality).toBeGreaterThan(0);
    expect(f.quality).toBeLessThanOrEqual(1);
    expect(f.confidence).toBeLessThanOrEqual(f.quality + 1e-9);
    expect(f.valence).toBeGreaterThanOrEqual(-1);
    expect(f.arousal).toBeLessThanOrEqual(1);
  });

  it('reads an angry frame as less pleasant than the smile', async () => {
    const r = await analyzeFaces(fx('anger.jpg'));
    expect(r.frames[0].faces).toHaveLength(1);
    const f = r.frames[0].faces[0];
    expect(f.valence).toBeLessThan(happy.frames[0].faces[0].valence - 0.3);
    expect(f.label).not.toBe('joy');
  });

  it('applies EXIF orientation before detection', async () => {
    const img = await decodeImage(fx('exif-rotate.jpg'));
    expect([img.width, img.height]).toEqual([360, 288]);
    const r = await analyzeFaces(fx('exif-rotate.jpg'));
    expect(r.frames[0].faces).toHaveLength(1);
    const a = happy.frames[0].faces[0].box;
    const b = r.frames[0].faces[0].box;
    expect(Math.abs(a[0] + a[2] / 2 - (b[0] + b[2] / 2))).toBeLessThan(20);
    expect(r.frames[0].faces[0].label).toBe('joy');
  });

  it('decodes CMYK, 16-bit, grayscale, alpha and animated inputs to 8-bit RGB', async () => {
    for (const [f, w, h] of [
      ['cmyk.jpg', 360, 288],
      ['rgb16.png', 180, 144],
      ['gray.png', 360, 288],
      ['alpha.webp', 400, 328],
      ['animated.gif', 180, 144],
    ] as const) {
      const img = await decodeImage(fx(f));
      expect([f, img.width, img.height, img.data.length]).toEqual([f, w, h, w * h * 3]);
    }
    const r = await analyzeFaces([fx('cmyk.jpg'), fx('gray.png'), fx('alpha.webp')]);
    for (const fr of r.frames) expect([fr.source, fr.faces.length]).toEqual([fr.source, 1]);
  });

  it('accepts encoded buffers and raw RGBA frames', async () => {
    const buf = readFileSync(fx('happy.jpg'));
    const { data, info } = await sharp(buf).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const r = await analyzeFaces([buf, { data, width: info.width, height: info.height, channels: 4, time: 0.5 }]);
    expect(r.frames.map((f) => f.source)).toEqual(['buffer[0]', 'frame[1]']);
    expect(r.frames[1].time).toBe(0.5);
    expect(r.frames.every((f) => f.faces.length === 1 && f.faces[0].label === 'joy')).toBe(true);
    // same face across the two frames → one track
    expect(r.tracks).toHaveLength(1);
    await expect(code(analyzeFaces({ data: new Uint8Array(10), width: 4, height: 4 }))).resolves.toBe('IMAGE_CORRUPT');
  });

  it('with assumeFace classifies the whole image as one face', async () => {
    const r = await analyzeFaces(fx('one-pixel.png'), { assumeFace: true });
    expect(r.detector).toBeNull();
    expect(r.frames[0].faces).toHaveLength(1);
    expect(r.frames[0].faces[0].box).toEqual([0, 0, 1, 1]);
    expect(r.frames[0].faces[0].quality).toBeLessThan(0.2);
  });

  it('bad images: typed errors or an empty face list, never a crash', async () => {
    await expect(code(analyzeFaces(fx('zero.jpg')))).resolves.toBe('IMAGE_CORRUPT');
    await expect(code(analyzeFaces(fx('truncated.jpg')))).resolves.toBe('IMAGE_CORRUPT');
    await expect(code(analyzeFaces(fx('not-an-image.png')))).resolves.toBe('IMAGE_UNSUPPORTED_FORMAT');
    await expect(code(analyzeFaces(fx('does-not-exist.jpg')))).resolves.toBe('INPUT_NOT_FOUND');
    const t0 = Date.now();
    await expect(code(analyzeFaces(fx('bomb.png')))).resolves.toBe('IMAGE_TOO_LARGE');
    expect(Date.now() - t0).toBeLessThan(2000);
    const one = await analyzeFaces(fx('one-pixel.png'));
    expect(one.frames[0].faces).toEqual([]);
    await expect(code(analyzeFaces(Buffer.alloc(0)))).resolves.toBe('IMAGE_CORRUPT');
    const empty = mkdtempSync(join(tmpdir(), 'emosig-face-'));
    try {
      await expect(code(analyzeFaces(empty))).resolves.toBe('INPUT_NOT_FOUND');
    } finally {
      rmSync(empty, { recursive: true });
    }
    await expect(code(analyzeFaces(fx('happy.jpg'), { model: 'nope' as never }))).resolves.toBe('INVALID_OPTIONS');
  });

  it('reads a frame directory with times from the numbers in the file names', async () => {
    const r = await analyzeFaces(fx('frames'), { fps: 5 });
    expect(r.frames.map((f) => f.time)).toEqual([1, 1.2, 1.4]);
    expect(r.frames.every((f) => f.faces.length === 1)).toBe(true);
    expect(r.tracks).toHaveLength(1);
    expect(r.tracks[0].timeline).toHaveLength(3);
  });
});

describe('face: video', () => {
  it('streams a video at the chosen rate and tracks the face', async () => {
    const info = await probeVideo(fx('clip.mp4'));
    expect(info).toMatchObject({ width: 360, height: 288, hasAudio: true });
    const r = await analyzeFaces(fx('clip.mp4'), { fps: 5 });
    expect(r.frames.length).toBeGreaterThanOrEqual(7);
    expect(r.frames.length).toBeLessThanOrEqual(8);
    expect(r.frames[1].time).toBeCloseTo(0.2, 5);
    const withFace = r.frames.filter((f) => f.faces.length === 1).length;
    expect(withFace).toBeGreaterThanOrEqual(r.frames.length - 1);
    expect(r.tracks).toHaveLength(1);
    const t = r.tracks[0];
    expect(t.timeline).toHaveLength(withFace);
    expect(new Set(r.frames.flatMap((f) => f.faces.map((x) => x.trackId)))).toEqual(new Set([t.trackId]));
    expect(t.summary.label).toBe('joy');
  });

  it('samples the first frame at or after each 1/fps step and reports its real timestamp', async () => {
    const times: number[] = [];
    for await (const f of videoFrames(fx('clip.mp4'), { fps: 3 })) times.push(f.time);
    // 25 fps source: frames lie on a 0.04 s grid, so 1/3 s and 2/3 s snap forward to 0.36 and 0.68
    expect(times).toEqual([0, 0.36, 0.68, 1, 1.36]);
    const all: number[] = [];
    for await (const f of videoFrames(fx('clip.mp4'), { fps: 0, maxFrames: 3 })) all.push(f.time);
    expect(all).toEqual([0, 0.04, 0.08]);
  });

  it('extracts the audio track as 16 kHz mono float samples', async () => {
    const a = await extractAudio(fx('clip.mp4'));
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBeGreaterThan(16000 * 1.4);
    expect(a.length).toBeLessThan(16000 * 1.6);
    let peak = 0;
    for (const v of a) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeGreaterThan(0.001);
    expect(peak).toBeLessThanOrEqual(1);
  });

  it('stops ffmpeg when the consumer stops or aborts', async () => {
    let n = 0;
    for await (const f of videoFrames(fx('clip.mp4'), { fps: 0 })) {
      expect(f.image.data.length).toBe(360 * 288 * 3);
      if (++n === 2) break;
    }
    expect(n).toBe(2);
    const ac = new AbortController();
    const p = analyzeFaces(fx('clip.mp4'), { fps: 60, signal: ac.signal, onFrame: () => ac.abort() });
    await expect(code(p)).resolves.toBe('STREAM_CLOSED');
  });

  it('bad videos: no video stream, undecodable codec, missing ffmpeg', async () => {
    await expect(code(analyzeFaces(fx('audio-only.mp4')))).resolves.toBe('VIDEO_NO_STREAM');
    await expect(code(analyzeFaces(fx('bad-codec.avi')))).resolves.toBe('VIDEO_UNSUPPORTED');
    await expect(code(analyzeFaces(fx('clip.mp4'), { ffmpeg: '/nonexistent/ffmpeg' }))).resolves.toBe('FFMPEG_MISSING');
    await expect(code(extractAudio(fx('clip.mp4'), { ffmpeg: '/nonexistent/ffmpeg' }))).resolves.toBe('FFMPEG_MISSING');
    await expect(code(extractAudio(fx('bad-codec.avi')))).resolves.toBe('AUDIO_EMPTY');
  });
});

describe('face: CLI', () => {
  it('prints one JSON line per input and an error line for a failed one (exit 1)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'face', '--jsonl', fx('happy.jpg'), fx('zero.jpg'), fx('frames')], {
      cwd: resolve(__dirname, '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines[0].file).toBe(fx('happy.jpg'));
    expect(lines[0].faces[0].label).toBe('joy');
    expect(lines[1]).toEqual({ file: fx('zero.jpg'), error: { code: 'IMAGE_CORRUPT', message: expect.stringContaining('empty') } });
    expect(lines.slice(2).map((l) => l.file)).toEqual(readdirSync(fx('frames')).sort().map((f) => join(fx('frames'), f)));
  });
});

const SHARED_FER = resolve(__dirname, '..', '..', 'shared', 'data', 'face', 'fer2013');
describe.skipIf(!existsSync(SHARED_FER))('face: FER2013 smoke (needs ../shared/data)', () => {
  it('labels most FER2013 PrivateTest "happy" crops as joy with --assume-face', async () => {
    const rows = readFileSync(join(SHARED_FER, 'labels.csv'), 'utf8').split('\n').filter((l) => l.endsWith(',happy,test,PrivateTest'));
    const files = rows.slice(0, 30).map((l) => join(SHARED_FER, l.split(',')[0]));
    const a = await createFaceAnalyzer({ assumeFace: true });
    let joy = 0;
    for (const f of files) if ((await a.faces(await decodeImage(f)))[0].label === 'joy') joy++;
    expect(joy / files.length).toBeGreaterThan(0.7);
  });
});
if (!existsSync(SHARED_FER)) console.warn(`face tests: ${SHARED_FER} absent — skipping the FER2013 smoke test`);
