#!/usr/bin/env node
/**
 * Independent check of `emosig eval`'s UAR. Shares no code with src/eval: its own CSV reading, label mapping,
 * argmax and recall arithmetic.
 *
 *   node scripts/check-eval-uar.mjs --eval DIR                       recompute UAR from DIR/predictions.csv
 *   node scripts/check-eval-uar.mjs --eval DIR --voice MANIFEST [--map calm=neutral,...]
 *        re-run the voice model through a different path (`emosig voice --jsonl`, one process per 100 files),
 *        take each file's overall dominant label, map the manifest's labels itself and compute UAR
 *
 * Prints both UARs and exits 1 when they differ by more than 0.005. Needs `npm run build` first.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const evalDir = opt('--eval');
if (!evalDir) {
  console.error('usage: node scripts/check-eval-uar.mjs --eval DIR [--voice MANIFEST [--map a=b,...]]');
  process.exit(2);
}
const LABELS = ['neutral', 'joy', 'sadness', 'anger', 'fear', 'disgust', 'surprise'];

/** Minimal RFC 4180 reader (quotes, doubled quotes, commas and newlines inside quotes). */
function readCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) row.push(field), rows.push(row);
  const head = rows.shift().map((h) => h.trim().toLowerCase());
  return rows.map((r) => Object.fromEntries(head.map((h, j) => [h, (r[j] ?? '').trim()])));
}

/** UAR over the classes that occur in the truth. */
function uar(pairs) {
  const hit = {};
  const n = {};
  for (const [t, p] of pairs) {
    n[t] = (n[t] ?? 0) + 1;
    if (t === p) hit[t] = (hit[t] ?? 0) + 1;
  }
  const classes = Object.keys(n);
  return { uar: classes.reduce((s, c) => s + (hit[c] ?? 0) / n[c], 0) / classes.length, n: pairs.length, classes: classes.sort() };
}

const report = JSON.parse(readFileSync(join(evalDir, 'eval.json'), 'utf8'));
const reported = report.metrics.uar;
let mine;
let how;
const voiceManifest = opt('--voice');
if (voiceManifest) {
  const synonyms = { angry: 'anger', happy: 'joy', happiness: 'joy', sad: 'sadness', fearful: 'fear', disgusted: 'disgust', surprised: 'surprise' };
  const map = {};
  for (const kv of (opt('--map') ?? '').split(',').filter(Boolean)) {
    const [a, b] = kv.split('=');
    map[a.trim().toLowerCase()] = b.trim().toLowerCase();
  }
  const toCore = (l) => {
    const x = l.toLowerCase();
    return map[x] ?? (LABELS.includes(x) ? x : synonyms[x]);
  };
  const base = dirname(resolve(voiceManifest));
  const rows = readCsv(readFileSync(voiceManifest, 'utf8'))
    .map((r) => ({ file: resolve(base, r.path), truth: toCore(r.label) }))
    .filter((r) => r.truth);
  const pred = new Map();
  const cli = join(root, 'dist', 'cli', 'main.js');
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100).map((r) => r.file);
    const res = spawnSync(process.execPath, [cli, 'voice', '--jsonl', ...chunk], { encoding: 'utf8', maxBuffer: 1 << 28 });
    for (const line of res.stdout.split('\n')) {
      if (!line.trim()) continue;
      const o = JSON.parse(line);
      if (o.error || o.noSpeech) continue;
      const e = o.overall.emotions;
      let best = LABELS[0];
      for (const l of LABELS) if (e[l] > e[best]) best = l;
      pred.set(resolve(o.file), best);
    }
    process.stderr.write(`\rcheck: ${Math.min(rows.length, i + 100)}/${rows.length} files`);
  }
  process.stderr.write('\n');
  mine = uar(rows.filter((r) => pred.has(r.file)).map((r) => [r.truth, pred.get(r.file)]));
  how = `re-ran 'emosig voice --jsonl' on the ${rows.length} mapped rows of ${voiceManifest}`;
} else {
  const rows = readCsv(readFileSync(join(evalDir, 'predictions.csv'), 'utf8')).filter((r) => r.status === 'ok');
  mine = uar(rows.map((r) => [r.truth, r.prediction]));
  how = `from ${join(evalDir, 'predictions.csv')}`;
}
const diff = Math.abs(mine.uar - reported);
console.log(JSON.stringify({ check: how, independentUar: +mine.uar.toFixed(6), n: mine.n, classes: mine.classes, emosigEvalUar: +reported.toFixed(6), evaluated: report.counts.evaluated, absDiff: +diff.toFixed(6), withinTolerance: diff <= 0.005 }, null, 2));
process.exit(diff <= 0.005 ? 0 : 1);
