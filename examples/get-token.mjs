#!/usr/bin/env node
// Obtain an access token from a Homeward gateway the way a partner's system does
// (SMART Backend Services): sign a short-lived JWT client assertion with the partner's private
// key, POST it to the token endpoint, print the token response.
//
//   node examples/get-token.mjs [partner-id] [scopes] [private-jwk-file]
//   GATEWAY_URL=http://localhost:8080 node examples/get-token.mjs north-coast-trust "system/Bundle.c"
//
// The default key file is examples/keys/<partner-id>.private.jwk.json: SYNTHETIC dev keys of the
// sample partners. A real partner keeps its private key in its own system and registers only the
// public key (inline `keys.jwks` or a `keys.jwksUri`) in its partner file.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, SignJWT } from 'jose';

const gateway = (process.env.GATEWAY_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
const partnerId = process.argv[2] ?? 'north-coast-trust';
const scope = process.argv[3] ?? 'system/Bundle.c system/Task.rs';
const keyFile = process.argv[4] ?? new URL(`./keys/${partnerId}.private.jwk.json`, import.meta.url);

// 1. Discover the token endpoint (it is also the `aud` the assertion must carry).
const config = await (await fetch(`${gateway}/.well-known/smart-configuration`)).json();

// 2. Sign the client assertion: iss = sub = partner id, aud = token endpoint, exp <= 5 minutes, unique jti.
const jwk = JSON.parse(readFileSync(keyFile, 'utf8'));
const assertion = await new SignJWT({})
  .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })
  .setIssuer(partnerId)
  .setSubject(partnerId)
  .setAudience(config.token_endpoint)
  .setIssuedAt()
  .setExpirationTime('4m')
  .setJti(randomUUID())
  .sign(await importJWK(jwk, jwk.alg));

// 3. Exchange it for an access token.
const res = await fetch(`${gateway}/oauth/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    scope,
  }),
});
const body = await res.json();
if (!res.ok) {
  console.error(`token request refused (${res.status}): ${body.error}: ${body.error_description}`);
  process.exit(1);
}
console.log(JSON.stringify(body, null, 2));
