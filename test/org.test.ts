import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type Harness } from './helpers/harness.js';

type Person = { id: string; token: string };

const CREATE = `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id name metadata viewerMembership { role permissions } } }`;
const ADD = `mutation($orgId: ID!, $userId: ID!, $role: String!) { addOrgMember(orgId: $orgId, userId: $userId, role: $role) { role user { id } } }`;

describe('organizations', () => {
  let h: Harness;
  let owner: Person, admin: Person, member: Person, outsider: Person, appAdmin: Person;
  let orgId: string;

  const rows = (sql: string, ...params: unknown[]) => dbAll(h, sql, params);

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['root@example.com'] });
    owner = await h.user('owner@example.com');
    admin = await h.user('admin@example.com');
    member = await h.user('member@example.com');
    outsider = await h.user('outsider@example.com');
    appAdmin = await h.user('root@example.com');
    const created = await h.gql<{ createOrg: { id: string } }>(CREATE, {
      token: owner.token,
      variables: { input: { name: 'Acme', metadata: { plan: 'pro' } } },
    });
    orgId = created.body.data!.createOrg.id;
    for (const [p, role] of [
      [admin, 'Admin'],
      [member, 'Member'],
    ] as const) {
      const res = await h.gql(ADD, { token: owner.token, variables: { orgId, userId: p.id, role } });
      expect(res.body.errors).toBeUndefined();
    }
  });
  afterAll(() => h?.close());

  describe('createOrg', () => {
    it('makes the creator its Owner and returns the org', async () => {
      const res = await h.gql<{ createOrg: Record<string, unknown> }>(CREATE, { token: outsider.token, variables: { input: { name: '  Solo  ' } } });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.createOrg).toMatchObject({
        name: 'Solo',
        metadata: {},
        viewerMembership: { role: 'Owner', permissions: expect.arrayContaining(['org:delete', 'org:update', 'org:read']) },
      });
    });

    it('refuses anonymous callers and blank names', async () => {
      expect(codes(await h.gql(CREATE, { variables: { input: { name: 'x' } } }))).toEqual(['UNAUTHENTICATED']);
      const blank = await h.gql(CREATE, { token: member.token, variables: { input: { name: ' ' } } });
      expect(codes(blank)).toEqual(['BAD_USER_INPUT']);
      expect(blank.body.errors![0]!.extensions!['field']).toBe('name');
      const notObject = await h.gql(CREATE, { token: member.token, variables: { input: { name: 'x', metadata: [1, 2] } } });
      expect(codes(notObject)).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('Query.org', () => {
    it('returns the org to members and app admins', async () => {
      for (const p of [owner, admin, member, appAdmin]) {
        const res = await h.gql(`query($id: ID!) { org(id: $id) { id name } }`, { token: p.token, variables: { id: orgId } });
        expect(res.body.data).toEqual({ org: { id: orgId, name: 'Acme' } });
      }
    });

    it('answers a non-member exactly as for an org that does not exist', async () => {
      const hidden = await h.gql(`query($id: ID!) { org(id: $id) { id } }`, { token: outsider.token, variables: { id: orgId } });
      const missing = await h.gql(`query($id: ID!) { org(id: $id) { id } }`, { token: outsider.token, variables: { id: 'no-such-org' } });
      expect(hidden.body.data).toEqual({ org: null });
      expect(codes(hidden)).toEqual(['NOT_FOUND']);
      expect(hidden.body.errors![0]!.message).toBe(missing.body.errors![0]!.message);
      expect(codes(missing)).toEqual(['NOT_FOUND']);
    });

    it('refuses anonymous callers', async () => {
      expect(codes(await h.gql(`query($id: ID!) { org(id: $id) { id } }`, { variables: { id: orgId } }))).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('updateOrg', () => {
    const UPDATE = `mutation($id: ID!, $input: UpdateOrgInput!) { updateOrg(id: $id, input: $input) { id name metadata } }`;

    it('lets an Admin rename the org and returns it', async () => {
      const res = await h.gql(UPDATE, { token: admin.token, variables: { id: orgId, input: { name: 'Acme Inc' } } });
      expect(res.body.data).toEqual({ updateOrg: { id: orgId, name: 'Acme Inc', metadata: { plan: 'pro' } } });
    });

    it('refuses a Member (MISSING_PERMISSION) and a non-member (NOT_MEMBER) and changes nothing', async () => {
      const asMember = await h.gql(UPDATE, { token: member.token, variables: { id: orgId, input: { name: 'Hacked' } } });
      expect(codes(asMember)).toEqual(['FORBIDDEN']);
      expect(asMember.body.errors![0]!.extensions!['reason']).toBe('MISSING_PERMISSION');
      const asOutsider = await h.gql(UPDATE, { token: outsider.token, variables: { id: orgId, input: { name: 'Hacked' } } });
      expect(asOutsider.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_MEMBER' });
      expect(rows('select name from orgs where id = ?', orgId)).toEqual([{ name: 'Acme Inc' }]);
    });

    it('lets an app admin who is not a member update it', async () => {
      const res = await h.gql(UPDATE, { token: appAdmin.token, variables: { id: orgId, input: { metadata: { plan: 'enterprise' } } } });
      expect(res.body.data).toEqual({ updateOrg: { id: orgId, name: 'Acme Inc', metadata: { plan: 'enterprise' } } });
    });
  });

  describe('members', () => {
    const MEMBERS = `query($id: ID!, $first: Int, $after: String, $role: String) {
      org(id: $id) { members(first: $first, after: $after, role: $role) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { cursor node { role user { id email } } }
      } }
    }`;
    type Page = {
      org: {
        members: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
          edges: Array<{ cursor: string; node: { role: string; user: { id: string; email: string } } }>;
        };
      };
    };

    it('pages through members with totalCount and cursors', async () => {
      const first = await h.gql<Page>(MEMBERS, { token: member.token, variables: { id: orgId, first: 2 } });
      expect(first.body.errors).toBeUndefined();
      const page1 = first.body.data!.org.members;
      expect(page1.totalCount).toBe(3);
      expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      expect(page1.edges.map((e) => e.node.user.id)).toEqual([owner.id, admin.id]);
      const second = await h.gql<Page>(MEMBERS, { token: member.token, variables: { id: orgId, first: 2, after: page1.pageInfo.endCursor } });
      const page2 = second.body.data!.org.members;
      expect(page2.edges.map((e) => e.node.user.id)).toEqual([member.id]);
      expect(page2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
      expect(page2.totalCount).toBe(3);
    });

    it('filters by role', async () => {
      const res = await h.gql<Page>(MEMBERS, { token: member.token, variables: { id: orgId, role: 'Admin' } });
      expect(res.body.data!.org.members.edges.map((e) => e.node.user.id)).toEqual([admin.id]);
      expect(res.body.data!.org.members.totalCount).toBe(1);
    });

    it('merges emails from Passage with one call per distinct user at most', async () => {
      h.emulator.clearCalls();
      const res = await h.gql<Page>(MEMBERS, { token: member.token, variables: { id: orgId } });
      expect(res.body.data!.org.members.edges.map((e) => e.node.user.email)).toEqual(['owner@example.com', 'admin@example.com', 'member@example.com']);
      const userGets = h.emulator.calls.filter((c) => c.method === 'GET' && /\/users\/[^/]+$/.test(c.path));
      expect(userGets.length).toBeLessThanOrEqual(3);
      expect(new Set(userGets.map((c) => c.path)).size).toBe(userGets.length);
    });

    it('rejects a page size over 100 and a forged cursor with BAD_USER_INPUT', async () => {
      const big = await h.gql(MEMBERS, { token: member.token, variables: { id: orgId, first: 101 } });
      expect(codes(big)).toEqual(['BAD_USER_INPUT']);
      const forged = await h.gql(MEMBERS, { token: member.token, variables: { id: orgId, after: 'not-a-cursor' } });
      expect(codes(forged)).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('OrgMembership helpers', () => {
    it('answers isAtLeast, hasPermission, inheritedRoles and permissions like PropelAuth', async () => {
      const res = await h.gql<{ me: { memberships: Array<Record<string, unknown>> } }>(
        `{ me { memberships { org { id } role inheritedRoles permissions
            atLeastAdmin: isAtLeast(role: "Admin") atLeastMember: isAtLeast(role: "Member")
            canInvite: hasPermission(permission: "org:members:invite") canDelete: hasPermission(permission: "org:delete") } } }`,
        { token: admin.token },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.me.memberships).toEqual([
        {
          org: { id: orgId },
          role: 'Admin',
          inheritedRoles: ['Admin', 'Member'],
          permissions: ['org:members:change_role', 'org:members:invite', 'org:members:read', 'org:members:remove', 'org:read', 'org:update'],
          atLeastAdmin: true,
          atLeastMember: true,
          canInvite: true,
          canDelete: false,
        },
      ]);
    });
  });

  describe('deleteOrg', () => {
    it('is refused to an Admin and allowed to the Owner; memberships go with it; both are audited', async () => {
      const created = await h.gql<{ createOrg: { id: string } }>(CREATE, { token: owner.token, variables: { input: { name: 'Doomed' } } });
      const doomed = created.body.data!.createOrg.id;
      await h.gql(ADD, { token: owner.token, variables: { orgId: doomed, userId: admin.id, role: 'Admin' } });
      const DELETE = `mutation($id: ID!) { deleteOrg(id: $id) { deletedOrgId } }`;

      const denied = await h.gql(DELETE, { token: admin.token, variables: { id: doomed } });
      expect(denied.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_PERMISSION' });
      expect(rows('select count(*) as n from org_memberships where org_id = ?', doomed)).toEqual([{ n: 2 }]);

      const done = await h.gql(DELETE, { token: owner.token, variables: { id: doomed } });
      expect(done.body.data).toEqual({ deleteOrg: { deletedOrgId: doomed } });
      expect(rows('select count(*) as n from orgs where id = ?', doomed)).toEqual([{ n: 0 }]);
      expect(rows('select count(*) as n from org_memberships where org_id = ?', doomed)).toEqual([{ n: 0 }]);
      const audit = rows(`select action, actor_id as actorId, outcome from audit_log where org_id = ? order by id`, doomed);
      expect(audit).toEqual([
        { action: 'org.create', actorId: owner.id, outcome: 'success' },
        { action: 'membership.add', actorId: owner.id, outcome: 'success' },
        { action: 'org.delete', actorId: owner.id, outcome: 'success' },
      ]);
    });
  });

  describe('audit log', () => {
    it('is append-only', () => {
      expect(() => dbRun(h, `update audit_log set action = 'x'`)).toThrow(/append-only/);
      expect(() => dbRun(h, `delete from audit_log`)).toThrow(/append-only/);
    });
  });
});

/** Reads passgraph's own database: what a test checks after a mutation. */
function dbAll(h: Harness, sql: string, params: unknown[] = []): unknown[] {
  return h.server.database.sqlite.prepare(sql).all(...params);
}

function dbRun(h: Harness, sql: string): void {
  h.server.database.sqlite.prepare(sql).run();
}
