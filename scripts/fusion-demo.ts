/**
 * Build fixtures/demo/: a demo interaction for `emosig analyze` / `emosig report`.
 *
 *   npx tsx scripts/fusion-demo.ts        # needs fixtures/call_stereo.wav, ../shared/data/face/enterface05_subset and ffmpeg
 *
 * - the call: fixtures/call_stereo.wav (RAVDESS actors 03 + 04, built by scripts/make-fixtures.ts), reused as is and
 *   not copied: ch0 customer neutral → angry → angry (strong) → calm, ch1 agent neutral/calm.
 * - chat.json: a support chat written for this demo (emosig's own, MIT), time-aligned with the call: the customer
 *   types polite words while shouting (incongruence), then thanks the agent.
 * - frames/frame_NNNN.jpg: the customer's camera, one frame per second; NNNN is the frame number on emosig's default
 *   frame-folder clock (DEFAULT_FPS = 5 a second, src/signature/time.ts), i.e. second × 5: eNTERFACE'05
 *   subject 1 angry clips during the customer's angry turns (8–15 s) and smiling clips while thanking (23–27 s);
 *   the camera is off before 8 s and during the hold.
 * - annotation.json: ground truth of every turn, message and frame.
 */
import { DEFAULT_FPS } from '../src/signature/time.js';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { packageRoot } from '../src/runtime/paths.js';
import { findFfmpeg } from '../src/vision/index.js';

const ROOT = packageRoot();
const OUT = join(ROOT, 'fixtures', 'demo');
const ENTERFACE = resolve(ROOT, '..', 'shared', 'data', 'face', 'enterface05_subset');

/** The chat, in call time (seconds). Labels are the intended core emotion of each message. */
export const CHAT = [
  { time: 1.2, speaker: 'agent', text: 'Hi, thanks for contacting Acme support, I am on the call with you now. How can I help?', label: 'neutral' },
  { time: 3.4, speaker: 'customer', text: 'Hi. My order 4417 has not arrived yet.', label: 'neutral' },
  { time: 9.1, speaker: 'customer', text: 'This is the third time I am asking about it. This is ridiculous and I am really angry!', label: 'anger' },
  { time: 11.6, speaker: 'agent', text: 'I am sorry about that, let me check right away.', label: 'sadness' },
  { time: 13.6, speaker: 'customer', text: 'Sure, no problem, thanks so much, I really appreciate it!', label: 'joy' },
  { time: 21.0, speaker: 'agent', text: 'I have refunded the shipping and a new parcel goes out today.', label: 'neutral' },
  { time: 24.1, speaker: 'customer', text: 'Great, thank you, that really helps. Have a nice day!', label: 'joy' },
  { time: 26.4, speaker: 'agent', text: 'You are welcome, have a lovely day!', label: 'joy' },
];

/** Customer's camera: second → eNTERFACE clip and time in it. */
export const FRAMES: { second: number; clip: string; at: number; label: 'anger' | 'joy' }[] = [
  ...[8, 9, 10, 11].map((s, i) => ({ second: s, clip: 's1_an_1.avi', at: 1.6 + 0.45 * i, label: 'anger' as const })),
  ...[12, 13, 14, 15].map((s, i) => ({ second: s, clip: 's1_an_2.avi', at: 1.2 + 0.45 * i, label: 'anger' as const })),
  ...[23, 24, 25, 26, 27].map((s, i) => ({ second: s, clip: i % 2 ? 's1_ha_2.avi' : 's1_ha_1.avi', at: 1.2 + 0.25 * i, label: 'joy' as const })),
];

function main(): void {
  const call = join(ROOT, 'fixtures', 'call_stereo.wav');
  if (!existsSync(call)) throw new Error(`${call} is missing: run \`npx tsx scripts/make-fixtures.ts\` first`);
  if (!existsSync(ENTERFACE)) throw new Error(`${ENTERFACE} is missing (the shared eNTERFACE'05 subset)`);
  const ff = findFfmpeg();
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(join(OUT, 'frames'), { recursive: true });
  for (const f of FRAMES) {
    execFileSync(ff, ['-hide_banner', '-v', 'error', '-ss', String(f.at), '-i', join(ENTERFACE, f.clip), '-frames:v', '1', '-vf', 'scale=360:288', '-q:v', '5', '-y', join(OUT, 'frames', `frame_${String(f.second * DEFAULT_FPS).padStart(4, '0')}.jpg`)]);
  }
  writeFileSync(join(OUT, 'chat.json'), JSON.stringify(CHAT.map(({ label: _l, ...m }) => m), null, 2) + '\n');
  const base = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'annotation.json'), 'utf8')) as {
    call: { speakers: Record<string, string>; segments: { speaker: string; start: number; end: number; label: string; core: string; intensity: string; clip: string }[] };
  };
  const annotation = {
    description:
      'Ground truth of the emosig demo interaction (fixtures/demo), built by scripts/fusion-demo.ts. Times are seconds from the start of fixtures/call_stereo.wav (the demo call); run with `emosig analyze --audio fixtures/call_stereo.wav --frames fixtures/demo/frames --chat fixtures/demo/chat.json --speakers customer,agent`.',
    speakers: { customer: 'channel 0, RAVDESS actor 03 (voice) + eNTERFACE subject 1 (face) + chat', agent: 'channel 1, RAVDESS actor 04 (voice) + chat' },
    audio: 'fixtures/call_stereo.wav',
    voice: base.call.segments.map((s) => ({ speaker: s.speaker, start: s.start, end: s.end, label: s.core, acted: `${s.label} (${s.intensity})`, source: s.clip })),
    chat: CHAT.map(({ text: _t, ...m }, index) => ({ index, ...m })),
    face: FRAMES.map((f) => ({ time: f.second, speaker: 'customer', label: f.label, source: `eNTERFACE'05 ${f.clip} at ${f.at.toFixed(2)} s` })),
    expected: {
      customer: 'neutral → anger (8–15 s, strongest at 12.5–14.9 s) → calm and grateful at the end (23–27 s)',
      agent: 'neutral / calm throughout',
      incongruence: 'about 13–15 s: polite, grateful words (chat message 4) while the voice and the face are angry',
      longPause: '17.5–20.5 s: a 3 s hold after the agent speaks',
    },
    licence: {
      'fixtures/call_stereo.wav': 'CC BY-NC-SA 4.0 (adapted from RAVDESS, Livingstone & Russo 2018, https://doi.org/10.1371/journal.pone.0196391)',
      'frames/': "eNTERFACE'05 (Martin et al., ICDEW 2006), free for scientific research; included only to demo and test emosig",
      'chat.json': "written for emosig (MIT)",
    },
  };
  writeFileSync(join(OUT, 'annotation.json'), JSON.stringify(annotation, null, 2) + '\n');
  writeFileSync(
    join(OUT, 'README.md'),
    `# Demo interaction

Built by \`npx tsx scripts/fusion-demo.ts\`; ground truth in \`annotation.json\`.

\`\`\`sh
emosig analyze --audio fixtures/call_stereo.wav --frames fixtures/demo/frames --chat fixtures/demo/chat.json --speakers customer,agent
emosig report  --audio fixtures/call_stereo.wav --frames fixtures/demo/frames --chat fixtures/demo/chat.json --speakers customer,agent --out report.html
\`\`\`

| file | what | licence |
|---|---|---|
| \`../call_stereo.wav\` (reused, not copied) | 28 s stereo call, ch0 customer (neutral → angry → angry, strong → calm), ch1 agent | CC BY-NC-SA 4.0 (adapted from RAVDESS, Livingstone & Russo 2018) |
| \`frames/frame_NNNN.jpg\` | the customer's camera, one frame per second; NNNN = second × 5 (the default 5 fps frame clock) (8–15 s angry, 23–27 s smiling; off otherwise), 360×288 | eNTERFACE'05 (Martin et al. 2006), free for scientific research, only to demo/test emosig |
| \`chat.json\` | ${CHAT.length} chat messages in call time; the customer types polite thanks at 13.6 s while shouting | MIT (written for emosig) |
| \`annotation.json\` | per voice turn, chat message and frame: speaker, time and label | MIT |

The voice and face are different people (a pseudo-multimodal customer); the voice model was trained on RAVDESS
actors 01–18, which include actors 03 and 04, so this demo shows the pipeline working, not held-out accuracy.
`,
  );
  console.error(`fusion-demo: wrote ${OUT} (${FRAMES.length} frames, ${CHAT.length} messages)`);
}

main();
