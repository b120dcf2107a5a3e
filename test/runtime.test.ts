import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadOnnx } from '../src/runtime/onnx.js';
import { vadModelPath } from '../src/audio/vad.js';

const CLI = 'dist/cli/main.js';

function voiceBackend(env: Record<string, string>, nodeArgs: string[] = []): { backend: string; labels: string[] } {
  const out = execFileSync(process.execPath, [...nodeArgs, CLI, 'voice', 'fixtures/call_mulaw_8k.wav', '--json'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const r = JSON.parse(out);
  return { backend: r.model.backend, labels: r.segments.map((s: { label: string }) => s.label) };
}

describe('ONNX Runtime backends (onnxruntime-node optional, onnxruntime-web wasm fallback)', () => {
  it('the wasm backend computes what the native backend computes (Silero VAD, one frame)', async () => {
    const outs: Float32Array[] = [];
    for (const backend of ['node', 'web'] as const) {
      const s = await loadOnnx(vadModelPath(), { backend });
      expect(s.backend).toBe(backend === 'node' ? 'onnxruntime-node/cpu' : 'onnxruntime-web/wasm');
      const x = new Float32Array(576).map((_, i) => Math.sin(i / 7) * 0.3);
      const r = await s.session.run({
        input: new s.Tensor('float32', x, [1, 576]),
        state: new s.Tensor('float32', new Float32Array(256), [2, 1, 128]),
        sr: new s.Tensor('int64', BigInt64Array.from([16000n]), []),
      });
      outs.push(r.stateN.data as Float32Array);
    }
    for (let i = 0; i < outs[0].length; i++) expect(outs[1][i]).toBeCloseTo(outs[0][i], 4);
  });

  describe.skipIf(!existsSync(CLI))('the CLI (needs npm run build)', () => {
    it('auto: falls back to the wasm backend when onnxruntime-node cannot be loaded, with the same result', () => {
      const native = voiceBackend({ EMOSIG_ORT_BACKEND: '' });
      const fallback = voiceBackend({ EMOSIG_ORT_BACKEND: '' }, ['--import', './test/helpers/no-ort-node.mjs']);
      expect(native.backend).toBe('onnxruntime-node/cpu');
      expect(fallback.backend).toBe('onnxruntime-web/wasm');
      expect(fallback.labels).toEqual(native.labels);
      expect(native.labels.length).toBeGreaterThan(0);
    }, 60_000);

    it('EMOSIG_ORT_BACKEND must be auto, node or web (a typed error otherwise)', () => {
      let err = '';
      try {
        voiceBackend({ EMOSIG_ORT_BACKEND: 'gpu' });
      } catch (e) {
        err = String((e as { stdout?: string }).stdout ?? '') + String((e as { stderr?: string }).stderr ?? '');
      }
      expect(err).toMatch(/INVALID_OPTIONS|EMOSIG_ORT_BACKEND/);
    }, 60_000);
  });
});

describe('install: nothing requires onnxruntime-node', () => {
  it('onnxruntime-node is optional for emosig and for every package emosig installs (package-lock.json)', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; dev?: boolean }> };
    const pj = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pj.dependencies['onnxruntime-node']).toBeUndefined();
    expect(pj.optionalDependencies['onnxruntime-node']).toBeDefined();
    expect(pj.dependencies['onnxruntime-web']).toBeDefined();
    const requiring = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && !p.dev && p.dependencies?.['onnxruntime-node'])
      .map(([path]) => path);
    expect(requiring).toEqual([]);
  });
});

describe('package hygiene', () => {
  it('runtime dependencies are exactly what src/ imports (tests, benchmarks and examples use devDependencies)', async () => {
    const { readdirSync } = await import('node:fs');
    const files = (readdirSync('src', { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(`src/${f}`, 'utf8'));
    const src = files.join('\n');
    const pj = JSON.parse(readFileSync('package.json', 'utf8'));
    const runtime = new Set([...Object.keys(pj.dependencies), ...Object.keys(pj.optionalDependencies ?? {})]);
    const pkgOf = (s: string) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]);
    const imported = new Set(
      [...src.matchAll(/(?:from |import\(|require\(|req\(|resolve\()'([^'.][^']*)'/g)].map((m) => m[1]).filter((s) => !s.startsWith('node:')).map(pkgOf),
    );
    for (const p of imported) expect(runtime.has(p), `${p} is imported by src/ but is not a runtime dependency`).toBe(true);
    for (const d of Object.keys(pj.dependencies)) expect(src.includes(`'${d}`), `${d} is a dependency that src/ never uses`).toBe(true);
  });
});

describe('licences', () => {
  it('the license field claims no more than the files allow: code MIT, each model folder with its own licence', () => {
    const pj = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pj.license).toBe('SEE LICENSE IN LICENSE');
    expect(pj.files).toEqual(expect.arrayContaining(['LICENSE', 'models']));
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/MIT License/);
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/models\/LICENSE\.md/);
    const models = readFileSync('models/LICENSE.md', 'utf8');
    for (const [dir, lic] of [['voice', 'CC BY-NC-SA 4.0'], ['text', 'CC BY-SA 4.0'], ['face', 'research use'], ['fusion', 'MIT']]) {
      expect(models).toMatch(new RegExp(`\\| \`${dir}/\` \\|[^\\n]*${lic.replace(/[.]/g, '\\.')}`));
      expect(readFileSync(`models/${dir}/MODEL_CARD.md`, 'utf8')).toMatch(/licen[cs]e|CC BY/i);
    }
  });
});
