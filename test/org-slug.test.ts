import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type GqlResult, type Harness } from './helpers/harness.js';

type Person = { id: string; token: string };

const CREATE = `mutation($name: String!) { createOrg(input: { name: $name }) { id slug } }`;
const UPDATE = `mutation($id: ID!, $slug: String) { updateOrg(id: $id, input: { slug: $slug }) { id slug } }`;
const BY_SLUG = `query($slug: String!) { orgBySlug(slug: $slug) { id slug name } }`;
const ORGS = `query($first: Int, $after: String, $query: String) {
  orgs(first: $first, after: $after, query: $query) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id slug name } } }
}`;
const ADD = `mutation($orgId: ID!, $userId: ID!) { addOrgMember(orgId: $orgId, userId: $userId, role: "Member") { role } }`;
const MEMBERS = `query($id: ID!, $query: String) { org(id: $id) { members(first: 100, query: $query) { totalCount edges { node { user { id } } } } } }`;

const reason = (res: GqlResult<unknown>) => res.body.errors?.[0]?.extensions?.['reason'];
type OrgsPage = {
  orgs: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: { id: string; slug: string; name: string } }[] };
};

describe('finding orgs', () => {
  let h: Harness;
  let owner: Person, alice: Person, bob: Person, outsider: Person, appAdmin: Person;
  const create = async (name: string, by = owner) =>
    (await h.gql<{ createOrg: { id: string; slug: string } }>(CREATE, { token: by.token, variables: { name } })).body.data!.createOrg;

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['root@example.com'] });
    owner = await h.user('owner@example.com');
    alice = await h.user('alice.smith@example.com');
    bob = await h.user('bob@corp.example');
    outsider = await h.user('outsider@example.com');
    appAdmin = await h.user('root@example.com');
  });
  afterAll(() => h?.close());

  it('makes a URL-safe slug from the name, with a suffix on collision', async () => {
    expect((await create('Acme Corp')).slug).toBe('acme-corp');
    expect((await create('ACME  corp!')).slug).toBe('acme-corp-2');
    expect((await create('acme corp')).slug).toBe('acme-corp-3');
    expect((await create('Café Déjà Vu')).slug).toBe('cafe-deja-vu');
    expect((await create('!!!')).slug).toBe('org');
    const long = await create('x'.repeat(100));
    expect(long.slug).toBe('x'.repeat(50));
  });

  it('updateOrg changes the slug; malformed is BAD_USER_INPUT, taken is CONFLICT', async () => {
    const a = await create('Slug A');
    const b = await create('Slug B');
    const changed = await h.gql<{ updateOrg: { slug: string } }>(UPDATE, { token: owner.token, variables: { id: a.id, slug: 'team-a' } });
    expect(changed.body.data!.updateOrg.slug).toBe('team-a');
    for (const slug of ['has space', 'Upper', 'a'.repeat(200), '', '-lead', 'trail-', 'dou--ble', 'ünï', null]) {
      const res = await h.gql(UPDATE, { token: owner.token, variables: { id: b.id, slug } });
      expect(res.body.errors?.[0]?.extensions, String(slug)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'slug' });
    }
    const taken = await h.gql(UPDATE, { token: owner.token, variables: { id: b.id, slug: 'team-a' } });
    expect(codes(taken)).toEqual(['CONFLICT']);
    expect(reason(taken)).toBe('SLUG_TAKEN');
    // Setting an org's own slug again is no conflict.
    expect(codes(await h.gql(UPDATE, { token: owner.token, variables: { id: a.id, slug: 'team-a' } }))).toEqual([]);
    const slugOf = (id: string) => (h.server.database.sqlite.prepare('select slug from orgs where id = ?').get(id) as { slug: string }).slug;
    expect(slugOf(b.id)).toBe('slug-b');
  });

  it('orgBySlug has the visibility of org(id)', async () => {
    const org = await create('Visible');
    const mine = await h.gql(BY_SLUG, { token: owner.token, variables: { slug: 'visible' } });
    expect(mine.body.data).toEqual({ orgBySlug: { id: org.id, slug: 'visible', name: 'Visible' } });
    expect((await h.gql(BY_SLUG, { token: appAdmin.token, variables: { slug: 'visible' } })).body.data).toEqual(mine.body.data);
    const hidden = await h.gql(BY_SLUG, { token: outsider.token, variables: { slug: 'visible' } });
    const missing = await h.gql(BY_SLUG, { token: outsider.token, variables: { slug: 'no-such-org' } });
    expect(codes(hidden)).toEqual(['NOT_FOUND']);
    expect(hidden.body).toEqual(missing.body);
    expect(codes(await h.gql(BY_SLUG, { token: owner.token, variables: { slug: 'Not A Slug' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.gql(BY_SLUG, { variables: { slug: 'visible' } }))).toEqual(['UNAUTHENTICATED']);
  });

  it('orgs lists every org to app admins only, pages with cursors and matches name or slug', async () => {
    const x = await create('Zebra Works', outsider);
    await h.gql(UPDATE, { token: outsider.token, variables: { id: x.id, slug: 'stripes' } });
    expect(codes(await h.gql(ORGS, { token: owner.token }))).toEqual(['FORBIDDEN']);

    const byName = await h.gql<OrgsPage>(ORGS, { token: appAdmin.token, variables: { query: 'zEBRA' } });
    expect(byName.body.data!.orgs.edges.map((e) => e.node.id)).toEqual([x.id]);
    const bySlug = await h.gql<OrgsPage>(ORGS, { token: appAdmin.token, variables: { query: 'stripe' } });
    expect(bySlug.body.data!.orgs.edges.map((e) => e.node.id)).toEqual([x.id]);
    // LIKE wildcards in the query are plain text.
    expect((await h.gql<OrgsPage>(ORGS, { token: appAdmin.token, variables: { query: '%' } })).body.data!.orgs.totalCount).toBe(0);

    const all = await h.gql<OrgsPage>(ORGS, { token: appAdmin.token, variables: { first: 100 } });
    const total = all.body.data!.orgs.totalCount;
    expect(total).toBe(all.body.data!.orgs.edges.length);
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i++) {
      const page: GqlResult<OrgsPage> = await h.gql<OrgsPage>(ORGS, { token: appAdmin.token, variables: { first: 3, after } });
      seen.push(...page.body.data!.orgs.edges.map((e) => e.node.id));
      if (!page.body.data!.orgs.pageInfo.hasNextPage) break;
      after = page.body.data!.orgs.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.body.data!.orgs.edges.map((e) => e.node.id));
    expect(codes(await h.gql(ORGS, { token: appAdmin.token, variables: { first: 101 } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.gql(ORGS, { token: appAdmin.token, variables: { after: 'junk' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('members(query) matches members by email or display name', async () => {
    const org = await create('Members');
    for (const p of [alice, bob]) await h.gql(ADD, { token: owner.token, variables: { orgId: org.id, userId: p.id } });
    await h.gql(`mutation { updateMe(input: { displayName: "Robert Tables" }) { id } }`, { token: bob.token });
    const ids = async (query: string | null) => {
      const res = await h.gql<{ org: { members: { totalCount: number; edges: { node: { user: { id: string } } }[] } } }>(MEMBERS, {
        token: owner.token,
        variables: { id: org.id, query },
      });
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.org.members.edges.map((e) => e.node.user.id).sort();
    };
    expect(await ids('ALICE.S')).toEqual([alice.id]);
    expect(await ids('robert')).toEqual([bob.id]);
    expect(await ids('example')).toEqual([owner.id, alice.id, bob.id].sort());
    expect(await ids('@corp')).toEqual([bob.id]);
    expect(await ids('nobody')).toEqual([]);
    expect(await ids('_')).toEqual([]);
    expect(await ids(null)).toHaveLength(3);
    // An outsider's email matches nothing in an org they are not in.
    expect(await ids('outsider')).toEqual([]);
  });
});
