/**
 * Build the small face test fixtures in fixtures/face/ from one eNTERFACE'05 clip (free for scientific
 * research; see fixtures/face/README.md) plus synthetic bad inputs. Needs ../shared/data/face and ffmpeg.
 *
 *   npx tsx scripts/face-fixtures.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { packageRoot } from '../src/runtime/paths.js';
import { findFfmpeg } from '../src/vision/video.js';
import { ENTERFACE } from './lib/face-data.js';

const OUT = join(packageRoot(), 'fixtures', 'face');

async function main(): Promise<number> {
  const ff = findFfmpeg();
  const ha = join(ENTERFACE, 's1_ha_1.avi');
  const an = join(ENTERFACE, 's1_an_1.avi');
  mkdirSync(join(OUT, 'frames'), { recursive: true });
  const run = (...args: string[]) => execFileSync(ff, ['-hide_banner', '-nostdin', '-y', '-v', 'error', ...args]);

  // 1.5 s clip with audio, half resolution, H.264 + AAC
  run('-ss', '0.6', '-t', '1.5', '-i', ha, '-vf', 'scale=360:288', '-c:v', 'libx264', '-preset', 'veryslow', '-crf', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '1', '-ar', '16000', '-b:a', '24k', '-movflags', '+faststart', join(OUT, 'clip.mp4'));
  // still frames: a smiling and an angry face, half resolution
  run('-ss', '2.0', '-i', ha, '-frames:v', '1', '-vf', 'scale=360:288', '-q:v', '4', join(OUT, 'happy.jpg'));
  run('-ss', '2.6', '-i', an, '-frames:v', '1', '-vf', 'scale=360:288', '-q:v', '4', join(OUT, 'anger.jpg'));
  // a frame directory (3 frames, 5 fps numbering)
  rmSync(join(OUT, 'frames'), { recursive: true, force: true });
  mkdirSync(join(OUT, 'frames'));
  run('-ss', '1.0', '-i', ha, '-vf', 'fps=5,scale=240:192', '-frames:v', '3', '-q:v', '5', '-start_number', '5', join(OUT, 'frames', 'frame_%04d.jpg'));
  // audio only in an mp4 container (a "video" without a video stream)
  run('-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5', '-c:a', 'aac', '-b:a', '16k', join(OUT, 'audio-only.mp4'));
  // an AVI whose video codec tag nobody decodes: encode MPEG-4 part 2, then overwrite the FourCC
  run('-i', ha, '-t', '0.4', '-vf', 'scale=96:80', '-an', '-c:v', 'mpeg4', '-vtag', 'FMP4', join(OUT, 'bad-codec.avi'));
  const avi = readFileSync(join(OUT, 'bad-codec.avi'));
  let patched = 0;
  for (const tag of ['FMP4', 'fmp4']) {
    for (let i = avi.indexOf(tag); i >= 0; i = avi.indexOf(tag, i + 4)) {
      avi.write('ZQ9X', i, 'latin1');
      patched++;
    }
  }
  if (!patched) throw new Error('FourCC not found in bad-codec.avi');
  writeFileSync(join(OUT, 'bad-codec.avi'), avi);

  const happy = readFileSync(join(OUT, 'happy.jpg'));
  // EXIF orientation 6 (stored rotated 90° counter-clockwise; viewers rotate it back)
  await sharp(happy).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 80 }).toFile(join(OUT, 'exif-rotate.jpg'));
  // CMYK JPEG, 16-bit RGB PNG, grayscale PNG, RGBA PNG with transparent border
  await sharp(happy).toColourspace('cmyk').jpeg({ quality: 80 }).toFile(join(OUT, 'cmyk.jpg'));
  await sharp(happy).resize(180, 144).toColourspace('rgb16').png().toFile(join(OUT, 'rgb16.png'));
  await sharp(happy).grayscale().png({ compressionLevel: 9 }).toFile(join(OUT, 'gray.png'));
  await sharp(happy).ensureAlpha().extend({ top: 20, bottom: 20, left: 20, right: 20, background: { r: 0, g: 0, b: 0, alpha: 0 } }).webp({ quality: 75 }).toFile(join(OUT, 'alpha.webp'));
  // animated GIF, 3 frames
  run('-ss', '1.0', '-t', '0.6', '-i', ha, '-vf', 'fps=5,scale=180:144', join(OUT, 'animated.gif'));
  // bad images
  writeFileSync(join(OUT, 'zero.jpg'), Buffer.alloc(0));
  writeFileSync(join(OUT, 'truncated.jpg'), happy.subarray(0, Math.floor(happy.length * 0.4)));
  writeFileSync(join(OUT, 'not-an-image.png'), 'this is text, not a PNG\n');
  await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 200, g: 150, b: 120 } } }).png().toFile(join(OUT, 'one-pixel.png'));
  writeFileSync(join(OUT, 'bomb.png'), pngBomb(20000, 20000));
  let total = 0;
  for (const f of walk(OUT)) total += statSync(f).size;
  process.stderr.write(`face-fixtures: wrote ${OUT} (${(total / 1024).toFixed(0)} KiB)\n`);
  return 0;
}

/** A valid-header PNG that claims width×height pixels with a tiny (incomplete) IDAT: a decompression bomb header. */
function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const idat = deflateSync(Buffer.alloc(width * 3 + 1)); // one row of zeros
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return c ^ 0xffffffff;
}

function* walk(d: string): Generator<string> {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) yield* walk(join(d, e.name));
    else yield join(d, e.name);
  }
}

main().then((c) => (process.exitCode = c));
