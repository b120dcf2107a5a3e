/**
 * Diagnostic (no model ships from it): a telephone-band front end for the personal model. Declared in
 * scripts/lib/voice-candidates.ts (comment "R", session 6 round 2) before it was run.
 *
 * Voice 2.3.0's personal model P reads new EmoDB speakers at 0.730 UAR as stored and 0.626 on their 8 kHz mu-law
 * phone copies (bench/results/voice-gap-ablation.md): the all-feature models lean on information above 4 kHz. The
 * idea: compute the features ALWAYS on telephone-band audio (src/audio/channel.ts `telephoneBand`: 300 Hz
 * high-pass, 8 kHz and back, no codec), in training and at inference, so a clean and a phone input read nearly alike.
 *
 * Phase 1 (cached): every copy of every clip of the three corpora (as stored, mu-law phone, noise, rate/level/codec;
 * the same random draws as scripts/voice-features.ts) through the front end, VAD and features on the band-limited
 * audio: .cache/voice-features-bl.json.
 * Phase 2: on train-voice's within-corpus folds (speaker i in fold i mod F), candidate P's personal model (2.3.0)
 * trained on every other row of the three corpora, tested on the held-out speakers' as-stored (or band-limited) and
 * phone copies, baseline from the speaker's other clips:
 *   P       as shipped: all four copies (clean, tel, noise, aug), test clean vs tel;
 *   P/ct    trained on the clean and tel copies only, test clean vs tel;
 *   P/bl    front end on every copy: trained on all four front-end copies, test front-end clean vs front-end tel;
 *   P/bl-ct the same, trained on the front-end clean and tel copies only;
 *   P/+bl   (R2, declared after P/bl's results) no front end at inference; training adds the four front-end copies
 *           to the four as-stored-band ones (bandwidth augmentation), test clean vs tel.
 *
 * With --loco: the corpus left out instead (all its speakers held out, training on the two other corpora).
 *
 *   nice -n 10 npx tsx scripts/voice-bandlimit.ts [--corpus emodb] [--loco] [--limit N]
 * Writes bench/results/voice-bandlimit-<corpus>[-loco].json and .md.
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/runtime/paths.js';
import { SileroVad } from '../src/audio/vad.js';
import { clipsSpeechFeatures } from '../src/audio/speech.js';
import { FEATURE_NAMES } from '../src/audio/features.js';
import { telephoneBand } from '../src/audio/channel.js';
import { fitVoiceHeads, fitStandardiser, predictVoiceHeads, scoreClasses } from '../src/audio/trainer.js';
import { zGroups } from './lib/voice-zgroups.js';
import { domainWeights, featureIndex, l2Multipliers } from '../src/audio/voice-fit.js';
import { CANDIDATES } from './lib/voice-candidates.js';
import { toRow, K, type Row } from './lib/voice-eval.js';
import { CACHE, VARIANTS, variantOf, type FeatureRow } from './voice-features.js';
import { readCorpus, loadClip16k, CORPORA, rng } from './lib/voice-data.js';

const ROOT = packageRoot();
const BL_CACHE = join(ROOT, '.cache', 'voice-features-bl.json');
const arg = (k: string, d: string) => {
  const i = process.argv.indexOf(k);
  return i > 0 ? process.argv[i + 1] : d;
};
const target = arg('--corpus', 'emodb');
const limit = Number(arg('--limit', 'Infinity'));

async function extract(): Promise<FeatureRow[]> {
  if (existsSync(BL_CACHE)) return (JSON.parse(readFileSync(BL_CACHE, 'utf8')) as { rows: FeatureRow[] }).rows;
  const clips = CORPORA.flatMap((c) => readCorpus(c)).filter((_, i) => i < limit);
  const vad = await SileroVad.load();
  const rows: FeatureRow[] = [];
  // the same batches, variant order and seed as scripts/voice-features.ts, so every copy gets the same random draws
  // (noise, rate, level, codec) as the cached as-stored features; the front end is applied after the copy is made
  const rand = rng(20261203);
  const t0 = performance.now();
  let audioSec = 0;
  const B = 32;
  for (let i = 0; i < clips.length; i += B) {
    const batch = clips.slice(i, i + B);
    const audio = await Promise.all(batch.map((c) => loadClip16k(c.path)));
    for (const variant of VARIANTS) {
      const xs = audio.map((x) => telephoneBand(variantOf(x, variant, rand)));
      const feats = await clipsSpeechFeatures(vad, xs);
      feats.forEach((f, k) => {
        const c = batch[k];
        audioSec += xs[k].length / 16000;
        rows.push({ corpus: c.corpus, path: c.path, speaker: c.speaker, label: c.label, core: c.core, variant, speechSec: f.speechSec, vector: Array.from(f.vector, (v) => Number(v.toPrecision(7))) });
      });
    }
    process.stderr.write(`\rvoice-bandlimit: ${Math.min(i + B, clips.length)}/${clips.length} clips (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const sec = (performance.now() - t0) / 1000;
  process.stderr.write(`\nvoice-bandlimit: ${rows.length} vectors, ${audioSec.toFixed(0)} s of audio in ${sec.toFixed(1)} s\n`);
  if (Number.isFinite(limit)) process.exit(0); // timing run only
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  writeFileSync(BL_CACHE, JSON.stringify({ featureNames: FEATURE_NAMES, created: new Date().toISOString(), rows }));
  return rows;
}


const blRows: Row[] = (await extract()).map((r) => ({ ...toRow(r), variant: `bl-${r.variant}` as never }));
const stored: Row[] = (JSON.parse(readFileSync(CACHE, 'utf8')) as { rows: FeatureRow[] }).rows.map(toRow);
const all = [...stored, ...blRows];
const P = CANDIDATES.find((c) => c.id === 'P')!.cfg.personal;
const spk = [...new Set(all.filter((r) => r.corpus === target).map((r) => r.speaker))].sort();
/** --loco: the corpus left out (one fold holding all of its speakers; training on the two other corpora). */
const loco = process.argv.includes('--loco');
const F = loco ? 1 : target === 'ravdess' ? 6 : target === 'emodb' ? 5 : 3;
const held = Array.from({ length: F }, (_, f) => new Set(spk.filter((_, i) => i % F === f)));
const testLabels = [...new Set(all.filter((r) => r.corpus === target).map((r) => r.yi))].sort((a, b) => a - b);

const SETTINGS = [
  { id: 'P', what: "candidate P's personal model as shipped in 2.3.0: trained on all four copies (as stored, mu-law, noise, rate/level/codec)", train: ['clean', 'tel', 'noise', 'aug'], tests: { stored: 'clean', phone: 'tel' } },
  { id: 'P/ct', what: "P trained on the as-stored and mu-law copies only", train: ['clean', 'tel'], tests: { stored: 'clean', phone: 'tel' } },
  { id: 'P/bl', what: 'P with the telephone-band front end on every copy, training and test (all four copies through it)', train: ['bl-clean', 'bl-tel', 'bl-noise', 'bl-aug'], tests: { stored: 'bl-clean', phone: 'bl-tel' } },
  { id: 'P/+bl', what: 'P trained on the four copies plus the same four through the front end (bandwidth augmentation; no front end at inference)', train: ['clean', 'tel', 'noise', 'aug', 'bl-clean', 'bl-tel', 'bl-noise', 'bl-aug'], tests: { stored: 'clean', phone: 'tel' } },
  { id: 'P/bl-ct', what: 'P/bl trained on the front-end as-stored and mu-law copies only', train: ['bl-clean', 'bl-tel'], tests: { stored: 'bl-clean', phone: 'bl-tel' } },
];
const results: Record<string, Record<string, { uar: number; macroF1: number; accuracy: number; n: number }>> = {};
for (const s of SETTINGS) {
  const t0 = performance.now();
  const acc: Record<string, { truth: number[]; pred: number[] }> = { stored: { truth: [], pred: [] }, phone: { truth: [], pred: [] } };
  for (const h of held) {
    const train = all.filter((r) => !h.has(r.speaker) && s.train.includes(r.variant));
    const floor = Float32Array.from(fitStandardiser(train.map((r) => r.x)).std, (v) => v * P.floorFrac);
    const w = P.balanceDomains ? domainWeights(train.map((r) => ({ domain: r.corpus }))) : undefined;
    const model = fitVoiceHeads(zGroups(train, floor, 'all'), train.map((r) => r.yi), train.map((r) => r.va), K, P.heads, featureIndex(P.features), w, l2Multipliers(P));
    for (const [name, variant] of Object.entries(s.tests)) {
      const test = all.filter((r) => r.corpus === target && h.has(r.speaker) && r.variant === variant);
      const p = predictVoiceHeads(model, zGroups(test, floor, 'others')).probs;
      test.forEach((r, i) => {
        let best = testLabels[0];
        for (const k of testLabels) if (p[i][k] > p[i][best]) best = k;
        acc[name].truth.push(r.yi);
        acc[name].pred.push(best);
      });
    }
  }
  results[s.id] = {};
  for (const name of ['stored', 'phone']) {
    const m = scoreClasses(acc[name].truth, acc[name].pred, K);
    results[s.id][name] = { uar: m.uar, macroF1: m.macroF1, accuracy: m.accuracy, n: m.n };
  }
  const r = results[s.id];
  console.error(`${target} ${s.id}: stored UAR ${r.stored.uar.toFixed(3)} phone ${r.phone.uar.toFixed(3)} gap ${(100 * (r.phone.uar - r.stored.uar)).toFixed(1)} (${Math.round((performance.now() - t0) / 1000)} s)`);
}

mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', `voice-bandlimit-${target}${loco ? '-loco' : ''}.json`), JSON.stringify({ date: new Date().toISOString(), corpus: target, folds: F, settings: SETTINGS.map(({ id, what }) => ({ id, what })), results }, null, 1));
const f3 = (v: number) => v.toFixed(3);
// one summary over every corpus and split run so far (each run rewrites its own JSON, then this file from all of them)
type Saved = { corpus: string; folds: number; settings: { id: string; what: string }[]; results: typeof results };
const RES = join(ROOT, 'bench', 'results');
const saved: { split: string; d: Saved }[] = [];
for (const c of CORPORA)
  for (const lo of [false, true]) {
    const f = join(RES, `voice-bandlimit-${c}${lo ? '-loco' : ''}.json`);
    if (existsSync(f)) {
      const d = JSON.parse(readFileSync(f, 'utf8')) as Saved;
      saved.push({ split: lo ? 'left out' : `new speakers (${d.folds} folds)`, d });
    }
  }
const whats = new Map<string, string>();
for (const { d } of saved) for (const st of d.settings) whats.set(st.id, st.what);
const md = [
  '# Voice telephone-band front end (diagnostic): personal model, as stored vs 8 kHz mu-law phone',
  '',
  'scripts/voice-bandlimit.ts (`--corpus C`, and `--loco`), declared as R / R2 in scripts/lib/voice-candidates.ts before running. Personal model of candidate P (voice 2.3.0\'s), alone (no blend with the clip model), baseline from the speaker\'s other clips, argmax over the corpus\'s labels. "new speakers": train-voice\'s within-corpus folds (speaker i in fold i mod F), training on every other row of the three corpora; "left out": training on the two other corpora. "stored": the as-stored copy; "phone": its 8 kHz mu-law copy (300 Hz high-pass, 8 kHz, G.711 mu-law, back to 16 kHz). In the P/bl rows both test copies and all training copies went through the front end (`telephoneBand` in src/audio/channel.ts: 300 Hz high-pass, 8 kHz and back, no codec; same random draws for the noise/rate/level/codec copies as the cached features). Gap = phone − stored (points); mean = mean of the two UARs (the unchanged selection rule averages the two copies). UAR / macro-F1 beside each. 2-vCPU shared VM; diagnostic only, nothing here ships.',
  '',
  '| corpus | split | row | stored UAR | F1 | phone UAR | F1 | gap | mean |',
  '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ...saved.flatMap(({ split, d }) =>
    d.settings.map((st) => {
      const r = d.results[st.id];
      return `| ${d.corpus} | ${split} | ${st.id} | ${f3(r.stored.uar)} | ${f3(r.stored.macroF1)} | ${f3(r.phone.uar)} | ${f3(r.phone.macroF1)} | ${(100 * (r.phone.uar - r.stored.uar)).toFixed(1)} | ${f3((r.stored.uar + r.phone.uar) / 2)} |`;
    }),
  ),
  '',
  'Rows:',
  '',
  ...[...whats].map(([id, what]) => `- **${id}**: ${what}`),
  '',
];
writeFileSync(join(RES, 'voice-bandlimit.md'), md.join('\n'));
