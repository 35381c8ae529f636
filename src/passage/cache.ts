import type { Cache } from '../cache.js';
import type { PassageClient } from './client.js';
import { isPassageUnavailable } from './errors.js';
import type { PassageApp, PassageDevice, PassageUser, PassageUserListItem } from './types.js';

type Stored = { value: unknown; at: number };

/** A value and whether it is older than the TTL (served only because Passage failed). */
export type Read<T> = { value: T; stale: boolean };

export type PassageReaderOptions = {
  client: PassageClient;
  cache: Cache<Stored>;
  /** How long an entry is served without asking Passage again. */
  ttlMs: number;
  /** How long past the TTL an entry may still be served while Passage is unavailable. */
  maxStaleMs: number;
  /** At most this many Passage reads in flight at once, across all requests. */
  concurrency: number;
  onLookup?: (cache: string, hit: boolean) => void;
};

/**
 * Cross-request reads of what the user directory does not hold: device lists and the app. Entries live `ttlMs`; concurrent misses for the same key
 * share one upstream call; writes made through passgraph replace or drop the entries they
 * change, so a read after a write sees the new state. When Passage is unavailable an expired
 * entry is served, marked stale, rather than failing the field.
 */
export class PassageReader {
  readonly #opts: PassageReaderOptions;
  readonly #inflight = new Map<string, Promise<Read<unknown>>>();
  readonly #inflightUsers = new Map<string, Promise<PassageUser>>();
  // Bumped on every invalidation, so a fetch that started before a write cannot store old data.
  readonly #generation = new Map<string, number>();
  readonly #limit: <T>(fn: () => Promise<T>) => Promise<T>;

  constructor(opts: PassageReaderOptions) {
    this.#opts = opts;
    this.#limit = limiter(opts.concurrency);
  }

  /**
   * One user, always from Passage (the user directory is what holds users between requests);
   * concurrent reads of the same user share one call, within the shared concurrency limit.
   */
  fetchUser(id: string): Promise<PassageUser> {
    const key = `user:${id}`;
    const pending = this.#inflightUsers.get(key);
    if (pending) return pending;
    const promise = this.#limit(() => this.#opts.client.getUser(id));
    this.#inflightUsers.set(key, promise);
    const forget = () => {
      if (this.#inflightUsers.get(key) === promise) this.#inflightUsers.delete(key);
    };
    promise.then(forget, forget);
    return promise;
  }

  listDevices(userId: string): Promise<Read<PassageDevice[]>> {
    return this.#read(`devices:${userId}`, 'passage_devices', () => this.#opts.client.listDevices(userId));
  }

  getApp(): Promise<Read<PassageApp>> {
    return this.#read('app', 'passage_app', () => this.#opts.client.getApp());
  }

  /** Keeps the devices of a full user object Passage just answered with as the current list. */
  async putUser(user: PassageUser | PassageUserListItem): Promise<void> {
    if ('webauthnDevices' in user && user.webauthnDevices) await this.#store(`devices:${user.id}`, user.webauthnDevices);
  }

  async invalidateUser(id: string): Promise<void> {
    for (const key of [`devices:${id}`]) {
      this.#generation.set(key, (this.#generation.get(key) ?? 0) + 1);
      this.#inflight.delete(key);
      await this.#opts.cache.delete(key);
    }
  }

  async #store(key: string, value: unknown): Promise<void> {
    this.#generation.set(key, (this.#generation.get(key) ?? 0) + 1);
    this.#inflight.delete(key);
    if (this.#opts.ttlMs + this.#opts.maxStaleMs <= 0) return;
    await this.#opts.cache.set(key, { value, at: Date.now() }, this.#opts.ttlMs + this.#opts.maxStaleMs);
  }

  async #read<T>(key: string, name: string, fetch: () => Promise<T>): Promise<Read<T>> {
    const entry = await this.#opts.cache.get(key);
    if (entry && Date.now() - entry.at < this.#opts.ttlMs) {
      this.#opts.onLookup?.(name, true);
      return { value: entry.value as T, stale: false };
    }
    this.#opts.onLookup?.(name, false);
    const pending = this.#inflight.get(key);
    if (pending) return pending as Promise<Read<T>>;

    const promise = this.#fetch(key, entry, fetch);
    this.#inflight.set(key, promise);
    const forget = () => {
      if (this.#inflight.get(key) === promise) this.#inflight.delete(key);
    };
    promise.then(forget, forget);
    return promise;
  }

  async #fetch<T>(key: string, entry: Stored | undefined, fetch: () => Promise<T>): Promise<Read<T>> {
    const generation = this.#generation.get(key) ?? 0;
    try {
      const value = await this.#limit(fetch);
      if ((this.#generation.get(key) ?? 0) === generation && this.#opts.ttlMs + this.#opts.maxStaleMs > 0) {
        await this.#opts.cache.set(key, { value, at: Date.now() }, this.#opts.ttlMs + this.#opts.maxStaleMs);
      }
      return { value, stale: false };
    } catch (err) {
      if (entry && isPassageUnavailable(err)) return { value: entry.value as T, stale: true };
      if (!isPassageUnavailable(err)) await this.#opts.cache.delete(key);
      throw err;
    }
  }
}

/** A counting semaphore: at most `max` calls run at once, the rest wait in order. */
function limiter(max: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  // A finishing call hands its slot straight to the next waiter, so newcomers cannot jump in.
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else active -= 1;
  };
  return async (fn) => {
    if (active >= max) await new Promise<void>((resolve) => queue.push(resolve));
    else active += 1;
    try {
      return await fn();
    } finally {
      release();
    }
  };
}
