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

let settings: ReturnType<typeof parseSettings>;
try {
  settings = parseSettings(process.env);
} catch (err) {
  io.err(`homeward: ${(err as Error).message}`);
  process.exit(2);
}
process.exitCode = await runCommand(process.argv.slice(2), settings, io, process.env);
