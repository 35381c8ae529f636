import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { EmulatorStore } from './store.js';

export type MintOptions = {
  ttlSeconds?: number;
  /** Unix seconds; defaults to now. */
  iat?: number;
  /** Merged last, so tests can also override standard claims (e.g. a wrong `aud`). */
  extraClaims?: Record<string, unknown>;
};

const ALG = 'RS256';

async function createSigningKey(): Promise<{ kid: string; privateJwk: string; publicJwk: string }> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, privateJwk: JSON.stringify(await exportJWK(privateKey)), publicJwk: JSON.stringify(publicJwk) };
}

export async function ensureSigningKey(store: EmulatorStore): Promise<void> {
  if (!store.currentKey()) store.addKey(await createSigningKey(), true);
}

export async function rotateSigningKey(store: EmulatorStore, keepOld: boolean, retireAfterSeconds?: number): Promise<string> {
  const key = await createSigningKey();
  store.addKey(key, keepOld, retireAfterSeconds === undefined ? undefined : retireAfterSeconds * 1000);
  return key.kid;
}

export function publicJwks(store: EmulatorStore): { keys: JWK[] } {
  return {
    keys: store.publishedKeys().map((row) => ({ ...(JSON.parse(row.public_jwk) as JWK), kid: row.kid, alg: ALG, use: 'sig' })),
  };
}

/** AppInfo's legacy `rsa_public_key`: the current public key as base64 of its PEM (the pre-JWKS SDKs decoded it so). */
export function rsaPublicKeyBase64(store: EmulatorStore): string {
  const key = store.currentKey();
  if (!key) return '';
  const pem = createPublicKey({ key: JSON.parse(key.public_jwk) as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  return Buffer.from(pem).toString('base64');
}

// Keyed by kid, which is the key's thumbprint, so entries never go stale across stores.
const importedKeys = new Map<string, ReturnType<typeof importJWK>>();

/** Signs a Passage-shaped auth token for an existing user with the store's current key. */
export async function mintToken(store: EmulatorStore, userId: string, opts: MintOptions = {}): Promise<string> {
  if (!store.getUser(userId)) throw new Error(`cannot mint a token: no user with id ${userId}`);
  const key = store.currentKey();
  if (!key) throw new Error('cannot mint a token: the emulator database has no signing key');
  const settings = store.settings();
  let privateKey = importedKeys.get(key.kid);
  if (!privateKey) {
    privateKey = importJWK(JSON.parse(key.private_jwk) as JWK, ALG);
    importedKeys.set(key.kid, privateKey);
  }
  const iat = opts.iat ?? Math.floor(Date.now() / 1000);
  const claims = {
    sub: userId,
    aud: [settings.authOrigin, settings.appId],
    iss: settings.issuer,
    iat,
    // Passage back-dates nbf so slightly skewed verifiers accept fresh tokens.
    nbf: iat - 5,
    exp: iat + (opts.ttlSeconds ?? settings.tokenTtlSeconds),
    ...opts.extraClaims,
  };
  return new SignJWT(claims).setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'JWT' }).sign(await privateKey);
}
