import type { SharedRedis } from './redis.js';

// Takes the lease if free, or extends it if this instance holds it; 1 when held afterwards.
const ACQUIRE_OR_RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Runs a background job on at most one instance: the lease holder. */
export type Exclusive = <T>(run: () => Promise<T>) => Promise<T | undefined>;

export type LeaderLease = { exclusive: Exclusive; release(): Promise<void> };

/**
 * A lease in Redis for one background job (the directory sync, the intent reconciler). The
 * instance that holds it runs the job on each of its ticks and renews the lease while running;
 * the others skip their ticks. When the holder stops or dies, the lease lapses after `ttlMs` and
 * the next instance to tick takes over. While Redis cannot answer, each instance runs the job
 * itself (as with no Redis at all; the jobs tolerate it) and reports `lock` degradation.
 */
export function leaderLease(redis: SharedRedis, job: string, ttlMs: number): LeaderLease {
  const key = `passgraph:lease:${job}`;
  const ttl = String(Math.max(1000, Math.trunc(ttlMs)));
  const acquire = async () => (await redis.client.eval(ACQUIRE_OR_RENEW, 1, key, redis.instanceId, ttl)) === 1;
  return {
    async exclusive(run) {
      let held: boolean;
      try {
        held = await acquire();
      } catch (err) {
        redis.degraded('lock', err);
        return run();
      }
      if (!held) return undefined;
      // A run longer than the lease must not let another instance start the same job.
      const renewal = setInterval(() => void acquire().catch(() => undefined), Math.max(300, Math.trunc(Number(ttl) / 3)));
      renewal.unref();
      try {
        return await run();
      } finally {
        clearInterval(renewal);
      }
    },
    async release() {
      await redis.client.eval(RELEASE, 1, key, redis.instanceId).catch(() => undefined);
    },
  };
}
