/**
 * Write schema/signature.v2.json (schemaVersion 1.1) from the zod definition in src/signature/schema.ts.
 * schema/signature.v1.json (schemaVersion 1.0, before the cx block) stays committed as it was, for old consumers.
 *
 *   npx tsx scripts/fusion-schema.ts          # write it
 *   npx tsx scripts/fusion-schema.ts --check  # exit 1 if the committed file differs
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/runtime/paths.js';
import { signatureJsonSchema } from '../src/signature/schema.js';

export const SCHEMA_FILE = join(packageRoot(), 'schema', 'signature.v2.json');
/** The 1.0 schema, frozen. */
export const SCHEMA_FILE_V1 = join(packageRoot(), 'schema', 'signature.v1.json');

export function schemaText(): string {
  return JSON.stringify(signatureJsonSchema(), null, 2) + '\n';
}

if (process.argv[1] && /fusion-schema\.(js|ts)$/.test(process.argv[1])) {
  const text = schemaText();
  if (process.argv.includes('--check')) {
    const same = existsSync(SCHEMA_FILE) && readFileSync(SCHEMA_FILE, 'utf8') === text;
    console.error(same ? `${SCHEMA_FILE} is up to date` : `${SCHEMA_FILE} differs from src/signature/schema.ts: run npx tsx scripts/fusion-schema.ts`);
    process.exit(same ? 0 : 1);
  }
  mkdirSync(join(packageRoot(), 'schema'), { recursive: true });
  writeFileSync(SCHEMA_FILE, text);
  console.error(`wrote ${SCHEMA_FILE}`);
}
