/**
 * Live-stream benchmark (npm run bench:stream): a stereo call (the demo call `fixtures/call_stereo.wav`,
 * converted to 8 kHz G.711 mu-law per channel, as telephony media streams carry it, looped) plus 5 fps video
 * frames (the demo's camera frames, decoded once and pushed as raw RGB, cycled) plus the demo chat, streamed
 * through `createStream`:
 *   - realtime: pushed on the wall clock, 20 ms audio chunks, as a live call would arrive;
 *   - fast: pushed as fast as the stream accepts (back-pressure), to measure throughput.
 * Reports per mode: window-event latency (median, p95, max; wall time from when the audio reached the window's
 * end to the event), processing time / stream time (fast: wall time; realtime: CPU time of the process),
 * whether it kept up (queued audio, frames dropped), and RSS over time (sampled each minute of stream time).
 * Writes bench/results/stream.json and bench/results/stream.md.
 *
 *   node --expose-gc [--max-semi-space-size=2] dist/bench/stream.js [--duration 3600] [--modes realtime,fast] [--fps 5] [--chunk-ms 20] [--tag NAME] [--gc-minute] [--in-process-faces]
 *   (--gc-minute: a full GC of the face worker thread and then of the main thread before each minute's memory sample, so the heap figures are what the
 *   stream retains rather than garbage not yet collected; --max-semi-space-size=2, the deployment setting the README recommends and
 *   `npm run bench:stream` uses, caps V8's young generation; Node flags are recorded in the result)
 *   node dist/bench/stream.js --render bench/results/stream.json      (rewrite the Markdown of a run)
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';
import { decodeWav, mulawEncode, resample } from '../src/audio/index.js';
import { decodeImage, type RgbImage } from '../src/vision/index.js';
import { createStream, type StreamStats } from '../src/stream/index.js';
import { parseSignature } from '../src/signature/schema.js';
import { packageRoot } from '../src/runtime/paths.js';

const ROOT = packageRoot();
const RESULTS = join(ROOT, 'bench', 'results');

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

const DURATION = Number(arg('duration', '3600'));
const MODES = arg('modes', 'realtime,fast').split(',') as ('realtime' | 'fast')[];
const FPS = Number(arg('fps', '5'));
const GC_MINUTE = process.argv.includes('--gc-minute');
const CHUNK_MS = Number(arg('chunk-ms', '20'));
const TAG = arg('tag', '');
/** --in-process-faces: the face model on the stream's own thread (faceThread: false), to tell the worker thread's memory from the face path's. */
const FACE_THREAD = !process.argv.includes('--in-process-faces');

const quantile = (xs: number[], q: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
};
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const mb = (b: number) => r1(b / 2 ** 20);

interface Inputs {
  /** Per channel: the call as 8 kHz mu-law bytes (one loop). */
  mulaw: Uint8Array[];
  loopSec: number;
  frames: RgbImage[];
  chat: { time: number; speaker: string; text: string }[];
}

async function inputs(): Promise<Inputs> {
  const { info, channels } = await decodeWav(join(ROOT, 'fixtures', 'call_stereo.wav'));
  const mulaw = channels.map((c) => mulawEncode(resample(c, info.sampleRate, 8000)));
  const dir = join(ROOT, 'fixtures', 'demo', 'frames');
  const frames = await Promise.all(readdirSync(dir).sort().map((f) => decodeImage(readFileSync(join(dir, f)))));
  const chat = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'demo', 'chat.json'), 'utf8'));
  return { mulaw, loopSec: mulaw[0].length / 8000, frames, chat };
}

interface ModeResult {
  mode: 'realtime' | 'fast';
  streamSec: number;
  wallSec: number;
  cpuSec: number;
  /** fast: wall / stream time; realtime: CPU / stream time. */
  processingPerStreamSec: number;
  keptUp: boolean;
  keptUpNote: string;
  windowLatencyMs: { n: number; median: number; p95: number; max: number };
  /** Window latency over the last 10 % of the stream (drift check). */
  windowLatencyLastTenthMs: { median: number; p95: number };
  endMs: number;
  events: StreamStats['events'];
  frames: StreamStats['frames'];
  maxQueuedSec: number;
  rssMB: { atMinute: number[]; peak: number; firstTenth: number; lastTenth: number };
  heapMB: { atMinute: number[]; peak: number };
  /** The main thread's committed V8 heap and the memory outside it (Buffers, typed arrays, native), each minute: where RSS growth lives. */
  heapTotalMB: number[];
  externalMB: number[];
  /** RSS split by mapping each minute (Linux /proc/self/smaps): glibc's main arena ([heap], the main thread's malloc), glibc's other threads' arenas (64 MiB-aligned anonymous heaps), other anonymous mappings (V8 heap pages, large mmapped blocks), files (code, libraries). */
  rssByMapping?: { heapMB: number[]; arenasMB?: number[]; anonMB: number[]; fileMB: number[] };
  /** The face worker thread's V8 heap each minute (after a full GC there with --gc-minute): used, committed, malloced by V8, external. */
  faceThread?: { heapUsedMB: number[]; heapTotalMB: number[]; mallocedMB: number[]; externalMB: number[] };
  held: StreamStats['held'];
  signature: { valid: boolean; timeline: number; moments: number; dominant: Record<string, string> };
  /** Process CPU per emitted window over the first and the last sixth of the stream (10 min of 60): flat = no quadratic work. */
  cpuPerWindowMs: { first: number; last: number; ratio: number; spanSec: number };
}

async function runMode(mode: 'realtime' | 'fast', inp: Inputs): Promise<ModeResult> {
  const s = createStream({ speakers: ['customer', 'agent'], encoding: 'mulaw', sampleRate: 8000, preloadFace: true, faceThread: FACE_THREAD, name: `bench-${mode}` });
  await s.ready;
  const lat: { t: number; ms: number }[] = [];
  s.on('window', (e) => lat.push({ t: e.window.end, ms: e.latencyMs }));
  const rss: number[] = [];
  const heap: number[] = [];
  const heapTotal: number[] = [];
  const external: number[] = [];
  const maps = { heapMB: [] as number[], arenasMB: [] as number[], anonMB: [] as number[], fileMB: [] as number[] };
  const face = { heapUsedMB: [] as number[], heapTotalMB: [] as number[], mallocedMB: [] as number[], externalMB: [] as number[] };
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    return m;
  };
  const chunk = Math.round((8000 * CHUNK_MS) / 1000);
  const totalSamples = Math.round(DURATION * 8000);
  const loopN = inp.mulaw[0].length;
  const frameDt = 1 / FPS;
  let nextFrame = 0;
  let frameIdx = 0;
  let chatLoop = 0;
  let chatIdx = 0;
  let nextMinute = 60;
  const cpuAt: number[] = [0];
  const winAt: number[] = [0];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let pushed = 0;
  const slice = (c: number, a: number, n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = inp.mulaw[c][(a + i) % loopN];
    return out;
  };
  while (pushed < totalSamples) {
    if (mode === 'realtime') {
      // push what the wall clock says has "arrived"
      const due = Math.min(totalSamples, Math.floor(((performance.now() - t0) / 1000) * 8000));
      if (due - pushed < chunk) {
        await new Promise((r) => setTimeout(r, Math.max(1, CHUNK_MS / 2)));
        continue;
      }
    }
    const n = Math.min(chunk, totalSamples - pushed);
    let ok = true;
    for (let c = 0; c < 2; c++) ok = s.pushAudio(slice(c, pushed, n), { channel: c }) && ok;
    pushed += n;
    const t = pushed / 8000;
    while (FPS > 0 && nextFrame <= t && nextFrame < DURATION) {
      const img = inp.frames[frameIdx++ % inp.frames.length];
      s.pushFrame({ data: img.data, width: img.width, height: img.height, channels: 3 }, r3(nextFrame));
      nextFrame += frameDt;
    }
    for (;;) {
      const m = inp.chat[chatIdx];
      const mt = chatLoop * inp.loopSec + m.time;
      if (mt > t) break;
      s.pushMessage({ ...m, time: r3(mt) });
      if (++chatIdx === inp.chat.length) {
        chatIdx = 0;
        chatLoop++;
      }
    }
    if (t >= nextMinute) {
      const fm = await s.faceThreadMemory(GC_MINUTE);
      if (fm?.thread === 'worker') {
        face.heapUsedMB.push(mb(fm.heapUsed));
        face.heapTotalMB.push(mb(fm.heapTotal));
        face.mallocedMB.push(mb(fm.malloced));
        face.externalMB.push(mb(fm.external));
      }
      if (GC_MINUTE) (globalThis as { gc?: () => void }).gc?.();
      const m = sample();
      rss.push(mb(m.rss));
      const sm = smapsRss();
      if (sm) {
        maps.heapMB.push(mb(sm.heap));
        maps.arenasMB.push(mb(sm.arenas));
        maps.anonMB.push(mb(sm.anon));
        maps.fileMB.push(mb(sm.file));
      }
      heap.push(mb(m.heapUsed));
      heapTotal.push(mb(m.heapTotal));
      external.push(mb(m.external));
      const cu = process.cpuUsage(cpu0);
      cpuAt.push((cu.user + cu.system) / 1e3);
      winAt.push(lat.length);
      nextMinute += 60;
      if (rss.length % 10 === 0) console.error(`[${mode}] ${rss.length} min of stream, wall ${r1((performance.now() - t0) / 1000)} s, rss ${mb(m.rss)} MB, windows ${lat.length}`);
    }
    if (!ok) await s.whenDrained();
    else if (mode === 'fast' && pushed % (chunk * 50) === 0) await new Promise((r) => setImmediate(r)); // let frames and text run
    sample();
  }
  const tEnd = performance.now();
  const sig = await s.end();
  const endMs = performance.now() - tEnd;
  const wallSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const st = s.stats();
  let valid = true;
  try {
    parseSignature(sig);
  } catch {
    valid = false;
  }
  const ms = lat.map((x) => x.ms);
  const tail = lat.filter((x) => x.t >= 0.9 * DURATION).map((x) => x.ms);
  const procPer = mode === 'fast' ? wallSec / DURATION : cpuSec / DURATION;
  const queued = Math.max(0, ...st.audio.map((a) => a.queuedSec));
  const keptUp = mode === 'realtime' ? st.maxQueuedSec < 2 && endMs < 2000 : procPer < 1;
  const tenth = Math.max(1, Math.floor(rss.length / 10));
  const sixth = Math.max(1, Math.floor((cpuAt.length - 1) / 6));
  const last = cpuAt.length - 1;
  const perWin = (a: number, b: number) => (cpuAt[b] - cpuAt[a]) / Math.max(1, winAt[b] - winAt[a]);
  const cpuFirst = last >= 2 ? perWin(0, sixth) : 0;
  const cpuLast = last >= 2 ? perWin(last - sixth, last) : 0;
  return {
    mode,
    streamSec: DURATION,
    wallSec: r1(wallSec),
    cpuSec: r1(cpuSec),
    processingPerStreamSec: r3(procPer),
    keptUp,
    keptUpNote:
      mode === 'realtime'
        ? `most audio ever waiting ${r3(st.maxQueuedSec)} s (a live stream keeps up when it stays under the 2 s high-water mark), end() took ${Math.round(endMs)} ms, ${st.frames.dropped} of ${st.frames.pushed} frames dropped by the face model's one-frame slot, ${queued} s queued at the end`
        : `${r1(DURATION / wallSec)}× real time`,
    windowLatencyMs: { n: ms.length, median: r1(quantile(ms, 0.5)), p95: r1(quantile(ms, 0.95)), max: r1(Math.max(0, ...ms)) },
    windowLatencyLastTenthMs: { median: r1(quantile(tail, 0.5)), p95: r1(quantile(tail, 0.95)) },
    endMs: Math.round(endMs),
    events: st.events,
    frames: st.frames,
    maxQueuedSec: st.maxQueuedSec,
    rssMB: {
      atMinute: rss,
      peak: mb(peakRss),
      firstTenth: r1(rss.slice(0, tenth).reduce((a, b) => a + b, 0) / Math.max(1, Math.min(tenth, rss.length))),
      lastTenth: r1(rss.slice(-tenth).reduce((a, b) => a + b, 0) / Math.max(1, Math.min(tenth, rss.length))),
    },
    heapMB: { atMinute: heap, peak: mb(peakHeap) },
    heapTotalMB: heapTotal,
    externalMB: external,
    faceThread: face,
    rssByMapping: maps,
    held: st.held,
    cpuPerWindowMs: { first: r3(cpuFirst), last: r3(cpuLast), ratio: r3(cpuFirst > 0 ? cpuLast / cpuFirst : 0), spanSec: sixth * 60 },
    signature: { valid, timeline: sig.timeline.length, moments: sig.moments.length, dominant: Object.fromEntries(Object.entries(sig.speakers).map(([k, v]) => [k, v.dominant])) },
  };
}

/** "a → b (+d)" between two 1-based minutes of a per-minute series ('—' when the series is shorter). */
function span(xs: number[] | undefined, from: number, to: number): string {
  if (!xs || xs.length < to) return '—';
  const a = xs[from - 1];
  const b = xs[to - 1];
  return `${a} → ${b} MB (${b - a >= 0 ? '+' : ''}${r1(b - a)})`;
}

/** Least-squares slope (MB per minute) of a per-minute series from minute `from` on. */
function slope(xs: number[], from: number): number {
  const ys = xs.slice(from - 1);
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  ys.forEach((y, i) => {
    sxy += (i - mx) * (y - my);
    sxx += (i - mx) ** 2;
  });
  return sxx ? sxy / sxx : 0;
}

/** The memory trend of a run of at least 10 minutes: RSS, the main thread's heap and the face thread's heap from minute 5 and 10 to the last. */
function memoryTrend(r: ModeResult): string | undefined {
  const rss = r.rssMB.atMinute;
  const last = rss.length;
  if (last < 10) return undefined;
  const w = r.faceThread?.heapUsedMB;
  return (
    `**${r.mode}, memory trend** (samples each minute to minute ${last}): RSS from minute 5 ${span(rss, 5, last)}, from minute 10 ${span(rss, 10, last)}, ` +
    `least-squares slope from minute 5 ${r3(slope(rss, 5))} MB/min, peak after minute 5 ${Math.max(...rss.slice(4))} MB; main thread heap used ${span(r.heapMB.atMinute, 5, last)}, ` +
    `committed ${span(r.heapTotalMB, 5, last)}, external ${span(r.externalMB, 5, last)}` +
    (w?.length ? `; face worker thread heap used ${span(w, 5, last)}, committed ${span(r.faceThread!.heapTotalMB, 5, last)}, external ${span(r.faceThread!.externalMB, 5, last)}` : '') +
    (r.rssByMapping?.heapMB.length ? `; RSS of glibc's main arena ([heap]) ${span(r.rssByMapping.heapMB, 5, last)}, of its other threads' arenas ${span(r.rssByMapping.arenasMB, 5, last)}, of other anonymous mappings (V8 heap pages, large blocks) ${span(r.rssByMapping.anonMB, 5, last)}, of files ${span(r.rssByMapping.fileMB, 5, last)}.` : '.')
  );
}

function markdown(res: { machine: Record<string, unknown>; settings: Record<string, unknown>; modes: ModeResult[]; date: string }): string {
  const m = res.machine;
  const lines = [
    '# Live stream benchmark',
    '',
    `Measured ${res.date} by \`bench/stream.ts\` on ${m.cpu} (${m.cores} vCPU, ${m.memGB} GB, ${m.os}, Node ${m.node}); process CPU affinity: ${m.affinity ?? 'not pinned'}; load average at start ${m.loadStart}, at end ${m.loadEnd} (the machine is shared with other jobs, so treat the speed figures as conservative).`,
    '',
    `Input: the demo call (\`fixtures/call_stereo.wav\`) as 8 kHz G.711 mu-law per channel, looped to ${res.settings.durationSec} s, ${res.settings.chunkMs} ms chunks per channel; ${res.settings.fps} fps raw RGB frames (the demo's 360×288 camera frames, cycled); the demo chat every loop. Windows ${res.settings.window}. Face model: ${res.settings.faceThread === 'in-process' ? 'on the main thread' : 'in its worker thread'}; allocator: ${res.settings.allocator ?? 'glibc malloc'}${res.settings.nodeFlags ? `; Node flags: \`${res.settings.nodeFlags}\`` : ''}.${res.settings.gcEachMinute ? ' Memory is sampled once a minute right after a forced full GC of the face worker thread and of the main thread (`--gc-minute`), so heap figures are what is retained, not garbage awaiting collection.' : ''}`,
    '',
    '| mode | stream | wall | processing / stream time | kept up | window latency median / p95 / max (ms) | last 10 %: median / p95 | windows | frames analysed / dropped | peak RSS | RSS first → last 10 % | signature |',
    '|---|---:|---:|---:|---|---|---|---:|---|---:|---|---|',
  ];
  for (const r of res.modes) {
    lines.push(
      `| ${r.mode} | ${r.streamSec} s | ${r.wallSec} s | ${r.processingPerStreamSec} (${r.mode === 'fast' ? 'wall' : 'CPU'}) | ${r.keptUp ? 'yes' : 'no'} | ${r.windowLatencyMs.median} / ${r.windowLatencyMs.p95} / ${r.windowLatencyMs.max} | ${r.windowLatencyLastTenthMs.median} / ${r.windowLatencyLastTenthMs.p95} | ${r.windowLatencyMs.n} | ${r.frames.analysed} / ${r.frames.dropped} | ${r.rssMB.peak} MB | ${r.rssMB.firstTenth} → ${r.rssMB.lastTenth} MB | ${r.signature.valid ? 'valid' : 'INVALID'}, ${r.signature.timeline} windows |`,
    );
  }
  lines.push('');
  for (const r of res.modes) {
    if (r.cpuPerWindowMs)
      lines.push(
        `**${r.mode}, CPU per window**: ${r.cpuPerWindowMs.first} ms over the first ${r.cpuPerWindowMs.spanSec} s of stream, ${r.cpuPerWindowMs.last} ms over the last ${r.cpuPerWindowMs.spanSec} s (last / first = ${r.cpuPerWindowMs.ratio}; process CPU, all threads, divided by the windows emitted in that span).`,
        '',
      );
    const trend = memoryTrend(r);
    if (trend) lines.push(trend, '');
    lines.push(`**${r.mode}**: ${r.keptUpNote}. RSS each minute (MB): ${r.rssMB.atMinute.join(', ') || '—'}. Heap used each minute (MB): ${r.heapMB.atMinute.join(', ') || '—'}. Heap committed each minute (MB): ${r.heapTotalMB.join(', ') || '—'}. External (Buffers, typed arrays, native) each minute (MB): ${r.externalMB.join(', ') || '—'}.${r.faceThread?.heapUsedMB.length ? ` Face worker thread${res.settings.gcEachMinute ? ' (after a full GC of that thread)' : ''}, heap used each minute (MB): ${r.faceThread.heapUsedMB.join(', ')}; committed: ${r.faceThread.heapTotalMB.join(', ')}; external: ${r.faceThread.externalMB.join(', ')}; malloced by V8: ${r.faceThread.mallocedMB.join(', ')}.` : ''} Held at the end: ${JSON.stringify(r.held)}.`);
    lines.push('');
  }
  lines.push(
    'Latency is wall time from when the pushed audio reached a window\'s end to the window event (in the fast mode the stream is kept up to 2 s behind by back-pressure, so its latencies measure the queue, not the pipeline). Frames: the face model runs in its own worker thread, one frame at a time; frames that arrive while one is analysed wait in a one-frame slot and the older waiting one is dropped (counted). Processing / stream time in the realtime mode is the CPU time of the whole process (all threads) per second of stream.',
  );
  return lines.join('\n') + '\n';
}

/** This process's RSS by kind of mapping (bytes), from /proc/self/smaps; undefined where there is none (not Linux). */
const ARENA_HEAP = 64n * 1024n * 1024n;

function smapsRss(): { heap: number; arenas: number; anon: number; file: number } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return undefined;
  }
  const out = { heap: 0, arenas: 0, anon: 0, file: 0 };
  let kind: keyof typeof out = 'anon';
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[3].trim();
      const start = BigInt(`0x${head[1]}`);
      const size = BigInt(`0x${head[2]}`) - start;
      // glibc's other arenas (one per thread that mallocs, up to 8 per core) live in 64 MiB-aligned heaps of at most 64 MiB
      const arena = !path && start % ARENA_HEAP === 0n && size <= ARENA_HEAP;
      kind = path === '[heap]' ? 'heap' : path.startsWith('/') ? 'file' : arena ? 'arenas' : 'anon';
    } else if (line.startsWith('Rss:')) out[kind] += Number(line.slice(4).trim().split(/\s+/)[0]) * 1024;
  }
  return out;
}

/** Which malloc the process runs on: glibc's unless a preloaded allocator (LD_PRELOAD) or glibc tunables (MALLOC_*) say otherwise. */
function allocator(): string {
  const tun = Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_')).map(([k, v]) => `${k}=${v}`);
  return [process.env.LD_PRELOAD ? `LD_PRELOAD=${process.env.LD_PRELOAD}` : 'glibc malloc', ...tun].join(', ');
}

async function main(): Promise<void> {
  // --render results.json: rewrite the Markdown of an earlier run
  const render = process.argv.indexOf('--render');
  if (render >= 0) {
    const file = process.argv[render + 1];
    writeFileSync(file.replace(/\.json$/, '.md'), markdown(JSON.parse(readFileSync(file, 'utf8'))));
    return;
  }
  const inp = await inputs();
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGB: r1(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    loadStart: loadavg().map(r1).join(' / '),
    loadEnd: '',
  };
  const modes: ModeResult[] = [];
  const affinity = process.env.EMOSIG_BENCH_AFFINITY ?? 'not pinned';
  for (const mode of MODES) {
    console.error(`[${mode}] streaming ${DURATION} s …`);
    (globalThis as { gc?: () => void }).gc?.();
    const r = await runMode(mode, inp);
    modes.push(r);
    console.error(`[${mode}] done: ${JSON.stringify({ wall: r.wallSec, perStream: r.processingPerStreamSec, latency: r.windowLatencyMs, rss: r.rssMB.peak, keptUp: r.keptUp })}`);
    // written after each mode, so a long run leaves its finished modes behind
    machine.loadEnd = loadavg().map(r1).join(' / ');
    const res = {
      date: new Date().toISOString(),
      machine: { ...machine, affinity },
      settings: { durationSec: DURATION, fps: FPS, chunkMs: CHUNK_MS, gcEachMinute: GC_MINUTE, faceThread: FACE_THREAD ? 'worker' : 'in-process', allocator: allocator(), nodeFlags: [...process.execArgv, process.env.NODE_OPTIONS ?? ''].filter((f) => f && f !== '--expose-gc').join(' '), encoding: 'mulaw 8 kHz, 2 channels', window: '2 s, hop 1 s' },
      modes,
    };
    if (!existsSync(RESULTS)) mkdirSync(RESULTS, { recursive: true });
    const base = `stream${TAG ? `-${TAG}` : ''}`;
    writeFileSync(join(RESULTS, `${base}.json`), JSON.stringify(res, null, 2) + '\n');
    writeFileSync(join(RESULTS, `${base}.md`), markdown(res));
    if (mode === MODES[MODES.length - 1]) console.log(markdown(res));
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
