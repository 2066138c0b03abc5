/**
 * The one logger (conventions 8). Redaction lives here and only here; a test logs a synthetic
 * patient through it and finds no NHS number, name or token. Request bodies are never logged.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/settings.js';

/** Paths that may carry secrets or personal data if someone ever logs such an object. */
export const REDACT_PATHS: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.client_assertion',
  '*.access_token',
  '*.secret',
  '*.password',
  '*.privateKey',
  'nhsNumber',
  '*.nhsNumber',
  'name',
  '*.name',
  'given',
  '*.given',
  'family',
  '*.family',
  'birthDate',
  '*.birthDate',
  'address',
  '*.address',
  'postcode',
  '*.postcode',
  'telecom',
  '*.telecom',
  'phone',
  '*.phone',
  'email',
  '*.email',
  'body',
  '*.body',
  'patient',
  '*.patient',
];

/** 10-digit runs (NHS numbers, with or without spaces) anywhere in a message string. */
const NHS_NUMBER_LIKE = /\b\d{3}[ -]?\d{3}[ -]?\d{4}\b/g;

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'homeward' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Backstop for free text: an NHS-number-shaped run in a message is masked too.
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) =>
            typeof a === 'string' ? a.replace(NHS_NUMBER_LIKE, '[redacted]') : a,
          );
          return method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

export type { Logger };
