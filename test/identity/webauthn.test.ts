import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/identity/index.js';
import { SoftAuthenticator } from '../helpers/authenticator.js';
import { authClient, loginPasskey, managementClient, registerPasskey, type AuthClient } from './support.js';

const ORIGIN = 'http://localhost:4321';

describe('passkeys through the Authentication API', () => {
  let identity: Emulator;
  let api: AuthClient;
  let management: ReturnType<typeof managementClient>;

  beforeAll(async () => {
    identity = await startEmulator({
      dbFile: ':memory:',
      authOrigin: ORIGIN,
      refreshEnabled: true,
      limits: { perIpPerMinute: 10_000, perIdentifierPerMinute: 1000 },
    });
    api = authClient(identity);
    management = managementClient(identity);
  });
  afterAll(async () => {
    await identity?.close();
  });

  it('registers a discoverable passkey whose user handle is the Passage user id, and signs in with it', async () => {
    const start = await api('POST', '/register/webauthn/start', { identifier: 'Alice@Example.com' });
    expect(start.status).toBe(201);
    const { publicKey } = start.body.handshake.challenge;
    expect(publicKey.user.id).toBe(start.body.user.id);
    expect(publicKey.rp.id).toBe('localhost');
    expect(publicKey.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required', authenticatorAttachment: 'platform' });
    expect(start.body.user).not.toHaveProperty('webauthn_types');
    expect(start.body.user.status).toBe('pending');

    const authenticator = new SoftAuthenticator(ORIGIN);
    const finish = await api('POST', '/register/webauthn/finish', {
      handshake_id: start.body.handshake.id,
      user_id: start.body.user.id,
      handshake_response: authenticator.create(publicKey),
    });
    expect(finish.status).toBe(201);
    const result = finish.body.auth_result;
    expect(result).toMatchObject({ redirect_url: '/', refresh_token: expect.any(String), refresh_token_expiration: expect.any(Number) });
    const { payload, protectedHeader } = await jwtVerify(result.auth_token, createRemoteJWKSet(new URL(identity.jwksUrl)), { audience: identity.appId });
    expect(payload.sub).toBe(start.body.user.id);
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: expect.any(String) });

    const user = identity.findUserByIdentifier('alice@example.com')!;
    expect(user).toMatchObject({ status: 'active', login_count: 1 });
    expect(user.webauthn_devices).toEqual([expect.objectContaining({ cred_id: authenticator.id })]);

    // Discoverable: no identifier, no allowCredentials, the user comes from the credential.
    const discoverableStart = await api('POST', '/login/webauthn/start');
    expect(discoverableStart.body.user).toBeNull();
    expect(discoverableStart.body.handshake.challenge.publicKey).toMatchObject({ rpId: 'localhost', userVerification: 'required', allowCredentials: [] });
    const login = await api('POST', '/login/webauthn/finish', {
      handshake_id: discoverableStart.body.handshake.id,
      handshake_response: authenticator.get(discoverableStart.body.handshake.challenge.publicKey),
    });
    expect(login.status).toBe(200);
    expect((await jwtVerify(login.body.auth_result.auth_token, createRemoteJWKSet(new URL(identity.jwksUrl)))).payload.sub).toBe(user.id);

    // With an identifier: allowCredentials lists the user's passkeys.
    const withId = await api('POST', '/login/webauthn/start', { identifier: 'alice@example.com' });
    expect(withId.body.handshake.challenge.publicKey.allowCredentials).toEqual([expect.objectContaining({ id: authenticator.id, type: 'public-key' })]);
    const login2 = await loginPasskey(api, authenticator, 'alice@example.com');
    expect(login2.status).toBe(200);
    expect(identity.findUserByIdentifier('alice@example.com')).toMatchObject({ login_count: 3 });

    // A user who signed in already cannot register again.
    const again = await api('POST', '/register/webauthn/start', { identifier: 'alice@example.com' });
    expect(again).toMatchObject({ status: 400, body: { code: 'invalid_request', error: 'user: already exists.' } });
  });

  it('keeps the transports passage-js 4.1.2 sends beside `response`, and needs no client extension results', async () => {
    const start = await api('POST', '/register/webauthn/start', { identifier: 'passage-js@example.com' });
    const authenticator = new SoftAuthenticator(ORIGIN);
    // The body passage-js builds: transports moved out of `response`, no authenticatorAttachment or clientExtensionResults.
    const { response, id, rawId, type } = authenticator.create(start.body.handshake.challenge.publicKey);
    const finish = await api('POST', '/register/webauthn/finish', {
      handshake_id: start.body.handshake.id,
      user_id: start.body.user.id,
      handshake_response: {
        rawId,
        id,
        type,
        response: { attestationObject: response.attestationObject, clientDataJSON: response.clientDataJSON },
        transports: ['internal'],
      },
    });
    expect(finish.status).toBe(201);
    const login = await api('POST', '/login/webauthn/start', { identifier: 'passage-js@example.com' });
    expect(login.body.handshake.challenge.publicKey.allowCredentials).toEqual([{ id: authenticator.id, type: 'public-key', transports: ['internal'] }]);
    const assertion = authenticator.get(login.body.handshake.challenge.publicKey);
    const { authenticatorAttachment: _a, clientExtensionResults: _c, ...bare } = assertion;
    // An authenticator that returns no user handle: passage-js encodes the null as "".
    const signedIn = await api('POST', '/login/webauthn/finish', {
      handshake_id: login.body.handshake.id,
      user_id: start.body.user.id,
      handshake_response: { ...bare, response: { ...bare.response, userHandle: '' } },
    });
    expect(signedIn.status).toBe(200);
  });

  it('answers the reference codes for unknown users, users without passkeys and deactivated users', async () => {
    expect((await api('POST', '/login/webauthn/start', { identifier: 'nobody@example.com' })).body.code).toBe('user_not_found');
    await identity.seedUser({ email: 'nopasskey@example.com' });
    expect(await api('POST', '/login/webauthn/start', { identifier: 'nopasskey@example.com' })).toMatchObject({
      status: 409,
      body: { code: 'user_has_no_passkeys' },
    });
    expect((await api('POST', '/login/webauthn/start', { identifier: 'not-an-email' })).body.code).toBe('invalid_request');

    const { authenticator, userId } = await registerPasskey(api, ORIGIN, 'deactivated@example.com');
    expect((await management('PATCH', `/users/${userId}/deactivate`)).status).toBe(200);
    expect(await api('POST', '/login/webauthn/start', { identifier: 'deactivated@example.com' })).toMatchObject({
      status: 403,
      body: { code: 'user_not_active' },
    });
    expect(await loginPasskey(api, authenticator)).toMatchObject({ status: 403, body: { code: 'user_not_active' } });
  });

  it('a passkey deleted through either API can no longer sign in', async () => {
    const first = await registerPasskey(api, ORIGIN, 'deleter@example.com');
    expect((await loginPasskey(api, first.authenticator)).status).toBe(200);
    const [device] = identity.findUserByIdentifier('deleter@example.com')!.webauthn_devices;
    expect((await management('DELETE', `/users/${first.userId}/devices/${device!.id}`)).status).toBe(200);
    expect(await loginPasskey(api, first.authenticator)).toMatchObject({ status: 401, body: { code: 'discoverable_login_failed' } });

    const second = await registerPasskey(api, ORIGIN, 'self-deleter@example.com');
    const token = second.result.auth_token;
    const devices = await api('GET', '/currentuser/devices', undefined, token);
    expect(devices.body.devices).toHaveLength(1);
    expect(devices.body.devices[0]).toMatchObject({ cred_id: second.authenticator.id, user_id: second.userId });
    expect((await api('DELETE', `/currentuser/devices/${devices.body.devices[0].id}`, undefined, token)).status).toBe(200);
    expect((await loginPasskey(api, second.authenticator)).body.code).toBe('discoverable_login_failed');
  });

  it('adds a second passkey to the signed-in user, renames it, and both sign in', async () => {
    const { authenticator, result, userId } = await registerPasskey(api, ORIGIN, 'two-keys@example.com');
    const token = result.auth_token;
    const start = await api('POST', '/currentuser/devices/start', {}, token);
    expect(start.status).toBe(200);
    expect(start.body.handshake.challenge.publicKey.excludeCredentials).toEqual([expect.objectContaining({ id: authenticator.id })]);
    const second = new SoftAuthenticator(ORIGIN);
    const finish = await api(
      'POST',
      '/currentuser/devices/finish',
      {
        handshake_id: start.body.handshake.id,
        user_id: userId,
        handshake_response: second.create(start.body.handshake.challenge.publicKey),
      },
      token,
    );
    expect(finish.status).toBe(200);
    expect(finish.body.device).toMatchObject({ cred_id: second.id, user_id: userId });
    const renamed = await api('PATCH', `/currentuser/devices/${finish.body.device.id}`, { friendly_name: 'Laptop' }, token);
    expect(renamed.body.device.friendly_name).toBe('Laptop');
    expect((await loginPasskey(api, authenticator)).status).toBe(200);
    expect((await loginPasskey(api, second)).status).toBe(200);
    const me = await api('GET', '/currentuser', undefined, token);
    expect(me.body.user.webauthn_devices).toHaveLength(2);
    // Another user's token cannot finish this user's ceremony.
    const other = await registerPasskey(api, ORIGIN, 'intruder@example.com');
    const start2 = await api('POST', '/currentuser/devices/start', {}, token);
    const stolen = await api(
      'POST',
      '/currentuser/devices/finish',
      {
        handshake_id: start2.body.handshake.id,
        user_id: userId,
        handshake_response: new SoftAuthenticator(ORIGIN).create(start2.body.handshake.challenge.publicKey),
      },
      other.result.auth_token,
    );
    expect(stolen.body.code).toBe('webauthn_login_failed');
    expect(identity.findUserByIdentifier('two-keys@example.com')!.webauthn_devices).toHaveLength(2);
  });

  describe('bad input answers the reference code and changes nothing', () => {
    let authenticator: SoftAuthenticator;
    let userId: string;
    const snapshot = () => {
      const user = identity.findUserByIdentifier('victim@example.com')!;
      return { logins: user.login_count, devices: user.webauthn_devices.map((d) => [d.id, d.usage_count]) };
    };

    beforeAll(async () => {
      ({ authenticator, userId } = await registerPasskey(api, ORIGIN, 'victim@example.com'));
    });

    async function attempt(mutate: (response: any, options: any) => any, ceremony = {}) {
      const before = snapshot();
      const start = await api('POST', '/login/webauthn/start', { identifier: 'victim@example.com' });
      const response = authenticator.get(start.body.handshake.challenge.publicKey, ceremony);
      const body = mutate({ handshake_id: start.body.handshake.id, user_id: userId, handshake_response: response }, start.body.handshake.challenge.publicKey);
      const reply = await api('POST', '/login/webauthn/finish', body);
      expect(snapshot()).toEqual(before);
      return reply;
    }

    it('wrong origin', async () => {
      expect((await attempt((b) => b, { origin: 'https://evil.example' })).body.code).toBe('webauthn_login_failed');
    });
    it('wrong RP ID', async () => {
      expect((await attempt((b) => b, { rpId: 'evil.example' })).body.code).toBe('webauthn_login_failed');
    });
    it('no user verification', async () => {
      expect((await attempt((b) => b, { userVerified: false })).body.code).toBe('webauthn_login_failed');
    });
    it('tampered clientDataJSON', async () => {
      const reply = await attempt((b) => {
        const data = JSON.parse(Buffer.from(b.handshake_response.response.clientDataJSON, 'base64url').toString());
        data.extra = 'x';
        b.handshake_response.response.clientDataJSON = Buffer.from(JSON.stringify(data)).toString('base64url');
        return b;
      });
      expect(reply.body.code).toBe('webauthn_login_failed');
    });
    it("a challenge that is not the handshake's", async () => {
      expect((await attempt((b) => b, { challenge: Buffer.from('forged-challenge').toString('base64url') })).body.code).toBe('webauthn_login_failed');
    });
    it('unknown handshake id', async () => {
      expect((await attempt((b) => ({ ...b, handshake_id: 'no-such-handshake' }))).body.code).toBe('webauthn_login_failed');
    });
    it('malformed base64', async () => {
      const reply = await attempt((b) => {
        b.handshake_response.response.signature = '***not base64***';
        return b;
      });
      expect(reply.status).toBe(401);
      expect(reply.body.code).toBe('webauthn_login_failed');
    });
    it('a body that is not the expected shape', async () => {
      expect(await attempt(() => ({ handshake_id: 42 }))).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    });
    it('a 1 MB body', async () => {
      const reply = await attempt((b) => ({ ...b, padding: 'x'.repeat(1024 * 1024) }));
      expect(reply).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    });

    it('a replayed assertion and a reused challenge', async () => {
      const start = await api('POST', '/login/webauthn/start', { identifier: 'victim@example.com' });
      const body = { handshake_id: start.body.handshake.id, user_id: userId, handshake_response: authenticator.get(start.body.handshake.challenge.publicKey) };
      expect((await api('POST', '/login/webauthn/finish', body)).status).toBe(200);
      const before = snapshot();
      // Same handshake again: the challenge was single-use.
      expect((await api('POST', '/login/webauthn/finish', body)).body.code).toBe('webauthn_login_failed');
      // Same assertion under a fresh handshake: its challenge does not match.
      const fresh = await api('POST', '/login/webauthn/start', { identifier: 'victim@example.com' });
      expect((await api('POST', '/login/webauthn/finish', { ...body, handshake_id: fresh.body.handshake.id })).body.code).toBe('webauthn_login_failed');
      expect(snapshot()).toEqual(before);
    });

    it('a signature counter that did not advance (cloned authenticator)', async () => {
      const start = await api('POST', '/login/webauthn/start', { identifier: 'victim@example.com' });
      authenticator.counter -= 1;
      const before = snapshot();
      const reply = await api('POST', '/login/webauthn/finish', {
        handshake_id: start.body.handshake.id,
        user_id: userId,
        handshake_response: authenticator.get(start.body.handshake.challenge.publicKey),
      });
      expect(reply.body.code).toBe('webauthn_login_failed');
      expect(snapshot()).toEqual(before);
      authenticator.counter += 5;
    });

    it('a registration from the wrong origin stores no passkey', async () => {
      const start = await api('POST', '/register/webauthn/start', { identifier: 'wrong-origin@example.com' });
      const reply = await api('POST', '/register/webauthn/finish', {
        handshake_id: start.body.handshake.id,
        user_id: start.body.user.id,
        handshake_response: new SoftAuthenticator('https://evil.example').create(start.body.handshake.challenge.publicKey),
      });
      expect(reply.body.code).toBe('webauthn_login_failed');
      expect(identity.findUserByIdentifier('wrong-origin@example.com')).toMatchObject({ status: 'pending', login_count: 0, webauthn_devices: [] });
    });
  });

  describe('bad input on registration answers the reference code and stores nothing', () => {
    type Finish = { handshake_id: string; user_id: string; handshake_response: ReturnType<SoftAuthenticator['create']> };
    async function attempt(email: string, mutate: (body: Finish) => unknown, ceremony = {}) {
      const start = await api('POST', '/register/webauthn/start', { identifier: email });
      const body: Finish = {
        handshake_id: start.body.handshake.id,
        user_id: start.body.user.id,
        handshake_response: new SoftAuthenticator(ORIGIN).create(start.body.handshake.challenge.publicKey, ceremony),
      };
      const reply = await api('POST', '/register/webauthn/finish', mutate(body));
      expect(identity.findUserByIdentifier(email)).toMatchObject({ status: 'pending', login_count: 0, webauthn_devices: [] });
      return reply;
    }

    it('wrong RP ID', async () => {
      expect((await attempt('reg-rpid@example.com', (b) => b, { rpId: 'evil.example' })).body.code).toBe('webauthn_login_failed');
    });
    it('tampered clientDataJSON', async () => {
      const reply = await attempt('reg-tamper@example.com', (b) => {
        const data = JSON.parse(Buffer.from(b.handshake_response.response.clientDataJSON, 'base64url').toString());
        data.origin = 'https://evil.example';
        b.handshake_response.response.clientDataJSON = Buffer.from(JSON.stringify(data)).toString('base64url');
        return b;
      });
      expect(reply).toMatchObject({ status: 401, body: { code: 'webauthn_login_failed' } });
    });
    it('malformed base64', async () => {
      const reply = await attempt('reg-base64@example.com', (b) => {
        b.handshake_response.response.attestationObject = '%%% not base64 %%%';
        return b;
      });
      expect(reply).toMatchObject({ status: 401, body: { code: 'webauthn_login_failed' } });
    });
    it('unknown handshake id', async () => {
      expect((await attempt('reg-handshake@example.com', (b) => ({ ...b, handshake_id: 'no-such-handshake' }))).body.code).toBe('webauthn_login_failed');
    });
    it('a 1 MB body', async () => {
      const reply = await api('POST', '/register/webauthn/start', { identifier: 'reg-big@example.com', padding: 'x'.repeat(1024 * 1024) });
      expect(reply).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
      expect(identity.findUserByIdentifier('reg-big@example.com')).toBeUndefined();
    });
    it('a replayed attestation (reused challenge)', async () => {
      const start = await api('POST', '/register/webauthn/start', { identifier: 'reg-replay@example.com' });
      const body = {
        handshake_id: start.body.handshake.id,
        user_id: start.body.user.id,
        handshake_response: new SoftAuthenticator(ORIGIN).create(start.body.handshake.challenge.publicKey),
      };
      const first = await api('POST', '/register/webauthn/finish', body);
      expect(first.status).toBe(201);
      const before = identity.findUserByIdentifier('reg-replay@example.com')!;
      expect(await api('POST', '/register/webauthn/finish', body)).toMatchObject({ status: 401, body: { code: 'webauthn_login_failed' } });
      // The same attestation under a fresh add-passkey handshake of that user: its challenge does not match.
      const token = first.body.auth_result.auth_token;
      const fresh = await api('POST', '/currentuser/devices/start', {}, token);
      const replayed = await api('POST', '/currentuser/devices/finish', { ...body, handshake_id: fresh.body.handshake.id }, token);
      expect(replayed).toMatchObject({ status: 401, body: { code: 'webauthn_login_failed' } });
      expect(identity.findUserByIdentifier('reg-replay@example.com')).toMatchObject({
        login_count: before.login_count,
        webauthn_devices: before.webauthn_devices,
      });
    });
  });

  it('an expired challenge is refused', async () => {
    const short = await startEmulator({ dbFile: ':memory:', authOrigin: ORIGIN, challengeTtlSeconds: 0.05 });
    try {
      const client = authClient(short);
      const start = await client('POST', '/register/webauthn/start', { identifier: 'late@example.com' });
      await new Promise((r) => setTimeout(r, 100));
      const reply = await client('POST', '/register/webauthn/finish', {
        handshake_id: start.body.handshake.id,
        user_id: start.body.user.id,
        handshake_response: new SoftAuthenticator(ORIGIN).create(start.body.handshake.challenge.publicKey),
      });
      expect(reply.body.code).toBe('webauthn_login_failed');
      expect(short.findUserByIdentifier('late@example.com')!.webauthn_devices).toEqual([]);

      // The same for a sign-in challenge: the assertion is valid, only late.
      const { authenticator } = await registerPasskey(client, ORIGIN, 'late-login@example.com');
      const before = short.findUserByIdentifier('late-login@example.com')!;
      const login = await client('POST', '/login/webauthn/start');
      await new Promise((r) => setTimeout(r, 100));
      const late = await client('POST', '/login/webauthn/finish', {
        handshake_id: login.body.handshake.id,
        handshake_response: authenticator.get(login.body.handshake.challenge.publicKey),
      });
      expect(late).toMatchObject({ status: 401, body: { code: 'webauthn_login_failed' } });
      expect(short.findUserByIdentifier('late-login@example.com')).toMatchObject({
        login_count: before.login_count,
        webauthn_devices: before.webauthn_devices,
      });
    } finally {
      await short.close();
    }
  });
});
