import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm run bench` is run by hand, so a section can rot unnoticed (its text section failed for a session after the
// API made a bare string mean a path). The fast sections run here on the built tree, into a temporary folder.
describe('npm run bench (fast sections: text throughput, fixture accuracy)', () => {
  it('runs without a failed section and writes its summary', () => {
    const out = mkdtempSync(join(tmpdir(), 'emosig-bench-'));
    try {
      const r = spawnSync(process.execPath, ['--expose-gc', 'dist/bench/run-all.js', '--only', 'text,accuracy', '--no-corpora', '--runs', '1', '--out', out], { encoding: 'utf8', timeout: 170_000 });
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      const summary = readFileSync(join(out, 'summary.md'), 'utf8');
      expect(summary).not.toMatch(/FAILED/);
      expect(summary).toMatch(/messages\/s emosig \/ VADER \| \d+ \/ \d+/);
      expect(summary).toMatch(/fixtures-face \| UAR[^\n]*\(18\)/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});
