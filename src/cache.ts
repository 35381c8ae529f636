import { LRUCache } from 'lru-cache';

/**
 * Every cross-request cache sits behind this interface, so a shared store (Redis or similar)
 * can replace the in-process one when passgraph runs on more than one machine. Async on purpose:
 * a network store cannot answer synchronously.
 */
export interface Cache<V> {
  get(key: string): Promise<V | undefined>;
  /** `ttlMs` bounds how long the entry may be served at all. */
  set(key: string, value: V, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Visits every entry; used to purge entries by a property (e.g. a removed signing key). */
  deleteWhere(predicate: (value: V) => boolean): Promise<void>;
}

/** A bounded in-process LRU with per-entry expiry. */
export function createMemoryCache<V extends object>(max: number): Cache<V> {
  const lru = new LRUCache<string, V>({ max, ttlAutopurge: false });
  return {
    get: async (key) => lru.get(key),
    set: async (key, value, ttlMs) => {
      lru.set(key, value, { ttl: Math.max(1, Math.floor(ttlMs)) });
    },
    delete: async (key) => {
      lru.delete(key);
    },
    deleteWhere: async (predicate) => {
      for (const [key, value] of lru.entries()) if (predicate(value)) lru.delete(key);
    },
  };
}
