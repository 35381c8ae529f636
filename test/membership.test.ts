import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codes, startHarness, type GqlResult, type Harness } from './helpers/harness.js';

type Person = { id: string; token: string };

const CREATE = `mutation($name: String!) { createOrg(input: { name: $name }) { id } }`;
const ADD = `mutation($orgId: ID!, $userId: ID!, $role: String!, $extra: [String!]) {
  addOrgMember(orgId: $orgId, userId: $userId, role: $role, additionalRoles: $extra) { role additionalRoles user { id } org { id } }
}`;
const CHANGE = `mutation($orgId: ID!, $userId: ID!, $role: String!) {
  changeOrgMemberRole(orgId: $orgId, userId: $userId, role: $role) { role user { id } }
}`;
const REMOVE = `mutation($orgId: ID!, $userId: ID!) { removeOrgMember(orgId: $orgId, userId: $userId) { orgId removedUserId org { id } } }`;

const reason = (res: GqlResult<unknown>) => res.body.errors?.[0]?.extensions?.['reason'];

describe('org memberships', () => {
  let h: Harness;
  let owner: Person, admin: Person, member: Person, outsider: Person, appAdmin: Person;
  let orgId: string;

  const roleOf = (userId: string, org = orgId) =>
    (h.server.database.sqlite.prepare('select role from org_memberships where org_id = ? and user_id = ?').get(org, userId) as { role: string } | undefined)
      ?.role ?? null;

  beforeAll(async () => {
    // One test walks org -> members -> user -> memberships -> org: 8 levels, over the default limit of 6.
    h = await startHarness({ adminEmails: ['root@example.com'], env: { QUERY_MAX_DEPTH: '8' } });
    owner = await h.user('owner@example.com');
    admin = await h.user('admin@example.com');
    member = await h.user('member@example.com');
    outsider = await h.user('outsider@example.com');
    appAdmin = await h.user('root@example.com');
  });
  afterAll(() => h?.close());

  beforeEach(async () => {
    const res = await h.gql<{ createOrg: { id: string } }>(CREATE, { token: owner.token, variables: { name: 'Org' } });
    orgId = res.body.data!.createOrg.id;
    await h.gql(ADD, { token: owner.token, variables: { orgId, userId: admin.id, role: 'Admin' } });
    await h.gql(ADD, { token: owner.token, variables: { orgId, userId: member.id, role: 'Member' } });
  });

  describe('addOrgMember', () => {
    it('adds an existing Passage user and returns the membership', async () => {
      const res = await h.gql(ADD, { token: admin.token, variables: { orgId, userId: outsider.id, role: 'Member', extra: ['Member'] } });
      expect(res.body).toEqual({ data: { addOrgMember: { role: 'Member', additionalRoles: [], user: { id: outsider.id }, org: { id: orgId } } } });
      expect(roleOf(outsider.id)).toBe('Member');
    });

    it('is CONFLICT for an existing member', async () => {
      const res = await h.gql(ADD, { token: admin.token, variables: { orgId, userId: member.id, role: 'Member' } });
      expect(codes(res)).toEqual(['CONFLICT']);
    });

    it('is BAD_USER_INPUT for an unknown role, naming the field', async () => {
      const res = await h.gql(ADD, { token: admin.token, variables: { orgId, userId: outsider.id, role: 'Overlord' } });
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors![0]!.extensions!['field']).toBe('role');
      const extra = await h.gql(ADD, { token: admin.token, variables: { orgId, userId: outsider.id, role: 'Member', extra: ['Overlord'] } });
      expect(extra.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'additionalRoles' });
      expect(roleOf(outsider.id)).toBeNull();
    });

    it('is NOT_FOUND for a user Passage does not know, and stores nothing about them', async () => {
      const res = await h.gql(ADD, { token: admin.token, variables: { orgId, userId: 'ghost000000000000000000', role: 'Member' } });
      expect(codes(res)).toEqual(['NOT_FOUND']);
      expect(h.server.database.sqlite.prepare(`select count(*) as n from users where id = 'ghost000000000000000000'`).get()).toEqual({ n: 0 });
    });

    it('refuses to grant a role above the granter’s own', async () => {
      const res = await h.gql(ADD, { token: admin.token, variables: { orgId, userId: outsider.id, role: 'Owner' } });
      expect(codes(res)).toEqual(['FORBIDDEN']);
      expect(reason(res)).toBe('INSUFFICIENT_ROLE');
      const viaExtra = await h.gql(ADD, { token: admin.token, variables: { orgId, userId: outsider.id, role: 'Member', extra: ['Owner'] } });
      expect(reason(viaExtra)).toBe('INSUFFICIENT_ROLE');
      expect(roleOf(outsider.id)).toBeNull();
    });

    it('refuses a Member (no invite permission) before calling Passage', async () => {
      h.emulator.clearCalls();
      const res = await h.gql(ADD, { token: member.token, variables: { orgId, userId: outsider.id, role: 'Member' } });
      expect(reason(res)).toBe('MISSING_PERMISSION');
      expect(h.emulator.calls).toEqual([]);
    });
  });

  describe('changeOrgMemberRole', () => {
    it('lets an Admin promote a Member to Admin', async () => {
      const res = await h.gql(CHANGE, { token: admin.token, variables: { orgId, userId: member.id, role: 'Admin' } });
      expect(res.body.data).toEqual({ changeOrgMemberRole: { role: 'Admin', user: { id: member.id } } });
    });

    it('refuses an Admin who changes the Owner or grants Owner', async () => {
      const demote = await h.gql(CHANGE, { token: admin.token, variables: { orgId, userId: owner.id, role: 'Member' } });
      expect(reason(demote)).toBe('INSUFFICIENT_ROLE');
      const promote = await h.gql(CHANGE, { token: admin.token, variables: { orgId, userId: member.id, role: 'Owner' } });
      expect(reason(promote)).toBe('INSUFFICIENT_ROLE');
      const self = await h.gql(CHANGE, { token: admin.token, variables: { orgId, userId: admin.id, role: 'Owner' } });
      expect(reason(self)).toBe('INSUFFICIENT_ROLE');
      expect([roleOf(owner.id), roleOf(member.id), roleOf(admin.id)]).toEqual(['Owner', 'Member', 'Admin']);
    });

    it('is CONFLICT when the last Owner would be demoted', async () => {
      const res = await h.gql(CHANGE, { token: owner.token, variables: { orgId, userId: owner.id, role: 'Admin' } });
      expect(codes(res)).toEqual(['CONFLICT']);
      expect(res.body.errors![0]!.extensions!['reason']).toBe('LAST_OWNER');
      expect(roleOf(owner.id)).toBe('Owner');
    });

    it('lets exactly one of two owners demoting themselves at once win', async () => {
      await h.gql(CHANGE, { token: owner.token, variables: { orgId, userId: admin.id, role: 'Owner' } });
      const [a, b] = await Promise.all([
        h.gql(CHANGE, { token: owner.token, variables: { orgId, userId: owner.id, role: 'Member' } }),
        h.gql(CHANGE, { token: admin.token, variables: { orgId, userId: admin.id, role: 'Member' } }),
      ]);
      const outcomes = [a, b].map((r) => (r.body.errors ? codes(r)[0] : 'OK')).sort();
      expect(outcomes).toEqual(['CONFLICT', 'OK']);
      const owners = h.server.database.sqlite.prepare(`select count(*) as n from org_memberships where org_id = ? and role = 'Owner'`).get(orgId);
      expect(owners).toEqual({ n: 1 });
    });

    it('lets exactly one of two owners demoting each other at once win', async () => {
      await h.gql(CHANGE, { token: owner.token, variables: { orgId, userId: admin.id, role: 'Owner' } });
      const [a, b] = await Promise.all([
        h.gql(CHANGE, { token: owner.token, variables: { orgId, userId: admin.id, role: 'Member' } }),
        h.gql(CHANGE, { token: admin.token, variables: { orgId, userId: owner.id, role: 'Member' } }),
      ]);
      expect([a, b].filter((r) => !r.body.errors)).toHaveLength(1);
      const owners = h.server.database.sqlite.prepare(`select count(*) as n from org_memberships where org_id = ? and role = 'Owner'`).get(orgId);
      expect(owners).toEqual({ n: 1 });
    });
  });

  describe('removeOrgMember', () => {
    it('lets a member leave; the payload no longer shows them the org', async () => {
      const res = await h.gql(REMOVE, { token: member.token, variables: { orgId, userId: member.id } });
      // Leaving is not an error: the answer carries no errors at all (issue 10, item 21).
      expect(res.body).toEqual({ data: { removeOrgMember: { orgId, removedUserId: member.id, org: null } } });
      expect(roleOf(member.id)).toBeNull();
    });

    it('lets an Admin remove a Member and still see the org', async () => {
      const res = await h.gql(REMOVE, { token: admin.token, variables: { orgId, userId: member.id } });
      expect(res.body).toEqual({ data: { removeOrgMember: { orgId, removedUserId: member.id, org: { id: orgId } } } });
    });

    it('refuses a Member removing someone else and an Admin removing the Owner', async () => {
      const byMember = await h.gql(REMOVE, { token: member.token, variables: { orgId, userId: admin.id } });
      expect(reason(byMember)).toBe('MISSING_PERMISSION');
      const byAdmin = await h.gql(REMOVE, { token: admin.token, variables: { orgId, userId: owner.id } });
      expect(reason(byAdmin)).toBe('INSUFFICIENT_ROLE');
      expect([roleOf(admin.id), roleOf(owner.id)]).toEqual(['Admin', 'Owner']);
    });

    it('is CONFLICT when the last Owner would leave', async () => {
      const res = await h.gql(REMOVE, { token: owner.token, variables: { orgId, userId: owner.id } });
      expect(codes(res)).toEqual(['CONFLICT']);
      expect(roleOf(owner.id)).toBe('Owner');
    });

    it('is NOT_FOUND for someone who is not a member', async () => {
      const res = await h.gql(REMOVE, { token: owner.token, variables: { orgId, userId: outsider.id } });
      expect(codes(res)).toEqual(['NOT_FOUND']);
    });
  });

  describe('visibility of memberships', () => {
    it('another user’s memberships are theirs and app admins’ only: a co-owner gets null with FORBIDDEN', async () => {
      // The member also owns a private org the owner is not part of.
      const other = await h.gql<{ createOrg: { id: string } }>(CREATE, { token: member.token, variables: { name: 'Private' } });
      const privateOrg = other.body.data!.createOrg.id;
      type Page = { org: { members: { edges: Array<{ node: { user: { id: string; memberships: Array<{ org: { id: string } }> | null } } }> } } };
      const query = `query($id: ID!) { org(id: $id) { members { edges { node { user { id memberships { org { id } } } } } } } }`;
      const res = await h.gql<Page>(query, { token: owner.token, variables: { id: orgId } });
      const row = res.body.data!.org.members.edges.findIndex((e) => e.node.user.id === member.id);
      expect(res.body.data!.org.members.edges[row]!.node.user.memberships).toBeNull();
      expect(res.body.errors!.find((e) => e.path!.join('.') === `org.members.edges.${row}.node.user.memberships`)?.extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'NOT_SELF',
      });
      // The owner's own row is theirs to see.
      const mine = res.body.data!.org.members.edges.find((e) => e.node.user.id === owner.id)!.node.user.memberships!.map((m) => m.org.id);
      expect(mine).toContain(orgId);
      // An app admin sees both of the member's orgs, and so does the member themself.
      const admin = await h.gql<Page>(query, { token: appAdmin.token, variables: { id: orgId } });
      expect(admin.body.errors).toBeUndefined();
      const seen = admin.body.data!.org.members.edges.find((e) => e.node.user.id === member.id)!.node.user.memberships!.map((m) => m.org.id);
      expect(seen).toEqual(expect.arrayContaining([orgId, privateOrg]));
      const own = await h.gql<{ me: { memberships: Array<{ org: { id: string } }> } }>(`{ me { memberships { org { id } } } }`, { token: member.token });
      expect(own.body.data!.me.memberships.map((m) => m.org.id)).toEqual(expect.arrayContaining([orgId, privateOrg]));
    });

    it('re-reads the viewer’s membership after a change in the same operation', async () => {
      const res = await h.gql(
        `mutation($orgId: ID!, $me: ID!) {
          before: changeOrgMemberRole(orgId: $orgId, userId: $me, role: "Member") { role }
          again: changeOrgMemberRole(orgId: $orgId, userId: $me, role: "Admin") { role }
        }`,
        { token: admin.token, variables: { orgId, me: admin.id } },
      );
      // The first demotion takes effect at once: the second call is checked against "Member".
      // (Its non-null result then nulls the whole data, as GraphQL requires.)
      expect(res.body.errors!.map((e) => [e.path, e.extensions!['reason']])).toEqual([[['again'], 'MISSING_PERMISSION']]);
      expect(roleOf(admin.id)).toBe('Member');
    });
  });

  describe('rank and owner rules at their edges', () => {
    const CHANGE_ALL = `mutation($orgId: ID!, $userId: ID!, $role: String!, $extra: [String!]) {
      changeOrgMemberRole(orgId: $orgId, userId: $userId, role: $role, additionalRoles: $extra) { role additionalRoles }
    }`;

    it('an Admin may grant, change and remove the Admin role: equal rank is not "above"', async () => {
      const added = await h.gql(ADD, { token: admin.token, variables: { orgId, userId: outsider.id, role: 'Admin' } });
      expect(added.body.errors).toBeUndefined();
      expect(roleOf(outsider.id)).toBe('Admin');
      const changed = await h.gql(CHANGE, { token: admin.token, variables: { orgId, userId: outsider.id, role: 'Member' } });
      expect(changed.body.errors).toBeUndefined();
      await h.gql(CHANGE, { token: owner.token, variables: { orgId, userId: outsider.id, role: 'Admin' } });
      const removed = await h.gql(REMOVE, { token: admin.token, variables: { orgId, userId: outsider.id } });
      expect(removed.body.errors).toBeUndefined();
      expect(roleOf(outsider.id)).toBeNull();
    });

    it('with two owners one may leave; the last one may not', async () => {
      await h.gql(CHANGE, { token: owner.token, variables: { orgId, userId: admin.id, role: 'Owner' } });
      const first = await h.gql(REMOVE, { token: owner.token, variables: { orgId, userId: owner.id } });
      expect(first.body.data?.removeOrgMember).toMatchObject({ removedUserId: owner.id });
      expect(roleOf(owner.id)).toBeNull();
      const last = await h.gql(REMOVE, { token: admin.token, variables: { orgId, userId: admin.id } });
      expect(last.body.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', reason: 'LAST_OWNER' });
      expect(roleOf(admin.id)).toBe('Owner');
    });

    it('Owner held as an additional role makes an owner: counted, kept on a primary-role change, protected when last', async () => {
      const made = await h.gql(CHANGE_ALL, { token: owner.token, variables: { orgId, userId: admin.id, role: 'Admin', extra: ['Owner'] } });
      expect(made.body.data).toEqual({ changeOrgMemberRole: { role: 'Admin', additionalRoles: ['Owner'] } });
      // The primary owner may leave: the additional-role owner remains.
      const left = await h.gql(REMOVE, { token: owner.token, variables: { orgId, userId: owner.id } });
      expect(left.body.data?.removeOrgMember).toMatchObject({ removedUserId: owner.id });
      // Changing the primary role keeps the additional Owner role, so the org keeps its owner.
      const demotedPrimary = await h.gql(CHANGE_ALL, { token: admin.token, variables: { orgId, userId: admin.id, role: 'Member' } });
      expect(demotedPrimary.body.data).toEqual({ changeOrgMemberRole: { role: 'Member', additionalRoles: ['Owner'] } });
      // Dropping it, or leaving, would leave no owner.
      const dropped = await h.gql(CHANGE_ALL, { token: admin.token, variables: { orgId, userId: admin.id, role: 'Member', extra: [] } });
      expect(dropped.body.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', reason: 'LAST_OWNER' });
      const leaving = await h.gql(REMOVE, { token: admin.token, variables: { orgId, userId: admin.id } });
      expect(leaving.body.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', reason: 'LAST_OWNER' });
      expect(roleOf(admin.id)).toBe('Member');
    });

    it('an app admin who is no member outranks every role in the service’s own check', async () => {
      const promoted = await h.gql(CHANGE, { token: appAdmin.token, variables: { orgId, userId: member.id, role: 'Owner' } });
      expect(promoted.body.errors).toBeUndefined();
      const demoted = await h.gql(CHANGE, { token: appAdmin.token, variables: { orgId, userId: owner.id, role: 'Member' } });
      expect(demoted.body.errors).toBeUndefined();
      const added = await h.gql(ADD, { token: appAdmin.token, variables: { orgId, userId: outsider.id, role: 'Owner' } });
      expect(added.body.errors).toBeUndefined();
      const removed = await h.gql(REMOVE, { token: appAdmin.token, variables: { orgId, userId: member.id } });
      expect(removed.body.errors).toBeUndefined();
      expect([roleOf(member.id), roleOf(owner.id), roleOf(outsider.id)]).toEqual([null, 'Member', 'Owner']);
    });
  });

  describe('setAppRole', () => {
    const SET = `mutation($userId: ID!, $role: AppRole!) { setAppRole(userId: $userId, role: $role) { id appRole } }`;

    it('lets an app admin promote a user, who then passes org checks anywhere', async () => {
      const res = await h.gql(SET, { token: appAdmin.token, variables: { userId: outsider.id, role: 'ADMIN' } });
      expect(res.body.data).toEqual({ setAppRole: { id: outsider.id, appRole: 'ADMIN' } });
      const org = await h.gql(`query($id: ID!) { org(id: $id) { id } }`, { token: outsider.token, variables: { id: orgId } });
      expect(org.body.data).toEqual({ org: { id: orgId } });
      await h.gql(SET, { token: appAdmin.token, variables: { userId: outsider.id, role: 'USER' } });
      const after = await h.gql(`query($id: ID!) { org(id: $id) { id } }`, { token: outsider.token, variables: { id: orgId } });
      expect(codes(after)).toEqual(['NOT_FOUND']);
    });

    it('is FORBIDDEN for others and Passage receives no call', async () => {
      h.emulator.clearCalls();
      const res = await h.gql(SET, { token: owner.token, variables: { userId: owner.id, role: 'ADMIN' } });
      expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(h.emulator.calls).toEqual([]);
    });

    it('refuses to demote a configured admin with CONFLICT CONFIGURED_ADMIN and changes nothing (item 23)', async () => {
      const res = await h.gql(SET, { token: appAdmin.token, variables: { userId: appAdmin.id, role: 'USER' } });
      expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', reason: 'CONFIGURED_ADMIN' });
      const row = h.server.database.sqlite.prepare('select app_role as role from users where id = ?').get(appAdmin.id) as { role: string };
      expect(row.role).toBe('USER');
      const me = await h.gql(`{ me { appRole } }`, { token: appAdmin.token });
      expect(me.body.data).toEqual({ me: { appRole: 'ADMIN' } });
      // Promoting them (a no-op) is still fine.
      const promote = await h.gql(SET, { token: appAdmin.token, variables: { userId: appAdmin.id, role: 'ADMIN' } });
      expect(promote.body.data).toEqual({ setAppRole: { id: appAdmin.id, appRole: 'ADMIN' } });
    });

    it('is NOT_FOUND for a user Passage does not know', async () => {
      const res = await h.gql(SET, { token: appAdmin.token, variables: { userId: 'ghost000000000000000000', role: 'ADMIN' } });
      expect(codes(res)).toEqual(['NOT_FOUND']);
    });
  });

  describe('the service’s own reads and checks', () => {
    const service = () => h.server.app.services.memberships;
    type Page = {
      org: {
        members: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
          edges: Array<{ node: { user: { id: string } } }>;
        };
      };
    };
    const PAGE = `query($id: ID!, $first: Int, $after: String, $role: String) {
      org(id: $id) { members(first: $first, after: $after, role: $role) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { user { id } } } } }
    }`;

    it('pages members in join order, filters by role, and refuses a cursor it did not issue', async () => {
      const first = await h.gql<Page>(PAGE, { token: owner.token, variables: { id: orgId, first: 2 } });
      expect(first.body.data!.org.members).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true, hasPreviousPage: false } });
      expect(first.body.data!.org.members.edges.map((e) => e.node.user.id)).toEqual([owner.id, admin.id]);
      const rest = await h.gql<Page>(PAGE, { token: owner.token, variables: { id: orgId, first: 2, after: first.body.data!.org.members.pageInfo.endCursor } });
      expect(rest.body.data!.org.members).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: false, hasPreviousPage: true } });
      expect(rest.body.data!.org.members.edges.map((e) => e.node.user.id)).toEqual([member.id]);
      const admins = await h.gql<Page>(PAGE, { token: owner.token, variables: { id: orgId, first: 10, role: 'Admin' } });
      expect(admins.body.data!.org.members.totalCount).toBe(1);
      expect(admins.body.data!.org.members.edges.map((e) => e.node.user.id)).toEqual([admin.id]);
      for (const after of ['not-a-cursor', Buffer.from(JSON.stringify(['x', 1])).toString('base64url')]) {
        const bad = await h.gql(PAGE, { token: owner.token, variables: { id: orgId, first: 2, after } });
        expect(bad.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      }
    });

    it('sharingAnOrgWith: exactly the users who share an org with the viewer', async () => {
      // A private org of the member's own: only the member is in it.
      const own = (await h.gql<{ createOrg: { id: string } }>(CREATE, { token: member.token, variables: { name: 'Own' } })).body.data!.createOrg.id;
      expect(own).toBeTruthy();
      expect(await service().sharingAnOrgWith(member.id, [admin.id, 'never-a-member', owner.id, member.id])).toEqual(new Set([admin.id, owner.id, member.id]));
      expect(await service().sharingAnOrgWith('never-a-member', [admin.id, owner.id])).toEqual(new Set());
      expect(await service().sharingAnOrgWith(member.id, [])).toEqual(new Set());
    });

    it('orgsSolelyOwnedBy: the org counts only while its owner is the only one', async () => {
      expect(await service().orgsSolelyOwnedBy(owner.id)).toContain(orgId);
      expect(await service().orgsSolelyOwnedBy(admin.id)).not.toContain(orgId);
      await h.gql(CHANGE, { token: owner.token, variables: { orgId, userId: admin.id, role: 'Owner' } });
      expect(await service().orgsSolelyOwnedBy(owner.id)).not.toContain(orgId);
    });

    it('refuses a missing org or membership itself, whatever the caller checked before', async () => {
      const actor = { id: appAdmin.id, appRole: 'ADMIN' as const };
      await expect(service().add(actor, { orgId: 'no-such-org', userId: outsider.id, role: 'Member' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(service().changeRole(actor, { orgId, userId: outsider.id, role: 'Member' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(service().remove(actor, orgId, outsider.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(service().add(actor, { orgId, userId: outsider.id, role: 'Member', additionalRoles: ['Nope'] })).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'additionalRoles',
      });
      expect(roleOf(outsider.id)).toBeNull();
    });
  });

  describe('audit', () => {
    it('records role changes with before and after, and refusals as failures', async () => {
      await h.gql(CHANGE, { token: admin.token, variables: { orgId, userId: member.id, role: 'Admin' } });
      await h.gql(CHANGE, { token: admin.token, variables: { orgId, userId: owner.id, role: 'Member' } });
      const audit = h.server.database.sqlite
        .prepare(
          `select action, actor_id as actorId, target_id as targetId, outcome, before, after from audit_log where org_id = ? and action = 'membership.change_role' order by id`,
        )
        .all(orgId) as Array<{ outcome: string; before: string | null; after: string | null; targetId: string }>;
      expect(audit.map((a) => [a.outcome, a.targetId])).toEqual([
        ['success', `${orgId}:${member.id}`],
        ['failure', `${orgId}:${owner.id}`],
      ]);
      expect(JSON.parse(audit[0]!.before!)).toMatchObject({ role: 'Member' });
      expect(JSON.parse(audit[0]!.after!)).toMatchObject({ role: 'Admin' });
    });
  });
});
