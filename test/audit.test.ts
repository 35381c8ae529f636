import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type GqlResult, type Harness } from './helpers/harness.js';

type Person = { id: string; token: string };
type Event = {
  id: string;
  action: string;
  outcome: string;
  errorCode: string | null;
  actor: { id: string } | null;
  target: { type: string; id: string };
  org: { id: string } | null;
  changes: unknown;
};
type Page = { edges: { cursor: string; node: Event }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

const EVENT = `id action outcome errorCode actor { id } target { type id } org { id } changes`;
const LOG = `query($first: Int, $after: String, $filter: AuditLogFilter) {
  auditLog(first: $first, after: $after, filter: $filter) { edges { cursor node { ${EVENT} } } pageInfo { hasNextPage endCursor } }
}`;
const ORG_LOG = `query($id: ID!, $first: Int, $after: String) { org(id: $id) { auditLog(first: $first, after: $after) { edges { node { ${EVENT} } } pageInfo { hasNextPage endCursor } } } }`;
const CREATE = `mutation($name: String!) { createOrg(input: { name: $name }) { id } }`;
const ADD = `mutation($orgId: ID!, $userId: ID!, $role: String!) { addOrgMember(orgId: $orgId, userId: $userId, role: $role) { role } }`;

describe('audit log API', () => {
  let h: Harness;
  let owner: Person, admin: Person, member: Person, appAdmin: Person;
  let orgId: string, otherOrgId: string;

  const log = (token: string, variables: Record<string, unknown> = {}) => h.gql<{ auditLog: Page }>(LOG, { token, variables });
  const orgLog = (token: string, variables: Record<string, unknown> = {}) =>
    h.gql<{ org: { auditLog: Page } | null }>(ORG_LOG, { token, variables: { id: orgId, ...variables } });

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['root@example.com'] });
    owner = await h.user('owner@example.com');
    admin = await h.user('admin@example.com');
    member = await h.user('member@example.com');
    appAdmin = await h.user('root@example.com');
    orgId = (await h.gql<{ createOrg: { id: string } }>(CREATE, { token: owner.token, variables: { name: 'Audited' } })).body.data!.createOrg.id;
    otherOrgId = (await h.gql<{ createOrg: { id: string } }>(CREATE, { token: admin.token, variables: { name: 'Other' } })).body.data!.createOrg.id;
    await h.gql(ADD, { token: owner.token, variables: { orgId, userId: admin.id, role: 'Admin' } });
    await h.gql(ADD, { token: owner.token, variables: { orgId, userId: member.id, role: 'Member' } });
    // Refused (an Admin cannot grant Owner): recorded as a failure.
    await h.gql(`mutation($o: ID!, $u: ID!) { changeOrgMemberRole(orgId: $o, userId: $u, role: "Owner") { role } }`, {
      token: admin.token,
      variables: { o: orgId, u: member.id },
    });
  });
  afterAll(() => h?.close());

  it('lists every event to app admins, newest first, with outcome, error code, actor, target and org', async () => {
    const res = await log(appAdmin.token, { filter: { orgId } });
    expect(res.body.errors).toBeUndefined();
    const events = res.body.data!.auditLog.edges.map((e) => e.node);
    expect(events.map((e) => [e.action, e.outcome])).toEqual([
      ['membership.change_role', 'FAILURE'],
      ['membership.add', 'SUCCESS'],
      ['membership.add', 'SUCCESS'],
      ['org.create', 'SUCCESS'],
    ]);
    expect(events[0]).toMatchObject({
      errorCode: 'FORBIDDEN',
      actor: { id: admin.id },
      target: { type: 'membership', id: `${orgId}:${member.id}` },
      org: { id: orgId },
    });
    expect(events[1]).toMatchObject({ errorCode: null, actor: { id: owner.id }, changes: { before: null, after: { userId: member.id, role: 'Member' } } });
    expect(events.map((e) => Number(e.id))).toEqual(events.map((e) => Number(e.id)).sort((a, b) => b - a));
  });

  it('filters by actor, target, action and time, and pages with cursors', async () => {
    const byActor = (await log(appAdmin.token, { filter: { actorId: admin.id } })).body.data!.auditLog.edges.map((e) => e.node);
    expect(new Set(byActor.map((e) => e.actor?.id))).toEqual(new Set([admin.id]));
    expect(byActor.map((e) => e.action)).toEqual(expect.arrayContaining(['membership.change_role', 'org.create']));
    expect(byActor.map((e) => e.action)).not.toContain('membership.add');
    const byTarget = (await log(appAdmin.token, { filter: { targetId: otherOrgId } })).body.data!.auditLog.edges.map((e) => e.node.action);
    expect(byTarget).toEqual(['org.create']);
    const byAction = (await log(appAdmin.token, { filter: { action: 'membership.add', orgId } })).body.data!.auditLog.edges;
    expect(byAction).toHaveLength(2);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await log(appAdmin.token, { filter: { since: future } })).body.data!.auditLog.edges).toEqual([]);
    expect((await log(appAdmin.token, { filter: { until: future, orgId } })).body.data!.auditLog.edges).toHaveLength(4);

    const all = (await log(appAdmin.token, { first: 100 })).body.data!.auditLog.edges.map((e) => e.node.id);
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i++) {
      const page: GqlResult<{ auditLog: Page }> = await log(appAdmin.token, { first: 2, after });
      seen.push(...page.body.data!.auditLog.edges.map((e) => e.node.id));
      if (!page.body.data!.auditLog.pageInfo.hasNextPage) break;
      after = page.body.data!.auditLog.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);
    expect(codes(await log(appAdmin.token, { first: 0 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await log(appAdmin.token, { after: 'nonsense' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('is for app admins only', async () => {
    expect(codes(await log(owner.token))).toEqual(['FORBIDDEN']);
  });

  it('Org.auditLog needs org:audit:read: the Owner has it by default, an Admin does not', async () => {
    const mine = await orgLog(owner.token);
    expect(mine.body.errors).toBeUndefined();
    const events = mine.body.data!.org!.auditLog.edges.map((e) => e.node);
    expect(events).toHaveLength(4);
    expect(new Set(events.map((e) => e.org?.id))).toEqual(new Set([orgId]));
    const denied = await orgLog(admin.token);
    expect(codes(denied)).toEqual(['FORBIDDEN']);
    expect(denied.body.errors![0]!.extensions!['reason']).toBe('MISSING_PERMISSION');
    expect(codes(await orgLog(member.token))).toEqual(['FORBIDDEN']);
    expect((await orgLog(appAdmin.token)).body.data!.org!.auditLog.edges).toHaveLength(4);
  });

  it('never shows secrets, tokens or magic-link URLs, whatever a row holds', async () => {
    // Rows are append-only; inserting one the way a careless writer might is allowed.
    h.server.database.sqlite
      .prepare(
        `insert into audit_log (at, actor_id, action, target_type, target_id, org_id, outcome, after) values (?, ?, 'test.secret', 'user', 'u1', ?, 'success', ?)`,
      )
      .run(
        Date.now(),
        owner.id,
        orgId,
        JSON.stringify({
          magicLink: { url: 'https://app.example/?psg_magic_link=SECRET-1' },
          secret: 'SECRET-2',
          nested: [{ token: 'SECRET-3' }],
          kept: 'visible',
        }),
      );
    for (const res of [await log(appAdmin.token, { filter: { action: 'test.secret' } }), await orgLog(owner.token, { first: 1 })]) {
      const text = JSON.stringify(res.body);
      expect(text).not.toContain('SECRET-');
      expect(text).toContain('visible');
    }
  });
});
