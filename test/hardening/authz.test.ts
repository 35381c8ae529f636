import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type Harness } from '../helpers/harness.js';
import { snapshot } from './support.js';

/**
 * Matrix rows 23-27 and 29-30: who may see and change what, with nothing written when the
 * answer is no. The project's codes: a refused session is 401 UNAUTHENTICATED, a broken org
 * invariant is CONFLICT (the matrix's PRECONDITION_FAILED).
 */

type Person = { id: string; token: string };

const CREATE_ORG = `mutation($name: String!) { createOrg(input: { name: $name }) { id } }`;
const ADD = `mutation($orgId: ID!, $userId: ID!, $role: String!) { addOrgMember(orgId: $orgId, userId: $userId, role: $role) { role } }`;
const CHANGE = `mutation($orgId: ID!, $userId: ID!, $role: String!) { changeOrgMemberRole(orgId: $orgId, userId: $userId, role: $role) { role } }`;

describe('authorization rows', () => {
  let h: Harness;
  let root: Person, ownerA: Person, adminA: Person, ownerB: Person, memberB: Person, coOwnerB: Person;
  let orgA: string, orgB: string;

  /** Everything except the audit log, which records refusals on purpose. */
  const state = () => {
    const all = JSON.parse(snapshot(h)) as Record<string, unknown>;
    delete all['audit_log'];
    return JSON.stringify(all);
  };
  const roleOf = (org: string, user: string) =>
    (h.server.database.sqlite.prepare('select role from org_memberships where org_id = ? and user_id = ?').get(org, user) as { role: string } | undefined)
      ?.role;

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['root@example.com'] });
    root = await h.user('root@example.com');
    ownerA = await h.user('owner-a@example.com');
    adminA = await h.user('admin-a@example.com');
    ownerB = await h.user('owner-b@example.com');
    memberB = await h.user('member-b@example.com');
    coOwnerB = await h.user('co-owner-b@example.com');
    for (const p of [root, ownerA, adminA, ownerB, memberB, coOwnerB]) await h.gql('{ me { id } }', { token: p.token });
    orgA = (await h.gql<{ createOrg: { id: string } }>(CREATE_ORG, { token: ownerA.token, variables: { name: 'A' } })).body.data!.createOrg.id;
    orgB = (await h.gql<{ createOrg: { id: string } }>(CREATE_ORG, { token: ownerB.token, variables: { name: 'B' } })).body.data!.createOrg.id;
    await h.gql(ADD, { token: ownerA.token, variables: { orgId: orgA, userId: adminA.id, role: 'Admin' } });
    await h.gql(ADD, { token: ownerB.token, variables: { orgId: orgB, userId: memberB.id, role: 'Member' } });
    await h.gql(ADD, { token: ownerB.token, variables: { orgId: orgB, userId: coOwnerB.id, role: 'Owner' } });
  });
  afterAll(() => h?.close());

  it('row 25: a member of org A reading org B gets null + NOT_FOUND, the same as for an id that does not exist', async () => {
    const query = `query($id: ID!) { org(id: $id) { id name } }`;
    const other = await h.gql(query, { token: adminA.token, variables: { id: orgB } });
    const missing = await h.gql(query, { token: adminA.token, variables: { id: 'no-such-org' } });
    expect(other.body.data).toEqual({ org: null });
    expect(codes(other)).toEqual(['NOT_FOUND']);
    expect(missing.body.data).toEqual({ org: null });
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    expect(other.body.errors![0]!.message).toBe(missing.body.errors![0]!.message);
    // The owner of B does see it, so the refusal above is about membership.
    expect((await h.gql(query, { token: ownerB.token, variables: { id: orgB } })).body.data).toMatchObject({ org: { id: orgB } });
  });

  it('row 26: an org admin (not an app admin) deactivating a user of another org is FORBIDDEN, nothing is written, the refusal is audited', async () => {
    const before = snapshot(h);
    const calls = h.emulator.calls.length;
    const res = await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: adminA.token, variables: { id: memberB.id } });
    expect(codes(res)).toEqual(['FORBIDDEN']);
    expect(snapshot(h)).toBe(before);
    const audit = h.server.database.sqlite.prepare('select actor_id as actorId, action, outcome, detail from audit_log order by id desc limit 1').get();
    expect(audit).toEqual({ actorId: adminA.id, action: 'denied.deactivateUser', outcome: 'failure', detail: 'FORBIDDEN' });
    expect(h.emulator.calls.slice(calls).filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('row 27: an org admin cannot make anyone, themself included, an owner; nothing changes', async () => {
    const before = state();
    const self = await h.gql(CHANGE, { token: adminA.token, variables: { orgId: orgA, userId: adminA.id, role: 'Owner' } });
    expect(codes(self)).toEqual(['FORBIDDEN']);
    expect(state()).toBe(before);
    await h.gql(ADD, { token: ownerA.token, variables: { orgId: orgA, userId: memberB.id, role: 'Member' } });
    const afterAdd = state();
    const other = await h.gql(CHANGE, { token: adminA.token, variables: { orgId: orgA, userId: memberB.id, role: 'Owner' } });
    expect(codes(other)).toEqual(['FORBIDDEN']);
    expect(state()).toBe(afterAdd);
    expect(roleOf(orgA, adminA.id)).toBe('Admin');
    expect(roleOf(orgA, memberB.id)).toBe('Member');
  });

  it('row 29: demoting the last owner is CONFLICT (LAST_OWNER) and nothing changes', async () => {
    const before = state();
    const res = await h.gql(CHANGE, { token: ownerA.token, variables: { orgId: orgA, userId: ownerA.id, role: 'Member' } });
    expect(codes(res)).toEqual(['CONFLICT']);
    expect(res.body.errors![0]!.extensions?.['reason']).toBe('LAST_OWNER');
    expect(state()).toBe(before);
    expect(roleOf(orgA, ownerA.id)).toBe('Owner');
  });

  it('row 30: the two remaining owners demoting themselves at once: exactly one succeeds, the other is CONFLICT', async () => {
    const [a, b] = await Promise.all([
      h.gql(CHANGE, { token: ownerB.token, variables: { orgId: orgB, userId: ownerB.id, role: 'Member' } }),
      h.gql(CHANGE, { token: coOwnerB.token, variables: { orgId: orgB, userId: coOwnerB.id, role: 'Member' } }),
    ]);
    const outcomes = [codes(a), codes(b)].map((c) => (c.length === 0 ? 'ok' : c.join()));
    expect(outcomes.sort()).toEqual(['CONFLICT', 'ok']);
    const owners = [roleOf(orgB, ownerB.id), roleOf(orgB, coOwnerB.id)].filter((r) => r === 'Owner');
    expect(owners).toHaveLength(1);
  });

  it('row 23: a deactivated user with an unexpired token is refused (401) and gets no data', async () => {
    const target = await h.user('to-deactivate@example.com');
    expect((await h.gql('{ me { id } }', { token: target.token })).status).toBe(200);
    const res = await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: root.token, variables: { id: target.id } });
    expect(res.body.errors).toBeUndefined();
    const before = snapshot(h);
    const refused = await h.gql('{ me { id email } }', { token: target.token });
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(refused.body.data ?? null).toBeNull();
    expect(snapshot(h)).toBe(before);
  });

  it('row 24: a deleted user with an unexpired token is refused (401) and their row does not come back', async () => {
    const target = await h.user('to-delete@example.com');
    expect((await h.gql('{ me { id } }', { token: target.token })).status).toBe(200);
    const res = await h.gql(`mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }`, { token: root.token, variables: { id: target.id } });
    expect(res.body.errors).toBeUndefined();
    const refused = await h.gql('{ me { id } }', { token: target.token });
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(h.server.database.sqlite.prepare('select id from users where id = ?').get(target.id)).toBeUndefined();
  });
});
