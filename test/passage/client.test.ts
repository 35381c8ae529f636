import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamBudget } from '../../src/passage/budget.js';
import {
  PassageClient,
  PassageError,
  isPassageNotFound,
  isPassageUnavailable,
  type PassageCallInfo,
  type PassageClientOptions,
  type PassageDevice,
  type PassageUser,
} from '../../src/passage/index.js';

// --- A scripted Passage on loopback --------------------------------------------------------------

type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
type Reply =
  | { status?: number; json?: unknown; text?: string; headers?: Record<string, string> }
  | 'hang' // never answer
  | 'stall' // send headers and part of the body, then nothing
  | 'reset'; // drop the connection
type Handler = (req: Seen, index: number) => Reply;

const servers: http.Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
});

async function startPassage(handler: Handler) {
  const requests: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const seen: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(seen);
      const reply = handler(seen, requests.length - 1);
      if (reply === 'hang') return;
      if (reply === 'reset') return void req.socket.destroy();
      if (reply === 'stall') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        return void res.write('{"user":');
      }
      const text = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(text);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, requests };
}

const API_KEY = 'sk_test_9f8e7d6c5b4a_SECRET';
const APP_ID = 'app_123';

function clientFor(url: string, opts: Partial<PassageClientOptions> = {}) {
  const defaults = { appId: APP_ID, apiKey: API_KEY, apiUrl: url, retryBaseDelayMs: 1, timeoutMs: 2000 };
  return new PassageClient({ ...defaults, ...opts });
}

async function failure(p: Promise<unknown>): Promise<PassageError> {
  const e = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PassageError);
  return e as PassageError;
}

const pathOf = (req: Seen) => new URL(req.url, 'http://x').pathname;
const queryOf = (req: Seen) => Object.fromEntries(new URL(req.url, 'http://x').searchParams);

// --- Fixtures (wire format, then what the client must return) ------------------------------------

const wireDevice = {
  id: 'dev_1',
  cred_id: 'cred_abc',
  friendly_name: 'Chrome on Mac',
  usage_count: 5,
  created_at: '2024-01-01T10:00:00.000001Z',
  updated_at: '2024-01-02T10:00:00.000001Z',
  last_login_at: '2024-01-03T10:00:00.000001Z',
  type: 'passkey',
  icons: { light: null, dark: null },
};
const device: PassageDevice = {
  id: 'dev_1',
  credId: 'cred_abc',
  friendlyName: 'Chrome on Mac',
  usageCount: 5,
  createdAt: '2024-01-01T10:00:00.000001Z',
  updatedAt: '2024-01-02T10:00:00.000001Z',
  lastLoginAt: '2024-01-03T10:00:00.000001Z',
  type: 'passkey',
};

const wireListItem = {
  id: 'user_1',
  email: 'alice@example.com',
  email_verified: true,
  phone: '',
  phone_verified: false,
  status: 'active',
  created_at: '2024-01-01T09:00:00.123456Z',
  updated_at: '2024-01-02T09:00:00.123456Z',
  last_login_at: '2024-01-03T09:00:00.123456Z',
  login_count: 7,
  user_metadata: { favorite_color: 'blue' },
  external_id: '',
};
const wireUser = (overrides: Record<string, unknown> = {}) => ({
  ...wireListItem,
  webauthn: true,
  webauthn_devices: [wireDevice],
  webauthn_types: ['passkey'],
  recent_events: [],
  social_connections: {},
  ...overrides,
});
const listItem = {
  id: 'user_1',
  email: 'alice@example.com',
  emailVerified: true,
  phone: '',
  phoneVerified: false,
  status: 'active',
  createdAt: '2024-01-01T09:00:00.123456Z',
  updatedAt: '2024-01-02T09:00:00.123456Z',
  lastLoginAt: '2024-01-03T09:00:00.123456Z',
  loginCount: 7,
  userMetadata: { favorite_color: 'blue' },
  externalId: '',
} as const;
const user = (overrides: Partial<PassageUser> = {}): PassageUser => ({
  ...listItem,
  webauthn: true,
  webauthnDevices: [device],
  webauthnTypes: ['passkey'],
  ...overrides,
});

const wireMagicLink = {
  id: 'ml_1',
  app_id: APP_ID,
  user_id: 'user_1',
  identifier: 'alice@example.com',
  type: 'login',
  url: 'https://app.example.com/auth?psg_magic_link=ml.secret',
  secret: 'ml.secret',
  redirect_url: '/dashboard',
  ttl: 15,
  activated: false,
};

const apiError = (status: number, code: string, error: string, headers?: Record<string, string>) => ({
  status,
  json: { code, error },
  headers,
});

// --- The 12 operations ---------------------------------------------------------------------------

type OperationCase = {
  name: string;
  call: (c: PassageClient) => Promise<unknown>;
  method: string;
  path: string;
  query?: Record<string, string>;
  requestBody?: unknown; // undefined: no body sent
  reply: Reply;
  result: unknown;
};

const operations: OperationCase[] = [
  {
    name: 'getApp',
    call: (c) => c.getApp(),
    method: 'GET',
    path: `/v1/apps/${APP_ID}`,
    reply: {
      json: {
        app: {
          id: APP_ID,
          name: 'My App',
          auth_origin: 'http://localhost:3000',
          session_timeout_length: 3600,
          hosted: false,
          allowed_callback_urls: ['http://localhost:3000/cb'],
        },
      },
    },
    result: {
      id: APP_ID,
      name: 'My App',
      authOrigin: 'http://localhost:3000',
      sessionTimeoutLength: 3600,
      hosted: false,
      allowedCallbackUrls: ['http://localhost:3000/cb'],
    },
  },
  {
    name: 'listUsers',
    call: (c) =>
      c.listUsers({
        page: 2,
        limit: 50,
        createdBefore: 1_700_000_000,
        orderBy: 'created_at:DESC',
        identifier: 'like:example.com',
        status: 'ne:inactive',
        loginCount: 'gt:3',
        lastLoginAt: 'lt:2024-01-01T00:00:00.000000Z',
        id: undefined,
      }),
    method: 'GET',
    path: `/v1/apps/${APP_ID}/users`,
    query: {
      page: '2',
      limit: '50',
      created_before: '1700000000',
      order_by: 'created_at:DESC',
      identifier: 'like:example.com',
      status: 'ne:inactive',
      login_count: 'gt:3',
      last_login_at: 'lt:2024-01-01T00:00:00.000000Z',
    },
    reply: {
      json: {
        users: [{ ...wireListItem, last_login_at: '0001-01-01T00:00:00Z', user_metadata: null }],
        total_users: 51,
        page: 2,
        limit: 50,
        created_before: 1_700_000_000,
        _links: {
          first: { href: '/v1/apps/app_123/users?page=1' },
          last: { href: '/v1/apps/app_123/users?page=2' },
          next: { href: '' },
          previous: { href: '/v1/apps/app_123/users?page=1' },
          self: { href: '/v1/apps/app_123/users?page=2' },
        },
      },
    },
    result: {
      users: [{ ...listItem, lastLoginAt: null, userMetadata: null }],
      totalUsers: 51,
      page: 2,
      limit: 50,
      createdBefore: 1_700_000_000,
      links: {
        first: '/v1/apps/app_123/users?page=1',
        last: '/v1/apps/app_123/users?page=2',
        next: '',
        previous: '/v1/apps/app_123/users?page=1',
        self: '/v1/apps/app_123/users?page=2',
      },
    },
  },
  {
    // Ids that are not plain (`user/1`, `..`) are refused before any call; see "refuses a segment".
    name: 'getUser',
    call: (c) => c.getUser('user_1-A'),
    method: 'GET',
    path: `/v1/apps/${APP_ID}/users/user_1-A`,
    reply: { json: { user: wireUser() } },
    result: user(),
  },
  {
    name: 'createUser',
    call: (c) => c.createUser({ email: 'alice@example.com', phone: undefined, userMetadata: { favoriteColor: 'blue' } }),
    method: 'POST',
    path: `/v1/apps/${APP_ID}/users`,
    // Only top-level keys are snake_cased: metadata keys are the app's own field names.
    requestBody: { email: 'alice@example.com', user_metadata: { favoriteColor: 'blue' } },
    reply: { status: 201, json: { user: wireUser({ status: 'pending', webauthn: false, webauthn_devices: [] }) } },
    result: user({ status: 'pending', webauthn: false, webauthnDevices: [] }),
  },
  {
    name: 'updateUser',
    call: (c) => c.updateUser('user_1', { phone: '+15555550123', userMetadata: { plan: 'pro' } }),
    method: 'PATCH',
    path: `/v1/apps/${APP_ID}/users/user_1`,
    requestBody: { phone: '+15555550123', user_metadata: { plan: 'pro' } },
    reply: { json: { user: wireUser({ phone: '+15555550123', user_metadata: { plan: 'pro' } }) } },
    result: user({ phone: '+15555550123', userMetadata: { plan: 'pro' } }),
  },
  {
    name: 'deleteUser (empty 200)',
    call: (c) => c.deleteUser('user_1'),
    method: 'DELETE',
    path: `/v1/apps/${APP_ID}/users/user_1`,
    reply: { status: 200, text: '' },
    result: undefined,
  },
  {
    name: 'activateUser',
    call: (c) => c.activateUser('user_1'),
    method: 'PATCH',
    path: `/v1/apps/${APP_ID}/users/user_1/activate`,
    reply: { json: { user: wireUser({ status: 'active' }) } },
    result: user({ status: 'active' }),
  },
  {
    name: 'deactivateUser',
    call: (c) => c.deactivateUser('user_1'),
    method: 'PATCH',
    path: `/v1/apps/${APP_ID}/users/user_1/deactivate`,
    reply: { json: { user: wireUser({ status: 'inactive' }) } },
    result: user({ status: 'inactive' }),
  },
  {
    name: 'listDevices',
    call: (c) => c.listDevices('user_1'),
    method: 'GET',
    path: `/v1/apps/${APP_ID}/users/user_1/devices`,
    reply: { json: { devices: [wireDevice, { ...wireDevice, id: 'dev_2', type: 'security_key', last_login_at: '' }] } },
    result: [device, { ...device, id: 'dev_2', type: 'security_key', lastLoginAt: null }],
  },
  {
    name: 'deleteDevice (empty 200)',
    call: (c) => c.deleteDevice('user_1', 'dev_1'),
    method: 'DELETE',
    path: `/v1/apps/${APP_ID}/users/user_1/devices/dev_1`,
    reply: { status: 200, text: '' },
    result: undefined,
  },
  {
    name: 'revokeRefreshTokens (empty 200)',
    call: (c) => c.revokeRefreshTokens('user_1'),
    method: 'DELETE',
    path: `/v1/apps/${APP_ID}/users/user_1/tokens`,
    reply: { status: 200, text: '' },
    result: undefined,
  },
  {
    name: 'createMagicLink',
    call: (c) =>
      c.createMagicLink({
        email: 'alice@example.com',
        userId: undefined,
        channel: 'email',
        send: false,
        type: 'login',
        redirectUrl: '/dashboard',
        magicLinkPath: '/auth',
        language: 'en',
        ttl: 15,
      }),
    method: 'POST',
    path: `/v1/apps/${APP_ID}/magic-links`,
    requestBody: {
      email: 'alice@example.com',
      channel: 'email',
      send: false,
      type: 'login',
      redirect_url: '/dashboard',
      magic_link_path: '/auth',
      language: 'en',
      ttl: 15,
    },
    reply: { status: 201, json: { magic_link: wireMagicLink } },
    result: {
      id: 'ml_1',
      appId: APP_ID,
      userId: 'user_1',
      identifier: 'alice@example.com',
      type: 'login',
      url: 'https://app.example.com/auth?psg_magic_link=ml.secret',
      secret: 'ml.secret',
      redirectUrl: '/dashboard',
      ttl: 15,
      activated: false,
    },
  },
];

describe('PassageClient operations', () => {
  it('covers all 12 operations', () => {
    expect(new Set(operations.map((o) => o.name.split(' ')[0])).size).toBe(12);
  });

  it.each(operations)('$name sends the right request and maps the response', async (op) => {
    const passage = await startPassage(() => op.reply);
    const result = await op.call(clientFor(passage.url));

    expect(passage.requests).toHaveLength(1);
    const [req] = passage.requests as [Seen];
    expect(req.method).toBe(op.method);
    expect(pathOf(req)).toBe(op.path);
    expect(queryOf(req)).toEqual(op.query ?? {});
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req.headers['content-type']).toBe('application/json');
    if (op.requestBody === undefined) expect(req.body).toBe('');
    else expect(JSON.parse(req.body)).toEqual(op.requestBody);
    expect(result).toEqual(op.result);
  });

  it('accepts a base URL with a trailing slash', async () => {
    const passage = await startPassage(() => ({ json: { devices: [] } }));
    await clientFor(`${passage.url}/`).listDevices('user_1');
    expect(pathOf(passage.requests[0]!)).toBe(`/v1/apps/${APP_ID}/users/user_1/devices`);
  });

  it('treats missing or null arrays as empty and never-logged-in timestamps as null', async () => {
    const wire = wireUser({ webauthn_devices: null, last_login_at: '', user_metadata: undefined });
    delete (wire as Record<string, unknown>).webauthn_types;
    delete (wire as Record<string, unknown>).webauthn;
    const passage = await startPassage(() => ({ json: { user: wire } }));
    const got = await clientFor(passage.url).getUser('user_1');
    expect(got).toEqual(user({ webauthn: false, webauthnDevices: [], webauthnTypes: [], lastLoginAt: null, userMetadata: null }));
  });

  it('refuses a segment that is not a plain id instead of addressing another route, without a call', async () => {
    const passage = await startPassage(() => ({ json: {} }));
    const client = clientFor(passage.url);
    for (const id of ['', '.', '..', 'a/b', '%2e%2e', 'a?b', 'a b', 'x'.repeat(129)]) {
      await expect(client.deleteUser(id)).rejects.toMatchObject({ name: 'PassageError', status: 400, code: 'invalid_id' });
      await expect(client.getUser(id)).rejects.toMatchObject({ code: 'invalid_id' });
      await expect(client.deleteDevice('user_1', id)).rejects.toMatchObject({ code: 'invalid_id' });
    }
    expect(passage.requests).toHaveLength(0);
    expect(client.breakerStates().users_read).toBe('closed');
  });
});

describe('getUserByIdentifier', () => {
  it('lists with limit 1 and the lower-cased identifier, then gets the full user', async () => {
    const passage = await startPassage((req) =>
      pathOf(req).endsWith('/users')
        ? { json: { users: [wireListItem], total_users: 1, page: 1, limit: 1, created_before: 1, _links: {} } }
        : { json: { user: wireUser() } },
    );
    const got = await clientFor(passage.url).getUserByIdentifier('Alice@Example.COM');

    expect(passage.requests.map((r) => `${r.method} ${pathOf(r)}`)).toEqual([`GET /v1/apps/${APP_ID}/users`, `GET /v1/apps/${APP_ID}/users/user_1`]);
    expect(queryOf(passage.requests[0]!)).toEqual({ limit: '1', identifier: 'alice@example.com' });
    expect(got).toEqual(user());
  });

  it('turns an empty list into 404 user_not_found without a second call', async () => {
    const passage = await startPassage(() => ({
      json: { users: [], total_users: 0, page: 1, limit: 1, created_before: 1, _links: {} },
    }));
    const e = await failure(clientFor(passage.url).getUserByIdentifier('nobody@example.com'));
    expect([e.status, e.code]).toEqual([404, 'user_not_found']);
    expect(isPassageNotFound(e)).toBe(true);
    expect(passage.requests).toHaveLength(1);
  });
});

// --- Errors --------------------------------------------------------------------------------------

describe('PassageClient errors', () => {
  it('maps a {"code","error"} body to status, code and message', async () => {
    const passage = await startPassage(() => apiError(404, 'user_not_found', 'User not found'));
    const e = await failure(clientFor(passage.url).getUser('missing'));
    expect(e.name).toBe('PassageError');
    expect([e.status, e.code, e.message]).toEqual([404, 'user_not_found', 'User not found']);
    expect(isPassageNotFound(e)).toBe(true);
    expect(isPassageUnavailable(e)).toBe(false);
  });

  it('maps a 400 on a write the same way', async () => {
    const passage = await startPassage(() => apiError(400, 'invalid_request', 'identifier: must be a valid email address.'));
    const e = await failure(clientFor(passage.url).createUser({ email: 'nope' }));
    expect([e.status, e.code, e.message]).toEqual([400, 'invalid_request', 'identifier: must be a valid email address.']);
    expect(isPassageUnavailable(e)).toBe(false);
  });

  it('gives http_<status> when the error body is not Passage-shaped', async () => {
    const passage = await startPassage(() => ({ status: 502, text: '<html>Bad gateway</html>' }));
    const e = await failure(clientFor(passage.url, { maxRetries: 0 }).getUser('user_1'));
    expect([e.status, e.code]).toEqual([502, 'http_502']);
    expect(isPassageUnavailable(e)).toBe(true);
  });

  it.each([
    ['a body of the wrong shape', { json: { user: { ...wireListItem, status: 'banned' } } }],
    ['a body without the envelope', { json: wireUser() }],
    ['a body that is not JSON', { text: 'OK' }],
    ['an empty body where a user is expected', { text: '' }],
  ] satisfies [string, Reply][])('turns %s into invalid_response with the HTTP status', async (_, reply) => {
    const passage = await startPassage(() => reply);
    const e = await failure(clientFor(passage.url).getUser('user_1'));
    expect([e.status, e.code]).toEqual([200, 'invalid_response']);
    expect(isPassageUnavailable(e)).toBe(true);
    // A malformed 200 is not transient: no retry.
    expect(passage.requests).toHaveLength(1);
  });

  it('times out a hung call at the configured deadline', async () => {
    const passage = await startPassage(() => 'hang');
    const started = performance.now();
    const e = await failure(clientFor(passage.url, { timeoutMs: 200, maxRetries: 0 }).getUser('user_1'));
    const elapsed = performance.now() - started;
    expect([e.status, e.code]).toEqual([0, 'timeout']);
    expect(isPassageUnavailable(e)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(180);
    expect(elapsed).toBeLessThan(600);
  });

  it('times out a response whose body stalls after the headers', async () => {
    const passage = await startPassage(() => 'stall');
    const started = performance.now();
    const e = await failure(clientFor(passage.url, { timeoutMs: 200, maxRetries: 0 }).getUser('user_1'));
    expect([e.status, e.code]).toEqual([0, 'timeout']);
    expect(performance.now() - started).toBeLessThan(600);
  });

  it('reports a refused connection as network_error', async () => {
    const passage = await startPassage(() => ({ json: {} }));
    const server = servers.pop()!;
    server.close();
    await once(server, 'close');
    const e = await failure(clientFor(passage.url, { maxRetries: 0 }).getApp());
    expect([e.status, e.code]).toEqual([0, 'network_error']);
    expect(isPassageUnavailable(e)).toBe(true);
  });
});

// --- Retries -------------------------------------------------------------------------------------

describe('PassageClient retries', () => {
  it('retries a GET after a 500 and returns the later success', async () => {
    const calls: PassageCallInfo[] = [];
    const passage = await startPassage((_, i) => (i === 0 ? apiError(500, 'internal_server_error', 'boom') : { json: { user: wireUser() } }));
    const got = await clientFor(passage.url, { onCall: (info) => calls.push(info) }).getUser('user_1');
    expect(got).toEqual(user());
    expect(passage.requests).toHaveLength(2);
    expect(calls.map((c) => [c.method, c.path, c.attempt, c.status, c.error?.code])).toEqual([
      ['GET', `/apps/${APP_ID}/users/user_1`, 0, 500, 'internal_server_error'],
      ['GET', `/apps/${APP_ID}/users/user_1`, 1, 200, undefined],
    ]);
  });

  it('gives up after maxRetries and throws the last error', async () => {
    const passage = await startPassage(() => apiError(500, 'internal_server_error', 'boom'));
    const e = await failure(clientFor(passage.url, { maxRetries: 2 }).listDevices('user_1'));
    expect([e.status, e.code]).toEqual([500, 'internal_server_error']);
    expect(passage.requests).toHaveLength(3);
  });

  it('does not retry when maxRetries is 0', async () => {
    const passage = await startPassage(() => apiError(503, 'unavailable', 'down'));
    await failure(clientFor(passage.url, { maxRetries: 0 }).getUser('user_1'));
    expect(passage.requests).toHaveLength(1);
  });

  it('retries a GET after a dropped connection', async () => {
    const passage = await startPassage((_, i) => (i === 0 ? 'reset' : { json: { devices: [] } }));
    await expect(clientFor(passage.url).listDevices('user_1')).resolves.toEqual([]);
    expect(passage.requests).toHaveLength(2);
  });

  it('retries a GET after a timeout', async () => {
    const passage = await startPassage((_, i) => (i === 0 ? 'hang' : { json: { devices: [] } }));
    await expect(clientFor(passage.url, { timeoutMs: 200 }).listDevices('user_1')).resolves.toEqual([]);
    expect(passage.requests).toHaveLength(2);
  });

  it('does not retry a GET on a 4xx', async () => {
    const passage = await startPassage(() => apiError(404, 'user_not_found', 'User not found'));
    await failure(clientFor(passage.url).getUser('user_1'));
    expect(passage.requests).toHaveLength(1);
  });

  it.each<[string, (c: PassageClient) => Promise<unknown>]>([
    ['createUser', (c) => c.createUser({ email: 'a@example.com' })],
    ['updateUser', (c) => c.updateUser('user_1', { email: 'a@example.com' })],
    ['deleteUser', (c) => c.deleteUser('user_1')],
    ['activateUser', (c) => c.activateUser('user_1')],
    ['deactivateUser', (c) => c.deactivateUser('user_1')],
    ['deleteDevice', (c) => c.deleteDevice('user_1', 'dev_1')],
    ['revokeRefreshTokens', (c) => c.revokeRefreshTokens('user_1')],
    ['createMagicLink', (c) => c.createMagicLink({ email: 'a@example.com', send: true })],
  ])('never retries %s on a 500', async (_, call) => {
    const passage = await startPassage(() => apiError(500, 'internal_server_error', 'boom'));
    const e = await failure(call(clientFor(passage.url, { maxRetries: 5 })));
    expect(e.status).toBe(500);
    expect(passage.requests).toHaveLength(1);
  });

  it('never retries a write that timed out', async () => {
    const passage = await startPassage(() => 'hang');
    const client = clientFor(passage.url, { timeoutMs: 200, maxRetries: 5 });
    const e = await failure(client.createMagicLink({ email: 'a@example.com' }));
    expect(e.code).toBe('timeout');
    expect(passage.requests).toHaveLength(1);
  });
});

describe('PassageClient 429', () => {
  it('exposes a long Retry-After and does not wait for it', async () => {
    const passage = await startPassage(() => apiError(429, 'rate_limited', 'slow down', { 'Retry-After': '120' }));
    const started = performance.now();
    const e = await failure(clientFor(passage.url).getUser('user_1'));
    expect([e.status, e.code, e.retryAfterSeconds]).toEqual([429, 'rate_limited', 120]);
    expect(isPassageUnavailable(e)).toBe(true);
    expect(passage.requests).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reads an HTTP-date Retry-After', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    const passage = await startPassage(() => ({ status: 429, text: '', headers: { 'Retry-After': at } }));
    const e = await failure(clientFor(passage.url).createUser({ email: 'a@example.com' }));
    expect(e.code).toBe('http_429');
    expect(e.retryAfterSeconds).toBeGreaterThanOrEqual(58);
    expect(e.retryAfterSeconds).toBeLessThanOrEqual(61);
  });

  it('waits a short Retry-After on a GET, then retries', async () => {
    const passage = await startPassage((_, i) => (i === 0 ? { status: 429, text: '', headers: { 'Retry-After': '1' } } : { json: { devices: [] } }));
    const started = performance.now();
    await expect(clientFor(passage.url).listDevices('user_1')).resolves.toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(passage.requests).toHaveLength(2);
  });

  it('backs off and retries a GET when there is no Retry-After', async () => {
    const passage = await startPassage(() => ({ status: 429, text: '' }));
    const e = await failure(clientFor(passage.url, { maxRetries: 2 }).getUser('user_1'));
    expect(e.retryAfterSeconds).toBeUndefined();
    expect(passage.requests).toHaveLength(3);
  });
});

// --- Secrets -------------------------------------------------------------------------------------

describe('PassageClient and the API key', () => {
  it('keeps the key out of every error, even when the server echoes it', async () => {
    const echo = (req: Seen): Reply => apiError(401, 'invalid_access_token', `Invalid access token: ${req.headers.authorization}`);
    const errors: PassageError[] = [];

    const echoing = await startPassage(echo);
    errors.push(await failure(clientFor(echoing.url).getUser('user_1')));
    const plain = await startPassage((req) => ({ status: 418, text: `you sent ${req.headers.authorization}` }));
    errors.push(await failure(clientFor(plain.url).getUser('user_1')));
    const garbled = await startPassage((req) => ({ json: { user: { id: req.headers.authorization } } }));
    errors.push(await failure(clientFor(garbled.url).getUser('user_1')));
    const hung = await startPassage(() => 'hang');
    errors.push(await failure(clientFor(hung.url, { timeoutMs: 100, maxRetries: 0 }).getUser('user_1')));
    const gone = await startPassage(() => 'reset');
    errors.push(await failure(clientFor(gone.url, { maxRetries: 0 }).getUser('user_1')));

    expect(errors.map((e) => e.code)).toEqual(['invalid_access_token', 'http_418', 'invalid_response', 'timeout', 'network_error']);
    for (const e of errors) {
      expect(e.message).not.toContain(API_KEY);
      expect(inspect(e, { depth: 10 })).not.toContain(API_KEY);
    }
  });

  it('keeps identifiers from the query string out of reported paths and messages', async () => {
    const calls: PassageCallInfo[] = [];
    const passage = await startPassage(() => ({ status: 503, text: 'unavailable' }));
    const client = clientFor(passage.url, { maxRetries: 0, onCall: (info) => calls.push(info) });
    const e = await failure(client.listUsers({ identifier: 'alice@example.com' }));
    expect(queryOf(passage.requests[0]!)).toEqual({ identifier: 'alice@example.com' });
    expect(e.message).not.toContain('alice');
    expect(calls.map((c) => c.path)).toEqual([`/apps/${APP_ID}/users`]);
  });

  it('does not expose the key when the client itself is logged', () => {
    const client = clientFor('http://127.0.0.1:9/v1');
    expect(inspect(client, { depth: 10 })).not.toContain(API_KEY);
    expect(JSON.stringify(client)).not.toContain(API_KEY);
  });
});

describe('PassageClient and a request budget (issue 10 items 9 and 11)', () => {
  it('sends no call once the budget has no calls left', async () => {
    const passage = await startPassage(() => ({ json: { user: wireUser() } }));
    const budget = new UpstreamBudget({ maxCalls: 1, deadlineMs: 10_000 });
    await clientFor(passage.url).getUser('user_1', { budget });
    const e = await failure(clientFor(passage.url).getUser('user_2', { budget }));
    expect(e.code).toBe('budget_exceeded');
    expect(isPassageUnavailable(e)).toBe(false);
    expect(passage.requests).toHaveLength(1);
  });

  it("does not retry past the budget: the last allowed attempt's error is the answer", async () => {
    const passage = await startPassage(() => ({ status: 500, json: { code: 'boom', error: 'boom' } }));
    const budget = new UpstreamBudget({ maxCalls: 2, deadlineMs: 10_000 });
    const e = await failure(clientFor(passage.url).getUser('user_1', { budget }));
    expect([e.status, e.code]).toEqual([500, 'boom']);
    expect(passage.requests).toHaveLength(2);
  });

  it('cuts an attempt at the request deadline rather than at the per-attempt timeout, and counts it as a timeout', async () => {
    const passage = await startPassage(() => 'hang');
    const client = clientFor(passage.url, { timeoutMs: 5000, breaker: { failurePercent: 50, minimumCalls: 1, windowMs: 60_000, openMs: 60_000 } });
    const started = performance.now();
    // 1 s of request time: well above the 100 ms an attempt needs to be started at all (so a slow
    // start on a busy machine still sends it), well below the 5 s per-attempt timeout.
    const e = await failure(client.getUser('user_1', { budget: new UpstreamBudget({ maxCalls: 10, deadlineMs: 1000 }) }));
    expect(e.code).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(4000);
    expect(passage.requests).toHaveLength(1);
    expect(client.breakerStates().users_read).toBe('open');
  });

  it('does not start a write in the last moments of the request: refused unsent rather than cut off', async () => {
    const passage = await startPassage(() => ({ json: {} }));
    const e = await failure(clientFor(passage.url).deleteUser('user_1', { budget: new UpstreamBudget({ maxCalls: 10, deadlineMs: 500 }) }));
    expect(e.code).toBe('deadline_exceeded');
    expect(passage.requests).toHaveLength(0);
  });
});
