/**
 * A housing provider's webhook endpoint for tests: a real node:http server on 127.0.0.1 that
 * checks every request the way a recipient would (v1 with the official `standardwebhooks`
 * package and again with `svix`'s own implementation, v1a with webcrypto against the gateway's
 * JWKS, the JWE of an encrypted envelope `{ type, timestamp, data: { jwe } }` decrypted with the
 * recipient's private key) and answers as the test scripts it: a status, a delay, or holding the
 * request open.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type CryptoKey, compactDecrypt, type JWK } from 'jose';
import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { verifyV1a } from '../helpers/webhook-receiver.js';

export interface Received {
  headers: Record<string, string>;
  body: string;
  /** v1 verified by the `standardwebhooks` package (which also JSON-parses the body). */
  v1?: boolean;
  /** v1 verified by `svix` 1.82 (its own HMAC code; it also JSON-parses the body). */
  svix?: boolean;
  v1a?: boolean;
  /** The decrypted plaintext of an encrypted envelope's `data.jwe`. */
  plaintext?: string;
  /** The JWE's protected header (`cty` says what the plaintext is). */
  jweHeader?: Record<string, unknown>;
}

export type Reply =
  | { status: number; headers?: Record<string, string>; delayMs?: number }
  /** Never answer (until the receiver closes). */
  | { hold: true };

export interface ReceiverOptions {
  secret?: string;
  jwks?: () => { keys: JWK[] };
  decryptKey?: CryptoKey;
  /** The answer to the n-th request (1-based). Default: 200. */
  reply?: (n: number, r: Received) => Reply;
  port?: number;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Resolves when the n-th request has arrived. */
  nth(n: number): Promise<Received>;
  setReply(reply: (n: number, r: Received) => Reply): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function check(o: ReceiverOptions, headers: Record<string, string>, body: string): Promise<Received> {
  const r: Received = { headers, body };
  const sig = headers['webhook-signature'] ?? '';
  if (o.secret && sig.includes('v1,')) {
    r.v1 = verifies(() => new Webhook(o.secret as string).verify(body, headers));
    r.svix = verifies(() => new SvixWebhook(o.secret as string).verify(body, headers));
  }
  if (o.jwks && sig.includes('v1a,')) r.v1a = await verifyV1a(o.jwks(), headers, body);
  const jwe = encryptedPart(body);
  if (o.decryptKey && jwe) {
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, o.decryptKey);
    r.plaintext = new TextDecoder().decode(plaintext);
    r.jweHeader = { ...protectedHeader };
  }
  return r;
}

function verifies(verify: () => unknown): boolean {
  try {
    verify();
    return true;
  } catch {
    return false;
  }
}

/** The compact JWE of an encrypted envelope `{ type, timestamp, data: { jwe } }`, if it is one. */
export function encryptedPart(body: string): string | undefined {
  try {
    const jwe = (JSON.parse(body) as { data?: { jwe?: unknown } }).data?.jwe;
    return typeof jwe === 'string' ? jwe : undefined;
  } catch {
    return undefined;
  }
}

export async function startReceiver(o: ReceiverOptions = {}): Promise<Receiver> {
  let reply: (n: number, r: Received) => Reply = o.reply ?? (() => ({ status: 200 }));
  const received: Received[] = [];
  const waiters: Array<{ n: number; resolve: (r: Received) => void }> = [];
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      );
      const r = await check(o, headers, body);
      received.push(r);
      const n = received.length;
      for (const w of waiters.filter((x) => x.n <= n)) w.resolve(received[w.n - 1] as Received);
      const answer = reply(n, r);
      if ('hold' in answer) return;
      const send = () => {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end('{"ok":true}');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    })();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/webhooks/homeward`,
    port,
    received,
    nth: (n) =>
      received[n - 1]
        ? Promise.resolve(received[n - 1] as Received)
        : new Promise((resolve) => waiters.push({ n, resolve })),
    setReply: (fn) => {
      reply = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
