import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpDelivery, startEmulator, type Emulator } from '../../src/identity/index.js';
import { authClient, managementClient, registerPasskey, type AuthClient } from './support.js';
import { mailText, startSmtp, type ReceivedMail } from './smtp.js';

const ORIGIN = 'http://localhost:4321';

describe('magic links and one-time codes over SMTP', () => {
  let identity: Emulator;
  let api: AuthClient;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let delivery: SmtpDelivery;

  const lastMailTo = async (address: string): Promise<ReceivedMail> => {
    for (let i = 0; i < 100; i++) {
      const mail = smtp.messages.findLast((m) => m.to.includes(address));
      if (mail) return mail;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no mail to ${address}`);
  };
  const linkSecret = (mail: ReceivedMail, param = 'psg_magic_link') => {
    const match = new RegExp(`${param}=([A-Za-z0-9_-]+)`).exec(mailText(mail));
    if (!match) throw new Error('no link in the mail');
    return match[1]!;
  };
  const codeIn = (mail: ReceivedMail) => /code is (\d{6})/.exec(mailText(mail))![1]!;

  beforeAll(async () => {
    smtp = await startSmtp();
    delivery = new SmtpDelivery(smtp.url, 'passgraph <no-reply@example.com>');
    identity = await startEmulator({
      dbFile: ':memory:',
      authOrigin: ORIGIN,
      delivery,
      refreshEnabled: true,
      limits: { perIpPerMinute: 10_000, perIdentifierPerMinute: 1000 },
    });
    api = authClient(identity);
  });
  afterAll(async () => {
    await identity?.close();
    delivery?.close();
    await smtp?.close();
  });

  it('registers with a magic link: the link signs in once, and the sending device picks up the result once', async () => {
    const sent = await api('POST', '/register/magic-link', { identifier: 'link@example.com', magic_link_path: '/welcome' });
    expect(sent.status).toBe(201);
    expect(Object.keys(sent.body.magic_link)).toEqual(['id']);
    const mail = await lastMailTo('link@example.com');
    expect(mail.from).toBe('no-reply@example.com');
    expect(mailText(mail)).toContain(`${ORIGIN}/welcome?psg_magic_link=`);

    expect((await api('POST', '/magic-link/status', { id: sent.body.magic_link.id })).body.code).toBe('magic_link_not_found');
    const activated = await api('PATCH', '/magic-link/activate', { magic_link: linkSecret(mail) });
    expect(activated.status).toBe(200);
    expect(activated.body.auth_result.auth_token).toEqual(expect.any(String));
    expect(identity.findUserByIdentifier('link@example.com')).toMatchObject({ status: 'active', email_verified: true, login_count: 1 });

    // Used twice: refused, and nothing changes.
    expect(await api('PATCH', '/magic-link/activate', { magic_link: linkSecret(mail) })).toMatchObject({ status: 401, body: { code: 'invalid_magic_link' } });
    expect(identity.findUserByIdentifier('link@example.com')).toMatchObject({ login_count: 1 });

    const status = await api('POST', '/magic-link/status', { id: sent.body.magic_link.id });
    expect(status.status).toBe(200);
    expect((await api('POST', '/magic-link/status', { id: sent.body.magic_link.id })).body.code).toBe('magic_link_not_found');

    expect(await api('PATCH', '/magic-link/activate', { magic_link: 'garbage' })).toMatchObject({ status: 404, body: { code: 'magic_link_not_found' } });
  });

  it('logs in with a magic link only for a known user', async () => {
    expect(await api('POST', '/login/magic-link', { identifier: 'stranger@example.com' })).toMatchObject({ status: 404, body: { code: 'user_not_found' } });
    await identity.seedUser({ email: 'known@example.com' });
    expect((await api('POST', '/login/magic-link', { identifier: 'known@example.com' })).status).toBe(200);
    const activated = await api('PATCH', '/magic-link/activate', { magic_link: linkSecret(await lastMailTo('known@example.com')) });
    expect(activated.status).toBe(200);
  });

  it('one-time codes: the right code signs in once; too many wrong ones lock the code', async () => {
    const sent = await api('POST', '/register/otp', { identifier: 'otp@example.com' });
    expect(sent.status).toBe(201);
    const code = codeIn(await lastMailTo('otp@example.com'));
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await api('POST', '/otp/activate', { otp_id: sent.body.otp_id, otp: wrong })).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    const ok = await api('POST', '/otp/activate', { otp_id: sent.body.otp_id, otp: code });
    expect(ok.status).toBe(200);
    expect((await api('POST', '/otp/activate', { otp_id: sent.body.otp_id, otp: code })).body.code).toBe('invalid_request');

    const again = await api('POST', '/login/otp', { identifier: 'otp@example.com' });
    const code2 = codeIn(await lastMailTo('otp@example.com'));
    const wrong2 = code2 === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) expect((await api('POST', '/otp/activate', { otp_id: again.body.otp_id, otp: wrong2 })).body.code).toBe('invalid_request');
    const locked = await api('POST', '/otp/activate', { otp_id: again.body.otp_id, otp: code2 });
    expect(locked).toMatchObject({ status: 401, body: { code: 'exceeded_attempts' } });
    expect(locked.body.error).toContain('exceeded number of attempts');
    expect(identity.findUserByIdentifier('otp@example.com')).toMatchObject({ login_count: 1 });
  });

  it('changes the email only once the verification link sent to the new address is used', async () => {
    const { result, userId } = await registerPasskey(api, ORIGIN, 'old@example.com');
    const change = await api('PATCH', '/currentuser/email', { new_email: 'new@example.com' }, result.auth_token);
    expect(change.status).toBe(200);
    expect(identity.findUserByIdentifier('old@example.com')?.id).toBe(userId);
    const secret = linkSecret(await lastMailTo('new@example.com'), 'psg_verify_link');
    expect((await api('PATCH', '/magic-link/activate', { magic_link: secret })).status).toBe(200);
    expect(identity.findUserByIdentifier('new@example.com')).toMatchObject({ id: userId, email_verified: true });
    expect(identity.findUserByIdentifier('old@example.com')).toBeUndefined();
  });

  it('refuses phone identifiers: there is no SMS provider', async () => {
    expect(await api('POST', '/register/otp', { identifier: '+15551234567' })).toMatchObject({ status: 403, body: { code: 'operation_not_allowed' } });
    expect(identity.findUserByIdentifier('+15551234567')).toBeUndefined();
  });

  it('updates metadata of the signed-in user', async () => {
    const { result } = await registerPasskey(api, ORIGIN, 'meta@example.com');
    const patched = await api('PATCH', '/currentuser/user-metadata', { user_metadata: { team: 'blue' } }, result.auth_token);
    expect(patched.body.user.user_metadata).toEqual({ team: 'blue' });
    expect((await api('GET', '/currentuser/user-metadata', undefined, result.auth_token)).body.user_metadata).toEqual({ team: 'blue' });
    // No social login here: there is never a connection to remove (passage-js deleteSocialConnection).
    expect(await api('DELETE', '/currentuser/social-connections/github', undefined, result.auth_token)).toMatchObject({
      status: 404,
      body: { code: 'social_connection_not_found' },
    });
    expect((await api('DELETE', '/currentuser/social-connections/github')).body.code).toBe('invalid_access_token');
  });
});

describe('development mailbox and abuse limits', () => {
  let identity: Emulator;
  let api: AuthClient;
  beforeAll(async () => {
    identity = await startEmulator({ dbFile: ':memory:', authOrigin: ORIGIN, devRoutes: true, limits: { perIpPerMinute: 1000, perIdentifierPerMinute: 3 } });
    api = authClient(identity);
  });
  afterAll(async () => {
    await identity?.close();
  });

  it('delivers to /dev/mailbox, phone numbers included', async () => {
    expect((await api('POST', '/register/otp', { identifier: '+15550001111' })).status).toBe(201);
    const res = await fetch(`${identity.url}/dev/mailbox`);
    const { messages } = (await res.json()) as { messages: Array<{ channel: string; to: string; text: string }> };
    expect(messages.at(-1)).toMatchObject({ channel: 'phone', to: '+15550001111', text: expect.stringMatching(/code is \d{6}/) });
  });

  it('limits sends per identifier', async () => {
    const send = () => api('POST', '/register/magic-link', { identifier: 'flood@example.com' });
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(201);
    expect(await send()).toMatchObject({ status: 429, body: { code: 'too_many_requests' } });
    expect(identity.mailbox!.messages.filter((m) => m.to === 'flood@example.com')).toHaveLength(3);
  });

  it('the management API still needs its key for users', async () => {
    expect((await managementClient({ ...identity, apiKey: 'wrong' } as Emulator)('GET', '/users')).status).toBe(401);
  });
});
