/**
 * Bounded readers: a file that is expected to be a file must be a regular file (not a FIFO, device, socket
 * or folder) and no larger than a cap; stdin is read as a stream with a cap. Every refusal is a typed
 * `EmosigError` naming the input, never a hang or a read of /dev/zero until memory runs out.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { EmosigError } from '../errors.js';

const MiB = 1 << 20;
const fmt = (n: number) => (n >= MiB ? `${(n / MiB).toFixed(n % MiB ? 1 : 0)} MiB` : `${n} bytes`);

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export interface ReadLimits {
  /** Largest accepted size in bytes. */
  maxBytes: number;
  /** What the file should be, for messages ("a chat transcript"). */
  what: string;
}

/** Check that `path` names a regular file of at most `maxBytes` (stat only; the size is returned). */
export function checkRegularFile(path: string, lim: ReadLimits): number {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    throw new EmosigError('INPUT_NOT_FOUND', `no such file; check the path to ${lim.what}`, { input: path });
  }
  if (st.isDirectory()) throw new EmosigError('INPUT_IS_DIRECTORY', `is a folder; give ${lim.what} (a file)`, { input: path });
  if (!st.isFile()) throw new EmosigError('INPUT_NOT_A_FILE', `is ${kindOf(st)}, not a regular file; save ${lim.what} to a file and pass that`, { input: path });
  if (st.size > lim.maxBytes) throw new EmosigError('INPUT_TOO_LARGE', `is ${fmt(st.size)}; the limit for ${lim.what} is ${fmt(lim.maxBytes)}. Split it into smaller files`, { input: path });
  return st.size;
}

/**
 * Read a regular file of at most `maxBytes`. The file is opened without blocking (a FIFO swapped in after the
 * check cannot hang the read) and checked again on the open descriptor; at most `maxBytes + 1` bytes are read.
 */
export function readRegularFile(path: string, lim: ReadLimits): Buffer {
  checkRegularFile(path, lim);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new EmosigError('INPUT_UNREADABLE', `cannot open (${(e as NodeJS.ErrnoException).code ?? 'error'}); check its permissions`, { input: path, cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new EmosigError('INPUT_NOT_A_FILE', `is ${kindOf(st)}, not a regular file; save ${lim.what} to a file and pass that`, { input: path });
    const cap = Math.min(st.size, lim.maxBytes) + 1;
    const buf = Buffer.allocUnsafe(cap);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, cap - n, null);
      if (r === 0) break;
      n += r;
      if (n >= cap) break;
    }
    if (n > lim.maxBytes) throw new EmosigError('INPUT_TOO_LARGE', `grew beyond the limit for ${lim.what} (${fmt(lim.maxBytes)}) while being read`, { input: path });
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof EmosigError) throw e;
    throw new EmosigError('INPUT_UNREADABLE', `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { input: path, cause: e });
  } finally {
    closeSync(fd);
  }
}

/** Read a stream (stdin) to the end, refusing more than `maxBytes` as soon as it is exceeded. */
export async function readStreamCapped(stream: AsyncIterable<Buffer | string>, name: string, lim: ReadLimits): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    n += b.length;
    if (n > lim.maxBytes) {
      throw new EmosigError('INPUT_TOO_LARGE', `more than ${fmt(lim.maxBytes)} arrived; the limit for ${lim.what} is ${fmt(lim.maxBytes)}. Split it into smaller pieces`, { input: name });
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
