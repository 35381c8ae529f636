import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/identity/index.js';
import { authClient, managementClient, registerPasskey, type AuthClient } from './support.js';

const ORIGIN = 'http://localhost:4321';

describe('sessions: auth tokens and rotating refresh tokens', () => {
  let identity: Emulator;
  let api: AuthClient;
  let management: ReturnType<typeof managementClient>;
  const refresh = (token: string) => api('POST', '/tokens', { refresh_token: token });

  beforeAll(async () => {
    identity = await startEmulator({ dbFile: ':memory:', authOrigin: ORIGIN, refreshEnabled: true, tokenTtlSeconds: 120 });
    api = authClient(identity);
    management = managementClient(identity);
  });
  afterAll(async () => {
    await identity?.close();
  });

  it("the auth token lives for the app's session length", async () => {
    const { result } = await registerPasskey(api, ORIGIN, 'ttl@example.com');
    const claims = JSON.parse(Buffer.from(result.auth_token.split('.')[1], 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(120);
    expect(claims.aud).toEqual([ORIGIN, identity.appId]);
  });

  it('rotates on every use; reusing an old refresh token revokes the whole family', async () => {
    const { result } = await registerPasskey(api, ORIGIN, 'rotate@example.com');
    const first = result.refresh_token as string;
    const second = await refresh(first);
    expect(second.status).toBe(200);
    const next = second.body.auth_result.refresh_token as string;
    expect(next).not.toBe(first);
    expect(second.body.auth_result.refresh_token_expiration).toBe(result.refresh_token_expiration);
    const third = await refresh(next);
    expect(third.status).toBe(200);
    // The first token again: someone kept a copy. Everything descended from it stops working.
    expect(await refresh(first)).toMatchObject({ status: 401, body: { code: 'invalid_refresh_token' } });
    expect((await refresh(third.body.auth_result.refresh_token)).body.code).toBe('invalid_refresh_token');
  });

  it('sign-out revokes the refresh token; the issued auth token keeps working until it expires', async () => {
    const { result } = await registerPasskey(api, ORIGIN, 'signout@example.com');
    expect((await api('DELETE', `/tokens?refresh_token=${encodeURIComponent(result.refresh_token)}`)).status).toBe(200);
    expect((await refresh(result.refresh_token)).body.code).toBe('invalid_refresh_token');
    expect((await api('GET', '/currentuser', undefined, result.auth_token)).status).toBe(200);
  });

  it("the management API revokes all of a user's refresh tokens", async () => {
    const { result, userId, authenticator } = await registerPasskey(api, ORIGIN, 'everywhere@example.com');
    const start = await api('POST', '/login/webauthn/start');
    const other = await api('POST', '/login/webauthn/finish', {
      handshake_id: start.body.handshake.id,
      handshake_response: authenticator.get(start.body.handshake.challenge.publicKey),
    });
    expect((await management('DELETE', `/users/${userId}/tokens`)).status).toBe(200);
    expect((await refresh(result.refresh_token)).body.code).toBe('invalid_refresh_token');
    expect((await refresh(other.body.auth_result.refresh_token)).body.code).toBe('invalid_refresh_token');
  });

  it('a deactivated user cannot refresh; a deleted one neither', async () => {
    const a = await registerPasskey(api, ORIGIN, 'inactive-refresh@example.com');
    await management('PATCH', `/users/${a.userId}/deactivate`);
    expect(await refresh(a.result.refresh_token)).toMatchObject({ status: 403, body: { code: 'user_not_active' } });
    await management('PATCH', `/users/${a.userId}/activate`);
    expect((await refresh(a.result.refresh_token)).status).toBe(200);

    const b = await registerPasskey(api, ORIGIN, 'deleted-refresh@example.com');
    await management('DELETE', `/users/${b.userId}`);
    expect(await refresh(b.result.refresh_token)).toMatchObject({ status: 404, body: { code: 'user_not_found' } });
    expect(await api('GET', '/currentuser', undefined, b.result.auth_token)).toMatchObject({ status: 404, body: { code: 'user_not_found' } });
  });

  it('refuses a forged or missing bearer token on /currentuser', async () => {
    expect(await api('GET', '/currentuser')).toMatchObject({ status: 401, body: { code: 'invalid_access_token' } });
    expect((await api('GET', '/currentuser', undefined, 'invalid')).body.code).toBe('invalid_access_token');
    const { result } = await registerPasskey(api, ORIGIN, 'forged@example.com');
    const [h, p, s] = result.auth_token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${s}`;
    expect((await api('GET', '/currentuser', undefined, forged)).body.code).toBe('invalid_access_token');
  });

  it('without refresh enabled, results carry no refresh token', async () => {
    const plain = await startEmulator({ dbFile: ':memory:', authOrigin: ORIGIN });
    try {
      const { result } = await registerPasskey(authClient(plain), ORIGIN, 'plain@example.com');
      expect(result).not.toHaveProperty('refresh_token');
      expect((await authClient(plain)('POST', '/tokens', { refresh_token: 'x' })).body.code).toBe('invalid_refresh_token');
    } finally {
      await plain.close();
    }
  });
});

describe('transport details', () => {
  let identity: Emulator;
  beforeAll(async () => {
    identity = await startEmulator({ dbFile: ':memory:', authOrigin: ORIGIN });
  });
  afterAll(async () => {
    await identity?.close();
  });

  it("answers CORS preflights for the app's origins only", async () => {
    const url = `${identity.apiUrl}/apps/${identity.appId}/currentuser`;
    const ok = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(ok.headers.get('access-control-allow-headers')).toBe('authorization');
    const other = await fetch(url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const appInfo = await fetch(`${identity.apiUrl}/apps/${identity.appId}`, { headers: { origin: ORIGIN } });
    expect(appInfo.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('accepts trailing slashes and JSON sent as text/plain', async () => {
    const res = await fetch(`${identity.apiUrl}/apps/${identity.appId}/users/?identifier=${encodeURIComponent('nobody@example.com')}`);
    expect(await res.json()).toEqual({ user: null });
    const created = await fetch(`${identity.apiUrl}/apps/${identity.appId}/users/`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ identifier: 'someone@example.com' }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as any).user).toMatchObject({ email: 'someone@example.com', status: 'pending' });
    const login = await fetch(`${identity.apiUrl}/apps/${identity.appId}/login/webauthn/start/`, { method: 'POST' });
    expect(login.status).toBe(200);
  });

  it('an unknown app id is app_not_found', async () => {
    const res = await fetch(`${identity.apiUrl}/apps/nope/login/webauthn/start`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).code).toBe('app_not_found');
  });
});
