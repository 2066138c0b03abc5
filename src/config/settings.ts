/**
 * Gateway settings, parsed from the environment once at start (conventions 6).
 * Every problem is reported at once; only main.ts and the CLI pass process.env here.
 */

import {
  CONSENT_RECHECK_SETTINGS_DOC,
  type ConsentRecheckTuning,
  parseConsentRecheck,
} from './consent-recheck-settings.js';
import { DATABASE_SETTINGS_DOC, type DatabaseTuning, parseDatabaseTuning } from './database-settings.js';
import type { Env } from './env.js';
import {
  OPERATIONS_SETTINGS_DOC,
  type OperationsSettings,
  parseOperationsSettings,
} from './operations-settings.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Settings {
  port: number;
  publicUrl: string;
  databaseUrl: string;
  consentDir: string;
  profilesDir: string;
  keysDir: string;
  logLevel: LogLevel;
  production: boolean;
  /** Milliseconds to wait for in-flight requests on SIGTERM before forcing close. */
  shutdownTimeoutMs: number;
  /** Lifetime of access tokens the gateway issues (issue 3: 5 to 15 minutes). */
  accessTokenTtlSeconds: number;
  /** Requests per minute per partner on the API, and per partner+address on the token endpoint. */
  rateLimitPerMinute: number;
  tokenRateLimitPerMinute: number;
  /** Token requests per minute per source address, whatever client they claim (issue 17 item 6). */
  tokenRateLimitPerAddressPerMinute: number;
  /**
   * Secret for the audit subject HMAC (HMAC-SHA256 of the NHS number). Unset in dev: generated
   * into KEYS_DIR on first start; required in production.
   */
  auditSubjectKey: string | undefined;
  /** How often the gateway signs a checkpoint of the audit chain head (issue 5); 0 turns it off. */
  auditCheckpointIntervalMs: number;
  /** The webhook delivery worker (issue 8): src/delivery/README.md. */
  delivery: DeliveryTuning;
  /** PostgreSQL connection pool (issue 9); unused on SQLite. */
  database: DatabaseTuning;
  /** Metrics listener and retention (issue 10): operations-settings.ts. */
  operations: OperationsSettings;
}

/** The webhook worker's settings, with the send-time consent re-check (consent-recheck-settings.ts). */
export interface DeliveryTuning extends ConsentRecheckTuning {
  /** One webhook request, connection to last byte of the answer's headers. */
  timeoutMs: number;
  /** Attempts before a delivery is dead-lettered (state `failed`). */
  maxAttempts: number;
  /** Age (from queueing) after which a delivery that still fails is dead-lettered. */
  maxAgeHours: number;
  /** How often the worker looks for due deliveries; 0 turns the worker off in this process. */
  pollMs: number;
  /** How long a claimed delivery stays leased to its worker; must outlast one send and its recording. */
  leaseMs: number;
  /**
   * Webhook sends in flight at once to one recipient, per worker process (issue 17 point 5): each
   * recipient has its own lane, so a slow or hanging endpoint only ever holds up its own messages.
   */
  recipientConcurrency: number;
  /** Full-jitter exponential backoff: a retry waits random(0, min(cap, base * 2^attempt)). */
  retryBaseMs: number;
  retryCapMs: number;
  /** Dev and tests only: allow `http://127.0.0.1` and `http://localhost` webhook URLs. */
  allowInsecureLocalWebhooks: boolean;
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Every env variable the gateway reads, with its default and meaning (README "Configuration" mirrors this). */
export const SETTINGS_DOC: ReadonlyArray<{ name: string; default: string; meaning: string }> = [
  { name: 'PORT', default: '8080', meaning: 'TCP port the HTTP server listens on' },
  {
    name: 'PUBLIC_URL',
    default: 'http://localhost:$PORT',
    meaning: 'external base URL (token audience, links)',
  },
  {
    name: 'DATABASE_URL',
    default: 'sqlite:data/gateway.db',
    meaning:
      'store location: sqlite:<path>, sqlite::memory:, or postgres://user@host:5432/db (also postgresql://)',
  },
  ...DATABASE_SETTINGS_DOC,
  { name: 'CONSENT_DIR', default: 'consent', meaning: 'folder with partners/*.yaml and agreements/*.yaml' },
  {
    name: 'PROFILES_DIR',
    default: 'profiles',
    meaning: 'folder with the JSON Schemas of FHIR shapes and datasets',
  },
  {
    name: 'KEYS_DIR',
    default: 'data/keys',
    meaning: 'folder holding the gateway signing keys (generated in dev)',
  },
  { name: 'LOG_LEVEL', default: 'info', meaning: 'fatal | error | warn | info | debug | trace | silent' },
  {
    name: 'NODE_ENV',
    default: '(unset)',
    meaning: 'production disables dev conveniences such as key generation',
  },
  {
    name: 'SHUTDOWN_TIMEOUT_MS',
    default: '10000',
    meaning: 'grace period for in-flight work on SIGTERM/SIGINT',
  },
  {
    name: 'ACCESS_TOKEN_TTL_SECONDS',
    default: '600',
    meaning: 'lifetime of the access tokens the gateway issues (300 to 900)',
  },
  { name: 'RATE_LIMIT_PER_MINUTE', default: '600', meaning: 'API requests per minute per partner' },
  {
    name: 'TOKEN_RATE_LIMIT_PER_MINUTE',
    default: '30',
    meaning: 'token requests per minute per partner and source address',
  },
  {
    name: 'TOKEN_RATE_LIMIT_PER_ADDRESS_PER_MINUTE',
    default: '120',
    meaning: 'token requests per minute per source address, whatever client they claim',
  },
  {
    name: 'AUDIT_SUBJECT_KEY',
    default: 'dev: generated into $KEYS_DIR/audit-subject.key',
    meaning: 'secret (32+ characters) keying the HMAC of NHS numbers in the audit; required in production',
  },
  {
    name: 'AUDIT_CHECKPOINT_INTERVAL_MS',
    default: '3600000',
    meaning: 'how often a signed checkpoint of the audit chain head is stored (0: never)',
  },
  { name: 'WEBHOOK_TIMEOUT_MS', default: '10000', meaning: 'time limit of one webhook request' },
  {
    name: 'DELIVERY_MAX_ATTEMPTS',
    default: '25',
    meaning: 'webhook attempts before a delivery is dead-lettered',
  },
  {
    name: 'DELIVERY_MAX_AGE_HOURS',
    default: '72',
    meaning: 'hours after queueing when a still-failing delivery is dead-lettered',
  },
  {
    name: 'DELIVERY_POLL_MS',
    default: '1000',
    meaning: 'how often the delivery worker looks for due webhooks (0: no worker in this process)',
  },
  {
    name: 'DELIVERY_LEASE_MS',
    default: 'WEBHOOK_TIMEOUT_MS + 30000',
    meaning: 'how long a claimed delivery is reserved for its worker before another may retry it',
  },
  {
    name: 'DELIVERY_RECIPIENT_CONCURRENCY',
    default: '64',
    meaning:
      'webhook sends in flight at once to one recipient, per worker process; a slow recipient holds up only its own',
  },
  { name: 'DELIVERY_RETRY_BASE_MS', default: '5000', meaning: 'first retry waits up to twice this' },
  { name: 'DELIVERY_RETRY_CAP_MS', default: '3600000', meaning: 'longest wait between two attempts' },
  {
    name: 'ALLOW_INSECURE_LOCAL_WEBHOOKS',
    default: 'false',
    meaning: 'dev only: allow http://127.0.0.1 and http://localhost webhook URLs (refused in production)',
  },
  ...CONSENT_RECHECK_SETTINGS_DOC,
  ...OPERATIONS_SETTINGS_DOC,
];

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) {
    problems.push(`${name} must be a whole number, got "${raw}"`);
    return fallback;
  }
  const value = Number(raw);
  if (value < min || value > max) problems.push(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function parseSettings(env: Env): Settings {
  const problems: string[] = [];
  const port = integer(env, 'PORT', 8080, 0, 65535, problems);
  const publicUrl = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push('PUBLIC_URL must be an http(s) URL');
  } catch {
    problems.push(`PUBLIC_URL is not a valid URL: "${publicUrl}"`);
  }
  const databaseUrl = env.DATABASE_URL || 'sqlite:data/gateway.db';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    if (!URL.canParse(databaseUrl)) problems.push('DATABASE_URL is not a valid postgres:// URL');
  } else if (!databaseUrl.startsWith('sqlite:') || databaseUrl === 'sqlite:') {
    // Not echoed: a malformed postgres URL may carry a password.
    problems.push('DATABASE_URL must look like sqlite:<path>, sqlite::memory: or postgres://host/db');
  }
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const shutdownTimeoutMs = integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000, problems);
  const accessTokenTtlSeconds = integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 600, 300, 900, problems);
  const rateLimitPerMinute = integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000, problems);
  const tokenRateLimitPerMinute = integer(env, 'TOKEN_RATE_LIMIT_PER_MINUTE', 30, 1, 1_000_000, problems);
  const tokenRateLimitPerAddressPerMinute = integer(
    env,
    'TOKEN_RATE_LIMIT_PER_ADDRESS_PER_MINUTE',
    120,
    1,
    1_000_000,
    problems,
  );
  const auditCheckpointIntervalMs = integer(
    env,
    'AUDIT_CHECKPOINT_INTERVAL_MS',
    3_600_000,
    0,
    604_800_000,
    problems,
  );
  const production = env.NODE_ENV === 'production';
  const auditSubjectKey = env.AUDIT_SUBJECT_KEY || undefined;
  if (auditSubjectKey !== undefined && auditSubjectKey.length < 32) {
    problems.push('AUDIT_SUBJECT_KEY must be at least 32 characters (use a random secret)');
  }
  if (production && auditSubjectKey === undefined) {
    problems.push('AUDIT_SUBJECT_KEY is required when NODE_ENV=production (no dev default for secrets)');
  }
  const delivery = parseDeliveryTuning(env, production, problems);
  const database = parseDatabaseTuning(env, integer, problems);
  const operations = parseOperationsSettings(env, integer, problems);
  if (problems.length > 0) throw new SettingsError(problems);
  return {
    port,
    publicUrl,
    databaseUrl,
    consentDir: env.CONSENT_DIR || 'consent',
    profilesDir: env.PROFILES_DIR || 'profiles',
    keysDir: env.KEYS_DIR || 'data/keys',
    logLevel,
    production,
    shutdownTimeoutMs,
    accessTokenTtlSeconds,
    rateLimitPerMinute,
    tokenRateLimitPerMinute,
    tokenRateLimitPerAddressPerMinute,
    auditSubjectKey,
    auditCheckpointIntervalMs,
    delivery,
    database,
    operations,
  };
}

function parseDeliveryTuning(env: Env, production: boolean, problems: string[]): DeliveryTuning {
  const timeoutMs = integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000, problems);
  const leaseMs = integer(env, 'DELIVERY_LEASE_MS', timeoutMs + 30_000, 1_000, 3_600_000, problems);
  // The lease must outlast a send (bounded by the timeout) and its recording, or a second worker
  // could take over a delivery still in flight (src/delivery/claim.ts).
  if (leaseMs < timeoutMs + 1_000) {
    problems.push(`DELIVERY_LEASE_MS must be at least WEBHOOK_TIMEOUT_MS + 1000 (${timeoutMs + 1_000})`);
  }
  const retryBaseMs = integer(env, 'DELIVERY_RETRY_BASE_MS', 5_000, 1, 3_600_000, problems);
  const retryCapMs = integer(env, 'DELIVERY_RETRY_CAP_MS', 3_600_000, 1, 86_400_000, problems);
  if (retryCapMs < retryBaseMs)
    problems.push('DELIVERY_RETRY_CAP_MS must not be below DELIVERY_RETRY_BASE_MS');
  const insecure = env.ALLOW_INSECURE_LOCAL_WEBHOOKS ?? '';
  if (!['', 'true', 'false', '1', '0'].includes(insecure)) {
    problems.push('ALLOW_INSECURE_LOCAL_WEBHOOKS must be true or false');
  }
  const allowInsecureLocalWebhooks = insecure === 'true' || insecure === '1';
  if (production && allowInsecureLocalWebhooks) {
    problems.push(
      'ALLOW_INSECURE_LOCAL_WEBHOOKS is for development only and refused when NODE_ENV=production',
    );
  }
  return {
    timeoutMs,
    maxAttempts: integer(env, 'DELIVERY_MAX_ATTEMPTS', 25, 1, 100, problems),
    maxAgeHours: integer(env, 'DELIVERY_MAX_AGE_HOURS', 72, 1, 720, problems),
    pollMs: integer(env, 'DELIVERY_POLL_MS', 1_000, 0, 600_000, problems),
    leaseMs,
    // 64: what one recipient could have in flight before lanes (64 rows per pass), which kept up
    // with intake in bench/end-to-end.js; operators of small endpoints may want fewer.
    recipientConcurrency: integer(env, 'DELIVERY_RECIPIENT_CONCURRENCY', 64, 1, 1_024, problems),
    retryBaseMs,
    retryCapMs,
    allowInsecureLocalWebhooks,
    ...parseConsentRecheck(env, integer, problems),
  };
}
