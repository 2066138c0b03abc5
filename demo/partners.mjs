// The demo's partners, each doing what its real system would: get an access token the way
// examples/get-token.mjs does (a JWT client assertion signed with the partner's synthetic key),
// call the API with it, and, for Homestead, receive webhooks and verify their signatures with the
// `standardwebhooks` package before reading a byte of them.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { importJWK, SignJWT } from 'jose';
import { Webhook } from 'standardwebhooks';
import { ROOT } from './gateway.mjs';

async function accessToken(gateway, partnerId, scope) {
  const config = await (await fetch(`${gateway}/.well-known/smart-configuration`)).json();
  const jwk = JSON.parse(
    readFileSync(join(ROOT, 'examples', 'keys', `${partnerId}.private.jwk.json`), 'utf8'),
  );
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(partnerId)
    .setSubject(partnerId)
    .setAudience(config.token_endpoint)
    .setIssuedAt()
    .setExpirationTime('4m')
    .setJti(randomUUID())
    .sign(await importJWK(jwk, jwk.alg));
  const res = await fetch(config.token_endpoint, {
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
  if (!res.ok)
    throw new Error(`${partnerId}: token refused (${res.status} ${body.error}: ${body.error_description})`);
  return body.access_token;
}

/** A partner's API client: JSON in and out, with its own access token. */
export async function partner(gateway, partnerId, scope) {
  const token = await accessToken(gateway, partnerId, scope);
  const call = async (method, path, body, contentType = 'application/json') => {
    const res = await fetch(`${gateway}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': contentType } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok)
      throw new Error(`${partnerId}: ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    id: partnerId,
    get: (path) => call('GET', path),
    post: (path, body, contentType) => call('POST', path, body, contentType),
    put: (path, body) => call('PUT', path, body),
  };
}

/** Homestead's webhook endpoint: verifies, stores, answers 204; refuses what does not verify. */
export async function webhookReceiver(secret) {
  const received = [];
  const waiting = [];
  let refused = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let message;
      try {
        // Verify the raw bytes first (v1 HMAC, webhook-id, 5-minute timestamp window), then parse.
        message = new Webhook(secret).verify(body, req.headers);
      } catch {
        refused++;
        res.writeHead(401).end();
        return;
      }
      const seen = received.some((m) => m.webhookId === req.headers['webhook-id']);
      if (!seen) received.push({ webhookId: req.headers['webhook-id'], path: req.url, ...message });
      res.writeHead(204).end();
      for (const w of waiting.splice(0)) w();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/webhooks`,
    refused: () => refused,
    /** The next message matching `test`, waiting up to 15 s for it. */
    async next(test) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const i = received.findIndex(test);
        if (i >= 0) return received.splice(i, 1)[0];
        if (Date.now() > deadline) throw new Error('webhook did not arrive within 15 s');
        await new Promise((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, 250);
        });
      }
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
