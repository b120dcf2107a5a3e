import { describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeText, parseChat, detectChatFormat, featurize, loadTextModel, GO_LABELS, type TextReading } from '../src/text/index.js';
import { FEATURE_VERSION } from '../src/text/features.js';
import { CORE_LABELS } from '../src/signature/labels.js';
import { main as textCli } from '../src/cli/text.js';

const FX = resolve(__dirname, '..', 'fixtures', 'text');
const fx = (f: string): string => join(FX, f);
const dominant = (e: Record<string, number>, skipNeutral = false): string =>
  Object.entries(e).filter(([k]) => !skipNeutral || k !== 'neutral').sort((a, b) => b[1] - a[1])[0][0];

describe('parseChat', () => {
  const expected = [
    ['customer', "Hi, my order #48213 still hasn't arrived and it's been three weeks."],
    ['agent', "I'm sorry to hear that. Let me look into it for you."],
  ];
  it.each([
    ['support-chat.json', 'json'],
    ['support-chat.jsonl', 'jsonl'],
    ['support-chat.csv', 'csv'],
    ['support-chat.txt', 'lines'],
  ] as const)('reads %s as %s with speaker, time and text', (file, format) => {
    const src = readFileSync(fx(file), 'utf8');
    expect(detectChatFormat(src)).toBe(format);
    const p = parseChat(src);
    expect(p.format).toBe(format);
    expect(p.issues).toEqual([]);
    expect(p.messages).toHaveLength(7);
    expect(p.messages.map((m) => m.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(p.messages[0].speaker?.toLowerCase()).toBe(expected[0][0]);
    expect(p.messages[0].text).toBe(expected[0][1]);
    expect(p.messages[1].text).toBe(expected[1][1]);
    // times are seconds; the gap between the first two messages is 35 s in every format
    expect(p.messages[1].time! - p.messages[0].time!).toBeCloseTo(35);
  });

  it('reports malformed JSONL lines with line numbers and keeps the rest', () => {
    const p = parseChat(readFileSync(fx('bad-lines.jsonl'), 'utf8'));
    expect(p.messages.map((m) => m.line)).toEqual([1, 5, 6, 8]);
    const byLine = Object.fromEntries(p.issues.map((i) => [i.line, i]));
    expect(byLine[2].code).toBe('TEXT_PARSE_ERROR');
    expect(byLine[2].message).toMatch(/^line 2: not valid JSON/);
    expect(byLine[3].code).toBe('TEXT_MISSING_FIELD');
    expect(byLine[4].code).toBe('TEXT_PARSE_ERROR');
    expect(byLine[5].code).toBe('TEXT_BAD_TIME');
    expect(byLine[7].message).toMatch(/line 7: the text field is number/);
    expect(p.messages.find((m) => m.line === 5)?.time).toBeUndefined();
  });

  it('reports malformed CSV rows with line numbers and keeps the rest', () => {
    const p = parseChat(readFileSync(fx('bad-rows.csv'), 'utf8'));
    expect(p.format).toBe('csv');
    expect(p.messages.map((m) => m.line)).toEqual([2, 4, 5]);
    expect(p.issues.map((i) => i.line)).toEqual([3, 6]);
    expect(p.issues[0].message).toMatch(/line 3: 4 fields but the header has 3/);
    expect(p.issues[1].message).toMatch(/never closed/);
  });

  it('invalid JSON is a typed error that names the line', () => {
    expect(() => parseChat('[\n{"text": "a"},\n{"text": }\n]', 'json', { input: 'x.json' })).toThrow(/x\.json: not valid JSON \(line 3\)/);
    try {
      parseChat('[{"text": }]', 'json');
    } catch (e) {
      expect((e as { code: string }).code).toBe('TEXT_PARSE_ERROR');
    }
    expect(() => parseChat('a,b\n1,2\n', 'csv')).toThrow(/no text column/);
    expect(() => parseChat('{"foo": 1}', 'json')).toThrow(/expected a JSON array/);
  });

  it('plain lines keep "[time] Speaker:" prefixes but not ordinary colons', () => {
    const p = parseChat('[00:01:05] Alice Smith: hello there\nNote the following: it broke again and again and again\nplain text\n', 'lines');
    expect(p.messages[0]).toMatchObject({ speaker: 'Alice Smith', time: 65, text: 'hello there' });
    expect(p.messages[1].speaker).toBeUndefined();
    expect(p.messages[2]).toMatchObject({ text: 'plain text' });
  });
});

describe('features', () => {
  it('are deterministic and normalise text', () => {
    const a = featurize('I am SOOOO happy!!! 😀 see https://x.io');
    const b = featurize('I am SOOOO happy!!! 😀 see https://x.io');
    expect(Array.from(a.idx)).toEqual(Array.from(b.idx));
    expect(a.tokens.map((t) => t.norm)).toEqual(['i', 'am', 'soo', 'happy', '!!', '😀', 'see', '__url__']);
    expect(a.stats.capsWords).toBe(1);
    expect(a.stats.elongated).toBe(1);
    expect(featurize('  ').idx.length).toBe(0);
  });

  it('the shipped model matches this feature version', async () => {
    const m = await loadTextModel();
    expect(m.settings.featureVersion).toBe(FEATURE_VERSION);
    expect(Object.keys(m.settings.thresholds.go)).toEqual([...GO_LABELS]);
  });
});

describe('analyzeText', () => {
  it('reads a customer-service chat', async () => {
    const r = await analyzeText({ path: fx('support-chat.json') });
    expect(r.messages).toHaveLength(7);
    const [m0, , angry, , confused, , thanks] = r.messages;
    expect(m0.speaker).toBe('customer');
    expect(m0.time).toBe(Date.parse('2026-03-02T10:00:05Z') / 1000);
    expect(m0.text).toBeUndefined(); // privacy by default
    for (const m of r.messages) {
      expect(Object.keys(m.emotions)).toEqual([...CORE_LABELS]);
      expect(Object.values(m.emotions).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
      expect(Object.keys(m.nuances)).toEqual([...GO_LABELS]);
      expect(m.valence).toBeGreaterThanOrEqual(-1);
      expect(m.valence).toBeLessThanOrEqual(1);
      expect(m.confidence).toBeGreaterThan(0);
    }
    expect(dominant(angry.emotions, true)).toBe('anger');
    expect(angry.sentiment.label).toBe('negative');
    expect(angry.flags).not.toContain('shouting'); // one capitalised word is emphasis, not shouting
    expect(confused.labels).toContain('confusion');
    expect(dominant(thanks.emotions)).toBe('joy');
    expect(thanks.labels).toContain('gratitude');
    expect(thanks.sentiment.label).toBe('positive');
    expect(thanks.valence).toBeGreaterThan(angry.valence);
    expect(thanks.cues.map((c) => c.cue)).toContain('thank');
    expect(r.bySpeaker.customer.messages).toBe(4);
    expect(r.bySpeaker.agent.messages).toBe(3);
    expect(r.overall.messages).toBe(7);
    expect(r.bySpeaker.customer.valenceTrend).toBeGreaterThan(0);
  });

  it('the JS backend computes exactly what the ONNX graph in onnxruntime computes', async () => {
    const [js, ort] = await Promise.all([
      analyzeText({ path: fx('edge-cases.json') }),
      analyzeText({ path: fx('edge-cases.json') }, { backend: 'onnx' }),
    ]);
    expect(ort.messages.length).toBe(js.messages.length);
    js.messages.forEach((m, i) => {
      const o = ort.messages[i];
      for (const l of GO_LABELS) expect(o.nuances[l]).toBeCloseTo(m.nuances[l], 3);
      for (const l of CORE_LABELS) expect(o.emotions[l]).toBeCloseTo(m.emotions[l], 3);
      expect(o.valence).toBeCloseTo(m.valence, 3);
      expect(o.arousal).toBeCloseTo(m.arousal, 3);
      expect(o.cues.map((c) => c.cue)).toEqual(m.cues.map((c) => c.cue));
    });
  });

  it('gives the same readings for all four formats', async () => {
    const rs = await Promise.all(['support-chat.json', 'support-chat.jsonl', 'support-chat.csv', 'support-chat.txt'].map((f) => analyzeText({ path: fx(f) })));
    for (const r of rs.slice(1)) expect(r.messages.map((m) => m.nuances)).toEqual(rs[0].messages.map((m) => m.nuances));
  });

  it('flags bad messages instead of guessing or crashing', async () => {
    const r = await analyzeText({ path: fx('edge-cases.json') });
    const at = (i: number) => r.messages.find((m) => m.index === i)!;
    for (const i of [0, 1]) {
      expect(at(i).flags).toContain('empty');
      expect(at(i).confidence).toBe(0);
      expect(Object.values(at(i).emotions).every((v) => v === 0)).toBe(true);
    }
    expect(at(2).flags).toContain('html');
    expect(at(2).labels).toContain('disappointment');
    expect(at(3).flags).toContain('emoji-only');
    expect(at(3).sentiment.score).toBeLessThan(0);
    for (const i of [4, 5]) {
      expect(at(i).flags).toContain('language-unsupported');
      expect(at(i).confidence).toBeLessThan(0.3);
    }
    expect(at(6).flags).toContain('invalid-text');
    expect(at(7).flags).toContain('shouting');
    expect(dominant(at(7).emotions, true)).toBe('anger');
    expect(r.messages.find((m) => m.index === 8)).toBeUndefined();
    expect(r.issues).toEqual([expect.objectContaining({ index: 8, code: 'TEXT_MISSING_FIELD' })]);
    expect(at(9).sentiment.label).toBe('positive');
    expect(r.overall.messages).toBe(7); // empties are not averaged in
  });

  it('cuts a 1 MB message and flags it', async () => {
    const big = 'I am so frustrated with this service. '.repeat(28_000);
    expect(big.length).toBeGreaterThan(1_000_000);
    const t0 = performance.now();
    const r = await analyzeText([big]);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.messages[0].flags).toContain('truncated');
    expect(r.messages[0].sentiment.label).toBe('negative');
  });

  it('reports invalid UTF-8 and still scores the file', async () => {
    const r = await analyzeText({ path: fx('invalid-utf8.txt') });
    expect(r.issues[0]).toMatchObject({ code: 'TEXT_INVALID_UTF8', line: 1 });
    expect(r.messages).toHaveLength(2);
    expect(r.messages[0].flags).toContain('invalid-text');
    expect(r.messages[1].speaker).toBe('Agent');
  });

  it('throws typed errors for unusable input', async () => {
    await expect(analyzeText('')).rejects.toMatchObject({ code: 'TEXT_EMPTY' });
    await expect(analyzeText('   \n ')).rejects.toMatchObject({ code: 'TEXT_EMPTY' });
    await expect(analyzeText([])).rejects.toMatchObject({ code: 'TEXT_EMPTY' });
    await expect(analyzeText({ path: fx('nope.json') })).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
    await expect(analyzeText({ path: FX })).rejects.toMatchObject({ code: 'INPUT_IS_DIRECTORY' });
    await expect(analyzeText({ content: '[{"text": "a"' })).rejects.toMatchObject({ code: 'TEXT_PARSE_ERROR' });
    await expect(analyzeText(42 as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(analyzeText(['hello'], { modelDir: '/nonexistent' })).rejects.toMatchObject({ code: 'MODEL_MISSING' });
  });

  it('accepts plain strings and message arrays, and echoes text only when asked', async () => {
    const r = await analyzeText(['thank you!', { text: 'this is awful', speaker: 'c', time: 3 }], { echo: true });
    expect(r.messages[0].text).toBe('thank you!');
    expect(r.messages[1]).toMatchObject({ speaker: 'c', time: 3, text: 'this is awful' });
    expect(r.messages[1].sentiment.label).toBe('negative');
  });
});

describe('emosig text (CLI)', () => {
  async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '', err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      const code = await textCli(args);
      return { code, out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('--jsonl prints one line per input item with index, and errors in place', async () => {
    const { code, out } = await run([fx('bad-lines.jsonl'), '--jsonl']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(lines[1].error.code).toBe('TEXT_PARSE_ERROR');
    expect(lines[1].line).toBe(2);
    expect(lines[0]).toMatchObject({ index: 0, time: 0, speaker: 'customer' });
    expect(lines[0].text).toBeUndefined();
    expect(lines[5].flags).toContain('empty');
  });

  it('--echo includes the text; --json prints one document; bad files exit 1', async () => {
    const a = await run([fx('support-chat.csv'), '--jsonl', '--echo', '--format', 'csv']);
    expect(JSON.parse(a.out.split('\n')[0]).text).toMatch(/^Hi, my order/);
    const b = await run([fx('support-chat.txt'), '--json']);
    const doc = JSON.parse(b.out) as TextReading;
    expect(doc.messages).toHaveLength(7);
    expect(doc.bySpeaker.Customer.messages).toBe(4);
    const c = await run([fx('missing.json')]);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/INPUT_NOT_FOUND/);
    const d = await run([fx('support-chat.json'), '--format', 'xml']);
    expect(d.code).toBe(2);
  });
});

const DATA = resolve(__dirname, '..', '..', 'shared', 'data', 'text', 'goemotions', 'test.tsv');
describe.skipIf(!existsSync(DATA))('on GoEmotions test (needs ../shared/data; skipped when absent)', () => {
  it('beats chance clearly on 600 test comments', async () => {
    const rows = readFileSync(DATA, 'utf8').trim().split('\n').slice(0, 600).map((l) => l.split('\t'));
    const r = await analyzeText(rows.map((x) => x[0]), { explain: false });
    // sentiment agreement on comments whose gold labels fall in one sentiment group
    const pos = new Set([0, 1, 4, 5, 8, 13, 15, 17, 18, 20, 21, 23].map(String));
    const neg = new Set([2, 3, 9, 10, 11, 12, 14, 16, 19, 24, 25].map(String));
    let n = 0, ok = 0;
    rows.forEach((x, i) => {
      const ids = x[1].split(',');
      const g = ids.every((l) => pos.has(l)) ? 'positive' : ids.every((l) => neg.has(l)) ? 'negative' : undefined;
      if (!g) return;
      n++;
      if (r.messages[i].sentiment.label === g) ok++;
    });
    expect(n).toBeGreaterThan(200);
    expect(ok / n).toBeGreaterThan(0.7);
  });
});
