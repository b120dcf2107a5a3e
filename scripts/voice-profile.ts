/**
 * Where the voice pipeline spends its time: a V8 CPU profile (`node --cpu-prof`) of `analyzeVoice` on the bench's
 * one-hour stereo call (.cache/bench-call-1h-stereo.wav, written by `node dist/bench/voice.js --speed`), one core
 * pinned, summarised by self time per stage and per function.
 *
 *   npm run build && OMP_NUM_THREADS=1 nice -n 10 node dist/scripts/voice-profile.js [WAV]
 *
 * Writes bench/results/voice-profile.md (the README's "where the time goes" figures).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, cpus, loadavg } from 'node:os';
import { spawnSync } from 'node:child_process';
import { packageRoot } from '../src/runtime/paths.js';

const ROOT = packageRoot();
const wav = process.argv[2] ?? join(ROOT, '.cache', 'bench-call-1h-stereo.wav');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Stage of a function, by its name and file (the bundle keeps function names). */
const STAGES: [string, RegExp][] = [
  ['Silero VAD inference (onnxruntime)', /onnxruntime|backend\.js|binding\.js/],
  ['FFT (fft.js)', /fft\.js/],
  ['spectral descriptors', /^(spectralLlds|meydaSpectral|auditoryLoudness|spectralKurtosis) /],
  ['F0 and HNR', /^(voiceFrames|acf|periodCorrelation|medianSmoothVoiced|downsample) /],
  ['jitter/shimmer cycle search', /^(cycleMeasures|pearsonAt) /],
  ['VAD batching (JS)', /^(lanes|silent|probsMany|probs) /],
  ['functionals and temporal measures', /^(add|functionals|tremor|band|vector|named|next) /],
  ['decode, resample, buffers', /^(decodeFrames|readInto|read|blocks|process|produce|produceSimd|append|take|slice|push|trimBefore|Resampler|SimdStore|allocBuf|fir|wasm-function.*) /],
  ['garbage collector', /^\(garbage collector\)/],
];

function main(): void {
  if (!existsSync(wav)) {
    console.error(`voice-profile: ${wav} is missing; run node dist/bench/voice.js --speed first (it writes it)`);
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'emosig-voice-prof-'));
  const script = `const { analyzeVoice } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))}); await analyzeVoice(${JSON.stringify(wav)}, { channels: ['customer', 'agent'] });`;
  const pin = spawnSync('taskset', ['-c', '0', 'true']).status === 0 ? ['taskset', '-c', '0'] : [];
  const load = loadavg()[0];
  const cmd = [...pin, process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, '--input-type=module', '-e', script];
  const res = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0) throw new Error('profiled run failed');
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  rmSync(dir, { recursive: true, force: true });

  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const cf = byId.get(id)!.callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').pop() ?? ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const stages = new Map<string, number>();
  for (const [key, t] of self) {
    const stage = STAGES.find(([, re]) => re.test(key))?.[0] ?? 'other (start-up, model load, segment bookkeeping, …)';
    stages.set(stage, (stages.get(stage) ?? 0) + t);
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1)} %`;
  const L = [
    `# Voice pipeline CPU profile (${new Date().toISOString().slice(0, 10)})`,
    '',
    `\`scripts/voice-profile.ts\`: V8 CPU profile of \`analyzeVoice\` on ${wav.endsWith('bench-call-1h-stereo.wav') ? "the bench's one-hour 16 kHz stereo call" : wav}, one core pinned, ` +
      `${cpus().length} vCPU ${cpus()[0]?.model ?? ''}, Node ${process.version}, 1-minute load average ${load.toFixed(1)} at the start; ` +
      `${(total / 1e6).toFixed(1)} s of samples (the profiler itself adds some overhead). One run: shares, not timings.`,
    '',
    '| stage (self time) | share |',
    '|---|---:|',
    ...[...stages].sort((a, b) => b[1] - a[1]).map(([s, t]) => `| ${s} | ${pct(t)} |`),
    '',
    '| function (self time, top 20) | share |',
    '|---|---:|',
    ...[...self].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([k, t]) => `| \`${k}\` | ${pct(t)} |`),
  ];
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'voice-profile.md'), L.join('\n') + '\n');
  console.log(L.join('\n'));
}

main();
