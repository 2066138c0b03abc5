/**
 * CLI commands as plain functions over settings, returning an exit code (testable in-process).
 * Exit codes: 0 ok, 1 the check failed (e.g. invalid registry), 2 usage error.
 */
import { generateSigningKey } from '../auth/keys.js';
import { loadRegistry, summariseRegistry } from '../config/registry.js';
import { RegistryError } from '../config/registry-types.js';
import type { Settings } from '../config/settings.js';
import { partnerUrlProblems } from '../delivery/webhook-target.js';
import { missingTrustSecrets, secretReader } from '../fhir/trust-credentials.js';
import { AUDIT_USAGE, auditCommand } from './audit-commands.js';
import { DELIVERIES_USAGE, deliveriesCommand } from './delivery-commands.js';
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

export const USAGE = `Usage: homeward <command>

Commands:
  config check     validate partners and agreements in $CONSENT_DIR and print a summary
  keys generate    add a new gateway signing key (Ed25519) to $KEYS_DIR; it becomes the active key
  keys rotate      add a new signing key that becomes active in 2 minutes; retire the previous one and
                   remove retired keys once no token they signed can still be valid
${AUDIT_USAGE}
${DELIVERIES_USAGE}
  retention run    purge raw messages and referral datasets past RETENTION_DAYS / REFERRAL_RETENTION_DAYS
  status           one screen: partners, agreements ending soon, outbox, overdue referrals, dead letters
  help             show this text

Settings come from the same environment variables as the gateway (see README, Configuration).`;

export async function runCommand(
  argv: string[],
  settings: Settings,
  io: CliIo,
  /** Where `env:` secret references are read (cli/main.ts passes process.env). */
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<number> {
  const [group, action, ...rest] = argv;
  // Audit commands take options (issue 5): parsed in audit-commands.ts.
  if (group === 'audit') return auditCommand(action, rest, settings, io);
  if (group === 'deliveries') return deliveriesCommand(action, rest, settings, io);
  const command = [group, action].filter(Boolean).join(' ');
  if (rest.length > 0) {
    io.err(`homeward: unexpected arguments: ${rest.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  switch (command) {
    case 'config check':
      return configCheck(settings, io, env);
    case 'keys generate':
      return keysGenerate(settings, io);
    case 'keys rotate':
      return keysRotate(settings, io);
    case 'retention run':
      return retentionRun(settings, io);
    case 'status':
      return statusCommand(settings, io);
    case 'help':
    case '':
      io.out(USAGE);
      return command === '' ? 2 : 0;
    default:
      io.err(`homeward: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
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
