/**
 * WebSocket soak (npm run bench:ws-soak): examples/ws-server.ts in its own process on loopback, `--calls`
 * concurrent telephony calls streamed in real time (8 kHz mu-law, 20 ms frames, the fixture call looped; each
 * call lasts `--call-sec`, then says "stop", waits for its signature and a new call takes its place) for
 * `--minutes`, with hostile clients mixed in every `--hostile-ms` (bad frames, oversized frames, invalid UTF-8,
 * garbage JSON floods, huge times, clients that never read, connection bursts, idle clients).
 * Reports dropped calls (a call that did not end with its signature and close code 1000), window-event latency
 * (server-side, audio arrival → event: median / p95 / max, per minute), the server's RSS over time, whether the
 * server stayed up, and the hostile clients by kind. Bounded: at most --calls + 40 sockets, --minutes of run.
 *
 *   node dist/bench/ws-soak.js [--calls 100] [--minutes 10] [--call-sec 60] [--hostile-ms 1000] [--tag NAME]
 * Writes bench/results/ws-soak[-TAG].json and .md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { packageRoot } from '../src/runtime/paths.js';

const ROOT = packageRoot();
const RESULTS = join(ROOT, 'bench', 'results');
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
};
const CALLS = Math.min(500, Number(arg('calls', '100')));
const MINUTES = Math.min(60, Number(arg('minutes', '10')));
const CALL_SEC = Number(arg('call-sec', '60'));
const HOSTILE_MS = Number(arg('hostile-ms', '1000'));
const TAG = arg('tag', '');
const PORT = Number(arg('port', String(20000 + Math.floor(Math.random() * 20000))));

const q = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const r1 = (x: number) => Math.round(x * 10) / 10;

/** The fixture call's mu-law bytes (its "data" chunk). */
function mulawBytes(): Buffer {
  const b = readFileSync(join(ROOT, 'fixtures', 'call_mulaw_8k.wav'));
  let o = 12;
  while (o + 8 <= b.length) {
    const size = b.readUInt32LE(o + 4);
    if (b.toString('ascii', o, o + 4) === 'data') return b.subarray(o + 8, o + 8 + size);
    o += 8 + size + (size % 2);
  }
  throw new Error('no data chunk in the fixture');
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function startServer(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'examples', 'ws-server.js')], { env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const t = setTimeout(() => reject(new Error('server did not start')), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (/live stream server/.test(d.toString())) {
        clearTimeout(t);
        resolve(child);
      }
    });
    child.stderr!.on('data', () => undefined);
    child.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}

interface Call {
  ws: WebSocket;
  pos: number;
  sent: number;
  started: number;
  stopping: boolean;
  gotSignature: boolean;
  closeCode?: number;
}

async function main(): Promise<void> {
  const audio = mulawBytes();
  const server = await startServer();
  let serverExit: number | null | undefined;
  server.on('exit', (c) => (serverExit = c));
  const t0 = Date.now();
  const end = t0 + MINUTES * 60_000;
  const latencies: { t: number; ms: number }[] = [];
  const rss: { min: number; mb: number }[] = [];
  let callsStarted = 0, callsCompleted = 0, callsDropped = 0, framesSent = 0, behind = 0;
  const dropReasons: Record<string, number> = {};
  const hostile: Record<string, { tried: number; closedByServer: number; errorEvents: number }> = {};
  const live = new Set<Call>();

  const newCall = () => {
    const ws = new WebSocket(`ws://127.0.0.1:${PORT}`);
    const c: Call = { ws, pos: Math.floor(Math.random() * audio.length / 160) * 160, sent: 0, started: Date.now(), stopping: false, gotSignature: false };
    callsStarted++;
    live.add(c);
    ws.on('open', () => ws.send(JSON.stringify({ event: 'start', speakers: ['customer', 'agent'], encoding: 'mulaw', sampleRate: 8000 })));
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { event: string; latencyMs?: number };
      if (m.event === 'window' && typeof m.latencyMs === 'number') latencies.push({ t: Date.now() - t0, ms: m.latencyMs });
      if (m.event === 'signature') c.gotSignature = true;
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      c.closeCode = code;
      live.delete(c);
      if (c.stopping && c.gotSignature && code === 1000) callsCompleted++;
      else if (!(c.stopping && Date.now() >= end)) {
        callsDropped++;
        const why = `${c.stopping ? 'after stop' : 'mid-call'} code ${code}${c.gotSignature ? '' : ' no signature'}`;
        dropReasons[why] = (dropReasons[why] ?? 0) + 1;
      }
      if (Date.now() < end) newCall();
    });
  };
  for (let i = 0; i < CALLS; i++) newCall();

  // real-time pacing: every 20 ms each open call sends the next 160 bytes (alternating JSON/base64 and binary)
  let tick = 0;
  const pace = setInterval(() => {
    tick++;
    for (const c of live) {
      if (c.ws.readyState !== WebSocket.OPEN || c.stopping) continue;
      if (Date.now() - c.started >= CALL_SEC * 1000) {
        c.stopping = true;
        c.ws.send(JSON.stringify({ event: 'stop' }));
        continue;
      }
      if (c.ws.bufferedAmount > 64 * 1024) {
        behind++;
        continue;
      }
      if (c.pos + 160 > audio.length) c.pos = 0;
      const f = audio.subarray(c.pos, c.pos + 160);
      c.pos += 160;
      if (tick % 2) c.ws.send(JSON.stringify({ event: 'media', media: { track: 'inbound', payload: f.toString('base64') } }));
      else c.ws.send(f);
      c.sent++;
      framesSent++;
    }
  }, 20);

  // hostile clients, one kind after another
  const kinds = ['invalid-utf8', 'oversize', 'rsv1', 'bad-close', 'garbage-flood', 'huge-time', 'never-reads', 'burst', 'idle'] as const;
  let k = 0;
  const rawBad = (bytes: Buffer, kind: string) => {
    const s = connect(PORT, '127.0.0.1');
    s.on('error', () => undefined);
    s.on('connect', () => s.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`));
    let up = false;
    s.on('data', () => {
      if (!up) {
        up = true;
        s.write(bytes);
      }
    });
    s.on('close', () => (hostile[kind].closedByServer += 1));
    setTimeout(() => s.destroy(), 10_000).unref();
  };
  const frame = (op: number, payload: Buffer, o: { rsv?: number; len?: number } = {}) => {
    const len = o.len ?? payload.length;
    const key = randomBytes(4);
    const body = Buffer.from(payload);
    for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
    const head = len < 126 ? Buffer.from([0x80 | ((o.rsv ?? 0) << 4) | op, 0x80 | len]) : Buffer.concat([Buffer.from([0x80 | op, 0x80 | 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(len)); return b; })()]);
    return Buffer.concat([head, key, body]);
  };
  const hostileTimer = setInterval(() => {
    const kind = kinds[k++ % kinds.length];
    hostile[kind] ??= { tried: 0, closedByServer: 0, errorEvents: 0 };
    hostile[kind].tried++;
    if (kind === 'invalid-utf8') rawBad(frame(1, Buffer.from([0x7b, 0xff, 0xfe])), kind);
    else if (kind === 'oversize') rawBad(frame(2, Buffer.alloc(8), { len: 64 << 20 }), kind);
    else if (kind === 'rsv1') rawBad(frame(1, Buffer.from('{}'), { rsv: 4 }), kind);
    else if (kind === 'bad-close') rawBad(frame(8, Buffer.from([0x03, 0xe7])), kind);
    else {
      const ws = new WebSocket(`ws://127.0.0.1:${PORT}`);
      ws.on('error', () => undefined);
      ws.on('message', (d) => {
        if ((JSON.parse(d.toString()) as { event: string }).event === 'error') hostile[kind].errorEvents++;
      });
      ws.on('close', () => (hostile[kind].closedByServer += 1));
      ws.on('open', () => {
        if (kind === 'garbage-flood') {
          for (let i = 0; i < 200; i++) ws.send(i % 3 ? randomBytes(50).toString('latin1') : JSON.stringify({ event: 'message', time: -i, text: 5 }));
          setTimeout(() => ws.close(), 2000);
        } else if (kind === 'huge-time') {
          ws.send(JSON.stringify({ event: 'start' }));
          ws.send(JSON.stringify({ event: 'message', time: 1e308, text: 'hello' }));
          ws.send(JSON.stringify({ event: 'message', time: 1e12, text: 'hello' }));
          ws.send(JSON.stringify({ event: 'message', time: 86_000, text: 'hello' }));
          setTimeout(() => ws.send(JSON.stringify({ event: 'stop' })), 1000);
        } else if (kind === 'never-reads') {
          ws.send(JSON.stringify({ event: 'start' }));
          (ws as unknown as { _socket: { pause(): void } })._socket.pause();
          const f = audio.subarray(0, 160);
          let n = 0;
          const t = setInterval(() => {
            if (ws.readyState !== WebSocket.OPEN || n++ > 500) return clearInterval(t), ws.terminate();
            ws.send(f);
          }, 20);
        } else if (kind === 'burst') {
          ws.close();
          for (let i = 0; i < 20; i++) {
            const b = new WebSocket(`ws://127.0.0.1:${PORT}`);
            b.on('error', () => undefined);
            b.on('open', () => setTimeout(() => b.close(), 500));
          }
        } else if (kind === 'idle') {
          setTimeout(() => ws.terminate(), 70_000).unref(); // the server's idle timeout (60 s) should close it first
        }
      });
    }
  }, HOSTILE_MS);

  // RSS every 10 s; progress every minute
  const sample = setInterval(() => {
    const min = (Date.now() - t0) / 60_000;
    rss.push({ min: Math.round(min * 100) / 100, mb: r1(rssOf(server.pid!)) });
    const recent = latencies.filter((l) => l.t > Date.now() - t0 - 10_000).map((l) => l.ms);
    process.stderr.write(`[${min.toFixed(1)} min] live ${live.size} calls, completed ${callsCompleted}, dropped ${callsDropped}, p95 ${r1(q(recent, 0.95))} ms, server RSS ${rss.at(-1)!.mb} MB\n`);
  }, 10_000);

  await new Promise((r) => setTimeout(r, end - Date.now()));
  clearInterval(pace);
  clearInterval(hostileTimer);
  // let the calls in flight say stop and collect their signatures (bounded wait)
  for (const c of live) if (!c.stopping && c.ws.readyState === WebSocket.OPEN) {
    c.stopping = true;
    c.ws.send(JSON.stringify({ event: 'stop' }));
  }
  const waitUntil = Date.now() + 60_000;
  const lastCalls = [...live];
  while (live.size && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 200));
  // (their close handler counted the ones that completed)
  const finalOk = lastCalls.filter((c) => c.gotSignature && c.closeCode === 1000).length;
  const finalDropped = lastCalls.length - finalOk;
  callsDropped += finalDropped;
  if (finalDropped) dropReasons['final stop: no signature within 60 s'] = finalDropped;
  clearInterval(sample);
  for (const c of live) c.ws.terminate();
  const serverUp = serverExit === undefined;
  server.kill('SIGTERM');

  const perMinute: { minute: number; windows: number; p50: number; p95: number; max: number }[] = [];
  for (let m = 0; m < Math.ceil(MINUTES); m++) {
    const xs = latencies.filter((l) => l.t >= m * 60_000 && l.t < (m + 1) * 60_000).map((l) => l.ms);
    perMinute.push({ minute: m + 1, windows: xs.length, p50: r1(q(xs, 0.5)), p95: r1(q(xs, 0.95)), max: r1(q(xs, 1)) });
  }
  const all = latencies.map((l) => l.ms);
  const result = {
    bench: 'ws-soak',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGb: r1(totalmem() / 2 ** 30), loadavgAtEnd: loadavg().map(r1), node: process.version },
    settings: { calls: CALLS, minutes: MINUTES, callSec: CALL_SEC, hostileEveryMs: HOSTILE_MS, audio: '8 kHz mu-law, 20 ms frames, real time' },
    serverUp,
    calls: { started: callsStarted, completed: callsCompleted, dropped: callsDropped, dropReasons },
    framesSent,
    framesHeldBack: behind,
    expectedFrames: Math.round(CALLS * MINUTES * 60 * 50),
    windowLatencyMs: { windows: all.length, p50: r1(q(all, 0.5)), p95: r1(q(all, 0.95)), max: r1(q(all, 1)) },
    perMinute,
    serverRssMb: rss,
    hostile,
  };
  mkdirSync(RESULTS, { recursive: true });
  const base = join(RESULTS, `ws-soak${TAG ? '-' + TAG : ''}`);
  writeFileSync(`${base}.json`, JSON.stringify(result, null, 2) + '\n');
  const md = [
    `# WebSocket soak${TAG ? ` (${TAG})` : ''}`,
    '',
    `Generated by \`node dist/bench/ws-soak.js --calls ${CALLS} --minutes ${MINUTES} --call-sec ${CALL_SEC} --hostile-ms ${HOSTILE_MS}${TAG ? ` --tag ${TAG}` : ''}\` on ${result.date.slice(0, 16)}Z; ${result.machine.cpus} CPUs (${result.machine.cpu}), Node ${result.machine.node}, shared machine (load at end ${result.machine.loadavgAtEnd.join(' ')}).`,
    '',
    `| calls at once | minutes | server up | calls started | completed | dropped | frames sent / real-time target (gaps between calls included) | window p50 / p95 / max (ms) | server RSS start → peak → end (MB) |`,
    `|---|---|---|---|---|---|---|---|---|`,
    `| ${CALLS} | ${MINUTES} | ${serverUp ? 'yes' : 'NO'} | ${callsStarted} | ${callsCompleted} | ${callsDropped} | ${framesSent} / ${result.expectedFrames} (${((100 * framesSent) / result.expectedFrames).toFixed(0)} %) | ${result.windowLatencyMs.p50} / ${result.windowLatencyMs.p95} / ${result.windowLatencyMs.max} | ${rss[0]?.mb} → ${Math.max(...rss.map((x) => x.mb))} → ${rss.at(-1)?.mb} |`,
    '',
    'Per minute (window events, server-side latency from the audio reaching the window end to the event):',
    '',
    '| minute | windows | p50 ms | p95 ms | max ms |',
    '|---|---|---|---|---|',
    ...perMinute.map((p) => `| ${p.minute} | ${p.windows} | ${p.p50} | ${p.p95} | ${p.max} |`),
    '',
    'Hostile clients (each kind in turn):',
    '',
    '| kind | tried | closed by the server | error events received |',
    '|---|---|---|---|',
    ...Object.entries(hostile).map(([kk, v]) => `| ${kk} | ${v.tried} | ${v.closedByServer} | ${v.errorEvents} |`),
    '',
    Object.keys(dropReasons).length ? `Dropped calls by reason: ${Object.entries(dropReasons).map(([kk, v]) => `${kk}: ${v}`).join('; ')}.` : 'No call was dropped.',
    '',
  ].join('\n');
  writeFileSync(`${base}.md`, md);
  process.stdout.write(md);
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`ws-soak: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
