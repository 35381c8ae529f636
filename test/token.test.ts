import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createTokenVerifier,
  InvalidTokenError,
  JwksUnavailableError,
  MAX_COOKIE_TOKENS,
  MAX_TOKEN_LENGTH,
  reportingFailures,
  tokenCandidates,
  verifyAny,
  type TokenVerifier,
} from '../src/auth/token.js';

// The token module on its own, against a key set served on loopback by this file: each rule of
// src/auth/token.ts is asserted by the refusal reason it gives (what the server logs and counts).

const APP = 'app-under-test';

type Key = { kid: string; privateKey: CryptoKey; jwk: JWK };
async function makeKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

let server: Server;
let jwksUrl: string;
let published: Key[] = [];
let jwksDown = false;
let jwksDelayMs = 0;
let fetches = 0;
let k1: Key, k2: Key;

beforeAll(async () => {
  [k1, k2] = await Promise.all([makeKey('k1'), makeKey('k2')]);
  published = [k1];
  server = createServer((_req, res) => {
    fetches++;
    if (jwksDown) {
      res.writeHead(500).end();
      return;
    }
    const body = JSON.stringify({ keys: published.map((k) => k.jwk) });
    const answer = () => {
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    };
    if (jwksDelayMs > 0) setTimeout(answer, jwksDelayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

const fresh = () => createTokenVerifier({ jwksUrl, appId: APP, jwksCooldownMs: 0 });
const now = () => Math.floor(Date.now() / 1000);

async function sign(opts: { claims?: JWTPayload; kid?: string | null; key?: Key; exp?: number | null } = {}): Promise<string> {
  const key = opts.key ?? k1;
  const header: { alg: string; kid?: string } = { alg: 'RS256' };
  if (opts.kid !== null) header.kid = opts.kid ?? key.kid;
  const jwt = new SignJWT({ sub: 'user-1', aud: [APP], ...opts.claims }).setProtectedHeader(header);
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? now() + 600);
  return jwt.sign(key.privateKey);
}

const reasonOf = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (err: unknown) => (err instanceof InvalidTokenError ? err.reason : err instanceof JwksUnavailableError ? 'JWKS_UNAVAILABLE' : String(err)),
  );

describe('createTokenVerifier', () => {
  it('accepts a valid token and gives its user and expiry in milliseconds', async () => {
    const exp = now() + 600;
    await expect(fresh().verify(await sign({ exp }))).resolves.toEqual({ userId: 'user-1', expiresAt: exp * 1000 });
  });

  it('refuses by size before anything else: MAX_TOKEN_LENGTH characters pass the size check, one more does not', async () => {
    const verifier = fresh();
    const before = fetches;
    expect(await reasonOf(verifier.verify('a'.repeat(MAX_TOKEN_LENGTH + 1)))).toBe('TOO_LARGE');
    expect(await reasonOf(verifier.verify('a'.repeat(MAX_TOKEN_LENGTH)))).toBe('MALFORMED');
    expect(fetches).toBe(before);
  });

  it('gives each broken rule its own reason', async () => {
    const verifier = fresh();
    const [header, , signature] = (await sign()).split('.');
    const other = (await sign({ claims: { sub: 'someone-else' } })).split('.')[1];
    const cases: Record<string, Promise<string>> = {
      MALFORMED: sign().then(() => 'abc.def'),
      NO_KID: sign({ kid: null }),
      'NO_KID (empty)': sign({ kid: '' }),
      EXPIRED: sign({ exp: now() - 60 }),
      BAD_SIGNATURE: Promise.resolve(`${header}.${other}.${signature}`),
      'BAD_CLAIMS (aud)': sign({ claims: { aud: ['another-app'] } }),
      'BAD_CLAIMS (empty sub)': sign({ claims: { sub: '' } }),
      'BAD_CLAIMS (numeric sub)': sign({ claims: { sub: 123 as unknown as string } }),
      'BAD_CLAIMS (nbf ahead)': sign({ claims: { nbf: now() + 60 } }),
      'BAD_CLAIMS (no exp)': sign({ exp: null }),
      'BAD_CLAIMS (no sub)': sign({ claims: { sub: undefined } }),
      // Neither expired, nor a bad signature, nor a claim: any other refusal is MALFORMED.
      'MALFORMED (HS256)': new SignJWT({ sub: 'user-1', aud: [APP] })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .setExpirationTime('10m')
        .sign(new Uint8Array(32)),
    };
    const got: Record<string, string> = {};
    for (const [name, token] of Object.entries(cases)) got[name] = await reasonOf(verifier.verify(await token));
    expect(got).toEqual({
      MALFORMED: 'MALFORMED',
      NO_KID: 'NO_KID',
      'NO_KID (empty)': 'NO_KID',
      EXPIRED: 'EXPIRED',
      BAD_SIGNATURE: 'BAD_SIGNATURE',
      'BAD_CLAIMS (aud)': 'BAD_CLAIMS',
      'BAD_CLAIMS (empty sub)': 'BAD_CLAIMS',
      'BAD_CLAIMS (numeric sub)': 'BAD_CLAIMS',
      'BAD_CLAIMS (nbf ahead)': 'BAD_CLAIMS',
      'BAD_CLAIMS (no exp)': 'BAD_CLAIMS',
      'BAD_CLAIMS (no sub)': 'BAD_CLAIMS',
      'MALFORMED (HS256)': 'MALFORMED',
    });
  });

  it('keeps the underlying error as the cause of each refusal, for the log', async () => {
    const verifier = fresh();
    const causeOf = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (err: Error) => (err.cause as Error | undefined)?.name,
      );
    expect(await causeOf(verifier.verify('abc'))).toBeDefined();
    expect(await causeOf(verifier.verify(await sign({ exp: now() - 60 })))).toBe('JWTExpired');
    expect(await causeOf(verifier.verify(await sign({ key: k2 })))).toBe('JWKSNoMatchingKey');
    jwksDown = true;
    try {
      expect(await causeOf(fresh().verify(await sign()))).toBeDefined();
    } finally {
      jwksDown = false;
    }
  });

  it('trusts fetched keys for 24 h by default while the key set cannot be re-read, or for jwksMaxAgeMs', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const verifier = fresh();
      const short = createTokenVerifier({ jwksUrl, appId: APP, jwksCooldownMs: 0, jwksMaxAgeMs: 60_000 });
      await verifier.warm();
      await short.warm();
      jwksDown = true;
      vi.setSystemTime(Date.now() + 3600_000);
      expect(await reasonOf(verifier.verify(await sign()))).toBe('accepted');
      expect(await reasonOf(short.verify(await sign()))).toBe('JWKS_UNAVAILABLE');
      vi.setSystemTime(Date.now() + 24 * 3600_000);
      expect(await reasonOf(verifier.verify(await sign()))).toBe('JWKS_UNAVAILABLE');
    } finally {
      jwksDown = false;
      vi.useRealTimers();
    }
  });

  it('gives up on a key set fetch after jwksTimeoutMs', async () => {
    jwksDelayMs = 1500;
    try {
      const impatient = createTokenVerifier({ jwksUrl, appId: APP, jwksTimeoutMs: 100 });
      expect(await reasonOf(impatient.verify(await sign()))).toBe('JWKS_UNAVAILABLE');
    } finally {
      jwksDelayMs = 0;
    }
  });

  it('allows 5 s of clock skew by default and no more', async () => {
    const verifier = fresh();
    expect(await reasonOf(verifier.verify(await sign({ exp: now() - 2 })))).toBe('accepted');
    expect(await reasonOf(verifier.verify(await sign({ exp: now() - 15 })))).toBe('EXPIRED');
    const strict = createTokenVerifier({ jwksUrl, appId: APP, clockToleranceSeconds: 0 });
    expect(await reasonOf(strict.verify(await sign({ exp: now() - 2 })))).toBe('EXPIRED');
  });

  it('refuses an unknown kid as UNKNOWN_KEY, and a token with no reachable key set as JWKS_UNAVAILABLE', async () => {
    const verifier = fresh();
    expect(await reasonOf(verifier.verify(await sign({ key: k2 })))).toBe('UNKNOWN_KEY');
    jwksDown = true;
    try {
      expect(await reasonOf(fresh().verify(await sign()))).toBe('JWKS_UNAVAILABLE');
    } finally {
      jwksDown = false;
    }
  });

  it('knows which kids are published: after warm(), after a token of a new kid, after refresh()', async () => {
    const verifier = fresh();
    expect(verifier.keyPublished('k1')).toBe(false);
    await verifier.warm();
    expect([verifier.keyPublished('k1'), verifier.keyPublished('k2')]).toEqual([true, false]);

    published = [k1, k2];
    try {
      // A token of a kid the verifier has not seen makes jose fetch again; the snapshot follows.
      await expect(verifier.verify(await sign({ key: k2 }))).resolves.toMatchObject({ userId: 'user-1' });
      expect([verifier.keyPublished('k1'), verifier.keyPublished('k2')]).toEqual([true, true]);

      published = [k2];
      expect(await verifier.refresh()).toBe(true);
      expect([verifier.keyPublished('k1'), verifier.keyPublished('k2')]).toEqual([false, true]);

      // A failed refresh keeps the keys held.
      jwksDown = true;
      expect(await verifier.refresh()).toBe(false);
      expect(verifier.keyPublished('k2')).toBe(true);
      await expect(verifier.verify(await sign({ key: k2 }))).resolves.toMatchObject({ userId: 'user-1' });
    } finally {
      jwksDown = false;
      published = [k1];
    }
  });

  it('drops a removed kid from the snapshot when jose finds it missing from a fresh key set', async () => {
    const verifier = fresh();
    await verifier.warm();
    published = [k2];
    try {
      expect(await reasonOf(verifier.verify(await sign({ key: k1 })))).toBe('accepted'); // still cached by jose
      expect(await reasonOf(verifier.verify(await sign({ key: k2 })))).toBe('accepted');
      expect([verifier.keyPublished('k1'), verifier.keyPublished('k2')]).toEqual([false, true]);
    } finally {
      published = [k1];
    }
  });

  it('ignores keys without a kid in the snapshot', async () => {
    const verifier = fresh();
    published = [k1, { ...k2, jwk: { ...k2.jwk, kid: undefined } as JWK }];
    try {
      await verifier.warm();
      expect(verifier.keyPublished('undefined')).toBe(false);
      expect(verifier.keyPublished('k1')).toBe(true);
    } finally {
      published = [k1];
    }
  });
});

describe('tokenCandidates', () => {
  it('takes the Authorization header alone when it is present and not empty', () => {
    expect(tokenCandidates({ authorization: 'Bearer abc', cookie: 'psg_auth_token=def' })).toEqual(['abc']);
    expect(tokenCandidates({ authorization: 'bearer \t abc  ' })).toEqual(['abc']);
    // Not the Bearer form: the whole header is offered, so the request is refused, not anonymous.
    for (const header of ['Basic abc', 'Bearer', 'Bearer abc def', 'Bearerabc', 'x Bearer abc', 'Bearer  ']) {
      expect(tokenCandidates({ authorization: header })).toEqual([header]);
    }
    expect(tokenCandidates({ authorization: '', cookie: 'psg_auth_token=def' })).toEqual(['def']);
    expect(tokenCandidates({})).toEqual([]);
  });

  it('reads distinct, non-empty psg_auth_token cookies in order, decoded, at most MAX_COOKIE_TOKENS', () => {
    expect(
      tokenCandidates({
        cookie: ' other=1; psg_auth_token = a ;psg_auth_tokenx=b; xpsg_auth_token=c; psg_auth_token=; psg_auth_token; psg_auth_token=a; psg_auth_token=b%2Bc',
      }),
    ).toEqual(['a', 'b+c']);
    expect(tokenCandidates({ cookie: 'psg_auth_token=%E0%A4%A' })).toEqual(['%E0%A4%A']);
    expect(tokenCandidates({ cookie: 'psg_auth_token=a=b' })).toEqual(['a=b']);
    // A part with no "=" is no cookie of that name, whatever it starts with.
    expect(tokenCandidates({ cookie: 'psg_auth_tokenX; psg_auth_token' })).toEqual([]);
    const many = Array.from({ length: MAX_COOKIE_TOKENS + 2 }, (_, i) => `psg_auth_token=t${i}`).join('; ');
    expect(tokenCandidates({ cookie: many })).toEqual(Array.from({ length: MAX_COOKIE_TOKENS }, (_, i) => `t${i}`));
    expect(MAX_COOKIE_TOKENS).toBe(3);
  });
});

describe('verifyAny and reportingFailures', () => {
  const scripted = (outcomes: Record<string, 'ok' | 'keys' | InvalidTokenError['reason'] | 'boom'>): TokenVerifier & { tried: string[] } => {
    const tried: string[] = [];
    return {
      tried,
      async verify(token) {
        tried.push(token);
        const outcome = outcomes[token]!;
        if (outcome === 'ok') return { userId: token, expiresAt: 1 };
        if (outcome === 'keys') throw new JwksUnavailableError();
        if (outcome === 'boom') throw new TypeError('boom');
        throw new InvalidTokenError(outcome);
      },
      warm: async () => {},
      refresh: async () => true,
      keyPublished: () => true,
    };
  };

  it('returns the first candidate that verifies, null for none, and otherwise explains the failure', async () => {
    const v = scripted({ bad: 'EXPIRED', bad2: 'BAD_SIGNATURE', good: 'ok', down: 'keys' });
    await expect(verifyAny(v, ['bad', 'good', 'down'])).resolves.toEqual({ userId: 'good', expiresAt: 1 });
    expect(v.tried).toEqual(['bad', 'good']);
    await expect(verifyAny(v, [])).resolves.toBeNull();
    // The first refusal, when every candidate is refused.
    await expect(verifyAny(v, ['bad', 'bad2'])).rejects.toMatchObject({ reason: 'EXPIRED' });
    // "Cannot verify now" wins over a refusal, in either order: the unverified one may be valid.
    await expect(verifyAny(v, ['bad', 'down'])).rejects.toBeInstanceOf(JwksUnavailableError);
    await expect(verifyAny(v, ['down', 'bad'])).rejects.toBeInstanceOf(JwksUnavailableError);
  });

  it('reports each refusal reason, JWKS_UNAVAILABLE, or MALFORMED for anything else, and nothing on success', async () => {
    const reports: string[] = [];
    const v = reportingFailures(scripted({ ok: 'ok', exp: 'EXPIRED', keys: 'keys', boom: 'boom' }), (r) => reports.push(r));
    await expect(v.verify('ok')).resolves.toEqual({ userId: 'ok', expiresAt: 1 });
    await expect(v.verify('exp')).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(v.verify('keys')).rejects.toBeInstanceOf(JwksUnavailableError);
    await expect(v.verify('boom')).rejects.toBeInstanceOf(TypeError);
    expect(reports).toEqual(['EXPIRED', 'JWKS_UNAVAILABLE', 'MALFORMED']);
  });
});
