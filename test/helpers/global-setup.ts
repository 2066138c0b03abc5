import { execFileSync } from 'node:child_process';

/** Compile src/ to dist/ so tests that start the real gateway or CLI in a child process run current code. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
