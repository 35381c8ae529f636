import { exportSPKI, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type GqlResult, type Harness } from '../helpers/harness.js';
import { callsTo, eventually, raw, snapshot } from './support.js';

/**
 * Matrix rows 1-15 and 19-22: a token that is unusable in any way is a 401 UNAUTHENTICATED with
 * `WWW-Authenticate: Bearer` and no data, and nothing is written for it; "cannot verify right
 * now" is a 503, never a 401.
 */

const ME = '{ me { id } }';
const JWKS = '/.well-known/jwks.json';
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function expectUnauthenticated(res: GqlResult<unknown>): void {
  expect(res.status).toBe(401);
  expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  expect(res.body.data ?? null).toBeNull();
}

describe('tokens', () => {
  let h: Harness;
  let member: { id: string; token: string };
  let kid: string;
  let publicJwk: JWK;

  beforeAll(async () => {
    h = await startHarness();
    member = await h.user('tokens@example.com');
    // The member's row exists, so "nothing written" below is about the attack, not first sight.
    expect((await h.gql(ME, { token: member.token })).status).toBe(200);
    const jwks = (await (await fetch(h.emulator.jwksUrl)).json()) as { keys: JWK[] };
    publicJwk = jwks.keys[0]!;
    kid = publicJwk.kid!;
  });
  afterAll(() => h?.close());

  /** Runs `send` and asserts it caused no JWKS fetch and no database change. */
  async function quietly<T>(send: () => Promise<T>): Promise<T> {
    const fetches = callsTo(h, JWKS);
    const before = snapshot(h);
    const result = await send();
    expect(callsTo(h, JWKS)).toBe(fetches);
    expect(snapshot(h)).toBe(before);
    return result;
  }

  it('row 1: no token: fields that need a user are UNAUTHENTICATED, public fields still answer', async () => {
    const res = await h.gql<{ me: unknown; user: unknown; app: { id: string } }>(`{ me { id } user(id: "${member.id}") { id } app { id } }`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ me: null, user: null, app: { id: h.emulator.appId } });
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.body.errors![0]!.path).toEqual(['user']);
  });

  it('row 2: a malformed token ("abc", two segments) is a 401 without a JWKS fetch', async () => {
    for (const token of ['abc', 'abc.def', `${b64url({ alg: 'RS256', kid })}.${b64url({ sub: member.id })}`]) {
      expectUnauthenticated(await quietly(() => h.gql(ME, { token })));
    }
  });

  it('row 3: a tampered payload (another user, a role claim) or a forged signature is a 401', async () => {
    const [header, , signature] = member.token.split('.');
    const tampered = `${header}.${b64url({ sub: 'someone-else', aud: [h.emulator.appId], exp: now() + 600, role: 'owner' })}.${signature}`;
    expectUnauthenticated(await quietly(() => h.gql(ME, { token: tampered })));
    const forged = `${member.token.slice(0, member.token.lastIndexOf('.'))}.${Buffer.alloc(256, 7).toString('base64url')}`;
    expectUnauthenticated(await quietly(() => h.gql(ME, { token: forged })));
  });

  it('row 4: alg "none" is a 401', async () => {
    const token = `${b64url({ alg: 'none', kid, typ: 'JWT' })}.${b64url({ sub: member.id, aud: [h.emulator.appId], exp: now() + 600 })}.`;
    expectUnauthenticated(await quietly(() => h.gql(ME, { token })));
  });

  it('row 5: HS256 signed with the RSA public key as the secret is a 401', async () => {
    const key = await importJWK(publicJwk, 'RS256', { extractable: true });
    const pem = await exportSPKI(key as Parameters<typeof exportSPKI>[0]);
    const token = await new SignJWT({ sub: member.id, aud: [h.emulator.appId] })
      .setProtectedHeader({ alg: 'HS256', kid })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(pem));
    expectUnauthenticated(await quietly(() => h.gql(ME, { token })));
  });

  it('row 6: expired within the 5 s clock tolerance is accepted; expired 60 s ago is a 401', async () => {
    // exp = now - 2 s: inside the tolerance with 3 s to spare.
    const recent = await h.emulator.mintToken(member.id, { iat: now() - 62, ttlSeconds: 60 });
    const ok = await h.gql(ME, { token: recent });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual({ me: { id: member.id } });

    const old = await h.emulator.mintToken(member.id, { iat: now() - 120, ttlSeconds: 60 });
    expectUnauthenticated(await quietly(() => h.gql(ME, { token: old })));
  });

  it('row 7: a token without exp is a 401', async () => {
    const token = await h.emulator.mintToken(member.id, { extraClaims: { exp: undefined } });
    expectUnauthenticated(await quietly(() => h.gql(ME, { token })));
  });

  it('row 8: a token with nbf 60 s in the future is a 401', async () => {
    const token = await h.emulator.mintToken(member.id, { extraClaims: { nbf: now() + 60 } });
    expectUnauthenticated(await quietly(() => h.gql(ME, { token })));
  });

  it('row 9: a token for another Passage app (aud) is a 401', async () => {
    const token = await h.emulator.mintToken(member.id, { extraClaims: { aud: ['another-app-id'] } });
    expectUnauthenticated(await quietly(() => h.gql(ME, { token })));
  });

  it('row 11: an injected kid is a 401 with no file or SQL access and no extra JWKS fetch', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    for (const injected of ["../../etc/passwd' OR 1=1 --", '"; DROP TABLE users; --', '/dev/zero']) {
      const token = await new SignJWT({ sub: member.id, aud: [h.emulator.appId] })
        .setProtectedHeader({ alg: 'RS256', kid: injected })
        .setExpirationTime('10m')
        .sign(privateKey);
      expectUnauthenticated(await quietly(() => h.gql(ME, { token })));
    }
    // The users table is still there and still answers.
    expect((await h.gql(ME, { token: member.token })).body.data).toEqual({ me: { id: member.id } });
  });

  it('row 12: 50 tokens with random kids in a burst are all 401 and cause at most one JWKS fetch', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const tokens = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        new SignJWT({ sub: member.id, aud: [h.emulator.appId] })
          .setProtectedHeader({ alg: 'RS256', kid: `random-${i}-${Math.random()}` })
          .setExpirationTime('10m')
          .sign(privateKey),
      ),
    );
    const fetches = callsTo(h, JWKS);
    const results = await Promise.all(tokens.map((token) => h.gql(ME, { token })));
    for (const res of results) expectUnauthenticated(res);
    expect(callsTo(h, JWKS) - fetches).toBeLessThanOrEqual(1);
  });

  it('row 14: a 9 KB token is a 401 even when validly signed: refused before any crypto', async () => {
    const big = await h.emulator.mintToken(member.id, { extraClaims: { padding: 'x'.repeat(9000) } });
    expect(big.length).toBeGreaterThan(9000);
    expectUnauthenticated(await quietly(() => h.gql(ME, { token: big })));
    // The same claims without the padding verify, so the size alone refused it.
    const small = await h.emulator.mintToken(member.id, { extraClaims: { padding: 'x' } });
    expect((await h.gql(ME, { token: small })).status).toBe(200);
  });

  it('row 15: with a header and a cookie for different users, the header wins', async () => {
    const other = await h.user('cookie-user@example.com');
    const res = await h.gql(ME, { token: member.token, headers: { cookie: `psg_auth_token=${other.token}` } });
    expect(res.body.data).toEqual({ me: { id: member.id } });
    const cookieOnly = await h.gql(ME, { headers: { cookie: `psg_auth_token=${other.token}` } });
    expect(cookieOnly.body.data).toEqual({ me: { id: other.id } });
    // A bad header is not rescued by a good cookie.
    expectUnauthenticated(await h.gql(ME, { token: 'abc', headers: { cookie: `psg_auth_token=${other.token}` } }));
  });

  it('answers a 401 over raw HTTP with RFC 6750 WWW-Authenticate', async () => {
    const res = await raw(h.url, { headers: { 'content-type': 'application/json', authorization: 'Bearer abc' }, body: JSON.stringify({ query: ME }) });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });
});

describe('row 19: JWKS down at start-up', () => {
  let h: Harness;
  let removeFault: () => void;
  beforeAll(async () => {
    h = await startHarness({
      beforeStart: (emulator) => {
        removeFault = emulator.injectFault({ match: { pathPrefix: JWKS }, status: 503 });
      },
    });
  });
  afterAll(() => h?.close());

  it('answers 503 UPSTREAM_UNAVAILABLE with Retry-After, never 401, writes nothing, and recovers', async () => {
    const member = await h.user('boot@example.com');
    const before = snapshot(h);
    const res = await h.gql(ME, { token: member.token });
    expect(res.status).toBe(503);
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(snapshot(h)).toBe(before);

    removeFault();
    const up = await h.gql(ME, { token: member.token });
    expect(up.status).toBe(200);
    expect(up.body.data).toEqual({ me: { id: member.id } });
  });
});

describe('rows 20-22: JWKS background refresh', () => {
  let h: Harness;
  let member: { id: string; token: string };
  beforeAll(async () => {
    h = await startHarness({ env: { JWKS_REFRESH_INTERVAL_MS: '100' } });
    member = await h.user('refresh@example.com');
  });
  afterAll(() => h?.close());

  const jwksCalls = (status?: number) => h.emulator.calls.filter((c) => c.path.endsWith(JWKS) && (status === undefined || c.status === status)).length;

  it('re-reads the key set on its own, with no request asking for it', async () => {
    const seen = jwksCalls();
    await eventually(() => jwksCalls() >= seen + 2);
  });

  it('row 20: keeps accepting tokens of known keys while every refresh fails', async () => {
    const failed = jwksCalls(500);
    const remove = h.emulator.injectFault({ match: { pathPrefix: JWKS }, status: 500 });
    try {
      await eventually(() => jwksCalls(500) >= failed + 3);
      const res = await h.gql(ME, { token: await h.emulator.mintToken(member.id) });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ me: { id: member.id } });
    } finally {
      remove();
    }
  });

  it('row 21: a refresh that hangs does not hold up requests', async () => {
    const hung = jwksCalls(0);
    const remove = h.emulator.injectFault({ match: { pathPrefix: JWKS }, hang: true });
    try {
      // A refresh is now stuck waiting on the endpoint.
      await eventually(() => jwksCalls(0) > hung);
      const res = await h.gql(ME, { token: member.token });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ me: { id: member.id } });
    } finally {
      remove();
    }
  });

  it('row 22: after a rotation the new key is accepted and the removed one refused, without a restart', async () => {
    const oldToken = await h.emulator.mintToken(member.id);
    expect((await h.gql(ME, { token: oldToken })).status).toBe(200);
    await h.emulator.rotateSigningKey({ keepOld: false });
    const newToken = await h.emulator.mintToken(member.id);

    await eventually(async () => (await h.gql(ME, { token: newToken })).status === 200);
    // The old kid is known locally, so only a refresh can learn that it was withdrawn.
    await eventually(async () => (await h.gql(ME, { token: oldToken })).status === 401);
    expectUnauthenticated(await h.gql(ME, { token: oldToken }));
  });
});
