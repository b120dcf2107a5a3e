/**
 * The public API's edges (issue 12): one rule for strings (always a path), a named input that does not exist is an
 * error, errors recognised across the CommonJS and ESM builds, one frame clock, a closed stdout ends the CLI quietly.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeText } from '../src/text/index.js';
import { analyze } from '../src/fusion/analyze.js';
import { main as analyzeCli } from '../src/cli/analyze.js';
import { listFrames } from '../src/vision/index.js';
import { DEFAULT_FPS, checkFps } from '../src/signature/time.js';

const dir = mkdtempSync(join(tmpdir(), 'emosig-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CLI = 'dist/cli/main.js';

describe('a string is always a path', () => {
  it('analyzeText("chat.jsonl") reads the transcript, not the file name as a message', async () => {
    const r = await analyzeText('fixtures/text/support-chat.jsonl');
    expect(r.messages.length).toBeGreaterThan(3);
    const fromPath = await analyzeText({ path: 'fixtures/text/support-chat.jsonl' });
    expect(r.messages.map((m) => m.emotions)).toEqual(fromPath.messages.map((m) => m.emotions));
  });

  it('a string that is not a file is INPUT_NOT_FOUND (a message passed by mistake is not echoed)', async () => {
    await expect(analyzeText('chat-typo.jsonl')).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND', input: 'chat-typo.jsonl' });
    const e = await analyzeText('I am so angry with you people').catch((x) => x);
    expect(e).toMatchObject({ code: 'INPUT_NOT_FOUND' });
    expect(String(e.message)).not.toMatch(/angry/);
    // messages go in an array
    expect((await analyzeText(['I am so angry with you people'])).messages).toHaveLength(1);
  });

  it("analyze({ chat: 'chat.json' }) reads the file and names it as the source", async () => {
    const sig = await analyze({ chat: 'fixtures/demo/chat.json' });
    expect(sig.interaction.modalities.text).toMatchObject({ present: true, source: 'fixtures/demo/chat.json' });
    expect(sig.speakers.customer).toBeDefined();
  });
});

describe('a missing input the user named is an error', () => {
  it('analyze rejects with INPUT_NOT_FOUND naming the file, instead of dropping the modality', async () => {
    await expect(analyze({ audio: join(dir, 'typo.wav'), chat: { path: 'fixtures/demo/chat.json' } })).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND', input: join(dir, 'typo.wav') });
    await expect(analyze({ frames: join(dir, 'nope'), chat: ['hi'] })).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
  });

  it('emosig analyze --audio typo.wav --chat chat.json exits 1 with INPUT_NOT_FOUND', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const std = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await analyzeCli(['--audio', join(dir, 'typo.wav'), '--chat', 'fixtures/demo/chat.json'])).toBe(1);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/INPUT_NOT_FOUND.*typo\.wav/);
    } finally {
      err.mockRestore();
      std.mockRestore();
    }
  });
});

describe('one frame clock', () => {
  it('fps defaults to DEFAULT_FPS and 0, negative, NaN or > 60 are INVALID_OPTIONS everywhere', async () => {
    expect(DEFAULT_FPS).toBe(5);
    expect(checkFps(undefined)).toBe(5);
    for (const bad of [0, -1, Number.NaN, 61, Infinity]) expect(() => checkFps(bad)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    await expect(analyze({ frames: 'fixtures/demo/frames', fps: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    const { analyzeFaces } = await import('../src/vision/index.js');
    await expect(analyzeFaces('fixtures/demo/frames', { fps: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });

  it('the demo frame folder is on the default clock: frames at 8–15 s and 23–27 s of the call', async () => {
    const times = (await listFrames('fixtures/demo/frames', DEFAULT_FPS)).map((f) => f.time);
    expect(times).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 23, 24, 25, 26, 27]);
  });
});

describe.skipIf(!existsSync('dist/index.cjs'))('errors across module formats (needs npm run build)', () => {
  it('an EmosigError thrown by the CommonJS build is recognised by the ESM build, and the other way round', async () => {
    const cjs = createRequire(import.meta.url)(resolve('dist/index.cjs'));
    const esm = await import(pathToFileURL(resolve('dist/index.js')).href);
    expect(cjs.EmosigError).not.toBe(esm.EmosigError);
    const fromCjs = new cjs.EmosigError('INPUT_NOT_FOUND', 'x');
    const fromEsm = new esm.EmosigError('TEXT_EMPTY', 'y');
    expect(esm.isEmosigError(fromCjs)).toBe(true);
    expect(fromCjs instanceof esm.EmosigError).toBe(true);
    expect(cjs.isEmosigError(fromEsm)).toBe(true);
    expect(fromEsm instanceof cjs.EmosigError).toBe(true);
    expect(esm.errorInfo(fromCjs).code).toBe('INPUT_NOT_FOUND');
    expect(esm.isEmosigError(new Error('plain'))).toBe(false);
    expect(new Error('plain') instanceof esm.EmosigError).toBe(false);
    const thrown = await cjs.analyzeText([]).catch((e: unknown) => e);
    expect(esm.isEmosigError(thrown)).toBe(true);
  });
});

describe.skipIf(!existsSync(CLI))('a closed stdout (needs npm run build)', () => {
  it('emosig text FILE --jsonl | head -1 exits 0 quietly', async () => {
    const chat = join(dir, 'long.jsonl');
    writeFileSync(chat, Array.from({ length: 4000 }, (_, i) => JSON.stringify({ speaker: i % 2 ? 'agent' : 'customer', text: `message number ${i}, thanks a lot for the help!` })).join('\n'));
    const child = spawn(process.execPath, [CLI, 'text', chat, '--jsonl'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const first = await new Promise<string>((res) => {
      let buf = '';
      child.stdout.on('data', (d) => {
        buf += d;
        if (buf.includes('\n')) {
          child.stdout.destroy(); // what `head -1` does
          res(buf.split('\n')[0]);
        }
      });
    });
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(JSON.parse(first)).toHaveProperty('emotions');
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  }, 30_000);
});

describe('one CSV parser (csv-parse), columns by header name', () => {
  it('the voice --speakers-manifest reads path and speaker by name; quoted commas work; missing columns are typed errors', async () => {
    const { readManifest } = await import('../src/cli/voice.js');
    const m = join(dir, 'speakers.csv');
    writeFileSync(m, 'path,label,speaker\n"call, one.wav",anger,alice\ntwo.wav,joy,bob\n');
    expect(readManifest(m)).toEqual([
      { path: join(dir, 'call, one.wav'), speaker: 'alice' },
      { path: join(dir, 'two.wav'), speaker: 'bob' },
    ]);
    writeFileSync(m, 'speaker,path\r\nalice,a.wav\r\n');
    expect(readManifest(m)).toEqual([{ path: join(dir, 'a.wav'), speaker: 'alice' }]);
    writeFileSync(m, 'path,label\na.wav,anger\n');
    expect(() => readManifest(m)).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID', message: expect.stringMatching(/no speaker column/) }));
    writeFileSync(m, 'a.wav,alice\n'); // no header
    expect(() => readManifest(m)).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID' }));
    writeFileSync(m, 'path,speaker\n"a.wav,alice\n');
    expect(() => readManifest(m)).toThrow(expect.objectContaining({ code: 'MANIFEST_ROW_INVALID', message: expect.stringMatching(/never closed/) }));
  });

  it('a batch manifest with a quoted path holding a comma', async () => {
    const { parseCsvManifest } = await import('../src/batch/manifest.js');
    writeFileSync(join(dir, 'call, one.json'), '[{"text":"hi"}]');
    const m = parseCsvManifest('chat,id\n"call, one.json",c1\n', join(dir, 'manifest.csv'));
    expect(m.issues).toEqual([]);
    expect(m.interactions[0]).toMatchObject({ id: 'c1', files: { chat: join(dir, 'call, one.json') } });
  });

  it('a chat CSV: quoted commas, doubled quotes and line breaks inside a message', async () => {
    const { parseChat } = await import('../src/text/chat.js');
    const p = parseChat('text,speaker\n"Hi, I need help with ""billing""",customer\n"two\nlines",agent\n');
    expect(p.format).toBe('csv');
    expect(p.messages.map((x) => [x.text, x.speaker, x.line])).toEqual([
      ['Hi, I need help with "billing"', 'customer', 2],
      ['two\nlines', 'agent', 3],
    ]);
  });
});

describe('the public API surface', () => {
  it('src/index.ts exports the entry points, their types, errors and the schema, not internals', async () => {
    const api = await import('../src/index.js');
    const names = Object.keys(api).sort();
    for (const internal of ['VAD_STATE_SIZE', 'loadOnnx', 'packageRoot', 'modelPath', 'SileroVad', 'analyseFrames', 'toMessages', 'scoreMessages', 'jobIdFor', 'checkJobData', 'summaryRow', 'readDone', 'mulawDecode', 'Resampler', 'featurize']) {
      expect(names).not.toContain(internal);
    }
    for (const entry of ['analyze', 'analyzeVoice', 'analyzeFaces', 'analyzeText', 'createAnalyzer', 'createStream', 'analyzeBatch', 'readManifest', 'renderReport', 'parseChat', 'extractAudio', 'EmosigError', 'isEmosigError', 'SignatureSchema', 'signatureJsonSchema', 'parseSignature', 'onnxBackend', 'DEFAULT_FPS', 'computeCx', 'evaluate']) {
      expect(names).toContain(entry);
    }
    // entry points of seven areas (voice, face, text, fusion, stream, batch, CX, eval) with their helpers, no internals
    expect(names.length).toBeLessThan(64);
  });

  it.skipIf(!existsSync('dist/index.d.ts'))('the signature types are named interfaces with a doc comment per field in the shipped .d.ts', async () => {
    const { readFileSync } = await import('node:fs');
    const dts = readFileSync('dist/index.d.ts', 'utf8');
    for (const n of ['EmotionalSignature', 'SignatureWindow', 'SignatureMoment', 'SpeakerSignature', 'ModalityStatus', 'Contribution']) {
      expect(dts).toMatch(new RegExp(`interface ${n} \\{`));
    }
    const body = dts.slice(dts.indexOf('interface SignatureWindow {'), dts.indexOf('}', dts.indexOf('contributions:')));
    expect(body).toMatch(/\/\*\* Window start \(seconds\)\. \*\/\s+start: number;/);
    expect(dts).not.toMatch(/type EmotionalSignature = z\.infer/);
  });

  it('voice and text readings have one shape: overall (the whole input) and bySpeaker', async () => {
    const t = await analyzeText([{ text: 'this is useless', speaker: 'customer' }, { text: 'sorry about that', speaker: 'agent' }]);
    expect(t.overall.messages).toBe(2);
    expect(Object.keys(t.bySpeaker).sort()).toEqual(['agent', 'customer']);
  });

  it('emosig voice/analyze: --speakers is the name, --channels its alias', async () => {
    const { speakerNames } = await import('../src/cli/voice.js');
    const { inputFromArgs } = await import('../src/cli/analyze.js');
    expect(speakerNames('customer, agent')).toEqual(['customer', 'agent']);
    expect(speakerNames(undefined, 'a,b')).toEqual(['a', 'b']);
    expect(inputFromArgs({ chat: 'c.json', channels: 'cust,ag' } as never).config?.call?.speakers).toEqual(['cust', 'ag']);
  });
});
