import { index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { INTENT_KINDS } from '../schema/intent.js';
import { timestampMs } from './columns.js';

/** PostgreSQL twin of `schema/intent.ts` (same kinds, one declaration). */
export const passageIntents = pgTable(
  'passage_intents',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: INTENT_KINDS }).notNull(),
    userId: text('user_id'),
    identifier: text('identifier'),
    actorId: text('actor_id').notNull(),
    input: jsonb('input').$type<Record<string, unknown>>().notNull(),
    state: text('state', { enum: ['pending', 'done', 'not_applied', 'superseded'] })
      .notNull()
      .default('pending'),
    owner: text('owner').notNull(),
    createdAt: timestampMs('created_at')
      .notNull()
      .$defaultFn(() => new Date()),
    settleAt: timestampMs('settle_at').notNull(),
    resolvedAt: timestampMs('resolved_at'),
  },
  (t) => [
    index('passage_intents_state_idx').on(t.state, t.createdAt),
    index('passage_intents_user_idx').on(t.userId, t.state),
    index('passage_intents_identifier_idx').on(t.identifier, t.state),
  ],
);
