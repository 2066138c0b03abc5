import { describe, expect, it } from 'vitest';
import { parseSettings, SettingsError } from '../../src/config/settings.js';

/** The problems parseSettings reports for `env`, or [] when it accepts it. */
function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    parseSettings(env);
    return [];
  } catch (e: unknown) {
    if (e instanceof SettingsError) return e.problems;
    throw e;
  }
}

describe('parseSettings', () => {
  it('applies the documented defaults to an empty environment', () => {
    expect(parseSettings({})).toEqual({
      port: 8080,
      publicUrl: 'http://localhost:8080',
      databaseUrl: 'sqlite:data/gateway.db',
      consentDir: 'consent',
      profilesDir: 'profiles',
      keysDir: 'data/keys',
      logLevel: 'info',
      production: false,
      shutdownTimeoutMs: 10_000,
      accessTokenTtlSeconds: 600,
      rateLimitPerMinute: 600,
      tokenRateLimitPerMinute: 30,
      tokenRateLimitPerAddressPerMinute: 120,
      auditSubjectKey: undefined,
      auditCheckpointIntervalMs: 3_600_000,
      delivery: {
        timeoutMs: 10_000,
        maxAttempts: 25,
        maxAgeHours: 72,
        pollMs: 1_000,
        leaseMs: 40_000,
        recipientConcurrency: 64,
        retryBaseMs: 5_000,
        retryCapMs: 3_600_000,
        allowInsecureLocalWebhooks: false,
        consentRecheckAfterMs: 900_000,
        consentMaxAgeMs: 86_400_000,
      },
      database: { poolMax: 10, connectTimeoutMs: 5_000, statementTimeoutMs: 30_000 },
      operations: {
        metricsPort: undefined,
        metricsHost: '127.0.0.1',
        metricsToken: undefined,
        retentionDays: 30,
        referralRetentionDays: 90,
      },
    });
  });

  it('reads the operations settings (issue 10), and refuses a retention under a day', () => {
    expect(
      parseSettings({
        METRICS_PORT: '9464',
        METRICS_HOST: '0.0.0.0',
        METRICS_TOKEN: 't'.repeat(40),
        RETENTION_DAYS: '7',
        REFERRAL_RETENTION_DAYS: '365',
      }).operations,
    ).toEqual({
      metricsPort: 9464,
      metricsHost: '0.0.0.0',
      metricsToken: 't'.repeat(40),
      retentionDays: 7,
      referralRetentionDays: 365,
    });
    expect(
      problemsOf({ RETENTION_DAYS: '0', METRICS_PORT: 'x', METRICS_HOST: 'a b', METRICS_TOKEN: 'short' }),
    ).toEqual([
      expect.stringContaining('METRICS_PORT'),
      expect.stringContaining('METRICS_HOST'),
      expect.stringContaining('METRICS_TOKEN'),
      expect.stringContaining('RETENTION_DAYS'),
    ]);
  });

  it('reads the send-time consent re-check (issue 17 item 11), all problems at once', () => {
    expect(
      parseSettings({ CONSENT_RECHECK_AFTER_MS: '0', CONSENT_MAX_AGE_MS: '3600000' }).delivery,
    ).toMatchObject({ consentRecheckAfterMs: 0, consentMaxAgeMs: 3_600_000 });
    expect(problemsOf({ CONSENT_RECHECK_AFTER_MS: 'soon', CONSENT_MAX_AGE_MS: '10' })).toEqual([
      expect.stringContaining('CONSENT_RECHECK_AFTER_MS'),
      expect.stringContaining('CONSENT_MAX_AGE_MS'),
    ]);
    expect(problemsOf({ CONSENT_RECHECK_AFTER_MS: '7200000', CONSENT_MAX_AGE_MS: '3600000' })).toEqual([
      'CONSENT_RECHECK_AFTER_MS must be below CONSENT_MAX_AGE_MS',
    ]);
  });

  it('derives PUBLIC_URL from PORT, and strips trailing slashes from an explicit one', () => {
    expect(parseSettings({ PORT: '9000' }).publicUrl).toBe('http://localhost:9000');
    expect(parseSettings({ PUBLIC_URL: 'https://gw.example/' }).publicUrl).toBe('https://gw.example');
  });

  it('reads the other settings and NODE_ENV=production', () => {
    const s = parseSettings({
      DATABASE_URL: 'sqlite::memory:',
      CONSENT_DIR: '/etc/homeward/consent',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'production',
      SHUTDOWN_TIMEOUT_MS: '2500',
      AUDIT_SUBJECT_KEY: 'k'.repeat(32),
    });
    expect(s).toMatchObject({
      databaseUrl: 'sqlite::memory:',
      consentDir: '/etc/homeward/consent',
      logLevel: 'debug',
      production: true,
      shutdownTimeoutMs: 2500,
    });
  });

  it('requires a secret audit subject key in production, and a long enough one anywhere', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([expect.stringContaining('AUDIT_SUBJECT_KEY')]);
    expect(problemsOf({ AUDIT_SUBJECT_KEY: 'short' })).toEqual([
      expect.stringContaining('AUDIT_SUBJECT_KEY'),
    ]);
  });

  it('keeps access token lifetimes within 5 to 15 minutes', () => {
    expect(problemsOf({ ACCESS_TOKEN_TTL_SECONDS: '60' })).toEqual([
      expect.stringContaining('ACCESS_TOKEN_TTL_SECONDS'),
    ]);
    expect(parseSettings({ ACCESS_TOKEN_TTL_SECONDS: '900' }).accessTokenTtlSeconds).toBe(900);
  });

  it.each(['abc', '-1', '80.5'])('refuses PORT=%s', (port) => {
    expect(problemsOf({ PORT: port })).toEqual([expect.stringContaining('PORT')]);
  });

  it('refuses a PORT out of range', () => {
    // The derived default PUBLIC_URL (http://localhost:70000) is then reported as well.
    expect(problemsOf({ PORT: '70000' })[0]).toContain('PORT');
  });

  it.each([
    'postgres://u@db/homeward',
    'postgresql://u:secret@db:5432/homeward?sslmode=verify-full',
  ])('accepts %s (issue 9)', (url) => {
    expect(parseSettings({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it('reads the PostgreSQL pool settings, and refuses nonsense without echoing the URL', () => {
    expect(
      parseSettings({
        DATABASE_POOL_MAX: '4',
        DATABASE_CONNECT_TIMEOUT_MS: '2000',
        DATABASE_STATEMENT_TIMEOUT_MS: '15000',
      }).database,
    ).toEqual({ poolMax: 4, connectTimeoutMs: 2_000, statementTimeoutMs: 15_000 });
    expect(problemsOf({ DATABASE_POOL_MAX: '0' })).toEqual([expect.stringContaining('DATABASE_POOL_MAX')]);
    const problems = problemsOf({ DATABASE_URL: 'mysql://u:hunter2@db/x' });
    expect(problems).toEqual([expect.stringContaining('DATABASE_URL')]);
    expect(problems[0]).not.toContain('hunter2');
  });

  it('refuses a DATABASE_URL that is neither sqlite nor postgres', () => {
    expect(problemsOf({ DATABASE_URL: 'mysql://db' })).toEqual([expect.stringContaining('DATABASE_URL')]);
    expect(problemsOf({ DATABASE_URL: 'sqlite:' })).toEqual([expect.stringContaining('DATABASE_URL')]);
  });

  it('refuses an unknown LOG_LEVEL and a non-http PUBLIC_URL', () => {
    expect(problemsOf({ LOG_LEVEL: 'verbose' })).toEqual([expect.stringContaining('LOG_LEVEL')]);
    expect(problemsOf({ PUBLIC_URL: 'ftp://gw.example' })).toEqual([expect.stringContaining('PUBLIC_URL')]);
    expect(problemsOf({ PUBLIC_URL: 'not a url' })).toEqual([expect.stringContaining('PUBLIC_URL')]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://db/homeward',
      LOG_LEVEL: 'loud',
      SHUTDOWN_TIMEOUT_MS: '9999999',
    });
    expect(problems).toHaveLength(4);
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS']) {
      expect(problems.some((p) => p.includes(name))).toBe(true);
    }
    expect(() => parseSettings({ PORT: 'eighty' })).toThrow(SettingsError);
  });
});
