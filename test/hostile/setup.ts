/** vitest globalSetup: start each test run with an empty hostile-outcome log (.cache/hostile). */
import { rmSync } from 'node:fs';

export default function setup(): void {
  rmSync('.cache/hostile', { recursive: true, force: true });
}
