/**
 * emosig face INPUT... [--fps 5] [--assume-face] [--json | --jsonl] [--model ensemble|faceapi|human|own]
 *                      [--crop box|landmarks] [--no-tta] [--max-frames N] [--min-score X] [--input-size N] [--max-faces N]
 * INPUT is an image, a directory of frames or a video file.
 */
import { DEFAULT_FPS, checkFps } from '../signature/time.js';
import { DEFAULT_CONFIG } from '../config.js';
import { EmosigError, errorInfo } from '../errors.js';
import { CONFIG_HELP, detectorFlags, fail, parseCommand, progressBar, commandConfig, writeOut } from './common.js';
import { createFaceAnalyzer, inputKind, listFrames, type AnalyzeFacesOptions, type FaceModelName, type FaceResult, type FrameReading } from '../vision/index.js';
import { decodeImage } from '../vision/decode.js';
import { videoFrames } from '../vision/video.js';
import type { DetectorName } from '../vision/models.js';

const HELP = `Usage: emosig face INPUT... [options]

INPUT is an image (jpg, png, webp, tiff, gif), a directory of frames or a video (mp4, avi, webm, mov).

Options:
  --fps N            video sampling rate and frame-folder clock, in [0.01, 60] (default 5, as in analyze)
  --assume-face      each image is one pre-cropped face (e.g. FER2013); skip detection
  --model NAME       ensemble (default), faceapi, human or own (emosig's FER2013-trained CNN)
  --detector NAME    tiny (default and only: face-api's TinyFaceDetector, on ONNX Runtime)
  --crop NAME        box (default: face-api's own crop, the detection box) or landmarks (eye-levelled)
  --no-tta           no mirror test-time augmentation (faster)
  --max-frames N     stop each video after N frames
  --min-score X      detector score a face must exceed, in [0, 1] (default 0.3)
  --input-size N     detector input side in px, a multiple of 32 from 96 to 1024 (default 320;
                     larger finds smaller faces, e.g. 608 for a gallery view, and costs time)
  --max-faces N      faces classified per frame, highest score first, 1 to 100 (default 20)
${CONFIG_HELP}
                           (read here: face.fps, face.minScore, face.inputSize, face.maxFaces;
                           the flags override them)
  --json             one JSON document (FaceReading per input)
  --jsonl            one line per image ({file, faces}) or per video frame ({file, time, faces});
                     a failed input prints {file, error: {code, message}} and the others still run
  -h, --help
Exit code 1 if any input failed.
`;

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand('face', HELP, {
    args: argv,
    allowPositionals: true,
    options: {
      fps: { type: 'string' },
      'assume-face': { type: 'boolean' },
      model: { type: 'string' },
      detector: { type: 'string' },
      crop: { type: 'string' },
      'no-tta': { type: 'boolean' },
      'max-frames': { type: 'string' },
      'min-score': { type: 'string' },
      'input-size': { type: 'string' },
      'max-faces': { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean' },
      jsonl: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  if (!positionals.length) fail(`face: no INPUT given\n\n${HELP}`);
  if (v.json && v.jsonl) fail('face: use either --json or --jsonl');
  // --config FILE: face.fps of an EmosigConfig; --fps overrides it
  const c = commandConfig('face', v.config);
  if (typeof c === 'number') return c;
  let fps = c.config?.face.fps ?? DEFAULT_FPS;
  try {
    if (v.fps !== undefined) fps = checkFps(Number(v.fps), '--fps');
  } catch (e) {
    fail(`face: ${errorInfo(e).message}`);
  }
  const maxFrames = v['max-frames'] === undefined ? undefined : Number(v['max-frames']);
  if (maxFrames !== undefined && !(Number.isInteger(maxFrames) && maxFrames > 0)) fail(`face: --max-frames must be a positive number`);
  const model = (v.model ?? 'ensemble') as FaceModelName;
  if (!['ensemble', 'faceapi', 'human', 'own'].includes(model)) fail(`face: --model must be ensemble, faceapi, human or own`);
  const detector = (v.detector ?? 'tiny') as DetectorName;
  if (detector !== 'tiny') fail(`face: --detector must be tiny (SSD MobileNet was dropped with TF.js)`);
  const crop = v.crop as AnalyzeFacesOptions['crop'];
  if (crop !== undefined && crop !== 'box' && crop !== 'landmarks') fail(`face: --crop must be box or landmarks`);
  const mode: 'json' | 'jsonl' | 'human' = v.jsonl ? 'jsonl' : v.json ? 'json' : 'human';
  // detector settings: each flag checked as its config field, over --config's face.*
  let flags: ReturnType<typeof detectorFlags> = {};
  try {
    flags = detectorFlags(v);
  } catch (e) {
    fail(`face: ${(e as Error).message}`);
  }
  const { minScore, inputSize, maxFaces } = { ...(c.config?.face ?? DEFAULT_CONFIG.face), ...flags };
  const opts: AnalyzeFacesOptions = { fps, assumeFace: v['assume-face'] ?? false, model, detector, crop, tta: !v['no-tta'], maxFrames, minScore, inputSize, maxFaces };

  const analyzerFor = () => createFaceAnalyzer(opts);
  let failed = 0;
  const docs: unknown[] = [];
  const bar = mode === 'jsonl' ? progressBar(positionals.length, 'face') : { tick() {}, stop() {} };
  try {
    for (const input of positionals) {
      try {
        // A fresh analyser per input: tracks never span two inputs.
        const a = await analyzerFor();
        const frames: FrameReading[] = [];
        const kind = await inputKind(input);
        const out = async (f: FrameReading, perFrame: boolean) => {
          if (mode === 'jsonl') {
            await writeOut(JSON.stringify(perFrame ? { file: input, time: f.time, faces: slim(f.faces) } : { file: f.source, faces: slim(f.faces) }));
          } else frames.push(f);
        };
        if (kind === 'video') {
          for await (const vf of videoFrames(input, { fps, maxFrames })) await out(await a.frame(vf.image, vf.time, input), true);
        } else if (kind === 'dir') {
          const list = await listFrames(input, fps);
          if (!list.length) throw new EmosigError('INPUT_NOT_FOUND', 'the directory holds no image files (jpg, png, webp, tiff, gif)', { input });
          for (const f of list) {
            try {
              await out(await a.frame(await decodeImage(f.path), f.time, f.path), false);
            } catch (e) {
              failed++;
              if (mode === 'jsonl') await writeOut(JSON.stringify({ file: f.path, error: errorInfo(e) }));
              else process.stderr.write(`emosig: ${f.path}: ${errorInfo(e).message}\n`);
            }
          }
        } else {
          await out(await a.frame(await decodeImage(input), 0, input), false);
        }
        if (mode !== 'jsonl') {
          const doc = { file: input, backend: a.backend, model: a.model, detector: a.detector, frames: frames.map((f) => ({ ...f, faces: slim(f.faces) })), tracks: a.tracks() };
          if (mode === 'json') docs.push(doc);
          else await writeOut(human(doc.file, kind, frames, doc.tracks, a.backend));
        }
      } catch (e) {
        failed++;
        const err = errorInfo(e);
        if (mode === 'jsonl') await writeOut(JSON.stringify({ file: input, error: err }));
        else process.stderr.write(`emosig: ${err.code}: ${err.message}\n`);
      }
      bar.tick();
    }
  } finally {
    bar.stop();
  }
  if (mode === 'json') await writeOut(JSON.stringify(docs.length === 1 && positionals.length === 1 ? docs[0] : docs, null, 2));
  return failed > 0 ? 1 : 0;
}

/** Drop the detailed quality parts from CLI output (kept in the API). */
function slim(faces: FaceResult[]): unknown[] {
  return faces.map(({ qualityParts: _q, ...f }) => f);
}

function human(file: string, kind: string, frames: FrameReading[], tracks: { trackId: number; summary: { label: string; valence: number; arousal: number }; microExpressions: unknown[] }[], backend: string): string {
  const nFaces = frames.reduce((s, f) => s + f.faces.length, 0);
  const lines = [`${file} (${kind}, ${frames.length} frame${frames.length === 1 ? '' : 's'}, ${nFaces} face${nFaces === 1 ? '' : 's'}, backend ${backend})`];
  if (kind !== 'video' && frames.length === 1) {
    for (const f of frames[0].faces) {
      const top = Object.entries(f.emotions).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([l, p]) => `${l} ${p.toFixed(2)}`).join(', ');
      lines.push(`  face at [${f.box.map((x) => Math.round(x)).join(', ')}]: ${top} | valence ${f.valence.toFixed(2)} arousal ${f.arousal.toFixed(2)} quality ${f.quality.toFixed(2)}`);
    }
    if (!frames[0].faces.length) lines.push('  no face found');
  } else {
    for (const t of tracks) lines.push(`  track ${t.trackId}: ${t.summary.label} (valence ${t.summary.valence.toFixed(2)}, arousal ${t.summary.arousal.toFixed(2)}), ${t.microExpressions.length} micro-expression(s)`);
    if (!tracks.length) lines.push('  no face found');
  }
  return lines.join('\n');
}
