import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, inputFromArgs } from '../src/cli/analyze.js';
import { SignatureSchema } from '../src/signature/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'emosig-analyze-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('emosig analyze (CLI)', () => {
  it('maps flags onto analyze options', () => {
    const i = inputFromArgs({ audio: 'a.wav', frames: 'f', chat: 'c.json', speakers: 'cust, ag', window: '4', hop: '2', 'offset-text': '-3.5', 'no-face': true, 'keep-text': true });
    // the flags are resolved once through EmosigConfig
    expect(i).toMatchObject({ audio: 'a.wav', frames: 'f', chat: { path: 'c.json' }, offsets: { text: -3.5 } });
    expect(i.config).toMatchObject({ call: { speakers: ['cust', 'ag'], consent: { voice: true, face: false, text: true } }, window: { size: 4, hop: 2 }, text: { keepText: true } });
    expect(() => inputFromArgs({ window: 'two', chat: 'c' })).toThrow(/--window must be a number/);
    expect(() => inputFromArgs({})).toThrow(/at least one of/);
  });

  it('writes a valid signature with --out and a report with --report, and exits 2 on usage errors, 1 when nothing is usable', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const std = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const out = join(dir, 'sig.json');
      const html = join(dir, 'report.html');
      expect(await main(['--chat', 'fixtures/demo/chat.json', '--out', out, '--report', html])).toBe(0);
      const sig = SignatureSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
      expect(sig.interaction.modalities.text.present).toBe(true);
      expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>[\s\S]*customer/i);
      // the human summary still goes to stdout
      expect(std.mock.calls.map((c) => String(c[0])).join('')).toMatch(/text: yes[\s\S]*customer:/);
      expect(await main(['--bogus'])).toBe(2);
      expect(await main([])).toBe(2);
      expect(await main(['--chat', join(dir, 'missing.json')])).toBe(1);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/INPUT_NOT_FOUND.*missing\.json/);
    } finally {
      err.mockRestore();
      std.mockRestore();
    }
  });
});
