/**
 * Builds fixtures/voice-train/: a tiny, licence-clean training manifest for `emosig train voice` tests —
 * synthetic speech from espeak-ng (no recorded voices): 3 "speakers" (espeak-ng voice variants) × 2 labels
 * (anger: fast, high, loud; sadness: slow, low, quiet) × 4 sentences, stored as 8 kHz G.711 mu-law WAV
 * (the telephone format). Needs espeak-ng (apt-get install espeak-ng); deterministic for a given espeak-ng.
 *
 *   npx tsx scripts/voice-fixtures.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decodeWav, encodeWav } from '../src/audio/decode.js';
import { resample } from '../src/audio/resample.js';
import { packageRoot } from '../src/runtime/paths.js';

const OUT = join(packageRoot(), 'fixtures', 'voice-train');
const SPEAKERS = [
  { id: 'spk1', voice: 'en-us+m3', pitch: 0 },
  { id: 'spk2', voice: 'en-gb+f2', pitch: 10 },
  { id: 'spk3', voice: 'en+m1', pitch: -5 },
];
const STYLES = {
  anger: { speed: 210, pitch: 75, amp: 190 },
  sadness: { speed: 105, pitch: 25, amp: 60 },
} as const;
const SENTENCES = ['I have been waiting on hold for an hour.', 'This is the third time I am calling about it.', 'Nobody has fixed my account yet.', 'I just want the problem to be solved.'];

const tmp = join(tmpdir(), `emosig-voice-fixtures-${process.pid}`);
mkdirSync(tmp, { recursive: true });
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const rows = ['path,label,speaker'];
for (const s of SPEAKERS) for (const label of Object.keys(STYLES)) SENTENCES.forEach((_, i) => rows.push(`${s.id}_${label}_${i + 1}.wav,${label},${s.id}`));
// decode/encode after synthesis (async)
const files = rows.slice(1).map((r) => r.split(',')[0]);
let k = 0;
for (const s of SPEAKERS) {
  for (const [, st] of Object.entries(STYLES)) {
    for (const text of SENTENCES) {
      const wav = join(tmp, `${k}.wav`);
      execFileSync('espeak-ng', ['-v', s.voice, '-s', String(st.speed), '-p', String(Math.max(0, Math.min(99, st.pitch + s.pitch))), '-a', String(st.amp), '-w', wav, text]);
      const { info, channels } = await decodeWav(readFileSync(wav));
      const x8 = resample(channels[0], info.sampleRate, 8000);
      writeFileSync(join(OUT, files[k]), encodeWav([x8], 8000, 'mulaw'));
      k++;
    }
  }
}
writeFileSync(join(OUT, 'manifest.csv'), rows.join('\n') + '\n');
writeFileSync(
  join(OUT, 'README.md'),
  `# voice-train fixture\n\nSynthetic speech made by \`scripts/voice-fixtures.ts\` with espeak-ng (no recorded voices; licence-clean):\n${SPEAKERS.length} espeak-ng voices as speakers × anger (fast, high, loud) / sadness (slow, low, quiet) × ${SENTENCES.length} sentences,\n8 kHz G.711 mu-law. Used by test/voice-train.test.ts to run \`emosig train voice\` end to end.\n`,
);
rmSync(tmp, { recursive: true, force: true });
console.error(`wrote ${files.length} clips and manifest.csv to ${OUT}`);
