/**
 * Labelled manifests for the bench's accuracy sections, written under .cache/bench/manifests (never committed):
 *  - fixtures (always): the demo call's 10 voice turns cut into clips, the labelled face frames, hand-written text;
 *  - corpora (with ../shared/data or EMOSIG_DATA=DIR): TurEV-DB and EmoDB voice, FER2013 PrivateTest faces
 *    (a seeded sample), DailyDialog test utterances by conversation.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../src/runtime/paths.js';
import { decodeWav, encodeWav } from '../../src/audio/decode.js';
import { mulberry32 } from '../../src/eval/metrics.js';

export const ROOT = packageRoot();
export const CACHE = join(ROOT, '.cache', 'bench');
export const MANIFESTS = join(CACHE, 'manifests');

/** The shared data folder: EMOSIG_DATA, else ../shared/data next to the repository; undefined when absent. */
export function dataDir(): string | undefined {
  const d = process.env.EMOSIG_DATA ? resolve(process.env.EMOSIG_DATA) : resolve(ROOT, '..', 'shared', 'data');
  return existsSync(d) ? d : undefined;
}

const csvField = (s: string): string => (/[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
function writeCsv(path: string, head: string[], rows: string[][]): string {
  mkdirSync(MANIFESTS, { recursive: true });
  writeFileSync(path, [head.join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n');
  return path;
}

export interface CorpusSpec {
  name: string;
  modality: 'voice' | 'face' | 'text';
  manifest: string;
  map?: string;
  assumeFace?: boolean;
  /** Shown next to the figures. */
  note: string;
}

/** Voice: each annotated turn of fixtures/call_stereo.wav, cut from its speaker's channel into a mono clip. */
export async function fixtureVoiceManifest(): Promise<string> {
  const ann = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'demo', 'annotation.json'), 'utf8')) as { voice: { speaker: string; start: number; end: number; label: string }[] };
  const { info, channels } = await decodeWav(join(ROOT, 'fixtures', 'call_stereo.wav'));
  const dir = join(CACHE, 'fixture-voice');
  mkdirSync(dir, { recursive: true });
  const rows: string[][] = [];
  ann.voice.forEach((t, i) => {
    const ch = t.speaker === 'customer' ? 0 : 1;
    const a = Math.max(0, Math.floor((t.start - 0.1) * info.sampleRate));
    const b = Math.min(channels[ch].length, Math.ceil((t.end + 0.1) * info.sampleRate));
    const file = `turn${String(i + 1).padStart(2, '0')}_${t.speaker}.wav`;
    writeFileSync(join(dir, file), encodeWav([channels[ch].slice(a, b)], info.sampleRate));
    rows.push([join('..', 'fixture-voice', file), t.label, t.speaker]);
  });
  return writeCsv(join(MANIFESTS, 'fixture-voice.csv'), ['path', 'label', 'speaker'], rows);
}

export async function fixtureSpecs(): Promise<CorpusSpec[]> {
  return [
    { name: 'fixtures-voice', modality: 'voice', manifest: await fixtureVoiceManifest(), note: 'the demo call’s 10 turns (RAVDESS actors 03/04: in the voice model’s training data, so a pipeline sanity check, not a held-out figure)' },
    { name: 'fixtures-face', modality: 'face', manifest: join(ROOT, 'fixtures', 'eval', 'face.csv'), note: '18 eNTERFACE’05 frames of one subject (anger, happiness), detector on' },
    { name: 'fixtures-text', modality: 'text', manifest: join(ROOT, 'fixtures', 'eval', 'text.csv'), note: '43 hand-written customer-service sentences, 6 per class, written for emosig (MIT)' },
  ];
}

/** Corpus manifests from the shared data (only those whose folders exist). */
export function corpusSpecs(data: string, opts: { faceSample?: number; seed?: number } = {}): CorpusSpec[] {
  const out: CorpusSpec[] = [];
  const speech = (name: string, folder: string, map: string, note: string) => {
    const dir = join(data, 'speech', folder);
    const mf = join(dir, 'manifest.csv');
    if (!existsSync(mf)) return;
    const lines = readFileSync(mf, 'utf8').trim().split(/\r?\n/);
    const head = lines[0].split(',');
    const [ip, il, is] = ['path', 'label', 'speaker'].map((c) => head.indexOf(c));
    const rows = lines.slice(1).map((l) => l.split(',')).map((c) => [join(dir, c[ip]), c[il], c[is]]);
    out.push({ name, modality: 'voice', manifest: writeCsv(join(MANIFESTS, `${name}.csv`), ['path', 'label', 'speaker'], rows), map, note });
  };
  speech('turev-db-8k', 'turev_db_8k', 'calm=neutral', 'TurEV-DB, Turkish, 8 kHz mu-law, 6 speakers: never in the voice model’s training data (cross-corpus, cross-language)');
  speech('emodb', 'emodb', 'boredom=neutral', 'EmoDB (shared 2-s copy): IN the voice model’s training data, so this is a training-set fit, not a held-out figure; kept for the independent UAR check');

  const fer = join(data, 'face', 'fer2013', 'labels.csv');
  if (existsSync(fer)) {
    const lines = readFileSync(fer, 'utf8').trim().split(/\r?\n/);
    const head = lines[0].split(',');
    const [iF, iL, iU] = ['file', 'label', 'origin_usage'].map((c) => head.indexOf(c));
    let rows = lines
      .slice(1)
      .map((l) => l.split(','))
      .filter((c) => c[iU] === 'PrivateTest')
      .map((c) => [join(data, 'face', 'fer2013', c[iF]), c[iL]]);
    const n = opts.faceSample ?? 600;
    if (n > 0 && rows.length > n) {
      const rand = mulberry32(opts.seed ?? 1);
      rows = rows
        .map((r) => [rand(), r] as const)
        .sort((a, b) => a[0] - b[0])
        .slice(0, n)
        .map((x) => x[1]);
    }
    out.push({ name: 'fer-privatetest', modality: 'face', manifest: writeCsv(join(MANIFESTS, 'fer-privatetest.csv'), ['path', 'label'], rows), assumeFace: true, note: `FER2013 PrivateTest, ${rows.length} crops (seeded sample), classified as crops (--assume-face); the face pooling was chosen without PrivateTest (bench/face-parity.ts)` });
  }

  const dd = join(data, 'text', 'dailydialog', 'test');
  if (existsSync(join(dd, 'dialogues_test.txt'))) {
    const names = ['neutral', 'anger', 'disgust', 'fear', 'joy', 'sadness', 'surprise'];
    const dialogues = readFileSync(join(dd, 'dialogues_test.txt'), 'utf8').split(/\r?\n/);
    const emotions = readFileSync(join(dd, 'dialogues_emotion_test.txt'), 'utf8').split(/\r?\n/);
    const rows: string[][] = [];
    dialogues.forEach((d, i) => {
      if (!d.trim()) return;
      const utts = d.split('__eou__').map((s) => s.trim()).filter(Boolean);
      const labs = (emotions[i] ?? '').trim().split(/\s+/);
      if (utts.length !== labs.length) return;
      utts.forEach((u, j) => rows.push([u, names[Number(labs[j])] ?? '', `d${i + 1}`]));
    });
    out.push({ name: 'dailydialog-test', modality: 'text', manifest: writeCsv(join(MANIFESTS, 'dailydialog-test.csv'), ['text', 'label', 'conversation'], rows), note: 'DailyDialog test, every utterance, grouped by dialogue; never trained on ("no emotion" → neutral)' });
  }
  return out;
}
