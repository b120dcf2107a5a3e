import { readFileSync } from 'node:fs';
import { packageRoot } from '../runtime/paths.js';
import { join } from 'node:path';
import { errorInfo } from '../errors.js';

const USAGE = `emosig — offline emotion signatures from call audio, video frames and chat text

Usage:
  emosig voice FILE... [--speakers customer,agent] [--speakers-manifest FILE] [--json | --jsonl] [--features]
  emosig features FILE... --csv [--speakers a,b]
  emosig face INPUT... [--fps 5] [--assume-face] [--json | --jsonl]
  emosig text [FILE | -] [--format json|jsonl|csv|lines] [--json | --jsonl] [--echo]
  emosig analyze [--audio FILE] [--video FILE | --frames DIR] [--chat FILE] [--speakers customer,agent] [--json] [--out FILE] [--report FILE]
  emosig report [same inputs as analyze | --signature FILE] --out report.html
  emosig batch INPUT_DIR|MANIFEST --out DIR [--concurrency N] [--enqueue REDIS_URL]
  emosig worker --queue REDIS_URL [--concurrency N]
  emosig eval voice|face|text --manifest FILE [--map a=b,...] [--speakers-manifest] [--out DIR]
  emosig train voice --manifest my-calls.csv [--out DIR]
  emosig --version | --help

Run 'emosig COMMAND --help' for a command's options.
`;

/** Each command lives in its own module, loaded only when used (keeps start-up fast). */
const COMMANDS: Record<string, () => Promise<{ main(argv: string[]): Promise<number> }>> = {
  voice: () => import('./voice.js'),
  features: () => import('./features.js'),
  face: () => import('./face.js'),
  text: () => import('./text.js'),
  analyze: () => import('./analyze.js'),
  report: () => import('./report.js'),
  batch: () => import('./batch.js'),
  worker: () => import('./worker.js'),
  eval: () => import('./eval.js'),
  train: () => import('./train.js'),
};

// `emosig text chat.jsonl --jsonl | head -1`: when the reader closes stdout, stop quietly with exit 0 (as CLI
// tools do) instead of an unhandled EPIPE error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(0);
  throw e;
});

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd === '--version' || cmd === '-v') {
    process.stdout.write(JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version + '\n');
    return 0;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    process.stderr.write(`emosig: unknown command '${cmd}'.\n\n${USAGE}`);
    return 2;
  }
  return (await load()).main(rest);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    // no stack trace (it can carry paths and content): the code and message; EMOSIG_DEBUG=1 shows the stack
    const { code, message } = errorInfo(e);
    process.stderr.write(`emosig: ${code}: ${message}\n`);
    if (process.env.EMOSIG_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  },
);
