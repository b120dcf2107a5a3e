import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { trainVoiceModel, readTrainingManifest, type TrainVoiceResult } from '../src/audio/train-custom.js';
import { analyzeVoice } from '../src/audio/analyze.js';
import { loadVoiceModel } from '../src/audio/model.js';
import { EmosigError } from '../src/errors.js';

const FIX = join(__dirname, '..', 'fixtures', 'voice-train');
const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e instanceof EmosigError ? e.code : `not typed: ${(e as Error).message}`;
  }
  return 'no error';
}

/** A manifest in a temp folder pointing at the fixture clips. */
function manifest(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'emosig-train-'));
  for (const f of ['spk1_anger_1.wav', 'spk1_sadness_1.wav']) copyFileSync(join(FIX, f), join(dir, f));
  const p = join(dir, 'm.csv');
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

describe('emosig train voice (synthetic espeak-ng fixture: 3 speakers × anger/sadness × 4)', () => {
  let out: string;
  let r: TrainVoiceResult;
  beforeAll(async () => {
    out = join(mkdtempSync(join(tmpdir(), 'emosig-vm-')), 'model');
    r = await trainVoiceModel({ manifest: join(FIX, 'manifest.csv'), out, license: 'CC0 test fixture', folds: 3 });
  }, 120_000);

  it('cross-validates by speaker and writes a model folder with its card', () => {
    expect(r.speakers).toBe(3);
    expect(r.folds).toBe(3);
    expect(r.labels).toEqual(['sadness', 'anger']);
    expect(r.cv.clip.recorded.n).toBe(24);
    // the two styles differ grossly in rate, pitch and level: a model that learnt anything separates them
    expect(r.cv.clip.recorded.uar).toBeGreaterThan(0.8);
    for (const f of ['voice-clip.onnx', 'voice-personal.onnx', 'voice.json', 'MODEL_CARD.md']) expect(existsSync(join(out, f))).toBe(true);
    const card = readFileSync(join(out, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain('CC0 test fixture');
    expect(card).toMatch(/\| clip \| as recorded \| \d\.\d{3} \|/);
    const json = JSON.parse(readFileSync(join(out, 'voice.json'), 'utf8'));
    expect(json.license).toBe('CC0 test fixture');
    expect(json.labels).toEqual(['sadness', 'anger']);
  });

  it('analyzeVoice loads it with { model: dir }: only its labels, its licence in the model info', async () => {
    const reading = await analyzeVoice(join(FIX, 'spk2_anger_3.wav'), { model: out });
    expect(reading.model.name).toBe('model');
    expect(reading.model.license).toBe('CC0 test fixture');
    expect(reading.segments.length).toBeGreaterThan(0);
    const e = reading.overall.emotions;
    expect(e.joy + e.fear + e.disgust + e.surprise + e.neutral).toBe(0);
    expect(e.anger).toBeGreaterThan(e.sadness);
    const sad = await analyzeVoice(join(FIX, 'spk2_sadness_3.wav'), { model: out });
    expect(sad.overall.emotions.sadness).toBeGreaterThan(sad.overall.emotions.anger);
    expect(sad.overall.arousal).toBeLessThan(reading.overall.arousal);
  });

  it('the CLI trains and `emosig voice --model DIR` uses the folder', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'emosig-vm-cli-')), 'm');
    const t = spawnSync(process.execPath, [CLI, 'train', 'voice', '--manifest', join(FIX, 'manifest.csv'), '--out', dir, '--json'], { encoding: 'utf8' });
    expect(t.status, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout).speakers).toBe(3);
    const v = spawnSync(process.execPath, [CLI, 'voice', join(FIX, 'spk3_anger_2.wav'), '--model', dir, '--json'], { encoding: 'utf8' });
    expect(v.status, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).model.name).toBe('m');
    const bad = spawnSync(process.execPath, [CLI, 'voice', join(FIX, 'spk3_anger_2.wav'), '--model', join(dir, 'nope')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('MODEL_MISSING');
  }, 120_000);

  it('analyze({ voiceModel }) uses the folder, and the signature carries each voice model\'s licence', async () => {
    const { analyze } = await import('../src/fusion/analyze.js');
    const own = await analyze({ audio: join(FIX, 'spk1_anger_1.wav'), voiceModel: out, speakers: ['customer'] });
    const v = own.interaction.models.find((m) => m.modality === 'voice')!;
    expect([v.name, v.license]).toEqual(['model', 'CC0 test fixture']);
    const shipped = await analyze({ audio: join(FIX, 'spk1_anger_1.wav'), speakers: ['customer'] });
    expect(shipped.interaction.models.find((m) => m.modality === 'voice')!.license).toMatch(/research-only, non-commercial/);
  }, 60_000);

  it('the shipped model says it is research-only', async () => {
    const m = await loadVoiceModel();
    expect(m.card.license).toMatch(/research-only, non-commercial/);
  });
});

describe('emosig train voice: bad manifests give typed errors', () => {
  it('names what is wrong', async () => {
    expect(await code(async () => readTrainingManifest('/nonexistent/m.csv'))).toBe('INPUT_NOT_FOUND');
    expect(await code(async () => readTrainingManifest(manifest(['file,label,speaker', 'spk1_anger_1.wav,anger,a'])))).toBe('MANIFEST_INVALID');
    expect(await code(async () => readTrainingManifest(manifest(['path,label,speaker', 'spk1_anger_1.wav,grumpy,a'])))).toBe('MANIFEST_ROW_INVALID');
    expect(await code(async () => readTrainingManifest(manifest(['path,label,speaker', 'missing.wav,anger,a'])))).toBe('MANIFEST_ROW_INVALID');
    expect(await code(async () => readTrainingManifest(manifest(['path,label,speaker,arousal', 'spk1_anger_1.wav,anger,a,4'])))).toBe('MANIFEST_ROW_INVALID');
    expect(await code(async () => readTrainingManifest(manifest(['path,label,speaker', '"spk1_anger_1.wav,anger,a'])))).toBe('MANIFEST_INVALID');
    const rows = readTrainingManifest(manifest(['Path,Label,Speaker,Valence', 'spk1_anger_1.wav,Angry,a,-0.5', 'spk1_sadness_1.wav,sad,b,']));
    expect(rows.map((r) => [r.core, r.valence])).toEqual([
      ['anger', -0.5],
      ['sadness', undefined],
    ]);
  });

  it('refuses too few speakers or classes', async () => {
    const two = manifest(['path,label,speaker', ...Array.from({ length: 8 }, (_, i) => `${i % 2 ? 'spk1_anger_1.wav,anger' : 'spk1_sadness_1.wav,sadness'},s${i % 2}`)]);
    expect(await code(trainVoiceModel({ manifest: two, out: join(tmpdir(), 'never') }))).toBe('TRAIN_TOO_FEW_SPEAKERS');
    const one = manifest(['path,label,speaker', ...Array.from({ length: 8 }, (_, i) => `spk1_anger_1.wav,anger,s${i % 4}`)]);
    expect(await code(trainVoiceModel({ manifest: one, out: join(tmpdir(), 'never') }))).toBe('TRAIN_TOO_FEW_CLASSES');
  });
});
