import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { startServer, type WsServer } from '../examples/ws-server.js';
import { parseSignature } from '../src/signature/schema.js';

/** The raw mu-law bytes of the fixture (its "data" chunk), as a telephony media stream carries them. */
function mulawBytes(): Buffer {
  const b = readFileSync('fixtures/call_mulaw_8k.wav');
  let o = 12;
  while (o + 8 <= b.length) {
    const size = b.readUInt32LE(o + 4);
    if (b.toString('ascii', o, o + 4) === 'data') return b.subarray(o + 8, o + 8 + size);
    o += 8 + size + (size % 2);
  }
  throw new Error('no data chunk');
}

let server: WsServer;
beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
});

describe('examples/ws-server.ts', () => {
  it('streams a mu-law call in 20 ms frames over loopback and sends events and the final signature back', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}`);
    const got: Record<string, unknown>[] = [];
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    await new Promise((r, j) => {
      ws.on('open', r);
      ws.on('error', j);
    });
    ws.send(JSON.stringify({ event: 'connected' }));
    ws.send(JSON.stringify({ event: 'media', payload: 'AAAA' })); // before start: a protocol error, the connection stays
    ws.send(JSON.stringify({ event: 'start', speakers: ['customer', 'agent'], encoding: 'mulaw', sampleRate: 8000 }));
    const bytes = mulawBytes();
    const frames = Math.ceil(bytes.length / 160);
    for (let k = 0; k < frames; k++) {
      const frame = bytes.subarray(k * 160, (k + 1) * 160);
      // first half as Twilio-style JSON (base64), second half as binary frames
      if (k < frames / 2) ws.send(JSON.stringify({ event: 'media', media: { track: 'inbound', payload: frame.toString('base64') } }));
      else ws.send(frame);
      if (k === 300) ws.send(JSON.stringify({ event: 'message', time: 6, speaker: 'customer', text: 'My parcel still has not arrived, this is really annoying.' }));
      if (k === 310) ws.send(JSON.stringify({ event: 'media', channel: 7, payload: frame.toString('base64') })); // a refused chunk
    }
    ws.send(JSON.stringify({ event: 'stop' }));
    expect(await closed).toBe(1000);

    const kinds = got.map((m) => m.event);
    expect(kinds[0]).toBe('error');
    expect(got[0].code).toBe('WS_PROTOCOL');
    expect(kinds).toContain('started');
    expect(got.filter((m) => m.event === 'reading' && m.modality === 'voice').length).toBeGreaterThanOrEqual(7);
    expect(got.some((m) => m.event === 'reading' && m.modality === 'text')).toBe(true);
    const windows = got.filter((m) => m.event === 'window');
    expect(windows.length).toBeGreaterThan(15);
    for (const w of windows) expect(typeof w.latencyMs).toBe('number');
    const refused = got.filter((m) => m.event === 'error' && m.code === 'STREAM_BAD_CHUNK');
    expect(refused.length).toBe(1);
    const last = got[got.length - 1];
    expect(last.event).toBe('signature');
    const sig = parseSignature(last.signature);
    expect(sig.interaction.modalities.voice.present).toBe(true);
    expect(sig.interaction.modalities.text.present).toBe(true);
    expect(sig.interaction.durationSec).toBeCloseTo(bytes.length / 8000, 1);
    expect(sig.timeline.length).toBeGreaterThan(15);
  }, 60_000);
});
