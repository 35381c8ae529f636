import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { apiClient, makeTempDir, responseSchema, schemaProblems, specOperations, type Reply } from './support.js';

const USERS = '/apps/{app_id}/users';
const USER = '/apps/{app_id}/users/{user_id}';

describe('emulator conformance with the Passage OpenAPI spec', () => {
  const tmp = makeTempDir();
  let emulator: Emulator;
  let api: ReturnType<typeof apiClient>;
  const exercised = new Set<string>();

  /** Asserts the status and that the body matches the spec's schema for that status. */
  function expectConforms(reply: Reply, method: string, template: string, status: number) {
    expect(reply.status, reply.text).toBe(status);
    exercised.add(`${method} ${template}`);
    const schema = responseSchema(method, template, status);
    if (!schema) {
      expect(reply.text).toBe('');
      return;
    }
    expect(schemaProblems(schema, reply.body)).toEqual([]);
    if (status >= 400) expect(Object.keys(reply.body).sort()).toEqual(['code', 'error']);
  }

  beforeAll(async () => {
    emulator = await startEmulator({ dbFile: tmp.file('conformance.sqlite') });
    api = apiClient(emulator);
  });
  afterAll(async () => {
    await emulator?.close();
    tmp.remove();
  });

  it('checks bodies strictly enough to catch a missing field or a wrong type', async () => {
    const reply = await api('POST', '/users', { email: 'checker@example.com' });
    const schema = responseSchema('POST', USERS, 201)!;
    const { webauthn_devices: _dropped, ...user } = reply.body.user;
    expect(schemaProblems(schema, { user })).toEqual(['$.user.webauthn_devices: missing']);
    expect(schemaProblems(schema, { user: { ...reply.body.user, login_count: '0' } })).toEqual(['$.user.login_count: expected integer']);
    expect(schemaProblems(schema, { user: { ...reply.body.user, status: 'gone' } })).toHaveLength(1);
  });

  it('serves public app info without an API key', async () => {
    const reply = await apiClient(emulator, null)('GET', '');
    expectConforms(reply, 'GET', '/apps/{app_id}', 200);
    expect(reply.body.app).toMatchObject({ id: emulator.appId, auth_origin: emulator.authOrigin, session_timeout_length: 3600 });
  });

  it('creates, reads, updates, activates and deactivates users with spec-shaped bodies', async () => {
    const created = await api('POST', '/users', { email: 'Conform@Example.com', user_metadata: { plan: 'pro' } });
    expectConforms(created, 'POST', USERS, 201);
    const id = created.body.user.id as string;
    expect(id).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(created.body.user).toMatchObject({ email: 'conform@example.com', status: 'active', last_login_at: '0001-01-01T00:00:00Z' });
    expect(created.body.user.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);

    expectConforms(await api('GET', `/users/${id}`), 'GET', USER, 200);
    const updated = await api('PATCH', `/users/${id}`, { phone: '+15551234567' });
    expectConforms(updated, 'PATCH', USER, 200);
    expect(updated.body.user.phone).toBe('+15551234567');

    const deactivated = await api('PATCH', `/users/${id}/deactivate`);
    expectConforms(deactivated, 'PATCH', `${USER}/deactivate`, 200);
    expect(deactivated.body.user.status).toBe('inactive');
    const activated = await api('PATCH', `/users/${id}/activate`);
    expectConforms(activated, 'PATCH', `${USER}/activate`, 200);
    expect(activated.body.user.status).toBe('active');
  });

  it('lists users with links and list items', async () => {
    const reply = await api('GET', '/users?limit=1');
    expectConforms(reply, 'GET', USERS, 200);
    expect(reply.body.users.length).toBe(1);
  });

  it('lists and deletes devices, revokes tokens and deletes users with 200 and an empty body', async () => {
    const seeded = await emulator.seedUser({ email: 'devices@example.com', devices: [{ friendlyName: 'Mac', type: 'platform' }, {}] });
    expect(seeded.webauthn).toBe(true);
    expect(seeded.webauthn_types.sort()).toEqual(['passkey', 'platform']);

    const devices = await api('GET', `/users/${seeded.id}/devices`);
    expectConforms(devices, 'GET', `${USER}/devices`, 200);
    expect(devices.body.devices).toHaveLength(2);

    const deviceId = devices.body.devices[0].id as string;
    expectConforms(await api('DELETE', `/users/${seeded.id}/devices/${deviceId}`), 'DELETE', `${USER}/devices/{device_id}`, 200);
    expect((await api('GET', `/users/${seeded.id}/devices`)).body.devices).toHaveLength(1);

    expectConforms(await api('DELETE', `/users/${seeded.id}/tokens`), 'DELETE', `${USER}/tokens`, 200);
    expectConforms(await api('DELETE', `/users/${seeded.id}`), 'DELETE', USER, 200);
    expect((await api('GET', `/users/${seeded.id}`)).status).toBe(404);
  });

  it('creates magic links with 201', async () => {
    const reply = await api('POST', '/magic-links', { email: 'magic@example.com' });
    expectConforms(reply, 'POST', '/apps/{app_id}/magic-links', 201);
  });

  it('answers 401 invalid_access_token on every management route without a valid key', async () => {
    const user = await emulator.seedUser({ email: 'auth@example.com' });
    const routes: Array<[string, string, string]> = [
      ['GET', '/users', USERS],
      ['POST', '/users', USERS],
      ['GET', `/users/${user.id}`, USER],
      ['PATCH', `/users/${user.id}`, USER],
      ['DELETE', `/users/${user.id}`, USER],
      ['PATCH', `/users/${user.id}/activate`, `${USER}/activate`],
      ['PATCH', `/users/${user.id}/deactivate`, `${USER}/deactivate`],
      ['GET', `/users/${user.id}/devices`, `${USER}/devices`],
      ['DELETE', `/users/${user.id}/devices/x`, `${USER}/devices/{device_id}`],
      ['DELETE', `/users/${user.id}/tokens`, `${USER}/tokens`],
      ['POST', '/magic-links', '/apps/{app_id}/magic-links'],
    ];
    for (const key of [null, 'wrong-key', `${emulator.apiKey}x`]) {
      for (const [method, path, template] of routes) {
        const reply = await apiClient(emulator, key)(method, path, method === 'POST' || method === 'PATCH' ? {} : undefined);
        expectConforms(reply, method, template, 401);
        expect(reply.body.code).toBe('invalid_access_token');
      }
    }
    expect((await api('GET', `/users/${user.id}`)).body.user.status).toBe('active');
  });

  it('answers 404 user_not_found, device_not_found and app_not_found', async () => {
    const missing = 'A'.repeat(24);
    for (const [method, path, template] of [
      ['GET', `/users/${missing}`, USER],
      ['PATCH', `/users/${missing}`, USER],
      ['DELETE', `/users/${missing}`, USER],
      ['PATCH', `/users/${missing}/activate`, `${USER}/activate`],
      ['PATCH', `/users/${missing}/deactivate`, `${USER}/deactivate`],
      ['GET', `/users/${missing}/devices`, `${USER}/devices`],
      ['DELETE', `/users/${missing}/devices/x`, `${USER}/devices/{device_id}`],
      ['DELETE', `/users/${missing}/tokens`, `${USER}/tokens`],
    ] as const) {
      const reply = await api(method, path, method === 'PATCH' ? {} : undefined);
      expectConforms(reply, method, template, 404);
      expect(reply.body.code).toBe('user_not_found');
    }

    const user = await emulator.seedUser({ email: 'nodevice@example.com' });
    const device = await api('DELETE', `/users/${user.id}/devices/${missing}`);
    expectConforms(device, 'DELETE', `${USER}/devices/{device_id}`, 404);
    expect(device.body.code).toBe('device_not_found');

    const otherApp = await fetch(`${emulator.apiUrl}/apps/${missing}/users`, { headers: { authorization: `Bearer ${emulator.apiKey}` } });
    expect(otherApp.status).toBe(404);
    expect(await otherApp.json()).toEqual({ code: 'app_not_found', error: expect.any(String) });
    const otherInfo = await fetch(`${emulator.apiUrl}/apps/${missing}`);
    expect(otherInfo.status).toBe(404);
    expect(schemaProblems(responseSchema('GET', '/apps/{app_id}', 404)!, await otherInfo.json())).toEqual([]);
  });

  it('answers 400 invalid_request for bad input', async () => {
    const user = await emulator.seedUser({ email: 'taken@example.com', phone: '+15550001111' });
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/users', {}, USERS],
      ['POST', '/users', { email: 'not-an-email' }, USERS],
      ['POST', '/users', { phone: '5551234' }, USERS],
      ['POST', '/users', { email: 'TAKEN@example.com' }, USERS],
      ['POST', '/users', { phone: '+15550001111' }, USERS],
      ['POST', '/users', { email: 42 }, USERS],
      ['POST', '/users', '{"email": ', USERS],
      ['POST', '/users', '[1,2]', USERS],
      ['PATCH', `/users/${user.id}`, { email: '' }, USER],
      ['PATCH', `/users/${user.id}`, { phone: '' }, USER],
      ['GET', '/users?limit=501', undefined, USERS],
      ['POST', '/magic-links', {}, '/apps/{app_id}/magic-links'],
    ];
    for (const [method, path, body, template] of cases) {
      const reply = await api(method, path, body);
      expectConforms(reply, method, template, 400);
      expect(reply.body.code, `${method} ${path} ${JSON.stringify(body)}`).toBe('invalid_request');
    }
    expect((await api('GET', `/users/${user.id}`)).body.user).toMatchObject({ email: 'taken@example.com', phone: '+15550001111' });
  });

  /** A request with exactly this body and content type (apiClient always sends JSON). */
  const sendAs = async (method: string, path: string, body: string | undefined, contentType: string | undefined): Promise<Reply> => {
    const headers: Record<string, string> = { authorization: `Bearer ${emulator.apiKey}` };
    if (contentType !== undefined) headers['content-type'] = contentType;
    const res = await fetch(`${emulator.apiUrl}/apps/${emulator.appId}${path}`, { method, headers, body });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };

  // Issue 10 replayed these through Prism against the spec: each was accepted here and refused there.
  it('refuses what the spec refuses: nulls, a missing body, bodies that are not application/json', async () => {
    const user = await emulator.seedUser({ email: 'strict@example.com', phone: '+15550002222', userMetadata: { plan: 'pro' } });
    const before = (await api('GET', `/users/${user.id}`)).body.user;
    const MAGIC = '/apps/{app_id}/magic-links';
    const cases: Array<[string, string, string | undefined, string | undefined, string]> = [
      ['POST', '/users', '{"email":null,"phone":"+15550003333"}', 'application/json', USERS],
      ['POST', '/users', '{"email":"n1@example.com","phone":null}', 'application/json', USERS],
      ['POST', '/users', '{"email":"n2@example.com","user_metadata":null}', 'application/json', USERS],
      ['PATCH', `/users/${user.id}`, '{"email":null}', 'application/json', USER],
      ['PATCH', `/users/${user.id}`, '{"phone":null}', 'application/json', USER],
      ['PATCH', `/users/${user.id}`, '{"user_metadata":null}', 'application/json', USER],
      ['PATCH', `/users/${user.id}`, '{"user_metadata":[1]}', 'application/json', USER],
      ['PATCH', `/users/${user.id}`, undefined, undefined, USER],
      ['PATCH', `/users/${user.id}`, '', 'application/json', USER],
      ['POST', '/users', undefined, undefined, USERS],
      ['POST', '/users', '{"email":"t1@example.com"}', 'text/plain', USERS],
      ['POST', '/users', 'email=f1%40example.com', 'application/x-www-form-urlencoded', USERS],
      ['PATCH', `/users/${user.id}`, '{"phone":"+15550004444"}', 'text/plain;charset=UTF-8', USER],
      ['PATCH', `/users/${user.id}`, 'phone=%2B15550004444', 'application/x-www-form-urlencoded', USER],
      ['POST', '/magic-links', '{"email":"strict@example.com"}', 'text/plain', MAGIC],
      ['POST', '/magic-links', undefined, undefined, MAGIC],
    ];
    for (const [method, path, body, contentType, template] of cases) {
      const reply = await sendAs(method, path, body, contentType);
      const label = `${method} ${path} ${contentType} ${body}`;
      expect(reply.status, label).toBe(400);
      expectConforms(reply, method, template, 400);
      expect(reply.body.code, label).toBe('invalid_request');
    }
    // Nothing was created or changed; in particular the metadata was not wiped.
    expect((await api('GET', `/users/${user.id}`)).body.user).toEqual(before);
    for (const email of ['n1@example.com', 'n2@example.com', 't1@example.com', 'f1@example.com']) {
      expect(emulator.findUserByIdentifier(email), email).toBeUndefined();
    }
    expect(emulator.findUserByIdentifier('+15550003333')).toBeUndefined();
    // The same bodies as JSON without the nulls are accepted, with a charset parameter too.
    const ok = await sendAs('PATCH', `/users/${user.id}`, '{"user_metadata":{"team":"a"}}', 'application/json; charset=utf-8');
    expectConforms(ok, 'PATCH', USER, 200);
    expect(ok.body.user.user_metadata).toEqual({ plan: 'pro', team: 'a' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    for (const path of ['/nope', '/users/a/b/c/d', '/users/x/activate/now']) {
      const reply = await api('GET', path);
      expect(reply.status).toBe(404);
      expect(Object.keys(reply.body).sort()).toEqual(['code', 'error']);
    }
    const outside = await fetch(`${emulator.url}/favicon.ico`);
    expect(outside.status).toBe(404);
    expect(outside.headers.get('content-type')).toContain('application/json');
    expect(Object.keys((await outside.json()) as object).sort()).toEqual(['code', 'error']);
    expect((await api('PUT', '/users')).status).toBe(404);
  });

  it('has exercised every operation in the spec', () => {
    expect([...exercised].sort()).toEqual([...specOperations].sort());
  });
});
