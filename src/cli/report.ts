/**
 * emosig report [inputs as for analyze | --signature FILE] --out report.html
 */
import { EmosigError } from '../errors.js';
import { readRegularFile } from '../runtime/read.js';
import { MAX_SIGNATURE_BYTES } from '../limits.js';
import { writeAtomic } from '../batch/output.js';
import { parseArgs } from 'node:util';
import { errorInfo } from '../errors.js';
import { analyze } from '../fusion/analyze.js';
import { renderReport } from '../fusion/report.js';
import { SignatureSchema, type EmotionalSignature } from '../signature/schema.js';
import { ANALYZE_OPTIONS, INPUT_HELP, inputFromArgs } from './analyze.js';

const HELP = `Usage: emosig report [inputs | --signature FILE] --out report.html

Analyses an interaction (same inputs as 'emosig analyze') or reads a saved signature, and writes a
self-contained HTML report: per-speaker valence/arousal/stress lines, the emotion mix as a stacked
area, moments marked and listed, the escalation score and its reasons. No script, no network.

${INPUT_HELP}
  --signature FILE         render a signature JSON written by 'emosig analyze --out'
  --title TEXT             report title
  -o, --out FILE           the HTML file to write (required)
  -h, --help
`;

export async function main(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs({
      args: argv,
      options: { ...ANALYZE_OPTIONS, signature: { type: 'string' }, title: { type: 'string' } },
      allowPositionals: false,
      strict: true,
    });
  } catch (e) {
    process.stderr.write(`emosig report: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const v = a.values;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!v.out) {
    process.stderr.write(`emosig report: --out FILE is required\n\n${HELP}`);
    return 2;
  }
  try {
    let sig: EmotionalSignature;
    if (v.signature) {
      let raw: unknown;
      try {
        raw = JSON.parse(readRegularFile(v.signature, { maxBytes: MAX_SIGNATURE_BYTES, what: 'a signature (JSON)' }).toString('utf8'));
      } catch (e) {
        if (e instanceof EmosigError) {
          process.stderr.write(`emosig report: ${e.code}: ${e.message}\n`);
          return 1;
        }
        process.stderr.write(`emosig report: ${v.signature}: cannot read a JSON signature (not valid JSON)\n`);
        return 1;
      }
      const parsed = SignatureSchema.safeParse(raw);
      if (!parsed.success) {
        process.stderr.write(`emosig report: ${v.signature} is not a valid signature v1: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`);
        return 1;
      }
      sig = parsed.data;
    } else {
      let input;
      try {
        input = inputFromArgs(v);
      } catch (e) {
        process.stderr.write(`emosig report: ${(e as Error).message}\n\n${HELP}`);
        return 2;
      }
      sig = await analyze(input);
    }
    writeAtomic(v.out, renderReport(sig, { title: v.title }));
    process.stderr.write(`emosig report: wrote ${v.out}\n`);
    return 0;
  } catch (e) {
    const err = errorInfo(e);
    process.stderr.write(`emosig report: ${err.code}: ${err.message}\n`);
    return 1;
  }
}
