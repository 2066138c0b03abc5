/**
 * What a FHIR caller may ask to receive (issue 21 item 7). The gateway writes FHIR JSON only, so
 * on FHIR routes a request that accepts no JSON (`Accept: application/fhir+xml`, `_format=xml`)
 * is answered 406 with an OperationOutcome, rather than with JSON it said it cannot read.
 * - FHIR R4 http.html section 3.1.0.1.6 (content types): `_format` overrides `Accept`; the
 *   `fhirVersion` parameter of `application/fhir+json` names the version asked for, and a server
 *   that cannot answer in it answers 406 (section 3.1.0.1.7 asks for R4, `4.0`).
 * - RFC 9110 section 12.5.1 (Accept): the most specific matching media range gives a type its
 *   quality; `q=0` means "not acceptable"; no Accept header means anything is.
 */
import type { RequestHandler } from 'express';
import { notAcceptable } from '../fhir/outcome.js';
import { isFhirRoute } from './errors.js';

const JSON_TYPES = ['application/fhir+json', 'application/json'] as const;
/** `_format` values meaning JSON (FHIR R4 http.html: the short form and both MIME types). */
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);
const R4 = /^4\.0(\.\d+)?$/;

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
  fhirVersion?: string;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [mediaType = '', ...params] = part.split(';').map((p) => p.trim());
    const [type, subtype, extra] = mediaType.toLowerCase().split('/');
    if (!type || !subtype || extra !== undefined) continue; // not a media range: ignored
    const range: MediaRange = { type, subtype, q: 1 };
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq < 0) continue;
      const name = param.slice(0, eq).trim().toLowerCase();
      const value = param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (name === 'q') range.q = Number.isFinite(Number(value)) ? Number(value) : 0;
      else if (name === 'fhirversion') range.fhirVersion = value;
    }
    ranges.push(range);
  }
  return ranges;
}

/** Quality the client gives `mediaType` (RFC 9110 section 12.5.1: the most specific range wins). */
function quality(ranges: MediaRange[], mediaType: string): number {
  const [type, subtype] = mediaType.split('/');
  let best: { specificity: number; q: number } | undefined;
  for (const r of ranges) {
    const s =
      r.type === '*' && r.subtype === '*'
        ? 1
        : r.type !== type
          ? 0
          : r.subtype === subtype
            ? 3
            : r.subtype === '*'
              ? 2
              : 0;
    if (s === 0) continue;
    // A range asking for another FHIR version is one the gateway cannot answer.
    const q = r.fhirVersion !== undefined && !R4.test(r.fhirVersion) ? 0 : r.q;
    if (!best || s > best.specificity || (s === best.specificity && q > best.q)) best = { specificity: s, q };
  }
  return best?.q ?? 0;
}

/** Whether a caller sending this Accept header and `_format` can read FHIR JSON. */
export function acceptsFhirJson(accept: string | undefined, format: unknown): boolean {
  if (format !== undefined) {
    const formats = Array.isArray(format) ? format : [format];
    return formats.every((f) => typeof f === 'string' && JSON_FORMATS.has(f.split(';')[0]?.trim() ?? ''));
  }
  if (accept === undefined || accept.trim() === '') return true;
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return true; // nothing readable in the header: as if it were absent
  return JSON_TYPES.some((t) => quality(ranges, t) > 0);
}

/** 406 (OperationOutcome, in JSON) on FHIR routes for callers that accept no JSON. */
export const requireFhirJsonAcceptable: RequestHandler = (req, _res, next) => {
  if (!isFhirRoute(req.path) || acceptsFhirJson(req.headers.accept, req.query._format)) {
    next();
    return;
  }
  next(
    notAcceptable(
      'The gateway answers FHIR JSON only (application/fhir+json, FHIR R4): accept it, or send _format=json',
    ),
  );
};
