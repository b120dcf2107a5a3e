/**
 * Cost of the CX block (src/cx): computeCx on the demo interaction (voice + chat readings, fused signature) and on a
 * synthetic 200-turn chat, median of several runs; the analysis itself is not timed here (bench:fusion does that).
 *
 *   npm run build && node dist/bench/cx.js      (or: npx tsx bench/cx.ts)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { analyzeVoice } from '../src/audio/index.js';
import { analyzeText } from '../src/text/index.js';
import { fuseReadings } from '../src/fusion/fuse.js';
import { loadReliability } from '../src/fusion/reliability.js';
import { computeCx } from '../src/cx/index.js';
import { packageRoot } from '../src/runtime/paths.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeIt(f: () => Promise<unknown>, runs: number): Promise<number> {
  await f();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await f();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ts);
}

async function main(): Promise<void> {
  const rel = loadReliability();
  const voice = await analyzeVoice('fixtures/call_stereo.wav', { channels: ['customer', 'agent'] });
  const text = await analyzeText({ path: 'fixtures/demo/chat.json' }, { echo: true, explain: false });
  const sig = fuseReadings({ voice, text }, rel, { speakers: ['customer', 'agent'] });
  const demoMs = await timeIt(() => computeCx(sig, { voice, text }, {}, text.messages.map((m) => m.text)), 20);

  // a long chat: 200 turns, one every 15 s
  const lines = ['My order has not arrived.', 'Sorry to hear that, let me check.', 'This is the third time I ask!', 'I apologise, I have sent a new one.', 'Thanks, that helps.'];
  const msgs = Array.from({ length: 200 }, (_, i) => ({ time: 15 * i, speaker: i % 2 ? 'agent' : 'customer', text: lines[i % lines.length] }));
  const t2 = await analyzeText(msgs, { echo: true, explain: false });
  const sig2 = fuseReadings({ text: t2 }, rel, { speakers: ['customer', 'agent'] });
  const longMs = await timeIt(() => computeCx(sig2, { text: t2 }, {}, t2.messages.map((m) => m.text)), 5);

  const res = {
    machine: `${cpus().length} vCPU ${cpus()[0]?.model ?? ''}, Node ${process.version}`,
    note: 'median of runs on a shared VM (other jobs running): conservative',
    demo: { windows: sig.timeline.length, moments: sig.moments.length, computeCxMs: Math.round(demoMs * 10) / 10 },
    chat200: { windows: sig2.timeline.length, moments: sig2.moments.length, computeCxMs: Math.round(longMs * 10) / 10 },
  };
  const dir = join(packageRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cx.json'), JSON.stringify(res, null, 1) + '\n');
  writeFileSync(
    join(dir, 'cx.md'),
    `# CX block cost (bench/cx.ts)\n\n${res.machine}; ${res.note}.\n\n| interaction | windows | moments | computeCx (median) |\n|---|---|---|---|\n| demo (28 s call + chat) | ${res.demo.windows} | ${res.demo.moments} | ${res.demo.computeCxMs} ms |\n| 200-turn chat (50 min) | ${res.chat200.windows} | ${res.chat200.moments} | ${res.chat200.computeCxMs} ms |\n`,
  );
  console.log(JSON.stringify(res));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
