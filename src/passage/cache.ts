import type { Cache } from '../cache.js';
import type { PassageClient } from './client.js';
import { isPassageUnavailable, PassageError } from './errors.js';
import type { UpstreamBudget } from './budget.js';
import { FairLimiter } from './fair-limiter.js';
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
  /** At most this many Passage reads in flight at once, across all requests (shared fairly, see FairLimiter). */
  concurrency: number;
  onLookup?: (cache: string, hit: boolean) => void;
  /** A write through this process changed the user: other instances drop what they hold (REDIS_URL). */
  onUserChanged?: (id: string) => void;
};

/**
 * Cross-request reads of what the user directory does not hold (device lists, the app) and of
 * users the directory has never seen (first sight). Entries live `ttlMs`; concurrent misses for the same key
 * share one upstream call once it is under way; writes made through passgraph replace or drop the entries they
 * change, so a read after a write sees the new state. When Passage is unavailable an expired
 * entry is served, marked stale, rather than failing the field.
 *
 * Each read may carry the calling request's budget: a read that needs Passage spends one of its
 * calls and waits no longer than its deadline, whether for a slot, for Passage, or for the same
 * read another request already started.
 */
export class PassageReader {
  readonly #opts: PassageReaderOptions;
  readonly #inflight = new Map<string, Promise<Read<unknown>>>();
  // Bumped on every invalidation, so a fetch that started before a write cannot store old data.
  readonly #generation = new Map<string, number>();
  readonly limiter: FairLimiter;
  // Reads without a budget (none today outside tests) share one line of the limiter.
  readonly #unbudgeted = {};

  constructor(opts: PassageReaderOptions) {
    this.#opts = opts;
    this.limiter = new FairLimiter({ max: opts.concurrency });
  }

  getUser(id: string, budget?: UpstreamBudget): Promise<Read<PassageUser>> {
    return this.#read(`user:${id}`, 'passage_user', () => this.#opts.client.getUser(id, { budget }), budget);
  }

  listDevices(userId: string, budget?: UpstreamBudget): Promise<Read<PassageDevice[]>> {
    return this.#read(`devices:${userId}`, 'passage_devices', () => this.#opts.client.listDevices(userId, { budget }), budget);
  }

  getApp(budget?: UpstreamBudget): Promise<Read<PassageApp>> {
    return this.#read('app', 'passage_app', () => this.#opts.client.getApp({ budget }), budget);
  }

  /** Stores what Passage just answered to a write (or a list page) as the current state. */
  async putUser(user: PassageUser | PassageUserListItem): Promise<void> {
    await this.#store(`user:${user.id}`, user);
    if ('webauthnDevices' in user && user.webauthnDevices) await this.#store(`devices:${user.id}`, user.webauthnDevices);
    this.#opts.onUserChanged?.(user.id);
  }

  async invalidateUser(id: string): Promise<void> {
    await this.dropUser(id);
    this.#opts.onUserChanged?.(id);
  }

  /** Forgets the user here only: another instance changed them. */
  async dropUser(id: string): Promise<void> {
    for (const key of [`user:${id}`, `devices:${id}`]) {
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

  async #read<T>(key: string, name: string, fetch: () => Promise<T>, budget: UpstreamBudget | undefined): Promise<Read<T>> {
    const generation = this.#generation.get(key) ?? 0;
    const entry = await this.#opts.cache.get(key);
    if (entry && this.#isFresh(entry)) {
      this.#opts.onLookup?.(name, true);
      return { value: entry.value as T, stale: false };
    }
    this.#opts.onLookup?.(name, false);
    const pending = this.#inflight.get(key) as Promise<Read<T>> | undefined;
    if (pending) return this.#join(pending, budget);

    // The slot is taken before the call is shared: a read still waiting in one request's line is
    // not joined by others, who would then wait behind that whole line.
    let release: () => void;
    try {
      budget?.check();
      release = await this.limiter.acquire(budget ?? this.#unbudgeted, budget);
    } catch (err) {
      if (entry && isPassageUnavailable(err)) return { value: entry.value as T, stale: true };
      throw err;
    }
    // While this waited, another request may have read the same thing, or started to.
    const latest = await this.#opts.cache.get(key);
    const started = this.#inflight.get(key) as Promise<Read<T>> | undefined;
    if ((latest && this.#isFresh(latest)) || started) {
      release();
      return started ? this.#join(started, budget) : { value: latest!.value as T, stale: false };
    }

    const promise = this.#fetch(key, entry, fetch, generation);
    this.#inflight.set(key, promise);
    const settled = () => {
      release();
      if (this.#inflight.get(key) === promise) this.#inflight.delete(key);
    };
    promise.then(settled, settled);
    return promise;
  }

  #isFresh(entry: Stored | undefined): boolean {
    return entry !== undefined && Date.now() - entry.at < this.#opts.ttlMs;
  }

  /** Waits for a read another request started, no longer than this request's deadline. */
  #join<T>(pending: Promise<Read<T>>, budget: UpstreamBudget | undefined): Promise<Read<T>> {
    return budget ? budget.within(pending) : pending;
  }

  async #fetch<T>(key: string, entry: Stored | undefined, fetch: () => Promise<T>, generation: number): Promise<Read<T>> {
    try {
      const value = await fetch();
      if ((this.#generation.get(key) ?? 0) === generation && this.#opts.ttlMs + this.#opts.maxStaleMs > 0) {
        await this.#opts.cache.set(key, { value, at: Date.now() }, this.#opts.ttlMs + this.#opts.maxStaleMs);
      }
      return { value, stale: false };
    } catch (err) {
      if (entry && isPassageUnavailable(err)) return { value: entry.value as T, stale: true };
      // Only Passage's own "no" (a 404 for a deleted user) makes the entry wrong; a refusal of ours does not.
      if (passageSaidNo(err)) await this.#opts.cache.delete(key);
      throw err;
    }
  }
}

/** Passage answered the request with a 4xx (not 429): what we held for it may no longer be true. */
function passageSaidNo(err: unknown): boolean {
  return err instanceof PassageError && err.status >= 400 && err.status < 500 && err.status !== 429 && err.code !== 'invalid_id';
}
