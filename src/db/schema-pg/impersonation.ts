import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { timestampMs } from './columns.js';

/** PostgreSQL twin of `schema/impersonation.ts`. */
export const impersonationKeys = pgTable('impersonation_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  privateJwk: text('private_jwk').notNull(),
  publicJwk: text('public_jwk').notNull(),
  createdAt: timestampMs('created_at')
    .notNull()
    .$defaultFn(() => new Date()),
  retiredAt: timestampMs('retired_at'),
  lastExpiresAt: timestampMs('last_expires_at'),
});

export const impersonationRevocations = pgTable(
  'impersonation_revocations',
  {
    jti: text('jti').primaryKey(),
    userId: text('user_id').notNull(),
    impersonatorId: text('impersonator_id').notNull(),
    revokedBy: text('revoked_by').notNull(),
    revokedAt: timestampMs('revoked_at')
      .notNull()
      .$defaultFn(() => new Date()),
    expiresAt: timestampMs('expires_at').notNull(),
  },
  (t) => [index('impersonation_revocations_expires_idx').on(t.expiresAt)],
);
