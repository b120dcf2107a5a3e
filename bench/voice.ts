/**
 * Voice bench: accuracy (leave-one-corpus-out and speaker-independent within corpora, clean and telephone copies), agreement with openSMILE,
 * speed (real-time factor on one core) and peak memory on a synthesised one-hour stereo call.
 *
 *   npm run bench:voice                 # everything (accuracy re-trains 5 folds: ~10–20 min on 2 vCPU)
 *   node dist/bench/voice.js --speed    # speed and memory only
 *   node dist/bench/voice.js --compare OTHER/dist [--label TEXT]   # the 1-hour call, this build against another, interleaved
 * Writes bench/results/voice.json and bench/results/voice.md. Needs ../shared/data/speech.
 */
import { existsSync, mkdirSync, openSync, writeSync, closeSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { packageRoot } from '../src/runtime/paths.js';
import { decodeWav } from '../src/audio/decode.js';
import { analyseFrames, FeatureAccumulator } from '../src/audio/features.js';
import { analyzeVoice } from '../src/audio/analyze.js';
import { loadVoiceModel } from '../src/audio/model.js';
import { readCorpus, haveSpeechData, rng, SPEECH_DIR } from '../scripts/lib/voice-data.js';
import { compareWithOpenSmile, haveReference } from '../scripts/lib/opensmile-ref.js';

const ROOT = packageRoot();
const RESULTS = join(ROOT, 'bench', 'results');
const CALL = join(ROOT, '.cache', 'bench-call-1h-stereo.wav');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Write a one-hour 16 kHz 16-bit stereo call: RAVDESS actors 01–09 on ch0, 10–18 on ch1, taking turns. */
function synthesiseCall(seconds = 3600): void {
  if (existsSync(CALL) && statSync(CALL).size > seconds * 16000 * 4) return;
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const clips = readCorpus('ravdess');
  const a = clips.filter((c) => Number(c.speaker.replace(/\D/g, '')) <= 9);
  const b = clips.filter((c) => Number(c.speaker.replace(/\D/g, '')) > 9);
  const rand = rng(42);
  const total = seconds * 16000;
  const fd = openSync(CALL, 'w');
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + total * 4, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(16000, 24);
  header.writeUInt32LE(16000 * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(total * 4, 40);
  writeSync(fd, header);
  let written = 0;
  let turn = 0;
  const sync = (x: Float32Array, ch: number) => {
    const n = Math.min(x.length, total - written);
    const buf = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(x[i] * 32767))), i * 4 + ch * 2);
    writeSync(fd, buf);
    written += n;
  };
  while (written < total) {
    const src = turn % 2 === 0 ? a : b;
    const clip = src[Math.floor(rand() * src.length)];
    const x = decodeWavSync(clip.path);
    sync(x, turn % 2);
    sync(new Float32Array(Math.round((0.3 + 1.2 * rand()) * 16000)), 0); // gap
    turn++;
  }
  closeSync(fd);
}

/** RAVDESS files are 16-bit mono PCM at 16 kHz with a plain 44-byte header (checked). */
function decodeWavSync(path: string): Float32Array {
  const b = readFileSync(path);
  let off = 12;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'data') {
      const n = Math.floor(Math.min(size, b.length - off - 8) / 2);
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = b.readInt16LE(off + 8 + i * 2) / 32768;
      return x;
    }
    off += 8 + size + (size & 1);
  }
  throw new Error(`no data chunk in ${path}`);
}

async function speedOnEmodb(): Promise<{ audioSec: number; featuresRtf: number; pipelineRtf: number; featuresCpuRtf: number; pipelineCpuRtf: number; runs: number }> {
  const files = readCorpus('emodb').map((c) => c.path);
  const audio = await Promise.all(files.map(async (f) => (await decodeWav(f)).channels[0]));
  const audioSec = audio.reduce((s, x) => s + x.length / 16000, 0);
  await loadVoiceModel();
  const feat: number[] = [];
  const full: number[] = [];
  const featCpu: number[] = [];
  const fullCpu: number[] = [];
  const cpuSec = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;
  for (let run = 0; run < 3; run++) {
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    for (const x of audio) new FeatureAccumulator().add(analyseFrames(x)).vector();
    feat.push((performance.now() - t0) / 1000);
    featCpu.push(cpuSec(process.cpuUsage(c0)));
    t0 = performance.now();
    c0 = process.cpuUsage();
    for (const f of files) await analyzeVoice(f);
    full.push((performance.now() - t0) / 1000);
    fullCpu.push(cpuSec(process.cpuUsage(c0)));
  }
  return {
    audioSec,
    featuresRtf: median(feat) / audioSec,
    pipelineRtf: median(full) / audioSec,
    featuresCpuRtf: median(featCpu) / audioSec,
    pipelineCpuRtf: median(fullCpu) / audioSec,
    runs: 3,
  };
}

/** Analyse the one-hour call in a child process pinned to one core; report wall time and peak RSS. */
function callRun(dist = join(ROOT, 'dist')): { wallSec: number; rtf: number; cpuRtf: number; peakRssMb: number; segments: number } {
  const script = `
    const { analyzeVoice } = await import(${JSON.stringify(join(dist, 'index.js'))});
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await analyzeVoice(${JSON.stringify(CALL)}, { channels: ['customer', 'agent'] });
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    console.log(JSON.stringify({ wall, cpu, rss: process.resourceUsage().maxRSS / 1024, segments: r.segments.length, duration: r.durationSec }));
  `;
  const pin = spawnSync('taskset', ['-c', '0', 'true']).status === 0 ? ['taskset', '-c', '0'] : [];
  const cmd = [...pin, process.execPath, '--input-type=module', '-e', script];
  const res = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (res.status !== 0) throw new Error(`one-hour call run failed: ${res.stderr}`);
  const o = JSON.parse(res.stdout.trim().split('\n').pop()!);
  return { wallSec: o.wall, rtf: o.wall / o.duration, cpuRtf: o.cpu / o.duration, peakRssMb: o.rss, segments: o.segments };
}

/**
 * `--compare DIR`: the one-hour call analysed alternately by this build and by another build's `dist` folder DIR
 * (e.g. the previous commit's, built elsewhere), `n` times each, so both see the same machine load.
 */
function compareBuilds(other: string, label = other, n = 5): void {
  synthesiseCall();
  const rows: { build: string; load: number; cpuRtf: number; wallSec: number; segments: number }[] = [];
  for (let i = 0; i < n; i++) {
    for (const [build, dist] of [['other', other], ['this', join(ROOT, 'dist')]] as const) {
      const load = loadavg()[0];
      const r = callRun(dist);
      rows.push({ build, load, cpuRtf: r.cpuRtf, wallSec: r.wallSec, segments: r.segments });
      console.error(`${build}: CPU RTF ${r.cpuRtf.toFixed(4)} (load ${load.toFixed(1)})`);
    }
  }
  const med = (b: string) => median(rows.filter((r) => r.build === b).map((r) => r.cpuRtf));
  const l = [
    `# Voice speed, this build against another (${new Date().toISOString().slice(0, 10)})`,
    '',
    `Machine: ${cpus().length} vCPU ${cpus()[0]?.model ?? ''}, Node ${process.version}, one core pinned; the other build: ${label}. One-hour 16 kHz stereo call, full pipeline, ${n} runs each, interleaved.`,
    '',
    '| build | median RTF by CPU time | runs (CPU RTF @ 1-min load average) |',
    '|---|---:|---|',
    ...(['other', 'this'] as const).map((b) => `| ${b} | ${med(b).toFixed(4)} | ${rows.filter((r) => r.build === b).map((r) => `${r.cpuRtf.toFixed(4)} @ ${r.load.toFixed(1)}`).join(', ')} |`),
    '',
    `This build's CPU time is ${((1 - med('this') / med('other')) * 100).toFixed(0)} % below the other's; segments ${rows[0].segments} / ${rows[1].segments}.`,
  ];
  writeFileSync(join(RESULTS, 'voice-speed-compare.md'), l.join('\n') + '\n');
  console.log(l.join('\n'));
}

async function main(): Promise<void> {
  const cmp = process.argv.indexOf('--compare');
  if (cmp > 0) {
    mkdirSync(RESULTS, { recursive: true });
    const lab = process.argv.indexOf('--label');
    compareBuilds(process.argv[cmp + 1], lab > 0 ? process.argv[lab + 1] : undefined);
    return;
  }
  if (!haveSpeechData(['ravdess', 'emodb', 'turev'])) {
    console.error(`bench:voice needs ${SPEECH_DIR}`);
    process.exit(2);
  }
  const speedOnly = process.argv.includes('--speed');
  mkdirSync(RESULTS, { recursive: true });
  const out: Record<string, unknown> = { date: new Date().toISOString(), machine: `${cpus().length} vCPU ${cpus()[0]?.model ?? ''}, Node ${process.version}, one core (onnxruntime 1 thread); load average at start ${loadavg().map((v) => v.toFixed(2)).join(' / ')}` };
  if (!speedOnly) {
    const acc = spawnSync(process.execPath, [join(ROOT, 'dist', 'scripts', 'train-voice.js'), '--eval-only'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (acc.status !== 0) throw new Error('accuracy evaluation failed');
    out.accuracy = JSON.parse(readFileSync(join(RESULTS, 'voice-accuracy.json'), 'utf8'));
    if (haveReference()) out.openSmileAgreement = await compareWithOpenSmile(1);
  }
  console.error('bench:voice: speed on EmoDB (3 runs)…');
  out.emodbSpeed = await speedOnEmodb();
  console.error('bench:voice: one-hour stereo call…');
  synthesiseCall();
  const runs = [callRun(), callRun(), callRun()];
  out.oneHourCall = {
    file: '16 kHz 16-bit stereo, 3600 s, RAVDESS turns',
    rtf: median(runs.map((r) => r.rtf)),
    cpuRtf: median(runs.map((r) => r.cpuRtf)),
    wallSec: median(runs.map((r) => r.wallSec)),
    peakRssMb: median(runs.map((r) => r.peakRssMb)),
    segments: runs[0].segments,
    runs,
  };
  writeFileSync(join(RESULTS, 'voice.json'), JSON.stringify(out, null, 2));
  writeFileSync(join(RESULTS, 'voice.md'), markdown(out));
  console.log(markdown(out));
}

function markdown(o: Record<string, any>): string {
  const l = [`# Voice bench (${String(o.date).slice(0, 10)})`, '', `Machine: ${o.machine}.`, ''];
  if (o.openSmileAgreement) {
    l.push('## Agreement with openSMILE eGeMAPSv02 (Pearson r over the EmoDB files)', '', '| measure | r |', '|---|---:|');
    for (const [k, v] of Object.entries(o.openSmileAgreement.r)) l.push(`| ${k} | ${(v as number).toFixed(3)} |`);
    l.push('');
  }
  if (o.accuracy) {
    const A = o.accuracy;
    l.push(
      '## Accuracy (UAR; full tables with macro-F1, accuracy and n in voice-accuracy.md)',
      '',
      '| corpus | copy | LOCO per clip | LOCO personal | LOCO 70 % one emotion | LOCO arousal ρ | new speakers per clip | new speakers personal |',
      '|---|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const c of Object.keys(A.loco))
      for (const v of Object.keys(A.loco[c].clip)) {
        const lo = A.loco[c];
        const wi = A.within[c];
        l.push(`| ${c} | ${v} | ${lo.clip[v].clip.uar.toFixed(3)} | ${lo.personal[v].others.uar.toFixed(3)} | ${lo.personal[v].skew70.uar.toFixed(3)} | ${lo.clip[v].clip.arousalRho.toFixed(3)} | ${wi.clip[v].clip.uar.toFixed(3)} | ${wi.personal[v].others.uar.toFixed(3)} |`);
      }
    l.push('');
  }
  const s = o.emodbSpeed;
  l.push('## Speed and memory (median of 3 runs)', '', '| what | value |', '|---|---:|');
  const cpuNote = (v?: number) => (v === undefined ? '' : `; CPU time ${v.toFixed(4)}`);
  l.push(`| EmoDB set (${s.audioSec.toFixed(0)} s of audio): features only, RTF (wall clock) | ${s.featuresRtf.toFixed(4)} (${(1 / s.featuresRtf).toFixed(0)}× real time${cpuNote(s.featuresCpuRtf)}) |`);
  l.push(`| EmoDB set: full pipeline (decode, VAD, features, model; one \`analyzeVoice\` per 2 s file), RTF (wall clock) | ${s.pipelineRtf.toFixed(4)} (${(1 / s.pipelineRtf).toFixed(0)}× real time${cpuNote(s.pipelineCpuRtf)}) |`);
  const c = o.oneHourCall;
  l.push(`| 1-hour stereo call: full pipeline, RTF (wall clock) | ${c.rtf.toFixed(4)} (${(1 / c.rtf).toFixed(0)}× real time, ${c.wallSec.toFixed(1)} s) |`);
  l.push(`| 1-hour stereo call: full pipeline, RTF (CPU time of the process: what one core does, whatever else runs) | ${c.cpuRtf.toFixed(4)} (${(1 / c.cpuRtf).toFixed(0)}× real time) |`);
  l.push(`| 1-hour stereo call: peak RSS | ${c.peakRssMb.toFixed(0)} MB |`);
  l.push('', 'For reference, openSMILE 3.0.1 eGeMAPS on the same EmoDB audio (../shared/reference): RTF 0.016 one process per file, 0.0102 as one file, peak RSS 315 MB.');
  return l.join('\n') + '\n';
}

await main();
