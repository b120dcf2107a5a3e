import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { configFields, DEFAULT_CONFIG, formatDefault, resolveConfig } from '../src/config.js';
import { EmosigError } from '../src/errors.js';
import { createStream } from '../src/stream/index.js';
import { analyze } from '../src/fusion/index.js';
import { main as analyzeCli, inputFromArgs } from '../src/cli/analyze.js';
import { main as voiceCli } from '../src/cli/voice.js';
import { main as textCli } from '../src/cli/text.js';
import { main as faceCli } from '../src/cli/face.js';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi, afterAll } from 'vitest';

const tmp = mkdtempSync(join(tmpdir(), 'emosig-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

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

  it('a typo in any group is refused, not ignored (every group is strict)', () => {
    for (const bad of [{ voice: { personalBaselin: false } }, { voice: { vad: { treshold: 0.4 } } }, { call: { consent: { audio: false } } }, { text: { keep: true } }]) {
      expect(() => resolveConfig(bad as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    }
  });

  it('analyze, createStream and the CLI take speakers, consent and per-modality options from one config', async () => {
    const chat = { path: 'fixtures/demo/chat.json' };
    // call.speakers / consent from `config`; a shorthand field overrides it
    const sig = await analyze({ audio: 'fixtures/call_stereo.wav', config: { call: { speakers: ['caller', 'rep'] } } });
    expect(Object.keys(sig.speakers).sort()).toEqual(['caller', 'rep']);
    const sig2 = await analyze({ audio: 'fixtures/call_stereo.wav', speakers: ['kunde', 'agent'], config: { call: { speakers: ['caller', 'rep'] } } });
    expect(Object.keys(sig2.speakers).sort()).toEqual(['agent', 'kunde']);
    const sig3 = await analyze({ chat, audio: 'fixtures/call_stereo.wav', config: { call: { consent: { voice: false } } } });
    expect(sig3.interaction.modalities.voice.reason).toBe('no-consent');
    // a per-modality option: a longer VAD hangover merges turns into fewer voice segments
    const base = await analyze({ audio: 'fixtures/call_stereo.wav' });
    const merged = await analyze({ audio: 'fixtures/call_stereo.wav', config: { voice: { vad: { minSilenceMs: 4000, maxSegmentSec: 60 } } } });
    expect(JSON.stringify(merged.timeline)).not.toBe(JSON.stringify(base.timeline));
    expect((await analyze({ audio: 'fixtures/call_stereo.wav', config: { voice: { vad: {} } } })).timeline).toEqual(base.timeline);
    expect(createStream({ config: { call: { speakers: ['caller', 'rep'] } }, consent: { voice: false, face: false, text: false } }).speakers).toEqual(['caller', 'rep']);
    // the CLI: --config FILE, flags over it; a bad file is a typed usage error
    const cfg = join(tmp, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ call: { speakers: ['caller', 'rep'] }, fusion: { stressedAt: 0.6 } }));
    const out = join(tmp, 'sig.json');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const std = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await analyzeCli(['--audio', 'fixtures/call_stereo.wav', '--config', cfg, '--out', out, '--json'])).toBe(0);
      expect(Object.keys(JSON.parse(readFileSync(out, 'utf8')).speakers).sort()).toEqual(['caller', 'rep']);
      expect(await analyzeCli(['--audio', 'fixtures/call_stereo.wav', '--config', cfg, '--speakers', 'a,b', '--out', out, '--json'])).toBe(0);
      expect(Object.keys(JSON.parse(readFileSync(out, 'utf8')).speakers).sort()).toEqual(['a', 'b']);
      writeFileSync(cfg, '{"fusion": {"stressedAt": 7}}');
      expect(await analyzeCli(['--chat', 'fixtures/demo/chat.json', '--config', cfg])).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/INVALID_OPTIONS[\s\S]*fusion\.stressedAt/);
      writeFileSync(cfg, '{not json');
      expect(await analyzeCli(['--chat', 'fixtures/demo/chat.json', '--config', cfg])).toBe(2);
    } finally {
      err.mockRestore();
      std.mockRestore();
    }
  }, 60_000);

  it('emosig voice / text / face read their fields of --config FILE; flags override it; a bad file is exit 2', async () => {
    const out: string[] = [];
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const std = vi.spyOn(process.stdout, 'write').mockImplementation((c) => (out.push(String(c)), true));
    const json = () => JSON.parse(out.splice(0).join(''));
    const cfg = join(tmp, 'modality.json');
    try {
      expect(await voiceCli(['fixtures/call_stereo.wav', '--json'])).toBe(0);
      const plain = json();
      writeFileSync(cfg, JSON.stringify({ call: { speakers: ['caller', 'rep'] }, voice: { vad: { minSilenceMs: 4000, maxSegmentSec: 60 } } }));
      expect(await voiceCli(['fixtures/call_stereo.wav', '--json', '--config', cfg])).toBe(0);
      const merged = json();
      expect(merged.speakers).toEqual(['caller', 'rep']);
      expect(merged.segments.length).toBeLessThan(plain.segments.length);
      expect(await voiceCli(['fixtures/call_stereo.wav', '--json', '--config', cfg, '--speakers', 'a,b'])).toBe(0);
      expect(json().speakers).toEqual(['a', 'b']);

      writeFileSync(cfg, JSON.stringify({ text: { keepText: true } }));
      expect(await textCli(['fixtures/demo/chat.json', '--json'])).toBe(0);
      expect(json().messages[0].text).toBeUndefined();
      expect(await textCli(['fixtures/demo/chat.json', '--json', '--config', cfg])).toBe(0);
      expect(typeof json().messages[0].text).toBe('string');

      writeFileSync(cfg, JSON.stringify({ face: { fps: 2 } }));
      // a frame folder's clock: frame_0005.jpg is at 5 / fps seconds
      expect(await faceCli(['fixtures/face/frames', '--json', '--config', cfg])).toBe(0);
      expect(json().frames.map((f: { time: number }) => f.time).slice(0, 2)).toEqual([2.5, 3]);
      expect(await faceCli(['fixtures/face/frames', '--json', '--config', cfg, '--fps', '1'])).toBe(0);
      expect(json().frames.map((f: { time: number }) => f.time).slice(0, 2)).toEqual([5, 6]);

      writeFileSync(cfg, '{"voice": {"vad": {"threshold": 3}}}');
      for (const run of [() => voiceCli(['fixtures/call_stereo.wav', '--config', cfg]), () => textCli(['fixtures/demo/chat.json', '--config', cfg]), () => faceCli(['fixtures/face/happy.jpg', '--config', cfg])]) {
        err.mockClear();
        expect(await run()).toBe(2);
        expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/INVALID_OPTIONS[\s\S]*voice\.vad\.threshold/);
      }
    } finally {
      err.mockRestore();
      std.mockRestore();
    }
  }, 120_000);

  it('face.minScore / inputSize / maxFaces reach the detector from analyze, createStream and emosig face (flags over the file)', async () => {
    // a detector score no face reaches: analyze finds no face; the default finds the fixture's one
    const frames = ['fixtures/face/happy.jpg'];
    await expect(analyze({ frames, config: { face: { minScore: 0.999 } } })).rejects.toThrow(/face: no-face/);
    expect((await analyze({ frames, config: { face: { minScore: 0.3, inputSize: 416 } } })).interaction.modalities.face.present).toBe(true);
    for (const bad of [{ inputSize: 300 }, { inputSize: 2048 }, { minScore: 1.5 }, { maxFaces: 0 }]) {
      expect(() => resolveConfig({ face: bad })).toThrow(new RegExp(`face\\.${Object.keys(bad)[0]}`));
    }

    const s = createStream({ config: { face: { minScore: 0.999 } }, consent: { voice: false, text: false }, faceThread: false, faceSpeaker: 'customer' });
    const faces: number[] = [];
    s.on('reading', (e) => e.modality === 'face' && faces.push(e.reading.faces.length));
    s.pushFrame(readFileSync(frames[0]), 0);
    await s.end().catch(() => undefined);
    expect(faces).toEqual([0]);

    const out: string[] = [];
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const std = vi.spyOn(process.stdout, 'write').mockImplementation((c) => (out.push(String(c)), true));
    const cfg = join(tmp, 'face-detector.json');
    try {
      writeFileSync(cfg, JSON.stringify({ face: { minScore: 0.999, maxFaces: 1 } }));
      expect(await faceCli([frames[0], '--json', '--config', cfg])).toBe(0);
      expect(JSON.parse(out.splice(0).join('')).frames[0].faces).toHaveLength(0);
      expect(await faceCli([frames[0], '--json', '--config', cfg, '--min-score', '0.3', '--input-size', '416'])).toBe(0);
      expect(JSON.parse(out.splice(0).join('')).frames[0].faces).toHaveLength(1);

      // emosig analyze / report: --face-* flags over --config's face.*, reaching the detector
      const dir = join(tmp, 'face-frames');
      mkdirSync(dir, { recursive: true });
      copyFileSync(frames[0], join(dir, 'frame_0.jpg'));
      const over = inputFromArgs({ frames: dir, config: cfg, 'face-min-score': '0.3', 'face-input-size': '416' });
      expect(over.config?.face).toMatchObject({ minScore: 0.3, inputSize: 416, maxFaces: 1 });
      expect((await analyze(over)).interaction.modalities.face.present).toBe(true);
      await expect(analyze(inputFromArgs({ frames: dir, config: cfg }))).rejects.toThrow(/face: no-face/);
      for (const [flag, value, range] of [['face-input-size', '300', /multiple of 32 from 96 to 1024/], ['face-min-score', '', /in \[0, 1\]/], ['face-max-faces', '101', /1 to 100/]] as const) {
        expect(() => inputFromArgs({ frames: dir, [flag]: value })).toThrow(range);
        expect(await analyzeCli(['--frames', dir, `--${flag}`, value])).toBe(2);
      }
    } finally {
      err.mockRestore();
      std.mockRestore();
    }
  }, 60_000);

  it('emosig face refuses a bad detector flag with exit 2 and the allowed range', async () => {
    const { spawnSync } = await import('node:child_process');
    for (const [flag, value, range] of [['--input-size', '300', 'multiple of 32'], ['--min-score', 'x', '[0, 1]'], ['--max-faces', '0', '1 to 100']]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'face', 'fixtures/face/happy.jpg', flag, value], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`${flag} must be`);
      expect(r.stderr).toContain(range);
    }
  }, 60_000);

  it('the README table lists every field with its default (regenerate: npx tsx scripts/config-table.ts)', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const f of configFields()) expect(readme).toContain(`| \`${f.path}\` | ${formatDefault(f.default)} |`);
  });
});
