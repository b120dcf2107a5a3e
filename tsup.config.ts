import { defineConfig } from 'tsup';
import { readdirSync, existsSync } from 'node:fs';

/** `{ 'bench/voice': 'bench/voice.ts', ... }` for every .ts file directly in `dir`. */
const entriesIn = (dir: string): Record<string, string> =>
  Object.fromEntries(
    (existsSync(dir) ? readdirSync(dir) : [])
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .map((f) => [`${dir}/${f.slice(0, -3)}`, `${dir}/${f}`]),
  );

// Resolved from node_modules at run time: onnxruntime-node is optional (src/runtime/onnx.ts falls back to onnxruntime-web).
const external = ['onnxruntime-node', 'onnxruntime-web', 'onnxruntime-common'];

export default defineConfig([
  {
    // The library: ESM + CJS + type declarations.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    shims: true,
    sourcemap: true,
    target: 'node20',
    splitting: false,
    external,
  },
  {
    // The CLI, benchmarks and training / dataset scripts (ESM only).
    entry: { 'cli/main': 'src/cli/main.ts', 'batch/worker': 'src/batch/worker.ts', ...entriesIn('bench'), ...entriesIn('scripts'), 'stream/face-worker': 'src/stream/face-worker.ts', ...entriesIn('examples') },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    splitting: true,
    external,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
