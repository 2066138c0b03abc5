import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import { parseSettings, type Settings } from '../../src/config/settings.js';

const run = promisify(execFile);
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

/** Settings that must never be read: help and version need no environment. */
const noSettings = (): Settings => {
  throw new Error('settings were read');
};

async function cli(argv: string[], settings: Settings | (() => Settings) = noSettings) {
  const t = io();
  const code = await runCommand(argv, settings, t.io);
  return { code, out: t.out.join('\n'), err: t.err.join('\n') };
}

describe('homeward --help and --version (issue 25 item 1)', () => {
  it.each([
    ['--help'],
    ['-h'],
    ['help'],
  ])('%s prints the commands and the exit codes, exit 0', async (flag) => {
    const r = await cli([flag]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: homeward');
    for (const c of ['config', 'keys', 'audit', 'deliveries', 'retention', 'status', 'help'])
      expect(r.out).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(r.out).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*\n\s+2\s+usage error/);
    expect(r.err).toBe('');
  });

  it('--version prints the package.json version, exit 0', async () => {
    const r = await cli(['--version']);
    expect(r).toEqual({ code: 0, out: VERSION, err: '' });
  });

  // Each leaf command, with an option or argument its help must describe.
  const leaves: [string[], RegExp][] = [
    [['config', 'check'], /CONSENT_DIR/],
    [['keys', 'generate'], /KEYS_DIR/],
    [['keys', 'rotate'], /retire/],
    [['audit', 'verify'], /--checkpoint <file>/],
    [['audit', 'export'], /--format <format>[\s\S]*csv[\s\S]*fhir[\s\S]*--out <file>/],
    [['audit', 'checkpoint'], /checkpoint/],
    [['deliveries', 'list'], /--state <state>[\s\S]*failed/],
    [['deliveries', 'replay'], /\[id\][\s\S]*--all-failed/],
    [['retention', 'run'], /RETENTION_DAYS/],
    [['status'], /dead\s+letters/],
  ];
  it.each(leaves)('%s --help describes its options, exit 0', async (command, describes) => {
    for (const flag of ['--help', '-h']) {
      const r = await cli([...command, flag]);
      expect(r.code, `${command.join(' ')} ${flag}`).toBe(0);
      expect(r.out).toContain(`Usage: homeward ${command.join(' ')}`);
      expect(r.out).toMatch(describes);
      expect(r.out).toContain('Exit codes:');
    }
    const v = await cli([...command, '--version']);
    expect(v).toEqual({ code: 0, out: VERSION, err: '' });
  });

  it.each([
    ['config'],
    ['keys'],
    ['audit'],
    ['deliveries'],
    ['retention'],
  ])('%s --help lists its subcommands, exit 0', async (group) => {
    const r = await cli([group, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: homeward ${group}`);
    expect(r.out).toMatch(/Commands:/);
  });

  it('help <command> and help --help show help, exit 0', async () => {
    const r = await cli(['help', 'audit', 'export']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: homeward audit export');
    const h = await cli(['help', '--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('Usage: homeward');
  });

  it('deliveries replay --help shows help and never looks for a delivery called --help', async () => {
    const r = await cli(['deliveries', 'replay', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: homeward deliveries replay');
    expect(r.err).not.toContain('No delivery');
  });

  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['keys', 'frobnicate'], /unknown command 'frobnicate'/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['status', '--frobnicate'], /unknown option '--frobnicate'/],
    [['deliveries', 'list', '--state', 'lost'], /'lost' is invalid/],
    [['audit', 'export', '--out'], /'--out <file>' argument missing/],
    [['status', 'extra'], /too many arguments/],
    [['audit', 'export', '--out', '--format'], /'--format' is invalid/],
    [['audit', 'verify', '--checkpoint', 'a', '--checkpoint', 'b'], /given twice/],
    [['deliveries', 'replay', 'x', '--all-failed'], /a delivery id or --all-failed/],
  ])('%s exits 2 naming what is wrong', async (argv, names) => {
    const r = await cli(argv, parseSettings({}));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(names);
    expect(r.out).toBe('');
  });

  it('no command prints the help on stderr, exit 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: homeward');
  });

  it('bad settings do not stop help, and stop a command with exit 2 naming the problem', async () => {
    const bad = () => parseSettings({ PORT: 'abc' });
    expect((await cli(['status', '--help'], bad)).code).toBe(0);
    const r = await cli(['status'], bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain('PORT must be a whole number');
  });
});

describe('the built CLI (bin/homeward.js, a real process)', () => {
  it('--help and --version exit 0 even with settings that would stop a command', async () => {
    const env = { ...process.env, NODE_ENV: 'production', PORT: 'abc' };
    const help = await run(process.execPath, ['bin/homeward.js', '--help'], { env });
    expect(help.stdout).toContain('Usage: homeward');
    expect(help.stdout).toContain('Exit codes:');
    const replay = await run(process.execPath, ['bin/homeward.js', 'deliveries', 'replay', '--help'], {
      env,
    });
    expect(replay.stdout).toContain('Usage: homeward deliveries replay');
    const version = await run(process.execPath, ['bin/homeward.js', '--version'], { env });
    expect(version.stdout.trim()).toBe(VERSION);
    const failed = await run(process.execPath, ['bin/homeward.js', 'status'], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('PORT must be a whole number');
  });
});
