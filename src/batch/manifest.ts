/**
 * Batch manifests: which files make up each interaction.
 *
 * - CSV with the header `id,audio,video,frames,chat,speakers` (any order, any subset with `id` and at least one
 *   file column; RFC 4180 quoting);
 * - JSONL: one `{ id, audio?, video?, frames?, chat?, speakers? }` per line (files may also sit under `files`);
 * - a directory: files grouped by their basename stem (`call1.wav` + `call1.json` + `call1.mp4` + a `call1/` or
 *   `call1.frames/` folder of frames).
 *
 * Paths are relative to the manifest's folder (or the directory). A bad row never stops the others: it becomes a
 * `ManifestIssue` with a typed error naming the row, what is wrong and what to do.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readRegularFile } from '../runtime/read.js';
import { MAX_MANIFEST_BYTES } from '../limits.js';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { EmosigError, errorInfo } from '../errors.js';
import { csvRecords } from '../runtime/csv.js';

export const FILE_KINDS = ['audio', 'video', 'frames', 'chat'] as const;
export type FileKind = (typeof FILE_KINDS)[number];
export type InteractionFiles = Partial<Record<FileKind, string>>;

/** One interaction to analyse: absolute file paths. */
export interface Interaction {
  id: string;
  files: InteractionFiles;
  /** Speaker names in audio-channel order (the first is the customer). */
  speakers?: string[];
  /** Where it came from, for messages: `manifest.csv line 4`, `calls/ (call1.*)`. */
  origin?: string;
}

/** A row that could not be used; `id` when the row had a readable one. */
export interface ManifestIssue {
  id?: string;
  origin: string;
  error: EmosigError;
}

export interface Manifest {
  /** The manifest file or directory, absolute. */
  source: string;
  format: 'csv' | 'jsonl' | 'dir';
  interactions: Interaction[];
  issues: ManifestIssue[];
  /** Directory mode: files that matched no known kind (not analysed). */
  ignored: string[];
}

/** Ids name output files and queue jobs: letters, digits, `_ . @ + -` and spaces; no path separators or ':'. */
const ID_RE = /^[\p{L}\p{N}_][\p{L}\p{N}_.@+ -]{0,199}$/u;

export const AUDIO_EXT = ['.wav'];
export const VIDEO_EXT = ['.mp4', '.mov', '.avi', '.webm', '.mkv', '.m4v'];
export const CHAT_EXT = ['.json', '.jsonl', '.ndjson', '.csv', '.txt'];

export const isValidId = (id: string): boolean => ID_RE.test(id) && !id.endsWith('.');

/** Throws MANIFEST_ROW_INVALID unless `id` can name an output file and a queue job. */
export function checkId(id: unknown, origin: string): string {
  if (typeof id !== 'string' || !id.trim()) throw new EmosigError('MANIFEST_ROW_INVALID', `${origin}: the id is missing; give every interaction a unique id (it names the output file)`);
  const s = id.trim();
  if (!isValidId(s)) {
    throw new EmosigError(
      'MANIFEST_ROW_INVALID',
      `${origin}: id '${s.slice(0, 80)}' cannot name an output file; use up to 200 letters, digits, spaces and _ . @ + - (no '/', '\\' or ':', not starting with '.' or '-')`,
    );
  }
  return s;
}

/**
 * Check that each given file exists and has the right type (frames: a folder or an image; others: a file).
 * Throws INPUT_NOT_FOUND / INPUT_IS_DIRECTORY naming the row (or job), the file and what to do.
 */
export function checkFiles(files: InteractionFiles, origin: string): void {
  const kinds = FILE_KINDS.filter((k) => files[k] !== undefined);
  if (!kinds.length) throw new EmosigError('MANIFEST_ROW_INVALID', `${origin}: no input file; give at least one of ${FILE_KINDS.join(', ')}`);
  if (files.video !== undefined && files.frames !== undefined) {
    throw new EmosigError('MANIFEST_ROW_INVALID', `${origin}: both video and frames are given; keep one (the video's frames or the frame folder)`);
  }
  for (const k of kinds) {
    const p = files[k]!;
    if (!existsSync(p)) throw new EmosigError('INPUT_NOT_FOUND', `${origin}: the ${k} file ${p} does not exist; fix the path (relative to the manifest's folder) or leave the ${k} field empty`);
    const st = statSync(p);
    if (k !== 'frames' && st.isDirectory()) {
      throw new EmosigError('INPUT_IS_DIRECTORY', `${origin}: the ${k} path ${p} is a folder, not a file${k === 'video' ? '; a folder of images goes in the frames field' : ''}`);
    }
    if (!st.isDirectory() && !st.isFile()) {
      throw new EmosigError('INPUT_NOT_A_FILE', `${origin}: the ${k} path ${p} is not a regular file (a device, FIFO or socket); save the ${k} to a file`);
    }
  }
}

/** Speaker names from `customer,agent`, `customer;agent`, `customer|agent` or a JSON array. */
function parseSpeakers(v: unknown, origin: string): string[] | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[,;|]/) : undefined;
  if (!list || list.some((s) => typeof s !== 'string' || !s.trim())) {
    throw new EmosigError('MANIFEST_ROW_INVALID', `${origin}: speakers must be names separated by ',', ';' or '|' (e.g. "customer|agent"), or a JSON list of names`);
  }
  const names = (list as string[]).map((s) => s.trim());
  if (new Set(names.map((s) => s.toLowerCase())).size !== names.length) throw new EmosigError('MANIFEST_ROW_INVALID', `${origin}: speaker names must differ (got ${names.join(', ')})`);
  return names;
}

/** Build one interaction from raw fields; throws a typed error naming `origin`. */
function interactionOf(raw: Record<string, unknown>, base: string, origin: string): Interaction {
  const id = checkId(raw.id, origin);
  const where = `${origin} (${id})`;
  const files: InteractionFiles = {};
  for (const k of FILE_KINDS) {
    const v = raw[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') throw new EmosigError('MANIFEST_ROW_INVALID', `${where}: ${k} must be a path (a string), got ${JSON.stringify(v).slice(0, 60)}`);
    files[k] = resolve(base, v.trim());
  }
  checkFiles(files, where);
  const speakers = parseSpeakers(raw.speakers, where);
  return { id, files, ...(speakers ? { speakers } : {}), origin };
}

function issue(e: unknown, origin: string, id?: unknown): ManifestIssue {
  const error = e instanceof EmosigError ? e : new EmosigError('MANIFEST_ROW_INVALID', `${origin}: ${errorInfo(e).message}`);
  return { ...(typeof id === 'string' && id.trim() ? { id: id.trim() } : {}), origin, error };
}

/** Move the second and later uses of an id to `issues`. */
function dedupe(m: Manifest, firstSeen: Map<string, string>): void {
  const keep: Interaction[] = [];
  for (const it of m.interactions) {
    const prev = firstSeen.get(it.id.toLowerCase());
    if (prev !== undefined) {
      m.issues.push({ id: it.id, origin: it.origin ?? it.id, error: new EmosigError('MANIFEST_ROW_INVALID', `${it.origin}: id '${it.id}' is already used by ${prev} (ids are compared ignoring case, since they name files); give each interaction its own id`) });
    } else {
      firstSeen.set(it.id.toLowerCase(), it.origin ?? it.id);
      keep.push(it);
    }
  }
  m.interactions = keep;
  const line = (i: ManifestIssue) => Number(/ line (\d+)/.exec(i.origin)?.[1] ?? 0);
  m.issues.sort((a, b) => line(a) - line(b)); // stable: folder issues keep their order
}

const COLUMNS = ['id', ...FILE_KINDS, 'speakers'];

/** Parse a CSV manifest's text (`path` names it in messages; file paths are relative to `base`). */
export function parseCsvManifest(text: string, path: string, base = dirname(resolve(path))): Manifest {
  const m: Manifest = { source: resolve(path), format: 'csv', interactions: [], issues: [], ignored: [] };
  const name = basename(path);
  const recs = csvRecords(text.replace(/^\uFEFF/, ''));
  if (!recs.length) throw new EmosigError('MANIFEST_INVALID', `the manifest is empty; write a header line ${COLUMNS.join(',')} and one line per interaction`, { input: path });
  const header = recs[0].fields.map((h) => h.trim().toLowerCase());
  const unknown = header.filter((h) => !COLUMNS.includes(h));
  if (unknown.length || !header.includes('id') || !FILE_KINDS.some((k) => header.includes(k)) || new Set(header).size !== header.length) {
    throw new EmosigError(
      'MANIFEST_INVALID',
      `line 1: the header '${recs[0].fields.join(',').slice(0, 120)}' ${unknown.length ? `has unknown column(s) ${unknown.join(', ')}` : 'must name each column once, with id and at least one file column'}; use the columns ${COLUMNS.join(',')}`,
      { input: path },
    );
  }
  for (const r of recs.slice(1)) {
    const origin = `${name} line ${r.line}`;
    const raw = Object.fromEntries(header.map((h, i) => [h, r.fields[i]?.trim() ?? '']));
    try {
      if (r.error) throw new EmosigError('MANIFEST_ROW_INVALID', `${origin}: ${r.error}; close the quote`);
      if (r.fields.length !== header.length) {
        throw new EmosigError('MANIFEST_ROW_INVALID', `${origin}: ${r.fields.length} fields where the header has ${header.length} (${header.join(',')}); quote values that contain commas`);
      }
      m.interactions.push(interactionOf(raw, base, origin));
    } catch (e) {
      m.issues.push(issue(e, origin, raw.id));
    }
  }
  dedupe(m, new Map());
  return m;
}

const JSONL_KEYS = ['id', 'interactionId', ...FILE_KINDS, 'speakers', 'files'];

/** Parse a JSONL manifest's text: one JSON object per line; blank lines are skipped. */
export function parseJsonlManifest(text: string, path: string, base = dirname(resolve(path))): Manifest {
  const m: Manifest = { source: resolve(path), format: 'jsonl', interactions: [], issues: [], ignored: [] };
  const name = basename(path);
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (!line.trim()) return;
      const origin = `${name} line ${i + 1}`;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        m.issues.push(issue(new EmosigError('MANIFEST_ROW_INVALID', `${origin}: not valid JSON (${(e as Error).message}); write one JSON object per line`), origin));
        return;
      }
      const o = obj as Record<string, unknown>;
      try {
        if (!o || typeof o !== 'object' || Array.isArray(o)) throw new EmosigError('MANIFEST_ROW_INVALID', `${origin}: expected a JSON object { "id": ..., "audio": ..., ... }`);
        const extra = Object.keys(o).filter((k) => !JSONL_KEYS.includes(k));
        if (extra.length) throw new EmosigError('MANIFEST_ROW_INVALID', `${origin}: unknown field(s) ${extra.join(', ')}; use ${JSONL_KEYS.join(', ')}`);
        const nested = o.files;
        if (nested !== undefined && (typeof nested !== 'object' || nested === null || Array.isArray(nested))) throw new EmosigError('MANIFEST_ROW_INVALID', `${origin}: files must be an object { audio?, video?, frames?, chat? }`);
        m.interactions.push(interactionOf({ ...(nested as object | undefined), ...o, id: o.id ?? o.interactionId }, base, origin));
      } catch (e) {
        m.issues.push(issue(e, origin, o?.id ?? o?.interactionId));
      }
    });
  if (!m.interactions.length && !m.issues.length) throw new EmosigError('MANIFEST_INVALID', 'the manifest lists no interactions; write one JSON object per line', { input: path });
  dedupe(m, new Map());
  return m;
}

const IMAGE_EXT = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif', '.bmp'];

/**
 * Group a directory's files by basename stem. A sub-folder `X`, `X.frames` or `X_frames` holding images is the
 * frames of interaction `X`. Hidden files, `exclude` (the output folder) and unknown extensions are skipped.
 */
export function scanDirectory(dir: string, opts: { exclude?: string[] } = {}): Manifest {
  const root = resolve(dir);
  const m: Manifest = { source: root, format: 'dir', interactions: [], issues: [], ignored: [] };
  const exclude = new Set((opts.exclude ?? []).map((p) => resolve(p)));
  const groups = new Map<string, { files: Partial<Record<FileKind, string[]>> }>();
  const add = (stem: string, kind: FileKind, path: string) => {
    const g = groups.get(stem) ?? { files: {} };
    (g.files[kind] ??= []).push(path);
    groups.set(stem, g);
  };
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(root, entry.name);
    if (entry.name.startsWith('.') || exclude.has(p)) continue;
    if (entry.isDirectory()) {
      const hasImages = readdirSync(p).some((f) => IMAGE_EXT.includes(extname(f).toLowerCase()));
      if (hasImages) add(entry.name.replace(/[._]frames$/i, ''), 'frames', p);
      else m.ignored.push(p);
      continue;
    }
    const ext = extname(entry.name).toLowerCase();
    const stem = entry.name.slice(0, entry.name.length - ext.length);
    const kind: FileKind | undefined = AUDIO_EXT.includes(ext) ? 'audio' : VIDEO_EXT.includes(ext) ? 'video' : CHAT_EXT.includes(ext) ? 'chat' : undefined;
    if (kind && stem) add(stem, kind, p);
    else m.ignored.push(p);
  }
  const label = basename(root) + '/';
  for (const [stem, g] of groups) {
    const origin = `${label} (${stem}.*)`;
    try {
      const files: InteractionFiles = {};
      for (const k of FILE_KINDS) {
        const list = g.files[k];
        if (!list) continue;
        if (list.length > 1) throw new EmosigError('MANIFEST_ROW_INVALID', `${origin}: ${list.length} ${k} inputs (${list.map((f) => basename(f)).join(', ')}); keep one, or rename them to different stems`);
        files[k] = list[0];
      }
      const id = checkId(stem, origin);
      checkFiles(files, origin);
      m.interactions.push({ id, files, origin });
    } catch (e) {
      m.issues.push(issue(e, origin, stem));
    }
  }
  if (!m.interactions.length && !m.issues.length) {
    throw new EmosigError('MANIFEST_INVALID', `no interaction found: name files by interaction, e.g. call1.wav, call1.json (chat), call1.mp4, call1/ (frames); known extensions: ${[...AUDIO_EXT, ...VIDEO_EXT, ...CHAT_EXT].join(' ')}`, { input: dir });
  }
  dedupe(m, new Map());
  return m;
}

/** Read a manifest (`.csv`, `.jsonl` / `.ndjson`) or scan a directory. */
export function readManifest(path: string, opts: { exclude?: string[] } = {}): Manifest {
  if (!existsSync(path)) throw new EmosigError('INPUT_NOT_FOUND', 'the manifest or input folder does not exist; pass a .csv / .jsonl manifest or a folder of interaction files', { input: path });
  if (statSync(path).isDirectory()) return scanDirectory(path, opts);
  const ext = extname(path).toLowerCase();
  const text = readRegularFile(path, { maxBytes: MAX_MANIFEST_BYTES, what: 'a batch manifest' }).toString('utf8');
  if (ext === '.csv') return parseCsvManifest(text, path);
  if (ext === '.jsonl' || ext === '.ndjson') return parseJsonlManifest(text, path);
  throw new EmosigError('MANIFEST_INVALID', `unknown manifest type '${ext || '(none)'}'; use a .csv (header ${COLUMNS.join(',')}) or .jsonl file, or a folder`, { input: path });
}
