import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes } from '../helpers/harness.js';
import { startInstances, type Instances } from '../helpers/instances.js';
import { redisUnavailable, startRedis, type TestRedis } from '../helpers/redis.js';

const ME = 'query { me { id } }';
const DEVICES = 'query($id: ID!) { user(id: $id) { devices { id } } }';
const CREATE_ORG = 'mutation($name: String!) { createOrg(input: { name: $name }) { id } }';

const until = async (check: () => Promise<boolean>, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/**
 * Two instances on one SQLite file and one Redis: what one instance changes, limits or runs, the
 * other sees, shares or leaves alone. With REDIS_URL unset every check but the first fails (checked
 * once); the first holds through the shared database alone, and stays as the contract it is.
 */
describe.skipIf(redisUnavailable)('two instances sharing Redis', () => {
  let redis: TestRedis;
  let pair: Instances;
  let admin: { id: string; token: string };

  beforeAll(async () => {
    redis = await startRedis();
    pair = await startInstances({
      adminEmails: ['root@example.com'],
      env: {
        REDIS_URL: redis.url,
        RATE_LIMIT_CREATE_ORG: '3/60',
        // Short, so both instances tick many times during a test: only the lease holder may sync.
        DIRECTORY_SYNC_INTERVAL_MS: '100',
        // The Passage cache would otherwise keep B's copy for 30 s whatever A changed.
        PASSAGE_CACHE_TTL: '300',
      },
    });
    const rootId = pair.adminIds[0]!;
    admin = { id: rootId, token: await pair.emulator.mintToken(rootId) };
  }, 60_000);
  afterAll(async () => {
    await pair?.close();
    await redis?.stop();
  });

  it('a user deactivated through instance A is refused by instance B at its next request', async () => {
    const u = await pair.user('leaving@example.com');
    expect((await pair.b.gql(ME, { token: u.token })).body.data).toEqual({ me: { id: u.id } });
    const done = await pair.a.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: admin.token, variables: { id: u.id } });
    expect(done.body.errors).toBeUndefined();
    const refused = await pair.b.gql(ME, { token: u.token });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'USER_DEACTIVATED' });
  });

  it("a change made through A drops B's cached Passage data at once", async () => {
    const u = await pair.user('devices@example.com');
    const before = await pair.b.gql<{ user: { devices: Array<{ id: string }> } }>(DEVICES, { token: admin.token, variables: { id: u.id } });
    expect(before.body.data!.user.devices).toHaveLength(1);
    const revoked = await pair.a.gql(`mutation($u: ID!, $d: ID!) { revokeDevice(userId: $u, deviceId: $d) }`, {
      token: admin.token,
      variables: { u: u.id, d: before.body.data!.user.devices[0]!.id },
    });
    expect(revoked.body.errors).toBeUndefined();
    // Pub/sub delivers within milliseconds; the cache TTL is five minutes.
    await until(
      async () =>
        (await pair.b.gql<{ user: { devices: unknown[] } }>(DEVICES, { token: admin.token, variables: { id: u.id } })).body.data!.user.devices.length === 0,
    );
  });

  it('rate limits hold across instances: N+1 calls spread over both are refused once', async () => {
    const u = await pair.user('founder@example.com');
    const results = [];
    for (const [i, instance] of [pair.a, pair.b, pair.a, pair.b].entries())
      results.push(await instance.gql(CREATE_ORG, { token: u.token, variables: { name: `Org ${i}` } }));
    expect(results.map((r) => codes(r)[0] ?? 'OK')).toEqual(['OK', 'OK', 'OK', 'RATE_LIMITED']);
  });

  it('only one instance runs the directory sync', async () => {
    const runs = async () => [
      await pair.a.metric('passgraph_directory_sync_runs_total', { kind: 'incremental' }),
      await pair.b.metric('passgraph_directory_sync_runs_total', { kind: 'incremental' }),
    ];
    const start = await runs();
    // Both tick every 100 ms; wait for several runs of the holder.
    await until(async () => (await runs()).some((n, i) => n - start[i]! >= 5));
    const grown = (await runs()).map((n, i) => n - start[i]!);
    expect(grown.filter((n) => n > 0)).toHaveLength(1);
  });

  it('a Redis outage degrades to local limits and caches, never failing requests, and recovers', async () => {
    const u = await pair.user('outage@example.com');
    expect(await pair.a.metric('passgraph_redis_up')).toBe(1);
    await redis.pause();
    try {
      await until(async () => (await pair.a.metric('passgraph_redis_up')) === 0);
      const created = await pair.a.gql(CREATE_ORG, { token: u.token, variables: { name: 'During outage' } });
      expect(created.body.errors).toBeUndefined();
      expect((await pair.b.gql(ME, { token: u.token })).body.data).toEqual({ me: { id: u.id } });
      expect(await pair.a.metric('passgraph_redis_fallbacks_total', { component: 'rate_limit' })).toBeGreaterThanOrEqual(1);
      // The sync's lease cannot be read either: each instance runs it alone meanwhile.
      await until(async () => (await pair.b.metric('passgraph_redis_fallbacks_total', { component: 'lock' })) >= 1);
    } finally {
      await redis.start();
    }
    await until(async () => (await pair.a.metric('passgraph_redis_up')) === 1 && (await pair.b.metric('passgraph_redis_up')) === 1, 10_000);
    // Shared again: the limit counts in Redis (this caller's window restarted with the outage).
    const results = [];
    for (const [i, instance] of [pair.a, pair.b, pair.a, pair.b].entries())
      results.push(await instance.gql(CREATE_ORG, { token: u.token, variables: { name: `After ${i}` } }));
    expect(results.map((r) => codes(r)[0] ?? 'OK')).toEqual(['OK', 'OK', 'OK', 'RATE_LIMITED']);
  }, 30_000);
});
