import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, openSync, closeSync, ftruncateSync, writeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as wavefileNs from 'wavefile';
import { join } from 'node:path';
import { decodeWav, encodeWav, openWav, type AudioInfo } from '../src/audio/decode.js';
import { alawDecode, alawEncode, mulawDecode, mulawDecodeTable, alawDecodeTable, mulawEncode } from '../src/audio/g711.js';
import { resample } from '../src/audio/resample.js';
import { EmosigError } from '../src/errors.js';

const FIX = join(__dirname, '..', 'fixtures');
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'emosig-decode-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

// ---- helpers --------------------------------------------------------------------------------

type WaveFileLike = {
  fromScratch(ch: number, rate: number, depth: string, samples: ArrayLike<number>): void;
  toMuLaw(): void;
  toALaw(): void;
  fromMuLaw(): void;
  fromALaw(): void;
  toBuffer(): Uint8Array;
  getSamples(interleaved: boolean, ctor: Float64ArrayConstructor): unknown;
};
const wfNs = wavefileNs as unknown as { WaveFile?: new (b?: Uint8Array) => WaveFileLike; default?: { WaveFile: new (b?: Uint8Array) => WaveFileLike } };
const WaveFile = (wfNs.WaveFile ?? wfNs.default!.WaveFile) as new (b?: Uint8Array) => WaveFileLike;

function toInt16(x: Float32Array): Int16Array {
  const o = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) o[i] = x[i] > 0 ? Math.round(x[i] * 32767) : Math.round(x[i] * 32768);
  return o;
}

const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const str = (s: string) => [...Buffer.from(s, 'latin1')];

function chunk(id: string, body: ArrayLike<number>, opts: { size?: number; pad?: boolean } = {}): number[] {
  const b = Array.from(body);
  const out = [...str(id), ...le32(opts.size ?? b.length), ...b];
  if (b.length & 1 && opts.pad !== false) out.push(0);
  return out;
}

function fmtBody(o: { tag?: number; channels?: number; rate?: number; bits?: number; blockAlign?: number; extensible?: { sub: number; valid?: number } }): number[] {
  const ch = o.channels ?? 1;
  const bits = o.bits ?? 16;
  const ba = o.blockAlign ?? ch * Math.ceil(bits / 8);
  const rate = o.rate ?? 16000;
  const tag = o.extensible ? 0xfffe : (o.tag ?? 1);
  const base = [...le16(tag), ...le16(ch), ...le32(rate), ...le32(rate * ba), ...le16(ba), ...le16(bits)];
  if (!o.extensible) return base;
  const guidTail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
  return [...base, ...le16(22), ...le16(o.extensible.valid ?? bits), ...le32(ch === 2 ? 3 : 4), ...le16(o.extensible.sub), ...guidTail];
}

function wav(chunks: number[][], riff = 'RIFF'): Uint8Array {
  const body = chunks.flat();
  return new Uint8Array([...str(riff), ...le32(4 + body.length), ...str('WAVE'), ...body]);
}

function simpleWav(o: Parameters<typeof fmtBody>[0] & { data: ArrayLike<number>; dataSize?: number }): Uint8Array {
  return wav([chunk('fmt ', fmtBody(o)), chunk('data', o.data, { size: o.dataSize, pad: false })]);
}

/** Test signal: a 440 Hz sine at 0.6 plus a slow ramp, deterministic. */
function signal(n: number, rate = 16000, phase = 0): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.6 * Math.sin((2 * Math.PI * 440 * i) / rate + phase) + 0.3 * ((i % 1000) / 1000 - 0.5);
  return x;
}

function bytesOf(x: Float32Array[], enc: (v: number, dv: DataView, at: number) => void, size: number): number[] {
  const n = x[0].length;
  const b = new Uint8Array(n * x.length * size);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < n; i++) for (let c = 0; c < x.length; c++) enc(x[c][i], dv, (i * x.length + c) * size);
  return Array.from(b);
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (e instanceof EmosigError) return e.code;
    throw e;
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

// ---- encodings ------------------------------------------------------------------------------

describe('decode: every supported encoding', () => {
  const n = 3000;
  const st = [signal(n), signal(n, 16000, 1.3)];
  const cases: { name: string; bytes: () => Uint8Array; tol: number; enc: AudioInfo['encoding']; bits: number }[] = [
    { name: 'pcm u8', enc: 'pcm', bits: 8, tol: 2 / 128, bytes: () => simpleWav({ channels: 2, bits: 8, data: bytesOf(st, (v, dv, at) => dv.setUint8(at, Math.round(v * 127) + 128), 1) }) },
    { name: 'pcm 16', enc: 'pcm', bits: 16, tol: 2 / 32768, bytes: () => simpleWav({ channels: 2, bits: 16, data: bytesOf(st, (v, dv, at) => dv.setInt16(at, Math.round(v * 32767), true), 2) }) },
    {
      name: 'pcm 24',
      enc: 'pcm',
      bits: 24,
      tol: 1e-6,
      bytes: () =>
        simpleWav({
          channels: 2,
          bits: 24,
          data: bytesOf(st, (v, dv, at) => {
            const s = Math.round(v * 8388607) & 0xffffff;
            dv.setUint8(at, s & 0xff);
            dv.setUint8(at + 1, (s >> 8) & 0xff);
            dv.setUint8(at + 2, (s >> 16) & 0xff);
          }, 3),
        }),
    },
    { name: 'pcm 32', enc: 'pcm', bits: 32, tol: 1e-6, bytes: () => simpleWav({ channels: 2, bits: 32, data: bytesOf(st, (v, dv, at) => dv.setInt32(at, Math.round(v * 2147483647), true), 4) }) },
    { name: 'float 32', enc: 'float', bits: 32, tol: 0, bytes: () => simpleWav({ tag: 3, channels: 2, bits: 32, data: bytesOf(st, (v, dv, at) => dv.setFloat32(at, v, true), 4) }) },
    { name: 'float 64', enc: 'float', bits: 64, tol: 1e-7, bytes: () => simpleWav({ tag: 3, channels: 2, bits: 64, data: bytesOf(st, (v, dv, at) => dv.setFloat64(at, v, true), 8) }) },
    {
      name: 'extensible pcm 16',
      enc: 'pcm',
      bits: 16,
      tol: 2 / 32768,
      bytes: () => simpleWav({ channels: 2, bits: 16, extensible: { sub: 1 }, data: bytesOf(st, (v, dv, at) => dv.setInt16(at, Math.round(v * 32767), true), 2) }),
    },
    { name: 'extensible float 32', enc: 'float', bits: 32, tol: 0, bytes: () => simpleWav({ channels: 2, bits: 32, extensible: { sub: 3 }, data: bytesOf(st, (v, dv, at) => dv.setFloat32(at, v, true), 4) }) },
    {
      name: 'extensible 24-in-32 container',
      enc: 'pcm',
      bits: 32,
      tol: 1e-6,
      bytes: () => simpleWav({ channels: 2, bits: 32, extensible: { sub: 1, valid: 24 }, data: bytesOf(st, (v, dv, at) => dv.setInt32(at, (Math.round(v * 8388607) << 8) | 0, true), 4) }),
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const bytes = c.bytes();
      const { info, channels } = await decodeWav(bytes);
      expect(info).toMatchObject({ source: '<buffer>', encoding: c.enc, bitDepth: c.bits, sampleRate: 16000, channels: 2, frames: n, truncated: false, invalidSamples: 0 });
      expect(info.durationSec).toBeCloseTo(n / 16000, 9);
      expect(maxDiff(channels[0], st[0])).toBeLessThanOrEqual(c.tol + 1e-7);
      expect(maxDiff(channels[1], st[1])).toBeLessThanOrEqual(c.tol + 1e-7);
      // the same bytes from a file give the same result
      const f = join(tmp, `${c.name.replace(/\W+/g, '_')}.wav`);
      writeFileSync(f, bytes);
      const fromFile = await decodeWav(f);
      expect(fromFile.info.source).toBe(f);
      expect(maxDiff(fromFile.channels[1], channels[1])).toBe(0);
    });
  }

  it('mu-law and A-law: decoder matches the G.711 tables and wavefile’s (independent) encoder', async () => {
    // Known G.711 values.
    expect(mulawDecodeTable()[0xff] * 32768).toBe(0);
    expect(mulawDecodeTable()[0x00] * 32768).toBe(-32124);
    expect(mulawDecodeTable()[0x80] * 32768).toBe(32124);
    expect(alawDecodeTable()[0xd5] * 32768).toBe(8);
    expect(alawDecodeTable()[0x55] * 32768).toBe(-8);
    expect(alawDecodeTable()[0xaa] * 32768).toBe(32256);
    const x = signal(4000, 8000);
    const snr = (y: Float32Array) => {
      let e = 0;
      for (let i = 0; i < x.length; i++) e += (y[i] - x[i]) ** 2;
      return 10 * Math.log10((rms(x) ** 2 * x.length) / e);
    };
    for (const law of ['mulaw', 'alaw'] as const) {
      const wf = new WaveFile();
      wf.fromScratch(1, 8000, '16', toInt16(x));
      if (law === 'mulaw') wf.toMuLaw();
      else wf.toALaw();
      const bytes = wf.toBuffer();
      const { info, channels } = await decodeWav(bytes);
      expect(info).toMatchObject({ encoding: law, bitDepth: 8, sampleRate: 8000, channels: 1, frames: 4000 });
      expect(snr(channels[0])).toBeGreaterThan(30); // companding noise only
      // our encoder gives the same bytes except at a few decision boundaries (one step apart:
      // encoders differ in how they truncate negative values)
      const ours = law === 'mulaw' ? mulawEncode(x) : alawEncode(x);
      const theirs = bytes.subarray(bytes.length - 4000);
      let same = 0;
      for (let i = 0; i < 4000; i++) if (ours[i] === theirs[i]) same++;
      expect(same / 4000).toBeGreaterThan(0.99);
      const rt = law === 'mulaw' ? mulawDecode(ours) : alawDecode(ours);
      expect(snr(rt)).toBeGreaterThan(30);
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(rt[i] - channels[0][i]) - Math.abs(x[i]) / 16);
      expect(worst).toBeLessThanOrEqual(1e-3);
    }
  });

  it('encodeWav files read back exactly, by us and by wavefile', async () => {
    const x = signal(1601);
    const y = signal(1601, 16000, 2);
    for (const enc of ['pcm', 'float', 'mulaw', 'alaw'] as const) {
      for (const chans of [[x], [x, y]]) {
        const bytes = encodeWav(chans, 16000, enc);
        const ours = await decodeWav(bytes);
        expect(ours.info).toMatchObject({ encoding: enc, channels: chans.length, frames: 1601, truncated: false });
        const wf = new WaveFile(bytes);
        if (enc === 'mulaw') wf.fromMuLaw();
        if (enc === 'alaw') wf.fromALaw();
        const got = wf.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
        const theirs = chans.length === 1 ? [got as Float64Array] : (got as Float64Array[]);
        const scale = enc === 'float' ? 1 : 32768;
        let md = 0;
        for (let c = 0; c < chans.length; c++) {
          // wavefile counts the pad byte of an odd-sized 8-bit data chunk as a sample; ffmpeg does not
          expect(theirs[c].length).toBe(enc !== 'pcm' && enc !== 'float' && chans.length === 1 ? 1602 : 1601);
          for (let i = 0; i < 1601; i++) md = Math.max(md, Math.abs(theirs[c][i] / scale - ours.channels[c][i]));
        }
        expect(md, enc).toBeLessThanOrEqual(1e-7);
      }
    }
  });

  it('encodeWav writes 16-bit, float, mu-law and A-law files that decode back', async () => {
    const x = signal(1600);
    const y = signal(1600, 16000, 2);
    const p = await decodeWav(encodeWav([x, y], 16000));
    expect(p.info).toMatchObject({ encoding: 'pcm', bitDepth: 16, channels: 2, frames: 1600 });
    expect(maxDiff(p.channels[1], y)).toBeLessThan(2 / 32768);
    const f = await decodeWav(encodeWav([x], 44100, 'float'));
    expect(f.info).toMatchObject({ encoding: 'float', bitDepth: 32, sampleRate: 44100, channels: 1 });
    expect(maxDiff(f.channels[0], x)).toBe(0);
    const clipped = await decodeWav(encodeWav([new Float32Array([2, -3, Number.NaN, 0.5])], 16000, 'float'));
    expect(Array.from(clipped.channels[0])).toEqual([1, -1, 0, 0.5]);
  });
});

// ---- streaming ------------------------------------------------------------------------------

describe('openWav: streaming blocks', () => {
  it('blocks of any size concatenate to decodeWav, from a file and from bytes', async () => {
    const x = [signal(5003), signal(5003, 16000, 0.7)];
    const bytes = encodeWav(x, 16000);
    const f = join(tmp, 'stream.wav');
    writeFileSync(f, bytes);
    const whole = await decodeWav(f);
    for (const input of [f, bytes]) {
      for (const bf of [7, 333, 4096, 16000, 1 << 20]) {
        const r = await openWav(input);
        const got = [new Float32Array(r.info.frames), new Float32Array(r.info.frames)];
        let next = 0;
        for await (const b of r.blocks(bf)) {
          expect(b.startFrame).toBe(next);
          expect(b.channels[0].length).toBeLessThanOrEqual(bf);
          expect(b.channels[0].length).toBe(b.channels[1].length);
          got[0].set(b.channels[0], b.startFrame);
          got[1].set(b.channels[1], b.startFrame);
          next += b.channels[0].length;
        }
        expect(next).toBe(5003);
        expect(maxDiff(got[0], whole.channels[0])).toBe(0);
        expect(maxDiff(got[1], whole.channels[1])).toBe(0);
        await r.close();
      }
    }
    // default block = 1 s; a second pass restarts; closed readers refuse
    const r = await openWav(f);
    const sizes: number[] = [];
    for await (const b of r.blocks()) sizes.push(b.channels[0].length);
    expect(sizes).toEqual([5003]); // 1 s = 16000 frames > the whole file
    let again = 0;
    for await (const b of r.blocks(4000)) again += b.channels[0].length;
    expect(again).toBe(5003);
    await r.close();
    await r.close(); // idempotent
    expect(await code(r.blocks().next())).toBe('STREAM_CLOSED');
  });

  it('opens a 3 GB (sparse) file instantly and streams its start without reading the rest', async () => {
    const f = join(tmp, 'huge.wav');
    const head = simpleWav({ channels: 1, rate: 16000, bits: 16, data: [], dataSize: 3_000_000_000 });
    const fd = openSync(f, 'w');
    writeSync(fd, head);
    ftruncateSync(fd, head.length + 3_000_000_000);
    closeSync(fd);
    // 26 h > the default 4 h limit; decodeWav will not try to hold 1.5 G samples in memory either
    expect(await code(openWav(f))).toBe('AUDIO_TOO_LONG');
    expect(await code(decodeWav(f, { maxDurationSec: 48 * 3600 }))).toBe('AUDIO_TOO_LONG');
    const t0 = performance.now();
    const r = await openWav(f, { maxDurationSec: 48 * 3600 });
    expect(r.info.frames).toBe(1_500_000_000);
    expect(r.info.truncated).toBe(false);
    let seen = 0;
    for await (const b of r.blocks()) {
      seen += b.channels[0].length;
      if (seen >= 48000) break; // early exit must be fine
    }
    await r.close();
    expect(seen).toBe(48000);
    expect(performance.now() - t0).toBeLessThan(2000);
    rmSync(f);
  });
});

// ---- header layout --------------------------------------------------------------------------

describe('decode: header layouts', () => {
  const pcm = bytesOf([signal(800)], (v, dv, at) => dv.setInt16(at, Math.round(v * 32767), true), 2);

  it('skips LIST/JUNK/fact chunks, odd sizes with and without the pad byte', async () => {
    const fmt = chunk('fmt ', fmtBody({}));
    const variants = [
      wav([fmt, chunk('LIST', [...str('INFOISFT'), ...le32(5), ...str('emo\0\0')]), chunk('data', pcm)]),
      wav([chunk('JUNK', new Array(28).fill(0)), fmt, chunk('fact', le32(800)), chunk('data', pcm)]),
      wav([fmt, chunk('odd ', [1, 2, 3]), chunk('data', pcm)]), // padded to 4
      wav([fmt, chunk('odd ', [1, 2, 3], { pad: false }), chunk('data', pcm)]), // writer forgot the pad byte
      wav([fmt, chunk('data', pcm), chunk('LIST', str('INFO'))]), // metadata after the audio is not audio
    ];
    for (const v of variants) {
      const { info, channels } = await decodeWav(v);
      expect(info.frames).toBe(800);
      expect(info.truncated).toBe(false);
      expect(channels[0][100]).toBeCloseTo(signal(800)[100], 4);
    }
  });

  it('a data size of 0xFFFFFFFF (streamed writer) or 0 followed by audio (unfinished writer) means "to the end of the file"', async () => {
    for (const dataSize of [0xffffffff, 0]) {
      const { info } = await decodeWav(simpleWav({ data: pcm, dataSize }));
      expect(info.frames).toBe(800);
      expect(info.truncated).toBe(false);
    }
    // but an empty data chunk followed by another chunk is empty
    expect(await code(decodeWav(wav([chunk('fmt ', fmtBody({})), chunk('data', []), chunk('LIST', str('INFO'))])))).toBe('AUDIO_EMPTY');
  });
});

// ---- bad input ------------------------------------------------------------------------------

describe('decode: bad input never crashes, hangs or over-allocates', () => {
  const tone = bytesOf([signal(1600)], (v, dv, at) => dv.setInt16(at, Math.round(v * 32767), true), 2);

  it('missing file, directory, device', async () => {
    expect(await code(decodeWav(join(tmp, 'nope.wav')))).toBe('INPUT_NOT_FOUND');
    expect(await code(decodeWav(join(tmp, 'nope', 'deeper.wav')))).toBe('INPUT_NOT_FOUND');
    mkdirSync(join(tmp, 'adir.wav'), { recursive: true });
    expect(await code(decodeWav(join(tmp, 'adir.wav')))).toBe('INPUT_IS_DIRECTORY');
    if (process.platform !== 'win32') expect(await code(decodeWav('/dev/zero'))).toBe('INPUT_UNREADABLE');
    const e = await decodeWav(join(tmp, 'nope.wav')).catch((err) => err);
    expect(e.message).toContain('nope.wav');
    expect(e.input).toBe(join(tmp, 'nope.wav'));
  });

  it('not a WAV / other containers / other codecs', async () => {
    expect(await code(decodeWav(new Uint8Array(Buffer.from('hello, I am a text file and not audio at all'))))).toBe('AUDIO_UNSUPPORTED_FORMAT');
    const mp3 = await decodeWav(new Uint8Array([...str('ID3'), 3, 0, 0, 0, 0, 0, 0])).catch((e) => e);
    expect(mp3.code).toBe('AUDIO_UNSUPPORTED_FORMAT');
    expect(mp3.message).toMatch(/MP3/);
    expect(mp3.message).toMatch(/ffmpeg/);
    expect(await code(decodeWav(new Uint8Array([...str('RIFF'), ...le32(4), ...str('AVI ')])))).toBe('AUDIO_UNSUPPORTED_FORMAT');
    expect(await code(decodeWav(wav([chunk('fmt ', fmtBody({})), chunk('data', tone)], 'RIFX')))).toBe('AUDIO_UNSUPPORTED_FORMAT');
    expect(await code(decodeWav(wav([chunk('fmt ', fmtBody({})), chunk('data', tone)], 'RF64')))).toBe('AUDIO_UNSUPPORTED_FORMAT');
    const adpcm = await decodeWav(simpleWav({ tag: 0x11, bits: 4, blockAlign: 256, data: new Array(1024).fill(0) })).catch((e) => e);
    expect(adpcm.code).toBe('AUDIO_UNSUPPORTED_FORMAT');
    expect(adpcm.message).toMatch(/IMA ADPCM/);
    expect(await code(decodeWav(simpleWav({ bits: 12, blockAlign: 2, data: tone })))).toBe('OK'); // 12-bit in 16-bit containers is fine
    expect(await code(decodeWav(simpleWav({ tag: 3, bits: 16, data: tone })))).toBe('AUDIO_UNSUPPORTED_FORMAT'); // 16-bit float
    expect(await code(decodeWav(wav([chunk('data', tone), chunk('fmt ', fmtBody({}))])))).toBe('AUDIO_UNSUPPORTED_FORMAT'); // data before fmt
    expect(await code(decodeWav(wav([chunk('LIST', str('INFO'))])))).toBe('AUDIO_UNSUPPORTED_FORMAT'); // no fmt at all
    expect(await code(decodeWav(wav([chunk('fmt ', fmtBody({}).slice(0, 12))])))).toBe('AUDIO_UNSUPPORTED_FORMAT'); // short fmt
    expect(await code(decodeWav(new Uint8Array([...str('RIFF'), ...le32(4), ...str('WAVE'), 0xff, 0xfe, 0x00, 0x01, ...le32(4)])))).toBe('AUDIO_UNSUPPORTED_FORMAT'); // garbage chunk id
  });

  it('empty, zero samples, truncated headers and data', async () => {
    expect(await code(decodeWav(new Uint8Array(0)))).toBe('AUDIO_EMPTY');
    expect(await code(decodeWav(simpleWav({ data: [] })))).toBe('AUDIO_EMPTY');
    expect(await code(decodeWav(new Uint8Array(str('RIFF'))))).toBe('AUDIO_TRUNCATED');
    expect(await code(decodeWav(wav([chunk('fmt ', fmtBody({}))])))).toBe('AUDIO_TRUNCATED'); // ends before data
    expect(await code(decodeWav(wav([chunk('fmt ', fmtBody({}), { size: 16 })]).subarray(0, 30)))).toBe('AUDIO_TRUNCATED'); // cut inside fmt
    expect(await code(decodeWav(simpleWav({ data: [], dataSize: 32000 })))).toBe('AUDIO_TRUNCATED'); // header only
    expect(await code(decodeWav(simpleWav({ data: [7], dataSize: 32000 })))).toBe('AUDIO_TRUNCATED'); // less than one sample
  });

  it('lying sizes: decode what exists, flag truncated, never allocate the claim', async () => {
    // 10-hour claim on a 0.1 s file
    const liar = simpleWav({ data: tone, dataSize: 16000 * 2 * 36000 });
    const { info, channels } = await decodeWav(liar);
    expect(info.frames).toBe(1600);
    expect(info.declaredFrames).toBe(16000 * 36000);
    expect(info.truncated).toBe(true);
    expect(info.durationSec).toBeCloseTo(0.1, 9);
    expect(channels[0].length).toBe(1600);
    // a 10-hour claim does not trip the duration limit: only real audio counts
    expect(await code(decodeWav(liar, { maxDurationSec: 1 }))).toBe('OK');
    // cut mid-sample: whole frames only
    const cut = await decodeWav(simpleWav({ channels: 2, data: tone.slice(0, 1003), dataSize: tone.length }));
    expect(cut.info.frames).toBe(250);
    expect(cut.info.truncated).toBe(true);
    // riff size lies too (ignored)
    const riffLie = simpleWav({ data: tone });
    riffLie.set(le32(12), 4);
    expect((await decodeWav(riffLie)).info.frames).toBe(1600);
    // a file on disk behaves the same
    const f = join(tmp, 'liar.wav');
    writeFileSync(f, liar);
    const r = await openWav(f);
    expect(r.info).toMatchObject({ frames: 1600, truncated: true });
    let n = 0;
    for await (const b of r.blocks()) n += b.channels[0].length;
    expect(n).toBe(1600);
    await r.close();
  });

  it('sample rates, channel counts and duration limits', async () => {
    expect(await code(decodeWav(simpleWav({ rate: 0, data: tone })))).toBe('AUDIO_BAD_SAMPLE_RATE');
    expect(await code(decodeWav(simpleWav({ rate: 999, data: tone })))).toBe('AUDIO_BAD_SAMPLE_RATE');
    expect(await code(decodeWav(simpleWav({ rate: 4_000_000_000, data: tone })))).toBe('AUDIO_BAD_SAMPLE_RATE');
    expect(await code(decodeWav(simpleWav({ rate: 384001, data: tone })))).toBe('AUDIO_BAD_SAMPLE_RATE');
    expect((await decodeWav(simpleWav({ rate: 1000, data: tone }))).info.durationSec).toBeCloseTo(1.6, 9);
    expect((await decodeWav(simpleWav({ rate: 384000, data: tone }))).info.sampleRate).toBe(384000);
    const six = await decodeWav(simpleWav({ channels: 6, data: new Array(1200).fill(0) })).catch((e) => e);
    expect(six.code).toBe('AUDIO_TOO_MANY_CHANNELS');
    expect(six.message).toMatch(/6 channels/);
    expect(await code(decodeWav(simpleWav({ channels: 0, blockAlign: 2, data: tone })))).toBe('AUDIO_UNSUPPORTED_FORMAT');
    expect(await code(decodeWav(simpleWav({ data: tone }), { maxDurationSec: 0.05 }))).toBe('AUDIO_TOO_LONG');
    expect(await code(decodeWav(simpleWav({ data: tone }), { maxDurationSec: -1 }))).toBe('INVALID_OPTIONS');
  });

  it('NaN/Inf floats become 0 and are counted; all-invalid is an error', async () => {
    const vals = [0.5, Number.NaN, -0.25, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e30, -1e30, 0.125];
    const some = simpleWav({ tag: 3, bits: 32, data: bytesOf([new Float32Array(vals)], (v, dv, at) => dv.setFloat32(at, v, true), 4) });
    const { info, channels } = await decodeWav(some);
    expect(info.invalidSamples).toBe(3);
    expect(Array.from(channels[0])).toEqual([0.5, 0, -0.25, 0, 0, 1, -1, 0.125]);
    const all = simpleWav({ tag: 3, bits: 64, channels: 2, data: bytesOf([new Float32Array(64).fill(Number.NaN), new Float32Array(64).fill(Infinity)], (v, dv, at) => dv.setFloat64(at, v, true), 8) });
    expect(await code(decodeWav(all))).toBe('AUDIO_INVALID_SAMPLES');
  });

  it('fuzz: 600 corrupted headers and cut-offs give a reading or a typed error, never a crash', async () => {
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const good = wav([chunk('fmt ', fmtBody({ channels: 2 })), chunk('LIST', str('INFOabcd')), chunk('data', tone)]);
    const outcomes = new Map<string, number>();
    for (let t = 0; t < 600; t++) {
      const b = good.slice(0, t % 3 === 0 ? Math.floor(rand() * good.length) : good.length);
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) b[Math.floor(rand() * Math.min(b.length, 80))] = Math.floor(rand() * 256);
      const result = await decodeWav(b).then(
        (r) => {
          expect(r.channels.length).toBe(r.info.channels);
          expect(r.channels[0].length).toBe(r.info.frames);
          expect(r.info.frames * r.info.channels * 8).toBeLessThanOrEqual(b.length * 8);
          return 'OK';
        },
        (e) => {
          if (!(e instanceof EmosigError)) throw e;
          return e.code;
        },
      );
      outcomes.set(result, (outcomes.get(result) ?? 0) + 1);
    }
    expect(outcomes.get('OK')).toBeGreaterThan(0);
    expect(outcomes.size).toBeGreaterThan(3);
  });

  it('all-zero silence decodes fine', async () => {
    const { info, channels } = await decodeWav(join(FIX, 'silence.wav'));
    expect(info).toMatchObject({ encoding: 'pcm', sampleRate: 16000, channels: 1, frames: 32000, truncated: false });
    expect(channels[0].every((v) => v === 0)).toBe(true);
  });

  it('the committed fixtures/bad files behave as fixtures/bad/expected.json says', async () => {
    const expected: Record<string, string> = JSON.parse(readFileSync(join(FIX, 'bad', 'expected.json'), 'utf8'));
    const files = readdirSync(join(FIX, 'bad')).filter((f) => f.endsWith('.wav'));
    expect(files.sort()).toEqual(Object.keys(expected).sort());
    for (const f of files) {
      const want = expected[f];
      const got = await decodeWav(join(FIX, 'bad', f)).then(
        (r) => `decodes ${r.info.frames === 1600 ? '0.1 s' : `${r.info.frames} frames`}, truncated: ${r.info.truncated}`,
        (e) => (e instanceof EmosigError ? e.code : `CRASH ${String(e)}`),
      );
      expect(`${f}: ${got}`).toBe(`${f}: ${want}`);
    }
  });
});

// ---- cross-check with ffmpeg (a dependency; skipped where its binary is missing) ---------------

function ffmpegPath(): string | undefined {
  try {
    const p: string = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg').path;
    execFileSync(p, ['-hide_banner', '-version'], { stdio: 'ignore' });
    return p;
  } catch {
    return undefined;
  }
}
const FFMPEG = ffmpegPath();

describe.skipIf(!FFMPEG)('decode: agrees with ffmpeg on files ffmpeg writes', () => {
  const src = join(FIX, 'call_stereo.wav');
  const cases: [codec: string, rate: number, ch: number][] = [
    ['pcm_u8', 11025, 1],
    ['pcm_s16le', 8000, 2],
    ['pcm_s24le', 22050, 2], // WAVE_FORMAT_EXTENSIBLE
    ['pcm_s32le', 16000, 1],
    ['pcm_f32le', 44100, 2],
    ['pcm_f64le', 16000, 1],
    ['pcm_mulaw', 8000, 1],
    ['pcm_alaw', 8000, 2],
  ];
  it.each(cases)('%s %d Hz %d ch (file and pipe output)', async (codec, rate, ch) => {
    const ff = (args: string[]) => execFileSync(FFMPEG!, ['-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 64 << 20 });
    const f = join(tmp, `ff_${codec}_${rate}_${ch}.wav`);
    ff(['-i', src, '-ss', '7.8', '-t', '1.5', '-ar', String(rate), '-ac', String(ch), '-c:a', codec, f]);
    const raw = ff(['-i', f, '-f', 'f32le', '-c:a', 'pcm_f32le', 'pipe:1']);
    const ref = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const piped = ff(['-i', src, '-ss', '7.8', '-t', '1.5', '-ar', String(rate), '-ac', String(ch), '-c:a', codec, '-f', 'wav', 'pipe:1']); // sizes 0xFFFFFFFF
    for (const input of [f, new Uint8Array(piped)]) {
      const { info, channels } = await decodeWav(input);
      expect(info.channels).toBe(ch);
      expect(info.sampleRate).toBe(rate);
      expect(info.frames * ch).toBe(ref.length);
      expect(info.truncated).toBe(false);
      let md = 0;
      for (let i = 0; i < info.frames; i++) for (let c = 0; c < ch; c++) md = Math.max(md, Math.abs(channels[c][i] - ref[i * ch + c]));
      expect(md).toBeLessThanOrEqual(1e-6);
    }
  });
});

describe.skipIf(!FFMPEG)('encodeWav: ffmpeg reads our files as we do', () => {
  it.each(['pcm', 'float', 'mulaw', 'alaw'] as const)('%s', async (enc) => {
    for (const chans of [[signal(3001, 8000), signal(3001, 8000, 1)], [signal(3001, 8000)]]) {
      const ch = chans.length;
      const f = join(tmp, `enc_${enc}_${ch}.wav`);
      writeFileSync(f, encodeWav(chans, 8000, enc)); // mono 8-bit: odd data size, pad byte
      const raw = execFileSync(FFMPEG!, ['-hide_banner', '-loglevel', 'error', '-i', f, '-f', 'f32le', '-c:a', 'pcm_f32le', 'pipe:1']);
      const ref = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      const { channels } = await decodeWav(f);
      expect(ref.length).toBe(ch * 3001);
      let md = 0;
      for (let i = 0; i < 3001; i++) for (let c = 0; c < ch; c++) md = Math.max(md, Math.abs(channels[c][i] - ref[ch * i + c]));
      expect(md).toBeLessThanOrEqual(1e-6);
    }
  });
});

// ---- committed fixtures ---------------------------------------------------------------------

describe('fixtures', () => {
  const ann = JSON.parse(readFileSync(join(FIX, 'annotation.json'), 'utf8'));

  it('call_stereo.wav: customer on ch0, agent on ch1, as annotated', async () => {
    const { info, channels } = await decodeWav(join(FIX, 'call_stereo.wav'));
    expect(info).toMatchObject({ encoding: 'pcm', bitDepth: 16, sampleRate: 16000, channels: 2, truncated: false });
    expect(info.durationSec).toBeCloseTo(ann.call.files['call_stereo.wav'].durationSec, 2);
    expect(info.durationSec).toBeGreaterThanOrEqual(20);
    expect(info.durationSec).toBeLessThanOrEqual(30);
    for (const s of ann.call.segments) {
      const a = Math.round(s.start * 16000);
      const b = Math.round(s.end * 16000);
      expect(rms(channels[s.channel], a, b)).toBeGreaterThan(0.005);
    }
    // the long pause is silent on both channels
    const lp = ann.call.longestPause;
    expect(lp.length).toBeGreaterThanOrEqual(2.5);
    for (const ch of channels) expect(rms(ch, Math.round((lp.start + 0.01) * 16000), Math.round((lp.end - 0.01) * 16000))).toBe(0);
    expect(ann.call.overlaps.length).toBe(1);
  });

  it('call_mulaw_8k.wav / call_alaw_8k.wav: the same call, mixed, telephone-coded', async () => {
    const stereo = await decodeWav(join(FIX, 'call_stereo.wav'));
    const mix = new Float32Array(stereo.info.frames);
    for (let i = 0; i < mix.length; i++) mix[i] = stereo.channels[0][i] + stereo.channels[1][i];
    const ref = resample(mix, 16000, 8000);
    for (const [f, enc] of [['call_mulaw_8k.wav', 'mulaw'], ['call_alaw_8k.wav', 'alaw']] as const) {
      const { info, channels } = await decodeWav(join(FIX, f));
      expect(info).toMatchObject({ encoding: enc, bitDepth: 8, sampleRate: 8000, channels: 1 });
      const y = channels[0];
      // gain-invariant match: correlation with the resampled mix
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let i = 0; i < y.length; i++) {
        sxy += y[i] * ref[i];
        sxx += ref[i] * ref[i];
        syy += y[i] * y[i];
      }
      expect(sxy / Math.sqrt(sxx * syy)).toBeGreaterThan(0.995);
    }
  });

  it('clip_float32.wav: float32 at 44.1 kHz', async () => {
    const { info, channels } = await decodeWav(join(FIX, 'clip_float32.wav'));
    expect(info).toMatchObject({ encoding: 'float', bitDepth: 32, sampleRate: 44100, channels: 1, invalidSamples: 0 });
    expect(info.durationSec).toBeCloseTo(ann['clip_float32.wav'].durationSec, 2);
    expect(rms(channels[0])).toBeGreaterThan(0.01);
  });
});
