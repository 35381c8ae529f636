import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHarness, type GqlResult, type Harness } from '../helpers/harness.js';

/**
 * The `User` field policy over real HTTP, on every path that returns a `User`, for each kind of
 * viewer: the user themself, someone sharing an org with them, a stranger, an app admin.
 *
 * - ALL: the user themself and app admins see every field.
 * - DIRECTORY: a co-member sees id, displayName and email; every other field is null with FORBIDDEN.
 * - NONE: a stranger gets no user at all (null with an error on the way to it).
 */

type Person = { id: string; token: string; email: string };
type Visibility = 'ALL' | 'DIRECTORY' | { none: 'FORBIDDEN' | 'NOT_FOUND' };

const DIRECTORY_FIELDS = ['id', 'displayName', 'email'] as const;
const PRIVATE_FIELDS = [
  'phone',
  'status',
  'emailVerified',
  'phoneVerified',
  'createdAt',
  'lastLoginAt',
  'loginCount',
  'metadata',
  'appRole',
  'devices',
  'memberships',
] as const;
const FIELDS = `id displayName email phone status emailVerified phoneVerified createdAt lastLoginAt loginCount metadata appRole devices { id } memberships { role }`;

function at(data: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | null | undefined)?.[k], data);
}

const samePath = (a: readonly (string | number)[] | undefined, b: readonly (string | number)[]) => (a ?? []).join('.') === b.join('.');
const startsWith = (a: readonly (string | number)[] | undefined, prefix: readonly (string | number)[]) =>
  (a ?? []).slice(0, prefix.length).join('.') === prefix.join('.');

/** Checks what the viewer got of `who` at `path`, field by field. */
function expectUser(res: GqlResult<unknown>, path: (string | number)[], who: Person, visibility: Visibility): void {
  const errors = res.body.errors ?? [];
  const node = at(res.body.data, path) as Record<string, unknown> | null | undefined;
  if (typeof visibility === 'object') {
    expect(node ?? null).toBeNull();
    const blocking = errors.filter((e) => startsWith(path, e.path ?? []));
    expect(blocking.map((e) => e.extensions?.['code'])).toEqual([visibility.none]);
    // Nothing about the user leaks anywhere in the answer.
    expect(JSON.stringify(res.body.data ?? null)).not.toContain(who.email);
    return;
  }
  expect(node, JSON.stringify(res.body)).toBeTruthy();
  expect(node!['id']).toBe(who.id);
  expect(node!['email']).toBe(who.email);
  expect(node!['displayName']).toBe(`Name of ${who.email}`);
  const below = errors.filter((e) => startsWith(e.path, path));
  if (visibility === 'ALL') {
    expect(below).toEqual([]);
    for (const field of PRIVATE_FIELDS) expect(node![field], field).not.toBeNull();
    expect(node!['devices']).toHaveLength(1);
    expect((node!['memberships'] as unknown[]).length).toBeGreaterThan(0);
    return;
  }
  for (const field of PRIVATE_FIELDS) {
    expect(node![field], field).toBeNull();
    const error = below.find((e) => samePath(e.path, [...path, field]));
    expect(error?.extensions, field).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_SELF' });
  }
  expect(below).toHaveLength(PRIVATE_FIELDS.length);
  for (const field of DIRECTORY_FIELDS) expect(node![field]).not.toBeNull();
}

describe('User field policy on every path', () => {
  let h: Harness;
  let root: Person, target: Person, coOwner: Person, coMember: Person, stranger: Person;
  let orgId: string;
  let seq = 0;

  /** A Passage user with every Passage field set, a passkey, a local row and a display name. */
  async function person(email: string): Promise<Person> {
    seq += 1;
    const user = await h.emulator.seedUser({
      email,
      phone: `+1415555${String(1000 + seq)}`,
      status: 'active',
      userMetadata: { secret: `metadata of ${email}` },
      loginCount: 3,
      lastLoginAt: new Date(),
      devices: [{ friendlyName: `${email} passkey`, type: 'passkey' }],
    });
    const token = await h.emulator.mintToken(user.id);
    const res = await h.gql(`mutation($n: String!) { updateMe(input: { displayName: $n }) { id } }`, { token, variables: { n: `Name of ${email}` } });
    expect(res.body.errors).toBeUndefined();
    return { id: user.id, token, email };
  }

  const add = (by: Person, userId: string, role = 'Member') =>
    h.gql(`mutation($o: ID!, $u: ID!, $r: String!) { addOrgMember(orgId: $o, userId: $u, role: $r) { user { ${FIELDS} } } }`, {
      token: by.token,
      variables: { o: orgId, u: userId, r: role },
    });

  beforeAll(async () => {
    // Every field of every member at once costs more than the default budget; the budget is not what is tested here.
    h = await startHarness({ adminEmails: ['root@example.com'], env: { QUERY_MAX_DEPTH: '8', QUERY_MAX_COST: '100000' } });
    root = await person('root@example.com');
    target = await person('target@example.com');
    coOwner = await person('co-owner@example.com');
    coMember = await person('co-member@example.com');
    stranger = await person('stranger@example.com');
    orgId = (await h.gql<{ createOrg: { id: string } }>(`mutation { createOrg(input: { name: "Shared" }) { id } }`, { token: coOwner.token })).body.data!
      .createOrg.id;
    await add(coOwner, target.id);
    await add(coOwner, coMember.id);
    // The stranger has an org of their own, so "has memberships" is not what tells them apart.
    await h.gql(`mutation { createOrg(input: { name: "Elsewhere" }) { id } }`, { token: stranger.token });
  });
  afterAll(() => h?.close());

  const viewers = () => ({ self: target, coOwner, coMember, stranger, appAdmin: root });
  type ViewerName = keyof ReturnType<typeof viewers>;

  const MEMBERS = `query($o: ID!) { org(id: $o) { members(first: 100) { edges { node { user { ${FIELDS} } } } } } }`;

  it('me and the viewer’s own membership paths: the user sees all of themself', async () => {
    const me = await h.gql(`{ me { ${FIELDS} } }`, { token: target.token });
    expectUser(me, ['me'], target, 'ALL');
    const own = await h.gql(`{ me { memberships { user { ${FIELDS} } } } }`, { token: target.token });
    expectUser(own, ['me', 'memberships', 0, 'user'], target, 'ALL');
    const viewerMembership = await h.gql(`query($o: ID!) { org(id: $o) { viewerMembership { user { ${FIELDS} } } } }`, {
      token: target.token,
      variables: { o: orgId },
    });
    expectUser(viewerMembership, ['org', 'viewerMembership', 'user'], target, 'ALL');
    const updated = await h.gql(`mutation { updateMe(input: { displayName: "Name of target@example.com" }) { ${FIELDS} } }`, { token: target.token });
    expectUser(updated, ['updateMe'], target, 'ALL');
  });

  const expectations: Record<string, Record<ViewerName, Visibility>> = {
    'user(id)': { self: 'ALL', appAdmin: 'ALL', coOwner: { none: 'FORBIDDEN' }, coMember: { none: 'FORBIDDEN' }, stranger: { none: 'FORBIDDEN' } },
    userByIdentifier: {
      self: { none: 'FORBIDDEN' },
      appAdmin: 'ALL',
      coOwner: { none: 'FORBIDDEN' },
      coMember: { none: 'FORBIDDEN' },
      stranger: { none: 'FORBIDDEN' },
    },
    'org.members.user': { self: 'ALL', appAdmin: 'ALL', coOwner: 'DIRECTORY', coMember: 'DIRECTORY', stranger: { none: 'NOT_FOUND' } },
  };

  for (const [name, byViewer] of Object.entries(expectations)) {
    for (const [viewerName, visibility] of Object.entries(byViewer)) {
      it(`${name} as ${viewerName}: ${typeof visibility === 'string' ? visibility : `nothing (${visibility.none})`}`, async () => {
        const viewer = viewers()[viewerName as ViewerName];
        if (name === 'user(id)') {
          const res = await h.gql(`query($id: ID!) { user(id: $id) { ${FIELDS} } }`, { token: viewer.token, variables: { id: target.id } });
          expectUser(res, ['user'], target, visibility);
        } else if (name === 'userByIdentifier') {
          const res = await h.gql(`query($e: String!) { userByIdentifier(identifier: $e) { ${FIELDS} } }`, {
            token: viewer.token,
            variables: { e: target.email },
          });
          expectUser(res, ['userByIdentifier'], target, visibility);
        } else {
          const res = await h.gql<{ org: { members: { edges: Array<{ node: { user: { id: string } } }> } } | null }>(MEMBERS, {
            token: viewer.token,
            variables: { o: orgId },
          });
          const index = res.body.data?.org?.members.edges.findIndex((e) => e.node.user.id === target.id) ?? -1;
          expectUser(res, index === -1 ? ['org'] : ['org', 'members', 'edges', index, 'node', 'user'], target, visibility);
          // Every other member of the page: everything for an app admin, the directory for a co-member.
          for (const [i, edge] of (res.body.data?.org?.members.edges ?? []).entries()) {
            if (edge.node.user.id === viewer.id) continue;
            const other = [coOwner, coMember, target].find((p) => p.id === edge.node.user.id)!;
            expectUser(res, ['org', 'members', 'edges', i, 'node', 'user'], other, viewerName === 'appAdmin' ? 'ALL' : 'DIRECTORY');
          }
        }
      });
    }
  }

  it('users (admin list): an app admin sees everything; nobody else gets the list', async () => {
    const query = `{ users(first: 100) { edges { node { ${FIELDS} } } } }`;
    const res = await h.gql<{ users: { edges: Array<{ node: { id: string } }> } }>(query, { token: root.token });
    const index = res.body.data!.users.edges.findIndex((e) => e.node.id === target.id);
    expectUser(res, ['users', 'edges', index, 'node'], target, 'ALL');
    for (const viewer of [target, coOwner, coMember, stranger]) {
      const refused = await h.gql(query, { token: viewer.token });
      expect(refused.body.data ?? null).toBeNull();
      expect(refused.body.errors!.map((e) => [e.path, e.extensions?.['code']])).toEqual([[['users'], 'FORBIDDEN']]);
    }
  });

  it('admin mutations returning a User: an app admin sees everything; others are refused at the field', async () => {
    const mutations: Array<[string, string, Record<string, unknown>]> = [
      ['activateUser', `mutation($id: ID!) { activateUser(id: $id) { ${FIELDS} } }`, { id: target.id }],
      ['setAppRole', `mutation($id: ID!) { setAppRole(userId: $id, role: USER) { ${FIELDS} } }`, { id: target.id }],
      [
        'updateUser',
        `mutation($id: ID!) { updateUser(id: $id, input: { metadata: { secret: "metadata of target@example.com" } }) { ${FIELDS} } }`,
        { id: target.id },
      ],
    ];
    for (const [field, mutation, variables] of mutations) {
      expectUser(await h.gql(mutation, { token: root.token, variables }), [field], target, 'ALL');
      for (const viewer of [target, coOwner, stranger]) {
        const refused = await h.gql(mutation, { token: viewer.token, variables });
        expect(refused.body.errors!.map((e) => [e.path, e.extensions?.['code']])).toEqual([[[field], 'FORBIDDEN']]);
      }
    }
  });

  it('changeOrgMemberRole (a no-op change) returns the member’s directory fields to a co-owner, not their passkeys', async () => {
    const change = `mutation($o: ID!, $u: ID!) { changeOrgMemberRole(orgId: $o, userId: $u, role: "Member") { user { ${FIELDS} } } }`;
    const byOwner = await h.gql(change, { token: coOwner.token, variables: { o: orgId, u: target.id } });
    expectUser(byOwner, ['changeOrgMemberRole', 'user'], target, 'DIRECTORY');
    const byAdmin = await h.gql(change, { token: root.token, variables: { o: orgId, u: target.id } });
    expectUser(byAdmin, ['changeOrgMemberRole', 'user'], target, 'ALL');
  });

  it('addOrgMember of someone who shared no org with the inviter: directory fields only (they share one now)', async () => {
    const newcomer = await person('newcomer@example.com');
    const byOwner = await add(coOwner, newcomer.id);
    expectUser(byOwner, ['addOrgMember', 'user'], newcomer, 'DIRECTORY');
    await h.gql(`mutation($o: ID!, $u: ID!) { removeOrgMember(orgId: $o, userId: $u) { orgId } }`, {
      token: coOwner.token,
      variables: { o: orgId, u: newcomer.id },
    });
    // After leaving, the newcomer is a stranger to the co-member again.
    const gone = await h.gql(`query($id: ID!) { user(id: $id) { id } }`, { token: coMember.token, variables: { id: newcomer.id } });
    expect(gone.body.errors!.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
    const byAdmin = await add(root, newcomer.id);
    expectUser(byAdmin, ['addOrgMember', 'user'], newcomer, 'ALL');
  });

  it('a 100-member page checks co-membership with one batched look-up', async () => {
    const services = h.server.app.services;
    for (let i = 0; i < 100; i++) {
      await services.memberships.add({ id: root.id, appRole: 'ADMIN' }, { orgId, userId: `bulk-member-${String(i).padStart(3, '0')}`, role: 'Member' });
    }
    const spy = vi.spyOn(services.memberships, 'sharingAnOrgWith');
    try {
      const res = await h.gql<{ org: { members: { edges: Array<{ node: { user: { id: string; displayName: string | null } } }> } } }>(
        `query($o: ID!) { org(id: $o) { members(first: 100) { edges { node { user { id displayName } } } } } }`,
        { token: coMember.token, variables: { o: orgId } },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.org.members.edges).toHaveLength(100);
      expect(spy).toHaveBeenCalledTimes(1);
      // The viewer's own row needs no look-up; every other member of the page is in the one batch.
      expect(spy.mock.calls[0]![1].length).toBeGreaterThanOrEqual(99);
    } finally {
      spy.mockRestore();
    }
  });
});
