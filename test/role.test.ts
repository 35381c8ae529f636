import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type Harness } from './helpers/harness.js';

type Person = { id: string; token: string };

const CREATE = `mutation($name: String!) { createOrg(input: { name: $name }) { id } }`;
const ADD = `mutation($orgId: ID!, $userId: ID!, $role: String!) { addOrgMember(orgId: $orgId, userId: $userId, role: $role) { role } }`;
const CHANGE = `mutation($orgId: ID!, $userId: ID!, $role: String!) { changeOrgMemberRole(orgId: $orgId, userId: $userId, role: $role) { role } }`;
const REMOVE = `mutation($orgId: ID!, $userId: ID!) { removeOrgMember(orgId: $orgId, userId: $userId) { removedUserId } }`;
const TRANSFER = `mutation($orgId: ID!, $userId: ID!) { transferOrgOwnership(input: { orgId: $orgId, userId: $userId }) { role } }`;
const UPDATE = `mutation($id: ID!) { updateOrg(id: $id, input: { name: "Renamed" }) { id } }`;
const DELETE = `mutation($id: ID!) { deleteOrg(id: $id) { deletedOrgId } }`;
const ORG_CAN = `query($id: ID!) { org(id: $id) { viewerCan { update delete invite assignableRoles } } }`;
const MEMBER_CAN = `query($id: ID!) { org(id: $id) { members(first: 100) { edges { node { user { id } viewerCan { remove changeRole transferOwnership assignableRoles } } } } } }`;

type OrgCan = { update: boolean; delete: boolean; invite: boolean; assignableRoles: string[] };
type MemberCan = { remove: boolean; changeRole: boolean; transferOwnership: boolean; assignableRoles: string[] };

const ROLES = ['Owner', 'Admin', 'Member'];

describe('role catalogue and capabilities', () => {
  let h: Harness;
  let owner: Person, admin: Person, member: Person, outsider: Person, appAdmin: Person;

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['root@example.com'] });
    owner = await h.user('owner@example.com');
    admin = await h.user('admin@example.com');
    member = await h.user('member@example.com');
    outsider = await h.user('outsider@example.com');
    appAdmin = await h.user('root@example.com');
  });
  afterAll(() => h?.close());

  /** A fresh org with an Owner, an Admin and a Member. */
  async function freshOrg(): Promise<string> {
    const orgId = (await h.gql<{ createOrg: { id: string } }>(CREATE, { token: owner.token, variables: { name: 'Org' } })).body.data!.createOrg.id;
    for (const [p, role] of [
      [admin, 'Admin'],
      [member, 'Member'],
    ] as const) {
      expect(codes(await h.gql(ADD, { token: owner.token, variables: { orgId, userId: p.id, role } }))).toEqual([]);
    }
    return orgId;
  }

  const ok = (res: { body: { errors?: unknown[]; data?: unknown } }) => !res.body.errors?.length;

  it('lists the role catalogue for signed-in users only', async () => {
    const res = await h.gql(`{ roles { name rank permissions inheritedRoles } }`, { token: member.token });
    expect(res.body.data).toEqual({
      roles: [
        {
          name: 'Owner',
          rank: 300,
          permissions: [
            'org:audit:read',
            'org:delete',
            'org:members:change_role',
            'org:members:invite',
            'org:members:read',
            'org:members:remove',
            'org:read',
            'org:update',
          ],
          inheritedRoles: ['Owner', 'Admin', 'Member'],
        },
        {
          name: 'Admin',
          rank: 200,
          permissions: ['org:members:change_role', 'org:members:invite', 'org:members:read', 'org:members:remove', 'org:read', 'org:update'],
          inheritedRoles: ['Admin', 'Member'],
        },
        { name: 'Member', rank: 100, permissions: ['org:members:read', 'org:read'], inheritedRoles: ['Member'] },
      ],
    });
    expect(codes(await h.gql(`{ roles { name } }`))).toEqual(['UNAUTHENTICATED']);
  });

  it('answers isRole, isAtLeast, hasPermission and hasAllPermissions; unknown names are BAD_USER_INPUT', async () => {
    const orgId = await freshOrg();
    const q = `query($id: ID!, $role: String!, $perm: String!, $perms: [String!]!) { org(id: $id) { viewerMembership {
      isRole(role: $role) isAtLeast(role: $role) hasPermission(permission: $perm) hasAllPermissions(permissions: $perms) } } }`;
    const ask = (token: string, role: string, perm: string, perms: string[]) =>
      h.gql<{ org: { viewerMembership: Record<string, boolean> } }>(q, { token, variables: { id: orgId, role, perm, perms } });

    const adminAsksMember = await ask(admin.token, 'Member', 'org:update', ['org:update', 'org:members:invite']);
    // An Admin inherits Member but does not hold it.
    expect(adminAsksMember.body.data!.org.viewerMembership).toEqual({ isRole: false, isAtLeast: true, hasPermission: true, hasAllPermissions: true });
    const adminAsksOwner = await ask(admin.token, 'Admin', 'org:delete', ['org:update', 'org:delete']);
    expect(adminAsksOwner.body.data!.org.viewerMembership).toEqual({ isRole: true, isAtLeast: true, hasPermission: false, hasAllPermissions: false });
    const memberAsks = await ask(member.token, 'Owner', 'org:read', []);
    expect(memberAsks.body.data!.org.viewerMembership).toEqual({ isRole: false, isAtLeast: false, hasPermission: true, hasAllPermissions: true });

    const field = (token: string, sel: string) =>
      h.gql(`query($id: ID!) { org(id: $id) { viewerMembership { ${sel} } } }`, { token, variables: { id: orgId } });
    for (const sel of [
      'isRole(role: "owner")',
      'isAtLeast(role: "owner")',
      'hasPermission(permission: "org:fly")',
      'hasAllPermissions(permissions: ["org:read", "org:fly"])',
    ]) {
      const res = await field(owner.token, sel);
      expect(codes(res), sel).toEqual(['BAD_USER_INPUT']);
    }
  });

  const viewers = () => ({ owner, admin, member, appAdmin });

  it('Org.viewerCan predicts exactly which org mutations succeed, for each kind of viewer', async () => {
    for (const [kind, viewer] of Object.entries(viewers())) {
      const orgId = await freshOrg();
      const can = (await h.gql<{ org: { viewerCan: OrgCan } }>(ORG_CAN, { token: viewer.token, variables: { id: orgId } })).body.data!.org.viewerCan;
      expect(ok(await h.gql(UPDATE, { token: viewer.token, variables: { id: orgId } })), `${kind} update`).toBe(can.update);
      for (const role of ROLES) {
        const added = await h.gql(ADD, { token: viewer.token, variables: { orgId, userId: outsider.id, role } });
        expect(ok(added), `${kind} invites as ${role}`).toBe(can.invite && can.assignableRoles.includes(role));
        if (ok(added)) await h.gql(REMOVE, { token: owner.token, variables: { orgId, userId: outsider.id } });
      }
      expect(ok(await h.gql(DELETE, { token: viewer.token, variables: { id: orgId } })), `${kind} delete`).toBe(can.delete);
    }
  });

  it('OrgMembership.viewerCan predicts exactly which membership mutations succeed, for each viewer and target', async () => {
    const targets = () => ({ owner, admin, member });
    for (const [kind, viewer] of Object.entries(viewers())) {
      for (const [targetKind, target] of Object.entries(targets())) {
        const label = `${kind} -> ${targetKind}`;
        const readCan = async (orgId: string) => {
          const res = await h.gql<{ org: { members: { edges: { node: { user: { id: string }; viewerCan: MemberCan } }[] } } }>(MEMBER_CAN, {
            token: viewer.token,
            variables: { id: orgId },
          });
          expect(res.body.errors, label).toBeUndefined();
          return res.body.data!.org.members.edges.find((e) => e.node.user.id === target.id)!.node.viewerCan;
        };
        let orgId = await freshOrg();
        const can = await readCan(orgId);
        expect(can.changeRole, label).toBe(can.assignableRoles.length > 0);
        for (const role of ROLES) {
          const res = await h.gql(CHANGE, { token: viewer.token, variables: { orgId, userId: target.id, role } });
          expect(ok(res), `${label} to ${role}`).toBe(can.assignableRoles.includes(role));
          if (ok(res)) orgId = await freshOrg();
        }
        const removed = await h.gql(REMOVE, { token: viewer.token, variables: { orgId, userId: target.id } });
        expect(ok(removed), `${label} remove`).toBe(can.remove);
        const transferred = await h.gql(TRANSFER, { token: viewer.token, variables: { orgId: await freshOrg(), userId: target.id } });
        expect(ok(transferred), `${label} transfer`).toBe(can.transferOwnership);
      }
    }
  });

  it('a second owner makes the first one removable and demotable', async () => {
    const orgId = await freshOrg();
    const before = (
      await h.gql<{ org: { members: { edges: { node: { user: { id: string }; viewerCan: MemberCan } }[] } } }>(MEMBER_CAN, {
        token: owner.token,
        variables: { id: orgId },
      })
    ).body.data!.org.members.edges.find((e) => e.node.user.id === owner.id)!.node.viewerCan;
    expect(before).toEqual({ remove: false, changeRole: true, transferOwnership: false, assignableRoles: ['Owner'] });
    await h.gql(CHANGE, { token: owner.token, variables: { orgId, userId: admin.id, role: 'Owner' } });
    const after = (
      await h.gql<{ org: { members: { edges: { node: { user: { id: string }; viewerCan: MemberCan } }[] } } }>(MEMBER_CAN, {
        token: owner.token,
        variables: { id: orgId },
      })
    ).body.data!.org.members.edges.find((e) => e.node.user.id === owner.id)!.node.viewerCan;
    expect(after).toEqual({ remove: true, changeRole: true, transferOwnership: false, assignableRoles: ['Owner', 'Admin', 'Member'] });
  });
});
