import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseEvalManifest, parseLabelMap, readEvalManifest, checkClasses } from '../src/eval/manifest.js';
import { evaluate } from '../src/eval/evaluate.js';
import { evalHtml, evalMarkdown, predictionsCsv, writeEvalOutputs } from '../src/eval/report.js';
import { CORE_LABELS, emotionsFromVector, type CoreLabel } from '../src/signature/labels.js';
import { EmosigError } from '../src/errors.js';

const root = resolve(__dirname, '..');
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof EmosigError ? e.code : `not typed: ${String(e)}`;
  }
  return undefined;
};

describe('eval manifest', () => {
  it('every file named by the bundled fixture manifests exists (fixtures/eval/*.csv: what `npm run bench` evaluates)', () => {
    for (const [file, modality] of [['face.csv', 'face'], ['text.csv', 'text']] as const) {
      const m = readEvalManifest(join(root, 'fixtures', 'eval', file), modality);
      expect(m.items.length).toBeGreaterThan(0);
      if (modality === 'face') for (const i of m.items) expect(existsSync(String(i.input)), `${file}: ${String(i.input)}`).toBe(true);
    }
  });

  it('reads columns by header name in any order and case, paths relative to the manifest', () => {
    const m = parseEvalManifest('Speaker,LABEL,path,arousal\nspk1,angry,a/x.wav,0.8\nspk2,calm,b.wav,-0.2\nspk1,happy,"c, d.wav",\n', 'voice', {
      source: '/data/corpus/manifest.csv',
      map: parseLabelMap('calm=neutral'),
    });
    expect(m.items.map((i) => [i.input, i.truth, i.group, i.arousal])).toEqual([
      ['/data/corpus/a/x.wav', 'anger', 'spk1', 0.8],
      ['/data/corpus/b.wav', 'neutral', 'spk2', -0.2],
      ['/data/corpus/c, d.wav', 'joy', 'spk1', undefined],
    ]);
    expect(m.groupColumn).toBe('speaker');
    expect(m.dimensions).toEqual(['arousal']);
    expect(m.mapping).toEqual({ angry: 'anger', calm: 'neutral', happy: 'joy' });
  });

  it('reports unmapped labels and invalid rows instead of failing', () => {
    const m = parseEvalManifest('path,label\na.wav,boredom\nb.wav,boredom\nc.wav,anger\n,anger\nd.wav,\ne.wav,neutral\n', 'voice', { source: '/x/m.csv' });
    expect(m.unmapped).toEqual({ boredom: 2 });
    expect(m.items).toHaveLength(2);
    expect(m.issues.map((i) => i.line)).toEqual([5, 6]);
    expect(m.rows).toBe(6);
  });

  it('text manifests: text,label[,conversation]; text kept verbatim', () => {
    const m = parseEvalManifest('conversation,text,label\nc1,"  Hello, there ",neutral\n', 'text');
    expect(m.items[0]).toMatchObject({ input: '  Hello, there ', truth: 'neutral', group: 'c1' });
  });

  it('typed errors: missing columns, bad CSV, unknown --map target, one class, missing file', () => {
    expect(codeOf(() => parseEvalManifest('file,emotion\na.wav,anger\n', 'voice'))).toBe('MANIFEST_INVALID');
    expect(() => parseEvalManifest('path,speaker\na.wav,s1\n', 'face')).toThrow(/missing column label/);
    expect(codeOf(() => parseEvalManifest('label,text\nanger\n', 'voice'))).toBe('MANIFEST_INVALID');
    expect(codeOf(() => parseEvalManifest('path,label\n"a.wav,anger\n', 'voice'))).toBe('MANIFEST_INVALID');
    expect(codeOf(() => parseEvalManifest('', 'text'))).toBe('MANIFEST_INVALID');
    expect(codeOf(() => parseLabelMap('calm=relaxed'))).toBe('EVAL_UNKNOWN_LABEL');
    expect(() => parseLabelMap('calm=relaxed')).toThrow(/relaxed.*neutral, joy/);
    expect(codeOf(() => parseLabelMap('calm'))).toBe('INVALID_OPTIONS');
    expect(parseLabelMap(' Calm = Neutral , ps=surprise')).toEqual({ calm: 'neutral', ps: 'surprise' });
    const one = parseEvalManifest('path,label\na.wav,anger\nb.wav,angry\nc.wav,calm\n', 'voice');
    expect(codeOf(() => checkClasses(one))).toBe('EVAL_TOO_FEW_CLASSES');
    expect(() => checkClasses(one)).toThrow(/only one usable class \(anger.*Unmapped labels: calm/);
    expect(codeOf(() => readEvalManifest(join(tmpdir(), 'no-such-emosig-manifest.csv'), 'voice'))).toBe('INPUT_NOT_FOUND');
  });
});

describe('evaluate()', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'emosig-eval-'));
  });

  /** A predictor that answers from a table keyed by file name (throws for unknown files, like a corrupt input). */
  const table: Record<string, CoreLabel> = { 'a.wav': 'anger', 'b.wav': 'anger', 'c.wav': 'neutral', 'd.wav': 'joy', 'e.wav': 'neutral', 'f.wav': 'neutral' };
  const predict = async (it: { input: string }) => {
    const name = it.input.split('/').pop()!;
    const l = table[name];
    if (!l) throw new EmosigError('AUDIO_UNSUPPORTED_FORMAT', 'not a WAV', { input: it.input });
    return { emotions: emotionsFromVector(CORE_LABELS.map((c) => (c === l ? 0.76 : 0.04))), model: 'table@1' };
  };

  it('computes the table with a custom predictor, counts failures and unmapped labels, and resumes', async () => {
    const manifest = join(dir, 'm.csv');
    writeFileSync(manifest, 'path,label,speaker\na.wav,anger,s1\nb.wav,calm,s1\nc.wav,neutral,s2\nd.wav,neutral,s2\nx.wav,anger,s3\ne.wav,boredom,s3\nf.wav,anger,s3\n');
    let calls = 0;
    const counted = async (it: { input: string }) => {
      calls++;
      return predict(it);
    };
    const out = join(dir, 'out');
    const run = await evaluate({ modality: 'voice', manifest, map: 'calm=neutral', predict: counted, out, bootstrap: 200 });
    const r = run.report;
    // truth: a anger✓, b neutral✗(anger), c neutral✓, d neutral✗(joy), f anger✗(neutral); x failed; e unmapped
    expect(r.counts).toMatchObject({ rows: 7, usable: 6, evaluated: 5, failed: 1, unmapped: 1, reused: 0 });
    expect(r.failures.byCode).toEqual({ AUDIO_UNSUPPORTED_FORMAT: 1 });
    expect(r.failures.items[0]).toMatchObject({ line: 6, input: 'x.wav', code: 'AUDIO_UNSUPPORTED_FORMAT' });
    expect(r.unmapped).toEqual({ boredom: 1 });
    expect(r.metrics.accuracy).toBeCloseTo(2 / 5, 12);
    expect(r.metrics.uar).toBeCloseTo((1 / 2 + 1 / 3) / 2, 12); // anger 1/2, neutral 1/3
    expect(r.classes).toEqual(['neutral', 'anger']);
    expect(r.absentClasses).toContain('joy');
    expect(r.groupColumn).toBe('speaker');
    expect(r.ci.groups).toBe(3);
    expect(r.calibration.n).toBe(5);
    expect(r.calibration.bins[7]).toMatchObject({ n: 5 });
    expect(r.calibration.bins[7].accuracy).toBeCloseTo(0.4, 12);
    expect(calls).toBe(6);

    const paths = writeEvalOutputs(run, out);
    expect(JSON.parse(readFileSync(paths.json, 'utf8')).metrics.uar).toBeCloseTo(r.metrics.uar, 12);
    const html = readFileSync(paths.html, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('aria-label="reliability diagram"');
    expect(html).not.toMatch(/<script|src=|href=/);
    expect(evalMarkdown(r)).toContain('Unmapped labels (rows left out; map them with --map): boredom (1)');
    const csv = predictionsCsv(run).trim().split('\n');
    expect(csv).toHaveLength(7);
    expect(csv[0]).toMatch(/^line,input,group,label,truth,prediction,confidence,status,error_code,p_neutral/);

    // rerun: the 5 finished items come from items.jsonl; only the failed one is tried again
    calls = 0;
    const again = await evaluate({ modality: 'voice', manifest, map: 'calm=neutral', predict: counted, out, bootstrap: 200 });
    expect(calls).toBe(1);
    expect(again.report.counts.reused).toBe(5);
    expect(again.report.metrics).toEqual(r.metrics);
    expect(again.report.ci).toEqual(r.ci);

    // restricting predictions to the classes present turns d (joy) into its runner-up among neutral/anger
    const restricted = await evaluate({ modality: 'voice', manifest, map: 'calm=neutral', predict, restrictToPresent: true, bootstrap: 50 });
    expect(restricted.items.every((i) => !i.pred || ['neutral', 'anger'].includes(i.pred))).toBe(true);
  });

  it('Spearman ρ for arousal/valence columns', async () => {
    const manifest = join(dir, 'dims.csv');
    writeFileSync(manifest, 'path,label,arousal\na.wav,anger,3\nb.wav,anger,2\nc.wav,neutral,1\nd.wav,neutral,0\n');
    const ar: Record<string, number> = { 'a.wav': 0.9, 'b.wav': 0.5, 'c.wav': 0.1, 'd.wav': -0.3 };
    const run = await evaluate({
      modality: 'voice',
      manifest,
      bootstrap: 10,
      predict: async (it) => ({ ...(await predict(it)), arousal: ar[it.input.split('/').pop()!] }),
    });
    expect(run.report.dimensions?.arousal).toEqual({ rho: 1, n: 4 });
  });

  it('text end to end with the shipped model on the labelled fixture', async () => {
    const run = await evaluate({ modality: 'text', manifest: join(root, 'fixtures', 'eval', 'text.csv'), bootstrap: 100 });
    expect(run.report.counts.evaluated).toBe(43);
    expect(run.report.classes).toHaveLength(7);
    expect(run.report.groupColumn).toBe('conversation');
    // a sanity floor far above chance (1/7): the model must read plain emotional sentences
    expect(run.report.metrics.uar).toBeGreaterThan(0.5);
    // no message text in any output
    expect(JSON.stringify(run.report) + predictionsCsv(run)).not.toContain('ridiculous');
  });

  it('voice: missing and corrupt files are counted by code, the rest evaluated', async () => {
    const d = mkdtempSync(join(tmpdir(), 'emosig-eval-voice-'));
    copyFileSync(join(root, 'fixtures', 'clip_float32.wav'), join(d, 'angry.wav'));
    copyFileSync(join(root, 'fixtures', 'bad', 'not_a_wav.wav'), join(d, 'bad.wav'));
    copyFileSync(join(root, 'fixtures', 'silence.wav'), join(d, 'silence.wav'));
    writeFileSync(join(d, 'm.csv'), 'path,label\nangry.wav,anger\nbad.wav,neutral\nmissing.wav,neutral\nsilence.wav,neutral\n');
    const run = await evaluate({ modality: 'voice', manifest: join(d, 'm.csv'), bootstrap: 10 });
    expect(run.report.counts.evaluated).toBe(1);
    expect(Object.keys(run.report.failures.byCode).sort()).toEqual(['AUDIO_UNSUPPORTED_FORMAT', 'INPUT_NOT_FOUND', 'NO_SPEECH']);
  });
});

describe('emosig eval CLI', () => {
  const cli = join(root, 'dist', 'cli', 'main.js');
  it.skipIf(!existsSync(cli))('usage errors exit 2, typed errors exit 1 with the code', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'eval', ...args], { encoding: 'utf8' });
    expect(run().status).toBe(2);
    expect(run('speech', '--manifest', 'x.csv').stderr).toMatch(/unknown modality 'speech'/);
    expect(run('text').stderr).toMatch(/--manifest FILE is required/);
    const bad = run('text', '--manifest', join(root, 'fixtures', 'eval', 'text.csv'), '--map', 'calm=relaxed');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/EVAL_UNKNOWN_LABEL/);
    const ok = run('text', '--manifest', join(root, 'fixtures', 'eval', 'text.csv'), '--bootstrap', '50', '--json');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).counts.evaluated).toBe(43);
  });
});
