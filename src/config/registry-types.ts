/**
 * The partner registry: who the gateway knows and which data-sharing agreements bind them.
 * Loaded from $CONSENT_DIR (partners/*.yaml, agreements/*.yaml), validated against the JSON
 * Schemas in consent/schema/ before the gateway serves a single request (issue 2).
 */
import type { JWK } from 'jose';

export type PartnerRole = 'sender' | 'recipient' | 'auditor';

/** Scopes a partner may be granted (issue 3). */
export type Scope =
  | 'system/Bundle.c'
  | 'system/Task.rs'
  | 'system/Communication.crs'
  | 'referrals.read'
  | 'referrals.write'
  | 'audit.read';

export type PartnerKeys = { jwks: { keys: JWK[] } } | { jwksUri: string };

export type WebhookSignature = 'v1' | 'v1a';

export type DeliverySettings =
  | {
      mode: 'webhook';
      url: string;
      /** Where the HMAC secret lives: `env:NAME` or `file:path`. Never the secret itself. */
      secretRef: string;
      signatures: WebhookSignature[];
      format: 'dataset' | 'fhir';
      /** Optional recipient public key (JWK) for JWE encryption of payloads. */
      encryptionJwk?: JWK;
    }
  | { mode: 'pull'; format: 'dataset' | 'fhir' };

export interface Partner {
  id: string;
  name: string;
  /** ODS organisation code (https://fhir.nhs.uk/Id/ods-organization-code). */
  odsCode: string;
  kind: 'nhs-trust' | 'housing-association' | 'local-housing-authority' | 'ig-auditor' | 'other';
  roles: PartnerRole[];
  keys: PartnerKeys;
  scopes: Scope[];
  /** Trusts: the FHIR server references and consents may be fetched from. */
  fhirBaseUrl?: string;
  /**
   * Trusts: the gateway's credentials for `fhirBaseUrl` (src/fhir/trust-credentials.ts). Without
   * `tokenUrl` the secret is a static bearer token; with it, OAuth 2.0 client credentials.
   */
  fhirAuth?: { secretRef: string; tokenUrl?: string; clientId?: string; scope?: string };
  /** Trusts: where status updates are pushed back (optional). */
  statusWebhook?: { url: string; secretRef: string };
  /** Recipients only. */
  delivery?: DeliverySettings;
  contact?: { team: string; email?: string };
  /**
   * Auditors only: the partners whose audit entries this auditor may read (entries where one of
   * them is the actor or the recipient). Without it an auditor sees only gateway-level entries.
   */
  auditOf?: string[];
  /**
   * Auditors only (issue 17 item 8): `gatewayWideFigures: true` lets this auditor's
   * /audit/verify and /audit/checkpoint report the whole chain (every partner's entries counted).
   * Without it those figures cover only the partners in `auditOf`. It widens no entry query.
   */
  audit?: { gatewayWideFigures: boolean };
  /** Sample files are marked so they can never be mistaken for a real organisation. */
  synthetic?: boolean;
  /** Where it was loaded from (set by the loader). */
  source: string;
}

/** Consent.scope codes an agreement accepts (default `patient-privacy` only). */
export type ConsentScope = 'patient-privacy' | 'treatment';

export type AgreementStatus = 'draft' | 'active' | 'suspended' | 'terminated';
export type ReferralType = 'duty-to-refer' | 'discharge-support' | 'home-adaptation';
export type Priority = 'routine' | 'urgent' | 'asap' | 'stat';
export type EventCode =
  | 'admission'
  | 'housing-need-identified'
  | 'expected-discharge'
  | 'discharge'
  | 'referral-request'
  | 'consent-updated'
  | 'referral-cancel';

/** A response deadline: a number of clock hours, or of working days (England and Wales). */
export type SlaDuration = { hours: number } | { workingDays: number };

export interface Agreement {
  id: string;
  /** Versions of one agreement are whole numbers; their effective periods must not overlap. */
  version: number;
  title: string;
  status: AgreementStatus;
  effective: { from: string; to?: string };
  discloser: string;
  recipient: string;
  /** Purpose code, matched against Consent.provision.purpose. */
  purpose: string;
  referralType: ReferralType;
  lawfulBasis: {
    /** UK GDPR Article 6(1) condition, e.g. "6(1)(e) public task". */
    article6: string;
    /** UK GDPR Article 9(2) condition for health data, e.g. "9(2)(h) health or social care". */
    article9: string;
    /** Statute or guidance the sharing rests on (free text), e.g. "Homelessness Reduction Act 2017 s.213B". */
    reference?: string;
  };
  consent:
    | { requirement: 'explicit'; source: 'message' | 'trust-fhir'; scopes?: ConsentScope[] }
    | {
        requirement: 'alternative-basis';
        basis: 'safeguarding' | 'vital-interests' | 'public-task';
        /** When true the basis overrides an explicit objection (deny); recorded in every decision. */
        overridesObjection: boolean;
        source: 'message' | 'trust-fhir';
        scopes?: ConsentScope[];
      };
  triggers: EventCode[];
  scope: {
    encounterClasses?: string[];
    serviceTypes?: string[];
    catchment?: {
      postcodeDistricts: string[];
      /** Duty to Refer: may this authority receive referrals by postcode when the person named no authority? */
      defaultForDistricts?: boolean;
    };
  };
  /** Dataset fields this agreement allows (the minimum necessary; Caldicott principle 3). */
  fields: string[];
  sla: Partial<Record<Priority, SlaDuration>> & { routine: SlaDuration };
  /**
   * Readmissions (issue 19 item 5): a new stay's referral is linked to the person's earlier one that
   * ended within `windowDays` (default 28, DEFAULT_READMISSION_WINDOW_DAYS); with `followUp: true` this
   * recipient, when the earlier referral was its own, is routed first and its catchment is waived.
   */
  readmission?: { windowDays?: number; followUp?: boolean };
  synthetic?: boolean;
  /** Where it was loaded from, and the SHA-256 of that file's bytes as loaded (audit). */
  source: string;
  sha256: string;
}

export interface Registry {
  partners: ReadonlyMap<string, Partner>;
  /** All versions of all agreements, sorted by id then version. */
  agreements: readonly Agreement[];
  partner(id: string): Partner | undefined;
  partnerByOds(odsCode: string): Partner | undefined;
  /** Versions of agreement `id`, oldest first. */
  versions(id: string): Agreement[];
}

/** One problem in one registry file, located by a JSON path inside it. */
export interface RegistryProblem {
  file: string;
  path: string;
  message: string;
}

export class RegistryError extends Error {
  constructor(readonly problems: RegistryProblem[]) {
    super(
      `Partner registry is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  ${p.file}: ${p.path}: ${p.message}`)
        .join('\n')}`,
    );
    this.name = 'RegistryError';
  }
}
