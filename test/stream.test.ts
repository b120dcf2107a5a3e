import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { decodeWav, analyzeVoice, type VoiceSegment } from '../src/audio/index.js';
import { createStream, type StreamEvent, type StreamOptions } from '../src/stream/index.js';
import { analyze } from '../src/fusion/index.js';
import { parseSignature } from '../src/signature/schema.js';
import { EmosigError } from '../src/errors.js';

const STEREO = 'fixtures/call_stereo.wav';
const MULAW = 'fixtures/call_mulaw_8k.wav';
const CHAT = JSON.parse(readFileSync('fixtures/demo/chat.json', 'utf8')) as { time: number; speaker: string; text: string }[];

/** The bytes of a WAV file's "data" chunk (the raw mu-law bytes a telephony stream would send). */
function wavData(path: string): Buffer {
  const b = readFileSync(path);
  let o = 12;
  while (o + 8 <= b.length) {
    const id = b.toString('ascii', o, o + 4);
    const size = b.readUInt32LE(o + 4);
    if (id === 'data') return b.subarray(o + 8, o + 8 + size);
    o += 8 + size + (size % 2);
  }
  throw new Error(`no data chunk in ${path}`);
}

const stereo = await decodeWav(STEREO);

/** Stream the stereo fixture in chunks of `chunkSec`; returns the events and the final signature. */
async function streamStereo(chunkSec: number, opts: StreamOptions = {}, chat = false) {
  const s = createStream({ speakers: ['customer', 'agent'], sampleRate: stereo.info.sampleRate, ...opts });
  const events: StreamEvent[] = [];
  for (const t of ['reading', 'window', 'moment', 'escalation', 'warning'] as const) s.on(t, (e: StreamEvent) => events.push(e));
  const n = Math.round(chunkSec * stereo.info.sampleRate);
  let m = 0;
  for (let i = 0; i < stereo.info.frames; i += n) {
    for (let c = 0; c < 2; c++) if (!s.pushAudio(stereo.channels[c].slice(i, i + n), { channel: c })) await s.whenDrained();
    const t = Math.min(i + n, stereo.info.frames) / stereo.info.sampleRate;
    while (chat && m < CHAT.length && CHAT[m].time <= t) s.pushMessage(CHAT[m++]);
  }
  const signature = await s.end();
  return { events, signature, stats: s.stats() };
}

const voiceSegs = (events: StreamEvent[]) =>
  events.filter((e): e is Extract<StreamEvent, { modality: 'voice' }> => e.type === 'reading' && e.modality === 'voice').map((e) => e.reading);

async function code(f: () => unknown): Promise<string | undefined> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(EmosigError);
    expect((e as EmosigError).message.length).toBeGreaterThan(20);
    return (e as EmosigError).code;
  }
  return undefined;
}

describe('createStream: audio', () => {
  it('gives the same segments for 10 ms and 1 s chunks, and the events of every kind', async () => {
    const a = await streamStereo(0.01);
    const b = await streamStereo(1);
    const sa = voiceSegs(a.events);
    const sb = voiceSegs(b.events);
    expect(sa.length).toBe(10); // the fixture's 10 turns
    expect(sb.length).toBe(sa.length);
    sa.forEach((s, i) => {
      expect(sb[i].speaker).toBe(s.speaker);
      expect(Math.abs(sb[i].start - s.start)).toBeLessThan(0.05);
      expect(Math.abs(sb[i].end - s.end)).toBeLessThan(0.05);
      expect(Math.abs(sb[i].emotions.anger - s.emotions.anger)).toBeLessThan(0.05);
    });
    const wa = a.events.filter((e) => e.type === 'window');
    expect(wa.length).toBeGreaterThan(20);
    expect(b.events.filter((e) => e.type === 'window').length).toBe(wa.length);
    for (const e of wa) {
      if (e.type !== 'window') continue;
      // 2 s windows; only the last ones, flushed by end(), stop at the end of the call
      const len = e.window.end - e.window.start;
      expect(Math.abs(len - 2) < 1e-6 || Math.abs(e.window.end - 28.04) < 0.05).toBe(true);
      expect(e.latencyMs).toBeGreaterThanOrEqual(0);
    }
    // windows come in time order per speaker, each once
    for (const spk of ['customer', 'agent']) {
      const starts = wa.flatMap((e) => (e.type === 'window' && e.window.speaker === spk ? [e.window.start] : []));
      expect(starts).toEqual([...new Set(starts)].sort((x, y) => x - y));
    }
    expect(a.events.some((e) => e.type === 'moment' && e.moment.kind === 'long-pause')).toBe(true); // the 3 s hold
    expect(a.stats.audio.map((c) => c.processedSec)).toEqual([28.04, 28.04].map((x) => expect.closeTo(x, 1)));
  }, 60_000);

  it('end() returns a valid signature that agrees with analyze() on the same inputs', async () => {
    const { signature, events } = await streamStereo(0.02, {}, true);
    expect(() => parseSignature(signature)).not.toThrow();
    expect(events.some((e) => e.type === 'reading' && e.modality === 'text')).toBe(true);
    const ref = await analyze({ audio: STEREO, chat: CHAT, speakers: ['customer', 'agent'] });
    expect(Object.keys(signature.speakers).sort()).toEqual(Object.keys(ref.speakers).sort());
    for (const spk of Object.keys(ref.speakers)) expect(signature.speakers[spk].dominant).toBe(ref.speakers[spk].dominant);
    expect(signature.interaction.modalities.voice.present).toBe(true);
    expect(signature.interaction.modalities.text.present).toBe(true);
    expect(signature.interaction.modalities.face.reason).toBe('not-given');
    expect(signature.timeline).toEqual(ref.timeline);
    expect(signature.moments).toEqual(ref.moments);
    expect(signature.interaction.durationSec).toBeCloseTo(ref.interaction.durationSec, 1);
    // the cx block, as analyze computes it
    expect(signature.cx!.satisfaction!.turns.length).toBe(ref.cx!.satisfaction!.turns.length);
    expect(signature.cx!.talk.agentApologies).toBe(ref.cx!.talk.agentApologies);
  }, 60_000);

  it('takes 8 kHz mu-law bytes in 20 ms frames and finds the same speech as analyzeVoice and analyze', async () => {
    const bytes = wavData(MULAW);
    const s = createStream({ speakers: ['customer', 'agent'], encoding: 'mulaw', sampleRate: 8000 });
    const segs: VoiceSegment[] = [];
    s.on('reading', (e) => {
      if (e.modality === 'voice') segs.push(e.reading);
    });
    for (let i = 0; i < bytes.length; i += 160) s.pushAudio(bytes.subarray(i, i + 160));
    const sig = await s.end();
    parseSignature(sig);
    const ref = await analyzeVoice(MULAW, { channels: ['customer'] });
    // one engine: the live segments are the file reader's, edge for edge
    expect(segs.map((x) => [x.speaker, x.start, x.end])).toEqual(ref.segments.map((x) => [x.speaker, x.start, x.end]));
    const file = await analyze({ audio: MULAW, speakers: ['customer', 'agent'] });
    expect(sig.timeline).toEqual(file.timeline);
    expect(sig.moments).toEqual(file.moments);
    expect(sig.interaction.speakers.map((x) => x.name)).toContain('customer');
    expect(sig.interaction.durationSec).toBeCloseTo(bytes.length / 8000, 1);
  }, 60_000);
});

describe('createStream: bad input', () => {
  it('throws typed errors with a stable code for every bad push', async () => {
    const s = createStream({ speakers: ['customer', 'agent'], consent: { face: false } });
    expect(await code(() => s.pushAudio(Buffer.alloc(3)))).toBe('STREAM_BAD_CHUNK'); // odd byte count for pcm16
    expect(await code(() => s.pushAudio(Buffer.alloc(6), { encoding: 'float32' }))).toBe('STREAM_BAD_CHUNK');
    expect(await code(() => s.pushAudio('abc' as never))).toBe('STREAM_BAD_CHUNK');
    expect(await code(() => s.pushAudio(new Int16Array(4), { encoding: 'mulaw' }))).toBe('STREAM_BAD_CHUNK');
    expect(await code(() => s.pushAudio(new Int16Array(4), { channel: 2 }))).toBe('STREAM_BAD_CHUNK');
    expect(await code(() => s.pushAudio(new Int16Array(4), { sampleRate: 50 }))).toBe('AUDIO_BAD_SAMPLE_RATE');
    expect(s.pushAudio(new Int16Array(160), { sampleRate: 16000 })).toBe(true);
    expect(await code(() => s.pushAudio(new Int16Array(80), { sampleRate: 8000 }))).toBe('STREAM_RATE_MISMATCH');
    const px = { data: new Uint8Array(4 * 4 * 3), width: 4, height: 4 };
    expect(s.pushFrame(px, 1)).toBe(true);
    expect(await code(() => s.pushFrame(px, 0.5))).toBe('STREAM_OUT_OF_ORDER');
    expect(await code(() => s.pushFrame(px, 1))).toBe('STREAM_OUT_OF_ORDER');
    expect(await code(() => s.pushFrame({ data: new Uint8Array(5), width: 4, height: 4 }, 2))).toBe('IMAGE_CORRUPT');
    expect(await code(() => s.pushFrame(px, Number.NaN))).toBe('STREAM_BAD_FRAME');
    expect(await code(() => s.pushFrame(Buffer.alloc(0), 3))).toBe('STREAM_BAD_FRAME');
    s.pushMessage({ time: 2, speaker: 'agent', text: 'hello there' });
    expect(await code(() => s.pushMessage({ time: 1, text: 'earlier' }))).toBe('STREAM_OUT_OF_ORDER');
    expect(await code(() => s.pushMessage({ time: 3, text: '  ' }))).toBe('STREAM_BAD_MESSAGE');
    expect(await code(() => s.pushMessage({ time: -1, text: 'x' }))).toBe('STREAM_BAD_MESSAGE');
    const sig = await s.end();
    expect(sig.interaction.modalities.face.reason).toBe('no-consent');
    expect(await code(() => s.pushAudio(new Int16Array(160)))).toBe('STREAM_CLOSED');
    expect(await code(() => s.pushFrame(px, 10))).toBe('STREAM_CLOSED');
    expect(await code(() => s.pushMessage({ time: 10, text: 'late' }))).toBe('STREAM_CLOSED');
    expect(await s.end()).toBe(sig); // end() twice: the same signature
    expect(await code(() => createStream({ window: { size: 2, hop: 3 } }))).toBe('INVALID_OPTIONS');
    expect(await code(() => createStream({ speakers: ['a', 'A'] }))).toBe('INVALID_OPTIONS');
  });

  it('applies back-pressure: false past the high-water mark, STREAM_OVERFLOW past the limit, nothing lost', async () => {
    const rate = stereo.info.sampleRate;
    const part = (a: number, b: number) => stereo.channels[0].slice(a * rate, b * rate);
    const s = createStream({ speakers: ['customer'], sampleRate: rate, highWaterMarkSec: 1, maxQueueSec: 3 });
    let drains = 0;
    s.on('drain', () => drains++);
    const segs: VoiceSegment[] = [];
    s.on('reading', (e) => e.modality === 'voice' && segs.push(e.reading));
    expect(s.pushAudio(part(0, 2))).toBe(false);
    expect(await code(() => s.pushAudio(part(2, 4)))).toBe('STREAM_OVERFLOW');
    expect(s.stats().audio[0].receivedSec).toBeCloseTo(2, 3); // the refused chunk was not taken
    await s.whenDrained();
    expect(drains).toBe(1);
    for (let t = 2; t < 16; t += 2) if (!s.pushAudio(part(t, t + 2))) await s.whenDrained();
    await s.end();
    expect(s.stats().maxQueuedSec).toBeLessThanOrEqual(3);
    // the same audio in one go (generous limits) gives the same segments: none lost or duplicated
    const r = createStream({ speakers: ['customer'], sampleRate: rate, maxQueueSec: 60, highWaterMarkSec: 60 });
    const ref: VoiceSegment[] = [];
    r.on('reading', (e) => e.modality === 'voice' && ref.push(e.reading));
    r.pushAudio(part(0, 16));
    await r.end();
    expect(segs.map((x) => [x.start, x.end])).toEqual(ref.map((x) => [x.start, x.end]));
    expect(segs.length).toBeGreaterThanOrEqual(3);
  });

  it('holds processing while an async iterator is not read, and loses no event', async () => {
    const s = createStream({ speakers: ['customer', 'agent'], sampleRate: stereo.info.sampleRate, maxEventQueue: 2 });
    const it = s[Symbol.asyncIterator]();
    let emitted = 0;
    for (const t of ['reading', 'window', 'moment', 'escalation'] as const) s.on(t, () => emitted++);
    for (let c = 0; c < 2; c++) s.pushAudio(stereo.channels[c].subarray(0, 12 * stereo.info.sampleRate), { channel: c });
    const ended = s.end();
    await new Promise((r) => setTimeout(r, 300));
    expect(emitted).toBeLessThanOrEqual(6); // held by the unread iterator
    let read = 0;
    for (let r = await it.next(); !r.done; r = await it.next()) read++;
    await ended;
    expect(read).toBe(emitted);
    expect(read).toBeGreaterThan(10);
  });
});

describe('createStream: without audio', () => {
  it('fuses a chat-only stream into windows and a signature; an empty stream is NOTHING_USABLE', async () => {
    const s = createStream({ speakers: ['customer', 'agent'] });
    let live = 0;
    s.on('window', () => live++);
    for (const m of CHAT) s.pushMessage(m);
    s.pushMessage({ time: 27, speaker: 'Supervisor', text: 'I am joining the call to help out.' });
    const sig = parseSignature(await s.end());
    expect(live).toBe(sig.timeline.length);
    expect(sig.interaction.modalities.voice.reason).toBe('not-given');
    expect(sig.interaction.speakers.find((x) => x.name === 'Supervisor')?.role).toBe('other');
    expect(await code(() => createStream().end())).toBe('NOTHING_USABLE');
  });
});

describe('createStream: faces and bounded state', () => {
  it('analyses pushed frames (encoded and raw) and reports them in the signature', async () => {
    const dir = 'fixtures/demo/frames';
    const files = readdirSync(dir).sort().slice(0, 3);
    const s = createStream({ speakers: ['customer', 'agent'], maxPendingFrames: 10, face: { tta: false } });
    const faces: number[] = [];
    s.on('reading', (e) => e.modality === 'face' && faces.push(e.reading.faces.length));
    files.forEach((f, i) => s.pushFrame(readFileSync(`${dir}/${f}`), 8 + i));
    s.pushFrame({ data: new Uint8Array(64 * 48 * 4).fill(90), width: 64, height: 48 }, 11.5);
    let warned = 0;
    s.on('warning', () => warned++);
    s.pushFrame(Buffer.from('not an image at all'), 12);
    const sig = await s.end();
    parseSignature(sig);
    expect(faces.length).toBe(4);
    expect(faces.slice(0, 3).every((n) => n >= 1)).toBe(true);
    expect(warned).toBe(1);
    expect(s.stats().frames).toMatchObject({ pushed: 5, analysed: 4, failed: 1, dropped: 0 });
    expect(sig.interaction.modalities.face.present).toBe(true);
    expect(sig.interaction.problems.some((p) => p.modality === 'face')).toBe(true);
  }, 60_000);

  it('keeps its state bounded over minutes of audio streamed faster than real time', async () => {
    const bytes = wavData(MULAW);
    const s = createStream({ speakers: ['customer'], encoding: 'mulaw', sampleRate: 8000 });
    const loops = 7; // ≈ 3.3 minutes (the bench streams an hour)
    const held: ReturnType<typeof s.stats>['held'][] = [];
    for (let k = 0; k < loops; k++) {
      for (let i = 0; i < bytes.length; i += 160) if (!s.pushAudio(bytes.subarray(i, i + 160))) await s.whenDrained();
      await new Promise((r) => setTimeout(r, 0));
      held.push(s.stats().held);
    }
    await s.end();
    for (const h of held) {
      expect(Math.max(...h.audioSec)).toBeLessThanOrEqual(22);
      expect(Math.max(...h.framesSec)).toBeLessThanOrEqual(22);
      expect(h.pendingItems).toBeLessThan(50);
      expect(h.arrivalMarks).toBeLessThan(6000);
    }
    // results grow with the stream (they are the signature), the buffers do not
    expect(held[loops - 1].segments).toBeGreaterThan(held[1].segments * 2.5);
    expect(held[loops - 1].audioSec[0]).toBeLessThanOrEqual(held[1].audioSec[0] + 2);
  }, 60_000);
});
