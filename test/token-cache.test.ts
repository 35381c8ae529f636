import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryCache } from '../src/cache.js';
import { withTokenCache } from '../src/auth/token-cache.js';
import type { TokenVerifier } from '../src/auth/token.js';

// The verified-token cache's own rules (src/auth/token-cache.ts), with a fake verifier; the
// server-level behaviour is in cache.test.ts.

type Entry = { userId: string; expiresAt: number; kid: string };
const token = (kid = 'k1', n = '') => `${Buffer.from(JSON.stringify({ alg: 'RS256', kid })).toString('base64url')}.e30.sig${n}`;

function fake(expiresInMs = 60_000) {
  const state = { calls: 0, fail: false };
  const verifier: TokenVerifier = {
    verify: async () => {
      state.calls++;
      if (state.fail) throw new Error('refused');
      return { userId: 'u1', expiresAt: Date.now() + expiresInMs };
    },
    warm: async () => {},
    refresh: async () => true,
    keyPublished: () => true,
  };
  return { verifier, state };
}

afterEach(() => vi.useRealTimers());

describe('withTokenCache', () => {
  it('reports hits and misses, and answers a hit with the user and expiry only', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const { verifier, state } = fake();
    const lookups: boolean[] = [];
    const cached = withTokenCache(verifier, { cache: createMemoryCache<Entry>(10), onLookup: (hit) => lookups.push(hit) });
    await expect(cached.verify(token())).resolves.toEqual({ userId: 'u1', expiresAt: 1_060_000 });
    await expect(cached.verify(token())).resolves.toEqual({ userId: 'u1', expiresAt: 1_060_000 });
    expect([state.calls, lookups]).toEqual([1, [false, true]]);
  });

  it('treats the expiry instant itself as expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const { verifier, state } = fake(1000);
    const cached = withTokenCache(verifier, { cache: createMemoryCache<Entry>(10) });
    await cached.verify(token());
    vi.setSystemTime(1_001_000);
    state.fail = true;
    await expect(cached.verify(token())).rejects.toThrow('refused');
    expect(state.calls).toBe(2);
  });

  it('without keyPublished, every key counts as published', async () => {
    const { verifier, state } = fake();
    const cached = withTokenCache(verifier, { cache: createMemoryCache<Entry>(10) });
    await cached.verify(token());
    await cached.verify(token());
    expect(state.calls).toBe(1);
  });

  it('asks about the kid of the cached token, and removes an entry it will not serve', async () => {
    const { verifier, state } = fake();
    const asked: string[] = [];
    let published = true;
    const cache = createMemoryCache<Entry>(10);
    const cached = withTokenCache(verifier, {
      cache,
      keyPublished: (kid) => {
        asked.push(kid);
        return published;
      },
    });
    await cached.verify(token('key-A'));
    await cached.verify(token('key-A'));
    expect([state.calls, asked]).toEqual([1, ['key-A']]);

    published = false;
    state.fail = true;
    await expect(cached.verify(token('key-A'))).rejects.toThrow('refused');
    // The refused token left nothing behind: once the key is back, it is verified again.
    published = true;
    state.fail = false;
    await cached.verify(token('key-A'));
    expect(state.calls).toBe(3);
  });

  it('keys entries by the whole token: another token is verified on its own', async () => {
    const { verifier, state } = fake();
    const cached = withTokenCache(verifier, { cache: createMemoryCache<Entry>(10) });
    await cached.verify(token('k1', 'a'));
    await cached.verify(token('k1', 'b'));
    expect(state.calls).toBe(2);
  });
});
