import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type Harness } from '../helpers/harness.js';

/**
 * Issue 10, item 10: one user could create thousands of organizations with 16 KB of metadata
 * each, then ask for all of them fifteen times in one small query (360 MB). Each link of that
 * chain is bounded here: the creation rate, the number of orgs owned, the price of
 * `me.memberships`, the size of one response, and what the audit log copies.
 */

const CREATE = `mutation($name: String!, $m: JSON) { createOrg(input: { name: $name, metadata: $m }) { id } }`;

describe('createOrg limits with their defaults', () => {
  let h: Harness;
  beforeAll(async () => {
    // The harness turns the createOrg rate limit off for other tests; empty means "the default".
    h = await startHarness({ env: { RATE_LIMIT_CREATE_ORG: '' } });
  });
  afterAll(() => h?.close());

  it('allows 20 createOrg calls per hour per user, then 429 RATE_LIMITED with Retry-After', async () => {
    const { token } = await h.user('rate@example.com');
    for (let i = 0; i < 20; i++) {
      const res = await h.gql(CREATE, { token, variables: { name: `Org ${i}` } });
      expect(res.body.errors, `call ${i}`).toBeUndefined();
    }
    const over = await h.gql(CREATE, { token, variables: { name: 'One too many' } });
    expect(over.status).toBe(429);
    expect(codes(over)).toEqual(['RATE_LIMITED']);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(3000);
    // Another user has an allowance of their own.
    const other = await h.user('rate-other@example.com');
    expect((await h.gql(CREATE, { token: other.token, variables: { name: 'Mine' } })).body.errors).toBeUndefined();
  });
});

describe('the cap on owned organizations (default 100)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('refuses the 101st owned org with CONFLICT ORG_LIMIT, and counts only orgs still owned', async () => {
    const { token } = await h.user('owner-cap@example.com');
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await h.gql<{ createOrg: { id: string } }>(CREATE, { token, variables: { name: `Org ${i}` } });
      expect(res.body.errors, `org ${i}`).toBeUndefined();
      ids.push(res.body.data!.createOrg.id);
    }
    const over = await h.gql(CREATE, { token, variables: { name: 'Org 100' } });
    expect(over.body.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORG_LIMIT', limit: 100 });
    const orgs = h.server.database.sqlite.prepare(`select count(*) as n from orgs`).get();
    expect(orgs).toEqual({ n: 100 });

    await h.gql(`mutation($id: ID!) { deleteOrg(id: $id) { deletedOrgId } }`, { token, variables: { id: ids[0] } });
    const again = await h.gql(CREATE, { token, variables: { name: 'Org 100' } });
    expect(again.body.errors).toBeUndefined();
  });
});

describe('me.memberships is priced by the rows it can return', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness();
    ({ token } = await h.user('priced@example.com'));
    await h.gql(CREATE, { token, variables: { name: 'One' } });
  });
  afterAll(() => h?.close());

  const aliases = (first: string) =>
    `{ me { ${Array.from({ length: 15 }, (_, i) => `m${i}: memberships${first} { role org { id name metadata } }`).join(' ')} } }`;

  it('refuses 15 full lists with QUERY_TOO_COMPLEX, runs 15 lists of 10, and keeps the list shape', async () => {
    const full = await h.gql(aliases(''), { token });
    expect(full.status).toBe(400);
    expect(codes(full)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(full.body.errors![0]!.extensions!['cost']).toBeGreaterThan(5000);

    const small = await h.gql<{ me: Record<string, Array<{ role: string }>> }>(aliases('(first: 10)'), { token });
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
    expect(small.body.data!.me['m0']).toEqual([expect.objectContaining({ role: 'Owner' })]);
  });

  it('pages with first and after (the org id of the last membership seen)', async () => {
    await h.gql(CREATE, { token, variables: { name: 'Two' } });
    await h.gql(CREATE, { token, variables: { name: 'Three' } });
    type Page = { me: { memberships: Array<{ org: { id: string; name: string } }> } };
    const first = await h.gql<Page>(`{ me { memberships(first: 2) { org { id name } } } }`, { token });
    expect(first.body.data!.me.memberships.map((m) => m.org.name)).toEqual(['One', 'Two']);
    const last = first.body.data!.me.memberships[1]!.org.id;
    const next = await h.gql<Page>(`query($after: ID) { me { memberships(first: 2, after: $after) { org { name } } } }`, { token, variables: { after: last } });
    expect(next.body.data!.me.memberships.map((m) => m.org.name)).toEqual(['Three']);
    const bad = await h.gql(`{ me { memberships(first: 101) { role } } }`, { token });
    expect(bad.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});

describe('MAX_RESPONSE_BYTES', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { MAX_RESPONSE_BYTES: '10000' } });
  });
  afterAll(() => h?.close());

  const blob = (kb: number) => ({ blob: 'x'.repeat(kb * 1000) });

  it('answers 400 RESPONSE_TOO_LARGE with the limit instead of building a response of large JSON values', async () => {
    const { token } = await h.user('big@example.com');
    for (let i = 0; i < 5; i++) await h.gql(CREATE, { token, variables: { name: `Big ${i}`, m: blob(4) } });
    const res = await h.gql(`{ me { memberships { org { name metadata } } } }`, { token });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'RESPONSE_TOO_LARGE', limit: 10000 } }] });
    // Under the bound the same list is fine.
    const two = await h.gql(`{ me { memberships(first: 2) { org { name metadata } } } }`, { token });
    expect(two.status).toBe(200);
    expect(two.body.errors).toBeUndefined();
  });

  it('says whether a mutation whose answer was too large made its changes', async () => {
    const { token } = await h.user('big-mutation@example.com');
    const created = await h.gql<{ createOrg: { id: string } }>(CREATE, { token, variables: { name: 'Small', m: {} } });
    const id = created.body.data!.createOrg.id;
    const res = await h.gql(
      `mutation($id: ID!, $m: JSON) { a: updateOrg(id: $id, input: { metadata: $m }) { metadata } b: updateOrg(id: $id, input: { name: "Renamed" }) { metadata } }`,
      {
        token,
        variables: { id, m: blob(6) },
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions).toEqual({ code: 'RESPONSE_TOO_LARGE', limit: 10000, changesApplied: true });
    const row = h.server.database.sqlite.prepare(`select name from orgs where id = ?`).get(id);
    expect(row).toEqual({ name: 'Renamed' });
  });

  it('never sends a body over the bound, whatever made it large', async () => {
    const { token } = await h.user('names@example.com');
    for (let i = 0; i < 100; i++) await h.gql(CREATE, { token, variables: { name: `${'n'.repeat(95)}${String(i).padStart(3, '0')}` } });
    const res = await h.gql(`{ me { memberships { org { name } } } }`, { token });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['RESPONSE_TOO_LARGE']);
  });
});

describe('audit rows of metadata changes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('keep a digest and the changed keys, not the metadata blob', async () => {
    const { token } = await h.user('audit-meta@example.com');
    const big = { plan: 'pro', blob: 'y'.repeat(15_000) };
    const created = await h.gql<{ createOrg: { id: string } }>(CREATE, { token, variables: { name: 'Audited', m: big } });
    const id = created.body.data!.createOrg.id;
    await h.gql(`mutation($id: ID!, $m: JSON) { updateOrg(id: $id, input: { metadata: $m }) { id } }`, {
      token,
      variables: { id, m: { ...big, plan: 'team' } },
    });
    await h.gql(`mutation($id: ID!) { deleteOrg(id: $id) { deletedOrgId } }`, { token, variables: { id } });
    const rows = h.server.database.sqlite
      .prepare(`select action, before, after from audit_log where target_id = ? and outcome = 'success' order by id`)
      .all(id) as Array<{ action: string; before: string | null; after: string | null }>;
    expect(rows.map((r) => r.action)).toEqual(['org.create', 'org.update', 'org.delete']);
    for (const row of rows) {
      expect(`${row.before ?? ''}${row.after ?? ''}`).not.toContain('yyyyyyyyyy');
      expect((row.before ?? '').length + (row.after ?? '').length).toBeLessThan(2000);
    }
    const update = JSON.parse(rows[1]!.after!) as { changedKeys: string[]; metadata: { sha256: string } };
    expect(update.changedKeys).toEqual(['plan']);
    expect(update.metadata.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
