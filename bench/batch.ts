/**
 * Batch bench (npm run bench:batch): interactions per minute vs worker threads, and scaling efficiency.
 *
 * N copies of the demo interaction (fixtures/call_stereo.wav, 28 s stereo + fixtures/demo/frames, 13 frames +
 * fixtures/demo/chat.json, 8 messages) are analysed by `analyzeBatch` into a fresh folder at concurrency 1 and 2,
 * each run in a child process of its own (so peak RSS is per run), alternating 1, 2, 1, 2, … for ROUNDS rounds; the
 * median run of each concurrency is reported. Times are end to end: starting the threads and loading the models
 * (once per thread) included. Writes bench/results/batch.json and batch.md, with the CPU, cores and load average.
 *
 *   node dist/bench/batch.js [--n 12] [--rounds 2] [--concurrency 1,2]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeBatch } from '../src/batch/pool.js';
import type { Interaction } from '../src/batch/manifest.js';
import { packageRoot } from '../src/runtime/paths.js';

const ROOT = packageRoot();
const RESULTS = join(ROOT, 'bench', 'results');

interface Run {
  concurrency: number;
  n: number;
  wallSec: number;
  firstResultSec: number;
  perMin: number;
  peakRssMB: number;
  /** CPU time of the whole process (all threads) during the batch, and what it averages to in cores. */
  cpuSec: number;
  coresUsed: number;
  failed: number;
  loadBefore: number[];
}

/** One measured run, in this (child) process. */
async function child(concurrency: number, n: number): Promise<Run> {
  const out = mkdtempSync(join(tmpdir(), 'emosig-bench-batch-'));
  const items: Interaction[] = Array.from({ length: n }, (_, i) => ({
    id: `demo-${String(i + 1).padStart(3, '0')}`,
    files: { audio: join(ROOT, 'fixtures', 'call_stereo.wav'), frames: join(ROOT, 'fixtures', 'demo', 'frames'), chat: join(ROOT, 'fixtures', 'demo', 'chat.json') },
    speakers: ['customer', 'agent'],
  }));
  const loadBefore = loadavg();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let first = 0;
  try {
    const r = await analyzeBatch(items, { out, concurrency, onResult: () => (first ||= performance.now() - t0) });
    const wall = r.elapsedMs / 1000;
    const cpu = process.cpuUsage(c0);
    const cpuSec = (cpu.user + cpu.system) / 1e6;
    return { concurrency, n, wallSec: wall, firstResultSec: first / 1000, perMin: (r.ok / wall) * 60, peakRssMB: process.resourceUsage().maxRSS / 1024, cpuSec, coresUsed: cpuSec / wall, failed: r.failed, loadBefore };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const { values: v } = parseArgs({ options: { child: { type: 'string' }, n: { type: 'string' }, rounds: { type: 'string' }, concurrency: { type: 'string' } } });
  const n = Number(v.n ?? 12);
  if (v.child) {
    process.stdout.write(JSON.stringify(await child(Number(v.child), n)) + '\n');
    return;
  }
  const rounds = Number(v.rounds ?? 2);
  const levels = (v.concurrency ?? '1,2').split(',').map(Number);
  const runs: Run[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const c of levels) {
      const p = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--child', String(c), '--n', String(n)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (p.status !== 0) throw new Error(`bench child (concurrency ${c}) failed with ${p.status}`);
      const run = JSON.parse(p.stdout.trim().split('\n').pop()!) as Run;
      runs.push(run);
      console.error(`bench:batch: round ${r + 1}, concurrency ${c}: ${n} in ${run.wallSec.toFixed(1)} s = ${run.perMin.toFixed(1)}/min, peak RSS ${run.peakRssMB.toFixed(0)} MB, ${run.coresUsed.toFixed(2)} cores busy, load ${run.loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
    }
  }
  const byLevel = levels.map((c) => {
    const rs = runs.filter((x) => x.concurrency === c);
    return { concurrency: c, perMin: median(rs.map((x) => x.perMin)), wallSec: median(rs.map((x) => x.wallSec)), firstResultSec: median(rs.map((x) => x.firstResultSec)), coresUsed: median(rs.map((x) => x.coresUsed)), cpuSecPerInteraction: median(rs.map((x) => x.cpuSec / x.n)), peakRssMB: Math.max(...rs.map((x) => x.peakRssMB)), runs: rs.map((x) => Math.round(x.perMin * 10) / 10) };
  });
  const base = byLevel.find((b) => b.concurrency === 1);
  const table = byLevel.map((b) => ({ ...b, speedUp: base ? b.perMin / base.perMin : NaN, efficiency: base ? b.perMin / base.perMin / b.concurrency : NaN }));
  const cpu = cpus();
  const AUTOGROUP = '/proc/sys/kernel/sched_autogroup_enabled';
  const autogroup = existsSync(AUTOGROUP) ? readFileSync(AUTOGROUP, 'utf8').trim() === '1' : false;
  const summary = {
    date: new Date().toISOString(),
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, node: process.version, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100), linuxAutogroup: autogroup, note: 'shared machine: other jobs ran during the measurement (see the load averages)' },
    workload: `${n} × the demo interaction (28 s stereo call + 13 frames + 8 chat messages, all three modalities)`,
    rounds,
    results: table,
    runs,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'batch.json'), JSON.stringify(summary, null, 2) + '\n');
  const md = `# Batch bench

${summary.date.slice(0, 10)} · ${cpu.length} vCPU (${summary.machine.cpu}), Node ${process.version} · \`npm run bench:batch\`

Workload: ${summary.workload}, analysed by \`analyzeBatch\` (worker threads, one model load per thread) into a fresh
folder; end to end, starting the threads and loading the models included. ${rounds} rounds alternating the
concurrency levels, each run in its own process; the median run is shown (all runs in \`batch.json\`).

| worker threads | interactions / min | wall (s) | first result (s) | speed-up | scaling efficiency | CPU cores it got | CPU s / interaction | peak RSS (MB) | runs (/min) |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
${table.map((b) => `| ${b.concurrency} | ${b.perMin.toFixed(1)} | ${b.wallSec.toFixed(1)} | ${b.firstResultSec.toFixed(1)} | ${b.speedUp.toFixed(2)}× | ${(b.efficiency * 100).toFixed(0)} % | ${b.coresUsed.toFixed(2)} | ${b.cpuSecPerInteraction.toFixed(2)} | ${b.peakRssMB.toFixed(0)} | ${b.runs.join(', ')} |`).join('\n')}

Load average (1/5/15 min) before each run: ${runs.map((r) => `c=${r.concurrency}: ${r.loadBefore.map((x) => x.toFixed(2)).join('/')}`).join('; ')}; at the end ${summary.machine.loadAverageAtEnd.join('/')}.
${summary.machine.note}.${autogroup ? ' Linux autogroup scheduling is on here: CPU time is shared out per session, so on a busy machine this bench (one session) gets about the same share of the cores whatever its number of threads.' : ''} Scaling efficiency = speed-up ÷ threads. "CPU cores it got" = the process's CPU time (all
threads, model loading included) ÷ wall time: when it stays near the same value for 1 and 2 threads, the machine had no
spare core to give the second thread, and the interactions/min cannot scale; "CPU s / interaction" shows the cost of
the work itself (a thread's model load included, so it rises with threads on small batches).
`;
  writeFileSync(join(RESULTS, 'batch.md'), md);
  console.log(md);
}

await main();
