import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNamedType, isInputObjectType } from 'graphql';
import { createSchema } from '../../src/graphql/schema.js';
import { codes, startHarness, type Harness } from '../helpers/harness.js';
import { snapshot } from './support.js';

/**
 * Issue 10, items 16 and 17: every JSON input works written inline and sent as a variable, and
 * a JSON value nested too deep is refused as bad input before anything walks it.
 */

type Case = {
  /** `Input.field` of the JSON input field. */
  field: string;
  /** The mutation with `%METADATA%` where the JSON goes, and the field the result is read from. */
  inline: (metadata: string) => string;
  withVariable: string;
  variables: (metadata: unknown) => Record<string, unknown>;
  read: (data: Record<string, unknown>) => unknown;
  /** Sets the given keys and keeps the others (Passage user metadata), rather than replacing. */
  merges?: boolean;
};

describe('JSON inputs', () => {
  let h: Harness;
  let admin: { id: string; token: string };
  let orgId: string;
  let userId: string;
  let n = 0;
  const email = () => `json-${++n}@example.com`;

  const cases = (): Case[] => [
    {
      field: 'CreateOrgInput.metadata',
      inline: (m) => `mutation { r: createOrg(input: { name: "Acme", metadata: ${m} }) { metadata } }`,
      withVariable: `mutation($m: JSON) { r: createOrg(input: { name: "Acme", metadata: $m }) { metadata } }`,
      variables: (m) => ({ m }),
      read: (d) => (d['r'] as { metadata: unknown }).metadata,
    },
    {
      field: 'UpdateOrgInput.metadata',
      inline: (m) => `mutation { r: updateOrg(id: "${orgId}", input: { metadata: ${m} }) { metadata } }`,
      withVariable: `mutation($id: ID!, $m: JSON) { r: updateOrg(id: $id, input: { metadata: $m }) { metadata } }`,
      variables: (m) => ({ id: orgId, m }),
      read: (d) => (d['r'] as { metadata: unknown }).metadata,
    },
    {
      field: 'CreateUserInput.metadata',
      inline: (m) => `mutation { r: createUser(input: { email: "${email()}", metadata: ${m} }) { metadata } }`,
      withVariable: `mutation($e: String!, $m: JSON) { r: createUser(input: { email: $e, metadata: $m }) { metadata } }`,
      variables: (m) => ({ e: email(), m }),
      read: (d) => (d['r'] as { metadata: unknown }).metadata,
    },
    {
      field: 'UpdateUserInput.metadata',
      inline: (m) => `mutation { r: updateUser(id: "${userId}", input: { metadata: ${m} }) { metadata } }`,
      withVariable: `mutation($id: ID!, $m: JSON) { r: updateUser(id: $id, input: { metadata: $m }) { metadata } }`,
      variables: (m) => ({ id: userId, m }),
      read: (d) => (d['r'] as { metadata: unknown }).metadata,
      merges: true,
    },
  ];

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['root@example.com'], env: { RATE_LIMIT_CREATE_USER: 'off' } });
    admin = await h.user('root@example.com');
    userId = (await h.user('target@example.com')).id;
    const org = await h.gql<{ createOrg: { id: string } }>(`mutation { createOrg(input: { name: "Base" }) { id } }`, { token: admin.token });
    orgId = org.body.data!.createOrg.id;
  });
  afterAll(() => h?.close());

  it('covers every JSON input field of the schema', () => {
    const schema = createSchema();
    const jsonFields: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isInputObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        if (getNamedType(field.type).name === 'JSON') jsonFields.push(`${type.name}.${field.name}`);
      }
    }
    // Root-field arguments typed JSON directly would need a case too.
    for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
      for (const field of Object.values(root.getFields())) {
        for (const arg of field.args) if (getNamedType(arg.type).name === 'JSON') jsonFields.push(`${root.name}.${field.name}(${arg.name})`);
      }
    }
    expect(jsonFields.sort()).toEqual(
      cases()
        .map((c) => c.field)
        .sort(),
    );
  });

  for (const index of [0, 1, 2, 3]) {
    it(`accepts case ${index} as an inline literal and as a variable (objects, empty objects, nested values)`, async () => {
      const c = cases()[index]!;
      const inlineValues: Array<[string, unknown]> = [
        [`{ plan: "pro" }`, { plan: 'pro' }],
        [`{}`, {}],
        [
          `{ plan: "pro", seats: 5, tags: ["a", "b"], nested: { on: true, off: null } }`,
          { plan: 'pro', seats: 5, tags: ['a', 'b'], nested: { on: true, off: null } },
        ],
      ];
      for (const [literal, expected] of inlineValues) {
        const res = await h.gql(c.inline(literal), { token: admin.token });
        expect(res.body.errors, `${c.field} inline ${literal}`).toBeUndefined();
        if (c.merges) expect(c.read(res.body.data!)).toMatchObject(expected as object);
        else expect(c.read(res.body.data!)).toEqual(expected);
        const viaVariable = await h.gql(c.withVariable, { token: admin.token, variables: c.variables(expected) });
        expect(viaVariable.body.errors, `${c.field} variable ${literal}`).toBeUndefined();
        if (c.merges) expect(c.read(viaVariable.body.data!)).toMatchObject(expected as object);
        else expect(c.read(viaVariable.body.data!)).toEqual(expected);
      }
    });
  }

  it('keeps a "__proto__" key as data, inline and as a variable', async () => {
    const res = await h.gql(`mutation { createOrg(input: { name: "Proto", metadata: { __proto__: { admin: true } } }) { metadata } }`, { token: admin.token });
    expect(res.body.errors).toBeUndefined();
    expect(JSON.stringify(res.body.data)).toContain('"__proto__":{"admin":true}');
  });

  const deep = (levels: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = { a: value };
    return value;
  };

  // JSON.stringify itself overflows on such a value, so the body is written as text.
  const deepText = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  const post = async (query: string, variablesText: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}`, ...headers },
      body: `{"query":${JSON.stringify(query)},"variables":${variablesText}}`,
    });
    return { status: res.status, body: (await res.json()) as { errors?: Array<{ extensions?: Record<string, unknown> }> } };
  };

  it('item 17: refuses a JSON variable nested 20,000 deep with 400 BAD_USER_INPUT, with and without an Idempotency-Key', async () => {
    const before = snapshot(h);
    const q = `mutation($m: JSON) { createOrg(input: { name: "Deep", metadata: $m }) { id } }`;
    for (const headers of [{}, { 'idempotency-key': 'deep-1' }] as Record<string, string>[]) {
      const res = await post(q, `{"m":${deepText(20_000)}}`, headers);
      expect(res.status).toBe(400);
      expect(res.body.errors!.map((e) => e.extensions!['code'])).toEqual(['BAD_USER_INPUT']);
    }
    // An unused variable is walked by nothing of ours, but it is bounded all the same.
    const unused = await post(`mutation { updateMe(input: { displayName: "x" }) { id } }`, `{"junk":${deepText(20_000)}}`, { 'idempotency-key': 'deep-2' });
    expect(unused.status).toBe(400);
    expect(unused.body.errors!.map((e) => e.extensions!['code'])).toEqual(['BAD_USER_INPUT']);
    expect(snapshot(h)).toBe(before);
  });

  it('item 17: the depth bound is 32 levels of JSON, for variables and literals', async () => {
    const q = `mutation($m: JSON) { createOrg(input: { name: "Depth", metadata: $m }) { id } }`;
    const ok = await h.gql(q, { token: admin.token, variables: { m: deep(32) } });
    expect(ok.body.errors).toBeUndefined();
    const over = await h.gql(q, { token: admin.token, variables: { m: deep(33) } });
    expect(over.status).toBe(400);
    expect(codes(over)).toEqual(['BAD_USER_INPUT']);

    const literal = (levels: number) => `mutation { createOrg(input: { name: "Lit", metadata: ${'{ a: '.repeat(levels)}1${' }'.repeat(levels)} }) { id } }`;
    const okLiteral = await h.gql(literal(32), { token: admin.token });
    expect(okLiteral.body.errors).toBeUndefined();
    const overLiteral = await h.gql(literal(33), { token: admin.token });
    expect(overLiteral.status).toBe(400);
    expect(overLiteral.body.data ?? undefined).toBeUndefined();
  });

  it('item 17: refuses a JSON variable over the size bound with BAD_USER_INPUT', async () => {
    const q = `mutation($m: JSON) { createOrg(input: { name: "Big", metadata: $m }) { id } }`;
    const res = await h.gql(q, { token: admin.token, variables: { m: { blob: 'x'.repeat(70_000) } } });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
  });
});
