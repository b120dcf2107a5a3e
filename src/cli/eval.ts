import { EVAL_MODALITIES, type EvalModality } from '../eval/manifest.js';
import { evaluate } from '../eval/evaluate.js';
import { evalMarkdown, writeEvalOutputs } from '../eval/report.js';
import { errorInfo } from '../errors.js';
import { parseCommand, progressBar, usageError, writeOut } from './common.js';

const HELP = `emosig eval voice|face|text --manifest FILE [options]

Accuracy of emosig on your own labelled corpus: UAR, macro-F1, accuracy, per-class precision/recall,
confusion matrix, a 95 % bootstrap CI (over speakers / subjects / conversations, then items),
calibration (ECE, reliability diagram) and, for voice with arousal/valence columns, Spearman ρ.

Manifest (CSV with a header; columns by name, any order):
  voice, face   path,label[,speaker][,arousal][,valence]   paths relative to the manifest
                (face: 'subject' also works as the group column)
  text          text,label[,conversation]
Labels: the core labels (${'neutral, joy, sadness, anger, fear, disgust, surprise'}) and plain synonyms
(angry, happy, sad, fearful, disgusted, surprised) are understood; map others with --map.

Options:
  --manifest FILE        the labelled manifest (required)
  --map a=b,c=d          map corpus labels to core labels, e.g. --map calm=neutral,boredom=neutral
                         (rows with labels left unmapped are reported and left out)
  --speakers-manifest    voice: files of one speaker (the speaker column) share a personal baseline,
                         as 'emosig voice --speakers-manifest' does
  --assume-face          face: each image is one pre-cropped face (FER-style); no detection
  --restrict             predict only among the classes present in the corpus (cross-corpus papers)
  --out DIR              write eval.json, eval.md, eval.html, predictions.csv there; per-item results are
                         cached in DIR/items.jsonl, so a rerun skips items already done
  --bootstrap N          bootstrap resamples (default 1000)
  --seed N               bootstrap seed (default 1)
  --bins N               reliability-diagram bins (default 10)
  --threads N            onnxruntime threads for voice (default 1)
  --json                 print the JSON report on stdout instead of the Markdown table
Missing or unreadable files are counted with their error codes; they never stop the run.
Exit code 0 when the evaluation ran (even with failed items), 1 on a typed error (bad manifest,
unknown --map target, fewer than two classes), 2 on bad usage.
`;

export async function main(argv: string[]): Promise<number> {
  const a = parseCommand('eval', HELP, {
    args: argv,
    allowPositionals: true,
    options: {
      manifest: { type: 'string' },
      map: { type: 'string' },
      'speakers-manifest': { type: 'boolean' },
      'assume-face': { type: 'boolean' },
      restrict: { type: 'boolean' },
      out: { type: 'string' },
      bootstrap: { type: 'string' },
      seed: { type: 'string' },
      bins: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (typeof a === 'number') return a;
  const v = a.values;
  const [modality, ...extra] = a.positionals;
  if (!modality) return usageError('eval', 'say which modality to evaluate: voice, face or text', HELP);
  if (!(EVAL_MODALITIES as readonly string[]).includes(modality)) return usageError('eval', `unknown modality '${modality}'; use voice, face or text`, HELP);
  if (extra.length) return usageError('eval', `unexpected argument '${extra[0]}'; the inputs come from --manifest`, HELP);
  if (!v.manifest) return usageError('eval', '--manifest FILE is required', HELP);
  const int = (name: string, s: string | undefined, min: number): number | undefined => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min} (got '${s}')`);
    return n;
  };
  let bootstrap, seed, bins, threads;
  try {
    bootstrap = int('bootstrap', v.bootstrap, 1);
    seed = int('seed', v.seed, 0);
    bins = int('bins', v.bins, 1);
    threads = int('threads', v.threads, 1);
  } catch (e) {
    if (e instanceof UsageError) return usageError('eval', e.message, HELP);
    throw e;
  }
  let bar: ReturnType<typeof progressBar> | undefined;
  let shown = 0;
  try {
    const run = await evaluate({
      modality: modality as EvalModality,
      manifest: v.manifest,
      map: v.map,
      speakerBaseline: !!v['speakers-manifest'],
      assumeFace: !!v['assume-face'],
      restrictToPresent: !!v.restrict,
      out: v.out,
      bootstrap,
      seed,
      bins,
      threads,
      onProgress: (done, total) => {
        bar ??= progressBar(total, `eval ${modality}`);
        for (; shown < done; shown++) bar.tick();
      },
    });
    bar?.stop();
    if (v.out) {
      const p = writeEvalOutputs(run, v.out);
      process.stderr.write(`emosig eval: wrote ${p.json}, ${p.markdown}, ${p.html}, ${p.predictions}\n`);
    }
    await writeOut(v.json ? JSON.stringify(run.report, null, 2) : evalMarkdown(run.report));
    return 0;
  } catch (e) {
    bar?.stop();
    const err = errorInfo(e);
    process.stderr.write(`emosig eval: ${err.code}: ${err.message}\n`);
    return 1;
  }
}

class UsageError extends Error {}
