import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const INTENT_KINDS = ['create_user', 'update_user', 'activate_user', 'deactivate_user', 'delete_user', 'revoke_device', 'revoke_sessions'] as const;

export type IntentKind = (typeof INTENT_KINDS)[number];

/**
 * A change passgraph asked (or is about to ask) Passage to make, written before the call so a
 * crash, a busy database or a lost answer between Passage and the local commit is never
 * forgotten: the reconciler reads Passage for every intent left `pending` and makes the local
 * rows match. `done` and `superseded` rows stay a day so a retry can recognise its own earlier
 * attempt; an intent Passage refused leaves no row (its audit row says why).
 */
export const passageIntents = sqliteTable(
  'passage_intents',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: INTENT_KINDS }).notNull(),
    /** The Passage user the change is about; for create_user only once Passage named them. */
    userId: text('user_id'),
    /** create_user: the lower-cased email or phone, which is what identifies the user before Passage does. */
    identifier: text('identifier'),
    actorId: text('actor_id').notNull(),
    /** What was asked (fields, device id): compared to recognise a retry of the same request. */
    input: text('input', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    state: text('state', { enum: ['pending', 'done', 'not_applied', 'superseded'] })
      .notNull()
      .default('pending'),
    /** The process that made the call; intents of another (dead) process are the reconciler's. */
    owner: text('owner').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' })
      .notNull()
      .$defaultFn(() => new Date()),
    /**
     * Until then an unanswered call may still be applied by Passage, so "not changed yet" is no
     * proof that it never will be: only after it may the reconciler conclude "not applied".
     */
    settleAt: integer('settle_at', { mode: 'timestamp_ms' }).notNull(),
    resolvedAt: integer('resolved_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('passage_intents_state_idx').on(t.state, t.createdAt),
    index('passage_intents_user_idx').on(t.userId, t.state),
    index('passage_intents_identifier_idx').on(t.identifier, t.state),
  ],
);

export type IntentRow = typeof passageIntents.$inferSelect;
export type NewIntentRow = typeof passageIntents.$inferInsert;
