import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/identity/index.js';
import { makeTempDir } from './support.js';

async function fetchJwks(emulator: Emulator) {
  const res = await fetch(emulator.jwksUrl);
  expect(res.status).toBe(200);
  return (await res.json()) as { keys: Array<Record<string, unknown>> };
}

/** A fresh key set per call, so jose's cache never hides a rotation. */
function verify(emulator: Emulator, token: string) {
  return jwtVerify(token, createRemoteJWKSet(new URL(emulator.jwksUrl)), { audience: emulator.appId });
}

describe('signing keys and tokens', () => {
  let emulator: Emulator;
  let userId: string;

  beforeAll(async () => {
    emulator = await startEmulator({ dbFile: ':memory:', authOrigin: 'http://localhost:3000', tokenTtlSeconds: 600 });
    userId = (await emulator.seedUser({ email: 'token@example.com' })).id;
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('publishes public RSA signing keys only, without an API key', async () => {
    const jwks = await fetchJwks(emulator);
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String), n: expect.any(String), e: 'AQAB' });
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(secret);
  });

  it('mints RS256 tokens with kid, an audience array, issuer and nbf = iat - 5', async () => {
    const token = await emulator.mintToken(userId);
    const header = decodeProtectedHeader(token);
    expect(header).toEqual({ alg: 'RS256', kid: (await fetchJwks(emulator)).keys[0]!.kid, typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims.sub).toBe(userId);
    expect(claims.aud).toEqual(['http://localhost:3000', emulator.appId]);
    expect(claims.iss).toBe(emulator.appId);
    expect(claims.nbf).toBe(claims.iat! - 5);
    expect(claims.exp).toBe(claims.iat! + 600);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(5);
    const { payload } = await verify(emulator, token);
    expect(payload.sub).toBe(userId);
  });

  it('honours ttlSeconds, iat and extraClaims', async () => {
    const iat = Math.floor(Date.now() / 1000) - 100;
    const claims = decodeJwt(await emulator.mintToken(userId, { iat, ttlSeconds: 30, extraClaims: { scope: 'admin' } }));
    expect(claims).toMatchObject({ iat, nbf: iat - 5, exp: iat + 30, scope: 'admin' });
    await expect(verify(emulator, await emulator.mintToken(userId, { iat, ttlSeconds: 30 }))).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    const wrongAudience = await emulator.mintToken(userId, { extraClaims: { aud: ['someone-else'] } });
    await expect(verify(emulator, wrongAudience)).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  });

  it('refuses to mint for an unknown user', async () => {
    await expect(emulator.mintToken('nobody')).rejects.toThrow();
  });

  it('rotates keys, keeping the old one published only when asked', async () => {
    const before = await emulator.mintToken(userId);
    const oldKid = decodeProtectedHeader(before).kid;

    await emulator.rotateSigningKey({ keepOld: true });
    const kept = await emulator.mintToken(userId);
    const newKid = decodeProtectedHeader(kept).kid;
    expect(newKid).not.toBe(oldKid);
    expect((await fetchJwks(emulator)).keys.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    await verify(emulator, before);
    await verify(emulator, kept);

    await emulator.rotateSigningKey();
    const latest = await emulator.mintToken(userId);
    const latestKid = decodeProtectedHeader(latest).kid;
    expect((await fetchJwks(emulator)).keys.map((k) => k.kid)).toEqual([latestKid]);
    await verify(emulator, latest);
    await expect(verify(emulator, before)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('uses the issuer option', async () => {
    const custom = await startEmulator({ dbFile: ':memory:', issuer: 'https://issuer.example' });
    try {
      const id = (await custom.seedUser({ email: 'iss@example.com' })).id;
      expect(decodeJwt(await custom.mintToken(id)).iss).toBe('https://issuer.example');
      expect(decodeJwt(await custom.mintToken(id)).aud).toEqual(['http://localhost:4000', custom.appId]);
    } finally {
      await custom.close();
    }
  });
});

describe('restart persistence', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.remove());

  it('keeps the app id, API key, users, devices and keys across restarts of the same file', async () => {
    const dbFile = tmp.file('persist.sqlite');
    const first = await startEmulator({ dbFile });
    const user = await first.seedUser({ email: 'persist@example.com', devices: [{ friendlyName: 'Laptop' }] });
    const token = await first.mintToken(user.id);
    const { appId, apiKey } = first;
    expect(appId).toMatch(/^[A-Za-z0-9]{24}$/);
    await first.close();

    const second = await startEmulator({ dbFile });
    try {
      expect(second.appId).toBe(appId);
      expect(second.apiKey).toBe(apiKey);
      expect(second.findUserByIdentifier('persist@example.com')).toEqual(user);
      const { payload } = await verify(second, token);
      expect(payload.sub).toBe(user.id);
      const res = await fetch(`${second.apiUrl}/apps/${appId}/users/${user.id}`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(res.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('lets explicit app id and API key options win over persisted ones', async () => {
    const dbFile = tmp.file('fixed.sqlite');
    const first = await startEmulator({ dbFile, appId: 'fixedAppId0000000000000A', apiKey: 'fixed-key' });
    expect(first.appId).toBe('fixedAppId0000000000000A');
    expect(first.apiKey).toBe('fixed-key');
    await first.close();
    const second = await startEmulator({ dbFile });
    expect(second.appId).toBe('fixedAppId0000000000000A');
    expect(second.apiKey).toBe('fixed-key');
    await second.close();
  });
});
