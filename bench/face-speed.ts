/**
 * Face speed on one core (ONNX Runtime, intraOpNumThreads 1): a 640×480 frame end to end (decode
 * excluded: detection + landmarks + expression + quality) and a pre-cropped face, per model; and the
 * parts. Median of --runs runs after 5 warm-up runs. Writes bench/results/face-speed.{json,md}.
 *
 *   npx tsx bench/face-speed.ts [--runs 60] [--tag NAME]     (writes face-speed[-NAME].{json,md})
 *   npx tsx bench/face-speed.ts --combine a.json,b.json,… --tag NAME
 *       (median over several runs' files of each measure's CPU and wall medians → face-speed-NAME.md)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { packageRoot } from '../src/runtime/paths.js';
import { createFaceAnalyzer } from '../src/vision/index.js';
import { decodeImage } from '../src/vision/decode.js';
import { loadModels, runNet, classify } from '../src/vision/models.js';
import { boxCrop, detectFaces, detectorInput } from '../src/vision/detect.js';
import type { RgbImage } from '../src/vision/types.js';

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, tag: { type: 'string' }, combine: { type: 'string' } } });
  const base = `face-speed${values.tag ? `-${values.tag}` : ''}`;
  const dir = join(packageRoot(), 'bench', 'results');
  if (values.combine) return combine(values.combine.split(','), join(dir, `${base}.md`));
  const runs = Number(values.runs ?? 60);
  const load0 = loadavg().map((v) => round(v));
  const src = await decodeImage(join(packageRoot(), 'fixtures', 'face', 'happy.jpg'));
  const { data, info } = await sharp(src.data, { raw: { width: src.width, height: src.height, channels: 3 } }).resize(640, 480, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const frame: RgbImage = { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  const m = await loadModels();
  const [det] = await detectFaces(m, frame, { inputSize: 320, minScore: 0.3 });
  if (!det) throw new Error('no face in the speed frame');
  const cropImg = async (side: number): Promise<RgbImage> => {
    const c = boxCrop(frame, det.box, side);
    return { width: side, height: side, data: Uint8Array.from(c, (v) => Math.round(v)) };
  };
  const face112 = await cropImg(112);
  const face48 = await cropImg(48);
  // wall time, and CPU time of the whole process (all threads): on a shared, oversubscribed VM the CPU time is
  // what one free core would take; the wall time includes waiting for the core
  const time = async (fn: () => unknown): Promise<{ median: number; p90: number; cpuMedian: number }> => {
    for (let i = 0; i < 5; i++) await fn();
    const t: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < runs; i++) {
      const c0 = process.cpuUsage();
      const s = performance.now();
      await fn();
      t.push(performance.now() - s);
      const d = process.cpuUsage(c0);
      c.push((d.user + d.system) / 1000);
    }
    t.sort((a, b) => a - b);
    c.sort((a, b) => a - b);
    return { median: round(t[Math.floor(t.length / 2)]), p90: round(t[Math.floor(t.length * 0.9)]), cpuMedian: round(c[Math.floor(c.length / 2)]) };
  };
  const res: Record<string, { median: number; p90: number; cpuMedian: number }> = {};
  for (const model of ['ensemble', 'faceapi', 'human'] as const) {
    const a = await createFaceAnalyzer({ model });
    res[`640×480 frame end to end, ${model === 'ensemble' ? 'default ensemble' : model}`] = await time(() => a.faces(frame));
  }
  for (const model of ['ensemble', 'faceapi', 'human'] as const) {
    const a = await createFaceAnalyzer({ model, assumeFace: true });
    res[`pre-cropped face 112×112, ${model === 'ensemble' ? 'default ensemble' : model}`] = await time(() => a.faces(face112));
    if (model === 'ensemble') res['pre-cropped face 48×48 (FER size), default ensemble'] = await time(() => a.faces(face48));
  }
  const x = detectorInput(frame, 320);
  res['part: detector input (pad + resize to 320, JS)'] = await time(() => detectorInput(frame, 320));
  res['part: TinyFaceDetector 320 (ORT)'] = await time(() => runNet(m, 'detector', x, [1, 3, 320, 320]));
  res['part: detection total (input + net + decode + NMS)'] = await time(() => detectFaces(m, frame, { inputSize: 320, minScore: 0.3, landmarks: 'none' }));
  const c112 = boxCrop(frame, det.box, 112);
  res['part: 68-point tiny landmarks (ORT)'] = await time(() => runNet(m, 'landmarksTiny', c112, [1, 112, 112, 3]));
  res['part: FaceExpressionNet (ORT)'] = await time(() => classify(m, 'faceapi', c112, 1));
  const g2 = new Float32Array(2 * 64 * 64);
  for (let i = 0; i < 2; i++) boxCrop(frame, det.box, 64, true, i === 1, g2, i * 64 * 64);
  res['part: human emotion, crop + mirror in one batch (ORT)'] = await time(() => classify(m, 'human', g2, 2));
  res['part: own CNN, crop (ORT)'] = await time(() => classify(m, 'own', g2.subarray(0, 64 * 64), 1));
  res['part: face crop 112 (JS)'] = await time(() => boxCrop(frame, det.box, 112));
  const load1 = loadavg().map((v) => round(v));
  const env = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? '?', vcpus: cpus().length, loadavgStart: load0, loadavgEnd: load1, runs, runtime: 'onnxruntime-node/cpu, intraOpNumThreads 1, interOpNumThreads 1' };
  const md = ['# Face speed (one core)', '', `Machine: ${env.vcpus} vCPU ${env.cpu}, Node ${env.node}; load average ${load0.join(' / ')} at start, ${load1.join(' / ')} at the end (shared with other engineers' jobs: medians are upper bounds). ${env.runtime}. Median and 90th percentile of ${runs} runs after 5 warm-up runs. CPU ms = CPU time of the whole process (all threads) per call: what a free core would take; wall ms include waiting for a core on this oversubscribed VM. Generated by \`npx tsx bench/face-speed.ts\`.`, ''];
  md.push('| measure | CPU ms (median) | wall ms median | wall ms p90 |', '|---|---:|---:|---:|');
  for (const [k, v] of Object.entries(res)) md.push(`| ${k} | ${v.cpuMedian} | ${v.median} | ${v.p90} |`);
  md.push('');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${base}.json`), JSON.stringify({ env, ms: res }, null, 1) + '\n');
  writeFileSync(join(dir, `${base}.md`), md.join('\n') + '\n');
  process.stdout.write(md.join('\n') + '\n');
  return 0;
}

/** Median over several runs (their JSON files) of each measure's CPU and wall medians. */
function combine(files: string[], out: string): number {
  const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as { env: { date: string; loadavgStart: number[]; runs: number }; ms: Record<string, { median: number; cpuMedian: number }> });
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const md = [
    '# Face speed (one core), median over runs',
    '',
    `Generated by \`npx tsx bench/face-speed.ts --combine …\` from ${runs.length} runs of \`bench/face-speed.ts\` (${files.map((f) => basename(f)).join(', ')}), each the median of ${runs[0].env.runs} calls; load average (1 min) at their starts: ${runs.map((r) => r.env.loadavgStart[0]).join(' / ')}. Shown: the median over runs, and the range.`,
    '',
    '| measure | CPU ms | CPU ms range | wall ms | wall ms range |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const k of Object.keys(runs[0].ms)) {
    const c = runs.map((r) => r.ms[k]?.cpuMedian).filter((v) => v !== undefined);
    const w = runs.map((r) => r.ms[k]?.median).filter((v) => v !== undefined);
    md.push(`| ${k} | ${round(med(c))} | ${Math.min(...c)}–${Math.max(...c)} | ${round(med(w))} | ${Math.min(...w)}–${Math.max(...w)} |`);
  }
  writeFileSync(out, md.join('\n') + '\n');
  process.stdout.write(md.join('\n') + '\n');
  return 0;
}

main().then(
  (c) => (process.exitCode = c),
  (e) => {
    process.stderr.write(`face-speed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
