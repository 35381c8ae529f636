import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codes, startHarness, type GqlResult, type Harness } from './helpers/harness.js';

type Person = { id: string; token: string };

const CREATE = `mutation($name: String!) { createOrg(input: { name: $name }) { id } }`;
const ADD = `mutation($orgId: ID!, $userId: ID!, $role: String!, $extra: [String!]) { addOrgMember(orgId: $orgId, userId: $userId, role: $role, additionalRoles: $extra) { role } }`;
const TRANSFER = `mutation($orgId: ID!, $userId: ID!) {
  transferOrgOwnership(input: { orgId: $orgId, userId: $userId }) { role additionalRoles user { id } org { id } }
}`;

const reason = (res: GqlResult<unknown>) => res.body.errors?.[0]?.extensions?.['reason'];

describe('transferOrgOwnership', () => {
  let h: Harness;
  let owner: Person, admin: Person, member: Person, outsider: Person, appAdmin: Person;
  let orgId: string;

  const rolesIn = () =>
    Object.fromEntries(
      (
        h.server.database.sqlite.prepare('select user_id, role, additional_roles from org_memberships where org_id = ?').all(orgId) as {
          user_id: string;
          role: string;
          additional_roles: string;
        }[]
      ).map((r) => [r.user_id, [r.role, ...(JSON.parse(r.additional_roles) as string[])]]),
    );
  const audits = () =>
    h.server.database.sqlite
      .prepare(`select actor_id, outcome, detail from audit_log where action = 'org.transfer_ownership' and org_id = ? order by id`)
      .all(orgId) as {
      actor_id: string;
      outcome: string;
      detail: string | null;
    }[];
  const transfer = (by: Person, userId: string) =>
    h.gql<{ transferOrgOwnership: Record<string, unknown> }>(TRANSFER, { token: by.token, variables: { orgId, userId } });

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['root@example.com'] });
    owner = await h.user('owner@example.com');
    admin = await h.user('admin@example.com');
    member = await h.user('member@example.com');
    outsider = await h.user('outsider@example.com');
    appAdmin = await h.user('root@example.com');
  });
  afterAll(() => h?.close());

  beforeEach(async () => {
    orgId = (await h.gql<{ createOrg: { id: string } }>(CREATE, { token: owner.token, variables: { name: 'Org' } })).body.data!.createOrg.id;
    await h.gql(ADD, { token: owner.token, variables: { orgId, userId: admin.id, role: 'Admin' } });
    await h.gql(ADD, { token: owner.token, variables: { orgId, userId: member.id, role: 'Member', extra: ['Admin'] } });
  });

  it('gives the owner role to a member, keeps the caller at the next role down, audits it and returns the new owner', async () => {
    const res = await transfer(owner, member.id);
    expect(res.body).toEqual({ data: { transferOrgOwnership: { role: 'Owner', additionalRoles: ['Admin'], user: { id: member.id }, org: { id: orgId } } } });
    expect(rolesIn()).toEqual({ [owner.id]: ['Admin'], [admin.id]: ['Admin'], [member.id]: ['Owner', 'Admin'] });
    expect(audits()).toEqual([{ actor_id: owner.id, outcome: 'success', detail: null }]);
    // The former owner now acts as an Admin: the new owner outranks them.
    const back = await transfer(owner, member.id);
    expect(codes(back)).toEqual(['FORBIDDEN']);
    expect(reason(back)).toBe('NOT_OWNER');
    expect(codes(await transfer(member, owner.id))).toEqual([]);
    expect(rolesIn()[owner.id]).toEqual(['Owner']);
  });

  it('is refused to anyone not holding the owner role, app admins included, and records the refusal', async () => {
    for (const caller of [admin, appAdmin]) {
      const res = await transfer(caller, member.id);
      expect(codes(res)).toEqual(['FORBIDDEN']);
      expect(reason(res)).toBe('NOT_OWNER');
    }
    expect(codes(await transfer(outsider, member.id))).toEqual(['FORBIDDEN']);
    expect(rolesIn()[owner.id]).toEqual(['Owner']);
    expect(audits().map((a) => [a.outcome, a.detail])).toContainEqual(['failure', 'FORBIDDEN']);
  });

  it('refuses a non-member, the caller themself, an existing owner, a malformed id and a missing org', async () => {
    expect(codes(await transfer(owner, outsider.id))).toEqual(['NOT_FOUND']);
    const self = await transfer(owner, owner.id);
    expect(self.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    await h.gql(`mutation($o: ID!, $u: ID!) { changeOrgMemberRole(orgId: $o, userId: $u, role: "Owner") { role } }`, {
      token: owner.token,
      variables: { o: orgId, u: admin.id },
    });
    const already = await transfer(owner, admin.id);
    expect(codes(already)).toEqual(['CONFLICT']);
    expect(reason(already)).toBe('ALREADY_OWNER');
    expect(codes(await transfer(owner, 'not an id!'))).toEqual(['BAD_USER_INPUT']);
    const missing = await h.gql(TRANSFER, { token: appAdmin.token, variables: { orgId: 'no-such-org', userId: member.id } });
    expect(codes(missing)).toEqual(['NOT_FOUND']);
  });

  it("waits (PENDING_CHANGE) while the receiver's deactivation is still at Passage, and changes nothing", async () => {
    const receiver = await h.user('receiver@example.com');
    await h.gql(ADD, { token: owner.token, variables: { orgId, userId: receiver.id, role: 'Member' } });
    // Passage never answers: the deactivation stays pending (OUTCOME_UNKNOWN) until it is read back.
    h.emulator.injectFault({ match: { method: 'PATCH', pathPrefix: `/users/${receiver.id}/deactivate` }, hang: true, times: 1 });
    const deactivating = await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: appAdmin.token, variables: { id: receiver.id } });
    expect(codes(deactivating)).toEqual(['OUTCOME_UNKNOWN']);
    const res = await transfer(owner, receiver.id);
    expect(codes(res)).toEqual(['CONFLICT']);
    expect(reason(res)).toBe('PENDING_CHANGE');
    expect(rolesIn()).toMatchObject({ [owner.id]: ['Owner'], [receiver.id]: ['Member'] });
    expect(audits().at(-1)).toEqual({ actor_id: owner.id, outcome: 'failure', detail: 'CONFLICT' });
  });

  it('two racing transfers by one owner: exactly one succeeds and the org ends with exactly one owner', async () => {
    const [a, b] = await Promise.all([transfer(owner, admin.id), transfer(owner, member.id)]);
    expect([codes(a), codes(b)].sort()).toEqual([[], ['FORBIDDEN']]);
    const owners = Object.values(rolesIn()).filter((roles) => roles.includes('Owner'));
    expect(owners).toHaveLength(1);
  });
});

describe('transferOrgOwnership and MAX_ORGS_PER_USER', () => {
  let h: Harness;
  afterAll(() => h?.close());

  it('the receiver may not end up owning more organizations than the limit (ORG_LIMIT, as createOrg)', async () => {
    // The limit counts orgs owned (the owner role), not memberships: a transfer can exceed it.
    h = await startHarness({ env: { MAX_ORGS_PER_USER: '1' } });
    const owner = await h.user('owner@example.com');
    const receiver = await h.user('receiver@example.com');
    const orgId = (await h.gql<{ createOrg: { id: string } }>(CREATE, { token: owner.token, variables: { name: 'Given' } })).body.data!.createOrg.id;
    const ownOrg = (await h.gql<{ createOrg: { id: string } }>(CREATE, { token: receiver.token, variables: { name: 'Own' } })).body.data!.createOrg.id;
    await h.gql(ADD, { token: owner.token, variables: { orgId, userId: receiver.id, role: 'Member' } });
    const res = await h.gql(TRANSFER, { token: owner.token, variables: { orgId, userId: receiver.id } });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORG_LIMIT', limit: 1 });
    const roles = () => h.server.database.sqlite.prepare('select user_id, role from org_memberships where org_id = ? order by role').all(orgId);
    expect(roles()).toEqual([
      { user_id: receiver.id, role: 'Member' },
      { user_id: owner.id, role: 'Owner' },
    ]);
    // Once the receiver owns one less, the same transfer goes through.
    expect(codes(await h.gql(`mutation($id: ID!) { deleteOrg(id: $id) { deletedOrgId } }`, { token: receiver.token, variables: { id: ownOrg } }))).toEqual([]);
    expect(codes(await h.gql(TRANSFER, { token: owner.token, variables: { orgId, userId: receiver.id } }))).toEqual([]);
    expect(roles()).toEqual([
      { user_id: owner.id, role: 'Admin' },
      { user_id: receiver.id, role: 'Owner' },
    ]);
  });
});
