/** What must never leave the gateway in logs, errors or metrics: the fixtures' personal data. */
import { request as fixture, scenarios } from '../ingest/fixtures.js';

/** NHS numbers and family names of every fixture message. */
export function personalData(): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.system === 'https://fhir.nhs.uk/Id/nhs-number' && typeof o.value === 'string') found.add(o.value);
      if (typeof o.family === 'string') found.add(o.family);
      Object.values(o).forEach(walk);
    }
  };
  for (const s of scenarios()) walk(fixture(s));
  return [...found];
}
