/**
 * Write the CX test interactions in fixtures/cx/ (chat transcripts written for emosig, MIT) and their expected
 * impact ranking (what a person reading the transcript names), used by test/cx.test.ts.
 *
 *   npx tsx scripts/cx-fixtures.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/runtime/paths.js';

type Msg = { time: number; speaker: 'customer' | 'agent'; text: string };

/** The agent apologises and fixes it; the customer calms down. */
const apologyCalms: Msg[] = [
  { time: 0, speaker: 'customer', text: 'Hi, I was charged twice for my subscription this month.' },
  { time: 20, speaker: 'agent', text: 'Thanks for reaching out. Can you confirm the email address on the account?' },
  { time: 45, speaker: 'customer', text: 'It is the same email as always. This is the second time this has happened and nobody fixed it. I am really annoyed!' },
  { time: 60, speaker: 'customer', text: 'Honestly this is ridiculous, I want my money back now.' },
  { time: 80, speaker: 'agent', text: 'I am so sorry about this, I understand how frustrating that is. I can see the double charge and I have refunded it right away.' },
  { time: 110, speaker: 'customer', text: 'Oh okay, thank you. That is a relief.' },
  { time: 125, speaker: 'agent', text: 'You are welcome. I have also added a note so it will not happen again.' },
  { time: 140, speaker: 'customer', text: 'Great, thanks a lot for your help!' },
];

/** The agent goes silent for three minutes; the customer comes back furious. */
const silenceOutburst: Msg[] = [
  { time: 0, speaker: 'customer', text: 'Hello, my internet has been down since this morning.' },
  { time: 15, speaker: 'agent', text: 'Hi! Let me run a line test, one moment please.' },
  { time: 30, speaker: 'customer', text: 'Okay, thanks.' },
  { time: 210, speaker: 'customer', text: 'Hello?? Is anyone there? I have been waiting for ages, this is unacceptable!' },
  { time: 230, speaker: 'customer', text: 'I am so angry, I work from home and you just leave me hanging!!' },
  { time: 250, speaker: 'agent', text: 'I apologise for the wait. The line test found a fault and a technician is booked for tomorrow morning.' },
  { time: 280, speaker: 'customer', text: 'Fine. Tomorrow morning then. Thank you.' },
];

export const CX_FIXTURES = {
  'apology-calms': {
    messages: apologyCalms,
    expect: { helped: [{ kind: 'agent-apology', time: 80 }], hurt: [{ kind: 'agent-reply', time: 20 }] },
    reading: 'The agent asks for the email again (20 s) and the customer gets annoyed; the apology with the refund (80 s) calms them.',
  },
  'silence-outburst': {
    messages: silenceOutburst,
    expect: { helped: [{ kind: 'agent-apology', time: 250 }], hurt: [{ kind: 'agent-silence', time: 30 }] },
    reading: 'Three minutes without an answer after 30 s end in an outburst (210 s); the apology with a technician booked (250 s) calms it.',
  },
} as const;

if (process.argv[1] && /cx-fixtures\.(js|ts)$/.test(process.argv[1])) {
  const dir = join(packageRoot(), 'fixtures', 'cx');
  mkdirSync(dir, { recursive: true });
  for (const [name, f] of Object.entries(CX_FIXTURES)) writeFileSync(join(dir, `${name}.json`), JSON.stringify(f.messages, null, 2) + '\n');
  writeFileSync(
    join(dir, 'expected.json'),
    JSON.stringify(Object.fromEntries(Object.entries(CX_FIXTURES).map(([k, f]) => [k, { reading: f.reading, ...f.expect }])), null, 2) + '\n',
  );
  writeFileSync(
    join(dir, 'README.md'),
    `# CX fixtures\n\nWritten by \`npx tsx scripts/cx-fixtures.ts\` (MIT, text written for emosig). Chat transcripts with call-clock times (s);\n\`expected.json\` names the moments a person reading each transcript would say helped or hurt (test/cx.test.ts).\n\n${Object.entries(
      CX_FIXTURES,
    )
      .map(([k, f]) => `- \`${k}.json\`: ${f.reading}`)
      .join('\n')}\n\nThe demo interaction (fixtures/demo + fixtures/call_stereo.wav) is the third case.\n`,
  );
  console.error(`wrote ${dir}`);
}
