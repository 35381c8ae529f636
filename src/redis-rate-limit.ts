import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateDecision, RateLimit, RateLimiter } from './rate-limit.js';
import type { SharedRedis } from './redis.js';

/**
 * The project's rate limits counted in Redis, so N instances allow the configured rate in total
 * rather than N times it (fixed windows, per bucket and caller). While Redis cannot answer, each
 * bucket's in-memory insurance limiter counts instead: limits become per process again, requests
 * never fail for it, and every fallback is reported as `rate_limit` degradation.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly buckets: ReadonlySet<string>;
  readonly #limiters = new Map<string, RateLimiterRedis | null>();

  constructor(redis: SharedRedis, limits: Record<string, RateLimit | null>) {
    this.buckets = new Set(Object.keys(limits));
    for (const [bucket, limit] of Object.entries(limits)) {
      if (!limit) {
        this.#limiters.set(bucket, null);
        continue;
      }
      const insuranceLimiter = new ReportingMemoryLimiter({ points: limit.limit, duration: limit.windowSeconds, keyPrefix: `insurance:${bucket}` }, (err) =>
        redis.degraded('rate_limit', err),
      );
      this.#limiters.set(
        bucket,
        new RateLimiterRedis({
          storeClient: redis.client,
          keyPrefix: `passgraph:rate:${bucket}`,
          points: limit.limit,
          duration: limit.windowSeconds,
          // Straight to the insurance while disconnected, rather than after a timeout.
          rejectIfRedisNotReady: true,
          insuranceLimiter,
        }),
      );
    }
  }

  async consume(bucket: string, caller: string): Promise<RateDecision> {
    if (!this.#limiters.has(bucket)) throw new Error(`unknown rate-limit bucket "${bucket}"`);
    const limiter = this.#limiters.get(bucket);
    if (!limiter) return { allowed: true };
    try {
      await limiter.consume(caller);
      return { allowed: true };
    } catch (res) {
      if (res instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
      throw res;
    }
  }

  async refund(bucket: string, caller: string): Promise<void> {
    await this.#limiters
      .get(bucket)
      ?.reward(caller, 1)
      .catch(() => undefined);
  }
}

/** rate-limiter-flexible calls the insurance only when Redis failed: each call is one fallback. */
class ReportingMemoryLimiter extends RateLimiterMemory {
  readonly #report: (err: unknown) => void;
  constructor(opts: ConstructorParameters<typeof RateLimiterMemory>[0], report: (err: unknown) => void) {
    super(opts);
    this.#report = report;
  }
  override consume(...args: Parameters<RateLimiterMemory['consume']>): ReturnType<RateLimiterMemory['consume']> {
    this.#report(new Error('Redis did not answer the rate-limit count'));
    return super.consume(...args);
  }
}
