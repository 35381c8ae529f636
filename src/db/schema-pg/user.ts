import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';

/** PostgreSQL twin of `schema/user.ts`. */
export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    displayName: text('display_name'),
    appRole: text('app_role', { enum: ['USER', 'ADMIN'] })
      .notNull()
      .default('USER'),
    status: text('status', { enum: ['active', 'inactive', 'pending'] })
      .notNull()
      .default('active'),
    activeOrgId: text('active_org_id'),
    ...timestamps,
  },
  (t) => [index('users_active_org_idx').on(t.activeOrgId)],
);
