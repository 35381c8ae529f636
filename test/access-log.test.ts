import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers/harness.js';
import { raw } from './helpers/raw.js';

type Line = {
  level: number;
  msg: string;
  requestId?: string;
  method?: string;
  path?: string;
  status?: number;
  durationMs?: number;
  operationName?: string;
  operationType?: string;
  errorCodes?: string[];
};

const INFO = 30;
const ERROR = 50;

describe('access log: one line per request', () => {
  let h: Harness;
  let member: { id: string; token: string };
  const EMAIL = 'access-log-member@example.com';

  beforeAll(async () => {
    // PASSAGE_CACHE_TTL=0: every Passage-backed field asks the emulator, so an injected fault shows.
    h = await startHarness({ captureLogs: true, env: { LOG_LEVEL: 'info', PASSAGE_CACHE_TTL: '0', PASSAGE_CACHE_MAX_STALE: '0' } });
    member = await h.user(EMAIL);
  });
  afterAll(() => h?.close());

  /** The access line of the request with this id; waits a little, as it is written when the socket closes. */
  async function lineFor(requestId: string): Promise<{ line: Line; text: string }> {
    for (let i = 0; i < 100; i++) {
      for (const text of h.logs) {
        const line = JSON.parse(text) as Line;
        if (line.msg === 'request' && line.requestId === requestId) return { line, text };
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no access line for ${requestId}`);
  }

  it('names method, path, status, duration, operation and request id, and nothing personal', async () => {
    const result = await h.gql('query Profile { me { email } }', {
      token: member.token,
      headers: { 'x-request-id': 'access-1', cookie: 'psg_auth_token=cookie-secret' },
    });
    expect(result.body.data).toEqual({ me: { email: EMAIL } });
    const { line, text } = await lineFor('access-1');
    expect(line).toMatchObject({ level: INFO, method: 'POST', path: '/graphql', status: 200, operationName: 'Profile', operationType: 'query' });
    expect(line.durationMs).toBeTypeOf('number');
    expect(line.errorCodes).toBeUndefined();
    // Exactly one line for the request.
    expect(h.logs.filter((l) => (JSON.parse(l) as Line).requestId === 'access-1' && (JSON.parse(l) as Line).msg === 'request')).toHaveLength(1);
    for (const secret of [member.token, 'cookie-secret', EMAIL, member.id]) expect(text).not.toContain(secret);
  });

  it('drops the query string, which may carry variables', async () => {
    const query = encodeURIComponent('query Find($e: String!) { userByIdentifier(identifier: $e) { id } }');
    const variables = encodeURIComponent(JSON.stringify({ e: EMAIL }));
    const res = await raw(h.url, {
      method: 'GET',
      path: `/graphql?query=${query}&variables=${variables}`,
      headers: { 'x-request-id': 'access-2', 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBeGreaterThanOrEqual(200);
    const { line, text } = await lineFor('access-2');
    expect(line.path).toBe('/graphql');
    expect(text).not.toContain('access-log-member');
  });

  it('logs a client error with its code at info', async () => {
    const result = await h.gql('query MissingOrg { org(id: "no-such-org") { id } }', { token: member.token, headers: { 'x-request-id': 'access-3' } });
    expect(result.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const { line } = await lineFor('access-3');
    expect(line).toMatchObject({ level: INFO, status: 200, operationName: 'MissingOrg', errorCodes: ['NOT_FOUND'] });
  });

  it('logs a refused token (before GraphQL runs) at info with UNAUTHENTICATED', async () => {
    const result = await h.gql('{ me { id } }', { token: 'not-a-jwt', headers: { 'x-request-id': 'access-4' } });
    expect(result.status).toBe(401);
    const { line } = await lineFor('access-4');
    expect(line).toMatchObject({ level: INFO, status: 401, errorCodes: ['UNAUTHENTICATED'] });
  });

  it('logs a server-side failure at error with its code', async () => {
    const remove = h.emulator.injectFault({ match: { method: 'GET', pathPrefix: `/users/${member.id}` }, status: 500 });
    try {
      const result = await h.gql('query Devices { me { devices { id } } }', { token: member.token, headers: { 'x-request-id': 'access-5' } });
      expect(result.body.errors?.map((e) => e.extensions?.['code'])).toContain('UPSTREAM_UNAVAILABLE');
    } finally {
      remove();
    }
    const { line } = await lineFor('access-5');
    expect(line).toMatchObject({ level: ERROR, operationName: 'Devices' });
    expect(line.errorCodes).toContain('UPSTREAM_UNAVAILABLE');
  });

  it('logs requests outside GraphQL too (404 with its code)', async () => {
    const res = await raw(h.url, { method: 'GET', path: '/nowhere?email=someone@example.com', headers: { 'x-request-id': 'access-6' } });
    expect(res.status).toBe(404);
    const { line, text } = await lineFor('access-6');
    expect(line).toMatchObject({ level: INFO, method: 'GET', path: '/nowhere', status: 404, errorCodes: ['NOT_FOUND'] });
    expect(text).not.toContain('someone@example.com');
  });
});
