import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { analyzeVoice, extractVoice, scoreVoice, buildBaselines, type VoiceReading } from '../src/audio/analyze.js';
import { loadVoiceModel } from '../src/audio/model.js';
import { FEATURE_NAMES } from '../src/audio/features.js';
import { CORE_LABELS } from '../src/signature/labels.js';
import { EmosigError } from '../src/errors.js';
import { decodeWav } from '../src/audio/decode.js';

const FIX = join(__dirname, '..', 'fixtures');
const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');
const annotation = JSON.parse(readFileSync(join(FIX, 'annotation.json'), 'utf8'));

function checkReading(r: VoiceReading): void {
  const sums = (e: Record<string, number>) => Object.values(e).reduce((a, b) => a + b, 0);
  for (const s of r.segments) {
    expect(Object.keys(s.emotions)).toEqual([...CORE_LABELS]);
    expect(sums(s.emotions)).toBeCloseTo(1, 2);
    for (const v of [s.valence, s.arousal]) expect(v).toBeGreaterThanOrEqual(-1), expect(v).toBeLessThanOrEqual(1);
    for (const v of [s.stress, s.confidence]) expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(1);
    expect(s.end).toBeGreaterThan(s.start);
  }
  expect(Object.keys(r.overall.emotions)).toEqual([...CORE_LABELS]);
}

describe('analyzeVoice on the demo call', () => {
  let r: VoiceReading;
  beforeAll(async () => {
    r = await analyzeVoice(join(FIX, 'call_stereo.wav'), { channels: ['customer', 'agent'] });
  });

  it('finds every annotated turn on the right channel', () => {
    checkReading(r);
    expect(r.speakers).toEqual(['customer', 'agent']);
    for (const turn of annotation.call.segments) {
      const hit = r.segments.find((s) => s.speaker === turn.speaker && s.start < turn.end && s.end > turn.start);
      expect(hit, `turn ${turn.start}-${turn.end} of ${turn.speaker}`).toBeDefined();
    }
    // no speech invented on a silent channel stretch: every segment overlaps an annotated turn of its speaker
    for (const s of r.segments) {
      expect(annotation.call.segments.some((t: { speaker: string; start: number; end: number }) => t.speaker === s.speaker && s.start < t.end + 0.2 && s.end > t.start - 0.2)).toBe(true);
    }
  });

  it('reports the 3 s hold as a long pause, the interruption as an overlap, and per-speaker summaries', () => {
    const hold = r.pauses.find((p) => p.length > 2.5);
    expect(hold).toBeDefined();
    expect(hold!.start).toBeGreaterThan(17);
    expect(hold!.end).toBeLessThan(21);
    expect(r.overlaps.length).toBeGreaterThanOrEqual(1);
    expect(r.bySpeaker.customer.segments).toBeGreaterThanOrEqual(4);
    expect(r.bySpeaker.agent.segments).toBeGreaterThanOrEqual(5);
    expect(r.bySpeaker.customer.confidence).toBeGreaterThan(0);
    expect(r.noSpeech).toBe(false);
    expect(r.model.backend).toMatch(/onnxruntime/);
  });

  it('hears the customer’s angry turns as more aroused and stressed than the calm/neutral ones', () => {
    const turns = annotation.call.segments.filter((t: { speaker: string }) => t.speaker === 'customer');
    const segFor = (t: { start: number; end: number }): VoiceReading["segments"] => r.segments.filter((s) => s.speaker === 'customer' && s.start < t.end && s.end > t.start);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const angry: VoiceReading['segments'] = turns.filter((t: { core: string }) => t.core === 'anger').flatMap(segFor);
    const calm: VoiceReading['segments'] = turns.filter((t: { core: string }) => t.core === 'neutral').flatMap(segFor);
    expect(mean(angry.map((s) => s.arousal))).toBeGreaterThan(mean(calm.map((s) => s.arousal)));
    expect(mean(angry.map((s) => s.stress))).toBeGreaterThan(mean(calm.map((s) => s.stress)));
    expect(mean(angry.map((s) => s.emotions.anger))).toBeGreaterThan(mean(calm.map((s) => s.emotions.anger)));
  });
});

describe('formats and inputs', () => {
  it.each(['call_mulaw_8k.wav', 'call_alaw_8k.wav', 'clip_float32.wav'])('%s decodes, resamples and yields speech', async (f) => {
    const r = await analyzeVoice(join(FIX, f));
    checkReading(r);
    expect(r.segments.length).toBeGreaterThan(0);
    expect(r.speakers).toEqual(['ch0']);
  });

  it('digital silence is "no speech" with confidence 0, not a default neutral', async () => {
    const r = await analyzeVoice(join(FIX, 'silence.wav'));
    expect(r.noSpeech).toBe(true);
    expect(r.segments).toEqual([]);
    expect(r.overall.confidence).toBe(0);
    expect(Object.values(r.overall.emotions).every((v) => v === 0)).toBe(true);
  });

  it('accepts a Float32Array with its sample rate, and bytes', async () => {
    const dec = await decodeWav(join(FIX, 'clip_float32.wav'));
    const a = await analyzeVoice({ samples: dec.channels[0], sampleRate: dec.info.sampleRate, name: 'clip' });
    const b = await analyzeVoice(readFileSync(join(FIX, 'clip_float32.wav')));
    expect(a.segments.length).toBeGreaterThan(0);
    expect(a.segments.map((s) => s.start)).toEqual(b.segments.map((s) => s.start));
    expect(a.source).toBe('clip');
  });

  it('NaN samples are replaced and reported; all-NaN is a typed error', async () => {
    const x = new Float32Array(16000);
    x[5] = NaN;
    const r = await analyzeVoice({ samples: x, sampleRate: 16000 });
    expect(r.warnings.join(' ')).toMatch(/NaN/);
    await expect(analyzeVoice({ samples: new Float32Array(100).fill(NaN), sampleRate: 16000 })).rejects.toMatchObject({ code: 'AUDIO_INVALID_SAMPLES' });
    await expect(analyzeVoice({ samples: new Float32Array(100), sampleRate: 0 })).rejects.toMatchObject({ code: 'AUDIO_BAD_SAMPLE_RATE' });
    await expect(analyzeVoice({ samples: [x, x, x], sampleRate: 16000 })).rejects.toMatchObject({ code: 'AUDIO_TOO_MANY_CHANNELS' });
    await expect(analyzeVoice({ samples: new Float32Array(0), sampleRate: 16000 })).rejects.toMatchObject({ code: 'AUDIO_EMPTY' });
  });

  it('every committed bad file gives a typed error or a reading, never a crash', async () => {
    const expected = JSON.parse(readFileSync(join(FIX, 'bad', 'expected.json'), 'utf8')) as Record<string, string>;
    for (const [file, what] of Object.entries(expected)) {
      const p = join(FIX, 'bad', file);
      if (/^[A-Z_]+$/.test(what)) {
        await expect(analyzeVoice(p), file).rejects.toBeInstanceOf(EmosigError);
        await expect(analyzeVoice(p), file).rejects.toMatchObject({ code: what });
      } else {
        const r = await analyzeVoice(p);
        expect(r.durationSec, file).toBeGreaterThan(0);
        if (/truncated: true/.test(what)) expect(r.warnings.join(' '), file).toMatch(/shorter than its header/);
      }
    }
    await expect(analyzeVoice(FIX)).rejects.toMatchObject({ code: 'INPUT_IS_DIRECTORY' });
    await expect(analyzeVoice(join(FIX, 'nope.wav'))).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
    await expect(analyzeVoice(join(FIX, 'call_stereo.wav'), { channels: ['a', 'a'] })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});

describe('confidence', () => {
  it('drops for short, quiet, clipped and noisy speech', async () => {
    const dec = await decodeWav(join(FIX, 'clip_float32.wav'));
    const x = dec.channels[0];
    const sr = dec.info.sampleRate;
    const conf = async (y: Float32Array) => {
      const r = await analyzeVoice({ samples: y, sampleRate: sr }, { personalBaseline: false });
      return r.segments.length ? Math.max(...r.segments.map((s) => s.confidence)) : 0;
    };
    const base = await conf(x);
    expect(base).toBeGreaterThan(0.2);
    // short: the first 0.45 s of speech only
    const firstSpeech = x.findIndex((v) => Math.abs(v) > 0.05);
    expect(await conf(x.slice(0, firstSpeech + Math.round(0.45 * sr)))).toBeLessThan(base);
    // quiet: −45 dB
    expect(await conf(x.map((v) => v * 0.0056))).toBeLessThan(base);
    // clipped: +26 dB into a hard limit
    expect(await conf(x.map((v) => Math.max(-1, Math.min(1, v * 20))))).toBeLessThan(base);
    // noisy: white noise about as loud as the speech
    let s = 9;
    const rms = Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
    const noisy = x.map((v) => v + 2 * rms * (((s = (s * 1103515245 + 12345) >>> 0) / 4294967296) * 2 - 1));
    expect(await conf(noisy)).toBeLessThan(base);
  });
});

describe('personal baseline', () => {
  it('is used when a speaker has enough speech, can be switched off, and can come from other files', async () => {
    const ex = await extractVoice(join(FIX, 'call_stereo.wav'), { channels: ['customer', 'agent'] });
    const model = await loadVoiceModel();
    const withB = await scoreVoice(ex, {}, model);
    const without = await scoreVoice(ex, { personalBaseline: false }, model);
    expect(withB.bySpeaker.agent.personalBaseline).toBe(true);
    expect(without.bySpeaker.agent.personalBaseline).toBe(false);
    expect(withB.segments.map((s) => s.emotions)).not.toEqual(without.segments.map((s) => s.emotions));
    const base = buildBaselines([{ speaker: 'customer', segments: ex.segments.filter((s) => s.speaker === 'customer') }]);
    expect(base.customer.mean.length).toBe(FEATURE_NAMES.length);
    const mono = await extractVoice(join(FIX, 'clip_float32.wav'), { channels: ['customer'] });
    const scored = await scoreVoice(mono, { baselines: base }, model);
    expect(scored.bySpeaker.customer.personalBaseline).toBe(true);
  });
});

describe('CLI', () => {
  it('voice --json prints one document; --jsonl one line per file with typed error lines and exit code 1', () => {
    const one = JSON.parse(execFileSync(process.execPath, [CLI, 'voice', join(FIX, 'call_stereo.wav'), '--channels', 'customer,agent', '--json'], { encoding: 'utf8' }));
    expect(one.speakers).toEqual(['customer', 'agent']);
    const res = spawnSync(process.execPath, [CLI, 'voice', join(FIX, 'clip_float32.wav'), join(FIX, 'bad', 'not_a_wav.wav'), join(FIX, 'silence.wav'), '--jsonl'], { encoding: 'utf8' });
    expect(res.status).toBe(1);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0].file).toMatch(/clip_float32/);
    expect(lines[1].error.code).toBe('AUDIO_UNSUPPORTED_FORMAT');
    expect(lines[2].noSpeech).toBe(true);
    expect(res.stderr).not.toMatch(/\[/); // no progress bar when stderr is not a terminal
  });

  it('features --csv: a header of feature names and one row per file and speaker', () => {
    const out = execFileSync(process.execPath, [CLI, 'features', join(FIX, 'call_stereo.wav'), join(FIX, 'clip_float32.wav'), '--csv', '--channels', 'customer,agent'], { encoding: 'utf8' });
    const rows = out.trim().split('\n').map((l) => l.split(','));
    expect(rows[0]).toEqual(['file', 'speaker', ...FEATURE_NAMES]);
    expect(rows).toHaveLength(1 + 2 + 1);
    expect(rows[1][1]).toBe('customer');
    expect(rows.slice(1).every((r) => r.length === FEATURE_NAMES.length + 2 && r.slice(2).every((c) => Number.isFinite(Number(c))))).toBe(true);
  });

  it('--speakers-manifest shares one baseline across a speaker’s files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emosig-manifest-'));
    const m = join(dir, 'speakers.csv');
    writeFileSync(m, `path,speaker\n${join(FIX, 'clip_float32.wav')},caller\n${join(FIX, 'call_mulaw_8k.wav')},caller\n`);
    const res = spawnSync(process.execPath, [CLI, 'voice', '--speakers-manifest', m, '--jsonl'], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].bySpeaker.caller.personalBaseline).toBe(true);
  });
});
