import { createHash } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import type { Cache } from '../cache.js';
import type { TokenVerifier, VerifiedToken } from './token.js';

type Entry = VerifiedToken & { kid: string };

export type TokenCacheOptions = {
  cache: Cache<Entry>;
  /** True while the signing key is still published; an entry of a removed key is dropped. */
  keyPublished?: (kid: string) => boolean;
  onLookup?: (hit: boolean) => void;
};

/**
 * Verifies each token once per lifetime: a hit skips the RSA signature check, which is the
 * most expensive part of an authenticated request. Keyed by a hash so the cache never holds a
 * usable credential; an entry never outlives the token's `exp`, and an entry whose key is no
 * longer published is dropped at once. Account state (deactivation) is checked per request
 * elsewhere, so caching the signature check does not delay it.
 */
export function withTokenCache(verifier: TokenVerifier, opts: TokenCacheOptions): TokenVerifier {
  return {
    ...verifier,
    async verify(token) {
      const key = createHash('sha256').update(token).digest('base64url');
      const hit = await opts.cache.get(key);
      if (hit && Date.now() < hit.expiresAt && (opts.keyPublished?.(hit.kid) ?? true)) {
        opts.onLookup?.(true);
        // Everything verified, impersonation included: a cached impersonation token must never
        // come back as the plain user.
        const { kid: _kid, ...verified } = hit;
        return verified;
      }
      opts.onLookup?.(false);
      if (hit) await opts.cache.delete(key);
      const verified = await verifier.verify(token);
      const ttl = verified.expiresAt - Date.now();
      if (ttl > 0) {
        const kid = decodeProtectedHeader(token).kid as string;
        await opts.cache.set(key, { ...verified, kid }, ttl);
      }
      return verified;
    },
  };
}
