import { defineConfig, type Options } from 'tsup';
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

// The CLI, worker threads and repository scripts: ESM executables with code splitting.
const esmScripts: Options = { format: ['esm'], sourcemap: true, target: 'node20', splitting: true, external, banner: { js: '#!/usr/bin/env node' } };

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
    // The CLI and the worker-thread scripts (ESM only): shipped in the package.
    entry: { 'cli/main': 'src/cli/main.ts', 'batch/worker': 'src/batch/worker.ts', 'stream/face-worker': 'src/stream/face-worker.ts' },
    ...esmScripts,
  },
  {
    // Benchmarks, training / dataset scripts and examples (ESM only): for this repository, not shipped
    // (package.json "files" leaves out dist/bench, dist/scripts, dist/examples and their chunks in dist/dev-chunks).
    entry: { ...entriesIn('bench'), ...entriesIn('scripts'), ...entriesIn('examples') },
    ...esmScripts,
    esbuildOptions(o) {
      o.chunkNames = 'dev-chunks/[name]-[hash]';
    },
  },
]);
