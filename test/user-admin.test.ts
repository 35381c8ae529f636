import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type GqlResult, type Harness } from './helpers/harness.js';

type Person = { id: string; token: string };

describe('admin user management', () => {
  let h: Harness;
  let admin: Person, member: Person, other: Person;

  const db = () => h.server.database.sqlite;
  const localUser = (id: string) => db().prepare('select id, status, app_role as appRole from users where id = ?').get(id) ?? null;
  const snapshot = () =>
    JSON.stringify([db().prepare('select * from users order by id').all(), db().prepare('select * from org_memberships order by org_id, user_id').all()]);
  const passageCalls = (method?: string) => h.emulator.calls.filter((c) => !c.path.includes('jwks') && (!method || c.method === method));
  const lastAudit = () =>
    db()
      .prepare('select action, actor_id as actorId, target_id as targetId, outcome, detail, before, after from audit_log order by id desc limit 1')
      .get() as Record<string, string | null>;

  beforeAll(async () => {
    // Rate limits and the breaker have their own tests; here many calls fail or repeat on purpose.
    h = await startHarness({
      adminEmails: ['root@example.com'],
      captureLogs: true,
      env: { RATE_LIMIT_MAGIC_LINKS: 'off', RATE_LIMIT_CREATE_USER: 'off', PASSAGE_BREAKER_MIN_CALLS: '10000' },
    });
    admin = await h.user('root@example.com');
    member = await h.user('member@example.com');
    other = await h.user('other@example.com');
    // Sign everyone in once so their local rows exist.
    for (const p of [admin, member, other]) await h.gql('{ me { id } }', { token: p.token });
  });
  afterAll(() => h?.close());

  describe('non-admins', () => {
    const adminOnly: Record<string, [string, Record<string, unknown>]> = {
      users: ['{ users { totalCount } }', {}],
      userByIdentifier: ['query($i: String!) { userByIdentifier(identifier: $i) { id } }', { i: 'other@example.com' }],
      createUser: ['mutation { createUser(input: { email: "new@example.com" }) { id } }', {}],
      updateUser: ['mutation($id: ID!) { updateUser(id: $id, input: { email: "x@example.com" }) { id } }', {}],
      activateUser: ['mutation($id: ID!) { activateUser(id: $id) { id } }', {}],
      deactivateUser: ['mutation($id: ID!) { deactivateUser(id: $id) { id } }', {}],
      deleteUser: ['mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }', {}],
      createMagicLink: ['mutation { createMagicLink(input: { email: "x@example.com" }) { id } }', {}],
      setAppRole: ['mutation($id: ID!) { setAppRole(userId: $id, role: ADMIN) { id } }', {}],
      'user (someone else)': ['query($id: ID!) { user(id: $id) { id } }', {}],
      'revokeDevice (someone else)': ['mutation($id: ID!) { revokeDevice(userId: $id, deviceId: "d") }', {}],
      'revokeSessions (someone else)': ['mutation($id: ID!) { revokeSessions(userId: $id) }', {}],
    };
    for (const [name, [query, variables]] of Object.entries(adminOnly)) {
      it(`are FORBIDDEN from ${name} and Passage receives no call`, async () => {
        const before = snapshot();
        h.emulator.clearCalls();
        const res = await h.gql(query, { token: member.token, variables: { id: other.id, ...variables } });
        expect(codes(res)).toEqual(['FORBIDDEN']);
        expect(passageCalls()).toEqual([]);
        expect(snapshot()).toBe(before);
      });
    }
  });

  describe('queries', () => {
    it('user(id) works for the user themself and for admins; unknown ids are NOT_FOUND', async () => {
      const self = await h.gql(`query($id: ID!) { user(id: $id) { id email } }`, { token: member.token, variables: { id: member.id } });
      expect(self.body.data).toEqual({ user: { id: member.id, email: 'member@example.com' } });
      const byAdmin = await h.gql(`query($id: ID!) { user(id: $id) { id email } }`, { token: admin.token, variables: { id: other.id } });
      expect(byAdmin.body.data).toEqual({ user: { id: other.id, email: 'other@example.com' } });
      const missing = await h.gql(`query { user(id: "nobody000000000000000000") { id } }`, { token: admin.token });
      expect(missing.body.data).toEqual({ user: null });
      expect(codes(missing)).toEqual(['NOT_FOUND']);
    });

    it('users pages through the directory with totalCount and filters', async () => {
      for (let i = 0; i < 5; i++) await h.emulator.seedUser({ email: `page${i}@example.com`, status: 'active' });
      await h.server.app.directorySync.syncNow();
      type Page = { users: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: Array<{ node: { email: string } }> } };
      const q = `query($after: String, $query: String, $status: UserStatus) { users(first: 2, after: $after, query: $query, status: $status) { totalCount pageInfo { hasNextPage endCursor } edges { node { email } } } }`;
      const first = await h.gql<Page>(q, { token: admin.token, variables: { query: 'PAGE' } });
      expect(first.body.errors).toBeUndefined();
      expect(first.body.data!.users.totalCount).toBe(5);
      expect(first.body.data!.users.pageInfo.hasNextPage).toBe(true);
      const emails: string[] = first.body.data!.users.edges.map((e) => e.node.email);
      let cursor: string | null = first.body.data!.users.pageInfo.endCursor;
      while (cursor) {
        const next: GqlResult<Page> = await h.gql<Page>(q, { token: admin.token, variables: { query: 'page', after: cursor } });
        emails.push(...next.body.data!.users.edges.map((e) => e.node.email));
        cursor = next.body.data!.users.pageInfo.hasNextPage ? next.body.data!.users.pageInfo.endCursor : null;
      }
      expect(emails.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `page${i}@example.com`));
      const inactive = await h.gql<Page>(q, { token: admin.token, variables: { status: 'INACTIVE' } });
      expect(inactive.body.data!.users.totalCount).toBe(0);
    });

    it('users answers from the directory alone (no Passage call)', async () => {
      h.emulator.clearCalls();
      const res = await h.gql<{ users: { edges: unknown[] } }>(`{ users(first: 10) { edges { node { id email status appRole } } } }`, { token: admin.token });
      expect(res.body.data!.users.edges.length).toBeGreaterThan(3);
      expect(passageCalls()).toEqual([]);
    });

    it('userByIdentifier matches any case and phones; unknown is null', async () => {
      const res = await h.gql(`{ a: userByIdentifier(identifier: "OTHER@Example.com") { id } b: userByIdentifier(identifier: "none@example.com") { id } }`, {
        token: admin.token,
      });
      expect(res.body.data).toEqual({ a: { id: other.id }, b: null });
      const phoneUser = await h.emulator.seedUser({ phone: '+14155550123', status: 'active' });
      const byPhone = await h.gql(`{ userByIdentifier(identifier: "+14155550123") { id phone } }`, { token: admin.token });
      expect(byPhone.body.data).toEqual({ userByIdentifier: { id: phoneUser.id, phone: '+14155550123' } });
      const bad = await h.gql(`{ userByIdentifier(identifier: "not an identifier") { id } }`, { token: admin.token });
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('createUser and updateUser', () => {
    it('creates the user in Passage, stores its row and returns it', async () => {
      h.emulator.clearCalls();
      const res = await h.gql<{ createUser: { id: string; email: string; metadata: unknown; status: string } }>(
        `mutation { createUser(input: { email: "Fresh@Example.com", metadata: { team: "blue" } }) { id email metadata status } }`,
        { token: admin.token },
      );
      expect(res.body.errors).toBeUndefined();
      const created = res.body.data!.createUser;
      expect(created).toMatchObject({ email: 'fresh@example.com', metadata: { team: 'blue' }, status: 'ACTIVE' });
      const posts = passageCalls('POST');
      expect(posts.map((c) => [c.path.replace(/\/v1\/apps\/[^/]+/, ''), c.body, c.status])).toEqual([
        ['/users', { email: 'fresh@example.com', user_metadata: { team: 'blue' } }, 201],
      ]);
      expect(localUser(created.id)).toEqual({ id: created.id, status: 'active', appRole: 'USER' });
      expect(lastAudit()).toMatchObject({ action: 'user.create', actorId: admin.id, targetId: created.id, outcome: 'success' });
    });

    it('is CONFLICT for an existing email and BAD_USER_INPUT (no Passage call) for a bad one', async () => {
      const dup = await h.gql(`mutation { createUser(input: { email: "other@example.com" }) { id } }`, { token: admin.token });
      expect(codes(dup)).toEqual(['CONFLICT']);
      h.emulator.clearCalls();
      for (const input of ['{ email: "nope" }', '{ phone: "555-1234" }', '{ }', '{ email: "a@b.co", metadata: [1] }']) {
        const res = await h.gql(`mutation { createUser(input: ${input}) { id } }`, { token: admin.token });
        expect(codes(res)).toEqual(['BAD_USER_INPUT']);
        expect(res.body.errors![0]!.extensions!['field']).toEqual(expect.any(String));
      }
      expect(passageCalls()).toEqual([]);
      expect(lastAudit()).toMatchObject({ action: 'user.create', outcome: 'failure', detail: 'BAD_USER_INPUT' });
    });

    it('updates email and metadata; the next request sees the change', async () => {
      const target = await h.user('change-me@example.com');
      const res = await h.gql(`mutation($id: ID!) { updateUser(id: $id, input: { email: "changed@example.com", metadata: { a: 1 } }) { id email metadata } }`, {
        token: admin.token,
        variables: { id: target.id },
      });
      expect(res.body.data).toEqual({ updateUser: { id: target.id, email: 'changed@example.com', metadata: { a: 1 } } });
      const after = await h.gql(`query($id: ID!) { user(id: $id) { email } }`, { token: admin.token, variables: { id: target.id } });
      expect(after.body.data).toEqual({ user: { email: 'changed@example.com' } });
    });
  });

  describe('deactivateUser and activateUser', () => {
    it('refuses the user’s next request with 401 while their token is still valid, and activation restores access', async () => {
      const target = await h.user('sleepy@example.com');
      expect((await h.gql('{ me { id } }', { token: target.token })).status).toBe(200);
      const off = await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id status } }`, { token: admin.token, variables: { id: target.id } });
      expect(off.body.data).toEqual({ deactivateUser: { id: target.id, status: 'INACTIVE' } });
      const refused = await h.gql('{ me { id } }', { token: target.token });
      expect(refused.status).toBe(401);
      expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'USER_DEACTIVATED' });
      const on = await h.gql(`mutation($id: ID!) { activateUser(id: $id) { id status } }`, { token: admin.token, variables: { id: target.id } });
      expect(on.body.data).toEqual({ activateUser: { id: target.id, status: 'ACTIVE' } });
      expect((await h.gql('{ me { id } }', { token: target.token })).body.data).toEqual({ me: { id: target.id } });
    });

    it('is CONFLICT for the admin themself and for the last owner of an org, before calling Passage', async () => {
      const owner = await h.user('lonely-owner@example.com');
      await h.gql(`mutation { createOrg(input: { name: "Mine" }) { id } }`, { token: owner.token });
      h.emulator.clearCalls();
      for (const id of [admin.id, owner.id]) {
        for (const m of ['deactivateUser(id: $id) { id }', 'deleteUser(id: $id) { deletedUserId }']) {
          const res = await h.gql(`mutation($id: ID!) { ${m} }`, { token: admin.token, variables: { id } });
          expect(codes(res)).toEqual(['CONFLICT']);
        }
      }
      expect(passageCalls()).toEqual([]);
      expect(localUser(owner.id)).toMatchObject({ status: 'active' });
    });
  });

  describe('deleteUser', () => {
    it('deletes in Passage, then the memberships and local row; the old token no longer works', async () => {
      const doomed = await h.user('doomed@example.com');
      const owner = await h.user('org-owner@example.com');
      const org = await h.gql<{ createOrg: { id: string } }>(`mutation { createOrg(input: { name: "Has doomed" }) { id } }`, { token: owner.token });
      const orgId = org.body.data!.createOrg.id;
      await h.gql(`mutation($o: ID!, $u: ID!) { addOrgMember(orgId: $o, userId: $u, role: "Member") { role } }`, {
        token: owner.token,
        variables: { o: orgId, u: doomed.id },
      });
      h.emulator.clearCalls();
      const res = await h.gql(`mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }`, { token: admin.token, variables: { id: doomed.id } });
      expect(res.body.data).toEqual({ deleteUser: { deletedUserId: doomed.id } });
      expect(passageCalls('DELETE').map((c) => [c.path.replace(/\/v1\/apps\/[^/]+/, ''), c.status])).toEqual([[`/users/${doomed.id}`, 200]]);
      expect(localUser(doomed.id)).toBeNull();
      expect(db().prepare('select count(*) as n from org_memberships where user_id = ?').get(doomed.id)).toEqual({ n: 0 });
      const stale = await h.gql('{ me { id } }', { token: doomed.token });
      expect(stale.status).toBe(401);
      expect(localUser(doomed.id)).toBeNull();
      expect(lastAudit()).toMatchObject({ action: 'user.delete', targetId: doomed.id, outcome: 'success' });
    });
  });

  describe('when Passage fails', () => {
    // A refusal is a definite answer: nothing happened. No answer (a 500 or a timeout) may hide a
    // change Passage made, so the answer is OUTCOME_UNKNOWN and the intent stays pending until the
    // reconciler has read Passage.
    const failures: Record<string, { fault: Parameters<Harness['emulator']['injectFault']>[0]; code: string }> = {
      '500': { fault: { status: 500 }, code: 'OUTCOME_UNKNOWN' },
      timeout: { fault: { hang: true }, code: 'OUTCOME_UNKNOWN' },
      '404': { fault: { status: 404, body: { code: 'user_not_found', error: 'User not found' } }, code: 'NOT_FOUND' },
      '400': { fault: { status: 400, body: { code: 'invalid_request', error: 'identifier: must be a valid email address.' } }, code: 'BAD_USER_INPUT' },
    };
    const mutations: Record<string, { method: string; query: string }> = {
      createUser: { method: 'POST', query: 'mutation { createUser(input: { email: "upstream@example.com" }) { id } }' },
      updateUser: { method: 'PATCH', query: 'mutation($id: ID!) { updateUser(id: $id, input: { email: "moved@example.com" }) { id } }' },
      deactivateUser: { method: 'PATCH', query: 'mutation($id: ID!) { deactivateUser(id: $id) { id } }' },
      activateUser: { method: 'PATCH', query: 'mutation($id: ID!) { activateUser(id: $id) { id } }' },
      deleteUser: { method: 'DELETE', query: 'mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }' },
      revokeDevice: { method: 'DELETE', query: 'mutation($id: ID!) { revokeDevice(userId: $id, deviceId: "dev") }' },
      revokeSessions: { method: 'DELETE', query: 'mutation($id: ID!) { revokeSessions(userId: $id) }' },
      createMagicLink: { method: 'POST', query: 'mutation { createMagicLink(input: { email: "ml-upstream@example.com" }) { id } }' },
    };
    const pendingIntents = () => db().prepare(`select kind from passage_intents where state = 'pending'`).all();
    for (const [name, { method, query }] of Object.entries(mutations)) {
      for (const [kind, { fault, code: expected }] of Object.entries(failures)) {
        // Magic links are not intents (their answer is a one-time secret): Passage being down is UPSTREAM_UNAVAILABLE.
        const code = name === 'createMagicLink' && expected === 'OUTCOME_UNKNOWN' ? 'UPSTREAM_UNAVAILABLE' : expected;
        // Passage saying the named user does not exist is news: the deletion is recorded at once.
        const recordsDeletion = kind === '404' && query.includes('$id');
        const title = recordsDeletion ? 'one call, the user is recorded as deleted' : 'one call, nothing changes locally';
        it(`${name}: Passage ${kind} -> ${code}, ${title}`, async () => {
          const target = recordsDeletion ? await h.user(`gone-${name.toLowerCase()}@example.com`) : other;
          if (recordsDeletion) await h.gql('{ me { id } }', { token: target.token });
          const before = snapshot();
          h.emulator.clearCalls();
          const remove = h.emulator.injectFault({ match: { method }, ...fault });
          try {
            const res = await h.gql(query, { token: admin.token, variables: { id: target.id } });
            expect(codes(res)).toEqual([code]);
          } finally {
            remove();
          }
          expect(passageCalls(method)).toHaveLength(1);
          expect(lastAudit()).toMatchObject({ outcome: 'failure', detail: code });
          if (recordsDeletion) {
            expect(pendingIntents()).toEqual([]);
            expect(localUser(target.id)).toBeNull();
            const me = await h.gql('{ me { id } }', { token: target.token });
            expect(me.status).toBe(401);
            expect(me.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'USER_DELETED' });
            return;
          }
          expect(snapshot()).toBe(before);
          if (code !== 'OUTCOME_UNKNOWN') {
            expect(pendingIntents()).toEqual([]);
            return;
          }
          expect(pendingIntents()).toHaveLength(1);
          // Past the settle time, the reconciler reads Passage, finds the change not made (or, for
          // sessions, makes it again) and closes the intent; the local rows still match Passage.
          const report = await h.server.app.services.intents.reconcile({ now: Date.now() + 3600_000 });
          expect(report).toMatchObject({ examined: 1, pending: 0, errors: 0 });
          expect(pendingIntents()).toEqual([]);
          expect(snapshot()).toBe(before);
        });
      }
    }
  });

  describe('devices and sessions', () => {
    it('lets users revoke their own device; it is gone on the next request', async () => {
      const me = await h.gql<{ me: { devices: Array<{ id: string }> } }>('{ me { devices { id } } }', { token: member.token });
      const deviceId = me.body.data!.me.devices[0]!.id;
      const res = await h.gql(`mutation($u: ID!, $d: ID!) { revokeDevice(userId: $u, deviceId: $d) }`, {
        token: member.token,
        variables: { u: member.id, d: deviceId },
      });
      expect(res.body.data).toEqual({ revokeDevice: true });
      const after = await h.gql('{ me { devices { id } } }', { token: member.token });
      expect(after.body.data).toEqual({ me: { devices: [] } });
      const again = await h.gql(`mutation($u: ID!, $d: ID!) { revokeDevice(userId: $u, deviceId: $d) }`, {
        token: member.token,
        variables: { u: member.id, d: deviceId },
      });
      expect(codes(again)).toEqual(['NOT_FOUND']);
    });

    it('revokes sessions for the user themself or an admin', async () => {
      h.emulator.clearCalls();
      const self = await h.gql(`mutation($u: ID!) { revokeSessions(userId: $u) }`, { token: other.token, variables: { u: other.id } });
      expect(self.body.data).toEqual({ revokeSessions: true });
      const byAdmin = await h.gql(`mutation($u: ID!) { revokeSessions(userId: $u) }`, { token: admin.token, variables: { u: other.id } });
      expect(byAdmin.body.data).toEqual({ revokeSessions: true });
      expect(passageCalls('DELETE').map((c) => c.path.replace(/\/v1\/apps\/[^/]+/, ''))).toEqual([`/users/${other.id}/tokens`, `/users/${other.id}/tokens`]);
    });
  });

  describe('createMagicLink', () => {
    const CREATE = `mutation($input: CreateMagicLinkInput!) { createMagicLink(input: $input) { id url identifier type redirectUrl ttl activated userId } }`;

    it('creates a link (and the user, for an unknown email) and keeps its URL out of logs and audit', async () => {
      h.emulator.clearCalls();
      const res = await h.gql<{ createMagicLink: Record<string, unknown> }>(CREATE, {
        token: admin.token,
        variables: { input: { email: 'Invitee@Example.com', redirectUrl: '/welcome', ttl: 30, type: 'VERIFY_IDENTIFIER', language: 'de' } },
      });
      expect(res.body.errors).toBeUndefined();
      const link = res.body.data!.createMagicLink;
      expect(link).toMatchObject({
        identifier: 'invitee@example.com',
        type: 'VERIFY_IDENTIFIER',
        redirectUrl: '/welcome',
        ttl: 30,
        activated: false,
        url: expect.stringMatching(/^https?:\/\//),
      });
      const post = passageCalls('POST')[0]!;
      expect(post.body).toMatchObject({
        email: 'invitee@example.com',
        redirect_url: '/welcome',
        ttl: 30,
        type: 'verify_identifier',
        language: 'de',
        send: false,
      });
      expect(h.emulator.findUserByIdentifier('invitee@example.com')).toBeDefined();
      const url = String(link['url']);
      expect(h.logs.join('\n')).not.toContain(url);
      const audits = JSON.stringify(db().prepare('select * from audit_log').all());
      expect(audits).not.toContain(url);
      expect(audits).not.toContain(new URL(url).searchParams.values().next().value ?? url);
      expect(lastAudit()).toMatchObject({ action: 'magic_link.create', targetId: link['id'], outcome: 'success' });
    });

    it('validates before calling Passage, naming the field', async () => {
      h.emulator.clearCalls();
      const bad: Array<[Record<string, unknown>, string]> = [
        [{ email: 'a@example.com', userId: other.id }, 'email'],
        [{}, 'email'],
        [{ email: 'not-an-email' }, 'email'],
        [{ phone: '12345' }, 'phone'],
        [{ email: 'a@example.com', language: 'fr' }, 'language'],
        [{ email: 'a@example.com', ttl: 0 }, 'ttl'],
        [{ email: 'a@example.com', ttl: 2000 }, 'ttl'],
        [{ email: 'a@example.com', send: true }, 'channel'],
        [{ email: 'a@example.com', magicLinkPath: 'no-slash' }, 'magicLinkPath'],
        [{ email: 'a@example.com', redirectUrl: 'javascript:alert(1)' }, 'redirectUrl'],
      ];
      for (const [input, field] of bad) {
        const res = await h.gql(CREATE, { token: admin.token, variables: { input } });
        expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      }
      expect(passageCalls()).toEqual([]);
    });
  });

  describe('caching', () => {
    it('a read after a write sees the new state, in the same request and the next', async () => {
      const target = await h.user('cached@example.com');
      const res = await h.gql(
        `mutation($id: ID!) {
          before: updateUser(id: $id, input: { metadata: { v: 1 } }) { metadata }
          after: updateUser(id: $id, input: { metadata: { v: 2 } }) { metadata }
        }`,
        { token: admin.token, variables: { id: target.id } },
      );
      expect(res.body.data).toEqual({ before: { metadata: { v: 1 } }, after: { metadata: { v: 2 } } });
      const next = await h.gql(`query($id: ID!) { user(id: $id) { metadata } }`, { token: admin.token, variables: { id: target.id } });
      expect(next.body.data).toEqual({ user: { metadata: { v: 2 } } });
    });
  });
});
