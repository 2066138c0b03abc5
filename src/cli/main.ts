/**
 * `homeward <command>`: the admin CLI. Like main.ts it is an entry point, so it reads env
 * (the same settings as the gateway) and nothing below it does.
 */
import { parseSettings } from '../config/settings.js';
import { type CliIo, runCommand } from './commands.js';

const io: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  write: (chunk) => process.stdout.write(chunk),
  progress: { isTTY: process.stderr.isTTY === true, write: (text) => process.stderr.write(text) },
  stdoutIsTTY: process.stdout.isTTY === true,
};

// A reader that stops early (`homeward --help | head -3`) closes the pipe: stop quietly with the
// command's exit code, as Unix tools do, instead of crashing on EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

// Settings are read only when a command runs, so `--help` and `--version` work with an
// incomplete environment; invalid settings stop a command with exit 2 (src/cli/commands.ts).
process.exitCode = await runCommand(process.argv.slice(2), () => parseSettings(process.env), io, process.env);
