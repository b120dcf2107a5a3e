/**
 * Hostile clients against examples/ws-server.ts: malformed frames, floods, idle and slow clients, and
 * property-based fuzzing of the JSON control messages. After every case a well-behaved client must still
 * be served (the server did not die), and nothing the client sent (a planted secret) comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { startServer, type WsServer } from '../../examples/ws-server.js';
import { frame, rawConnect } from './ws-raw.js';
import { SECRET } from './secret.js';
import { record } from './record.js';

let server: WsServer;
const logs: string[] = [];
beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', maxPayload: 64 * 1024, maxConnections: 20, idleTimeoutMs: 1500, log: (l) => logs.push(l) });
});
afterAll(async () => {
  await server?.close();
});

function open(port = server.port): Promise<{ ws: WebSocket; got: Record<string, unknown>[]; closed: Promise<number> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  const got: Record<string, unknown>[] = [];
  const closed = new Promise<number>((r) => ws.on('close', (c) => r(c)));
  ws.on('message', (d) => got.push(JSON.parse(d.toString())));
  ws.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({ ws, got, closed }));
    ws.on('unexpected-response', () => reject(new Error('refused')));
  });
}

async function until(f: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A well-behaved client still gets "started" (the server survived). */
async function stillServing(): Promise<void> {
  const c = await open();
  c.ws.send(JSON.stringify({ event: 'start', speakers: ['customer', 'agent'] }));
  await until(() => c.got.some((m) => m.event === 'started'));
  c.ws.close();
}

describe('WebSocket server: one bad frame closes only its own connection (defect 1)', () => {
  const bad: [string, Buffer][] = [
    ['a frame over maxPayload', frame({ opcode: 0x2, payload: Buffer.alloc(16), claimedLength: 10 << 20 })],
    ['invalid UTF-8 in a text frame', frame({ opcode: 0x1, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) })],
    ['RSV1 set without an extension', frame({ opcode: 0x1, rsv: 4, payload: Buffer.from('{}') })],
    ['an unmasked client frame', frame({ opcode: 0x1, payload: Buffer.from('{}'), masked: false })],
    ['reserved opcode 0x3', frame({ opcode: 0x3, payload: Buffer.from('x') })],
    ['close code 999', frame({ opcode: 0x8, payload: Buffer.from([0x03, 0xe7]) })],
    ['a fragmented control frame', frame({ opcode: 0x9, fin: false, payload: Buffer.from('x') })],
  ];
  for (const [name, bytes] of bad) {
    it(`survives ${name}`, async () => {
      const c = await rawConnect(server.port);
      c.socket.write(frame({ opcode: 0x1, payload: Buffer.from(JSON.stringify({ event: 'start' })) }));
      c.socket.write(bytes);
      const closed = await c.closed(5000);
      record('ws', name, closed ? 'typed' : 'hang');
      expect(closed).toBe(true);
      await stillServing();
    });
  }

  it('counts the violations by code and logs no client content', () => {
    const s = server.stats();
    expect(Object.values(s.protocolErrors).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(6);
    for (const l of logs) expect(l).not.toContain(SECRET);
  });
});

describe('WebSocket server: limits', () => {
  it('closes an idle connection (1001)', async () => {
    const c = await open();
    expect(await c.closed).toBe(1001);
    record('ws', 'idle connection', 'typed');
    expect(server.stats().idleClosed).toBeGreaterThanOrEqual(1);
  });

  it('refuses connections beyond maxConnections with 1013 and serves again once they close', async () => {
    const s = await startServer({ port: 0, maxConnections: 2 });
    try {
      const a = await open(s.port);
      const b = await open(s.port);
      const c = await open(s.port);
      expect(await c.closed).toBe(1013);
      record('ws', 'connection over the cap', 'typed');
      expect(s.stats().refused).toBe(1);
      a.ws.close();
      await a.closed;
      const d = await open(s.port);
      d.ws.send(JSON.stringify({ event: 'start' }));
      await until(() => d.got.some((m) => m.event === 'started'));
      b.ws.close();
      d.ws.close();
    } finally {
      await s.close();
    }
  });

  it('sends NOTHING_USABLE once for a call with no input', async () => {
    const c = await open();
    c.ws.send(JSON.stringify({ event: 'start' }));
    c.ws.send(JSON.stringify({ event: 'stop' }));
    await c.closed;
    expect(c.got.filter((m) => m.code === 'NOTHING_USABLE').length).toBe(1);
    record('ws', 'call with no input', 'typed');
  });

  it('refuses a message time of 1e12 s with a typed error, without blocking other calls (defect 2)', async () => {
    const c = await open();
    c.ws.send(JSON.stringify({ event: 'start' }));
    c.ws.send(JSON.stringify({ event: 'message', time: 1e12, text: 'hello there' }));
    c.ws.send(JSON.stringify({ event: 'message', time: 86_000, text: 'hello again' }));
    await until(() => c.got.some((m) => m.code === 'STREAM_BAD_MESSAGE'));
    const t0 = Date.now();
    await stillServing();
    expect(Date.now() - t0).toBeLessThan(3000);
    c.ws.send(JSON.stringify({ event: 'stop' }));
    await c.closed;
    expect(c.got.at(-1)!.event).toBe('signature');
    record('ws', 'message time 1e12', 'typed');
  }, 20_000);

  it('names the bad field of a "start" message', async () => {
    const c = await open();
    c.ws.send(JSON.stringify({ event: 'start', sampleRate: 1e9 }));
    c.ws.send(JSON.stringify({ event: 'start', speakers: [5] }));
    await until(() => c.got.length >= 2);
    expect(c.got[0]).toMatchObject({ event: 'error', code: 'WS_PROTOCOL' });
    expect(String(c.got[0].message)).toContain('sampleRate');
    expect(String(c.got[1].message)).toContain('speakers');
    record('ws', 'bad start fields', 'typed');
    c.ws.close();
  });
});

describe('WebSocket control messages: property-based fuzzing', () => {
  const events = fc.constantFrom('start', 'media', 'message', 'frame', 'stop', 'connected', SECRET, '__proto__', 'constructor');
  const value = fc.oneof(
    fc.constant(SECRET),
    fc.double(),
    fc.constantFrom(1e308, -1, 0, 1e12, Number.MAX_SAFE_INTEGER),
    fc.string({ maxLength: 20 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 4 }),
    fc.base64String({ maxLength: 400 }),
  );
  const msg = fc.record(
    {
      event: events,
      speakers: value,
      encoding: fc.oneof(value, fc.constantFrom('mulaw', 'pcm16', 'alaw', 'float32')),
      sampleRate: value,
      binaryChannel: value,
      window: fc.oneof(value, fc.record({ size: value, hop: value }, { requiredKeys: [] })),
      time: value,
      text: value,
      speaker: value,
      payload: value,
      channel: value,
      media: fc.oneof(value, fc.record({ track: value, payload: value }, { requiredKeys: [] })),
    },
    { requiredKeys: ['event'] },
  );

  it('answers any sequence of control messages with events or typed errors, never echoing content', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(msg.map((m) => JSON.stringify(m)), fc.string({ maxLength: 50 }), fc.constant('[]'), fc.constant('null')), { minLength: 1, maxLength: 12 }), async (seq) => {
        const c = await open();
        for (const s of seq) c.ws.send(s);
        c.ws.send(JSON.stringify({ event: 'stop' }));
        // the connection ends (stop after start) or stays open answering; close it ourselves after a moment
        await Promise.race([c.closed, new Promise((r) => setTimeout(r, 300))]);
        c.ws.close();
        await c.closed;
        for (const m of c.got) {
          expect(['started', 'reading', 'window', 'moment', 'escalation', 'warning', 'error', 'signature']).toContain(m.event);
          if (m.event === 'error') expect(typeof m.code).toBe('string');
        }
        expect(JSON.stringify(c.got.filter((m) => m.event === 'error'))).not.toContain(SECRET);
      }),
      { numRuns: 40, seed: 14 },
    );
    await stillServing();
    record('ws', 'fuzz control messages', 'ok', { runs: 40 });
  }, 60_000);
});
