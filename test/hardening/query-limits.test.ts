import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type Harness } from '../helpers/harness.js';
import { snapshot } from './support.js';

/**
 * Matrix rows 32-37 and 39-40, 43-44: hostile documents are refused with a 400 before any
 * resolver runs. Each limit is shown from both sides (at the limit: executed; over it: 400), so
 * a test cannot pass because the document was broken in some other way.
 */

// me -> memberships -> org -> members -> edges -> node -> user: armor counts every field level,
// leaves included.
const nested = (levels: number) => {
  const path = ['me', 'memberships', 'org', 'members', 'edges', 'node', 'user', 'memberships'];
  let q = '__typename';
  for (let i = levels - 2; i >= 0; i--) q = `${path[i]} { ${q} }`;
  return `{ ${q} }`;
};

describe('query limits (defaults: graphql-armor numbers)', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness();
    ({ token } = await h.user('limits@example.com'));
  });
  afterAll(() => h?.close());

  it('row 32: refuses a document deeper than 6 levels with 400 GRAPHQL_VALIDATION_FAILED, runs one of 6', async () => {
    const ok = await h.gql(nested(6), { token });
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();

    const before = snapshot(h);
    const deep = await h.gql(nested(8), { token });
    expect(deep.status).toBe(400);
    expect(codes(deep)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(deep.body.data).toBeUndefined();
    expect(snapshot(h)).toBe(before);
  });

  it('row 33: refuses 20 aliases with 400, runs 15', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    const ok = await h.gql(aliases(15), { token });
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body.data ?? {})).toHaveLength(15);

    const res = await h.gql(aliases(20), { token });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('row 34: refuses 60 directives with 400, runs 50', async () => {
    const directives = (n: number) => `{ me { ${'id @include(if: true) '.repeat(n)} } }`;
    const ok = await h.gql(directives(50), { token });
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();

    const res = await h.gql(directives(60), { token });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('row 35: refuses a 1,200-token document with 400 GRAPHQL_PARSE_FAILED (never 500), parses 900', async () => {
    // Nine tokens per fragment (spread plus definition), and nothing else for a validator to mind.
    const fragments = (n: number) => {
      const names = Array.from({ length: n }, (_, i) => `F${i}`);
      return `{ me { ${names.map((f) => `...${f}`).join(' ')} } } ${names.map((f) => `fragment ${f} on User { id }`).join(' ')}`;
    };
    const ok = await h.gql(fragments(99), { token });
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();

    const res = await h.gql(fragments(133), { token });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('row 35: a plain syntax error stays a 400 GRAPHQL_PARSE_FAILED with the token limit on', async () => {
    const res = await h.gql(`{ me { id `, { token });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('row 36: refuses a document whose cost is over 5000 (list sizes count) with 400 QUERY_TOO_COMPLEX, runs one under', async () => {
    // Each `users(first: 100)` subtree costs 2,402 (100 x (node, id, email, devices of 10 x 2));
    // depth, aliases and tokens are all within their limits, so only the cost can refuse three.
    const users = (alias: string) => `${alias}: users(first: 100) { edges { node { id email devices { id friendlyName } } } }`;
    const two = await h.gql(`{ ${users('a')} ${users('b')} }`, { token });
    expect(two.status).toBe(200);
    expect(new Set(codes(two))).toEqual(new Set(['FORBIDDEN']));

    const three = await h.gql(`{ ${users('a')} ${users('b')} ${users('c')} }`, { token });
    expect(three.status).toBe(400);
    expect(codes(three)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(three.body.errors![0]!.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', cost: 7206, limit: 5000 });
    expect(three.body.data).toBeUndefined();
  });

  describe('item 8: cost with variables and schema defaults', () => {
    let orgId: string;
    beforeAll(async () => {
      const org = await h.gql<{ createOrg: { id: string } }>(`mutation { createOrg(input: { name: "Costly" }) { id } }`, { token });
      orgId = org.body.data!.createOrg.id;
    });
    // An ordinary page of members: what a member directory asks for.
    const page = (alias: string, first: string) =>
      `${alias}: members(${first}) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { role createdAt user { id displayName email } } } }`;

    it('a 100-member page with ordinary fields fits the default budget, written inline or as a variable', async () => {
      const inline = await h.gql(`query($id: ID!) { org(id: $id) { id name ${page('m', 'first: 100')} } }`, { token, variables: { id: orgId } });
      expect(inline.status).toBe(200);
      expect(inline.body.errors).toBeUndefined();
      const viaVariable = await h.gql(`query($id: ID!, $n: Int) { org(id: $id) { id name ${page('m', 'first: $n')} } }`, {
        token,
        variables: { id: orgId, n: 100 },
      });
      expect(viaVariable.status).toBe(200);
      expect(viaVariable.body.errors).toBeUndefined();
    });

    it('prices first: $n like the same literal: seven pages of 100 (806 each) are refused either way, with cost and limit', async () => {
      const seven = (first: string) => Array.from({ length: 7 }, (_, i) => page(`p${i}`, first)).join(' ');
      const literal = await h.gql(`query($id: ID!) { org(id: $id) { ${seven('first: 100')} } }`, { token, variables: { id: orgId } });
      expect(literal.status).toBe(400);
      expect(codes(literal)).toEqual(['QUERY_TOO_COMPLEX']);
      const variable = await h.gql(`query($id: ID!, $n: Int) { org(id: $id) { ${seven('first: $n')} } }`, { token, variables: { id: orgId, n: 100 } });
      expect(variable.status).toBe(400);
      expect(codes(variable)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(variable.body.errors![0]!.extensions).toEqual(literal.body.errors![0]!.extensions);
      expect(variable.body.errors![0]!.extensions!['limit']).toBe(5000);
      expect(variable.body.errors![0]!.extensions!['cost']).toBeGreaterThan(5000);
      expect(variable.body.errors![0]!.message).not.toMatch(/^Syntax Error/);

      // The same seven pages of 10 cost a tenth and run.
      const small = await h.gql(`query($id: ID!, $n: Int) { org(id: $id) { ${seven('first: $n')} } }`, { token, variables: { id: orgId, n: 10 } });
      expect(small.status).toBe(200);
      expect(small.body.errors).toBeUndefined();
    });

    it('counts the schema default of an omitted first (20) and of a variable left unset', async () => {
      const many = (first: string, n: number) => Array.from({ length: n }, (_, i) => page(`p${i}`, first)).join(' ');
      // Default 20 per page: 15 pages cost about 2,700 and run; with first: 100 they would not.
      const omitted = await h.gql(`query($id: ID!) { org(id: $id) { ${many('', 15).replace(/\(\)/g, '')} } }`, { token, variables: { id: orgId } });
      expect(omitted.status).toBe(200);
      const unset = await h.gql(`query($id: ID!, $n: Int = 100) { org(id: $id) { ${many('first: $n', 15)} } }`, { token, variables: { id: orgId } });
      expect(unset.status).toBe(400);
      expect(codes(unset)).toEqual(['QUERY_TOO_COMPLEX']);
    });
  });

  it('row 43: answers a variable of the wrong type with 400 BAD_USER_INPUT and writes nothing', async () => {
    const before = snapshot(h);
    const res = await h.gql(`mutation($input: UpdateMeInput!) { updateMe(input: $input) { id } }`, {
      token,
      variables: { input: { displayName: 42 } },
    });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(snapshot(h)).toBe(before);
  });
});

describe('query limits from configuration', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness({
      env: { QUERY_MAX_DEPTH: '3', QUERY_MAX_ALIASES: '2', QUERY_MAX_DIRECTIVES: '1', QUERY_MAX_COST: '8', QUERY_MAX_TOKENS: '30' },
    });
    ({ token } = await h.user('configured@example.com'));
  });
  afterAll(() => h?.close());

  it('applies each configured number', async () => {
    // Each document breaks exactly one of the limits above (costs: 3, 6, 3, 9) and every one of
    // them runs under the defaults.
    const refused: Array<[string, string]> = [
      [`{ me { memberships(first: 1) { org { __typename } } } }`, 'GRAPHQL_VALIDATION_FAILED'],
      [`{ a: me { id } b: me { id } c: me { id } }`, 'GRAPHQL_VALIDATION_FAILED'],
      [`{ me { id @include(if: true) displayName @include(if: true) } }`, 'GRAPHQL_VALIDATION_FAILED'],
      [`{ me { id displayName appRole email phone status metadata loginCount } }`, 'QUERY_TOO_COMPLEX'],
    ];
    for (const [q, code] of refused) {
      const res = await h.gql(q, { token });
      expect(res.status, q).toBe(400);
      expect(codes(res)).toEqual([code]);
    }
    const tooLong = await h.gql(`{ me { ${'id '.repeat(30)} } }`, { token });
    expect(tooLong.status).toBe(400);
    expect(codes(tooLong)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect((await h.gql(`{ me { id } }`, { token })).status).toBe(200);
  });
});

describe('query limits with a raised token limit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { QUERY_MAX_TOKENS: '20000' } });
  });
  afterAll(() => h?.close());

  it('row 37: aborts validation of 1,200 duplicate fields with a 400 when the token limit lets them through', async () => {
    const res = await h.gql(`{ me { ${'id '.repeat(1200)} } }`);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});

describe('query limits with the default token limit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('row 37: refuses 1,200 duplicate fields with a 400 before validation starts', async () => {
    const res = await h.gql(`{ me { ${'id '.repeat(1200)} } }`);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });
});

describe('production mode', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => h?.close());

  it('row 39: refuses introspection with 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const res = await h.gql(`{ __schema { types { name } } }`);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(res.body.data).toBeUndefined();
  });

  it('row 40: refuses a misspelled field without suggesting the real one', async () => {
    const res = await h.gql(`{ me { displayNam } }`);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(res.body)).not.toContain('displayName');
  });

  it('rows 39-40: development mode does suggest, so the production test above can fail', async () => {
    const dev = await startHarness();
    try {
      const res = await dev.gql(`{ me { displayNam } }`);
      expect(JSON.stringify(res.body)).toContain('displayName');
    } finally {
      await dev.close();
    }
  });
});

describe('row 44: an internal error in a resolver', () => {
  let h: Harness;
  let token: string;
  let id: string;
  beforeAll(async () => {
    h = await startHarness({ env: { NODE_ENV: 'production' } });
    ({ token, id } = await h.user('internal@example.com'));
    await h.gql(`{ me { id } }`, { token });
    // Break the table the memberships resolver reads, from outside the app: its SQL now fails.
    h.server.database.sqlite.exec('ALTER TABLE org_memberships RENAME TO org_memberships_gone');
  });
  afterAll(() => h?.close());

  it('is 200 with the field null, a bare "internal" error, and no message, SQL or stack leaked', async () => {
    const res = await h.gql<{ me: { id: string; memberships: unknown } | null }>(`{ me { id memberships { role } } }`, { token });
    expect(res.status).toBe(200);
    expect(codes(res)).toEqual(['INTERNAL_SERVER_ERROR']);
    // memberships is nullable (null also for callers who may not see it): only it is null.
    expect(res.body.data).toEqual({ me: { id, memberships: null } });
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/org_memberships|no such table|SQLITE|stack|\.ts:\d+/i);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(id).toBeTruthy();
  });
});
