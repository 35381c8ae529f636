import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type Harness } from './helpers/harness.js';
import { raw } from './helpers/raw.js';

describe('HTTP edge', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: true, migrations: true, accepting: true, directory: true } });
  });

  it('echoes a caller request id and makes one up otherwise', async () => {
    const given = await fetch(`${h.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await fetch(`${h.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers malformed JSON with 400 and a JSON error body', async () => {
    const res = await raw(h.url, { headers: { 'content-type': 'application/json' }, body: '{"query": "{ me { id } }"' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('refuses a simple content type (CSRF prevention) with 400', async () => {
    const res = await raw(h.url, { headers: { 'content-type': 'text/plain' }, body: '{"query":"{ me { id } }"}' });
    expect(res.status).toBe(400);
  });

  it('answers unknown fields with 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const res = await h.gql(`{ me { id passwordHash } }`);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('answers a parse error with 400 GRAPHQL_PARSE_FAILED', async () => {
    const res = await h.gql(`{ me { id `);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('refuses batched (array) requests', async () => {
    const res = await raw(h.url, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ me { id } }' }, { query: '{ app { id } }' }]),
    });
    expect(res.status).toBe(400);
  });

  it('refuses a mutation over GET with 405', async () => {
    const query = encodeURIComponent('mutation { updateMe(input: {displayName: "x"}) { id } }');
    const res = await raw(h.url, { method: 'GET', path: `/graphql?query=${query}`, headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(405);
  });

  it('serves queries over GET with the preflight header', async () => {
    const res = await raw(h.url, {
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent('{ app { id } }')}`,
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ data: { app: { id: h.emulator.appId } } });
  });

  it('refuses a body over 1 MB with 413', async () => {
    const res = await raw(h.url, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ me { id } }`, variables: { pad: 'x'.repeat(1_100_000) } }),
    });
    expect(res.status).toBe(413);
  });

  it('answers unknown paths and methods with JSON errors', async () => {
    expect((await raw(h.url, { method: 'GET', path: '/nope' })).status).toBe(404);
    expect((await raw(h.url, { method: 'DELETE' })).status).toBe(405);
  });

  it('rejects variables of the wrong type with 400 BAD_USER_INPUT', async () => {
    const res = await h.gql(`mutation($input: UpdateMeInput!) { updateMe(input: $input) { id } }`, {
      variables: { input: { displayName: 42, unknown: true } },
    });
    expect(res.status).toBe(400);
    // One error per problem: the wrong type and the unknown field.
    expect(codes(res)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
  });

  it('serves a local landing page that loads nothing from a CDN', async () => {
    const res = await fetch(`${h.url}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('/graphql');
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
  });

  it('never includes stack traces in error responses', async () => {
    const res = await h.gql(`{ me { id } nope }`);
    expect(JSON.stringify(res.body)).not.toContain('stacktrace');
  });
});

describe('shutdown', () => {
  it('reports not ready as soon as shutdown begins', async () => {
    const h = await startHarness();
    try {
      h.server.app.beginShutdown();
      const res = await fetch(`${h.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ checks: { accepting: false } });
    } finally {
      await h.close();
    }
  });
});

describe('production mode', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => h?.close());

  it('turns introspection off', async () => {
    const res = await h.gql(`{ __schema { queryType { name } } }`);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('gives no "Did you mean" suggestions', async () => {
    const res = await h.gql(`{ mee { id } }`);
    expect(res.body.errors![0]!.message).not.toMatch(/Did you mean/);
  });

  it('serves no landing page', async () => {
    expect((await fetch(`${h.url}/`)).status).toBe(404);
  });
});

describe('introspection override', () => {
  it('is on in production when GRAPHQL_INTROSPECTION=true', async () => {
    const h = await startHarness({ env: { NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' } });
    try {
      const res = await h.gql(`{ __schema { queryType { name } } }`);
      expect(res.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    } finally {
      await h.close();
    }
  });
});
