import type { SharedRedis } from './redis.js';

const CHANNEL = 'passgraph:invalidate';

/** What changed: the in-process caches drop what they hold about it. */
export type Invalidation = { kind: 'user'; id: string };

export type InvalidationBus = {
  /** Tells every other instance; this process drops its own entries itself. Never throws. */
  publish(message: Invalidation): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Cross-instance invalidation of in-process caches over Redis pub/sub: a change made through one
 * instance is dropped from the caches of the others within a message's delivery. Pub/sub keeps no
 * history, so messages sent while an instance was cut off are lost: on reconnect, `onMissed`
 * lets it drop everything it holds instead. A failed publish falls back to the caches' TTLs
 * (reported as `invalidation` degradation).
 */
export async function startInvalidationBus(
  redis: SharedRedis,
  handlers: { onMessage(message: Invalidation): void | Promise<void>; onMissed(): void | Promise<void> },
): Promise<InvalidationBus> {
  const listener = (channel: string, raw: string) => {
    if (channel !== CHANNEL) return;
    let parsed: { from?: unknown; kind?: unknown; id?: unknown };
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.from === redis.instanceId || parsed.kind !== 'user' || typeof parsed.id !== 'string') return;
    void Promise.resolve(handlers.onMessage({ kind: 'user', id: parsed.id })).catch(() => undefined);
  };
  redis.subscriber.on('message', listener);
  redis.onReconnect(() => void Promise.resolve(handlers.onMissed()).catch(() => undefined));
  // While Redis is down ioredis queues the subscription until it connects: start-up does not wait.
  const subscribed = redis.subscriber.subscribe(CHANNEL).catch(() => undefined);
  if (redis.up()) await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  return {
    async publish(message) {
      try {
        await redis.client.publish(CHANNEL, JSON.stringify({ from: redis.instanceId, ...message }));
      } catch (err) {
        redis.degraded('invalidation', err);
      }
    },
    async stop() {
      redis.subscriber.off('message', listener);
      // Queued, never answered, while Redis is down: shutdown does not wait for it.
      if (redis.up())
        await Promise.race([redis.subscriber.unsubscribe(CHANNEL).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    },
  };
}
