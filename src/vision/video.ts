/**
 * Video decoding with ffmpeg: frames are streamed over a pipe (PPM images via image2pipe, so each frame
 * carries its own size) and decoded one at a time with bounded memory; nothing is written to disk.
 * The child process is killed when the consumer stops early, on error and on abort.
 * `extractAudio` gives the audio track as 16 kHz mono Float32 for the voice pipeline.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { EmosigError } from '../errors.js';
import { packageRoot } from '../runtime/paths.js';
import { checkFile } from './decode.js';
import type { RgbImage } from './types.js';

const req = createRequire(join(packageRoot(), 'package.json'));
let ffmpegCache: string | undefined;

/**
 * Locate ffmpeg: `explicit` path, then EMOSIG_FFMPEG, then the binary shipped by @ffmpeg-installer/ffmpeg,
 * then `ffmpeg` on PATH. Throws FFMPEG_MISSING when none runs.
 */
export function findFfmpeg(explicit?: string): string {
  const forced = explicit ?? process.env.EMOSIG_FFMPEG;
  if (forced) {
    if (runs(forced)) return forced;
    throw new EmosigError('FFMPEG_MISSING', `ffmpeg not found or not runnable at ${forced}; install @ffmpeg-installer/ffmpeg or a system ffmpeg, or fix EMOSIG_FFMPEG`);
  }
  if (ffmpegCache) return ffmpegCache;
  const candidates: string[] = [];
  try {
    const p = (req('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    if (p && existsSync(p)) candidates.push(p);
  } catch {
    /* not installed for this platform */
  }
  candidates.push('ffmpeg');
  for (const c of candidates) if (runs(c)) return (ffmpegCache = c);
  throw new EmosigError('FFMPEG_MISSING', 'ffmpeg is needed for video files but none was found: install @ffmpeg-installer/ffmpeg (npm) or a system ffmpeg (e.g. apt-get install ffmpeg), or set EMOSIG_FFMPEG');
}

function runs(bin: string): boolean {
  try {
    const r = spawnSync(bin, ['-hide_banner', '-version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    return r.status === 0;
  } catch {
    return false;
  }
}

export interface VideoInfo {
  duration: number | null;
  width: number;
  height: number;
  fps: number | null;
  videoCodec: string;
  hasAudio: boolean;
}

/** Probe a video with `ffmpeg -i` (ffprobe is not shipped by @ffmpeg-installer). */
export async function probeVideo(path: string, ffmpeg?: string): Promise<VideoInfo> {
  await checkFile(path);
  const bin = findFfmpeg(ffmpeg);
  const { stderr } = await runFfmpeg(bin, ['-hide_banner', '-nostdin', '-i', path], 20_000);
  if (/Invalid data found|could not find codec parameters|moov atom not found|End of file|Unknown input format/i.test(stderr) && !/Stream #/.test(stderr)) {
    throw new EmosigError('VIDEO_UNSUPPORTED', `ffmpeg cannot read this file as video (${lastLine(stderr)}); is it a complete mp4/avi/webm/mov?`, { input: path });
  }
  const v = /Stream #\d+:\d+[^:]*: Video: ([^\s,]+)[^\n]*?, (\d{1,5})x(\d{1,5})/.exec(stderr);
  if (!v) {
    if (/Stream #/.test(stderr)) throw new EmosigError('VIDEO_NO_STREAM', 'the file has no video stream (audio only?); pass it to the voice pipeline instead', { input: path });
    throw new EmosigError('VIDEO_UNSUPPORTED', `ffmpeg found no streams (${lastLine(stderr)})`, { input: path });
  }
  const d = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  const f = /, (\d+(?:\.\d+)?) fps/.exec(stderr);
  return {
    duration: d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : null,
    width: Number(v[2]),
    height: Number(v[3]),
    fps: f ? Number(f[1]) : null,
    videoCodec: v[1],
    hasAudio: /Stream #\d+:\d+[^:]*: Audio:/.test(stderr),
  };
}

function runFfmpeg(bin: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 64_000) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new EmosigError('FFMPEG_MISSING', `could not run ffmpeg at ${bin} (${e.message})`, { cause: e }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n').filter((l) => l.trim() && !/^\s*(Input|Duration|Stream|Metadata|encoder|At least one output)/.test(l));
  return (lines[lines.length - 1] ?? 'no details').trim().slice(0, 200);
}

export interface VideoFrame {
  time: number;
  index: number;
  image: RgbImage;
}

export interface VideoFrameOptions {
  /** Frames per second to sample; 0 or undefined with `native` = every frame. Default 5. */
  fps?: number;
  /** Stop after this many frames. */
  maxFrames?: number;
  /** Downscale frames whose longer side exceeds this (keeps memory bounded for 4K). Default 1920. */
  maxSide?: number;
  signal?: AbortSignal;
  ffmpeg?: string;
}

/**
 * Stream a video's frames as 8-bit RGB, sampled at `fps` (the first frame at or after each multiple of
 * 1/fps; every frame when fps is 0). `time` is the frame's real timestamp in seconds.
 * Memory holds at most one frame plus one pipe chunk.
 */
export async function* videoFrames(path: string, o: VideoFrameOptions = {}): AsyncGenerator<VideoFrame> {
  const info = await probeVideo(path, o.ffmpeg);
  const bin = findFfmpeg(o.ffmpeg);
  const fps = o.fps && o.fps > 0 ? o.fps : null;
  const maxSide = o.maxSide ?? 1920;
  // select (not the fps filter, which picks frames mid-interval): the first frame at or after each
  // multiple of 1/fps, without drift; showinfo reports each kept frame's real timestamp on stderr.
  const select = fps ? `select='isnan(prev_selected_t)+gt(floor(t*${fps}+1e-6)\\,floor(prev_selected_t*${fps}+1e-6))'` : null;
  const scale = `scale='if(gt(iw,ih),min(iw,${maxSide}),-2)':'if(gt(iw,ih),-2,min(ih,${maxSide}))'`;
  const filters = [select, scale, 'showinfo'].filter(Boolean).join(',');
  const args = ['-hide_banner', '-nostdin', '-nostats', '-v', 'info', '-i', path, '-map', '0:v:0', '-an', '-sn', '-vf', filters, '-vsync', '0'];
  if (o.maxFrames) args.push('-frames:v', String(o.maxFrames));
  args.push('-f', 'image2pipe', '-c:v', 'ppm', 'pipe:1');
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let pending = '';
  const times: number[] = [];
  let wake: (() => void) | undefined;
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) {
      const m = /Parsed_showinfo.*\bpts_time:\s*(-?[\d.]+)/.exec(l);
      if (m) times.push(Number(m[1]));
      else if (stderr.length < 16_000) stderr += l + '\n';
    }
    wake?.();
  });
  let spawnError: Error | undefined;
  child.on('error', (e) => (spawnError = e));
  let closed = false;
  const exited = new Promise<number | null>((r) =>
    child.on('close', (code) => {
      closed = true;
      wake?.();
      r(code);
    }),
  );
  /** The real timestamp of output frame i (waits for its showinfo line; falls back to i × step). */
  const timeOf = async (i: number): Promise<number> => {
    while (times.length <= i && !closed && child.stderr!.readable) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
    wake = undefined;
    return times.length > i ? times[i] : i * step;
  };
  const onAbort = () => child.kill('SIGKILL');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const step = fps ? 1 / fps : 1 / (info.fps ?? 25);
  let index = 0;
  let buf: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
      if (o.signal?.aborted) break;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        const frame = parsePpm(buf);
        if (!frame) break;
        buf = buf.subarray(frame.consumed);
        yield { time: round4(await timeOf(index)), index, image: frame.image };
        index++;
        if (o.signal?.aborted) break;
      }
    }
    if (o.signal?.aborted) throw new EmosigError('STREAM_CLOSED', 'video decoding aborted', { input: path });
    const code = await exited;
    if (spawnError) throw new EmosigError('FFMPEG_MISSING', `could not run ffmpeg at ${bin} (${spawnError.message})`, { input: path });
    if (code !== 0 && index === 0) {
      if (/Decoder .* not found|Unsupported codec|no decoder|could not find codec/i.test(stderr)) {
        throw new EmosigError('VIDEO_UNSUPPORTED', `the video codec (${info.videoCodec}) cannot be decoded by this ffmpeg; re-encode to H.264/MPEG-4`, { input: path });
      }
      throw new EmosigError('VIDEO_UNSUPPORTED', `ffmpeg could not decode the video (${lastLine(stderr)})`, { input: path });
    }
    if (index === 0) throw new EmosigError('VIDEO_UNSUPPORTED', `no frame could be decoded (codec ${info.videoCodec}; ${lastLine(stderr)})`, { input: path });
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Parse one binary PPM (P6, maxval 255) from the start of `buf`; null when incomplete. */
function parsePpm(buf: Buffer): { image: RgbImage; consumed: number } | null {
  // header: "P6" ws width ws height ws maxval single-ws
  let pos = 0;
  const fields: number[] = [];
  if (buf.length < 2) return null;
  if (buf[0] !== 0x50 || buf[1] !== 0x36) throw new EmosigError('VIDEO_UNSUPPORTED', 'unexpected frame data from ffmpeg');
  pos = 2;
  while (fields.length < 3) {
    while (pos < buf.length && isWs(buf[pos])) pos++;
    if (pos < buf.length && buf[pos] === 0x23) {
      while (pos < buf.length && buf[pos] !== 0x0a) pos++;
      continue;
    }
    let n = 0;
    let digits = 0;
    while (pos < buf.length && buf[pos] >= 0x30 && buf[pos] <= 0x39) {
      n = n * 10 + buf[pos] - 0x30;
      pos++;
      digits++;
    }
    if (pos >= buf.length) return null;
    if (!digits) throw new EmosigError('VIDEO_UNSUPPORTED', 'malformed frame header from ffmpeg');
    fields.push(n);
  }
  pos++; // single whitespace after maxval
  const [w, h, maxval] = fields;
  if (maxval !== 255) throw new EmosigError('VIDEO_UNSUPPORTED', `unexpected frame depth from ffmpeg (maxval ${maxval})`);
  const size = w * h * 3;
  if (buf.length < pos + size) return null;
  // copy so the frame does not pin the (possibly larger) concatenated chunk buffer
  const data = new Uint8Array(size);
  data.set(buf.subarray(pos, pos + size));
  return { image: { width: w, height: h, data }, consumed: pos + size };
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function round4(v: number): number {
  return Math.round(v * 10000) / 10000;
}

/**
 * The audio track of a video (or any file ffmpeg reads) as 16 kHz mono Float32 samples in [-1, 1],
 * for the voice pipeline. Throws AUDIO_EMPTY when the file has no audio stream.
 */
export async function extractAudio(path: string, o: { ffmpeg?: string; signal?: AbortSignal; maxSeconds?: number } = {}): Promise<Float32Array> {
  await checkFile(path);
  const bin = findFfmpeg(o.ffmpeg);
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-i', path, '-map', '0:a:0', '-vn', '-ac', '1', '-ar', '16000'];
  if (o.maxSeconds) args.push('-t', String(o.maxSeconds));
  args.push('-f', 'f32le', 'pipe:1');
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 16_000) stderr += d.toString();
  });
  const onAbort = () => child.kill('SIGKILL');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => reject(new EmosigError('FFMPEG_MISSING', `could not run ffmpeg at ${bin} (${e.message})`, { input: path, cause: e })));
    child.on('close', (c) => resolve(c));
  }).finally(() => o.signal?.removeEventListener('abort', onAbort));
  if (o.signal?.aborted) throw new EmosigError('STREAM_CLOSED', 'audio extraction aborted', { input: path });
  if (code !== 0) {
    if (/matches no streams|does not contain any stream|Stream map '0:a:0'/i.test(stderr)) {
      throw new EmosigError('AUDIO_EMPTY', 'the file has no audio stream', { input: path });
    }
    throw new EmosigError('AUDIO_UNSUPPORTED_FORMAT', `ffmpeg could not decode the audio (${lastLine(stderr)})`, { input: path });
  }
  const all = Buffer.concat(chunks);
  const n = Math.floor(all.length / 4);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = all.readFloatLE(i * 4);
    out[i] = v > 1 ? 1 : v < -1 ? -1 : v || 0;
  }
  return out;
}
