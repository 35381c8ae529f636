import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes } from '../helpers/harness.js';
import { startInstances, type Instances } from '../helpers/instances.js';
import { freePort } from '../helpers/local-service.js';

/** Nothing listens on REDIS_URL: the instances start and serve anyway, each counting alone. */
describe('Redis unreachable at start-up', () => {
  let pair: Instances;
  let startedInMs: number;
  beforeAll(async () => {
    const port = await freePort();
    const t0 = Date.now();
    pair = await startInstances({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_CREATE_ORG: '1/60' } });
    startedInMs = Date.now() - t0;
  }, 60_000);
  afterAll(() => pair?.close());

  it('starts, serves, and limits per instance, reporting the fallback', async () => {
    // Two instances, each waiting at most 2 s for Redis.
    expect(startedInMs).toBeLessThan(15_000);
    const u = await pair.user('alone@example.com');
    const create = (i: Instances['a'], name: string) =>
      i.gql('mutation($name: String!) { createOrg(input: { name: $name }) { id } }', { token: u.token, variables: { name } });
    expect(codes(await create(pair.a, 'A1'))).toEqual([]);
    expect(codes(await create(pair.a, 'A2'))).toEqual(['RATE_LIMITED']);
    // B counts alone: its own allowance is untouched.
    expect(codes(await create(pair.b, 'B1'))).toEqual([]);
    expect(await pair.a.metric('passgraph_redis_up')).toBe(0);
    expect(await pair.a.metric('passgraph_redis_fallbacks_total', { component: 'rate_limit' })).toBeGreaterThanOrEqual(2);
  });
});
