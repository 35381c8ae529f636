import { LRUCache } from 'lru-cache';

/** A limit of `limit` calls per `windowSeconds`, counted per caller. */
export type RateLimit = Readonly<{ limit: number; windowSeconds: number }>;

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Counts calls per (bucket, caller). Async so that a store shared between processes can replace
 * the in-memory one without touching its callers.
 */
export interface RateLimiter {
  /** The buckets this limiter knows; `@rateLimit` refuses any other name at start-up. */
  readonly buckets: ReadonlySet<string>;
  /** Records one call and says whether it is within the limit. */
  consume(bucket: string, caller: string): Promise<RateDecision>;
  /** Takes back the caller's latest recorded call: it was refused before doing any work. */
  refund(bucket: string, caller: string): Promise<void>;
}

export type MemoryRateLimiterOptions = {
  /** A null limit lets every call through but still names a known bucket. */
  limits: Record<string, RateLimit | null>;
  /** Callers tracked per bucket; the least recently seen are forgotten first. Default 10,000. */
  maxCallers?: number;
  now?: () => number;
};

/**
 * Sliding-window log: the times of a caller's last `limit` calls. A call is allowed when fewer
 * than `limit` of them fall inside the window, so no burst at a window boundary can double the
 * limit. Memory per caller is bounded by the limit, and callers by `maxCallers`.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly buckets: ReadonlySet<string>;
  readonly #limits: ReadonlyMap<string, RateLimit | null>;
  readonly #logs = new Map<string, LRUCache<string, number[]>>();
  readonly #now: () => number;

  constructor(opts: MemoryRateLimiterOptions) {
    this.#limits = new Map(Object.entries(opts.limits));
    this.buckets = new Set(this.#limits.keys());
    this.#now = opts.now ?? Date.now;
    for (const [bucket, limit] of this.#limits) {
      if (!limit) continue;
      if (!(Number.isInteger(limit.limit) && limit.limit >= 1 && limit.windowSeconds > 0)) {
        throw new Error(`rate limit "${bucket}": needs limit >= 1 and windowSeconds > 0`);
      }
      // No TTL timers: an idle entry is just a few numbers, and the LRU bound caps them.
      this.#logs.set(bucket, new LRUCache<string, number[]>({ max: opts.maxCallers ?? 10_000 }));
    }
  }

  async consume(bucket: string, caller: string): Promise<RateDecision> {
    if (!this.#limits.has(bucket)) throw new Error(`unknown rate-limit bucket "${bucket}"`);
    const limit = this.#limits.get(bucket);
    const logs = this.#logs.get(bucket);
    if (!limit || !logs) return { allowed: true };

    const now = this.#now();
    const windowMs = limit.windowSeconds * 1000;
    const recent = (logs.get(caller) ?? []).filter((t) => now - t < windowMs);
    if (recent.length >= limit.limit) {
      logs.set(caller, recent);
      // The oldest call in the window is the next to leave it.
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((recent[0]! + windowMs - now) / 1000)) };
    }
    recent.push(now);
    logs.set(caller, recent);
    return { allowed: true };
  }

  async refund(bucket: string, caller: string): Promise<void> {
    this.#logs.get(bucket)?.get(caller)?.pop();
  }
}
