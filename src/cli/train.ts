/**
 * emosig train voice --manifest my-calls.csv [--out DIR] [--license TEXT] [--name NAME] [--folds N] [--json]
 */
import { errorInfo } from '../errors.js';
import { parseCommand, usageError, writeOut } from './common.js';

const HELP = `emosig train voice --manifest FILE [--out DIR] [options]

Train a voice emotion model on your own labelled recordings (TypeScript, no Python), cross-validate it by
speaker and write a model folder (voice-clip.onnx, voice-personal.onnx, voice.json, MODEL_CARD.md with its
accuracy table) that 'emosig voice --model DIR', 'emosig analyze --voice-model DIR' and
analyzeVoice(input, { model: DIR }) load.

Manifest: CSV with a header naming the columns path,label,speaker and optionally valence,arousal (-1..1).
Paths are relative to the manifest. Labels: neutral, joy, sadness, anger, fear, disgust, surprise (or calm,
happy, sad, angry, fearful, disgusted, surprised, boredom). At least 3 speakers and 4 recordings per label.

Options:
  --manifest FILE   the training manifest (required)
  --out DIR         output folder (default: voice-model next to the manifest)
  --license TEXT    licence recorded in the model (default: "as licensed by the owner of the training recordings")
  --name NAME       model name (default: the output folder's name)
  --folds N         speaker folds for cross-validation (default: min(5, speakers))
  --json            print the result (cross-validation metrics) as JSON
  -h, --help
`;

export async function main(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  if (what === '--help' || what === '-h' || what === undefined) {
    process.stdout.write(HELP);
    return what === undefined ? 2 : 0;
  }
  if (what !== 'voice') return usageError('train', `unknown model kind '${what}' (only 'voice' can be trained)`, HELP);
  const a = parseCommand('train', HELP, {
    args: rest,
    options: {
      manifest: { type: 'string' },
      out: { type: 'string' },
      license: { type: 'string' },
      name: { type: 'string' },
      folds: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (typeof a === 'number') return a;
  const v = a.values;
  if (!v.manifest) return usageError('train', '--manifest FILE is required', HELP);
  const folds = v.folds !== undefined ? Number(v.folds) : undefined;
  if (folds !== undefined && (!Number.isInteger(folds) || folds < 2)) return usageError('train', `--folds must be an integer of at least 2 (got '${v.folds}')`, HELP);
  const { trainVoiceModel } = await import('../audio/train-custom.js');
  const { dirname, join } = await import('node:path');
  try {
    const r = await trainVoiceModel({
      manifest: v.manifest,
      out: v.out ?? join(dirname(v.manifest), 'voice-model'),
      license: v.license,
      name: v.name,
      folds,
      onProgress: (m) => process.stderr.write(`emosig train voice: ${m}\n`),
    });
    if (v.json) await writeOut(JSON.stringify({ dir: r.dir, labels: r.labels, clips: r.clips, speakers: r.speakers, folds: r.folds, cv: r.cv }, null, 2));
    else await writeOut(r.card);
    return 0;
  } catch (e) {
    const err = errorInfo(e);
    process.stderr.write(`emosig train voice: ${err.code}: ${err.message}\n`);
    return 1;
  }
}
