import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EmosigError } from '../src/errors.js';
import { parseCsvManifest, parseJsonlManifest, readManifest, scanDirectory, type Interaction } from '../src/batch/manifest.js';
import { analyzeBatch } from '../src/batch/pool.js';
import { csvField, errorPath, signaturePath, summaryCsv } from '../src/batch/output.js';
import { csvRecords } from '../src/text/chat.js';
import { parseSignature } from '../src/signature/schema.js';
import { main } from '../src/cli/batch.js';

const FX = resolve('fixtures');
const STEREO = join(FX, 'call_stereo.wav');
const MULAW = join(FX, 'call_mulaw_8k.wav');
const FRAMES = join(FX, 'demo', 'frames');
const CHAT = join(FX, 'demo', 'chat.json');
const dir = mkdtempSync(join(tmpdir(), 'emosig-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `f` with stderr captured; returns what was written. */
async function captureStderr(f: () => Promise<unknown>): Promise<string> {
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await f();
    return spy.mock.calls.map((c) => String(c[0])).join('');
  } finally {
    spy.mockRestore();
  }
}

describe('batch manifests', () => {
  beforeAll(() => {
    mkdirSync(join(dir, 'm', 'chats'), { recursive: true });
    copyFileSync(CHAT, join(dir, 'm', 'chats', 'c1.json'));
  });

  it('CSV: relative paths, quoting, speakers; bad rows become typed issues naming the line and what to do', () => {
    const csv = [
      'id,audio,video,frames,chat,speakers',
      `call1,${STEREO},,${FRAMES},chats/c1.json,customer|agent`,
      `call2,${MULAW},,,,"cust, ag"`,
      `call3,${join(dir, 'nope.wav')},,,,`,
      `,${MULAW},,,,`,
      `a/b,${MULAW},,,,`,
      `CALL1,${MULAW},,,,`,
      `call5,${MULAW},,`,
      `call6,,${STEREO},${FRAMES},,`,
      `call7,,,,,`,
      `call8,${FX},,,,`,
    ].join('\r\n');
    const m = parseCsvManifest(csv, join(dir, 'm', 'manifest.csv'));
    expect(m.interactions.map((i) => i.id)).toEqual(['call1', 'call2']);
    expect(m.interactions[1].speakers).toEqual(['cust', 'ag']);
    expect(m.interactions[0]).toMatchObject({ files: { audio: STEREO, frames: FRAMES, chat: join(dir, 'm', 'chats', 'c1.json') }, speakers: ['customer', 'agent'], origin: 'manifest.csv line 2' });
    const issues = m.issues.map((i) => [i.id, i.error.code, i.error.message]);
    expect(m.issues.every((i) => i.error instanceof EmosigError)).toBe(true);
    expect(issues).toEqual([
      ['call3', 'INPUT_NOT_FOUND', expect.stringMatching(/^manifest\.csv line 4 \(call3\): the audio file .*nope\.wav does not exist; fix the path/)],
      [undefined, 'MANIFEST_ROW_INVALID', expect.stringMatching(/^manifest\.csv line 5: the id is missing; give every interaction a unique id/)],
      ['a/b', 'MANIFEST_ROW_INVALID', expect.stringMatching(/line 6: id 'a\/b' cannot name an output file; use up to 200 letters/)],
      ['CALL1', 'MANIFEST_ROW_INVALID', expect.stringMatching(/line 7: id 'CALL1' is already used by manifest\.csv line 2/)],
      ['call5', 'MANIFEST_ROW_INVALID', expect.stringMatching(/line 8: 4 fields where the header has 6 .*quote values that contain commas/)],
      ['call6', 'MANIFEST_ROW_INVALID', expect.stringMatching(/line 9 \(call6\): both video and frames are given; keep one/)],
      ['call7', 'MANIFEST_ROW_INVALID', expect.stringMatching(/line 10 \(call7\): no input file; give at least one of audio, video, frames, chat/)],
      ['call8', 'INPUT_IS_DIRECTORY', expect.stringMatching(/line 11 \(call8\): the audio path .* is a folder, not a file/)],
    ]);
  });

  it('CSV: a bad header or an empty file is a MANIFEST_INVALID error for the whole manifest', () => {
    const bad = (text: string) => {
      try {
        parseCsvManifest(text, join(dir, 'm', 'x.csv'));
      } catch (e) {
        return e as EmosigError;
      }
      throw new Error('expected an error');
    };
    expect(bad('id,adio\ncall1,a.wav\n')).toMatchObject({ code: 'MANIFEST_INVALID', message: expect.stringMatching(/x\.csv: line 1: .* unknown column\(s\) adio; use the columns id,audio,video,frames,chat,speakers/) });
    expect(bad('audio,chat\n')).toMatchObject({ code: 'MANIFEST_INVALID' });
    expect(bad('')).toMatchObject({ code: 'MANIFEST_INVALID', message: expect.stringMatching(/empty/) });
  });

  it('JSONL: flat or nested files, interactionId alias; bad lines become issues', () => {
    const lines = [
      JSON.stringify({ id: 'j1', audio: MULAW, speakers: ['cust', 'ag'] }),
      JSON.stringify({ interactionId: 'j2', files: { chat: 'chats/c1.json' } }),
      '',
      '{"id": "j3", "audio": ',
      JSON.stringify({ id: 'j4', audio: MULAW, colour: 'red' }),
      JSON.stringify({ id: 'j5', audio: 42 }),
      JSON.stringify(['j6']),
    ].join('\n');
    const m = parseJsonlManifest(lines, join(dir, 'm', 'manifest.jsonl'));
    expect(m.interactions).toMatchObject([
      { id: 'j1', files: { audio: MULAW }, speakers: ['cust', 'ag'] },
      { id: 'j2', files: { chat: join(dir, 'm', 'chats', 'c1.json') } },
    ]);
    expect(m.issues.map((i) => `${i.id ?? '-'} ${i.error.code} ${i.error.message}`)).toEqual([
      expect.stringMatching(/^- MANIFEST_ROW_INVALID manifest\.jsonl line 4: not valid JSON .*; write one JSON object per line$/),
      expect.stringMatching(/^j4 MANIFEST_ROW_INVALID manifest\.jsonl line 5: unknown field\(s\) colour; use id, interactionId/),
      expect.stringMatching(/^j5 MANIFEST_ROW_INVALID manifest\.jsonl line 6 \(j5\): audio must be a path/),
      expect.stringMatching(/^- MANIFEST_ROW_INVALID manifest\.jsonl line 7: expected a JSON object/),
    ]);
  });

  it('a folder: files grouped by stem, frame folders, the output folder and unknown files left out', () => {
    const d = join(dir, 'calls');
    mkdirSync(join(d, 'call1.frames'), { recursive: true });
    mkdirSync(join(d, 'out', 'x'), { recursive: true });
    copyFileSync(MULAW, join(d, 'call1.wav'));
    copyFileSync(CHAT, join(d, 'call1.json'));
    copyFileSync(join(FRAMES, 'frame_0040.jpg'), join(d, 'call1.frames', 'frame_0008.jpg'));
    copyFileSync(join(FRAMES, 'frame_0040.jpg'), join(d, 'out', 'x', 'frame_0008.jpg'));
    copyFileSync(CHAT, join(d, 'call2.json'));
    writeFileSync(join(d, 'call2.txt'), 'hello\n');
    writeFileSync(join(d, 'notes.md'), '# notes\n');
    writeFileSync(join(d, '.hidden.wav'), '');
    const m = scanDirectory(d, { exclude: [join(d, 'out')] });
    expect(m.interactions).toEqual([{ id: 'call1', files: { audio: join(d, 'call1.wav'), frames: join(d, 'call1.frames'), chat: join(d, 'call1.json') }, origin: 'calls/ (call1.*)' }]);
    expect(m.issues.map((i) => [i.id, i.error.code, i.error.message])).toEqual([['call2', 'MANIFEST_ROW_INVALID', 'calls/ (call2.*): 2 chat inputs (call2.json, call2.txt); keep one, or rename them to different stems']]);
    expect(m.ignored).toEqual([join(d, 'notes.md')]);
  });

  it('readManifest: a missing path, an unknown type or an empty folder is a typed error', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as EmosigError).code;
      }
    };
    expect(code(() => readManifest(join(dir, 'absent.csv')))).toBe('INPUT_NOT_FOUND');
    writeFileSync(join(dir, 'm.yaml'), 'id: 1\n');
    expect(code(() => readManifest(join(dir, 'm.yaml')))).toBe('MANIFEST_INVALID');
    mkdirSync(join(dir, 'empty'));
    expect(code(() => readManifest(join(dir, 'empty')))).toBe('MANIFEST_INVALID');
  });
});

describe('summary CSV', () => {
  it('escapes fields (RFC 4180) and lays out one column pair per speaker', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('plain')).toBe('plain');
    const text = summaryCsv([
      { id: 'x,1', status: 'ok', durationSec: 3, modalities: ['voice', 'text'], speakers: [{ name: 'customer', dominant: 'anger', escalation: 0.5 }], escalation: 0.5, escalationSpeaker: 'customer', reasons: ['a "loud" one', 'b'] },
      { id: 'y', status: 'error', error: { code: 'NOTHING_USABLE', message: 'nothing usable, see\nthis' } },
    ]);
    const recs = csvRecords(text).map((r) => r.fields);
    expect(recs[0]).toEqual(['id', 'status', 'duration_sec', 'modalities', 'customer_dominant', 'customer_escalation', 'escalation_max', 'escalation_speaker', 'top_reasons', 'error_code', 'error_message']);
    expect(recs[1]).toEqual(['x,1', 'ok', '3.00', 'voice; text', 'anger', '0.500', '0.500', 'customer', 'a "loud" one | b', '', '']);
    expect(recs[2]).toEqual(['y', 'error', '', '', '', '', '', '', '', 'NOTHING_USABLE', 'nothing usable, see\nthis']);
  });
});

describe('analyzeBatch (worker threads)', () => {
  const out = join(dir, 'out');
  const items: Interaction[] = [
    { id: 'demo', files: { audio: STEREO, frames: FRAMES, chat: CHAT }, speakers: ['customer', 'agent'] },
    { id: 'phone', files: { audio: MULAW } },
    { id: 'chat-only', files: { chat: CHAT } },
    { id: 'broken', files: { audio: join(FX, 'bad', 'not_a_wav.wav') } },
  ];

  it('analyses 4 interactions on 2 threads; one bad interaction does not stop the rest', async () => {
    const seen: string[] = [];
    const r = await analyzeBatch(items, { out, concurrency: 2, onResult: (row, n, total) => seen.push(`${n}/${total} ${row.id}`) });
    expect(r).toMatchObject({ ok: 3, skipped: 0, failed: 1, cancelled: 0 });
    expect(seen).toHaveLength(4);
    expect(seen.map((s) => s.split(' ')[0]).sort()).toEqual(['1/4', '2/4', '3/4', '4/4']);
    for (const id of ['demo', 'phone', 'chat-only']) parseSignature(JSON.parse(readFileSync(signaturePath(out, id), 'utf8')));
    const demo = parseSignature(JSON.parse(readFileSync(signaturePath(out, 'demo'), 'utf8')));
    expect(Object.values(demo.interaction.modalities).every((m) => m.present)).toBe(true);
    expect(existsSync(signaturePath(out, 'broken'))).toBe(false);
    const err = JSON.parse(readFileSync(errorPath(out, 'broken'), 'utf8'));
    expect(err).toMatchObject({ id: 'broken', code: 'NOTHING_USABLE', message: expect.stringMatching(/voice: unusable .*AUDIO_UNSUPPORTED_FORMAT|voice: unusable/) });

    const rows = csvRecords(readFileSync(join(out, 'summary.csv'), 'utf8')).map((x) => x.fields);
    const header = rows[0];
    expect(header).toEqual(['id', 'status', 'duration_sec', 'modalities', 'customer_dominant', 'customer_escalation', 'agent_dominant', 'agent_escalation', 'escalation_max', 'escalation_speaker', 'top_reasons', 'error_code', 'error_message']);
    const byId = Object.fromEntries(rows.slice(1).map((f) => [f[0], Object.fromEntries(header.map((h, i) => [h, f[i]]))]));
    expect(Object.keys(byId)).toEqual(['demo', 'phone', 'chat-only', 'broken']);
    expect(byId.demo).toMatchObject({ status: 'ok', duration_sec: demo.interaction.durationSec.toFixed(2), modalities: 'voice; face; text', customer_dominant: demo.speakers.customer.dominant, agent_dominant: demo.speakers.agent.dominant });
    const esc = Math.max(demo.speakers.customer.summary.escalation.score, demo.speakers.agent.summary.escalation.score);
    expect(Number(byId.demo.escalation_max)).toBeCloseTo(esc, 3);
    expect(byId.demo.top_reasons.length).toBeGreaterThan(0);
    expect(byId.phone).toMatchObject({ status: 'ok', modalities: 'voice', agent_dominant: '' });
    expect(byId.broken).toMatchObject({ status: 'error', error_code: 'NOTHING_USABLE', customer_dominant: '' });
  });

  it('resumes: valid signatures are skipped, a corrupted one is analysed again', async () => {
    const mtime = statSync(signaturePath(out, 'demo')).mtimeMs;
    writeFileSync(signaturePath(out, 'phone'), '{"schemaVersion": "1.0", "truncated');
    const r = await analyzeBatch(items, { out, concurrency: 2 });
    expect(r.rows.map((x) => `${x.id}:${x.status}`)).toEqual(['demo:skipped', 'phone:ok', 'chat-only:skipped', 'broken:error']);
    expect(statSync(signaturePath(out, 'demo')).mtimeMs).toBe(mtime);
    parseSignature(JSON.parse(readFileSync(signaturePath(out, 'phone'), 'utf8')));
    expect(readFileSync(join(out, 'summary.csv'), 'utf8')).toMatch(/\ndemo,skipped,28\.\d\d,voice; face; text,/);
  });

  it('bad manifest rows become error rows; an error file only where the id can name one that no good row owns', async () => {
    const o3 = join(dir, 'out-rows');
    const m = parseCsvManifest(['id,chat', `talk,${CHAT}`, `a/b,${CHAT}`, `TALK,${CHAT}`, `gone,${join(dir, 'gone.json')}`].join('\n'), join(dir, 'm', 'rows.csv'));
    const r = await analyzeBatch(m.interactions, { out: o3, concurrency: 1, issues: m.issues });
    expect(r.rows.map((x) => `${x.id}:${x.status}:${x.error?.code ?? ''}`)).toEqual(['talk:ok:', 'a/b:error:MANIFEST_ROW_INVALID', 'TALK:error:MANIFEST_ROW_INVALID', 'gone:error:INPUT_NOT_FOUND']);
    expect(readdirSync(o3).sort()).toEqual(['gone.error.json', 'summary.csv', 'talk.signature.json']);
  });

  it('a worker thread that dies is replaced; its interaction fails as BATCH_WORKER_CRASHED and the rest go on', async () => {
    const o2 = join(dir, 'out-crash');
    const r = await analyzeBatch(
      [
        { id: 'crash-1', files: { chat: CHAT } },
        { id: 'fine', files: { chat: CHAT } },
      ],
      { out: o2, concurrency: 1, workerFile: resolve('test/batch-crash-worker.ts') },
    );
    expect(r.rows.map((x) => `${x.id}:${x.status}:${x.error?.code ?? ''}`)).toEqual(['crash-1:error:BATCH_WORKER_CRASHED', 'fine:ok:']);
    expect(r.rows[0].error!.message).toMatch(/crash-1.*died twice.*re-run/);
    expect(JSON.parse(readFileSync(errorPath(o2, 'crash-1'), 'utf8')).code).toBe('BATCH_WORKER_CRASHED');
    parseSignature(JSON.parse(readFileSync(signaturePath(o2, 'fine'), 'utf8')));
  });
});

describe('emosig batch (CLI)', () => {
  it('runs a folder, prints one error line per failed interaction, exits 1; usage errors exit 2', async () => {
    const d = join(dir, 'cli-in');
    mkdirSync(d);
    copyFileSync(CHAT, join(d, 'good.json'));
    writeFileSync(join(d, 'empty.json'), '[]');
    const out = join(d, 'results');
    let code = -1;
    const err = await captureStderr(async () => {
      code = await main([d, '--out', out, '--concurrency', '1']);
    });
    expect(code).toBe(1);
    expect(err).toMatch(/emosig batch: NOTHING_USABLE: .*text: /);
    expect(err).toMatch(/emosig batch: 1 analysed, 0 already done, 1 failed in [\d.]+ s .*summary: .*summary\.csv/);
    parseSignature(JSON.parse(readFileSync(signaturePath(out, 'good'), 'utf8')));
    expect(readFileSync(join(out, 'summary.csv'), 'utf8').split('\n').slice(1, 3).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['empty,error', 'good,ok']);
    // a second run finds the folder's results folder excluded and the good one done
    const err2 = await captureStderr(async () => {
      code = await main([d, '--out', out]);
    });
    expect(code).toBe(1);
    expect(err2).toMatch(/0 analysed, 1 already done, 1 failed/);
    await captureStderr(async () => {
      expect(await main([d, '--out', out, '--concurrency', '0'])).toBe(2);
      expect(await main([d])).toBe(2);
      expect(await main([join(dir, 'missing-dir'), '--out', out])).toBe(1);
    });
  });
});
