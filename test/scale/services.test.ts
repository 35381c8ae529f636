import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Redis } from 'ioredis';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { redisUnavailable, startRedis, type TestRedis } from '../helpers/redis.js';

// The helpers themselves: what every scale-out test stands on.
describe.skipIf(postgresUnavailable)('test PostgreSQL', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.stop());

  it('runs PostgreSQL 15 or later on loopback and hands out fresh databases', async () => {
    const url = await server.createDatabase();
    expect(new URL(url).hostname).toBe('127.0.0.1');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ v: string; tables: string }>(
        "select current_setting('server_version_num') as v, (select count(*) from information_schema.tables where table_schema = 'public') as tables",
      );
      expect(Number(rows[0]!.v)).toBeGreaterThanOrEqual(150000);
      expect(Number(rows[0]!.tables)).toBe(0);
    } finally {
      await client.end();
    }
  });
});

describe.skipIf(redisUnavailable)('test Redis', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startRedis();
  }, 30_000);
  afterAll(() => server?.stop());

  it('runs redis-server on loopback, and can be paused and started again on the same port', async () => {
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await server.pause();
    const down = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    await expect(down.connect()).rejects.toThrow();
    down.disconnect();
    await server.start();
    const again = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await again.connect();
    expect(await again.ping()).toBe('PONG');
    again.disconnect();
  });
});
