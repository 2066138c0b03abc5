/**
 * The gateway's own signing keys (access tokens, webhook v1a signatures, audit checkpoints).
 * Stored as private JWK files in KEYS_DIR (mode 0600), named `signing-<stamp>-<kid>.jwk.json`
 * where the stamp is when the key becomes active: the active key is the newest whose stamp has
 * passed, and every key in the folder is published in the JWKS, so tokens signed by an older key
 * stay verifiable until they expire and a rotated-in key is published before anyone signs with it
 * (key-rotation.ts). The ring re-reads the folder on `reload()` (the gateway does so every minute).
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';

export const SIGNING_ALG = 'EdDSA';
const FILE_PATTERN = /^signing-(\d{8}T\d{6}Z)-([A-Za-z0-9_-]+)\.jwk\.json$/;

export interface SigningKey {
  kid: string;
  alg: typeof SIGNING_ALG;
  /** The file name stamp (`20261123T170650Z`): when the key becomes, or became, active. */
  createdAt: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface KeyRing {
  /** The key new signatures use: the newest whose activation stamp has passed. */
  readonly active: SigningKey;
  /** Every key in the folder, oldest first (a rotated-in key before its activation included). */
  readonly all: SigningKey[];
  /** Public keys only, as served at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] };
  /** Public keys of keys removed by rotation (KEYS_DIR/retired/): old audit checkpoints verify. */
  retiredJwks(): JWK[];
  /** Re-read the folder (a rotation by `homeward keys rotate`); on error the current keys stay. */
  reload(): Promise<void>;
}

export class KeysError extends Error {
  override name = 'KeysError';
}

/** Generate a new Ed25519 key into `dir`; returns its kid. */
export async function generateSigningKey(dir: string, now = new Date()): Promise<string> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const file = join(dir, `signing-${stamp}-${kid}.jwk.json`);
  writeFileSync(file, `${JSON.stringify({ ...jwk, kid, alg: SIGNING_ALG, use: 'sig' }, null, 2)}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  chmodSync(file, 0o600);
  return kid;
}

export function keyFiles(dir: string): Array<{ file: string; createdAt: string; kid: string }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, m: FILE_PATTERN.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ file: join(dir, name), createdAt: m[1] ?? '', kid: m[2] ?? '' }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** `20261123T170650Z` -> epoch milliseconds. */
export function stampTime(stamp: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  return m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : Number.NaN;
}

async function readKeys(dir: string): Promise<SigningKey[]> {
  const all: SigningKey[] = [];
  for (const { file, createdAt } of keyFiles(dir)) {
    let jwk: JWK;
    try {
      jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    } catch (err) {
      throw new KeysError(`Cannot read signing key ${file}: ${(err as Error).message}`);
    }
    if (
      jwk.kty !== 'OKP' ||
      jwk.crv !== 'Ed25519' ||
      typeof jwk.d !== 'string' ||
      typeof jwk.kid !== 'string'
    ) {
      throw new KeysError(`Signing key ${file} is not an Ed25519 private JWK with a kid`);
    }
    const privateKey = (await importJWK(jwk, SIGNING_ALG)) as CryptoKey;
    const { d: _d, ...pub } = jwk;
    all.push({
      kid: jwk.kid,
      alg: SIGNING_ALG,
      createdAt,
      privateKey,
      publicJwk: { ...pub, alg: SIGNING_ALG, use: 'sig' },
    });
  }
  if (all.length === 0) throw new KeysError(`No usable signing key in ${dir}`);
  return all;
}

/** Public JWKs kept in `dir/retired/` when rotation removed their private keys. */
export function readRetired(dir: string): JWK[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, 'retired')).filter((n) => n.endsWith('.public.jwk.json'));
  } catch {
    return [];
  }
  return names
    .map((n) => {
      try {
        return JSON.parse(readFileSync(join(dir, 'retired', n), 'utf8')) as JWK;
      } catch (err) {
        throw new KeysError(`Cannot read retired key ${n}: ${(err as Error).message}`);
      }
    })
    .filter((jwk) => jwk.kty === 'OKP' && jwk.d === undefined);
}

/**
 * Load the key ring from `dir`. With `generateIfMissing` (dev only: never in production,
 * conventions 6) an empty folder gets a fresh key. `now` decides which key is active.
 */
export async function loadKeyRing(
  dir: string,
  opts: { generateIfMissing: boolean; now?: () => Date },
): Promise<KeyRing> {
  if (keyFiles(dir).length === 0) {
    if (!opts.generateIfMissing) {
      throw new KeysError(
        `No gateway signing key in ${dir}. Run "homeward keys generate" (production never generates keys on start).`,
      );
    }
    await generateSigningKey(dir);
  }
  const now = opts.now ?? (() => new Date());
  let all = await readKeys(dir);
  let retired = readRetired(dir);
  return {
    get active() {
      const t = now().getTime();
      const due = all.filter((k) => stampTime(k.createdAt) <= t);
      // A folder holding only future keys (a clock set back) still signs: with its oldest key.
      return (due[due.length - 1] ?? all[0]) as SigningKey;
    },
    get all() {
      return all;
    },
    jwks: () => ({ keys: all.map((k) => k.publicJwk) }),
    retiredJwks: () => retired,
    async reload() {
      const next = await readKeys(dir);
      retired = readRetired(dir);
      all = next;
    },
  };
}
