/**
 * What the gateway publishes about its token endpoint, so a standard client needs nothing but the
 * gateway's address (issue 21 item 3):
 * - SMART App Launch 2.x "Conformance": `/.well-known/smart-configuration`, served both at the
 *   root and at the FHIR base (`[base]/.well-known/smart-configuration`, where SMART clients look
 *   it up from the CapabilityStatement's base);
 * - RFC 8414 (OAuth 2.0 Authorization Server Metadata): `/.well-known/oauth-authorization-server`
 *   for the issuer `PUBLIC_URL` (section 3: the issuer here has no path, so the well-known suffix
 *   goes right after the host).
 * Both name the same issuer, token endpoint, key set, grant and client authentication.
 */
import { ASSERTION_ALGORITHMS } from './client-assertion.js';
import { SUPPORTED_SCOPES, tokenUrl } from './token.js';

/** The fields SMART configuration and RFC 8414 metadata share (RFC 8414 section 2 names). */
function tokenEndpointMetadata(publicUrl: string) {
  return {
    issuer: publicUrl,
    token_endpoint: tokenUrl(publicUrl),
    jwks_uri: `${publicUrl}/.well-known/jwks.json`,
    scopes_supported: [...SUPPORTED_SCOPES],
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
  };
}

/** RFC 8414 metadata of an authorization server without an authorization endpoint. */
export function authorizationServerMetadata(publicUrl: string) {
  // REQUIRED by RFC 8414 section 2; empty, as there is no authorization endpoint to answer one.
  return { ...tokenEndpointMetadata(publicUrl), response_types_supported: [] as string[] };
}

/** SMART configuration (SMART App Launch 2.x, Backend Services: an asymmetric confidential client). */
export function smartConfiguration(publicUrl: string) {
  return { ...tokenEndpointMetadata(publicUrl), capabilities: ['client-confidential-asymmetric'] };
}
