/**
 * Request bodies: JSON (application/fhir+json, application/json) up to 1 MB, and
 * form-encoded for the OAuth token endpoint. Anything else that carries a body is answered
 * 415 before a handler sees it, so no handler ever meets an unparsed body. app.ts runs these
 * after authentication (issue 17 item 6): a caller without a valid token is never parsed.
 */
import express, { type RequestHandler } from 'express';
import { unsupportedMediaType } from '../fhir/outcome.js';

export const JSON_LIMIT = '1mb';
const JSON_TYPES = ['application/json', 'application/fhir+json', 'application/*+json'];
const FORM_TYPE = 'application/x-www-form-urlencoded';

function hasBody(req: Parameters<RequestHandler>[0]): boolean {
  const len = req.headers['content-length'];
  if (req.headers['transfer-encoding'] !== undefined) return true;
  return len !== undefined && len !== '0';
}

/** 415 for bodies of a media type the gateway does not read (FHIR XML included: JSON is required). */
export const requireKnownMediaType: RequestHandler = (req, _res, next) => {
  if (!hasBody(req)) {
    next();
    return;
  }
  if (req.is([...JSON_TYPES, FORM_TYPE])) {
    next();
    return;
  }
  const type = req.headers['content-type'];
  const xml = typeof type === 'string' && /xml/i.test(type);
  next(
    unsupportedMediaType(
      xml
        ? 'XML is not supported: send FHIR JSON (Content-Type: application/fhir+json)'
        : `Unsupported Content-Type ${type ? `"${String(type).slice(0, 80)}"` : '(none)'}: send application/fhir+json or application/json`,
    ),
  );
};

export const jsonBody = express.json({ type: JSON_TYPES, limit: JSON_LIMIT, strict: true });
export const formBody = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 });
