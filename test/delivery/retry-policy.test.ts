import { describe, expect, it } from 'vitest';
import { backoffMs, classifyStatus, nextStep, parseRetryAfter } from '../../src/delivery/retry-policy.js';

const NOW = new Date('2026-11-23T10:00:00Z');
const tuning = { retryBaseMs: 1_000, retryCapMs: 60_000, maxAttempts: 5, maxAgeHours: 24 };

describe('retry policy', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [301, 'failed'],
    [307, 'failed'],
    [400, 'failed'],
    [401, 'failed'],
    [404, 'failed'],
    [410, 'failed'],
    [499, 'failed'],
    [599, 'retry'],
  ])('HTTP %i: %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });

  it('counts only a 2xx answer as delivered: an informational 1xx or a 300 is not', () => {
    expect([100, 101, 103, 199, 300].map(classifyStatus)).toEqual(Array(5).fill('failed'));
  });

  it('reads Retry-After as delay-seconds or an HTTP-date (RFC 9110 section 10.2.3)', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:05:00 GMT', NOW)).toBe(300_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });

  it('reads all three HTTP-date forms RFC 9110 section 5.6.7 makes recipients accept', () => {
    expect(parseRetryAfter('Monday, 23-Nov-26 10:05:00 GMT', NOW)).toBe(300_000);
    expect(parseRetryAfter('Mon Nov 23 10:05:00 2026', NOW)).toBe(300_000);
  });

  it('reads an asctime Retry-After as UTC whatever the host time zone', () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(parseRetryAfter('Mon Nov 23 10:05:00 2026', NOW)).toBe(300_000);
      expect(parseRetryAfter('Mon, 23 Nov 2026 10:05:00 GMT', NOW)).toBe(300_000);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('treats a Retry-After that is neither delay-seconds nor an HTTP-date as absent', () => {
    for (const value of [
      '',
      '120s',
      '12345678901',
      '2026-11-23T10:05:00Z',
      'next Mon, 23 Nov 2026 10:05:00 GMT',
      'Mon, not a date',
    ]) {
      expect(parseRetryAfter(value, NOW), value).toBeUndefined();
    }
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });

  it('full jitter: uniformly within [0, min(cap, base * 2^attempt))', () => {
    expect(backoffMs(1, tuning, () => 0)).toBe(0);
    expect(backoffMs(1, tuning, () => 0.999)).toBe(1_998);
    expect(backoffMs(3, tuning, () => 0.5)).toBe(4_000);
    expect(backoffMs(20, tuning, () => 0.5)).toBe(30_000);
    expect(backoffMs(1_000, tuning, () => 0.999)).toBeLessThan(60_000);
  });

  it('waits at least Retry-After, whatever the jitter', () => {
    const step = nextStep(
      { kind: 'retry', status: 429, error: 'HTTP 429', retryAfterMs: 90_000 },
      { attempts: 1, createdAt: NOW, now: NOW },
      tuning,
      () => 0.999,
    );
    expect(step).toEqual({ kind: 'retry', at: new Date(NOW.getTime() + 90_000) });
  });

  it('without Retry-After waits the jittered backoff alone', () => {
    const step = nextStep(
      { kind: 'retry', error: 'timeout' },
      { attempts: 2, createdAt: NOW, now: NOW },
      tuning,
      () => 0.5,
    );
    expect(step).toEqual({ kind: 'retry', at: new Date(NOW.getTime() + 2_000) });
  });

  it('still retries when the next attempt falls exactly at the age limit (only later dead-letters)', () => {
    const now = new Date(NOW.getTime() + 24 * 3_600_000 - 60_000);
    const step = nextStep(
      { kind: 'retry', error: 'HTTP 503', retryAfterMs: 60_000 },
      { attempts: 1, createdAt: NOW, now },
      tuning,
      () => 0,
    );
    expect(step).toEqual({ kind: 'retry', at: new Date(NOW.getTime() + 24 * 3_600_000) });
  });

  it('dead-letters a permanent failure, the last attempt, and a retry past the age limit', () => {
    const ctx = { attempts: 1, createdAt: NOW, now: NOW };
    expect(nextStep({ kind: 'failed', status: 400, error: 'HTTP 400' }, ctx, tuning, () => 0)).toEqual({
      kind: 'dead',
      reason: 'permanent',
    });
    expect(nextStep({ kind: 'retry', error: 'timeout' }, { ...ctx, attempts: 5 }, tuning, () => 0)).toEqual({
      kind: 'dead',
      reason: 'max-attempts',
    });
    const late = { ...ctx, now: new Date(NOW.getTime() + 23.99 * 3_600_000) };
    expect(
      nextStep({ kind: 'retry', error: 'timeout', retryAfterMs: 3_600_000 }, late, tuning, () => 0),
    ).toEqual({
      kind: 'dead',
      reason: 'max-age',
    });
  });
});
