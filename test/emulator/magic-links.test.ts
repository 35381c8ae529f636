import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/identity/index.js';
import { apiClient } from './support.js';

describe('POST /magic-links', () => {
  const authOrigin = 'http://localhost:5173';
  let emulator: Emulator;
  let api: ReturnType<typeof apiClient>;
  const create = (body: unknown) => api('POST', '/magic-links', body);

  beforeAll(async () => {
    emulator = await startEmulator({ dbFile: ':memory:', authOrigin });
    api = apiClient(emulator);
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('creates a pending user for an unknown email and links to it', async () => {
    expect(emulator.findUserByIdentifier('newcomer@example.com')).toBeUndefined();
    const reply = await create({ email: 'Newcomer@Example.com', ttl: 15 });
    expect(reply.status).toBe(201);
    const created = emulator.findUserByIdentifier('newcomer@example.com');
    expect(created?.status).toBe('pending');
    expect(reply.body.magic_link).toMatchObject({
      app_id: emulator.appId,
      user_id: created?.id,
      identifier: 'newcomer@example.com',
      type: 'login',
      ttl: 15,
      activated: false,
      redirect_url: '/',
    });
    expect(reply.body.magic_link.id).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(reply.body.magic_link.secret).toEqual(expect.any(String));
    expect(reply.body.magic_link.url).toMatch(new RegExp(`^${authOrigin}/\\?psg_magic_link=ml[A-Za-z0-9]+$`));
  });

  it('creates a pending user for an unknown phone', async () => {
    const reply = await create({ phone: '+15551230000', channel: 'phone', send: true });
    expect(reply.status).toBe(201);
    expect(reply.body.magic_link.identifier).toBe('+15551230000');
    expect(emulator.findUserByIdentifier('+15551230000')?.id).toBe(reply.body.magic_link.user_id);
  });

  it('reuses an existing user found by email or by user_id, without creating anyone', async () => {
    const user = await emulator.seedUser({ email: 'known@example.com', phone: '+15559990000' });
    const before = (await api('GET', '/users')).body.total_users;
    const byEmail = await create({
      email: 'known@example.com',
      type: 'verify_identifier',
      language: 'de',
      redirect_url: '/welcome',
      magic_link_path: '/auth/link',
    });
    expect(byEmail.body.magic_link).toMatchObject({ user_id: user.id, type: 'verify_identifier', redirect_url: '/welcome', ttl: 60 });
    expect(byEmail.body.magic_link.url.startsWith(`${authOrigin}/auth/link?psg_magic_link=ml`)).toBe(true);
    const byId = await create({ user_id: user.id, channel: 'phone', send: true });
    expect(byId.body.magic_link).toMatchObject({ user_id: user.id, identifier: '+15559990000' });
    expect((await api('GET', '/users')).body.total_users).toBe(before);
    expect((await api('GET', `/users/${user.id}`)).body.user.status).toBe('active');
  });

  it('makes every link unique', async () => {
    const a = (await create({ email: 'unique@example.com' })).body.magic_link;
    const b = (await create({ email: 'unique@example.com' })).body.magic_link;
    expect(a.user_id).toBe(b.user_id);
    expect(a.id).not.toBe(b.id);
    expect(a.secret).not.toBe(b.secret);
    expect(a.url).not.toBe(b.url);
  });

  it('rejects invalid requests with 400 invalid_request and creates nobody', async () => {
    const user = await emulator.seedUser({ email: 'target@example.com' });
    const cases: unknown[] = [
      {},
      { email: 'x1@example.com', phone: '+15550000002' },
      { email: 'x2@example.com', user_id: user.id },
      { email: 'x3@example.com', send: true },
      { email: 'x4@example.com', language: 'fr' },
      { email: 'x5@example.com', ttl: 0 },
      { email: 'x6@example.com', ttl: 1441 },
      { email: 'x7@example.com', ttl: 1.5 },
      { email: 'x8@example.com', type: 'signup' },
      { email: 'x9@example.com', channel: 'carrier-pigeon' },
      { email: 'x10@example.com', magic_link_path: 'https://evil.example/' },
      { email: 'not-an-email' },
      { phone: '555' },
      { user_id: user.id, channel: 'phone', send: true },
    ];
    for (const body of cases) {
      const reply = await create(body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.code).toBe('invalid_request');
    }
    for (let i = 1; i <= 10; i++) expect(emulator.findUserByIdentifier(`x${i}@example.com`)).toBeUndefined();
  });

  it('accepts the boundary ttl values and every supported language', async () => {
    expect((await create({ email: 'ttl@example.com', ttl: 1 })).body.magic_link.ttl).toBe(1);
    expect((await create({ email: 'ttl@example.com', ttl: 1440 })).body.magic_link.ttl).toBe(1440);
    for (const language of ['de', 'en', 'es', 'it', 'pl', 'pt', 'zh']) {
      expect((await create({ email: 'lang@example.com', language })).status).toBe(201);
    }
  });

  it('answers 404 for an unknown user_id and 403 for a login link to a deactivated user', async () => {
    const missing = await create({ user_id: 'Z'.repeat(24) });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('user_not_found');

    const user = await emulator.seedUser({ email: 'blocked@example.com', status: 'inactive' });
    const blocked = await create({ email: 'blocked@example.com' });
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe('operation_not_allowed');
    expect((await create({ user_id: user.id, type: 'verify_identifier' })).status).toBe(201);
  });

  // Invitations rely on this: a link for an email nobody has yet must reach that inbox and sign
  // the new user in, and a path with a query and a #fragment must keep both.
  it('send: true delivers the link to the mailbox; the emailed link signs the new user in once', async () => {
    const path = '/console/?invitation=abc#/accept';
    const reply = await create({ email: 'Invitee@Example.com', channel: 'email', send: true, type: 'login', magic_link_path: path, ttl: 30 });
    expect(reply.status).toBe(201);
    const link = reply.body.magic_link;
    expect(link.url).toBe(`${authOrigin}/console/?invitation=abc&psg_magic_link=${link.secret}#/accept`);
    const message = emulator.mailbox!.messages.at(-1)!;
    expect(message).toMatchObject({ channel: 'email', to: 'invitee@example.com' });
    expect(message.text).toContain(link.url);
    const user = emulator.findUserByIdentifier('invitee@example.com')!;
    expect(user.status).toBe('pending');

    const secret = new URL(link.url).searchParams.get('psg_magic_link');
    // The Authentication API: called without the API key, as a browser would.
    const activate = () => apiClient(emulator, null)('PATCH', '/magic-link/activate', { magic_link: secret });
    const signedIn = await activate();
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.auth_result.auth_token).toEqual(expect.any(String));
    expect(emulator.findUserByIdentifier('invitee@example.com')!.status).toBe('active');
    expect((await activate()).status).toBe(401);
  });

  it('send: false delivers nothing; send: true without delivery for the channel is refused and creates nobody', async () => {
    const before = emulator.mailbox!.messages.length;
    expect((await create({ email: 'quiet@example.com', channel: 'email' })).status).toBe(201);
    expect(emulator.mailbox!.messages.length).toBe(before);

    const silent = await startEmulator({ dbFile: ':memory:', authOrigin, delivery: 'none' });
    try {
      const refused = await apiClient(silent)('POST', '/magic-links', { email: 'nobody@example.com', channel: 'email', send: true });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('operation_not_allowed');
      expect(silent.findUserByIdentifier('nobody@example.com')).toBeUndefined();
    } finally {
      await silent.close();
    }
  });
});
