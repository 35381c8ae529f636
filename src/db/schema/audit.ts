import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Append-only record of every org, role and admin change. No foreign keys on purpose: the
 * history outlives the users and orgs it mentions. A trigger migration refuses UPDATE and DELETE.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at', { mode: 'timestamp_ms' })
      .notNull()
      .$defaultFn(() => new Date()),
    /** Who acted. During an impersonation: the app admin, never the user they act as. */
    actorId: text('actor_id'),
    /** During an impersonation, the user the admin acted as; null otherwise. */
    onBehalfOf: text('on_behalf_of'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    orgId: text('org_id'),
    outcome: text('outcome', { enum: ['success', 'failure'] })
      .notNull()
      .default('success'),
    before: text('before', { mode: 'json' }).$type<unknown>(),
    after: text('after', { mode: 'json' }).$type<unknown>(),
    detail: text('detail'),
  },
  (t) => [index('audit_log_target_idx').on(t.targetType, t.targetId), index('audit_log_org_idx').on(t.orgId)],
);

export type AuditRow = typeof auditLog.$inferSelect;
export type NewAuditRow = typeof auditLog.$inferInsert;
