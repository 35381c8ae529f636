import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';
import { PassageClient } from '../src/passage/client.js';
import { DirectoryService } from '../src/services/directory.js';
import { DirectorySync } from '../src/services/directory-sync.js';
import { codes, startHarness, type Harness } from './helpers/harness.js';
import { raw } from './helpers/raw.js';

type Person = { id: string; token: string };

/** Changes a user the way another Passage client would: through the management API, not passgraph. */
async function passageCall(h: Harness, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${h.emulator.apiUrl}/apps/${h.emulator.appId}${path}`, {
    method,
    headers: { authorization: `Bearer ${h.emulator.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const upstreamCalls = (h: Harness) => h.emulator.calls.filter((c) => !c.path.includes('jwks'));

describe('user directory', () => {
  let h: Harness;
  let admin: Person;
  let member: Person;
  const seeded: string[] = [];

  beforeAll(async () => {
    h = await startHarness({
      adminEmails: ['dir-admin@example.com'],
      captureLogs: true,
      env: { LOG_LEVEL: 'info', METRICS_ENABLED: 'true' },
      // Users Passage has before passgraph ever starts: the first full sync brings them in.
      beforeStart: async (emulator) => {
        for (let i = 0; i < 7; i++) seeded.push((await emulator.seedUser({ email: `early${i}@example.com`, status: i === 6 ? 'inactive' : 'active' })).id);
      },
    });
    admin = await h.user('dir-admin@example.com');
    member = await h.user('dir-member@example.com');
  });
  afterAll(() => h?.close());

  const entry = (id: string) =>
    h.server.database.sqlite.prepare('select id, email, status, deleted_at as deletedAt from directory_users where id = ?').get(id) as
      | { id: string; email: string; status: string; deletedAt: number | null }
      | undefined;
  const sync = () => h.server.app.directorySync.syncNow();

  describe('sync', () => {
    it('fills the directory with every Passage user at start-up, reports ready, and logs the run with counts', async () => {
      for (const id of seeded) expect(entry(id)).toMatchObject({ id, deletedAt: null });
      expect(entry(seeded[6]!)!.status).toBe('inactive');
      const ready = await raw(h.url, { method: 'GET', path: '/readyz' });
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body).checks.directory).toBe(true);
      const run = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['msg'] === 'directory sync run' && l['kind'] === 'full');
      expect(run).toMatchObject({ kind: 'full', pages: 1, applied: expect.any(Number) });
      expect(run!['applied']).toBeGreaterThanOrEqual(seeded.length);
    });

    it('picks up users created and changed in Passage with updated_at=gt:<high-water mark>, ordered by updated_at', async () => {
      const created = await h.emulator.seedUser({ email: 'later@example.com', status: 'active' });
      expect(entry(created.id)).toBeUndefined();
      const moved = await passageCall(h, 'PATCH', `/users/${seeded[0]}`, { email: 'early0-moved@example.com' });
      expect(moved.status).toBe(200);
      h.emulator.clearCalls();
      const report = await sync();
      expect(report.kind).toBe('incremental');
      expect(entry(created.id)).toMatchObject({ email: 'later@example.com', status: 'active' });
      expect(entry(seeded[0]!)!.email).toBe('early0-moved@example.com');
      const lists = upstreamCalls(h);
      expect(lists.length).toBeGreaterThanOrEqual(1);
      expect(lists[0]!.query).toMatchObject({ order_by: 'updated_at:ASC', updated_at: expect.stringMatching(/^gt:/) });
      // Nothing changed since: the next run reads one page (the overlap re-reads the last second).
      const quiet = await sync();
      expect(quiet.pages).toBe(1);
    });

    it('exposes lag, last success, users and errors as metrics', async () => {
      const remove = h.emulator.injectFault({ match: { method: 'GET', pathPrefix: '/users' }, status: 500 });
      try {
        await expect(sync()).rejects.toThrow();
      } finally {
        remove();
      }
      await sync();
      const res = await raw(h.url, { method: 'GET', path: '/metrics' });
      expect(res.body).toMatch(/^passgraph_directory_users \d+$/m);
      expect(res.body).toMatch(/^passgraph_directory_lag_seconds \d/m);
      expect(res.body).toMatch(/^passgraph_directory_last_success_timestamp_seconds \d{10}/m);
      expect(res.body).toMatch(/^passgraph_directory_sync_errors_total\{kind="incremental"\} [1-9]/m);
      expect(res.body).toMatch(/^passgraph_directory_ready 1$/m);
    });
  });

  describe('access agrees with Passage', () => {
    it('refuses a user deactivated in Passage after one sync, and lets them back after reactivation', async () => {
      const user = await h.user('flip@example.com');
      expect((await h.gql('{ me { id } }', { token: user.token })).status).toBe(200);
      expect((await passageCall(h, 'PATCH', `/users/${user.id}/deactivate`)).status).toBe(200);
      await sync();
      const refused = await h.gql('{ me { id } }', { token: user.token });
      expect(refused.status).toBe(401);
      expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'USER_DEACTIVATED' });
      expect((await passageCall(h, 'PATCH', `/users/${user.id}/activate`)).status).toBe(200);
      await sync();
      const back = await h.gql<{ me: { status: string } }>('{ me { status } }', { token: user.token });
      expect(back.status).toBe(200);
      expect(back.body.data!.me.status).toBe('ACTIVE');
    });

    it('refuses a user deleted in Passage after one sync run, without waiting for the sweep', async () => {
      const user = await h.user('deleted-between-runs@example.com');
      expect((await h.gql('{ me { id } }', { token: user.token })).status).toBe(200);
      expect((await passageCall(h, 'DELETE', `/users/${user.id}`)).status).toBe(200);
      const report = await sync();
      expect(report).toMatchObject({ kind: 'incremental', deleted: 1 });
      expect(entry(user.id)!.deletedAt).not.toBeNull();
      const refused = await h.gql('{ me { id } }', { token: user.token });
      expect(refused.status).toBe(401);
      expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'USER_DELETED' });
    });

    it('refuses a user deleted in Passage once the sweep has run, also while Passage is down', async () => {
      const user = await h.user('swept@example.com');
      expect((await h.gql('{ me { id } }', { token: user.token })).status).toBe(200);
      expect((await passageCall(h, 'DELETE', `/users/${user.id}`)).status).toBe(200);
      const report = await h.server.app.directorySync.sweepNow();
      expect(report.deleted).toBe(1);
      const remove = h.emulator.injectFault({ status: 500 });
      try {
        const refused = await h.gql('{ me { id } }', { token: user.token });
        expect(refused.status).toBe(401);
        expect(refused.body.errors![0]!.extensions).toMatchObject({ reason: 'USER_DELETED' });
      } finally {
        remove();
      }
    });

    it('records a deletion as soon as any Passage read about the user answers 404', async () => {
      const user = await h.user('read-404@example.com');
      expect((await h.gql('{ me { id } }', { token: user.token })).status).toBe(200);
      expect((await passageCall(h, 'DELETE', `/users/${user.id}`)).status).toBe(200);
      // First sight cached the device list; once that entry has expired the next read asks Passage.
      await h.server.app.services.reader.invalidateUser(user.id);
      const res = await h.gql(`query($id: ID!) { user(id: $id) { id devices { id } } }`, { token: admin.token, variables: { id: user.id } });
      expect(codes(res)).toEqual(['NOT_FOUND']);
      expect(entry(user.id)!.deletedAt).not.toBeNull();
      const refused = await h.gql('{ me { id } }', { token: user.token });
      expect(refused.body.errors![0]!.extensions).toMatchObject({ reason: 'USER_DELETED' });
    });

    it('keeps refusing a deleted user while Passage is unreachable (a tombstone, not first sight again)', async () => {
      const user = await h.user('tombstone@example.com');
      expect((await h.gql('{ me { id } }', { token: user.token })).status).toBe(200);
      const deleted = await h.gql(`mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }`, { token: admin.token, variables: { id: user.id } });
      expect(deleted.body.errors).toBeUndefined();
      // Passage down for everything: first sight could only trust the token.
      const remove = h.emulator.injectFault({ status: 503 });
      try {
        for (let i = 0; i < 3; i++) {
          const res = await h.gql('{ me { id } }', { token: user.token });
          expect(res.status).toBe(401);
          expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'USER_DELETED' });
        }
      } finally {
        remove();
      }
      expect(h.server.database.sqlite.prepare('select count(*) as n from users where id = ?').get(user.id)).toEqual({ n: 0 });
    });

    it('gives a never-seen user added by id their Passage status: an inactive user stays inactive and is refused', async () => {
      const stranger = await h.emulator.seedUser({ email: 'inactive-stranger@example.com', status: 'inactive' });
      const org = await h.gql<{ createOrg: { id: string } }>(`mutation { createOrg(input: { name: "Dir Org" }) { id } }`, { token: member.token });
      const orgId = org.body.data!.createOrg.id;
      const added = await h.gql<{ addOrgMember: { user: { status: string } } }>(
        `mutation($o: ID!, $u: ID!) { addOrgMember(orgId: $o, userId: $u, role: "Member") { user { status } } }`,
        { token: admin.token, variables: { o: orgId, u: stranger.id } },
      );
      expect(added.body.errors).toBeUndefined();
      expect(added.body.data!.addOrgMember.user.status).toBe('INACTIVE');
      const token = await h.emulator.mintToken(stranger.id);
      const res = await h.gql('{ me { id } }', { token });
      expect(res.status).toBe(401);
      expect(res.body.errors![0]!.extensions).toMatchObject({ reason: 'USER_DEACTIVATED' });
    });
  });

  it('gives a never-seen user promoted by id (setAppRole) their Passage status, never a default', async () => {
    const stranger = await h.emulator.seedUser({ email: 'inactive-promoted@example.com', status: 'inactive' });
    const promoted = await h.gql<{ setAppRole: { status: string } }>(`mutation($u: ID!) { setAppRole(userId: $u, role: ADMIN) { status } }`, {
      token: admin.token,
      variables: { u: stranger.id },
    });
    expect(promoted.body.errors).toBeUndefined();
    expect(promoted.body.data!.setAppRole.status).toBe('INACTIVE');
    const res = await h.gql('{ me { id } }', { token: await h.emulator.mintToken(stranger.id) });
    expect(res.status).toBe(401);
    expect(res.body.errors![0]!.extensions).toMatchObject({ reason: 'USER_DEACTIVATED' });
  });

  describe('reads', () => {
    it('answers org.members(first: 100) and users(first: 50) without calling Passage, also right after a restart', async () => {
      const org = await h.gql<{ createOrg: { id: string } }>(`mutation { createOrg(input: { name: "Read Org" }) { id } }`, { token: admin.token });
      const orgId = org.body.data!.createOrg.id;
      for (const id of seeded.slice(1, 5)) {
        const res = await h.gql(`mutation($o: ID!, $u: ID!) { addOrgMember(orgId: $o, userId: $u, role: "Member") { role } }`, {
          token: admin.token,
          variables: { o: orgId, u: id },
        });
        expect(res.body.errors).toBeUndefined();
      }
      await h.restart();
      h.emulator.clearCalls();
      const members = await h.gql<{ org: { members: { edges: Array<{ node: { user: { email: string } } }> } } }>(
        `query($id: ID!) { org(id: $id) { members(first: 100) { edges { node { role user { email displayName } } } } } }`,
        { token: admin.token, variables: { id: orgId } },
      );
      expect(members.body.errors).toBeUndefined();
      expect(members.body.data!.org.members.edges).toHaveLength(5);
      const users = await h.gql<{ users: { edges: unknown[] } }>(
        `{ users(first: 50) { totalCount edges { node { id email status createdAt lastLoginAt metadata } } } }`,
        { token: admin.token },
      );
      expect(users.body.errors).toBeUndefined();
      expect(users.body.data!.users.edges.length).toBeGreaterThan(5);
      expect(upstreamCalls(h).map((c) => `${c.method} ${c.path}`)).toEqual([]);
    });

    type Page = {
      users: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        edges: Array<{ cursor: string; node: { id: string; email: string | null } }>;
      };
    };
    const PAGE = `query($first: Int, $after: String, $query: String, $status: UserStatus, $orderBy: UserOrder) {
      users(first: $first, after: $after, query: $query, status: $status, orderBy: $orderBy) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id email } } } }`;
    const page = async (variables: Record<string, unknown>) => {
      const res = await h.gql<Page>(PAGE, { token: admin.token, variables });
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.users;
    };

    it('gives each edge its own cursor: after an edge continues right after it, whatever first is', async () => {
      const firstTwo = await page({ first: 2 });
      expect(new Set(firstTwo.edges.map((e) => e.cursor)).size).toBe(2);
      const nextThree = await page({ first: 3, after: firstTwo.edges[1]!.cursor });
      const firstFive = await page({ first: 5 });
      expect([...firstTwo.edges, ...nextThree.edges].map((e) => e.node.id)).toEqual(firstFive.edges.map((e) => e.node.id));
      const fromFirst = await page({ first: 1, after: firstTwo.edges[0]!.cursor });
      expect(fromFirst.edges[0]!.node.id).toBe(firstTwo.edges[1]!.node.id);
    });

    it('returns every user exactly once when walking pages of mixed sizes, in every order, while users are added', async () => {
      const orders = [null, { field: 'EMAIL', direction: 'ASC' }, { field: 'LAST_LOGIN_AT', direction: 'DESC' }, { field: 'CREATED_AT', direction: 'ASC' }];
      for (const orderBy of orders) {
        const all = await page({ first: 100, orderBy });
        const seen: string[] = [];
        let after: string | null = null;
        const sizes = [1, 3, 2, 5];
        for (let i = 0; ; i++) {
          const p: Page['users'] = await page({ first: sizes[i % sizes.length], after, orderBy });
          seen.push(...p.edges.map((e) => e.node.id));
          // A user added mid-walk lands at one end of the order; nobody already listed moves.
          if (i === 1) await h.gql('{ me { id } }', { token: (await h.user(`mid-walk-${orders.indexOf(orderBy)}@example.com`)).token });
          if (!p.pageInfo.hasNextPage) break;
          after = p.pageInfo.endCursor;
        }
        const ids = all.edges.map((e) => e.node.id);
        expect(new Set(seen).size).toBe(seen.length);
        for (const id of ids) expect(seen).toContain(id);
      }
    });

    it('sorts by email and filters by status and by email, phone or display name', async () => {
      const byEmail = await page({ first: 100, orderBy: { field: 'EMAIL', direction: 'ASC' } });
      const emails = byEmail.edges.map((e) => e.node.email ?? '');
      expect(emails).toEqual([...emails].sort());
      const inactive = await page({ first: 100, status: 'INACTIVE' });
      expect(inactive.edges.map((e) => e.node.id)).toContain(seeded[6]);
      await h.gql(`mutation { updateMe(input: { displayName: "Zebra Keeper" }) { id } }`, { token: member.token });
      const byName = await page({ first: 10, query: 'zebra KEEP' });
      expect(byName.edges.map((e) => e.node.id)).toEqual([member.id]);
      expect(byName.totalCount).toBe(1);
      const byEmailText = await page({ first: 10, query: 'EARLY3@' });
      expect(byEmailText.edges.map((e) => e.node.id)).toEqual([seeded[3]]);
    });

    it('matches % and _ literally', async () => {
      for (const query of ['%', '_', 'early_', '%@']) {
        const res = await page({ first: 10, query });
        expect(res.totalCount).toBe(0);
        expect(res.edges).toEqual([]);
      }
      const literal = await h.emulator.seedUser({ email: 'under_score@example.com', status: 'active' });
      await sync();
      const res = await page({ first: 10, query: 'r_s' });
      expect(res.edges.map((e) => e.node.id)).toEqual([literal.id]);
    });

    it('refuses a cursor from another order', async () => {
      const byEmail = await page({ first: 1, orderBy: { field: 'EMAIL', direction: 'ASC' } });
      const res = await h.gql(PAGE, { token: admin.token, variables: { first: 1, after: byEmail.edges[0]!.cursor } });
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    });

    it('survives Passage numbers beyond 32 bits (total_users, login_count)', async () => {
      const huge = await h.emulator.seedUser({ email: 'huge@example.com', status: 'active' });
      const wire = {
        id: huge.id,
        email: 'huge@example.com',
        phone: '',
        status: 'active',
        email_verified: true,
        phone_verified: false,
        created_at: huge.created_at,
        updated_at: new Date(Date.now() + 60_000).toISOString(),
        last_login_at: '0001-01-01T00:00:00Z',
        login_count: 2 ** 40,
        user_metadata: null,
        external_id: '',
      };
      const remove = h.emulator.injectFault({
        match: { method: 'GET', pathPrefix: '/users' },
        status: 200,
        times: 1,
        body: { users: [wire], total_users: 2 ** 33, page: 1, limit: 500, created_before: 0, _links: {} },
      });
      try {
        await sync();
      } finally {
        remove();
      }
      const res = await h.gql<{ users: { totalCount: number; edges: Array<{ node: { loginCount: number } }> } }>(
        `{ users(first: 1, query: "huge@") { totalCount edges { node { loginCount } } } }`,
        { token: admin.token },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.users.totalCount).toBe(1);
      expect(res.body.data!.users.edges[0]!.node.loginCount).toBe(2_147_483_647);
    });
  });
});

describe('directory full sync', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness();
    for (let i = 0; i < 9; i++) await h.emulator.seedUser({ email: `resume${i}@example.com`, status: 'active' });
    dir = mkdtempSync(join(tmpdir(), 'passgraph-dir-'));
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes from the page it had reached after a crash, and is ready only once finished', async () => {
    const database = openDatabase(join(dir, 'fresh.sqlite'));
    runMigrations(database);
    try {
      const directory = new DirectoryService({ database });
      const client = new PassageClient({ appId: h.emulator.appId, apiKey: h.emulator.apiKey, apiUrl: h.emulator.apiUrl, timeoutMs: 1000 });
      const pages: number[] = [];
      let crashAt: number | null = 3;
      const passage = {
        listUsers: async (params: Parameters<PassageClient['listUsers']>[0]) => {
          pages.push(params!.page!);
          if (params!.page === crashAt) throw new Error('process killed');
          return client.listUsers(params);
        },
      } as unknown as PassageClient;
      const options = { directory, database, passage, log: createLogger('silent'), syncIntervalMs: 1000, sweepIntervalMs: 1000, pageSize: 2 };
      await expect(new DirectorySync(options).syncNow()).rejects.toThrow('process killed');
      expect(directory.count()).toBe(4);
      expect(new DirectorySync(options).ready).toBe(false);
      crashAt = null;
      pages.length = 0;
      const restarted = new DirectorySync(options);
      const report = await restarted.syncNow();
      expect(report.kind).toBe('full');
      expect(pages[0]).toBe(3);
      expect(directory.count()).toBe(9);
      expect(restarted.ready).toBe(true);
    } finally {
      database.close();
    }
  });

  it('is not ready while the first full sync cannot finish', async () => {
    const fresh = await startHarness({ beforeStart: (emulator) => void emulator.injectFault({ match: { pathPrefix: '/users' }, status: 500 }) });
    try {
      const res = await raw(fresh.url, { method: 'GET', path: '/readyz' });
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body).checks).toMatchObject({ directory: false, database: true });
      fresh.emulator.clearFaults();
      await fresh.server.app.directorySync.syncNow();
      expect((await raw(fresh.url, { method: 'GET', path: '/readyz' })).status).toBe(200);
    } finally {
      await fresh.close();
    }
  });
});
