/**
 * Files inside the installed face packages (@vladmandic/face-api, @vladmandic/human): devDependencies used
 * only to convert their weights to ONNX (scripts/face-convert.ts) and as the reference in tests and benches.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../src/runtime/paths.js';

const req = createRequire(join(packageRoot(), 'package.json'));

/** Absolute path of a file inside an installed package (walks up from its entry point when `exports` hides package.json). */
export function modelFile(pkg: string, file: string): string {
  try {
    return join(dirname(req.resolve(`${pkg}/package.json`)), file);
  } catch {
    let dir = dirname(req.resolve(pkg));
    for (let i = 0; i < 6; i++) {
      const pj = join(dir, 'package.json');
      if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === pkg) return join(dir, file);
      dir = dirname(dir);
    }
    throw new Error(`cannot locate the folder of package ${pkg}`);
  }
}
