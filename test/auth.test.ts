import { exportSPKI, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createTokenVerifier } from '../src/auth/token.js';
import { codes, startHarness, type Harness } from './helpers/harness.js';
import { raw } from './helpers/raw.js';

const ME = '{ me { id } }';

describe('token verification', () => {
  let h: Harness;
  let member: { id: string; token: string };

  beforeAll(async () => {
    h = await startHarness();
    member = await h.user('member@example.com');
  });
  afterAll(() => h?.close());

  const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const currentKid = async () => {
    const jwks = (await (await fetch(h.emulator.jwksUrl)).json()) as { keys: JWK[] };
    return jwks.keys[0]!.kid!;
  };

  it('accepts a token minted by the emulator', async () => {
    const res = await h.gql(ME, { token: member.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ me: { id: member.id } });
  });

  it('treats a request without a token as anonymous', async () => {
    const res = await h.gql(ME);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ me: null });
  });

  const badTokens: Record<string, () => Promise<string>> = {
    expired: () => h.emulator.mintToken(member.id, { iat: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 3600 }),
    'without exp': () => h.emulator.mintToken(member.id, { extraClaims: { exp: undefined } }),
    'without sub': () => h.emulator.mintToken(member.id, { extraClaims: { sub: undefined } }),
    'for another app (aud)': () => h.emulator.mintToken(member.id, { extraClaims: { aud: ['http://localhost:4000', 'someotherapp'] } }),
    'not yet valid (nbf in the future)': () => h.emulator.mintToken(member.id, { extraClaims: { nbf: Math.floor(Date.now() / 1000) + 600 } }),
    'alg none': async () =>
      `${b64url({ alg: 'none', kid: await currentKid(), typ: 'JWT' })}.${b64url({ sub: member.id, aud: [h.emulator.appId], exp: Math.floor(Date.now() / 1000) + 600 })}.`,
    'HS256 signed with the public key': async () => {
      const jwks = (await (await fetch(h.emulator.jwksUrl)).json()) as { keys: JWK[] };
      const publicKey = await importJWK(jwks.keys[0]!, 'RS256', { extractable: true });
      const pem = await exportSPKI(publicKey as Parameters<typeof exportSPKI>[0]);
      return new SignJWT({ sub: member.id, aud: [h.emulator.appId] })
        .setProtectedHeader({ alg: 'HS256', kid: jwks.keys[0]!.kid! })
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(pem));
    },
    'signed by an unknown key': async () => {
      const { privateKey } = await generateKeyPair('RS256');
      return new SignJWT({ sub: member.id, aud: [h.emulator.appId] })
        .setProtectedHeader({ alg: 'RS256', kid: 'not-a-known-kid' })
        .setExpirationTime('10m')
        .sign(privateKey);
    },
    'signed by an unknown key that reuses a known kid': async () => {
      const { privateKey } = await generateKeyPair('RS256');
      return new SignJWT({ sub: member.id, aud: [h.emulator.appId] })
        .setProtectedHeader({ alg: 'RS256', kid: await currentKid() })
        .setExpirationTime('10m')
        .sign(privateKey);
    },
    'without kid': async () => {
      const token = await h.emulator.mintToken(member.id);
      const [, payload, signature] = token.split('.');
      return `${b64url({ alg: 'RS256', typ: 'JWT' })}.${payload}.${signature}`;
    },
    'with a tampered payload': async () => {
      const other = await h.user('other@example.com');
      const [header, , signature] = member.token.split('.');
      const [, otherPayload] = (await h.emulator.mintToken(other.id)).split('.');
      return `${header}.${otherPayload}.${signature}`;
    },
    garbage: async () => 'definitely.not.a-jwt',
    'oversized garbage': async () => 'a'.repeat(8000),
  };

  for (const [kind, make] of Object.entries(badTokens)) {
    it(`refuses a token ${kind} with HTTP 401 UNAUTHENTICATED`, async () => {
      const res = await h.gql(ME, { token: await make() });
      expect(res.status).toBe(401);
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
      expect(res.body.data ?? null).toBeNull();
      expect(JSON.stringify(res.body)).not.toMatch(/stack|at .*\.ts:\d+/);
    });
  }

  it('reads the psg_auth_token cookie', async () => {
    const res = await h.gql(ME, { headers: { cookie: `theme=dark; psg_auth_token=${member.token}` } });
    expect(res.body.data).toEqual({ me: { id: member.id } });
  });

  it('prefers the Authorization header over the cookie', async () => {
    const other = await h.user('cookie-loser@example.com');
    const res = await h.gql(ME, { token: member.token, headers: { cookie: `psg_auth_token=${other.token}` } });
    expect(res.body.data).toEqual({ me: { id: member.id } });
    const bad = await h.gql(ME, { token: 'garbage', headers: { cookie: `psg_auth_token=${other.token}` } });
    expect(bad.status).toBe(401);
  });

  // A sibling subdomain can plant psg_auth_token for the parent domain; the browser sends both.
  it('uses the valid psg_auth_token when another cookie of that name is garbage, in either order', async () => {
    for (const cookie of [`psg_auth_token=garbage; psg_auth_token=${member.token}`, `psg_auth_token=${member.token}; psg_auth_token=garbage`]) {
      const res = await h.gql(ME, { headers: { cookie } });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ me: { id: member.id } });
    }
  });

  it('passes over a planted expired token too', async () => {
    const expired = await h.emulator.mintToken(member.id, { iat: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 3600 });
    const res = await h.gql(ME, { headers: { cookie: `psg_auth_token=${expired}; theme=dark; psg_auth_token=${member.token}` } });
    expect(res.body.data).toEqual({ me: { id: member.id } });
  });

  it('is 401 when no psg_auth_token cookie is valid', async () => {
    const res = await h.gql(ME, { headers: { cookie: 'psg_auth_token=garbage; psg_auth_token=rubbish' } });
    expect(res.status).toBe(401);
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('verifies at most three psg_auth_token cookies', async () => {
    const planted = ['a', 'b', 'c'].map((v) => `psg_auth_token=garbage-${v}`).join('; ');
    expect((await h.gql(ME, { headers: { cookie: `${planted}; psg_auth_token=${member.token}` } })).status).toBe(401);
    // Repeats of one value count once.
    const repeated = 'psg_auth_token=x; psg_auth_token=x; psg_auth_token=x';
    expect((await h.gql(ME, { headers: { cookie: `${repeated}; psg_auth_token=${member.token}` } })).body.data).toEqual({ me: { id: member.id } });
  });

  describe('tokens signed with the real key that break one rule', () => {
    // Signed with the emulator's own current key, so each refusal is about the rule named, not
    // about a broken signature. With a single key in the JWKS a key could be picked without a kid.
    async function sign(claims: Record<string, unknown>, header: Record<string, unknown>): Promise<string> {
      const emulatorDb = new Database(join(h.dir, 'emulator.sqlite'), { readonly: true });
      try {
        const row = emulatorDb.prepare('select kid, private_jwk as jwk from signing_keys where current = 1').get() as { kid: string; jwk: string };
        const key = await importJWK(JSON.parse(row.jwk) as JWK, 'RS256');
        const kid = 'kid' in header ? header['kid'] : row.kid;
        const protectedHeader = { alg: 'RS256', ...header, ...(kid === undefined ? {} : { kid }) } as { alg: string; kid?: string };
        if (kid === undefined) delete protectedHeader.kid;
        return await new SignJWT({ sub: member.id, aud: [h.emulator.appId], ...claims }).setProtectedHeader(protectedHeader).setExpirationTime('10m').sign(key);
      } finally {
        emulatorDb.close();
      }
    }

    it('the same signing is accepted when every rule holds (the cases below are not broken signatures)', async () => {
      const res = await h.gql(ME, { token: await sign({}, {}) });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ me: { id: member.id } });
    });

    const cases: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
      'no kid': [{}, { kid: undefined }],
      'an empty kid': [{}, { kid: '' }],
      'an empty sub': [{ sub: '' }, {}],
      'a numeric sub': [{ sub: 123 }, {}],
    };
    for (const [name, [claims, header]] of Object.entries(cases)) {
      it(`refuses ${name} with HTTP 401`, async () => {
        const res = await h.gql(ME, { token: await sign(claims, header) });
        expect(res.status).toBe(401);
        expect(codes(res)).toEqual(['UNAUTHENTICATED']);
        expect(res.body.data ?? null).toBeNull();
      });
    }
  });

  describe('the Authorization header', () => {
    const send = (authorization: string, cookie?: string) =>
      raw(h.url, {
        headers: { 'content-type': 'application/json', authorization, ...(cookie ? { cookie } : {}) },
        body: JSON.stringify({ query: ME }),
      });

    it('accepts the Bearer scheme in any case, with any spacing around the token', async () => {
      for (const header of [
        `Bearer ${member.token}`,
        `bearer ${member.token}`,
        `BEARER ${member.token}`,
        `Bearer   ${member.token}`,
        `Bearer\t${member.token}`,
        `Bearer ${member.token}  `,
      ]) {
        const res = await send(header);
        expect([header.slice(0, 9), res.status, JSON.parse(res.body).data]).toEqual([header.slice(0, 9), 200, { me: { id: member.id } }]);
      }
    });

    it('refuses anything else that carries the token: other schemes, prefixes, trailing words, no space', async () => {
      for (const header of [
        `xBearer ${member.token}`,
        `Token ${member.token}`,
        `Bearer ${member.token} extra`,
        `Bearer${member.token}`,
        `Bearer Bearer ${member.token}`,
      ]) {
        const res = await send(header);
        expect([header.slice(0, 9), res.status]).toEqual([header.slice(0, 9), 401]);
      }
    });

    it('an empty Authorization header is no header: the cookie is used', async () => {
      const res = await send('', `psg_auth_token=${member.token}`);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).data).toEqual({ me: { id: member.id } });
      // Without the cookie the same request is anonymous.
      const anonymous = await send('');
      expect(JSON.parse(anonymous.body).data).toEqual({ me: null });
    });
  });
});

describe('JWKS outages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('keeps accepting tokens of known keys while the JWKS endpoint is down', async () => {
    const member = await h.user('m@example.com');
    expect((await h.gql(ME, { token: member.token })).status).toBe(200);
    const remove = h.emulator.injectFault({ match: { pathPrefix: '/.well-known/jwks.json' }, status: 500 });
    try {
      const res = await h.gql(ME, { token: await h.emulator.mintToken(member.id) });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ me: { id: member.id } });
    } finally {
      remove();
    }
  });
});

describe('JWKS unreachable at start-up', () => {
  let h: Harness;
  let removeFault: () => void;
  beforeAll(async () => {
    h = await startHarness({
      beforeStart: (emulator) => {
        removeFault = emulator.injectFault({ match: { pathPrefix: '/.well-known/jwks.json' }, status: 503 });
      },
    });
  });
  afterAll(() => h?.close());

  it('answers 503, never 401, while no usable key can be fetched, and recovers', async () => {
    const member = await h.user('n@example.com');
    const down = await h.gql(ME, { token: member.token });
    expect(down.status).toBe(503);
    expect(codes(down)).toEqual(['UPSTREAM_UNAVAILABLE']);
    // Anonymous requests need no key and keep working.
    expect((await h.gql(ME)).status).toBe(200);

    removeFault();
    const up = await h.gql(ME, { token: member.token });
    expect(up.status).toBe(200);
    expect(up.body.data).toEqual({ me: { id: member.id } });
  });
});

describe('createTokenVerifier', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('fetches the key set again for a kid it has not seen (key rotation)', async () => {
    const member = await h.user('rotating@example.com');
    const verifier = createTokenVerifier({ jwksUrl: h.emulator.jwksUrl, appId: h.emulator.appId, jwksCooldownMs: 0 });
    await verifier.warm();
    await h.emulator.rotateSigningKey({ keepOld: true });
    const fresh = await h.emulator.mintToken(member.id);
    await expect(verifier.verify(fresh)).resolves.toMatchObject({ userId: member.id });
    // The old key is still published, so tokens it signed keep working.
    await expect(verifier.verify(member.token)).resolves.toMatchObject({ userId: member.id });
  });

  it('reports an unknown kid as an invalid token once the fresh key set lacks it', async () => {
    const verifier = createTokenVerifier({ jwksUrl: h.emulator.jwksUrl, appId: h.emulator.appId, jwksCooldownMs: 0 });
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'x', aud: [h.emulator.appId] })
      .setProtectedHeader({ alg: 'RS256', kid: 'nope' })
      .setExpirationTime('10m')
      .sign(privateKey);
    await expect(verifier.verify(token)).rejects.toMatchObject({ name: 'InvalidTokenError', reason: 'UNKNOWN_KEY' });
  });
});

describe('logs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ captureLogs: true });
  });
  afterAll(() => h?.close());

  it('carry the request id and never a token', async () => {
    const member = await h.user('logged@example.com');
    const bad = `${member.token.slice(0, -4)}AAAA`;
    await h.gql(ME, { token: member.token, headers: { 'x-request-id': 'req-valid-1' } });
    await h.gql(ME, { token: bad, headers: { 'x-request-id': 'req-bad-1' } });
    await h.gql(ME, { headers: { cookie: `psg_auth_token=${bad}`, 'x-request-id': 'req-cookie-1' } });
    const text = h.logs.join('\n');
    expect(text).toContain('req-bad-1');
    expect(text).not.toContain(member.token);
    expect(text).not.toContain(bad);
    expect(text).not.toContain(member.token.split('.')[2]!);
  });
});
