/**
 * The one canonical base of the gateway's own FHIR definitions (issue 21 item 6): its CodeSystems,
 * ValueSets, MessageDefinitions, extensions and identifier systems. Canonical URLs are identifiers,
 * not locations (R4 section 2.34.0.1): a code must mean the same at every trust, so this base is a
 * constant, never derived from PUBLIC_URL; each deployment serves the definitions under its own
 * `/fhir/CodeSystem/{id}` (and ValueSet, MessageDefinition) for partners to resolve. The project
 * has no registered domain of its own yet, so the base keeps the placeholder domain it has always
 * used (`homeward.example`, RFC 2606): changing it is a one-line change here, and a breaking one
 * for partners that stored codes.
 */
export const HOMEWARD_FHIR_BASE = 'https://homeward.example/fhir';

export const codeSystemUrl = (id: string) => `${HOMEWARD_FHIR_BASE}/CodeSystem/${id}`;
export const valueSetUrl = (id: string) => `${HOMEWARD_FHIR_BASE}/ValueSet/${id}`;
export const messageDefinitionUrl = (id: string) => `${HOMEWARD_FHIR_BASE}/MessageDefinition/${id}`;
export const identifierSystem = (name: string) => `${HOMEWARD_FHIR_BASE}/Id/${name}`;
export const structureDefinitionUrl = (id: string) => `${HOMEWARD_FHIR_BASE}/StructureDefinition/${id}`;
