/**
 * Copy the text tables the scripts produced into README.md and models/text/MODEL_CARD.md, so the figures there are
 * the scripts' own output:
 *   - the leave-one-domain-out table (first table of bench/results/text-lodo.md, `npx tsx scripts/text-lodo.ts`);
 *   - the side-by-side table with VADER (bench/results/text.md, `npm run bench:text`).
 *
 *   npx tsx scripts/text-readme-tables.ts
 *
 * Each table is found in the target file by its header line and replaced with the current one (rows only).
 */
import { readFileSync, writeFileSync } from 'node:fs';

const tableAfter = (src: string, header: string): string[] => {
  const lines = src.split('\n');
  const i = lines.findIndex((l) => l.startsWith(header));
  if (i < 0) throw new Error(`table "${header}" not found`);
  let j = i;
  while (j < lines.length && lines[j].startsWith('|')) j++;
  return lines.slice(i, j);
};
const replaceTable = (doc: string, header: string, table: string[], file: string): string => {
  const lines = doc.split('\n');
  let n = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith(header)) continue;
    let j = i;
    while (j < lines.length && lines[j].startsWith('|')) j++;
    lines.splice(i, j - i, ...table);
    i += table.length;
    n++;
  }
  if (!n) throw new Error(`${file}: no table "${header}"`);
  return lines.join('\n');
};

const LODO_HEADER = '| held-out domain | test set | classes | n | epoch |';
const SIDE_HEADER = '| set | domain | classes | n | emosig';
const lodo = tableAfter(readFileSync('bench/results/text-lodo.md', 'utf8'), LODO_HEADER);
const side = tableAfter(readFileSync('bench/results/text.md', 'utf8'), SIDE_HEADER);
for (const file of ['README.md', 'models/text/MODEL_CARD.md']) {
  let doc = readFileSync(file, 'utf8');
  doc = replaceTable(doc, LODO_HEADER, lodo, file);
  doc = replaceTable(doc, SIDE_HEADER, side, file);
  writeFileSync(file, doc);
  process.stderr.write(`${file}: LODO (${lodo.length - 2} rows) and side-by-side (${side.length - 2} rows) tables written\n`);
}
