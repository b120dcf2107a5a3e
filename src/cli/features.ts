import { speakerNames } from './voice.js';
import { parseArgs } from 'node:util';
import { extractVoice } from '../audio/analyze.js';
import { FEATURE_NAMES } from '../audio/features.js';
import { errorInfo } from '../errors.js';
import { writeOut, fail, progressBar } from './common.js';

const HELP = `emosig features FILE... --csv [--speakers a,b]   (--channels: alias of --speakers)

Whole-file vocal-stress feature vectors (functionals over every speech segment of a file, one row per file
and channel): a header row "file,speaker,<${FEATURE_NAMES.length} feature names>" then one row each.
A file that fails gets a row "file,error,<code>: <message>" on stderr and exit code 1 at the end.
`;

export async function main(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs({ args: argv, allowPositionals: true, options: { csv: { type: 'boolean' }, speakers: { type: 'string' }, channels: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    fail(`${(e as Error).message}\n\n${HELP}`);
  }
  if (a.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!a.values.csv) fail(`only --csv output is supported\n\n${HELP}`);
  if (a.positionals.length === 0) fail(`no input files\n\n${HELP}`);
  const channels = speakerNames(a.values.speakers, a.values.channels);
  await writeOut(['file', 'speaker', ...FEATURE_NAMES].join(','));
  let failed = 0;
  const bar = progressBar(a.positionals.length, 'features');
  for (const f of a.positionals) {
    try {
      const ex = await extractVoice(f, { channels });
      for (const spk of ex.speakers) {
        if (!ex.segments.some((s) => s.speaker === spk)) {
          // no speech: an error line, never a row of zeros that reads like a measurement
          failed++;
          process.stderr.write(`${f},error,AUDIO_NO_SPEECH: ${f}: no speech was found${ex.speakers.length > 1 ? ` on channel ${spk}` : ''}; no feature row was written\n`);
          continue;
        }
        const v = ex.speakerFeatures[spk];
        await writeOut([csvCell(f), csvCell(spk), ...Array.from(v, (x) => (Number.isFinite(x) ? String(Math.fround(x)) : ''))].join(','));
      }
    } catch (e) {
      failed++;
      const err = errorInfo(e);
      process.stderr.write(`${f},error,${err.code}: ${err.message}\n`);
    }
    bar.tick();
  }
  bar.stop();
  return failed ? 1 : 0;
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

