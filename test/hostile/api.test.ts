/**
 * Hostile inputs through the library API (one regression test per numbered defect of issue 14) and
 * property-based fuzzing (fast-check) of the parsers: chat formats, times, WAV headers, batch manifests,
 * queue job data. Each case is bounded in time; outcomes are logged for the README (test/hostile/record.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, analyzeFaces, analyzeText, analyzeVoice, EmosigError, parseChat, fuseReadings, loadReliability, parseSignature } from '../../src/index.js';
import { parseTime } from '../../src/text/chat.js';
import { openWav, encodeWav } from '../../src/audio/decode.js';
import { parseCsvManifest, parseJsonlManifest } from '../../src/batch/manifest.js';
import { checkJobData } from '../../src/batch/queue.js';
import { loadOnnx } from '../../src/runtime/onnx.js';
import { MAX_TIMELINE_SEC } from '../../src/limits.js';
import { bounded, record } from './record.js';
import { SECRET } from './secret.js';

const SUITE = 'api';
const heapMb = () => process.memoryUsage().rss / 2 ** 20;

/** Run a hostile case: bounded in time, never untyped, never echoing the planted secret; logged. */
async function hostile<T>(name: string, f: () => Promise<T>, o: { ms?: number; expect?: 'typed' | 'ok' | 'either'; flagged?: (v: T) => boolean } = {}): Promise<{ value?: T; error?: unknown }> {
  const r = await bounded(o.ms ?? 10_000, f);
  const outcome = r.outcome === 'ok' && o.flagged?.(r.value as T) ? 'flagged' : r.outcome;
  record(SUITE, name, outcome, { ms: Math.round(r.ms) });
  expect(r.outcome, `${name}: ${r.outcome === 'crash' ? String(r.error) : r.outcome}`).not.toBe('crash');
  expect(r.outcome, name).not.toBe('hang');
  if (o.expect === 'typed') expect(r.outcome, name).toBe('typed');
  if (o.expect === 'ok') expect(r.outcome, name).toBe('ok');
  const text = r.error instanceof Error ? r.error.message : JSON.stringify(r.value ?? '');
  expect(text.includes(SECRET), `${name}: the planted secret came back`).toBe(false);
  return r;
}

const tmp = mkdtempSync(join(tmpdir(), 'emosig-hostile-'));

describe('defect 2: unbounded timeline', () => {
  it('a chat time of 1e12 or 1e308 neither hangs nor allocates: flagged off the timeline', async () => {
    const rss0 = heapMb();
    for (const t of [1e12, 1e308, MAX_TIMELINE_SEC + 1]) {
      const { value } = await hostile(
        `chat time ${t}`,
        () => analyze({ chat: [{ text: 'this is terrible, I want a refund', time: 1 }, { text: 'I am really angry now', time: t, speaker: 'customer' }] }),
        { ms: 15_000, expect: 'ok', flagged: (s) => s.interaction.problems.some((p) => p.code === 'CHAT_TIME_BEYOND_MAX' || p.code === 'CHAT_OUTSIDE_SPAN') },
      );
      expect(value!.interaction.durationSec).toBeLessThanOrEqual(MAX_TIMELINE_SEC);
      expect(value!.interaction.problems.map((p) => p.code)).toContain('CHAT_TIME_BEYOND_MAX');
    }
    expect(heapMb() - rss0).toBeLessThan(300);
  }, 60_000);

  it('refuses fps 1e-300 and 1e9, hop 1e-300 and offsets of 1e15 with INVALID_OPTIONS naming the field', async () => {
    const cases: [string, Parameters<typeof analyze>[0], string][] = [
      ['fps 1e-300', { frames: 'fixtures/face', fps: 1e-300 }, 'fps'],
      ['fps 1e9', { frames: 'fixtures/face', fps: 1e9 }, 'fps'],
      ['hop 1e-300', { chat: ['hello'], window: { size: 2, hop: 1e-300 } }, 'hop'],
      ['offset 1e15', { chat: ['hello'], offsets: { text: 1e15 } }, 'offsets'],
    ];
    for (const [name, input, field] of cases) {
      const { error } = await hostile(name, () => analyze(input), { expect: 'typed' });
      expect((error as EmosigError).code).toBe('INVALID_OPTIONS');
      expect((error as Error).message).toContain(field);
    }
    const rel = loadReliability();
    expect(() => fuseReadings({}, rel, { speakers: ['a'], window: { size: 2, hop: 1e-300 } })).toThrow(/hop/);
  });
});

describe('defect 3: readers without limits', () => {
  it('refuses devices, FIFOs and folders where a transcript is expected', async () => {
    const fifo = join(tmp, 'chat.fifo');
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [fifo]);
    for (const [name, p, code] of [
      ['text /dev/zero', '/dev/zero', 'INPUT_NOT_A_FILE'],
      ['text /dev/urandom', '/dev/urandom', 'INPUT_NOT_A_FILE'],
      ['text FIFO', fifo, 'INPUT_NOT_A_FILE'],
      ['text folder', tmp, 'INPUT_IS_DIRECTORY'],
    ] as const) {
      const { error } = await hostile(name, () => analyzeText({ path: p }), { ms: 5000, expect: 'typed' });
      expect((error as EmosigError).code).toBe(code);
    }
    const { error } = await hostile('face FIFO (defect 9)', () => analyzeFaces(fifo), { ms: 5000, expect: 'typed' });
    expect((error as EmosigError).code).toBe('INPUT_NOT_A_FILE');
    expect((error as Error).message).not.toMatch(/empty/);
  });
});

describe('defect 5: no user content in errors or problems', () => {
  it('a JSONL line that is not JSON is reported by position, not quoted', async () => {
    const chat = `{"text":"hello, where is my order","time":1}\n{"text": ${SECRET} is my card}\n{"text":"thanks","time":"${SECRET}"}\n`;
    const { value } = await hostile('jsonl with a card number', () => analyze({ chat: { content: chat, name: 'chat.jsonl' } }), { expect: 'ok', flagged: (s) => s.interaction.problems.length > 0 });
    const problems = JSON.stringify(value!.interaction.problems);
    expect(problems).toContain('TEXT_PARSE_ERROR');
    expect(problems).not.toContain(SECRET);
    expect(value!.interaction.kept.text).toBe(false);
    expect(JSON.stringify(value)).not.toContain(SECRET);
  });
  it('a broken JSON array is reported without quoting it', async () => {
    const { error } = await hostile('json array with a card number', () => analyzeText({ content: `[{"text": "hi"}, {"text": ${SECRET}}]`, name: 'chat.json' }), { expect: 'typed' });
    expect((error as Error).message).not.toContain(SECRET);
  });
});

describe('defect 6: silent wrong results', () => {
  it('speakers named __proto__ and constructor keep their own entries', async () => {
    const chat = [
      { text: 'I am so angry about this', speaker: '__proto__', time: 1 },
      { text: 'I understand, let me help you', speaker: 'constructor', time: 2 },
      { text: 'thank you so much', speaker: 'toString', time: 3 },
    ];
    const { value: t } = await hostile('text speakers __proto__', () => analyzeText(chat), { expect: 'ok' });
    expect(Object.keys(t!.bySpeaker).sort()).toEqual(['__proto__', 'constructor', 'toString'].sort());
    const { value: s } = await hostile('signature speakers __proto__', () => analyze({ chat, speakers: ['__proto__', 'constructor'] }), { expect: 'ok' });
    expect(Object.keys(s!.speakers)).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'toString']));
    const round = parseSignature(JSON.parse(JSON.stringify(s)));
    expect(Object.keys(round.speakers)).toEqual(expect.arrayContaining(['__proto__', 'constructor']));
    const x = new Float32Array(16000);
    const { value: v } = await hostile('voice channel named constructor', () => analyzeVoice({ samples: [x, x], sampleRate: 16000 }, { channels: ['__proto__', 'constructor'] }), { expect: 'ok' });
    expect(Object.keys(v!.bySpeaker).sort()).toEqual(['__proto__', 'constructor']);
  });

  it('"99:99" is not a time; "75:30" and "1:02:03" are', () => {
    expect(parseTime('99:99')).toBeUndefined();
    expect(parseTime('1:75:00')).toBeUndefined();
    expect(parseTime('75:30')).toBe(4530);
    expect(parseTime('1:02:03')).toBe(3723);
    record(SUITE, 'time 99:99', 'typed');
  });

  it('stereo channels of different lengths are cut with a warning', async () => {
    const a = new Float32Array(32000), b = new Float32Array(16000);
    const { value } = await hostile('stereo of different lengths', () => analyzeVoice({ samples: [a, b], sampleRate: 16000 }), { expect: 'ok', flagged: (r) => r.warnings.length > 0 });
    expect(value!.warnings.join(' ')).toMatch(/different lengths/);
  });

  it('a truncated video is flagged in the signature', () => {
    const sig = fuseReadings(
      { face: { frames: [{ time: 0, source: 'v', width: 1, height: 1, faces: [] }, { time: 3, source: 'v', width: 1, height: 1, faces: [] }], tracks: [], model: 'm', backend: 'b' } as never },
      loadReliability(),
      { speakers: ['customer'], videoDurationSec: 60 },
    );
    expect(sig.interaction.problems.map((p) => p.code)).toContain('VIDEO_TRUNCATED');
    record(SUITE, 'truncated video', 'flagged');
  });
});

describe('defect 7: typed errors from the API (INVALID_OPTIONS naming the field)', () => {
  const cases: [string, () => Promise<unknown>, string][] = [
    ['analyzeVoice samples null', () => analyzeVoice({ samples: null, sampleRate: 16000 } as never), 'input'],
    ['analyzeVoice null', () => analyzeVoice(null as never), 'input'],
    ['analyzeText content 5', () => analyzeText({ content: 5 } as never), 'input'],
    ['analyzeText options.format', () => analyzeText('hi', { format: 'xml' as never }), 'options.format'],
    ['analyzeFaces null', () => analyzeFaces(null as never), 'input'],
    ['analyzeFaces inputSize 7', () => analyzeFaces('fixtures/face', { inputSize: 7 }), 'options.inputSize'],
    ['analyze chat speaker 5', () => analyze({ chat: [{ speaker: 5, text: 'hi' }] } as never), 'input.chat[0].speaker'],
    ['analyze chat time string', () => analyze({ chat: [{ time: 'soon', text: 'hi' }] } as never), 'input.chat[0].time'],
    ['analyze speakers 5', () => analyze({ chat: ['hi'], speakers: 5 } as never), 'input.speakers'],
    ['analyze null', () => analyze(null as never), 'analyze'],
  ];
  for (const [name, f, field] of cases) {
    it(name, async () => {
      const { error } = await hostile(name, f, { expect: 'typed' });
      expect((error as EmosigError).code).toBe('INVALID_OPTIONS');
      expect((error as Error).message).toContain(field);
    });
  }
});

describe('defect 8: resource options are capped', () => {
  it('intraOpThreads 1e6 and 20000 are refused', async () => {
    for (const n of [1e6, 20000, 0, 1.5]) {
      const { error } = await hostile(`intraOpThreads ${n}`, () => loadOnnx('models/voice/voice-emotion.onnx', { intraOpThreads: n }), { expect: 'typed' });
      expect((error as EmosigError).code).toBe('INVALID_OPTIONS');
      const r = await hostile(`analyzeVoice intraOpThreads ${n}`, () => analyzeVoice('fixtures/silence.wav', { intraOpThreads: n }), { expect: 'typed' });
      expect((r.error as Error).message).toContain('intraOpThreads');
    }
  });
});

describe('defect 9: misleading WAV message', () => {
  it('a WAV whose LIST chunk lies about its size is named as such', async () => {
    const wav = Buffer.from(encodeWav([new Float32Array(1600)], 16000));
    // insert a LIST chunk claiming 1 MB before "fmt "
    const list = Buffer.alloc(12);
    list.write('LIST', 0, 'ascii');
    list.writeUInt32LE(1 << 20, 4);
    list.write('INFO', 8, 'ascii');
    const bad = Buffer.concat([wav.subarray(0, 12), list, wav.subarray(12)]);
    const { error } = await hostile('WAV lying LIST size', () => openWav(new Uint8Array(bad)), { expect: 'typed' });
    expect((error as Error).message).toMatch(/"LIST" chunk at byte 12 says it is 1048576 bytes/);
    expect((error as Error).message).not.toMatch(/no "fmt " chunk, so/);
  });
});

describe('property-based fuzzing of the parsers', () => {
  it('parseChat: any text in any format gives messages and issues or TEXT_PARSE_ERROR, never quoting a bad line', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.json({ maxDepth: 3 }),
      fc.constantFrom(`{"text":"${SECRET}"`, `${SECRET},"a"`, `[12:01] Bob: hi`, '"unterminated', '{"text":"hi","time":"99:99"}', '\u0000\uFFFF', '{"speaker":"__proto__","text":"x"}'),
    );
    let n = 0;
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.constantFrom(undefined, 'json', 'jsonl', 'csv', 'lines'), (lines, format) => {
        n++;
        const src = lines.join('\n');
        try {
          const p = parseChat(src, format as never);
          expect(Array.isArray(p.messages)).toBe(true);
          for (const i of p.issues) expect(i.message).not.toContain(SECRET);
        } catch (e) {
          expect(e).toBeInstanceOf(EmosigError);
          if ((e as EmosigError).code === 'TEXT_PARSE_ERROR' && format !== 'csv') expect((e as Error).message).not.toContain(SECRET);
        }
      }),
      { numRuns: 400, seed: 1414 },
    );
    record(SUITE, 'fuzz parseChat', 'ok', { runs: n });
  });

  it('parseTime: any string gives a finite number or undefined', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{1,3}:\d{1,3}(:\d{1,3})?$/), fc.double()), (s) => {
        const t = parseTime(s);
        if (t !== undefined) expect(Number.isFinite(t)).toBe(true);
      }),
      { numRuns: 500, seed: 14 },
    );
    record(SUITE, 'fuzz parseTime', 'ok', { runs: 500 });
  });

  it('WAV header parser: random and mutated headers are read or refused with a typed error, quickly', async () => {
    const good = Buffer.from(encodeWav([new Float32Array(800)], 16000));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }).map((muts) => {
            const b = Buffer.from(good);
            for (const [i, v] of muts) b[i] = v;
            return new Uint8Array(b);
          }),
          fc.nat(good.length).map((cut) => new Uint8Array(good.subarray(0, cut))),
        ),
        async (bytes) => {
          n++;
          const r = await bounded(2000, async () => {
            const w = await openWav(bytes);
            for await (const _ of w.blocks(4096)) void _;
            await w.close();
          });
          expect(r.outcome === 'crash' ? String(r.error) : r.outcome).not.toMatch(/crash|hang|Error/);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
    record(SUITE, 'fuzz WAV header', 'ok', { runs: n });
  });

  it('batch manifests (CSV and JSONL): rows become interactions or issues; the parser never throws untyped', () => {
    const cell = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('', '"', '""', '../../etc/passwd', '/dev/zero', SECRET, '__proto__', 'a,b', 'customer|agent'));
    const row = fc.array(cell, { minLength: 1, maxLength: 6 }).map((cs) => cs.join(','));
    const header = fc.constantFrom('id,audio,video,frames,chat,speakers', 'id,audio', 'audio,chat', 'nothing', '');
    let n = 0;
    fc.assert(
      fc.property(header, fc.array(row, { maxLength: 10 }), (h, rows) => {
        n++;
        for (const parse of [() => parseCsvManifest([h, ...rows].join('\n'), join(tmp, 'm.csv')), () => parseJsonlManifest(rows.map((r) => JSON.stringify(Object.fromEntries(r.split(',').map((c, i) => [['id', 'audio', 'chat', 'speakers'][i % 4], c])))).join('\n'), join(tmp, 'm.jsonl'))]) {
          try {
            const m = parse();
            expect(m.interactions.length + m.issues.length).toBeGreaterThanOrEqual(0);
          } catch (e) {
            expect(e).toBeInstanceOf(EmosigError);
          }
        }
      }),
      { numRuns: 200, seed: 3 },
    );
    record(SUITE, 'fuzz manifests', 'ok', { runs: n });
  });

  it('queue job data: paths outside the allowed root (also through symlinks) are refused', () => {
    const root = join(tmp, 'root');
    mkdirSync(join(root, 'in'), { recursive: true });
    writeFileSync(join(root, 'in', 'a.json'), '["hi"]');
    symlinkSync('/etc', join(root, 'in', 'escape'));
    const ok = { interactionId: 'a', files: { chat: join(root, 'in', 'a.json') }, out: join(root, 'out', 'new') };
    expect(checkJobData(ok, '1', { allowedRoots: [root] }).interactionId).toBe('a');
    const bad = [
      { ...ok, out: '/tmp/elsewhere' },
      { ...ok, files: { chat: '/etc/passwd' } },
      { ...ok, files: { chat: join(root, 'in', '..', '..', 'x.json') } },
      { ...ok, files: { chat: join(root, 'in', 'escape', 'passwd') } },
      { ...ok, out: join(root + '-sibling', 'out') },
    ];
    for (const d of bad) expect(() => checkJobData(d, '2', { allowedRoots: [root] })).toThrow(/outside the allowed root/);
    fc.assert(
      fc.property(fc.anything(), (d) => {
        try {
          checkJobData(d, 'f', { allowedRoots: [root] });
        } catch (e) {
          expect(e).toBeInstanceOf(EmosigError);
          expect((e as EmosigError).code).toBe('QUEUE_JOB_INVALID');
        }
      }),
      { numRuns: 300, seed: 5 },
    );
    record(SUITE, 'queue job data outside root', 'typed', { runs: bad.length + 300 });
  });
});
