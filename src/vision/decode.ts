/**
 * Image decoding with sharp: EXIF orientation applied, grayscale/CMYK/16-bit converted to 8-bit sRGB,
 * alpha flattened onto mid-gray, animated images read from their first frame, decompression bombs
 * refused before decoding (sharp's `limitInputPixels`).
 */
import { stat, readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { EmosigError } from '../errors.js';
import type { RawFrame, RgbImage } from './types.js';

/** Largest image decoded (pixels). 40 MP ≈ 120 MB of RGB; anything larger is refused as IMAGE_TOO_LARGE. */
export const MAX_IMAGE_PIXELS = 40_000_000;

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff', '.gif', '.bmp', '.avif', '.heic']);
export const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.avi', '.webm', '.mkv', '.mpg', '.mpeg', '.wmv', '.flv', '.3gp', '.ogv']);

/** Largest image file read (bytes): 256 MiB. */
export const MAX_IMAGE_FILE_BYTES = 256 << 20;

/** Check that a path exists and is a non-empty regular file; typed errors otherwise. */
export async function checkFile(path: string, allowDir = false): Promise<'file' | 'dir'> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new EmosigError('INPUT_NOT_FOUND', 'no such file or directory; check the path', { input: path });
  }
  if (st.isDirectory()) {
    if (allowDir) return 'dir';
    throw new EmosigError('INPUT_IS_DIRECTORY', 'is a directory; pass an image or video file', { input: path });
  }
  if (!st.isFile()) {
    const kind = st.isFIFO() ? 'a named pipe (FIFO)' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
    throw new EmosigError('INPUT_NOT_A_FILE', `is ${kind}, not a regular file; save the image or video to a file and pass that`, { input: path });
  }
  if (st.size === 0) throw new EmosigError('IMAGE_CORRUPT', 'the file is empty (0 bytes); re-export or re-copy it', { input: path });
  return 'file';
}

/** Decode an image file or encoded buffer to 8-bit RGB. */
export async function decodeImage(input: string | Buffer | Uint8Array, name?: string): Promise<RgbImage> {
  const label = name ?? (typeof input === 'string' ? input : 'buffer');
  let buf: Buffer;
  if (typeof input === 'string') {
    await checkFile(input);
    const size = (await stat(input)).size;
    if (size > MAX_IMAGE_FILE_BYTES) throw new EmosigError('IMAGE_TOO_LARGE', `is ${(size / (1 << 20)).toFixed(0)} MiB; images up to ${MAX_IMAGE_FILE_BYTES >> 20} MiB are read. Downscale or re-encode it`, { input: label });
    try {
      buf = await readFile(input);
    } catch (e) {
      throw new EmosigError('INPUT_UNREADABLE', `cannot read the file (${(e as Error).message})`, { input: label, cause: e });
    }
  } else {
    buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }
  if (buf.length === 0) throw new EmosigError('IMAGE_CORRUPT', 'the image is empty (0 bytes)', { input: label });
  try {
    const { data, info } = await sharp(buf, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error', pages: 1, page: 0 })
      .rotate() // EXIF orientation
      .flatten({ background: { r: 128, g: 128, b: 128 } })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return toRgb(data, info.width, info.height, info.channels);
  } catch (e) {
    throw sharpError(e, label);
  }
}

function toRgb(data: Buffer, width: number, height: number, channels: number): RgbImage {
  if (channels === 3) return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    if (channels >= 3) {
      out[i * 3] = data[j];
      out[i * 3 + 1] = data[j + 1];
      out[i * 3 + 2] = data[j + 2];
    } else {
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = data[j];
    }
  }
  return { width, height, data: out };
}

/** Map sharp's errors to typed errors that say what is wrong and what to do. */
export function sharpError(e: unknown, input: string): EmosigError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/pixel limit|exceeds.*limit/i.test(msg)) {
    return new EmosigError('IMAGE_TOO_LARGE', `the image has more than ${MAX_IMAGE_PIXELS / 1e6} megapixels (a decompression bomb or an uncommonly large photo); downscale it first`, { input, cause: e });
  }
  if (/unsupported image format|unknown.*format|not a known file format/i.test(msg)) {
    return new EmosigError('IMAGE_UNSUPPORTED_FORMAT', 'not a supported image (JPEG, PNG, WebP, TIFF, GIF, AVIF); for video use mp4/avi/webm/mov', { input, cause: e });
  }
  return new EmosigError('IMAGE_CORRUPT', `the image could not be decoded (${msg.split('\n')[0]}); the file is corrupt or truncated`, { input, cause: e });
}

/** Wrap raw RGB/RGBA pixels (live video) as an RgbImage, validating the size. */
export function rawToRgb(f: RawFrame, name: string): RgbImage {
  const { width, height } = f;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new EmosigError('INVALID_OPTIONS', `raw frame needs positive integer width and height (got ${width}×${height})`, { input: name });
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new EmosigError('IMAGE_TOO_LARGE', `raw frame ${width}×${height} exceeds ${MAX_IMAGE_PIXELS / 1e6} megapixels`, { input: name });
  }
  const px = width * height;
  const ch = f.channels ?? (f.data.length === px * 4 ? 4 : f.data.length === px * 3 ? 3 : 0);
  if ((ch !== 3 && ch !== 4) || f.data.length !== px * ch) {
    throw new EmosigError('IMAGE_CORRUPT', `raw frame has ${f.data.length} bytes; expected ${px * 3} (RGB) or ${px * 4} (RGBA) for ${width}×${height}`, { input: name });
  }
  const src = f.data instanceof Uint8Array ? f.data : new Uint8Array(f.data);
  if (ch === 3) return { width, height, data: src };
  const out = new Uint8Array(px * 3);
  for (let i = 0; i < px; i++) {
    const a = src[i * 4 + 3] / 255;
    out[i * 3] = src[i * 4] * a + 128 * (1 - a);
    out[i * 3 + 1] = src[i * 4 + 1] * a + 128 * (1 - a);
    out[i * 3 + 2] = src[i * 4 + 2] * a + 128 * (1 - a);
  }
  return { width, height, data: out };
}

/** Downscale an RGB image so its longer side is at most `maxSide` (for detection). */
export async function downscale(img: RgbImage, maxSide: number): Promise<{ img: RgbImage; scale: number }> {
  const long = Math.max(img.width, img.height);
  if (long <= maxSide) return { img, scale: 1 };
  const scale = maxSide / long;
  const w = Math.max(1, Math.round(img.width * scale));
  const h = Math.max(1, Math.round(img.height * scale));
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 }, limitInputPixels: false })
    .resize(w, h, { kernel: 'linear' })
    .raw()
    .toBuffer();
  return { img: { width: w, height: h, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }, scale: w / img.width };
}
