/**
 * The one CSV reader of emosig (chat transcripts, batch manifests, the voice speakers manifest), on the csv-parse
 * package: RFC 4180, quoted fields with commas, quotes ("") and line breaks, a UTF-8 BOM, CRLF. Columns are read
 * by header name, never by position.
 */
import { parse } from 'csv-parse/sync';
import { EmosigError, type EmosigErrorCode } from '../errors.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based line the record starts on. */
  line: number;
  /** Why the record could not be read (e.g. a quote never closed); its fields are then empty. */
  error?: string;
}

/** Every record of a CSV text with its starting line; a broken record is reported, the others are kept. */
export function csvRecords(src: string): CsvRecord[] {
  const recs: CsvRecord[] = [];
  const rows = parse(src, {
    bom: true,
    relax_column_count: true,
    relax_quotes: true, // a stray quote inside an unquoted field is kept literally
    skip_empty_lines: true,
    info: true,
    raw: true,
    skip_records_with_error: true,
    on_skip: (e: { code?: string; message: string; lines?: number } | undefined) => {
      if (!e) return;
      const line = e.lines ?? 0;
      recs.push({ fields: [], line, error: e.code === 'CSV_QUOTE_NOT_CLOSED' ? `a quoted field opened on line ${line} is never closed` : e.message });
    },
  }) as unknown as { record: string[]; info: { lines: number }; raw: string }[];
  for (const r of rows) {
    // info.lines is the line the record ends on; a quoted field may span lines
    const inner = r.raw.replace(/\r?\n$/, '').split('\n').length - 1;
    recs.push({ fields: r.record, line: r.info.lines - inner });
  }
  return recs.sort((a, b) => a.line - b.line);
}

export interface CsvTable {
  /** Header names, trimmed and lower-cased, in file order. */
  header: string[];
  /** Data rows as `{ column: value }` (values trimmed), with their line; rows with a wrong field count are issues. */
  rows: { values: Record<string, string>; line: number }[];
  issues: { line: number; message: string }[];
}

/**
 * A CSV file with a header line, read by column name. `required` lists the columns that must be there (each
 * entry: one name, or alternatives); a header without them is a typed `code` error naming what is missing.
 */
export function readCsvTable(src: string, opts: { input?: string; required: (string | string[])[]; code: EmosigErrorCode; example: string }): CsvTable {
  const recs = csvRecords(src);
  const first = recs[0];
  if (!first || first.error) {
    throw new EmosigError(opts.code, `${first ? `line 1: ${first.error}` : 'the file is empty'}; the first line must be a header, e.g. ${opts.example}`, { input: opts.input });
  }
  const header = first.fields.map((h) => h.trim().toLowerCase());
  const missing = opts.required.filter((r) => !(Array.isArray(r) ? r : [r]).some((n) => header.includes(n)));
  if (missing.length) {
    throw new EmosigError(
      opts.code,
      `the header (line 1: ${first.fields.join(',').slice(0, 120)}) has no ${missing.map((m) => (Array.isArray(m) ? m.join(' / ') : m)).join(', ')} column; the first line must name the columns, e.g. ${opts.example}`,
      { input: opts.input },
    );
  }
  const table: CsvTable = { header, rows: [], issues: [] };
  for (const r of recs.slice(1)) {
    if (r.error) table.issues.push({ line: r.line, message: `line ${r.line}: ${r.error}` });
    else if (r.fields.length !== header.length) {
      table.issues.push({ line: r.line, message: `line ${r.line}: ${r.fields.length} fields but the header has ${header.length} (quote values that contain commas)` });
    } else table.rows.push({ values: Object.fromEntries(header.map((h, i) => [h, r.fields[i].trim()])), line: r.line });
  }
  return table;
}
