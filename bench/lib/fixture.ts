import { gql, type GraphQLRequest } from './load.js';
import type { Child } from './ipc.js';

/** The queries the bench sends. */
export const Q = {
  typename: '{ __typename }',
  me: '{ me { id email displayName appRole } }',
  meMemberships: '{ me { id email displayName appRole memberships { role permissions org { name } } } }',
  members: 'query Members($id: ID!) { org(id: $id) { members(first: 100) { edges { node { role user { email displayName } } } } } }',
  users: '{ users(first: 50) { totalCount edges { node { id email status } } } }',
  createOrg: 'mutation CreateOrg($name: String!) { createOrg(input: { name: $name }) { id } }',
  addMember: 'mutation Add($orgId: ID!, $userId: ID!) { addOrgMember(orgId: $orgId, userId: $userId, role: "Member") { role } }',
};

export type Upstream = { child: Child; apiUrl: string; jwksUrl: string; appId: string; apiKey: string };

export type Users = {
  adminId: string;
  memberId: string;
  otherIds: string[];
  adminToken: string;
  memberToken: string;
  /** Present in a members page only when every edge came back (join order: the owner, then user000...). */
  lastMemberEmail: string;
};

/** An app admin, a member (the future org owner) and `orgMembers - 1` more users, in the emulator. */
export async function seedUsers(upstream: Upstream, orgMembers: number): Promise<Users> {
  const adminId = await upstream.child.call<string>('seed', { email: 'admin@bench.example.com' });
  const memberId = await upstream.child.call<string>('seed', { email: 'member@bench.example.com' });
  const otherIds = await upstream.child.call<string[]>('seedMany', { prefix: 'user', count: orgMembers - 1 });
  return {
    adminId,
    memberId,
    otherIds,
    adminToken: await upstream.child.call<string>('mint', adminId),
    memberToken: await upstream.child.call<string>('mint', memberId),
    lastMemberEmail: `"user${String(orgMembers - 2).padStart(3, '0')}@bench.example.com"`,
  };
}

export async function mustGql<T>(baseUrl: string, r: GraphQLRequest, what: string): Promise<T> {
  const res = await gql<T>(baseUrl, r);
  if (res.status !== 200 || res.errors || res.data === null) throw new Error(`${what} failed: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  return res.data;
}

/** Through passgraph's API: the member creates an org and adds every other user as a Member. */
export async function createOrg(url: string, users: Users): Promise<string> {
  const created = await mustGql<{ createOrg: { id: string } }>(
    url,
    { query: Q.createOrg, variables: { name: 'Bench Org' }, token: users.memberToken },
    'createOrg',
  );
  const orgId = created.createOrg.id;
  const queue = [...users.otherIds];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        await mustGql(url, { query: Q.addMember, variables: { orgId, userId: id }, token: users.memberToken }, 'addOrgMember');
      }
    }),
  );
  const check = await mustGql<{ org: { members: { edges: unknown[] } } }>(
    url,
    { query: Q.members, variables: { id: orgId }, token: users.memberToken },
    'members',
  );
  if (check.org.members.edges.length !== users.otherIds.length + 1) {
    throw new Error(`the org has ${check.org.members.edges.length} members, expected ${users.otherIds.length + 1}`);
  }
  // The admin's first request creates their local row.
  await mustGql(url, { query: Q.me, token: users.adminToken }, 'admin me');
  return orgId;
}

/** The passgraph scenarios, by id. */
export function scenarios(users: Users, orgId: string): Array<{ id: string; scenario: string; request: GraphQLRequest; expect: string }> {
  return [
    { id: 'anon', scenario: 'anonymous `{ __typename }`', request: { query: Q.typename }, expect: '"__typename":"Query"' },
    {
      id: 'me',
      scenario: 'authenticated `me { id email displayName appRole }`',
      request: { query: Q.me, token: users.memberToken },
      expect: '"email":"member@bench.example.com"',
    },
    {
      id: 'me-memberships',
      scenario: '`me` with `memberships { role permissions org { name } }`',
      request: { query: Q.meMemberships, token: users.memberToken },
      expect: '"name":"Bench Org"',
    },
    {
      id: 'members-warm',
      scenario: '`org.members(first: 100) { role user { email displayName } }`',
      request: { query: Q.members, variables: { id: orgId }, token: users.memberToken },
      expect: users.lastMemberEmail,
    },
    { id: 'users', scenario: 'admin `users(first: 50)`', request: { query: Q.users, token: users.adminToken }, expect: '"totalCount":101' },
  ];
}

/** Environment of a passgraph process pointed at the upstream; `overrides` come last. */
export function passgraphEnv(upstream: Upstream, databaseFile: string, adminIds: string[], overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseFile,
    PASSAGE_APP_ID: upstream.appId,
    PASSAGE_API_KEY: upstream.apiKey,
    PASSAGE_API_URL: upstream.apiUrl,
    PASSAGE_JWKS_URL: upstream.jwksUrl,
    ADMIN_USER_IDS: adminIds.join(','),
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAGIC_LINKS: 'off',
    RATE_LIMIT_CREATE_USER: 'off',
    RATE_LIMIT_CREATE_ORG: 'off',
    ...overrides,
  };
}

// Variables passgraph reads; the bench drops inherited values so the caller's shell cannot skew a run.
export const PASSGRAPH_ENV =
  /^(NODE_ENV|PORT|HOST|DATABASE_URL|PASSAGE_.*|ADMIN_USER_IDS|LOG_LEVEL|GRAPHQL_INTROSPECTION|ROLES_FILE|EMULATOR_DB|CORS_ORIGINS|MAX_BODY_BYTES|MAX_RESPONSE_BYTES|MAX_ORGS_PER_USER|IDEMPOTENCY_PURGE_INTERVAL_MS|QUERY_MAX_.*|METRICS_.*|RATE_LIMIT_.*|SQLITE_BUSY_TIMEOUT_MS|JWKS_REFRESH_INTERVAL_MS|TOKEN_CACHE_MAX)$/;

/** BENCH_PG_<VAR>=value in the environment becomes <VAR>=value for passgraph (BENCH_PG_NODE_ARGS excepted). */
export function passgraphOverridesFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .filter(([key, value]) => key.startsWith('BENCH_PG_') && key !== 'BENCH_PG_NODE_ARGS' && value !== undefined)
      .map(([key, value]) => [key.slice('BENCH_PG_'.length), value!]),
  );
}

/** Starts the emulator process (latency in ms) with its database at `dbFile`. */
export async function startUpstream(
  start: (name: string, file: string, env: Record<string, string>) => Promise<{ child: Child; ready: { info?: Record<string, unknown> } }>,
  dbFile: string,
  latencyMs: number,
): Promise<Upstream> {
  const up = await start('upstream', 'servers/upstream.ts', { BENCH_UPSTREAM_DB: dbFile, BENCH_UPSTREAM_LATENCY_MS: String(latencyMs) });
  const info = up.ready.info as { apiUrl: string; jwksUrl: string; appId: string; apiKey: string };
  return { child: up.child, ...info };
}
