/**
 * CLI commands as plain functions over settings, returning an exit code (testable in-process).
 * Parsing and help are commander's (issue 25 item 1); it never exits the process here: its
 * exits come back as the codes below, and its output goes to `io`.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help, InvalidArgumentError, Option } from 'commander';
import { generateSigningKey } from '../auth/keys.js';
import { loadRegistry, summariseRegistry } from '../config/registry.js';
import { RegistryError } from '../config/registry-types.js';
import { type Settings, SettingsError } from '../config/settings.js';
import { DELIVERY_STATES } from '../delivery/delivery-list.js';
import { partnerUrlProblems } from '../delivery/webhook-target.js';
import { missingTrustSecrets, secretReader } from '../fhir/trust-credentials.js';
import { auditCommand } from './audit-commands.js';
import { deliveriesList, deliveriesReplay } from './delivery-commands.js';
import { keysRotate } from './keys-rotate.js';
import type { ProgressSink } from './progress.js';
import { retentionRun } from './retention-run.js';
import { statusCommand } from './status-command.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Raw output without a line end (exports to stdout); optional so simple test doubles work. */
  write?(chunk: string): void;
  /** Where long commands show progress (stderr); none in tests. */
  progress?: ProgressSink;
  /** Whether stdout is a terminal (an export to the screen gets no progress line). */
  stdoutIsTTY?: boolean;
}

/** The exit codes every command uses (and `--help` documents). */
export const EXIT = { ok: 0, checkFailed: 1, usage: 2 } as const;

const EXIT_CODES = `Exit codes:
  0  ok (and --help, --version)
  1  the check or action failed (e.g. invalid registry, broken audit chain, no such delivery)
  2  usage error (unknown command or option, missing or invalid argument) or invalid settings`;

const SETTINGS_NOTE =
  'Settings come from the same environment variables as the gateway (see README, Configuration);\n--help and --version need none.';

/** package.json sits two levels up from both src/cli/ and dist/cli/ (the Docker image copies it). */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Settings, or how to get them: cli/main.ts passes a function so that help and version work
 * while the environment is incomplete; the settings are read only when a command runs.
 */
export type SettingsSource = Settings | (() => Settings);

/**
 * The value of an option that takes one, as the CLI has always read them: `--out --format` is a
 * mistake, not a file called `--format`, and an option given twice is a usage error.
 */
function value(choices?: readonly string[]) {
  return (v: string, previous: string | undefined): string => {
    if (previous !== undefined) throw new InvalidArgumentError('the option is given twice.');
    if (v.startsWith('-')) throw new InvalidArgumentError('expected a value, not an option.');
    if (choices && !choices.includes(v))
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}.`);
    return v;
  };
}

export async function runCommand(
  argv: string[],
  settings: SettingsSource,
  io: CliIo,
  /** Where `env:` secret references are read (cli/main.ts passes process.env). */
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<number> {
  let code: number = EXIT.ok;
  /** The action of a command: settings read now, its exit code kept. */
  const action =
    <A extends unknown[]>(fn: (s: Settings, ...args: A) => Promise<number> | number) =>
    async (...args: A): Promise<void> => {
      let s: Settings;
      try {
        s = typeof settings === 'function' ? settings() : settings;
      } catch (err) {
        if (!(err instanceof SettingsError)) throw err;
        io.err(`homeward: ${err.message}`);
        code = EXIT.usage;
        return;
      }
      code = await fn(s, ...args);
    };
  const program = buildProgram(io, env, action);
  // `help audit export` is `audit export --help` (commander's own help command takes one name).
  const args =
    argv[0] === 'help' ? [...argv.slice(1).filter((a) => a !== '--help' && a !== '-h'), '--help'] : argv;
  try {
    await program.parseAsync(args, { from: 'user' });
    return code;
  } catch (err) {
    // exitOverride: help and version "exit" 0; every parse error is a usage error.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
}

type Action = <A extends unknown[]>(
  fn: (s: Settings, ...args: A) => Promise<number> | number,
) => (...args: A) => Promise<void>;

/** A fresh program per call: commander keeps parsed options on the command objects. */
function buildProgram(io: CliIo, env: Readonly<Record<string, string | undefined>>, action: Action): Command {
  const program = new Command('homeward')
    .usage('<command> [options]')
    .description('Homeward admin CLI: the registry, signing keys, the audit, deliveries, retention, status.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
      outputError: (s, write) => write(s.replace(/^error: /, 'homeward: ')),
    })
    .showHelpAfterError()
    .configureHelp({
      // The top level lists every command (`audit verify`), not only the groups (`audit`).
      visibleCommands(this: Help, cmd: Command): Command[] {
        const shown = Help.prototype.visibleCommands.call(this, cmd);
        if (cmd !== program) return shown;
        return shown.flatMap((c) =>
          c.commands.length > 0
            ? Help.prototype.visibleCommands.call(this, c).filter((l) => l.name() !== 'help')
            : [c],
        );
      },
      subcommandTerm(this: Help, cmd: Command): string {
        const term = Help.prototype.subcommandTerm.call(this, cmd);
        const parent = cmd.parent;
        return parent && parent !== program && parent.parent === program ? `${parent.name()} ${term}` : term;
      },
    })
    .addHelpText('after', `\n${SETTINGS_NOTE}`)
    .addHelpText('afterAll', `\n${EXIT_CODES}`);

  const config = program.command('config').description('the partner and agreement registry');
  config
    .command('check')
    .summary('validate the registry in $CONSENT_DIR and print a summary')
    .description(
      'validate partners and agreements in $CONSENT_DIR and print a summary; also check the trust secrets and partner webhook URLs the gateway checks at start (exit 1 on a problem)',
    )
    .action(action((s) => configCheck(s, io, env)));

  const keys = program.command('keys').description('the gateway signing keys in $KEYS_DIR');
  keys
    .command('generate')
    .summary('add a new signing key to $KEYS_DIR, active at once')
    .description('add a new gateway signing key (Ed25519) to $KEYS_DIR; it becomes the active key at once')
    .action(action((s) => keysGenerate(s, io)));
  keys
    .command('rotate')
    .summary('add a signing key active in 2 minutes; retire the previous one')
    .description(
      'add a new signing key that becomes active in 2 minutes; retire the previous one and remove retired keys once no token they signed can still be valid (audited: keys-rotated)',
    )
    .action(action((s) => keysRotate(s, io)));

  const audit = program.command('audit').description('the tamper-evident disclosure audit');
  audit
    .command('verify')
    .summary('recompute the audit hash chain (and check a saved checkpoint)')
    .description(
      'recompute the audit hash chain (and check it against a saved checkpoint JWS); exit 1 naming the first broken entry',
    )
    .option('--checkpoint <file>', 'a checkpoint saved from `homeward audit checkpoint`', value())
    .action(action((s, opts: { checkpoint?: string }) => auditCommand('verify', opts, s, io)));
  audit
    .command('export')
    .summary('export the audit as CSV or a FHIR Bundle')
    .description('export the audit as CSV (RFC 4180) or a FHIR Bundle of AuditEvents')
    .addOption(
      new Option('--format <format>', 'csv (the default) or a FHIR Bundle')
        .choices(['csv', 'fhir'])
        .argParser(value(['csv', 'fhir'])),
    )
    .option('--out <file>', 'write to this file (mode 0600) instead of stdout', value())
    .action(action((s, opts: { format?: string; out?: string }) => auditCommand('export', opts, s, io)));
  audit
    .command('checkpoint')
    .summary('print a new signed checkpoint of the chain head')
    .description('print a new signed checkpoint of the chain head (keep it outside the gateway)')
    .action(action((s) => auditCommand('checkpoint', {}, s, io)));

  const deliveries = program.command('deliveries').description('webhook and inbox deliveries');
  deliveries
    .command('list')
    .summary('list deliveries (dead letters: --state failed)')
    .description(
      'list webhook and inbox deliveries, tab-separated (id, state, kind, channel, recipient, attempts, last change, last error); dead letters: --state failed',
    )
    .addOption(
      new Option('--state <state>', 'only deliveries in this state')
        .choices(DELIVERY_STATES)
        .argParser(value(DELIVERY_STATES)),
    )
    .action(action((s, opts: { state?: string }) => deliveriesList(s, opts.state, io)));
  deliveries
    .command('replay')
    .summary('put dead-lettered deliveries back in the queue, audited')
    .description(
      'put a dead-lettered delivery (or all of them) back in the queue with its attempts reset, audited; exit 1 if the delivery does not exist or is not failed',
    )
    .argument('[id]', 'the delivery id (from `homeward deliveries list --state failed`)')
    .option('--all-failed', 'replay every failed delivery')
    .action(
      action((s, id: string | undefined, opts: { allFailed?: boolean }, cmd: Command) => {
        if ((id === undefined) === (opts.allFailed !== true))
          cmd.error('homeward: give a delivery id or --all-failed (one of them)', { exitCode: EXIT.usage });
        return deliveriesReplay(s, opts.allFailed === true ? { allFailed: true } : { id: id ?? '' }, io);
      }),
    );

  program
    .command('retention')
    .description('retention of raw messages and referral datasets')
    .command('run')
    .summary('purge what RETENTION_DAYS / REFERRAL_RETENTION_DAYS say is due')
    .description(
      'purge raw messages and referral datasets past RETENTION_DAYS / REFERRAL_RETENTION_DAYS now (the gateway also does it daily); audited (action purged)',
    )
    .action(action((s) => retentionRun(s, io)));

  program
    .command('status')
    .summary('one screen: partners, agreements, outbox, overdue referrals, dead letters')
    .description(
      'one screen: partners, agreements ending soon, outbox, overdue referrals, dead letters, each with what to do',
    )
    .action(action((s) => statusCommand(s, io)));

  program.helpCommand('help [command...]', 'show help for homeward or for a command');
  // --version at every level, like --help.
  const withVersion = (cmd: Command): void => {
    cmd.version(VERSION, '-V, --version', 'print the version');
    for (const sub of cmd.commands) withVersion(sub);
  };
  withVersion(program);
  return program;
}

function configCheck(
  settings: Settings,
  io: CliIo,
  env: Readonly<Record<string, string | undefined>>,
): number {
  try {
    const registry = loadRegistry(settings.consentDir);
    io.out(summariseRegistry(registry));
    // The secrets and webhook URLs the gateway checks at start (src/deps.ts), reported the same way:
    // trust secrets and (in production) webhook problems stop it; in dev webhook problems warn.
    const readSecret = secretReader(env);
    const partners = [...registry.partners.values()];
    const webhook = partnerUrlProblems(partners, readSecret, settings.delivery.allowInsecureLocalWebhooks);
    const fatal = [...missingTrustSecrets(partners, readSecret), ...(settings.production ? webhook : [])];
    if (fatal.length > 0) throw new RegistryError(fatal);
    for (const p of webhook)
      io.err(
        `Warning: ${p.file}: ${p.path}: ${p.message}${p.path.startsWith('keys.') ? '' : ' (webhook deliveries will fail)'}`,
      );
    io.out(`OK: ${registry.partners.size} partners, ${registry.agreements.length} agreement versions`);
    return 0;
  } catch (err) {
    if (err instanceof RegistryError) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
}

async function keysGenerate(settings: Settings, io: CliIo): Promise<number> {
  const kid = await generateSigningKey(settings.keysDir);
  io.out(`Generated signing key ${kid} in ${settings.keysDir} (mode 0600); it is now the active key.`);
  return 0;
}
