/**
 * Hostile input limits (issue 12 item 2): each limit answers a clear 4xx, never a 5xx, and a
 * client that sends slowly is cut off. Limits: JSON depth 64 (src/ingest/check-message.ts),
 * 500 bundle entries (same), body 1 MB (src/http/body.ts), query parameters (express 'simple'
 * parser: node:querystring, 1000 keys), header size 16 KB (Node), and the server timeouts
 * (src/http/server-limits.ts).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { Deps } from '../../src/deps.js';
import { createApiServer } from '../../src/http/server-limits.js';
import { MAX_DEPTH, MAX_ENTRIES } from '../../src/ingest/check-message.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture } from '../ingest/fixtures.js';
import { intakeApp, PROCESS_MESSAGE } from '../integration/intake-helpers.js';

let app: Express;
let deps: Deps;
let trust: string;
let council: string;
beforeAll(async () => {
  ({ app, deps } = await intakeApp({}, { RATE_LIMIT_PER_MINUTE: '1000000' }));
  trust = await bearer(deps, 'riverside-trust');
  council = await bearer(deps, 'tynebridge-council');
});

const post = (body: string) =>
  request(app)
    .post(PROCESS_MESSAGE)
    .set('authorization', trust)
    .set('content-type', 'application/fhir+json')
    .send(body);

function admission(): Record<string, unknown> & { entry: unknown[] } {
  return fixture('admission') as Record<string, unknown> & { entry: unknown[] };
}

describe('limits of $process-message', () => {
  it(`refuses nesting deeper than ${MAX_DEPTH} with 422 too-costly`, async () => {
    // Written as text: deeper than JSON.stringify itself can go.
    const depth = 100_000;
    const body = JSON.stringify(admission()).replace(
      /}$/,
      `,"extra":${'['.repeat(depth)}1${']'.repeat(depth)}}`,
    );
    const res = await post(body);
    expect(res.status).toBe(422);
    expect(res.body.issue).toEqual([expect.objectContaining({ code: 'too-costly', expression: ['Bundle'] })]);
  });

  it(`refuses more than ${MAX_ENTRIES} entries with 422 too-costly at Bundle.entry`, async () => {
    const m = admission();
    const last = m.entry[m.entry.length - 1];
    while (m.entry.length <= MAX_ENTRIES) m.entry.push(structuredClone(last));
    const res = await post(JSON.stringify(m));
    expect(res.status).toBe(422);
    expect(res.body.issue).toEqual([
      expect.objectContaining({ code: 'too-costly', expression: ['Bundle.entry'] }),
    ]);
  });

  it('answers a 900 KB string inside a resource with a 4xx, and a body over 1 MB with 413', async () => {
    const m = admission();
    m.language = 'x'.repeat(900_000);
    expect((await post(JSON.stringify(m))).status).toBeLessThan(500);
    m.language = 'x'.repeat(1_100_000);
    const res = await post(JSON.stringify(m));
    expect(res.status).toBe(413);
    expect(res.body.issue[0].code).toBe('too-costly');
  });
});

describe('limits of query strings and headers', () => {
  it('answers thousands of query parameters, and repeated ones, with a 4xx', async () => {
    // Within Node's 16 KB header limit, beyond querystring's 1000 keys.
    const many = Array.from({ length: 1500 }, (_, i) => `${i.toString(36)}=`).join('&');
    const repeated = Array.from({ length: 1000 }, () => 'status=new').join('&');
    for (const [path, token] of [
      [`/fhir/Task?${many}`, trust],
      [`/fhir/Task?${Array.from({ length: 1500 }, () => 'focus=a').join('&')}`, trust],
      [`/referrals?${repeated}`, council],
      [`/referrals?${many}`, council],
      [`/referrals?limit=1&limit=2&cursor[a]=1`, council],
    ] as const) {
      const res = await request(app).get(path).set('authorization', token);
      expect(res.status, path.slice(0, 40)).toBeGreaterThanOrEqual(200);
      expect(res.status, path.slice(0, 40)).toBeLessThan(500);
      if (path.includes('status=new&status') || path.includes('limit=1&limit')) expect(res.status).toBe(400);
    }
  });

  it('answers a URL beyond the 16 KB header limit with 431', async () => {
    const res = await request(app)
      .get(`/fhir/Task?focus=${'a'.repeat(20_000)}`)
      .set('authorization', trust);
    expect(res.status).toBe(431);
  });
});

describe('slow clients (slow-loris)', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createApiServer(createApp(deps), {
      headersTimeoutMs: 500,
      requestTimeoutMs: 1000,
      keepAliveTimeoutMs: 500,
      checkIntervalMs: 100,
      maxHeadersCount: 100,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Send `chunks` one every `everyMs`; resolves with what the server said and when it closed. */
  function trickle(chunks: string[], everyMs: number): Promise<{ answer: string; ms: number }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      let i = 0;
      const timer = setInterval(() => {
        if (i < chunks.length && !socket.destroyed) socket.write(chunks[i++] ?? '');
      }, everyMs);
      socket.on('data', (d) => {
        answer += String(d);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ answer, ms: Date.now() - started });
      });
    });
  }

  it('cuts off a client that sends its headers a few bytes at a time', async () => {
    const headers = `GET /health/live HTTP/1.1\r\nHost: x\r\n${'X-Slow: 1\r\n'.repeat(200)}\r\n`;
    const chunks = headers.match(/.{1,3}/gs) ?? [];
    const { answer, ms } = await trickle(chunks, 50);
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
    expect(ms).toBeLessThan(5000);
  });

  it('cuts off a client that sends its body a few bytes at a time', async () => {
    const head = `POST ${PROCESS_MESSAGE} HTTP/1.1\r\nHost: x\r\nAuthorization: ${trust}\r\nContent-Type: application/fhir+json\r\nContent-Length: 100000\r\n\r\n`;
    const { answer, ms } = await trickle([head, ...Array.from({ length: 200 }, () => '{"a":')], 50);
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
    expect(ms).toBeLessThan(5000);
  });
});
