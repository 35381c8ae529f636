import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { withTokenCache } from '../src/auth/token-cache.js';
import type { TokenVerifier } from '../src/auth/token.js';
import { createMemoryCache } from '../src/cache.js';
import { codes, startHarness, type Harness } from './helpers/harness.js';

type Person = { id: string; token: string };

const userGets = (h: Harness, id?: string) =>
  h.emulator.calls.filter((c) => c.method === 'GET' && (id ? c.path.endsWith(`/users/${id}`) : /\/users\/[^/]+$/.test(c.path)));

describe('Passage cache across requests', () => {
  let h: Harness;
  let admin: Person, member: Person;

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['root@example.com'], env: { RATE_LIMIT_CREATE_USER: 'off' } });
    admin = await h.user('root@example.com');
    member = await h.user('member@example.com');
  });
  afterAll(() => h?.close());

  it('answers repeated reads of a user with one upstream call', async () => {
    h.emulator.clearCalls();
    for (let i = 0; i < 5; i++) {
      const res = await h.gql('{ me { email devices { id } } }', { token: member.token });
      expect(res.body.data).toMatchObject({ me: { email: 'member@example.com' } });
    }
    expect(userGets(h, member.id)).toHaveLength(1);
  });

  it('shares one upstream call among concurrent misses for the same user', async () => {
    const target = await h.emulator.seedUser({ email: 'popular@example.com', status: 'active' });
    h.emulator.clearCalls();
    h.emulator.setLatency(50);
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, () => h.gql(`query($id: ID!) { user(id: $id) { email } }`, { token: admin.token, variables: { id: target.id } })),
      );
      for (const r of results) expect(r.body.data).toEqual({ user: { email: 'popular@example.com' } });
    } finally {
      h.emulator.setLatency(0);
    }
    expect(userGets(h, target.id)).toHaveLength(1);
  });

  describe('is updated by every mutation that changes Passage data', () => {
    const read = (id: string) =>
      h.gql<{ user: { email: string; status: string; metadata: unknown; devices: Array<{ id: string }> } | null }>(
        `query($id: ID!) { user(id: $id) { email status metadata devices { id } } }`,
        { token: admin.token, variables: { id } },
      );

    it('updateUser', async () => {
      const u = await h.user('upd@example.com');
      expect((await read(u.id)).body.data!.user!.metadata).toEqual({});
      await h.gql(`mutation($id: ID!) { updateUser(id: $id, input: { metadata: { v: 2 } }) { id } }`, { token: admin.token, variables: { id: u.id } });
      h.emulator.clearCalls();
      expect((await read(u.id)).body.data!.user!.metadata).toEqual({ v: 2 });
      // Written through from Passage's answer: no extra upstream read needed.
      expect(userGets(h, u.id)).toHaveLength(0);
    });

    it('deactivateUser and activateUser', async () => {
      const u = await h.user('toggle@example.com');
      expect((await read(u.id)).body.data!.user!.status).toBe('ACTIVE');
      await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: admin.token, variables: { id: u.id } });
      expect((await read(u.id)).body.data!.user!.status).toBe('INACTIVE');
      await h.gql(`mutation($id: ID!) { activateUser(id: $id) { id } }`, { token: admin.token, variables: { id: u.id } });
      expect((await read(u.id)).body.data!.user!.status).toBe('ACTIVE');
    });

    it('revokeDevice', async () => {
      const u = await h.user('devices@example.com');
      const before = (await read(u.id)).body.data!.user!.devices;
      expect(before).toHaveLength(1);
      await h.gql(`mutation($u: ID!, $d: ID!) { revokeDevice(userId: $u, deviceId: $d) }`, { token: admin.token, variables: { u: u.id, d: before[0]!.id } });
      expect((await read(u.id)).body.data!.user!.devices).toEqual([]);
    });

    it('deleteUser', async () => {
      const u = await h.user('gone@example.com');
      expect((await read(u.id)).body.data!.user).not.toBeNull();
      await h.gql(`mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }`, { token: admin.token, variables: { id: u.id } });
      const after = await read(u.id);
      expect(after.body.data!.user).toBeNull();
      expect(codes(after)).toEqual(['NOT_FOUND']);
    });

    it('createUser', async () => {
      const res = await h.gql<{ createUser: { id: string } }>(`mutation { createUser(input: { email: "brand-new@example.com" }) { id } }`, {
        token: admin.token,
      });
      const id = res.body.data!.createUser.id;
      h.emulator.clearCalls();
      expect((await read(id)).body.data!.user!.email).toBe('brand-new@example.com');
      expect(userGets(h, id)).toHaveLength(0);
    });
  });
});

describe('stale data while Passage is down', () => {
  let h: Harness;
  beforeAll(async () => {
    // Every read goes upstream (TTL 0), but what was read stays servable for five minutes.
    h = await startHarness({ env: { PASSAGE_CACHE_TTL: '0', PASSAGE_CACHE_MAX_STALE: '300' } });
  });
  afterAll(() => h?.close());

  it('serves the last known device list, marked stale, instead of failing the field', async () => {
    const member = await h.user('stale@example.com');
    const fresh = await h.gql<{ me: { devices: Array<{ friendlyName: string }> } }>('{ me { devices { friendlyName } } }', { token: member.token });
    expect(fresh.body.data!.me.devices).toEqual([{ friendlyName: 'stale@example.com passkey' }]);
    const remove = h.emulator.injectFault({ match: { method: 'GET', pathPrefix: '/users' }, status: 503 });
    try {
      const stale = await h.gql('{ me { email devices { friendlyName } } }', { token: member.token });
      expect(stale.body.data).toEqual({ me: { email: 'stale@example.com', devices: [{ friendlyName: 'stale@example.com passkey' }] } });
      expect(stale.body.errors).toBeUndefined();
      expect((stale.body as { extensions?: Record<string, unknown> }).extensions).toEqual({ staleData: true });
    } finally {
      remove();
    }
    const again = await h.gql('{ me { devices { friendlyName } } }', { token: member.token });
    expect((again.body as { extensions?: unknown }).extensions).toBeUndefined();
  });

  it('still fails the field when nothing was ever cached', async () => {
    const member = await h.emulator.seedUser({ email: 'never-read@example.com', status: 'active' });
    const token = await h.emulator.mintToken(member.id);
    const remove = h.emulator.injectFault({ match: { method: 'GET', pathPrefix: '/users' }, status: 503 });
    try {
      const res = await h.gql('{ me { id email } }', { token });
      expect(res.body.data).toEqual({ me: { id: member.id, email: null } });
      expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    } finally {
      remove();
    }
  });
});

describe('SQL per list query', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('runs the same number of statements for 3 members as for 40 (no N+1)', async () => {
    const owner = await h.user('sql-owner@example.com');
    const statementsFor = async (size: number) => {
      const org = await h.gql<{ createOrg: { id: string } }>(`mutation($n: String!) { createOrg(input: { name: $n }) { id } }`, {
        token: owner.token,
        variables: { n: `org-${size}` },
      });
      const orgId = org.body.data!.createOrg.id;
      for (let i = 1; i < size; i++) {
        const u = await h.emulator.seedUser({ email: `m${size}-${i}@example.com`, status: 'active' });
        await h.gql(`mutation($o: ID!, $u: ID!) { addOrgMember(orgId: $o, userId: $u, role: "Member") { role } }`, {
          token: owner.token,
          variables: { o: orgId, u: u.id },
        });
      }
      // Depth 6, the default query depth limit.
      const query = `query($id: ID!) { org(id: $id) { members(first: 100) { totalCount edges { node { role user { displayName } } } } } }`;
      await h.gql(query, { token: owner.token, variables: { id: orgId } });
      const before = h.server.database.stats.queries;
      const res = await h.gql<{ org: { members: { totalCount: number } } }>(query, { token: owner.token, variables: { id: orgId } });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.org.members.totalCount).toBe(size);
      return h.server.database.stats.queries - before;
    };
    const small = await statementsFor(3);
    const large = await statementsFor(40);
    expect(large).toBe(small);
    expect(small).toBeLessThanOrEqual(8);
  });
});

describe('verified-token cache', () => {
  afterEach(() => vi.useRealTimers());

  function fakeVerifier(expiresInMs: number) {
    let calls = 0;
    let published = true;
    const verifier: TokenVerifier = {
      verify: async () => {
        calls++;
        if (Date.now() >= base + expiresInMs) throw new Error('expired');
        return { userId: 'u1', expiresAt: base + expiresInMs };
      },
      warm: async () => {},
      refresh: async () => true,
      keyPublished: () => published,
    };
    const base = Date.now();
    return { verifier, calls: () => calls, unpublish: () => (published = false) };
  }
  // A syntactically valid JWT header with a kid; the fake ignores the rest.
  const token = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1' })).toString('base64url')}.e30.sig`;

  it('verifies a token once and answers later requests from the cache', async () => {
    const fake = fakeVerifier(60_000);
    const cached = withTokenCache(fake.verifier, { cache: createMemoryCache(10), keyPublished: fake.verifier.keyPublished });
    for (let i = 0; i < 3; i++) await expect(cached.verify(token)).resolves.toMatchObject({ userId: 'u1' });
    expect(fake.calls()).toBe(1);
  });

  it('never serves an entry past the token expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const fake = fakeVerifier(1000);
    const cached = withTokenCache(fake.verifier, { cache: createMemoryCache(10), keyPublished: fake.verifier.keyPublished });
    await cached.verify(token);
    vi.setSystemTime(Date.now() + 999);
    await expect(cached.verify(token)).resolves.toMatchObject({ userId: 'u1' });
    expect(fake.calls()).toBe(1);
    vi.setSystemTime(Date.now() + 2);
    await expect(cached.verify(token)).rejects.toThrow('expired');
    expect(fake.calls()).toBe(2);
  });

  it('keeps an entry exactly as long as the token has left to live, and never one already expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const sets: Array<{ key: string; ttl: number; kid: string }> = [];
    const recording = createMemoryCache<{ userId: string; expiresAt: number; kid: string }>(10);
    const cache = {
      ...recording,
      set: async (key: string, value: { userId: string; expiresAt: number; kid: string }, ttl: number) => {
        sets.push({ key, ttl, kid: value.kid });
        await recording.set(key, value, ttl);
      },
    };
    const expiringIn = (ms: number): TokenVerifier => ({
      verify: async () => ({ userId: 'u1', expiresAt: Date.now() + ms }),
      warm: async () => {},
      refresh: async () => true,
      keyPublished: () => true,
    });
    await withTokenCache(expiringIn(90_000), { cache }).verify(token);
    expect(sets).toEqual([{ key: expect.any(String), ttl: 90_000, kid: 'k1' }]);
    // Within the clock tolerance a token may verify with its exp just passed, or passing now: not cached.
    await withTokenCache(expiringIn(-3000), { cache }).verify(`${token}x`);
    await withTokenCache(expiringIn(0), { cache }).verify(`${token}y`);
    expect(sets).toHaveLength(1);
  });

  it('drops entries signed by a key that is no longer published', async () => {
    const fake = fakeVerifier(60_000);
    const cached = withTokenCache(fake.verifier, { cache: createMemoryCache(10), keyPublished: fake.verifier.keyPublished });
    await cached.verify(token);
    fake.unpublish();
    await cached.verify(token);
    expect(fake.calls()).toBe(2);
  });
});

describe('verified-token cache in the server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('still refuses a token signed by a key removed from the JWKS', async () => {
    const member = await h.user('rotated-out@example.com');
    expect((await h.gql('{ me { id } }', { token: member.token })).status).toBe(200);
    await h.emulator.rotateSigningKey({ keepOld: false });
    // The server learns of the new key set on its next refresh (a timer in production).
    await h.server.refreshJwks();
    const res = await h.gql('{ me { id } }', { token: member.token });
    expect(res.status).toBe(401);
  });
});
