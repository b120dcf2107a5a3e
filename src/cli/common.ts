import cliProgress from 'cli-progress';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EmosigError, errorInfo } from '../errors.js';
import { resolveConfig, type EmosigConfig } from '../config.js';
import { MAX_FACES, MAX_INPUT_SIZE, MIN_INPUT_SIZE } from '../limits.js';
import { readRegularFile } from '../runtime/read.js';

/** Write a line to stdout, respecting back-pressure so piping thousands of results stays bounded. */
export async function writeOut(line: string): Promise<void> {
  if (!process.stdout.write(line.endsWith('\n') ? line : line + '\n')) {
    await new Promise<void>((r) => process.stdout.once('drain', () => r()));
  }
}

/** A progress bar on stderr (never stdout), shown only when stderr is a terminal and there is enough work. */
export function progressBar(total: number, label: string): { tick(): void; stop(): void } {
  if (!process.stderr.isTTY || total < 2) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted}`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: () => bar.increment(), stop: () => bar.stop() };
}

export interface BatchOptions<T> {
  inputs: string[];
  label: string;
  /** One JSON line per input (`--jsonl`) or one JSON document (`--json`, single input) or a human summary. */
  mode: 'json' | 'jsonl' | 'human';
  run(input: string): Promise<T>;
  /** Lines for the `jsonl` mode (default: one line `{ file, ...result }`). */
  toLines?(input: string, result: T): unknown[];
  human?(input: string, result: T): string;
}

/**
 * Run `run` over many inputs in one process. A failing input prints an `error: { code, message }` line
 * (jsonl) or a message on stderr, the others still run, and the return value is the exit code (1 if any failed).
 */
export async function runBatch<T>(o: BatchOptions<T>): Promise<number> {
  let failed = 0;
  const bar = progressBar(o.inputs.length, o.label);
  const results: T[] = [];
  try {
    for (const input of o.inputs) {
      try {
        const r = await o.run(input);
        if (o.mode === 'jsonl') {
          const lines = o.toLines ? o.toLines(input, r) : [{ file: input, ...(r as object) }];
          for (const l of lines) await writeOut(JSON.stringify(l));
        } else if (o.mode === 'json') {
          results.push(r);
        } else {
          await writeOut(o.human ? o.human(input, r) : JSON.stringify(r, null, 2));
        }
      } catch (e) {
        failed++;
        const err = errorInfo(e);
        if (o.mode === 'jsonl') await writeOut(JSON.stringify({ file: input, error: err }));
        else process.stderr.write(`emosig: ${err.code}: ${err.message}\n`);
      }
      bar.tick();
    }
  } finally {
    bar.stop();
  }
  if (o.mode === 'json') {
    await writeOut(JSON.stringify(results.length === 1 && o.inputs.length === 1 ? results[0] : results, null, 2));
  }
  return failed > 0 ? 1 : 0;
}

export function fail(message: string): never {
  process.stderr.write(`emosig: ${message}\n`);
  process.exit(2);
}

/** `emosig NAME: message`, a blank line and the command's usage on stderr; returns the bad-usage exit code 2. */
export function usageError(name: string, message: string, help: string): number {
  process.stderr.write(`emosig ${name}: ${message}\n\n${help}`);
  return 2;
}

/**
 * Parse a command's flags (strict unless `config` says otherwise). Returns the parsed flags, or the exit code to
 * stop with: 0 after printing the usage for `--help`, 2 after a usage error.
 */
export function parseCommand<T extends ParseArgsConfig>(name: string, help: string, config: T): ReturnType<typeof parseArgs<T>> | number {
  let a: ReturnType<typeof parseArgs<T>>;
  try {
    a = parseArgs(config);
  } catch (e) {
    return usageError(name, (e as Error).message, help);
  }
  if ((a.values as { help?: boolean }).help) {
    process.stdout.write(help);
    return 0;
  }
  return a;
}

/** Help line of `--config FILE` (analyze, report, batch, worker, voice, text, face). */
export const CONFIG_HELP = `  --config FILE            an EmosigConfig JSON file: any subset of the fields in the README's
                           Configuration table, e.g. {"voice":{"vad":{"minSilenceMs":500}}}; flags override it`;

/** An EmosigConfig JSON file (`--config`), validated once; typed errors name the file and the field. */
export function readConfigFile(path: string): EmosigConfig {
  const text = readRegularFile(path, { maxBytes: 1 << 20, what: 'an emosig configuration (JSON)' }).toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new EmosigError('INVALID_OPTIONS', 'is not valid JSON; write the configuration as a JSON object, e.g. {"fusion":{"stressedAt":0.6}}', { input: path });
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new EmosigError('INVALID_OPTIONS', 'must hold one JSON object of configuration groups (call, voice, face, text, window, fusion, stream)', { input: path });
  return resolveConfig(data as object, path);
}

/**
 * `--config FILE` of a one-modality command (voice, text, face): `{ config }` (none without the flag), or the
 * bad-usage exit code 2 after printing the typed error that names the file and the field.
 */
export function commandConfig(name: string, path: string | undefined): { config?: EmosigConfig } | number {
  if (path === undefined) return {};
  try {
    return { config: readConfigFile(path) };
  } catch (e) {
    const err = errorInfo(e);
    process.stderr.write(`emosig ${name}: ${err.code}: ${err.message}\n`);
    return 2;
  }
}

type DetectorSettings = Pick<EmosigConfig['face'], 'minScore' | 'inputSize' | 'maxFaces'>;

/**
 * The face detector flags `--{prefix}min-score`, `--{prefix}input-size`, `--{prefix}max-faces` (emosig face: no
 * prefix; analyze / report: `face-`), each checked as its config field. Returns only the flags given (they override
 * `--config`); throws a plain Error naming the flag and its range on a bad value.
 */
export function detectorFlags(values: Record<string, unknown>, prefix = ''): Partial<DetectorSettings> {
  const specs: [string, keyof DetectorSettings, string][] = [
    ['min-score', 'minScore', 'a number in [0, 1]'],
    ['input-size', 'inputSize', `a multiple of 32 from ${MIN_INPUT_SIZE} to ${MAX_INPUT_SIZE}`],
    ['max-faces', 'maxFaces', `a whole number from 1 to ${MAX_FACES}`],
  ];
  const out: Partial<DetectorSettings> = {};
  for (const [flag, key, range] of specs) {
    const raw = values[prefix + flag];
    if (raw === undefined) continue;
    const bad = () => new Error(`--${prefix}${flag} must be ${range} (got ${JSON.stringify(raw)})`);
    if (typeof raw !== 'string' || !raw.trim()) throw bad();
    try {
      out[key] = resolveConfig({ face: { [key]: Number(raw) } }, `--${prefix}${flag}`).face[key];
    } catch {
      throw bad();
    }
  }
  return out;
}
