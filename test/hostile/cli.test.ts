/**
 * Hostile inputs through the CLI (the built dist/cli/main.js, as users run it): devices, FIFOs, endless
 * stdin, absurd numbers, planted secrets, a batch with a poisoned row. Each run is bounded in time (killed
 * → a hang) and, where GNU time is installed, in peak RSS; asserts the exit code, a typed message, no stack
 * trace and no planted secret in stdout or stderr.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { record, type Outcome } from './record.js';
import { SECRET } from './secret.js';

const SUITE = 'cli';
const CLI = 'dist/cli/main.js';
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
/** Peak RSS any one CLI run may reach (MB). */
const RSS_BOUND_MB = 600;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  rssMb?: number;
  ms: number;
  timedOut: boolean;
}

const tmp = mkdtempSync(join(tmpdir(), 'emosig-hostile-cli-'));

/** Run the CLI; stdin from a Buffer, a generator of chunks, or nothing. Output kept to its first 2 MB. */
function cli(args: string[], o: { stdin?: Buffer | (() => AsyncGenerator<Buffer>); timeoutMs?: number } = {}): Promise<Run> {
  const rssFile = join(tmp, `rss-${Math.random().toString(36).slice(2)}`);
  const cmd = GNU_TIME ? GNU_TIME : process.execPath;
  const argv = GNU_TIME ? ['-f', '%M', '-o', rssFile, process.execPath, CLI, ...args] : [CLI, ...args];
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < 2e6) out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 2e6) err += d.toString();
    });
    child.stdin.on('error', () => undefined);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 20_000);
    const gen = o.stdin;
    if (typeof gen === 'function') {
      (async () => {
        for await (const c of gen()) {
          if (child.stdin.destroyed || child.exitCode !== null) break;
          if (!child.stdin.write(c)) await new Promise((r) => child.stdin.once('drain', r));
        }
        child.stdin.end();
      })().catch(() => undefined);
    } else child.stdin.end(gen ?? undefined);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let rssMb: number | undefined;
      try {
        const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
        if (Number.isFinite(kb)) rssMb = kb / 1024;
      } catch {
        /* no GNU time */
      }
      resolve({ code, signal, out, err, rssMb, ms: performance.now() - t0, timedOut });
    });
  });
}

/** The common checks, and the outcome logged. */
function judge(name: string, r: Run, want: { code: number | number[]; typed?: string | RegExp; flagged?: boolean }): void {
  const codes = Array.isArray(want.code) ? want.code : [want.code];
  const stack = /\n\s+at .+\(.+:\d+:\d+\)/.test(r.err) || /\n\s+at .+:\d+:\d+/.test(r.err);
  const outcome: Outcome = r.timedOut ? 'hang' : r.signal || stack || (r.code !== null && r.code > 2 && r.code !== 130) ? 'crash' : r.code === 0 ? (want.flagged ? 'flagged' : 'ok') : 'typed';
  record(SUITE, name, outcome, { code: r.code, ms: Math.round(r.ms), ...(r.rssMb !== undefined ? { rssMb: Math.round(r.rssMb) } : {}) });
  expect(r.timedOut, `${name}: hung`).toBe(false);
  expect(stack, `${name}: stack trace on stderr:\n${r.err.slice(0, 500)}`).toBe(false);
  expect(codes, `${name}: exit ${r.code}; stderr: ${r.err.slice(0, 300)}`).toContain(r.code);
  if (want.typed) expect(r.out + r.err).toMatch(want.typed);
  expect((r.out + r.err).includes(SECRET), `${name}: the planted secret came back`).toBe(false);
  if (r.rssMb !== undefined) expect(r.rssMb, `${name}: peak RSS`).toBeLessThan(RSS_BOUND_MB);
}

beforeAll(() => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
}, 120_000);

describe('CLI: readers (defect 3)', () => {
  it('refuses devices, FIFOs and folders as transcripts and signatures, without hanging', async () => {
    const fifo = join(tmp, 'chat.fifo');
    execFileSync('mkfifo', [fifo]);
    judge('text /dev/zero', await cli(['text', '/dev/zero']), { code: 1, typed: /INPUT_NOT_A_FILE/ });
    judge('text --jsonl /dev/zero', await cli(['text', '--jsonl', '/dev/zero']), { code: 1, typed: /INPUT_NOT_A_FILE/ });
    judge('text FIFO', await cli(['text', fifo]), { code: 1, typed: /INPUT_NOT_A_FILE/ });
    judge('analyze --chat /dev/urandom', await cli(['analyze', '--chat', '/dev/urandom', '--json']), { code: 1, typed: /NOTHING_USABLE.*not a regular file/ });
    judge('analyze --chat FIFO', await cli(['analyze', '--chat', fifo, '--json']), { code: 1, typed: /NOTHING_USABLE.*not a regular file/ });
    judge('report --signature /dev/zero', await cli(['report', '--signature', '/dev/zero', '--out', join(tmp, 'r.html')]), { code: 1, typed: /INPUT_NOT_A_FILE/ });
    judge('face FIFO (defect 9)', await cli(['face', fifo, '--jsonl']), { code: 1, typed: /INPUT_NOT_A_FILE/ });
  }, 120_000);

  it('caps stdin: 80 MiB of text is refused as it arrives, with bounded memory', async () => {
    const chunk = Buffer.alloc(1 << 20, 'a');
    const r = await cli(['text', '-'], {
      stdin: async function* () {
        for (let i = 0; i < 80; i++) yield chunk;
      },
    });
    judge('text stdin 80 MiB', r, { code: 1, typed: /INPUT_TOO_LARGE/ });
  }, 60_000);

  it('--jsonl streams: an endless line of NULs on stdin is skipped in constant memory', async () => {
    const chunk = Buffer.alloc(1 << 20, 0);
    const r = await cli(['text', '--jsonl', '-'], {
      stdin: async function* () {
        for (let i = 0; i < 200; i++) yield chunk;
      },
      timeoutMs: 60_000,
    });
    judge('text --jsonl 200 MiB of NULs', r, { code: [0, 1], flagged: true });
    expect(r.out).toMatch(/longer than 1 MiB; skipped/);
  }, 90_000);

  it('a batch with a poisoned row (chat → /dev/zero): that row fails typed, the rest run, summary.csv is written', async () => {
    const dir = join(tmp, 'batch-in');
    mkdirSync(dir);
    writeFileSync(join(dir, 'good.json'), JSON.stringify([{ speaker: 'customer', text: 'my parcel never arrived, I am furious', time: 1 }]));
    symlinkSync('/dev/zero', join(dir, 'poison.json'));
    copyFileSync('fixtures/call_stereo.wav', join(dir, 'call.wav'));
    const out = join(tmp, 'batch-out');
    const r = await cli(['batch', dir, '--out', out, '--concurrency', '1'], { timeoutMs: 120_000 });
    judge('batch with /dev/zero row', r, { code: 1, typed: /INPUT_NOT_A_FILE/ });
    const summary = readFileSync(join(out, 'summary.csv'), 'utf8');
    expect(summary).toMatch(/good,ok/);
    expect(summary).toMatch(/call,ok/);
    expect(summary).toMatch(/poison,error/);
  }, 150_000);
});

describe('CLI: numbers and times (defects 2 and 8)', () => {
  it('refuses absurd resource and time options with a usage error', async () => {
    const chat = join(tmp, 'c.json');
    writeFileSync(chat, JSON.stringify([{ text: 'hello there', time: 1 }]));
    judge('voice --threads 20000', await cli(['voice', 'fixtures/silence.wav', '--threads', '20000']), { code: 2, typed: /--threads/ });
    judge('face --fps 1e-300', await cli(['face', 'fixtures/face', '--fps', '1e-300']), { code: 2, typed: /--fps/ });
    judge('face --fps 1e9', await cli(['face', 'fixtures/face', '--fps', '1e9']), { code: 2, typed: /--fps/ });
    judge('batch --concurrency 20000', await cli(['batch', tmp, '--out', join(tmp, 'o2'), '--concurrency', '20000']), { code: 2, typed: /--concurrency/ });
    judge('analyze --fps 1e-300', await cli(['analyze', '--frames', 'fixtures/face', '--fps', '1e-300', '--json']), { code: [1, 2], typed: /INVALID_OPTIONS|fps/ });
    judge('analyze --offset-text 1e15', await cli(['analyze', '--chat', chat, '--offset-text', '1e15', '--json']), { code: [1, 2], typed: /offsets/ });
    judge('analyze --hop 1e-300', await cli(['analyze', '--chat', chat, '--hop', '1e-300', '--json']), { code: [1, 2], typed: /hop/ });
  }, 120_000);

  it('chat times of 1e12 and 1e308 are flagged, not looped over', async () => {
    for (const t of [1e12, 1e308]) {
      const chat = join(tmp, `t${t}.json`);
      writeFileSync(chat, `[{"text":"I am really upset","time":0},{"text":"this is awful","time":${t}}]`);
      const r = await cli(['analyze', '--chat', chat, '--json'], { timeoutMs: 30_000 });
      judge(`analyze chat time ${t}`, r, { code: 0, flagged: true });
      expect(r.out).toMatch(/CHAT_TIME_BEYOND_MAX/);
    }
  }, 90_000);
});

describe('CLI: privacy and silent results (defects 5 and 6)', () => {
  it('no secret from a bad line, no cue words without --echo', async () => {
    const chat = join(tmp, 'secret.jsonl');
    writeFileSync(chat, `{"text":"I hate waiting, this is ridiculous","time":1}\n{"text": ${SECRET}}\n{"text":"${SECRET} thanks","time":"${SECRET}"}\n`);
    for (const args of [['text', chat], ['text', chat, '--jsonl'], ['text', chat, '--json'], ['analyze', '--chat', chat, '--json']]) {
      const r = await cli(args);
      judge(`${args.join(' ').replace(chat, 'secret.jsonl')}`, r, { code: 0, flagged: true });
      expect(r.out).not.toMatch(/cues: |"cue":/);
    }
    const echo = await cli(['text', chat, '--jsonl', '--echo']);
    expect(echo.out).toContain('"cue"');
  }, 90_000);

  it('features --csv on silence: an error line, not a row of zeros (exit 1)', async () => {
    const r = await cli(['features', 'fixtures/silence.wav', '--csv']);
    judge('features --csv silence', r, { code: 1, typed: /AUDIO_NO_SPEECH/ });
    expect(r.out.trim().split('\n').length).toBe(1); // the header only
  }, 60_000);
});

describe('CLI: text memory (defect 4)', () => {
  it('--jsonl prints the first line before the transcript ends and stays bounded over 20,000 messages', async () => {
    const p = join(tmp, 'big.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(JSON.stringify({ text: `message ${i}: the delivery was late again and nobody called me back`, time: i, speaker: i % 2 ? 'agent' : 'customer' }));
    writeFileSync(p, lines.join('\n'));
    const r = await cli(['text', '--jsonl', p], { timeoutMs: 120_000 });
    judge('text --jsonl 20k messages', r, { code: 0 });
    expect(r.out.length).toBeGreaterThan(0);
    if (r.rssMb !== undefined) expect(r.rssMb).toBeLessThan(400);
    rmSync(p);
  }, 150_000);
});
