import { index, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { timestamps } from './columns.js';
import { orgs } from './org.js';
import { users } from './user.js';

/** A user's role in one org. Role names are those of the role definitions (config, not a table). */
export const orgMemberships = sqliteTable(
  'org_memberships',
  {
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    additionalRoles: text('additional_roles', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .$defaultFn(() => []),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.userId] }),
    index('org_memberships_user_idx').on(t.userId),
    index('org_memberships_org_created_idx').on(t.orgId, t.createdAt, t.userId),
  ],
);

export type MembershipRow = typeof orgMemberships.$inferSelect;
