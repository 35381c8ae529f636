import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type GqlResult, type Harness } from '../helpers/harness.js';
import { eventually, snapshot } from './support.js';

/**
 * Matrix rows 45-49, 55 and 60: Passage failing in every way we know leaves local data
 * answering, remote fields null with a coded error, retries bounded (and none for writes), and
 * a breaker that stops calling a family that keeps failing.
 */

// These tests are about what reaches Passage and what comes back; the cross-request cache would
// answer from memory instead (its stale-while-down behaviour has tests of its own).
const NO_PASSAGE_CACHE = { PASSAGE_CACHE_TTL: '0', PASSAGE_CACHE_MAX_STALE: '0' };

const PROFILE = '{ me { id displayName appRole email devices { id } } }';
type Profile = { me: { id: string; displayName: string | null; appRole: string; email: string | null; devices: unknown[] | null } | null };

/** Calls Passage received about one user (GET /users/{id} and below: with the directory, their devices). */
const userGets = (h: Harness, id: string) => h.emulator.calls.filter((c) => c.method === 'GET' && c.path.includes(`/users/${id}`)).length;

/** Local fields and the directory's answer; only what needs Passage (devices) is null with the code. */
function expectLocalOnly(res: GqlResult<Profile>, id: string, code: string): void {
  expect(res.status).toBe(200);
  expect(res.body.data?.me).toMatchObject({ id, displayName: 'Local Name', appRole: 'USER', email: expect.stringContaining('@'), devices: null });
  expect(new Set(codes(res))).toEqual(new Set([code]));
  expect(res.body.errors!.map((e) => e.path!.join('.')).sort()).toEqual(['me.devices']);
}

describe('Passage failures on reads (breaker out of the way)', () => {
  let h: Harness;
  let member: { id: string; token: string };
  beforeAll(async () => {
    h = await startHarness({ env: { PASSAGE_BREAKER_MIN_CALLS: '10000', ...NO_PASSAGE_CACHE } });
    member = await h.user('reads@example.com');
    await h.gql('mutation { updateMe(input: { displayName: "Local Name" }) { id } }', { token: member.token });
  });
  afterAll(() => h?.close());

  const withFault = async (fault: Parameters<Harness['emulator']['injectFault']>[0], run: () => Promise<void>) => {
    const remove = h.emulator.injectFault({ match: { method: 'GET', pathPrefix: `/users/${member.id}` }, ...fault });
    try {
      await run();
    } finally {
      remove();
    }
  };

  it('row 45: a 500 leaves local fields, nulls remote ones with UPSTREAM_UNAVAILABLE, and is retried at most twice', async () => {
    await withFault({ status: 500 }, async () => {
      const before = userGets(h, member.id);
      const res = await h.gql<Profile>(PROFILE, { token: member.token });
      expectLocalOnly(res, member.id, 'UPSTREAM_UNAVAILABLE');
      // The device list's load is tried three times in all.
      expect(userGets(h, member.id) - before).toBe(3);
    });
    const ok = await h.gql<Profile>(PROFILE, { token: member.token });
    expect(ok.body.data?.me?.devices).toHaveLength(1);
  });

  it('row 46: a hang is cut off by the deadline: remote fields null with UPSTREAM_UNAVAILABLE, local ones answer', async () => {
    await withFault({ hang: true }, async () => {
      const before = userGets(h, member.id);
      const res = await h.gql<Profile>(PROFILE, { token: member.token });
      expectLocalOnly(res, member.id, 'UPSTREAM_UNAVAILABLE');
      // The call's deadline (twice the per-attempt timeout) leaves room for one retry at most.
      expect(userGets(h, member.id) - before).toBeLessThanOrEqual(2);
    });
  });

  it('row 49: malformed JSON or an unexpected shape from Passage is an upstream failure, not a crash', async () => {
    for (const body of ['{"user": ', { user: { id: 42, email: ['not', 'a', 'string'] }, devices: [{ id: 42 }] }]) {
      await withFault({ status: 200, body }, async () => {
        const res = await h.gql<Profile>(PROFILE, { token: member.token });
        expectLocalOnly(res, member.id, 'UPSTREAM_UNAVAILABLE');
      });
    }
    expect((await h.gql<Profile>(PROFILE, { token: member.token })).body.data?.me?.devices).toHaveLength(1);
  });
});

describe('row 47: Passage 429 with Retry-After', () => {
  let h: Harness;
  let member: { id: string; token: string };
  beforeAll(async () => {
    h = await startHarness({ env: NO_PASSAGE_CACHE });
    member = await h.user('throttled@example.com');
    await h.gql('mutation { updateMe(input: { displayName: "Local Name" }) { id } }', { token: member.token });
  });
  afterAll(() => h?.close());

  it('is RATE_LIMITED with retryAfter 120 at once, without waiting or retrying, and Passage is left alone meanwhile', async () => {
    const remove = h.emulator.injectFault({ match: { method: 'GET', pathPrefix: `/users/${member.id}` }, status: 429, headers: { 'retry-after': '120' } });
    try {
      const before = userGets(h, member.id);
      const res = await h.gql<Profile>(PROFILE, { token: member.token });
      expectLocalOnly(res, member.id, 'RATE_LIMITED');
      for (const error of res.body.errors!) expect(error.extensions?.['retryAfter']).toBe(120);
      expect(userGets(h, member.id) - before).toBe(1);
    } finally {
      remove();
    }
    // Passage is healthy again, but it asked for two minutes: the next read does not call it.
    const calls = userGets(h, member.id);
    const next = await h.gql<Profile>(PROFILE, { token: member.token });
    expectLocalOnly(next, member.id, 'RATE_LIMITED');
    const retryAfter = next.body.errors![0]!.extensions?.['retryAfter'] as number;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect(userGets(h, member.id)).toBe(calls);
    // Other endpoint families are not held back.
    const app = await h.gql<{ app: { name: string | null } }>('{ app { name } }');
    expect(app.body.errors).toBeUndefined();
  });
});

describe('Passage failures on writes', () => {
  let h: Harness;
  let admin: { id: string; token: string };
  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['writes-admin@example.com'] });
    admin = await h.user('writes-admin@example.com');
    await h.gql('{ me { id } }', { token: admin.token });
  });
  afterAll(() => h?.close());

  it('row 60: two users in flight at once each get their own Passage data, with the cross-request cache on', async () => {
    const other = await h.user('reads-other@example.com');
    h.emulator.setLatency(30);
    try {
      const [a, b] = await Promise.all([
        h.gql<Profile>('{ me { id email } }', { token: admin.token }),
        h.gql<Profile>('{ me { id email } }', { token: other.token }),
      ]);
      expect(a.body.data).toEqual({ me: { id: admin.id, email: 'writes-admin@example.com' } });
      expect(b.body.data).toEqual({ me: { id: other.id, email: 'reads-other@example.com' } });
      // The admin's record is in the cache now; another user still cannot read it through it.
      const peek = await h.gql(`{ user(id: "${admin.id}") { email } }`, { token: other.token });
      expect(codes(peek)).toEqual(['FORBIDDEN']);
      expect(JSON.stringify(peek.body)).not.toContain('writes-admin@example.com');
    } finally {
      h.emulator.setLatency(0);
    }
  });

  const posts = (path: string) => h.emulator.calls.filter((c) => c.method === 'POST' && c.path.endsWith(path)).length;

  it('row 55: createMagicLink that times out is UPSTREAM_UNAVAILABLE after exactly one call, and nothing is written', async () => {
    const remove = h.emulator.injectFault({ match: { method: 'POST', pathPrefix: '/magic-links' }, hang: true });
    try {
      const before = posts('/magic-links');
      const rows = snapshot(h);
      const res = await h.gql(`mutation { createMagicLink(input: { email: "invitee@example.com" }) { id url } }`, { token: admin.token });
      expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(res.body.data).toBeNull();
      expect(posts('/magic-links') - before).toBe(1);
      // Only the audit log may record the failed attempt; no user or link row appears.
      expect(snapshot(h)).toBe(rows);
      const audit = h.server.database.sqlite.prepare('select * from audit_log').all();
      expect(JSON.stringify(audit)).not.toMatch(/https?:\/\/|secret/);
    } finally {
      remove();
    }
  });

  it('never retries a write on a 500: createUser is sent once', async () => {
    const remove = h.emulator.injectFault({ match: { method: 'POST', pathPrefix: '/users' }, status: 500 });
    try {
      const before = posts('/users');
      const res = await h.gql(`mutation { createUser(input: { email: "once@example.com" }) { id } }`, { token: admin.token });
      // Passage may have acted before failing: not "unavailable, nothing changed".
      expect(codes(res)).toEqual(['OUTCOME_UNKNOWN']);
      expect(posts('/users') - before).toBe(1);
      expect(h.emulator.findUserByIdentifier('once@example.com')).toBeUndefined();
    } finally {
      remove();
    }
  });

  it('answers a Passage 429 on a write with RATE_LIMITED and its retryAfter, after one call', async () => {
    const remove = h.emulator.injectFault({ match: { method: 'POST', pathPrefix: '/users' }, status: 429, headers: { 'retry-after': '30' } });
    try {
      const before = posts('/users');
      const res = await h.gql(`mutation { createUser(input: { email: "throttled@example.com" }) { id } }`, { token: admin.token });
      expect(codes(res)).toEqual(['RATE_LIMITED']);
      expect(res.body.errors![0]!.extensions?.['retryAfter']).toBe(30);
      expect(posts('/users') - before).toBe(1);
    } finally {
      remove();
    }
  });
});

describe('row 48: circuit breaker per endpoint family', () => {
  let h: Harness;
  let member: { id: string; token: string };
  beforeAll(async () => {
    h = await startHarness({
      env: {
        PASSAGE_BREAKER_MIN_CALLS: '6',
        PASSAGE_BREAKER_FAILURE_PERCENT: '50',
        PASSAGE_BREAKER_WINDOW_MS: '60000',
        PASSAGE_BREAKER_OPEN_MS: '300',
        ...NO_PASSAGE_CACHE,
      },
    });
    member = await h.user('breaker@example.com');
    await h.gql('mutation { updateMe(input: { displayName: "Local Name" }) { id } }', { token: member.token });
  });
  afterAll(() => h?.close());

  const passageCalls = () => h.emulator.calls.filter((c) => !c.path.endsWith('jwks.json')).length;

  it('opens after repeated failures, fails fast without calling Passage, spares other families, and closes after a good probe', async () => {
    const remove = h.emulator.injectFault({ match: { method: 'GET', pathPrefix: '/users' }, status: 503 });
    let removed = false;
    try {
      // Each request makes up to three attempts; within a few requests the failures open the breaker.
      let failedFast: GqlResult<Profile> | undefined;
      for (let i = 0; i < 10 && !failedFast; i++) {
        const before = passageCalls();
        const res = await h.gql<Profile>(PROFILE, { token: member.token });
        expectLocalOnly(res, member.id, 'UPSTREAM_UNAVAILABLE');
        if (passageCalls() === before) failedFast = res;
      }
      expect(failedFast).toBeDefined();

      // Another family (the app record) is still called and still answers.
      const before = passageCalls();
      const app = await h.gql<{ app: { name: string | null } }>('{ app { name } }');
      expect(app.body.errors).toBeUndefined();
      expect(app.body.data?.app.name).toBeTruthy();
      expect(passageCalls()).toBe(before + 1);

      // Once the open period is over a single probe goes out; it fails, so the breaker stays open
      // and that request does not retry.
      let probeCalls = 0;
      await eventually(async () => {
        const at = passageCalls();
        await h.gql<Profile>(PROFILE, { token: member.token });
        probeCalls = passageCalls() - at;
        return probeCalls > 0;
      });
      expect(probeCalls).toBe(1);

      remove();
      removed = true;
      // With Passage healthy the next probe succeeds and closes the breaker.
      await eventually(async () => Array.isArray((await h.gql<Profile>(PROFILE, { token: member.token })).body.data?.me?.devices));
      const closed = await h.gql<Profile>(PROFILE, { token: member.token });
      expect(closed.body.errors).toBeUndefined();
    } finally {
      if (!removed) remove();
    }
  });
});

describe('issue 10 item 6: only failures of Passage itself open the breaker', () => {
  let h: Harness;
  let admin: { id: string; token: string };
  let victim: { id: string; token: string };
  let bystander: { id: string; token: string };
  beforeAll(async () => {
    h = await startHarness({
      adminEmails: ['item6-admin@example.com'],
      env: { PASSAGE_BREAKER_MIN_CALLS: '6', PASSAGE_BREAKER_FAILURE_PERCENT: '50', PASSAGE_BREAKER_WINDOW_MS: '60000', ...NO_PASSAGE_CACHE },
    });
    admin = await h.user('item6-admin@example.com');
    victim = await h.user('item6-victim@example.com');
    bystander = await h.user('item6-bystander@example.com');
    for (const p of [admin, victim, bystander]) await h.gql('{ me { id } }', { token: p.token });
  });
  afterAll(() => h?.close());

  it('answers of an unexpected shape, 4xx answers and refused ids leave every other user served', async () => {
    // A 2xx of the wrong shape (what `GET /users/..` used to get back) fails that field, but Passage answered.
    // With the user directory, a known user's device list is what still reads Passage per request.
    const remove = h.emulator.injectFault({ match: { method: 'GET', pathPrefix: `/users/${victim.id}` }, status: 200, body: { users: [], devices: 'none' } });
    try {
      for (let i = 0; i < 12; i++) {
        const res = await h.gql<Profile>('{ me { id devices { id } } }', { token: victim.token });
        expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
      }
    } finally {
      remove();
    }
    // Passage's 404 for ids it does not know, and ids we refuse without calling.
    for (let i = 0; i < 12; i++) {
      const res = await h.gql('query($id: ID!) { user(id: $id) { id } }', { token: admin.token, variables: { id: `nosuchuser${i}` } });
      expect(codes(res)).toEqual(['NOT_FOUND']);
      const refused = await h.gql('query($id: ID!) { user(id: $id) { id } }', { token: admin.token, variables: { id: '..' } });
      expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    }
    const before = userGets(h, bystander.id);
    const res = await h.gql<Profile>('{ me { id email devices { id } } }', { token: bystander.token });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.me?.email).toBe('item6-bystander@example.com');
    expect(userGets(h, bystander.id) - before).toBe(1);
    // The 404s did not open the user reads either: a user never seen before is still looked up.
    const unseen = await h.emulator.seedUser({ email: 'item6-unseen@example.com', status: 'active' });
    const looked = await h.gql('query($id: ID!) { user(id: $id) { email } }', { token: admin.token, variables: { id: unseen.id } });
    expect(looked.body).toEqual({ data: { user: { email: 'item6-unseen@example.com' } } });
  });

  it('5xx answers still open it (the contrast)', async () => {
    const remove = h.emulator.injectFault({ match: { method: 'GET', pathPrefix: `/users/${victim.id}` }, status: 502 });
    try {
      // Three attempts each: enough failures to outweigh every answer counted above.
      for (let i = 0; i < 20; i++) await h.gql('{ me { id devices { id } } }', { token: victim.token });
    } finally {
      remove();
    }
    const before = userGets(h, bystander.id);
    const res = await h.gql<Profile>('{ me { id devices { id } } }', { token: bystander.token });
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(userGets(h, bystander.id) - before).toBe(0);
  });
});
