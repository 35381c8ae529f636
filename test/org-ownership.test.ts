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

  it('two racing transfers by one owner: exactly one succeeds and the org ends with exactly one owner', async () => {
    const [a, b] = await Promise.all([transfer(owner, admin.id), transfer(owner, member.id)]);
    expect([codes(a), codes(b)].sort()).toEqual([[], ['FORBIDDEN']]);
    const owners = Object.values(rolesIn()).filter((roles) => roles.includes('Owner'));
    expect(owners).toHaveLength(1);
  });
});
