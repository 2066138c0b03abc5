import { execFileSync } from 'node:child_process';

/**
 * Compile src/ to dist/ so tests that start the real gateway or CLI in a child process run
 * current code. HOMEWARD_SKIP_BUILD=1 skips it when iterating on in-process tests only.
 */
export default function setup(): void {
  if (process.env.HOMEWARD_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
