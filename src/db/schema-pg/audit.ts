import { bigint, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { timestampMs } from './columns.js';

/** PostgreSQL twin of `schema/audit.ts`; a custom migration adds the append-only triggers. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    at: timestampMs('at')
      .notNull()
      .$defaultFn(() => new Date()),
    actorId: text('actor_id'),
    onBehalfOf: text('on_behalf_of'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    orgId: text('org_id'),
    outcome: text('outcome', { enum: ['success', 'failure'] })
      .notNull()
      .default('success'),
    before: jsonb('before').$type<unknown>(),
    after: jsonb('after').$type<unknown>(),
    detail: text('detail'),
  },
  (t) => [index('audit_log_target_idx').on(t.targetType, t.targetId), index('audit_log_org_idx').on(t.orgId)],
);
