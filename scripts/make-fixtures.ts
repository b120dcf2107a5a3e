/**
 * Builds the demo fixtures in fixtures/ from RAVDESS clips in ../shared/data/speech/ravdess
 * (Livingstone & Russo 2018, CC BY-NC-SA 4.0). Deterministic: same inputs → same bytes.
 *
 *   npx tsx scripts/make-fixtures.ts            (or: npm run fixtures)
 *   EMOSIG_SPEECH_DIR=/path/to/speech npx tsx scripts/make-fixtures.ts
 *
 * Writes: call_stereo.wav (16 kHz 16-bit stereo, ch0 customer / ch1 agent), call_mulaw_8k.wav (same
 * call mixed to mono, 8 kHz mu-law), call_alaw_8k.wav (first part, 8 kHz A-law), clip_float32.wav
 * (one clip, float32 44.1 kHz), silence.wav (2 s of zeros), annotation.json (ground truth), and the
 * small malformed files in fixtures/bad/ (these need no speech data).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeWav, encodeWav } from '../src/audio/decode.js';
import { resample } from '../src/audio/resample.js';
import { packageRoot } from '../src/runtime/paths.js';
import { RAVDESS_CORE } from './lib/voice-data.js';

const RATE = 16000;

const CORE: Record<string, string> = RAVDESS_CORE;

type Role = 'customer' | 'agent';
interface Turn {
  role: Role;
  clip: string; // relative to the ravdess folder
  /** Gap since the previous turn ended (negative = overlap), seconds. */
  gap: number;
}

// Customer: Actor 03 (male); agent: Actor 04 (female). Customer goes neutral → angry → angry (strong) → calm.
const TURNS: Turn[] = [
  { role: 'agent', clip: 'Actor_04/03-01-01-01-01-01-04.wav', gap: 0.5 }, // neutral
  { role: 'customer', clip: 'Actor_03/03-01-01-01-02-01-03.wav', gap: 0.6 }, // neutral
  { role: 'agent', clip: 'Actor_04/03-01-02-01-01-01-04.wav', gap: 0.4 }, // calm
  { role: 'customer', clip: 'Actor_03/03-01-05-01-01-01-03.wav', gap: 0.9 }, // angry
  { role: 'agent', clip: 'Actor_04/03-01-02-01-02-01-04.wav', gap: 0.5 }, // calm
  { role: 'customer', clip: 'Actor_03/03-01-05-02-02-01-03.wav', gap: -0.4 }, // angry, strong — interrupts the agent
  { role: 'agent', clip: 'Actor_04/03-01-01-01-02-01-04.wav', gap: 1.2 }, // neutral
  { role: 'agent', clip: 'Actor_04/03-01-02-01-01-02-04.wav', gap: 3.0 }, // calm — after a long hold
  { role: 'customer', clip: 'Actor_03/03-01-02-01-01-01-03.wav', gap: 0.7 }, // calm
  { role: 'agent', clip: 'Actor_04/03-01-02-01-02-02-04.wav', gap: 0.3 }, // calm
];
const TAIL_SEC = 0.5;
const ALAW_SEC = 12;
const FLOAT_CLIP = 'Actor_03/03-01-05-02-01-01-03.wav'; // angry, strong
const FLOAT_RATE = 44100;

interface ManifestRow {
  path: string;
  label: string;
  speaker: string;
  gender: string;
  extra: string;
}

function readManifest(dir: string): Map<string, ManifestRow> {
  const text = readFileSync(join(dir, 'manifest.csv'), 'utf8').trim().split(/\r?\n/);
  const head = text[0].split(',');
  const col = (n: string) => head.indexOf(n);
  const rows = new Map<string, ManifestRow>();
  for (const line of text.slice(1)) {
    const f = line.split(',');
    rows.set(f[col('path')], { path: f[col('path')], label: f[col('label')], speaker: f[col('speaker')], gender: f[col('gender')], extra: f[col('extra')] });
  }
  return rows;
}

/** Speech span of a clip: first/last 20 ms frame within 35 dB of the loudest frame, with 60 ms margins. */
function speechSpan(x: Float32Array, rate: number): [number, number] {
  const hop = Math.round(0.02 * rate);
  const frames = Math.floor(x.length / hop);
  const e = new Float64Array(frames);
  let max = 0;
  for (let f = 0; f < frames; f++) {
    let s = 0;
    for (let i = f * hop; i < (f + 1) * hop; i++) s += x[i] * x[i];
    e[f] = s / hop;
    max = Math.max(max, e[f]);
  }
  const thr = max * 10 ** (-35 / 10);
  let a = 0;
  while (a < frames && e[a] < thr) a++;
  let b = frames - 1;
  while (b > a && e[b] < thr) b--;
  const margin = Math.round(0.06 * rate);
  return [Math.max(0, a * hop - margin), Math.min(x.length, (b + 1) * hop + margin)];
}

/** Short linear fades so cut edges do not click. */
function fade(x: Float32Array, rate: number): Float32Array {
  const n = Math.min(Math.round(0.01 * rate), x.length >> 1);
  for (let i = 0; i < n; i++) {
    const g = i / n;
    x[i] *= g;
    x[x.length - 1 - i] *= g;
  }
  return x;
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

async function loadClip(dir: string, clip: string): Promise<Float32Array> {
  const { info, channels } = await decodeWav(join(dir, clip));
  const mono = channels[0];
  return info.sampleRate === RATE ? mono : resample(mono, info.sampleRate, RATE);
}

// ---------------------------------------------------------------------------------------------
// Malformed inputs (no speech data needed)

function u32le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** A hand-made WAV header + data, so every field can lie. */
function rawWav(o: { tag?: number; channels?: number; rate?: number; bits?: number; blockAlign?: number; dataSize?: number; data?: Uint8Array; riffSize?: number }): Uint8Array {
  const tag = o.tag ?? 1;
  const ch = o.channels ?? 1;
  const rate = o.rate ?? 16000;
  const bits = o.bits ?? 16;
  const ba = o.blockAlign ?? ch * Math.ceil(bits / 8);
  const data = o.data ?? new Uint8Array(0);
  const dataSize = o.dataSize ?? data.length;
  const header = [
    ...Buffer.from('RIFF'),
    ...u32le(o.riffSize ?? 36 + data.length),
    ...Buffer.from('WAVEfmt '),
    ...u32le(16),
    tag & 0xff, tag >> 8,
    ch & 0xff, ch >> 8,
    ...u32le(rate),
    ...u32le(rate * ba),
    ba & 0xff, ba >> 8,
    bits & 0xff, bits >> 8,
    ...Buffer.from('data'),
    ...u32le(dataSize),
  ];
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

function pcm16Tone(frames: number, channels = 1): Uint8Array {
  const b = new Uint8Array(frames * channels * 2);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < frames; i++) for (let c = 0; c < channels; c++) dv.setInt16((i * channels + c) * 2, Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 16000)), true);
  return b;
}

/** The committed malformed files: name → bytes and what a reader must do with them. */
function badFixtures(): { name: string; bytes: Uint8Array; expect: string }[] {
  const tone = pcm16Tone(1600); // 0.1 s
  const nanFloats = new Uint8Array(800 * 4);
  const dvn = new DataView(nanFloats.buffer);
  for (let i = 0; i < 800; i++) dvn.setFloat32(i * 4, i % 2 ? Number.NaN : Number.POSITIVE_INFINITY, true);
  return [
    { name: 'not_a_wav.wav', bytes: new Uint8Array(Buffer.from('ID3\u0003\u0000 this is not audio, just text pretending to be an mp3\n')), expect: 'AUDIO_UNSUPPORTED_FORMAT' },
    { name: 'empty_file.wav', bytes: new Uint8Array(0), expect: 'AUDIO_EMPTY' },
    { name: 'zero_samples.wav', bytes: rawWav({}), expect: 'AUDIO_EMPTY' },
    { name: 'header_only_truncated.wav', bytes: rawWav({ dataSize: 32000 }), expect: 'AUDIO_TRUNCATED' },
    { name: 'lying_size_10h.wav', bytes: rawWav({ data: tone, dataSize: 16000 * 2 * 36000 }), expect: 'decodes 0.1 s, truncated: true' },
    { name: 'size_zero_unfinished.wav', bytes: rawWav({ data: tone, dataSize: 0, riffSize: 0 }), expect: 'decodes 0.1 s, truncated: false' },
    { name: 'cut_mid_sample.wav', bytes: rawWav({ data: tone.subarray(0, 1001), dataSize: tone.length }), expect: 'decodes 500 frames, truncated: true' },
    { name: 'rate_0hz.wav', bytes: rawWav({ rate: 0, data: tone }), expect: 'AUDIO_BAD_SAMPLE_RATE' },
    { name: 'rate_absurd.wav', bytes: rawWav({ rate: 4_000_000_000, data: tone }), expect: 'AUDIO_BAD_SAMPLE_RATE' },
    { name: 'six_channels.wav', bytes: rawWav({ channels: 6, data: pcm16Tone(200, 6) }), expect: 'AUDIO_TOO_MANY_CHANNELS' },
    { name: 'all_nan_float.wav', bytes: rawWav({ tag: 3, bits: 32, data: nanFloats }), expect: 'AUDIO_INVALID_SAMPLES' },
    { name: 'adpcm.wav', bytes: rawWav({ tag: 0x11, bits: 4, blockAlign: 256, data: new Uint8Array(1024) }), expect: 'AUDIO_UNSUPPORTED_FORMAT' },
  ];
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const root = packageRoot();
  const outDir = join(root, 'fixtures');
  mkdirSync(join(outDir, 'bad'), { recursive: true });
  for (const b of badFixtures()) writeFileSync(join(outDir, 'bad', b.name), b.bytes);
  writeFileSync(
    join(outDir, 'bad', 'expected.json'),
    JSON.stringify(Object.fromEntries(badFixtures().map((b) => [b.name, b.expect])), null, 2) + '\n',
  );

  const speech = resolve(process.env.EMOSIG_SPEECH_DIR ?? join(root, '..', 'shared', 'data', 'speech'));
  const dir = join(speech, 'ravdess');
  if (!existsSync(join(dir, 'manifest.csv'))) {
    console.error(
      `make-fixtures: RAVDESS not found at ${dir} (expected manifest.csv and Actor_NN/ folders).\n` +
        'Put the speech data at ../shared/data/speech relative to the repository, or set EMOSIG_SPEECH_DIR=/path/to/speech.\n' +
        `(The malformed files in ${join(outDir, 'bad')} were written; they need no data.)`,
    );
    process.exit(2);
  }
  const manifest = readManifest(dir);
  const meta = (clip: string) => {
    const m = manifest.get(clip);
    if (!m) throw new Error(`make-fixtures: ${clip} is not in ${join(dir, 'manifest.csv')}`);
    return m;
  };

  // Place the turns.
  const placed: { turn: Turn; audio: Float32Array; clipStart: number; start: number }[] = [];
  let t = 0;
  for (const turn of TURNS) {
    const full = await loadClip(dir, turn.clip);
    const [a, b] = speechSpan(full, RATE);
    const audio = fade(full.slice(a, b), RATE);
    const start = Math.max(0, Math.round((t + turn.gap) * RATE));
    placed.push({ turn, audio, clipStart: a, start });
    t = (start + audio.length) / RATE;
  }
  const total = Math.round((t + TAIL_SEC) * RATE);
  const ch0 = new Float32Array(total);
  const ch1 = new Float32Array(total);
  for (const p of placed) (p.turn.role === 'customer' ? ch0 : ch1).set(p.audio, p.start);

  const segments = placed.map((p) => {
    const m = meta(p.turn.clip);
    const extra = Object.fromEntries(m.extra.split(';').map((kv) => kv.split('=')));
    return {
      channel: p.turn.role === 'customer' ? 0 : 1,
      speaker: p.turn.role,
      start: r3(p.start / RATE),
      end: r3((p.start + p.audio.length) / RATE),
      label: m.label,
      core: CORE[m.label] ?? m.label,
      intensity: extra.intensity,
      actor: m.speaker,
      gender: m.gender,
      clip: `ravdess/${p.turn.clip}`,
      clipStart: r3(p.clipStart / RATE),
      clipEnd: r3((p.clipStart + p.audio.length) / RATE),
    };
  });
  // Pauses (nobody speaking) and overlaps (both speaking) between consecutive turns, by time order.
  const byStart = [...segments].sort((x, y) => x.start - y.start);
  const pauses: { start: number; end: number; length: number; after: string; before: string }[] = [];
  const overlaps: { start: number; end: number; length: number }[] = [];
  let lastEnd = 0;
  let lastSpeaker = '';
  for (const s of byStart) {
    if (s.start > lastEnd) pauses.push({ start: lastEnd, end: s.start, length: r3(s.start - lastEnd), after: lastSpeaker || 'start', before: s.speaker });
    else if (s.start < lastEnd) overlaps.push({ start: s.start, end: Math.min(lastEnd, s.end), length: r3(Math.min(lastEnd, s.end) - s.start) });
    if (s.end > lastEnd) {
      lastEnd = s.end;
      lastSpeaker = s.speaker;
    }
  }
  const durationSec = r3(total / RATE);
  if (durationSec > lastEnd) pauses.push({ start: lastEnd, end: durationSec, length: r3(durationSec - lastEnd), after: lastSpeaker, before: 'end' });

  // 1) stereo call
  writeFileSync(join(outDir, 'call_stereo.wav'), encodeWav([ch0, ch1], RATE, 'pcm'));
  // 2) mono mix at 8 kHz, mu-law (the resampler low-passes at ~3.8 kHz)
  const mix = new Float32Array(total);
  let peak = 0;
  for (let i = 0; i < total; i++) {
    mix[i] = ch0[i] + ch1[i];
    peak = Math.max(peak, Math.abs(mix[i]));
  }
  const gain = peak > 0.98 ? 0.98 / peak : 1;
  for (let i = 0; i < total; i++) mix[i] *= gain;
  const mix8k = resample(mix, RATE, 8000);
  writeFileSync(join(outDir, 'call_mulaw_8k.wav'), encodeWav([mix8k], 8000, 'mulaw'));
  // 3) the first ALAW_SEC seconds as A-law
  writeFileSync(join(outDir, 'call_alaw_8k.wav'), encodeWav([mix8k.slice(0, ALAW_SEC * 8000)], 8000, 'alaw'));
  // 4) one clip as float32 at 44.1 kHz
  const fc = await loadClip(dir, FLOAT_CLIP);
  const [fa, fb] = speechSpan(fc, RATE);
  const floatClip = resample(fade(fc.slice(fa, fb), RATE), RATE, FLOAT_RATE);
  writeFileSync(join(outDir, 'clip_float32.wav'), encodeWav([floatClip], FLOAT_RATE, 'float'));
  // 5) silence
  writeFileSync(join(outDir, 'silence.wav'), encodeWav([new Float32Array(2 * RATE)], RATE, 'pcm'));

  const fm = meta(FLOAT_CLIP);
  const annotation = {
    description: 'Ground truth for the emosig demo fixtures, built by scripts/make-fixtures.ts from RAVDESS (CC BY-NC-SA 4.0).',
    source: 'RAVDESS speech, Livingstone & Russo (2018), https://doi.org/10.1371/journal.pone.0196391',
    labelMap: CORE,
    call: {
      files: {
        'call_stereo.wav': { encoding: 'pcm', bitDepth: 16, sampleRate: RATE, channels: 2, durationSec },
        'call_mulaw_8k.wav': { encoding: 'mulaw', bitDepth: 8, sampleRate: 8000, channels: 1, durationSec, note: 'both channels mixed' },
        'call_alaw_8k.wav': { encoding: 'alaw', bitDepth: 8, sampleRate: 8000, channels: 1, durationSec: ALAW_SEC, note: `first ${ALAW_SEC} s of the mix` },
      },
      channels: { 0: 'customer', 1: 'agent' },
      speakers: { customer: 'actor03 (M)', agent: 'actor04 (F)' },
      segments,
      pauses,
      overlaps,
      longestPause: pauses.reduce((m, p) => (p.length > m.length ? p : m), pauses[0]),
    },
    'clip_float32.wav': {
      encoding: 'float',
      bitDepth: 32,
      sampleRate: FLOAT_RATE,
      channels: 1,
      durationSec: r3(floatClip.length / FLOAT_RATE),
      clip: `ravdess/${FLOAT_CLIP}`,
      clipStart: r3(fa / RATE),
      clipEnd: r3(fb / RATE),
      label: fm.label,
      core: CORE[fm.label],
      actor: fm.speaker,
    },
    'silence.wav': { encoding: 'pcm', bitDepth: 16, sampleRate: RATE, channels: 1, durationSec: 2, speech: false },
  };
  writeFileSync(join(outDir, 'annotation.json'), JSON.stringify(annotation, null, 2) + '\n');

  let bytes = 0;
  for (const f of ['call_stereo.wav', 'call_mulaw_8k.wav', 'call_alaw_8k.wav', 'clip_float32.wav', 'silence.wav', 'annotation.json']) {
    const s = statSync(join(outDir, f)).size;
    bytes += s;
    console.log(`${f.padEnd(20)} ${(s / 1024).toFixed(0).padStart(6)} KiB`);
  }
  console.log(`total ${(bytes / 1024 / 1024).toFixed(2)} MiB; call ${durationSec} s, ${segments.length} turns, ${pauses.length} pauses, ${overlaps.length} overlap(s)`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
