import { index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { timestampMs } from './columns.js';

/** PostgreSQL twin of `schema/idempotency.ts`. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    actorId: text('actor_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: ['in_progress', 'done'] }).notNull(),
    response: jsonb('response').$type<unknown>(),
    createdAt: timestampMs('created_at')
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [primaryKey({ columns: [t.actorId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);
