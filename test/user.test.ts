import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type Harness } from './helpers/harness.js';

const ME_FULL = /* GraphQL */ `{
  me {
    id email phone status emailVerified phoneVerified createdAt lastLoginAt loginCount metadata
    displayName appRole
    devices { id friendlyName type usageCount createdAt lastLoginAt }
  }
}`;

describe('Query.me', () => {
  let h: Harness;
  let admin: { id: string; token: string };
  let member: { id: string; token: string };

  beforeAll(async () => {
    // No cross-request cache here: these tests are about what each request asks of Passage.
    h = await startHarness({ adminEmails: ['admin@example.com'], env: { PASSAGE_CACHE_TTL: '0', PASSAGE_CACHE_MAX_STALE: '0' } });
    admin = await h.user('admin@example.com');
    member = await h.user('member@example.com');
  });
  afterAll(() => h?.close());

  it('merges the local row with the Passage user and its devices', async () => {
    const res = await h.gql<{ me: Record<string, unknown> & { devices: Array<Record<string, unknown>> } }>(ME_FULL, { token: member.token });
    expect(res.body.errors).toBeUndefined();
    const me = res.body.data!.me;
    expect(me).toMatchObject({
      id: member.id,
      email: 'member@example.com',
      phone: null,
      status: 'ACTIVE',
      displayName: null,
      appRole: 'USER',
      loginCount: expect.any(Number),
    });
    expect(new Date(me['createdAt'] as string).toISOString()).toBe(me['createdAt']);
    expect(me.devices).toHaveLength(1);
    expect(me.devices[0]).toMatchObject({ friendlyName: 'member@example.com passkey', type: 'PASSKEY', usageCount: expect.any(Number) });
  });

  it('reports ADMIN for users in ADMIN_USER_IDS', async () => {
    const res = await h.gql(`{ me { appRole } }`, { token: admin.token });
    expect(res.body.data).toEqual({ me: { appRole: 'ADMIN' } });
  });

  it('asks Passage about a user once (first sight), then reads the directory', async () => {
    const fresh = await h.user('once@example.com');
    h.emulator.clearCalls();
    await h.gql(`{ me { email status loginCount metadata } }`, { token: fresh.token });
    await h.gql(`{ me { email status loginCount metadata } }`, { token: fresh.token });
    const gets = h.emulator.calls.filter((c) => c.method === 'GET' && c.path.endsWith(`/users/${fresh.id}`));
    expect(gets).toHaveLength(1);
  });

  it("serves a known user's Passage fields from the directory while Passage is down", async () => {
    await h.gql(`{ me { id } }`, { token: member.token });
    const remove = h.emulator.injectFault({ match: { pathPrefix: '/users' }, status: 500 });
    try {
      const res = await h.gql<{ me: Record<string, unknown> }>(`{ me { id email status } }`, { token: member.token });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.me).toEqual({ id: member.id, email: 'member@example.com', status: 'ACTIVE' });
    } finally {
      remove();
    }
  });

  it('keeps local fields of a never-seen user when Passage is down and nulls each Passage field with UPSTREAM_UNAVAILABLE', async () => {
    const fresh = await h.user('unseen-while-down@example.com');
    const remove = h.emulator.injectFault({ match: { method: 'GET', pathPrefix: '/users' }, status: 500 });
    try {
      const res = await h.gql<{ me: Record<string, unknown> }>(`{ me { id appRole displayName email status } }`, { token: fresh.token });
      expect(res.status).toBe(200);
      expect(res.body.data!.me).toEqual({ id: fresh.id, appRole: 'USER', displayName: null, email: null, status: null });
      expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
      expect(res.body.errors!.map((e) => e.path)).toEqual([
        ['me', 'email'],
        ['me', 'status'],
      ]);
    } finally {
      remove();
    }
  });

  it('treats a Passage answer of the wrong shape as UPSTREAM_UNAVAILABLE', async () => {
    const fresh = await h.user('wrong-shape@example.com');
    const remove = h.emulator.injectFault({ match: { method: 'GET', pathPrefix: '/users' }, status: 200, body: { user: { id: 42 } } });
    try {
      const res = await h.gql<{ me: Record<string, unknown> }>(`{ me { id email } }`, { token: fresh.token });
      expect(res.body.data!.me).toEqual({ id: fresh.id, email: null });
      expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    } finally {
      remove();
    }
  });

  it('creates the local row on the first authenticated request', async () => {
    const fresh = await h.user('first-time@example.com');
    const before = await h.server.app.services.users.findById(fresh.id);
    expect(before).toBeNull();
    await h.gql(`{ me { id } }`, { token: fresh.token });
    expect(await h.server.app.services.users.findById(fresh.id)).toMatchObject({ id: fresh.id, appRole: 'USER' });
  });
});

describe('Mutation.updateMe', () => {
  let h: Harness;
  let member: { id: string; token: string };
  const UPDATE = `mutation($input: UpdateMeInput!) { updateMe(input: $input) { id displayName } }`;

  beforeAll(async () => {
    h = await startHarness();
    member = await h.user('member@example.com');
  });
  afterAll(() => h?.close());

  it('sets the display name and returns the user', async () => {
    const res = await h.gql(UPDATE, { token: member.token, variables: { input: { displayName: '  Ada Lovelace ' } } });
    expect(res.body).toEqual({ data: { updateMe: { id: member.id, displayName: 'Ada Lovelace' } } });
  });

  it('keeps the display name across a restart', async () => {
    await h.gql(UPDATE, { token: member.token, variables: { input: { displayName: 'Grace' } } });
    await h.restart();
    const res = await h.gql(`{ me { displayName } }`, { token: member.token });
    expect(res.body.data).toEqual({ me: { displayName: 'Grace' } });
  });

  it('rejects an empty or overlong display name with BAD_USER_INPUT and changes nothing', async () => {
    for (const displayName of ['   ', 'x'.repeat(101)]) {
      const res = await h.gql(UPDATE, { token: member.token, variables: { input: { displayName } } });
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors![0]!.extensions!['field']).toBe('displayName');
    }
    const after = await h.gql(`{ me { displayName } }`, { token: member.token });
    expect(after.body.data).toEqual({ me: { displayName: 'Grace' } });
  });

  it('clears the display name with null', async () => {
    const res = await h.gql(UPDATE, { token: member.token, variables: { input: { displayName: null } } });
    expect(res.body.data).toEqual({ updateMe: { id: member.id, displayName: null } });
  });

  it('refuses anonymous callers with UNAUTHENTICATED', async () => {
    const res = await h.gql(UPDATE, { variables: { input: { displayName: 'x' } } });
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.body.data).toBeNull();
  });
});

describe('Query.app', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('returns the Passage app id and name', async () => {
    const res = await h.gql(`{ app { id name } }`);
    expect(res.body.data).toEqual({ app: { id: h.emulator.appId, name: expect.any(String) } });
  });
});
