import { index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';
import { orgs } from './org.js';
import { users } from './user.js';

/** PostgreSQL twin of `schema/membership.ts`. */
export const orgMemberships = pgTable(
  'org_memberships',
  {
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    additionalRoles: jsonb('additional_roles')
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
