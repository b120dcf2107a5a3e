import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyze } from '../src/fusion/analyze.js';
import { renderReport } from '../src/fusion/report.js';
import { main as reportMain } from '../src/cli/report.js';
import type { EmotionalSignature } from '../src/signature/schema.js';

/** An SVG graphics element in the page (the test's tsconfig has no DOM lib). */
interface Drawable {
  getBBox(): { width: number; height: number };
}

const CHROMIUM = process.env.EMOSIG_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`report.test: SKIPPING the headless-Chromium test: no chromium binary at ${CHROMIUM} (apt-get install chromium; .ci/run does it in CI)`);

let dir: string;
let sig: EmotionalSignature;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emosig-report-'));
  const withVoice = existsSync('models/voice/voice.json');
  sig = await analyze({
    ...(withVoice ? { audio: 'fixtures/call_stereo.wav' } : {}),
    frames: 'fixtures/demo/frames',
    chat: { path: 'fixtures/demo/chat.json' },
    speakers: ['customer', 'agent'],
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HTML report', () => {
  it('is self-contained: no script, no external resource', () => {
    const html = renderReport(sig, { title: 'Demo <call>' });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain('Demo &lt;call&gt;');
    expect(html.match(/<svg class="chart"/g)!.length).toBe(2 * Object.values(sig.speakers).filter((s) => s.summary.windows > 0).length);
  });

  it('the CLI writes a report from a saved signature and refuses an invalid one', async () => {
    const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const sigFile = join(dir, 'sig.json');
    writeFileSync(sigFile, JSON.stringify(sig));
    const out = join(dir, 'cli.html');
    expect(await reportMain(['--signature', sigFile, '--out', out])).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('data-chart="lines"');
    writeFileSync(sigFile, JSON.stringify({ ...sig, schemaVersion: '9' }));
    expect(await reportMain(['--signature', sigFile, '--out', out])).toBe(1);
    expect(await reportMain(['--signature', sigFile])).toBe(2);
    quiet.mockRestore();
  });

  it.skipIf(!haveChromium)('loads in headless Chromium without errors and renders the SVG charts', async () => {
    const { chromium } = await import('playwright-core');
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReport(sig));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => r.url() !== pathToFileURL(file).href && requests.push(r.url()));
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      const charts = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((s) => {
          const box = s.getBoundingClientRect();
          const series = [...s.querySelectorAll('path.series, path.area')].map((p) => (p as unknown as Drawable).getBBox());
          return { kind: s.getAttribute('data-chart'), speaker: s.getAttribute('data-speaker'), w: box.width, h: box.height, drawn: series.filter((b) => b.width > 0 || b.height > 0).length, marks: s.querySelectorAll('g.moment').length };
        }),
      );
      const speakers = Object.entries(sig.speakers).filter(([, s]) => s.summary.windows > 0).map(([k]) => k);
      for (const spk of speakers) {
        const mine = charts.filter((c) => c.speaker === spk);
        expect(mine.map((c) => c.kind).sort()).toEqual(['lines', 'mix']);
        for (const c of mine) {
          expect(c.w).toBeGreaterThan(300);
          expect(c.h).toBeGreaterThan(100);
          expect(c.drawn).toBeGreaterThan(2);
        }
      }
      const customerMoments = sig.moments.filter((m) => m.speaker === 'customer').length;
      expect(charts.find((c) => c.speaker === 'customer' && c.kind === 'lines')!.marks).toBe(customerMoments);
      const gauge = await page.$eval('svg.gauge rect.bar', (r) => (r as unknown as Drawable).getBBox().width);
      expect(gauge).toBeGreaterThan(0);
      expect(await page.$$eval('table.moments tr[data-kind]', (rows) => rows.length)).toBe(sig.moments.length);
    } finally {
      await browser.close();
    }
  });
});
