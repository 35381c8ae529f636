import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The keys passgraph signs impersonation tokens with (its own, never Passage's). The newest
 * unretired row signs; a retired row still verifies until `lastExpiresAt`, the `exp` of the last
 * token it signed, and is deleted after that (the JWKS idea: a new key is added, the old one
 * keeps verifying until its tokens have expired). Private keys are JWK JSON: this database is
 * as sensitive as the tokens it can mint.
 */
export const impersonationKeys = sqliteTable('impersonation_keys', {
  /** The key's RFC 7638 thumbprint, sent as the token's `kid`. */
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  privateJwk: text('private_jwk').notNull(),
  publicJwk: text('public_jwk').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .$defaultFn(() => new Date()),
  /** Set when a newer key took over signing; null for the signing key. */
  retiredAt: integer('retired_at', { mode: 'timestamp_ms' }),
  /** The latest `exp` of any token this key signed (null: none yet). */
  lastExpiresAt: integer('last_expires_at', { mode: 'timestamp_ms' }),
});

/**
 * Impersonation tokens ended early by `revokeImpersonation`, kept until the token would have
 * expired anyway (then pruned: an expired token is refused without this row).
 */
export const impersonationRevocations = sqliteTable(
  'impersonation_revocations',
  {
    jti: text('jti').primaryKey(),
    userId: text('user_id').notNull(),
    impersonatorId: text('impersonator_id').notNull(),
    revokedBy: text('revoked_by').notNull(),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' })
      .notNull()
      .$defaultFn(() => new Date()),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('impersonation_revocations_expires_idx').on(t.expiresAt)],
);

export type ImpersonationKeyRow = typeof impersonationKeys.$inferSelect;
export type ImpersonationRevocationRow = typeof impersonationRevocations.$inferSelect;
