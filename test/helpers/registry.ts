import type { Partner, Registry } from '../../src/config/registry-types.js';

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
