import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type Harness } from './helpers/harness.js';

type Person = { id: string; token: string };

const CREATE = `mutation($name: String!) { createOrg(input: { name: $name }) { id } }`;
const ADD = `mutation($orgId: ID!, $userId: ID!) { addOrgMember(orgId: $orgId, userId: $userId, role: "Member") { role } }`;
const REMOVE = `mutation($orgId: ID!, $userId: ID!) { removeOrgMember(orgId: $orgId, userId: $userId) { removedUserId } }`;
const SET = `mutation($orgId: ID) { setActiveOrg(input: { orgId: $orgId }) { id activeOrg { role org { id } } } }`;
const ME = `{ me { activeOrg { org { id } } } }`;

describe('active org', () => {
  let h: Harness;
  let owner: Person, member: Person, appAdmin: Person;
  const newOrg = async () => (await h.gql<{ createOrg: { id: string } }>(CREATE, { token: owner.token, variables: { name: 'Org' } })).body.data!.createOrg.id;
  const activeOf = async (p: Person) =>
    (await h.gql<{ me: { activeOrg: { org: { id: string } } | null } }>(ME, { token: p.token })).body.data!.me.activeOrg?.org.id ?? null;
  const stored = (p: Person) => (h.server.database.sqlite.prepare('select active_org_id as a from users where id = ?').get(p.id) as { a: string | null }).a;

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['root@example.com'] });
    owner = await h.user('owner@example.com');
    member = await h.user('member@example.com');
    appAdmin = await h.user('root@example.com');
  });
  afterAll(() => h?.close());

  it('sets an org the viewer belongs to, returns the user, and clears with null', async () => {
    const orgId = await newOrg();
    const res = await h.gql(SET, { token: owner.token, variables: { orgId } });
    expect(res.body).toEqual({ data: { setActiveOrg: { id: owner.id, activeOrg: { role: 'Owner', org: { id: orgId } } } } });
    expect(await activeOf(owner)).toBe(orgId);
    const cleared = await h.gql(SET, { token: owner.token, variables: { orgId: null } });
    expect(cleared.body).toEqual({ data: { setActiveOrg: { id: owner.id, activeOrg: null } } });
    expect(stored(owner)).toBeNull();
  });

  it('refuses an org the viewer does not belong to (NOT_FOUND, like org(id)), app admins included', async () => {
    const orgId = await newOrg();
    for (const p of [member, appAdmin]) {
      expect(codes(await h.gql(SET, { token: p.token, variables: { orgId } }))).toEqual(['NOT_FOUND']);
      expect(stored(p)).toBeNull();
    }
    expect(codes(await h.gql(SET, { token: member.token, variables: { orgId: 'no-such-org' } }))).toEqual(['NOT_FOUND']);
    expect(codes(await h.gql(SET, { variables: { orgId } }))).toEqual(['UNAUTHENTICATED']);
  });

  it('is cleared when the membership ends: removal, leaving, and the org being deleted', async () => {
    const removedFrom = await newOrg();
    await h.gql(ADD, { token: owner.token, variables: { orgId: removedFrom, userId: member.id } });
    await h.gql(SET, { token: member.token, variables: { orgId: removedFrom } });
    expect(await activeOf(member)).toBe(removedFrom);
    await h.gql(REMOVE, { token: owner.token, variables: { orgId: removedFrom, userId: member.id } });
    expect(stored(member)).toBeNull();
    expect(await activeOf(member)).toBeNull();

    const left = await newOrg();
    await h.gql(ADD, { token: owner.token, variables: { orgId: left, userId: member.id } });
    await h.gql(SET, { token: member.token, variables: { orgId: left } });
    await h.gql(REMOVE, { token: member.token, variables: { orgId: left, userId: member.id } });
    expect(stored(member)).toBeNull();

    const deleted = await newOrg();
    await h.gql(SET, { token: owner.token, variables: { orgId: deleted } });
    expect(codes(await h.gql(`mutation($id: ID!) { deleteOrg(id: $id) { deletedOrgId } }`, { token: owner.token, variables: { id: deleted } }))).toEqual([]);
    expect(stored(owner)).toBeNull();
    expect(await activeOf(owner)).toBeNull();
  });

  it('removing someone else from another org leaves the active org alone', async () => {
    const a = await newOrg();
    const b = await newOrg();
    await h.gql(ADD, { token: owner.token, variables: { orgId: a, userId: member.id } });
    await h.gql(ADD, { token: owner.token, variables: { orgId: b, userId: member.id } });
    await h.gql(SET, { token: member.token, variables: { orgId: a } });
    await h.gql(REMOVE, { token: owner.token, variables: { orgId: b, userId: member.id } });
    expect(await activeOf(member)).toBe(a);
  });

  it('only the user themself reads it, not co-members or app admins', async () => {
    const orgId = await newOrg();
    await h.gql(ADD, { token: owner.token, variables: { orgId, userId: member.id } });
    await h.gql(SET, { token: member.token, variables: { orgId } });
    const q = `query($id: ID!) { user(id: $id) { id activeOrg { role } } }`;
    const res = await h.gql<{ user: { activeOrg: unknown } }>(q, { token: appAdmin.token, variables: { id: member.id } });
    expect(codes(res)).toEqual(['FORBIDDEN']);
    expect(res.body.errors![0]!.extensions!['reason']).toBe('NOT_SELF');
    expect(res.body.data!.user.activeOrg).toBeNull();
  });
});
