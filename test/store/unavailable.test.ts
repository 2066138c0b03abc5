import { describe, expect, it } from 'vitest';
import { isStoreUnavailable } from '../../src/store/unavailable.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isStoreUnavailable: busy or unreachable database, not a bug', () => {
  it.each([
    'SQLITE_BUSY',
    'SQLITE_BUSY_SNAPSHOT',
    'SQLITE_LOCKED',
    'SQLITE_FULL',
    'SQLITE_IOERR',
    'SQLITE_IOERR_WRITE',
    'SQLITE_CANTOPEN',
    '08006',
    '08001',
    '53300',
    '57P01',
    '57P03',
    '57014',
    '40P01',
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
  ])('%s is', (code) => {
    expect(isStoreUnavailable(withCode(code))).toBe(true);
  });

  it.each([
    'Connection terminated unexpectedly',
    'timeout exceeded when trying to connect',
    'Connection terminated due to connection timeout',
  ])('pg message "%s" is', (message) => {
    expect(isStoreUnavailable(new Error(message))).toBe(true);
  });

  it.each([
    withCode('SQLITE_CONSTRAINT_UNIQUE'),
    withCode('SQLITE_ERROR'),
    withCode('23505'),
    withCode('42P01'),
    new TypeError('undefined is not a function'),
    null,
    'SQLITE_BUSY',
  ])('%s is not (a bug or bad data stays a 500)', (err) => {
    expect(isStoreUnavailable(err)).toBe(false);
  });
});
