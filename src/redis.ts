import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/** The shared components that fall back to local behaviour while Redis is unreachable. */
export type RedisComponent = 'rate_limit' | 'invalidation' | 'lock';

/**
 * One process's connections to Redis (REDIS_URL): commands on `client`, pub/sub on `subscriber`
 * (a subscribed connection can issue nothing else). Redis only makes instances agree faster;
 * nothing waits for it: commands fail at once while it is down (no offline queue, a short command
 * timeout) and each caller falls back to what one process can do alone, reported through
 * `degraded` (logged once per outage per component, counted in metrics by the app).
 */
export type SharedRedis = {
  readonly client: Redis;
  readonly subscriber: Redis;
  /** Tells this process's messages from the others' on the shared channels. */
  readonly instanceId: string;
  /** True while the command connection is ready. */
  up(): boolean;
  /** A component fell back to local behaviour because of `err`. */
  degraded(component: RedisComponent, err: unknown): void;
  /** Called with each fallback, for metrics. */
  onDegraded(listener: (component: RedisComponent) => void): void;
  /** Called each time the connection comes back after being lost (caches may have missed messages). */
  onReconnect(listener: () => void): void;
  close(): Promise<void>;
};

export type ConnectRedisOptions = {
  log: Logger;
  /** Per command; past it the command fails and its caller falls back. Default 500 ms. */
  commandTimeoutMs?: number;
  /** How long start-up waits for the first connection before going on without it. Default 2 s. */
  connectWaitMs?: number;
};

export async function connectRedis(url: string, opts: ConnectRedisOptions): Promise<SharedRedis> {
  const { log } = opts;
  const common = {
    // Reconnects for ever, at most every 2 s: an outage ends by itself when Redis is back.
    retryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
    connectTimeout: 2000,
    lazyConnect: true,
  };
  const client = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: opts.commandTimeoutMs ?? 500 });
  // Subscriptions are queued while disconnected and restored on reconnect by ioredis.
  const subscriber = new Redis(url, { ...common, maxRetriesPerRequest: null });

  const degradedListeners: Array<(component: RedisComponent) => void> = [];
  const reconnectListeners: Array<() => void> = [];
  const warned = new Set<RedisComponent>();
  let lost = false;
  let ready = false;
  let closing = false;
  client.on('ready', () => {
    ready = true;
    warned.clear();
    if (lost) {
      lost = false;
      log.info('Redis is back: rate limits, cache invalidation and locks are shared again');
      for (const listener of reconnectListeners) listener();
    }
  });
  client.on('close', () => {
    if (ready && !closing) log.warn('Redis connection lost: rate limits, cache invalidation and locks fall back to this process until it is back');
    if (ready) lost = true;
    ready = false;
  });
  // ioredis reports each failed reconnect; the state changes above are what the log needs.
  client.on('error', () => undefined);
  subscriber.on('error', () => undefined);

  const connected = Promise.all([client.connect(), subscriber.connect()]).then(
    () => true,
    () => false,
  );
  const waited = await Promise.race([connected, new Promise<false>((resolve) => setTimeout(() => resolve(false), opts.connectWaitMs ?? 2000).unref())]);
  if (!waited) {
    lost = true;
    log.warn({ redis: redactedUrl(url) }, 'Redis not reachable at start-up: running with local rate limits, caches and locks until it is');
  }

  return {
    client,
    subscriber,
    instanceId: randomUUID(),
    up: () => ready,
    degraded(component, err) {
      for (const listener of degradedListeners) listener(component);
      if (warned.has(component)) return;
      warned.add(component);
      log.warn({ err, component }, 'Redis unavailable: falling back to this process alone');
    },
    onDegraded: (listener) => void degradedListeners.push(listener),
    onReconnect: (listener) => void reconnectListeners.push(listener),
    async close() {
      closing = true;
      client.disconnect();
      subscriber.disconnect();
    },
  };
}

/** The URL without its password, for logs. */
function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
