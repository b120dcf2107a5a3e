/**
 * `npm run bench`: every speed and memory bench on the fixtures (no corpora needed), an accuracy sanity check on
 * labelled fixtures, peers side by side (VADER for text, face-api's own pipeline for faces, openSMILE with
 * --opensmile PATH), and — when ../shared/data or EMOSIG_DATA=DIR exists — the corpus accuracy sections, all
 * through `evaluate()` (src/eval). Writes bench/results/summary.{json,md} and one file per section, each with the
 * machine, load average, Node/package/model versions and seeds; prints the summary table.
 *
 *   npm run bench                         (fresh clone: ~5–8 min on 2 vCPU)
 *   node dist/bench/run-all.js [--no-corpora] [--only voice,face,text,fusion,accuracy,batch,stream,corpora]
 *                              [--opensmile /path/to/SMILExtract] [--face-sample 600] [--runs 2] [--out DIR]
 *   (--out: where results go, default bench/results; the tests use a temporary folder;
 *    --corpus NAME[,NAME]: only those corpus sections, e.g. fer-privatetest, and no openSMILE agreement)
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { analyze, analyzeFaces, analyzeText, analyzeVoice, CORE_LABELS } from '../src/index.js';
import { decodeWav, encodeWav } from '../src/audio/decode.js';
import { evaluate, type EvalReport } from '../src/eval/evaluate.js';
import { evalMarkdown, writeEvalOutputs } from '../src/eval/report.js';
import { classMetrics, confusionMd } from '../src/eval/metrics.js';
import { parseEvalManifest } from '../src/eval/manifest.js';
import { benchEnvironment, environmentMd, finishEnvironment, type BenchEnvironment } from './lib/env.js';
import { CACHE, ROOT, corpusSpecs, dataDir, fixtureSpecs, fixtureVoiceManifest, type CorpusSpec } from './lib/corpora.js';
import { COMPARED, compareWithOpenSmile, haveReference, ourMeasures, pearson, type Measure } from '../scripts/lib/opensmile-ref.js';

let RESULTS = join(ROOT, 'bench', 'results');
const SEEDS = { bootstrap: 1, faceSample: 1 };
const BOOTSTRAP = 1000;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const r1 = (x: number): number => Math.round(x * 10) / 10;
const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);
const peakRssMb = (): number => r1(process.resourceUsage().maxRSS / 1024);
const cpuSec = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1e6;

type Row = [section: string, measure: string, value: string];

// ---------------------------------------------------------------- child sections (one process each: own peak RSS)

const CALL_1H = join(CACHE, 'call-1h-from-fixture.wav');

/** A one-hour 16 kHz stereo call: fixtures/call_stereo.wav (28 s) looped, streamed to disk in blocks. */
async function synthesiseCall(seconds = 3600): Promise<void> {
  if (existsSync(CALL_1H) && statSync(CALL_1H).size >= 44 + seconds * 16000 * 4) return;
  mkdirSync(CACHE, { recursive: true });
  const { info, channels } = await decodeWav(join(ROOT, 'fixtures', 'call_stereo.wav'));
  if (info.sampleRate !== 16000 || channels.length !== 2) throw new Error('fixtures/call_stereo.wav is expected to be 16 kHz stereo');
  const total = seconds * 16000;
  const header = Buffer.from(encodeWav([new Float32Array(0), new Float32Array(0)], 16000).slice(0, 44));
  header.writeUInt32LE(36 + total * 4, 4);
  header.writeUInt32LE(total * 4, 40);
  const fd = openSync(CALL_1H + '.tmp', 'w');
  writeSync(fd, header);
  const loop = Buffer.from(encodeWav(channels, 16000).slice(44));
  let left = total * 4;
  while (left > 0) {
    const n = Math.min(left, loop.length);
    writeSync(fd, loop, 0, n);
    left -= n;
  }
  closeSync(fd);
  renameSync(CALL_1H + '.tmp', CALL_1H);
}

async function sectionVoiceCall(): Promise<Record<string, number>> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await analyzeVoice(CALL_1H, { channels: ['customer', 'agent'] });
  const wall = (performance.now() - t0) / 1000;
  return { wallSec: r3(wall), cpuSec: r3(cpuSec(process.cpuUsage(c0))), audioSec: r.durationSec, segments: r.segments.length, peakRssMb: peakRssMb() };
}

function faceImages(): string[] {
  return parseEvalManifest(readFileSync(join(ROOT, 'fixtures', 'eval', 'face.csv'), 'utf8'), 'face', { source: join(ROOT, 'fixtures', 'eval', 'face.csv') }).items.map((i) => i.input);
}

async function sectionFace(): Promise<Record<string, unknown>> {
  const imgs = faceImages();
  const t0 = performance.now();
  const first = await analyzeFaces(imgs[0]);
  const coldMs = performance.now() - t0;
  const per: number[] = [];
  const c0 = process.cpuUsage();
  for (let rep = 0; rep < 2; rep++)
    for (const f of imgs) {
      const t = performance.now();
      await analyzeFaces(f);
      per.push(performance.now() - t);
    }
  const imgCpu = cpuSec(process.cpuUsage(c0)) / per.length;
  const v0 = performance.now();
  const video = await analyzeFaces(join(ROOT, 'fixtures', 'face', 'clip.mp4'), { fps: 5 });
  const videoSec = (performance.now() - v0) / 1000;
  return {
    model: first.model,
    backend: first.backend,
    images: imgs.length,
    coldFirstImageMs: r1(coldMs),
    msPerImageMedian: r1(median(per)),
    cpuMsPerImage: r1(imgCpu * 1000),
    videoFrames: video.frames.length,
    videoFramesPerSec: r3(video.frames.length / videoSec),
    peakRssMb: peakRssMb(),
  };
}

/** face-api's own pipeline (TinyFaceDetector + its expression net, no emosig code), on the same images. */
async function sectionFaceApi(): Promise<Record<string, unknown>> {
  const req = createRequire(join(ROOT, 'package.json'));
  const names = { tf: '@tensorflow/tfjs', wasm: '@tensorflow/tfjs-backend-wasm', fa: '@vladmandic/face-api/dist/face-api.node-wasm.js' };
  const t0 = performance.now();
  const tf = req(names.tf);
  tf.env().set('IS_NODE', true);
  const wasm = req(names.wasm);
  const wdir = dirname(req.resolve(`${names.wasm}/dist/tfjs-backend-wasm.wasm`));
  wasm.setWasmPaths(wdir + '/');
  wasm.setThreadsCount?.(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const faceapi = req(names.fa);
  const mdir = join(dirname(req.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.tinyFaceDetector.loadFromDisk(mdir);
  await faceapi.nets.faceExpressionNet.loadFromDisk(mdir);
  const opts = new faceapi.TinyFaceDetectorOptions({ inputSize: 224, scoreThreshold: 0.4 });
  const FA = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'];
  const run = async (file: string) => {
    const { data, info } = await sharp(file).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const x = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
    try {
      const dets = await faceapi.detectAllFaces(x, opts).withFaceExpressions();
      if (!dets.length) return undefined;
      const best = dets.reduce((a: any, b: any) => (b.detection.box.area > a.detection.box.area ? b : a));
      return FA.map((k) => best.expressions[k] as number);
    } finally {
      x.dispose();
    }
  };
  const imgs = faceImages();
  await run(imgs[0]);
  const coldMs = performance.now() - t0;
  const per: number[] = [];
  const probs: (number[] | undefined)[] = [];
  for (let rep = 0; rep < 2; rep++)
    for (const f of imgs) {
      const t = performance.now();
      const p = await run(f);
      per.push(performance.now() - t);
      if (rep === 0) probs.push(p);
    }
  return { pipeline: 'face-api TinyFaceDetector(224) + FaceExpressionNet, tfjs wasm 1 thread', images: imgs.length, coldFirstImageMs: r1(coldMs), msPerImageMedian: r1(median(per)), probs, peakRssMb: peakRssMb() };
}

function chatMessages(): string[] {
  const t = parseEvalManifest(readFileSync(join(ROOT, 'fixtures', 'eval', 'text.csv'), 'utf8'), 'text').items.map((i) => i.input);
  const chat = (JSON.parse(readFileSync(join(ROOT, 'fixtures', 'demo', 'chat.json'), 'utf8')) as { text: string }[]).map((m) => m.text);
  return [...t, ...chat];
}

async function sectionText(): Promise<Record<string, unknown>> {
  const base = chatMessages();
  const N = 20000;
  const msgs = Array.from({ length: N }, (_, i) => base[i % base.length]);
  const t0 = performance.now();
  await analyzeText([base[0]]); // a string is a transcript path: one message is a one-item list
  const coldMs = performance.now() - t0;
  await analyzeText(msgs.slice(0, 2000), { explain: false }); // warm-up
  const rate = async (f: () => Promise<unknown> | unknown): Promise<{ perSec: number; perCpuSec: number }> => {
    const out: { perSec: number; perCpuSec: number }[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const c = process.cpuUsage();
      const t = performance.now();
      await f();
      out.push({ perSec: N / ((performance.now() - t) / 1000), perCpuSec: N / cpuSec(process.cpuUsage(c)) });
    }
    return { perSec: Math.round(median(out.map((o) => o.perSec))), perCpuSec: Math.round(median(out.map((o) => o.perCpuSec))) };
  };
  const emosig = await rate(() => analyzeText(msgs, { explain: false }));
  const emosigCues = await rate(() => analyzeText(msgs));
  const lat: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    await analyzeText([base[i % base.length]]);
    lat.push(performance.now() - t);
  }
  const req = createRequire(join(ROOT, 'package.json'));
  let vader: Record<string, unknown> = { available: false };
  try {
    const v = req('vader-sentiment');
    v.SentimentIntensityAnalyzer.polarity_scores(base[0]);
    const vr = await rate(() => {
      for (const m of msgs) v.SentimentIntensityAnalyzer.polarity_scores(m);
    });
    vader = { available: true, ...vr };
  } catch (e) {
    vader = { available: false, why: (e as Error).message.split('\n')[0] };
  }
  return { messages: N, coldFirstMessageMs: r1(coldMs), emosig, emosigWithCues: emosigCues, latencyMs: { p50: r3(median(lat)), p99: r3([...lat].sort((a, b) => a - b)[Math.floor(lat.length * 0.99)]) }, vader, peakRssMb: peakRssMb() };
}

async function sectionFusion(): Promise<Record<string, unknown>> {
  const input = { audio: join(ROOT, 'fixtures', 'call_stereo.wav'), frames: join(ROOT, 'fixtures', 'demo', 'frames'), chat: { path: join(ROOT, 'fixtures', 'demo', 'chat.json') }, speakers: ['customer', 'agent'] };
  const times: number[] = [];
  let windows = 0;
  for (let i = 0; i < 4; i++) {
    const t = performance.now();
    const sig = await analyze(input);
    times.push(performance.now() - t);
    windows = (sig as { windows?: unknown[] }).windows?.length ?? 0;
  }
  return { interaction: '28 s stereo call + 13 frames + 8 chat messages (fixtures/demo)', coldMs: r1(times[0]), warmMsMedian: r1(median(times.slice(1))), windows, peakRssMb: peakRssMb() };
}

const CHILD: Record<string, () => Promise<unknown>> = { 'voice-call': sectionVoiceCall, face: sectionFace, 'face-api': sectionFaceApi, text: sectionText, fusion: sectionFusion };

/** Run a section in a child process (pinned to one core when taskset exists) and parse its JSON line. */
function child(section: string, pin = true): { ok: true; value: any } | { ok: false; error: string } {
  const pinned = pin && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const cmd = [...(pinned ? ['taskset', '-c', '0'] : []), process.execPath, process.argv[1], '--section', section];
  const res = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  const line = res.stdout?.trim().split('\n').pop();
  if (res.status !== 0 || !line) return { ok: false, error: (res.stderr || `exit ${res.status}`).trim().split('\n').filter((l) => l.trim() && !/^\s+at /.test(l)).slice(-3).join(' ') }; // the error, not its stack
  try {
    return { ok: true, value: JSON.parse(line) };
  } catch {
    return { ok: false, error: `bad output: ${line.slice(0, 200)}` };
  }
}

// ---------------------------------------------------------------- parent

function writeResult(name: string, env: BenchEnvironment, data: unknown, md: string): void {
  mkdirSync(RESULTS, { recursive: true });
  const e = finishEnvironment(env);
  writeFileSync(join(RESULTS, `${name}.json`), JSON.stringify({ environment: e, ...(data as object) }, null, 2) + '\n');
  writeFileSync(join(RESULTS, `${name}.md`), `${md.trimEnd()}\n\n${environmentMd(e)}\n`);
}

/** VADER vs emosig on the same sentences, scored as 3-way sentiment with the same metrics code. */
async function sentimentPeer(manifest: string): Promise<{ md: string; data: Record<string, unknown>; rows: Row[] } | undefined> {
  const req = createRequire(join(ROOT, 'package.json'));
  let vader: any;
  try {
    vader = req('vader-sentiment');
  } catch {
    return undefined;
  }
  const items = parseEvalManifest(readFileSync(manifest, 'utf8'), 'text').items;
  const polarity: Record<string, string | undefined> = { joy: 'positive', neutral: 'neutral', anger: 'negative', sadness: 'negative', fear: 'negative', disgust: 'negative', surprise: undefined };
  const used = items.filter((i) => polarity[i.truth]);
  const S = ['negative', 'neutral', 'positive'];
  const truth = used.map((i) => S.indexOf(polarity[i.truth]!));
  const reading = await analyzeText(used.map((i) => i.input), { explain: false });
  const ours = reading.messages.map((m) => S.indexOf(m.sentiment.label));
  const theirs = used.map((i) => {
    const c = vader.SentimentIntensityAnalyzer.polarity_scores(i.input).compound as number;
    return c >= 0.05 ? 2 : c <= -0.05 ? 0 : 1;
  });
  const a = classMetrics(truth, ours, S);
  const b = classMetrics(truth, theirs, S);
  const md = [
    `### Text sentiment, emosig vs VADER (same ${used.length} fixture sentences; joy → positive, neutral → neutral, anger/sadness/fear/disgust → negative, surprise left out; VADER compound ±0.05)`,
    '',
    '| system | UAR | macro-F1 | accuracy |',
    '|---|---:|---:|---:|',
    `| emosig (sentiment head) | ${r3(a.uar)} | ${r3(a.macroF1)} | ${r3(a.accuracy)} |`,
    `| VADER | ${r3(b.uar)} | ${r3(b.macroF1)} | ${r3(b.accuracy)} |`,
    '',
    'emosig:',
    '',
    confusionMd(a),
    '',
    'VADER:',
    '',
    confusionMd(b),
  ].join('\n');
  return { md, data: { n: used.length, emosig: { uar: a.uar, macroF1: a.macroF1, accuracy: a.accuracy, confusion: a.confusion }, vader: { uar: b.uar, macroF1: b.macroF1, accuracy: b.accuracy, confusion: b.confusion } }, rows: [['accuracy: text sentiment (fixtures)', 'UAR emosig / VADER', `${r3(a.uar)} / ${r3(b.uar)}`]] };
}

async function runEval(spec: CorpusSpec): Promise<EvalReport> {
  const out = join(CACHE, 'eval', spec.name);
  const t = performance.now();
  const run = await evaluate({ modality: spec.modality, manifest: spec.manifest, map: spec.map, assumeFace: spec.assumeFace, out, bootstrap: BOOTSTRAP, seed: SEEDS.bootstrap });
  writeEvalOutputs(run, out);
  log(`${spec.name}: UAR ${r3(run.report.metrics.uar)} (n=${run.report.counts.evaluated}) in ${r1((performance.now() - t) / 1000)} s`);
  return run.report;
}

const evalRow = (name: string, r: EvalReport): Row => [
  `accuracy: ${name}`,
  `UAR [95 % CI] / macro-F1 / acc (n)`,
  `${r3(r.metrics.uar)} [${r3(r.ci.uar.low)}–${r3(r.ci.uar.high)}] / ${r3(r.metrics.macroF1)} / ${r3(r.metrics.accuracy)} (${r.counts.evaluated}${r.counts.failed ? `, ${r.counts.failed} failed` : ''})`,
];

function evalSection(specs: CorpusSpec[], reports: EvalReport[]): string {
  const l = ['| set | modality | n | failed | UAR | 95 % CI | macro-F1 | accuracy | ECE | note |', '|---|---|---:|---:|---:|---|---:|---:|---:|---|'];
  specs.forEach((s, i) => {
    const r = reports[i];
    l.push(`| ${s.name} | ${s.modality} | ${r.counts.evaluated} | ${r.counts.failed} | ${r3(r.metrics.uar)} | ${r3(r.ci.uar.low)}–${r3(r.ci.uar.high)} | ${r3(r.metrics.macroF1)} | ${r3(r.metrics.accuracy)} | ${r3(r.calibration.ece)} | ${s.note} |`);
  });
  return l.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      section: { type: 'string' },
      only: { type: 'string' },
      'no-corpora': { type: 'boolean' },
      opensmile: { type: 'string' },
      'face-sample': { type: 'string' },
      runs: { type: 'string' },
      out: { type: 'string' },
      corpus: { type: 'string' },
    },
  });
  if (values.out) RESULTS = values.out;
  if (values.section) {
    const f = CHILD[values.section];
    if (!f) throw new Error(`unknown section ${values.section}`);
    process.stdout.write(JSON.stringify(await f()) + '\n');
    return 0;
  }
  const started = performance.now();
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const want = (s: string) => !only || only.has(s);
  const runs = Math.max(1, Number(values.runs ?? 2) || 2);
  const env = benchEnvironment({ ...SEEDS });
  const rows: Row[] = [];
  const summary: Record<string, unknown> = {};
  const problems: string[] = [];
  const note = (section: string, e: string) => {
    problems.push(`${section}: ${e}`);
    rows.push([section, 'FAILED', e.slice(0, 120)]);
    log(`${section} failed: ${e}`);
  };

  // ---- voice: one-hour call synthesised from the fixture call
  if (want('voice')) {
    log('voice: synthesising a one-hour stereo call from fixtures/call_stereo.wav…');
    await synthesiseCall();
    const rs = [];
    for (let i = 0; i < runs; i++) {
      log(`voice: one-hour call, run ${i + 1}/${runs}…`);
      const r = child('voice-call');
      if (!r.ok) {
        note('voice', r.error);
        break;
      }
      rs.push(r.value);
    }
    if (rs.length) {
      const v = {
        input: '3600 s, 16 kHz 16-bit stereo: fixtures/call_stereo.wav looped (ch0 customer, ch1 agent)',
        runs: rs,
        rtfWall: r3(median(rs.map((r) => r.wallSec / r.audioSec)) * 1000) / 1000,
        rtfCpu: r3(median(rs.map((r) => r.cpuSec / r.audioSec)) * 1000) / 1000,
        wallSec: r1(median(rs.map((r) => r.wallSec))),
        peakRssMb: r1(median(rs.map((r) => r.peakRssMb))),
      };
      let smile: Record<string, unknown> | undefined;
      if (values.opensmile) smile = await openSmilePeer(values.opensmile);
      summary.voice = { ...v, ...(smile ? { openSmile: smile } : {}) };
      rows.push(['voice (1-h call, 1 core)', 'RTF wall / CPU', `${v.rtfWall.toFixed(4)} / ${v.rtfCpu.toFixed(4)} (${v.wallSec} s)`], ['voice (1-h call, 1 core)', 'peak RSS', `${v.peakRssMb} MB`]);
      if (smile && 'oneHour' in smile) rows.push(['voice peer: openSMILE eGeMAPSv02', 'RTF wall (same 1-h file)', String((smile.oneHour as { rtfWall: number }).rtfWall)]);
      writeResult(
        'fixtures-voice-speed',
        env,
        summary.voice as object,
        [
          '# Voice speed and memory on the fixture call (one core)',
          '',
          `Input: ${v.input}. Median of ${rs.length} runs, each in its own process (taskset -c 0 when available), onnxruntime 1 thread.`,
          '',
          '| measure | value |',
          '|---|---:|',
          `| real-time factor, wall clock | ${v.rtfWall.toFixed(4)} (${Math.round(1 / v.rtfWall)}× real time, ${v.wallSec} s) |`,
          `| real-time factor, CPU time of the process | ${v.rtfCpu.toFixed(4)} |`,
          `| peak RSS | ${v.peakRssMb} MB |`,
          ...(smile ? ['', '## openSMILE (--opensmile)', '', '```json', JSON.stringify(smile, null, 2), '```'] : ['', 'openSMILE: not run (pass --opensmile /path/to/SMILExtract to time eGeMAPSv02 on the same call).']),
        ].join('\n'),
      );
    }
  }

  // ---- face: emosig and face-api's own pipeline on the same images
  if (want('face')) {
    log('face: emosig on the labelled fixture images and clip.mp4…');
    const f = child('face');
    log('face: face-api’s own pipeline on the same images…');
    const p = child('face-api');
    if (!f.ok) note('face', f.error);
    else {
      const truth = parseEvalManifest(readFileSync(join(ROOT, 'fixtures', 'eval', 'face.csv'), 'utf8'), 'face', { source: join(ROOT, 'fixtures', 'eval', 'face.csv') }).items.map((i) => CORE_LABELS.indexOf(i.truth));
      let peer: Record<string, unknown> | undefined;
      if (p.ok) {
        const probs = p.value.probs as (number[] | null)[];
        const idx = probs.map((x, i) => (x ? i : -1)).filter((i) => i >= 0);
        const pred = idx.map((i) => probs[i]!.indexOf(Math.max(...probs[i]!)));
        const m = classMetrics(idx.map((i) => truth[i]), pred, CORE_LABELS);
        peer = { ...p.value, probs: undefined, facesFound: idx.length, accuracyOnFound: r3(m.accuracy), uarOnFound: r3(m.uar) };
      } else peer = { error: p.error };
      summary.face = { emosig: f.value, faceApi: peer };
      rows.push(['face (fixture images, 1 core)', 'ms/image emosig / face-api', `${f.value.msPerImageMedian} / ${peer && 'msPerImageMedian' in peer ? peer.msPerImageMedian : 'n/a'}`]);
      rows.push(['face (1 core)', 'cold start emosig / face-api', `${f.value.coldFirstImageMs} / ${peer && 'coldFirstImageMs' in peer ? peer.coldFirstImageMs : 'n/a'} ms`]);
      rows.push(['face (1 core)', 'peak RSS emosig / face-api', `${f.value.peakRssMb} / ${peer && 'peakRssMb' in peer ? peer.peakRssMb : 'n/a'} MB`]);
      rows.push(['face video (clip.mp4, 5 fps)', 'frames/s', String(f.value.videoFramesPerSec)]);
      writeResult(
        'fixtures-face-speed',
        env,
        summary.face as object,
        [
          '# Face speed and memory on the fixtures (one core), emosig vs face-api’s own pipeline',
          '',
          `Images: the ${f.value.images} labelled fixture frames (fixtures/eval/face.csv, 360×288), each analysed twice; video: fixtures/face/clip.mp4 at 5 fps.`,
          '',
          '| system | cold start (first image) | ms / image (median) | peak RSS | faces found | accuracy on found (labelled frames) |',
          '|---|---:|---:|---:|---:|---:|',
          `| emosig (${f.value.model}, ${f.value.backend}) | ${f.value.coldFirstImageMs} ms | ${f.value.msPerImageMedian} | ${f.value.peakRssMb} MB | see accuracy section | see accuracy section |`,
          peer && 'msPerImageMedian' in peer ? `| ${peer.pipeline} | ${peer.coldFirstImageMs} ms | ${peer.msPerImageMedian} | ${peer.peakRssMb} MB | ${peer.facesFound}/${f.value.images} | ${peer.accuracyOnFound} (UAR ${peer.uarOnFound}) |` : `| face-api | not run: ${peer?.error ?? ''} | | | | |`,
          '',
          `Video: ${f.value.videoFrames} frames at ${f.value.videoFramesPerSec} frames/s (decode + detect + classify).`,
        ].join('\n'),
      );
    }
  }

  // ---- text: emosig vs VADER throughput
  if (want('text')) {
    log('text: throughput and latency, emosig and VADER…');
    const t = child('text');
    if (!t.ok) note('text', t.error);
    else {
      summary.text = t.value;
      rows.push(['text (chat, 1 core)', 'messages/s emosig / VADER', `${t.value.emosig.perSec} / ${t.value.vader.perSec ?? 'n/a'}`]);
      rows.push(['text (1 core)', 'latency p50 / p99, one message', `${t.value.latencyMs.p50} / ${t.value.latencyMs.p99} ms`]);
      writeResult(
        'fixtures-text-speed',
        env,
        t.value,
        [
          '# Text speed on chat messages (one core), emosig vs VADER',
          '',
          `${t.value.messages} messages (the fixture sentences and demo chat, cycled), median of 3 passes.`,
          '',
          '| system | messages/s (wall) | messages per CPU-second |',
          '|---|---:|---:|',
          `| emosig, no cues | ${t.value.emosig.perSec} | ${t.value.emosig.perCpuSec} |`,
          `| emosig, with cue words | ${t.value.emosigWithCues.perSec} | ${t.value.emosigWithCues.perCpuSec} |`,
          t.value.vader.available ? `| VADER (vader-sentiment, sentiment only) | ${t.value.vader.perSec} | ${t.value.vader.perCpuSec} |` : `| VADER | not available: ${t.value.vader.why} | |`,
          '',
          `One message at a time: p50 ${t.value.latencyMs.p50} ms, p99 ${t.value.latencyMs.p99} ms; cold start (model load + first message) ${t.value.coldFirstMessageMs} ms; peak RSS ${t.value.peakRssMb} MB.`,
        ].join('\n'),
      );
    }
  }

  // ---- fusion: end-to-end analyze on the demo interaction
  if (want('fusion')) {
    log('fusion: analyze() on the demo interaction…');
    const f = child('fusion');
    if (!f.ok) note('fusion', f.error);
    else {
      summary.fusion = f.value;
      rows.push(['analyze (demo interaction)', 'cold / warm', `${f.value.coldMs} / ${f.value.warmMsMedian} ms`], ['analyze (demo interaction)', 'peak RSS', `${f.value.peakRssMb} MB`]);
      writeResult('fixtures-fusion-speed', env, f.value, ['# End-to-end analyze() on the demo interaction (one core)', '', `${f.value.interaction}: cold (first call, models loaded) ${f.value.coldMs} ms; warm median of 3 ${f.value.warmMsMedian} ms; ${f.value.windows} windows; peak RSS ${f.value.peakRssMb} MB.`].join('\n'));
    }
  }

  // ---- batch and stream: the existing fixture benches, short settings, their own result files + environment
  /** Run an existing bench script; `rename` moves its fixed-name outputs to `<name>-fresh-clone.*` and puts back the committed full-run files. */
  const existing = (name: string, args: string[], files: string[], pick: (j: any) => Row[], rename = false) => {
    log(`${name}: node dist/bench/${name}.js ${args.join(' ')}…`);
    const script = join(dirname(process.argv[1]), `${name}.js`);
    const saved = new Map<string, Buffer>();
    if (rename) for (const ext of ['.json', '.md']) if (existsSync(join(RESULTS, name + ext))) saved.set(ext, readFileSync(join(RESULTS, name + ext)));
    const res = spawnSync(process.execPath, ['--expose-gc', script, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
    if (rename) {
      for (const ext of ['.json', '.md']) {
        const p = join(RESULTS, name + ext);
        if (existsSync(p) && res.status === 0) renameSync(p, join(RESULTS, `${name}-fresh-clone${ext}`));
        if (saved.has(ext)) writeFileSync(p, saved.get(ext)!);
      }
    }
    if (res.status !== 0) return note(name, (res.stderr || `exit ${res.status}`).trim().split('\n').slice(-2).join(' '));
    for (const f of files) {
      const p = join(RESULTS, f);
      if (!existsSync(p + '.json')) continue;
      const j = JSON.parse(readFileSync(p + '.json', 'utf8'));
      const e = finishEnvironment(env);
      writeFileSync(p + '.json', JSON.stringify({ ...j, environment: e }, null, 2) + '\n');
      if (existsSync(p + '.md')) writeFileSync(p + '.md', readFileSync(p + '.md', 'utf8').trimEnd() + `\n\n${environmentMd(e)}\n`);
      try {
        rows.push(...pick(j));
      } catch {
        /* the summary rows are best effort; the file is written */
      }
      summary[name] = { file: `bench/results/${f}.json` };
    }
  };
  if (want('batch'))
    existing(
      'batch',
      ['--n', '4', '--rounds', '1', '--concurrency', '1,2'],
      ['batch-fresh-clone'],
      (j) => {
        const rs = (j.runs ?? j.results ?? []) as { concurrency: number; perMin: number; peakRssMB: number }[];
        return rs.length ? [['batch (demo interaction ×4)', 'interactions/min at 1 / 2 threads', rs.map((r) => `${r.concurrency}: ${r1(r.perMin)}`).join(', ')]] : [];
      },
      true,
    );
  if (want('stream'))
    existing('stream', ['--duration', '60', '--modes', 'fast', '--tag', 'fresh-clone'], ['stream-fresh-clone'], (j) => {
      const m = (j.modes ?? [])[0];
      return m ? [['stream (60 s call + 5 fps frames + chat, fast)', 'processing / stream time, peak RSS', `${m.processingPerStreamSec} (wall), ${m.rssMB?.peak} MB`]] : [];
    });

  // ---- accuracy sanity check on labelled fixtures (+ VADER side by side)
  if (want('accuracy')) {
    log('accuracy: evaluate() on the labelled fixtures…');
    try {
      const specs = await fixtureSpecs();
      const reports: EvalReport[] = [];
      for (const s of specs) {
        const r = await runEval(s);
        reports.push(r);
        rows.push(evalRow(s.name, r));
      }
      const peer = await sentimentPeer(join(ROOT, 'fixtures', 'eval', 'text.csv'));
      if (peer) rows.push(...peer.rows);
      summary.fixturesAccuracy = Object.fromEntries(specs.map((s, i) => [s.name, { uar: reports[i].metrics.uar, ci: reports[i].ci.uar, macroF1: reports[i].metrics.macroF1, accuracy: reports[i].metrics.accuracy, n: reports[i].counts.evaluated }]));
      writeResult(
        'fixtures-accuracy',
        env,
        { sets: Object.fromEntries(specs.map((s, i) => [s.name, { note: s.note, report: reports[i] }])), sentimentPeer: peer?.data },
        ['# Accuracy sanity check on labelled fixtures (emosig eval)', '', 'Tiny sets that ship with the repository: they show the evaluator and the models run end to end on a fresh clone, not how well emosig generalises (see the corpus sections for that).', '', evalSection(specs, reports), '', peer?.md ?? 'VADER not installed (devDependency vader-sentiment): no sentiment peer.', '', ...specs.map((s, i) => `<details><summary>${s.name}</summary>\n\n${evalMarkdown(reports[i]).replace(/^# .*\n/, '')}\n</details>\n`)].join('\n'),
      );
    } catch (e) {
      note('accuracy', (e as Error).message);
    }
  }

  // ---- corpus accuracy sections (only with the shared data)
  const data = dataDir();
  if (want('corpora') && !values['no-corpora']) {
    if (!data) log('corpora: no ../shared/data and no EMOSIG_DATA: corpus accuracy sections skipped');
    else {
      const pick = values.corpus?.split(',');
      const specs = corpusSpecs(data, { faceSample: Number(values['face-sample'] ?? 600), seed: SEEDS.faceSample }).filter((s) => !pick || pick.includes(s.name));
      const done: CorpusSpec[] = [];
      const reports: EvalReport[] = [];
      for (const s of specs) {
        log(`corpora: ${s.name}…`);
        try {
          const r = await runEval(s);
          done.push(s);
          reports.push(r);
          rows.push(evalRow(s.name, r));
          writeResult(`corpus-${s.name}`, env, { note: s.note, report: r }, `# ${s.name}\n\n${s.note}.\n\n${evalMarkdown(r).replace(/^# .*\n/, '')}`);
        } catch (e) {
          note(`corpus ${s.name}`, (e as Error).message);
        }
      }
      if (haveReference() && !pick) {
        log('corpora: feature agreement with the openSMILE eGeMAPSv02 reference (EmoDB)…');
        try {
          const agree = await compareWithOpenSmile(1);
          summary.openSmileReference = agree;
          rows.push(['voice features vs openSMILE reference (EmoDB)', 'Pearson r, min over 8 measures', String(r3(Math.min(...Object.values(agree.r))))]);
          writeResult('corpus-opensmile-agreement', env, agree, ['# emosig vs openSMILE eGeMAPSv02 on EmoDB (../shared/reference, openSMILE 3.0.1)', '', `Pearson r over ${agree.files} files, per file-level measure:`, '', '| measure | r |', '|---|---:|', ...Object.entries(agree.r).map(([k, v]) => `| ${k} | ${r3(v)} |`)].join('\n'));
        } catch (e) {
          note('openSMILE reference agreement', (e as Error).message);
        }
      }
      if (done.length) summary.corpora = Object.fromEntries(done.map((s, i) => [s.name, { uar: reports[i].metrics.uar, ci: reports[i].ci.uar, macroF1: reports[i].metrics.macroF1, accuracy: reports[i].metrics.accuracy, n: reports[i].counts.evaluated }]));
    }
  }

  const totalSec = r1((performance.now() - started) / 1000);
  const table = ['| section | measure | value |', '|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  writeResult(
    'summary',
    env,
    { totalSec, sections: summary, problems, data: data ?? null },
    [`# npm run bench — summary`, '', `Total ${totalSec} s. Corpora: ${data && !values['no-corpora'] && want('corpora') ? data : 'not available (fixtures only)'}.`, '', table, ...(problems.length ? ['', 'Problems:', ...problems.map((p) => `- ${p}`)] : [])].join('\n'),
  );
  process.stdout.write(`\n${table}\n\nTotal ${totalSec} s; results in ${RESULTS} (summary.md, fixtures-*.md${data ? ', corpus-*.md' : ''}).\n`);
  return problems.length ? 1 : 0;
}

/**
 * openSMILE eGeMAPSv02 (--opensmile PATH): wall time on the same one-hour file, and agreement of emosig's
 * file-level measures with its functionals on the fixture turn clips (Pearson r over the clips).
 */
async function openSmilePeer(bin: string): Promise<Record<string, unknown>> {
  if (!existsSync(bin)) return { error: `--opensmile ${bin}: no such file` };
  const cands = [join(dirname(bin), '..', 'config', 'egemaps', 'v02', 'eGeMAPSv02.conf'), join(dirname(bin), '..', '..', 'config', 'egemaps', 'v02', 'eGeMAPSv02.conf'), join(dirname(bin), 'config', 'egemaps', 'v02', 'eGeMAPSv02.conf')];
  const conf = process.env.OPENSMILE_CONFIG ?? cands.find((c) => existsSync(c));
  if (!conf) return { error: `eGeMAPSv02.conf not found next to ${bin}; set OPENSMILE_CONFIG=/path/to/eGeMAPSv02.conf` };
  const smile = (input: string, out: string) => {
    rmSync(out, { force: true });
    const t = performance.now();
    const res = spawnSync(bin, ['-C', conf, '-I', input, '-csvoutput', out, '-instname', 'x', '-nologfile', '-loglevel', '0'], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`SMILExtract exited ${res.status}: ${(res.stderr || '').slice(0, 200)}`);
    return (performance.now() - t) / 1000;
  };
  try {
    const wall = smile(CALL_1H, join(CACHE, 'opensmile-1h.csv'));
    // agreement on the fixture turn clips
    const manifest = await fixtureVoiceManifest();
    const clips = parseEvalManifest(readFileSync(manifest, 'utf8'), 'voice', { source: manifest }).items.map((i) => i.input);
    const ours: Record<Measure, number>[] = [];
    const theirs: Record<string, number>[] = [];
    let smileSec = 0;
    let oursSec = 0;
    for (const c of clips) {
      const out = join(CACHE, 'opensmile-clip.csv');
      smileSec += smile(c, out);
      const [head, row] = readFileSync(out, 'utf8').trim().split(/\r?\n/).slice(-2).map((l) => l.split(';'));
      theirs.push(Object.fromEntries(head.map((h, i) => [h.replace(/'/g, ''), Number(row[i])])));
      const t = performance.now();
      ours.push(await ourMeasures(c));
      oursSec += (performance.now() - t) / 1000;
    }
    const r = Object.fromEntries((Object.keys(COMPARED) as Measure[]).map((m) => [m, r3(pearson(ours.map((o) => o[m]), theirs.map((x) => x[COMPARED[m]])))]));
    return { binary: bin, config: conf, oneHour: { wallSec: r1(wall), rtfWall: r3((wall / 3600) * 1000) / 1000 }, clips: { n: clips.length, openSmileSec: r3(smileSec), emosigFeaturesSec: r3(oursSec), pearsonR: r } };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
