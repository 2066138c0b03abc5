import type { Agreement, Partner, Registry } from '../../src/config/registry-types.js';

/** The given registry plus (or with replaced) partners, for tests that need other keys or roles. */
export function registryWith(base: Registry, extra: Partner[]): Registry {
  const partners = new Map(base.partners);
  for (const p of extra) partners.set(p.id, p);
  return {
    partners,
    agreements: base.agreements,
    partner: (id) => partners.get(id),
    partnerByOds: (ods) => [...partners.values()].find((p) => p.odsCode === ods),
    versions: (id) => base.versions(id),
  };
}

export function testPartner(
  id: string,
  keys: Partner['keys'],
  scopes: Partner['scopes'] = ['system/Bundle.c'],
): Partner {
  return {
    id,
    name: `${id} (test)`,
    odsCode: id
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .slice(0, 8),
    kind: 'nhs-trust',
    roles: ['sender'],
    keys,
    scopes,
    source: 'test',
    synthetic: true,
  };
}

/**
 * North Coast with FHIR credentials (`env:NC_FHIR_TOKEN`), its discharge agreement reading the
 * person's consents from the trust's FHIR server (`consent.source: trust-fhir`): the set-up of
 * every test of consents held on a trust's server.
 */
export function withConsentsOnTrustServer(base: Registry): Registry {
  const nc: Partner = {
    ...(base.partner('north-coast-trust') as Partner),
    fhirAuth: { secretRef: 'env:NC_FHIR_TOKEN' },
  };
  const partners = new Map(base.partners);
  partners.set(nc.id, nc);
  const agreements: Agreement[] = base.agreements.map((a) =>
    a.id === 'dsa-north-coast-homestead-discharge'
      ? { ...a, consent: { requirement: 'explicit', source: 'trust-fhir' } }
      : a,
  );
  return {
    ...base,
    partners,
    agreements,
    partner: (id) => partners.get(id),
    partnerByOds: (ods) => [...partners.values()].find((p) => p.odsCode === ods),
    versions: (id) => agreements.filter((a) => a.id === id).sort((x, y) => x.version - y.version),
  };
}
